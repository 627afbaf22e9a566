"""HTTP data dips against a real local business system (an http.server in a thread).

The server records every connection and request, so a refusal can be shown to have sent nothing.
This machine resolves no host names but `localhost`; the tests that need a name such as
`api.bank.example` pass a resolver that maps it to the local server's address, and the connection
that follows is real.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from runtime.actions import Fetch
from runtime.config import RuntimeConfig
from runtime.effects import HttpClient, LiveEffects
from runtime.effects.allow import parse_allow_entry
from runtime.effects.http import DEFAULT_TIMEOUT, save_values
from runtime.errors import EffectBlocked
from sce.errors import ConfigError

ACCOUNT = {
    "customer": {"name": "张三", "vip": True},
    "balance": {"amount": "1234.50", "currency": "CNY"},
    "accounts": [{"id": "A-1", "kind": "储蓄"}, {"id": "A-2", "kind": "checking"}],
    "a/b": "slash",
    "m~n": "tilde",
    "余额": "九百元",
}


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Bank:
    """The business system: a real HTTP server and what it saw."""

    server: ThreadingHTTPServer
    release: threading.Event
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0
    sni: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def seen(self, path: str) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]


def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _routes(bank: Bank) -> dict[str, Callable[[BaseHTTPRequestHandler, Seen], None]]:
    def account(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        body = json.dumps(ACCOUNT, ensure_ascii=False).encode()
        _reply(h, 200, body, "application/json; charset=utf-8")

    def echo(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        parts = urlsplit(seen.path)
        data = {
            "method": seen.method,
            "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
            "host": seen.headers.get("Host"),
            "content_type": seen.headers.get("Content-Type"),
            "authorization": seen.headers.get("Authorization"),
            "json": json.loads(seen.body) if seen.body else None,
        }
        _reply(h, 200, json.dumps(data).encode(), "application/json")

    def slow(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        bank.release.wait(5)
        _reply(h, 200, b"{}", "application/json")

    def drip(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        # Headers at once, then one byte every 50 ms: each read is quick, the whole is not.
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", "200")
        h.end_headers()
        for _ in range(200):
            if bank.release.wait(0.05):
                return
            h.wfile.write(b"x")
            h.wfile.flush()

    def fail(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        _reply(h, 500, b'{"message": "database down"}', "application/json")

    def unavailable(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        _reply(h, 503, b"try later", "text/plain")

    def moved(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        h.send_response(302)
        h.send_header("Location", bank.url("/account"))
        h.send_header("Content-Length", "0")
        h.end_headers()

    def huge(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        _reply(h, 200, b"[" + b"1," * 1_000_000 + b"1]", "application/json")

    def huge_unsized(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        # No Content-Length: the body ends when the connection closes (HTTP/1.0).
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.end_headers()
        for _ in range(40):
            h.wfile.write(b"y" * 50_000)

    def text(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        _reply(h, 200, "OK, noted: 已记录".encode(), "text/plain; charset=utf-8")

    def number(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        _reply(h, 200, b"42", "text/plain")

    def broken_json(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        _reply(h, 200, b'{"balance": ', "application/json")

    def gbk(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        _reply(h, 200, '{"name": "李四"}'.encode("gbk"), "application/json; charset=gbk")

    def half_character(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        _reply(h, 200, b'{"name": "Bob\\ud800", "smile": "\\ud83d\\ude00"}', "application/json")

    return {
        "/half": half_character,
        "/account": account,
        "/echo": echo,
        "/slow": slow,
        "/drip": drip,
        "/fail": fail,
        "/unavailable": unavailable,
        "/moved": moved,
        "/huge": huge,
        "/huge-unsized": huge_unsized,
        "/text": text,
        "/number": number,
        "/broken-json": broken_json,
        "/gbk": gbk,
    }


def _start(ssl_context: ssl.SSLContext | None = None) -> Bank:
    bank = Bank(server=None, release=threading.Event())  # type: ignore[arg-type]
    routes = _routes(bank)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
            with bank.lock:
                bank.requests.append(seen)
            route = routes.get(urlsplit(self.path).path)
            if route is None:
                _reply(self, 404, b"no such page", "text/plain")
            else:
                route(self, seen)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def verify_request(self, request: object, client_address: object) -> bool:
            with bank.lock:
                bank.connections += 1
            return True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that gave up (a timeout test) is expected, not a server fault

    server = Server(("127.0.0.1", 0), Handler)
    if ssl_context is not None:

        def note_sni(sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
            bank.sni.append(name)

        ssl_context.sni_callback = note_sni  # type: ignore[assignment]
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    bank.server = server
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    return bank


def _stop(bank: Bank) -> None:
    bank.release.set()
    bank.server.shutdown()
    bank.server.server_close()


@pytest.fixture(scope="module")
def bank() -> Iterator[Bank]:
    """A plain-HTTP business system on 127.0.0.1 and a free port."""
    bank = _start()
    yield bank
    _stop(bank)


def client_for(*allow: str, max_timeout: float = 10, **options: object) -> HttpClient:
    return HttpClient(RuntimeConfig(http_allow=allow, http_max_timeout=max_timeout), **options)


def fetch(client: HttpClient, url: str, method: str = "GET", timeout: float = 2, **kw: object):
    return client.fetch(Fetch(node="lookup", method=method, url=url, timeout=timeout, **kw), 100.0)


# --- replies ---------------------------------------------------------------------------------


def test_a_json_reply_is_parsed_and_stamped_with_the_event_time(bank: Bank) -> None:
    result = fetch(client_for(f"127.0.0.1:{bank.port}"), bank.url("/account"))
    assert result.ok
    assert (result.status, result.error, result.time) == (200, None, 100.0)
    assert result.body == ACCOUNT


def test_half_a_character_in_a_reply_becomes_a_replacement_character(bank: Bank) -> None:
    """JSON may carry a lone UTF-16 surrogate; kept, it would make the session unstorable."""
    result = fetch(client_for("127.0.0.1"), bank.url("/half"))
    assert result.body == {"name": "Bob\ufffd\ufffd\ufffd", "smile": "😀"}
    json.dumps(result.body, ensure_ascii=False).encode("utf-8")  # storable


def test_a_text_reply_is_kept_as_text_and_a_bare_number_parses(bank: Bank) -> None:
    client = client_for("127.0.0.1")
    assert fetch(client, bank.url("/text")).body == "OK, noted: 已记录"
    assert fetch(client, bank.url("/number")).body == 42


def test_the_reply_charset_is_honoured(bank: Bank) -> None:
    assert fetch(client_for("127.0.0.1"), bank.url("/gbk")).body == {"name": "李四"}


def test_a_reply_marked_json_that_does_not_parse_is_an_error(bank: Bank) -> None:
    result = fetch(client_for("127.0.0.1"), bank.url("/broken-json"))
    assert result.status == 200 and not result.ok
    assert result.error.startswith("reply is marked as JSON but does not parse")
    assert result.body == '{"balance": '


def test_a_server_error_keeps_its_status_and_body(bank: Bank) -> None:
    client = client_for("127.0.0.1")
    failed = fetch(client, bank.url("/fail"))
    assert (failed.status, failed.error, failed.ok) == (500, "HTTP 500", False)
    assert failed.body == {"message": "database down"}
    unavailable = fetch(client, bank.url("/unavailable"))
    assert (unavailable.status, unavailable.error, unavailable.body) == (
        503,
        "HTTP 503",
        "try later",
    )


def test_a_redirect_is_reported_not_followed(bank: Bank) -> None:
    before = len(bank.seen("/account"))
    result = fetch(client_for("127.0.0.1"), bank.url("/moved"))
    assert result.status == 302 and not result.ok
    assert result.error == f"redirected to {bank.url('/account')}; redirects are not followed"
    assert len(bank.seen("/account")) == before


@pytest.mark.parametrize("path", ["/huge", "/huge-unsized"])
def test_a_reply_over_the_size_limit_is_an_error(bank: Bank, path: str) -> None:
    result = fetch(client_for("127.0.0.1"), bank.url(path))
    assert result.error == "reply is larger than 1 MB"
    assert result.body is None


def test_the_size_limit_can_be_set_per_client(bank: Bank) -> None:
    result = fetch(client_for("127.0.0.1", max_body=100), bank.url("/account"))
    assert result.error == "reply is larger than 100 bytes"


# --- requests --------------------------------------------------------------------------------


def test_a_post_sends_the_body_as_json_with_the_flow_headers(bank: Bank) -> None:
    result = fetch(
        client_for("127.0.0.1"),
        bank.url("/echo"),
        method="post",
        body={"account": "123", "name": "张三"},
        headers={"Authorization": "Bearer t0ken"},
    )
    assert result.body["method"] == "POST"
    assert result.body["content_type"] == "application/json"
    assert result.body["json"] == {"account": "123", "name": "张三"}
    assert result.body["authorization"] == "Bearer t0ken"


def test_a_get_sends_the_body_as_query_parameters(bank: Bank) -> None:
    result = fetch(
        client_for("127.0.0.1"),
        bank.url("/echo?lang=zh"),
        body={"account": "12 3", "name": "张三"},
    )
    assert result.body["method"] == "GET"
    assert result.body["query"] == {"lang": "zh", "account": "12 3", "name": "张三"}
    assert result.body["json"] is None and result.body["content_type"] is None


def test_a_url_with_chinese_text_is_sent_percent_encoded(bank: Bank) -> None:
    result = fetch(client_for("127.0.0.1"), bank.url("/echo?city=北京"))
    assert result.body["query"] == {"city": "北京"}


def test_a_header_that_would_split_the_request_is_refused_before_sending(bank: Bank) -> None:
    before = bank.connections
    result = fetch(client_for("127.0.0.1"), bank.url("/echo"), headers={"X-Id": "1\r\nX-Evil: yes"})
    assert result.error == "header 'X-Id' has a name or value that cannot be sent"
    assert bank.connections == before


def test_concurrent_fetches_each_get_their_own_reply(bank: Bank) -> None:
    client = client_for("127.0.0.1")
    results: dict[int, object] = {}

    def one(n: int) -> None:
        results[n] = fetch(client, bank.url(f"/echo?n={n}"))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n: r.body["query"]["n"] for n, r in results.items()} == {n: str(n) for n in range(12)}


# --- time ------------------------------------------------------------------------------------


def test_a_slow_server_times_out_within_the_node_timeout(bank: Bank) -> None:
    client = client_for("127.0.0.1")
    started = time.monotonic()
    result = fetch(client, bank.url("/slow"), timeout=0.5)
    elapsed = time.monotonic() - started
    assert result.error == "timed out after 0.5 s"
    assert result.status is None
    assert elapsed < 3 * 0.5


def test_the_timeout_covers_the_whole_body_not_each_read(bank: Bank) -> None:
    # The body trickles in at one byte per 50 ms, so no single read waits long.
    started = time.monotonic()
    result = fetch(client_for("127.0.0.1"), bank.url("/drip"), timeout=0.4)
    elapsed = time.monotonic() - started
    assert result.error == "timed out after 0.4 s"
    assert elapsed < 3 * 0.4


def test_the_node_timeout_is_capped_by_the_max_timeout_setting(bank: Bank) -> None:
    started = time.monotonic()
    result = fetch(client_for("127.0.0.1", max_timeout=0.4), bank.url("/slow"), timeout=30)
    assert result.error == "timed out after 0.4 s"
    assert time.monotonic() - started < 3 * 0.4


def test_a_node_without_timeout_gets_the_default() -> None:
    action = Fetch(node="n", method="GET", url="http://x.example/", timeout=0)
    assert client_for("x.example").timeout_for(action) == DEFAULT_TIMEOUT
    assert client_for("x.example", max_timeout=2).timeout_for(action) == 2


def test_live_effects_run_fetches_under_the_settings(bank: Bank) -> None:
    """What a runtime process uses: the real client, stamped with the time it is given."""
    action = Fetch(node="n", method="GET", url=bank.url("/account"), timeout=2)
    allowed = LiveEffects(RuntimeConfig(http_allow=("127.0.0.1",)))
    assert allowed.fetch(action, 7.0).body == ACCOUNT and allowed.fetch(action, 7.0).time == 7.0
    refused = LiveEffects(RuntimeConfig()).fetch(action, 8.0)
    assert not refused.ok and "http-allow" in str(refused.error)


def test_an_empty_allowlist_allows_nothing_and_names_the_setting(bank: Bank) -> None:
    before = bank.connections
    result = fetch(client_for(), bank.url("/account"))
    assert result.error == (
        "no host may be called: http-allow in [tool.sce.runtime] (or SCE_HTTP_ALLOW) is empty;"
        f" list 127.0.0.1:{bank.port} there"
    )
    assert bank.connections == before


def test_a_host_not_listed_is_refused_and_the_server_gets_nothing(bank: Bank) -> None:
    before = bank.connections
    result = fetch(client_for("10.0.0.1", "api.bank.example"), bank.url("/account"))
    assert result.error == (
        f"127.0.0.1:{bank.port} is not allowed: add it to http-allow in [tool.sce.runtime]"
        " (or SCE_HTTP_ALLOW)"
    )
    assert bank.connections == before


def test_a_port_in_the_allowlist_allows_that_port_only(bank: Bank) -> None:
    before = bank.connections
    other = fetch(client_for(f"127.0.0.1:{bank.port + 1}"), bank.url("/account"))
    assert other.error.startswith(f"127.0.0.1:{bank.port} is not allowed")
    assert bank.connections == before
    assert fetch(client_for(f"127.0.0.1:{bank.port}"), bank.url("/account")).ok


def test_a_host_without_port_allows_any_port(bank: Bank) -> None:
    assert fetch(client_for("127.0.0.1"), bank.url("/account")).ok


def test_localhost_is_refused_unless_listed_by_name(bank: Bank) -> None:
    before = bank.connections
    refused = fetch(client_for(f"127.0.0.1:{bank.port}"), bank.url("/account", host="localhost"))
    assert refused.error.startswith(f"localhost:{bank.port} is not allowed")
    assert bank.connections == before
    listed = fetch(client_for("localhost"), bank.url("/echo", host="localhost"))
    assert listed.ok and listed.body["host"] == f"localhost:{bank.port}"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.bank.example/balance", True),
        ("https://a.b.bank.example/balance", True),
        ("https://API.Bank.Example./balance", True),
        ("http://api.bank.example:8080/balance", True),
        ("https://bank.example/balance", False),
        ("https://evilbank.example/balance", False),
        ("https://api.bank.example.evil.test/balance", False),
    ],
)
def test_a_wildcard_matches_subdomains_only(url: str, allowed: bool) -> None:
    client = client_for("*.bank.example")
    if allowed:
        assert client.check(url).host.endswith(".bank.example")
    else:
        with pytest.raises(EffectBlocked, match="is not allowed"):
            client.check(url)


def test_a_wildcard_does_not_cover_the_domain_itself_unless_listed() -> None:
    assert client_for("*.bank.example", "bank.example").check("https://bank.example/").exact


def test_a_wildcard_with_a_port_allows_that_port_only() -> None:
    client = client_for("*.bank.example:8443")
    assert client.check("https://api.bank.example:8443/x").port == 8443
    with pytest.raises(EffectBlocked, match="api.bank.example:443 is not allowed"):
        client.check("https://api.bank.example/x")


def test_a_wildcard_never_matches_an_ip_address() -> None:
    with pytest.raises(EffectBlocked, match="10.1.2.3:80 is not allowed"):
        client_for("*.1.2.3").check("http://10.1.2.3/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://api.bank.example/x", "only http and https URLs are fetched"),
        ("file:///etc/passwd", "only http and https URLs are fetched"),
        ("https://user:pw@api.bank.example/x", "URLs with a user name or password"),
        ("https://api.bank.example:99999/x", "is not a valid URL"),
        ("https:///x", "has no host"),
        ("https://api.bank.example/a b", "contains spaces or control characters"),
    ],
)
def test_urls_that_cannot_be_fetched_say_why(url: str, message: str) -> None:
    result = fetch(client_for("api.bank.example"), url)
    assert message in result.error


@pytest.mark.parametrize("entry", ["host:port", "*.*.example", "a/b", "[::1", "*.10.0.0.1", ""])
def test_a_bad_allowlist_entry_is_a_config_error(entry: str) -> None:
    with pytest.raises(ConfigError, match="http-allow"):
        parse_allow_entry(entry)


def test_allowlist_entries_accept_ipv6_and_names_in_any_case() -> None:
    assert parse_allow_entry("[::1]:8080").matches("::1", 8080)
    assert not parse_allow_entry("[::1]:8080").matches("::1", 8081)
    assert parse_allow_entry("::1").matches("::1", 1)
    assert parse_allow_entry("API.Bank.Example.").matches("api.bank.example", 80)


# --- names that resolve to internal addresses ------------------------------------------------


class Resolver:
    """Maps names to addresses as a DNS server would, and counts the look-ups."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


def test_a_wildcard_host_resolving_to_loopback_is_refused(bank: Bank) -> None:
    resolve = Resolver({"api.bank.example": ["127.0.0.1"]})
    client = client_for("*.bank.example", resolve=resolve)
    before = bank.connections
    result = fetch(client, bank.url("/account", host="api.bank.example"))
    assert result.error == (
        "api.bank.example resolves to 127.0.0.1, a loopback address; list 'api.bank.example'"
        " itself in http-allow in [tool.sce.runtime] (or SCE_HTTP_ALLOW) to let flows call it"
    )
    assert bank.connections == before


def test_every_resolved_address_is_checked() -> None:
    resolve = Resolver({"api.bank.example": ["8.8.8.8", "192.168.1.20"]})
    result = fetch(client_for("*.bank.example", resolve=resolve), "http://api.bank.example/x")
    assert result.error.startswith("api.bank.example resolves to 192.168.1.20, a private address")


@pytest.mark.parametrize(
    ("address", "kind"),
    [("169.254.169.254", "link-local"), ("::ffff:10.0.0.7", "private"), ("fe80::1", "link-local")],
)
def test_metadata_and_mapped_addresses_count_as_internal(address: str, kind: str) -> None:
    resolve = Resolver({"api.bank.example": [address]})
    result = fetch(client_for("*.bank.example", resolve=resolve), "http://api.bank.example/x")
    assert f"a {kind} address" in result.error


def test_a_host_listed_by_name_reaches_its_internal_address_once_resolved(bank: Bank) -> None:
    resolve = Resolver({"core.bank.example": ["127.0.0.1"]})
    client = client_for(f"core.bank.example:{bank.port}", resolve=resolve)
    result = fetch(client, bank.url("/echo", host="core.bank.example"))
    assert result.ok
    assert result.body["host"] == f"core.bank.example:{bank.port}"
    assert resolve.calls == ["core.bank.example"]


def test_a_name_that_does_not_resolve_is_an_error() -> None:
    client = client_for("*.bank.example", resolve=Resolver({}))
    result = fetch(client, "http://nowhere.bank.example/x")
    assert result.error == "could not find host nowhere.bank.example: Name or service not known"


def test_a_refused_connection_is_an_error_not_an_exception() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = fetch(client_for("127.0.0.1"), f"http://127.0.0.1:{port}/x")
    assert result.error == f"connection refused by 127.0.0.1:{port}"


# --- https to a resolved address, checked against the name -----------------------------------


@pytest.fixture(scope="module")
def tls_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Bank, Path]]:
    """An https business system whose certificate (made here by openssl) names
    api.bank.example, and the certificate for the client to trust."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is missing; install it: apt-get install openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2"]
        + ["-subj", "/CN=api.bank.example", "-addext", "subjectAltName=DNS:api.bank.example"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    bank = _start(context)
    yield bank, cert
    _stop(bank)


def test_https_connects_to_the_resolved_address_and_checks_the_name(
    tls_bank: tuple[Bank, Path],
) -> None:
    bank, cert = tls_bank
    resolve = Resolver({"api.bank.example": ["127.0.0.1"], "other.bank.example": ["127.0.0.1"]})
    client = client_for(
        f"api.bank.example:{bank.port}",
        f"other.bank.example:{bank.port}",
        resolve=resolve,
        ssl_context=ssl.create_default_context(cafile=str(cert)),
    )
    result = fetch(client, bank.url("/echo", host="api.bank.example", scheme="https"))
    assert result.ok and result.body["host"] == f"api.bank.example:{bank.port}"
    assert bank.sni[-1] == "api.bank.example"

    wrong = fetch(client, bank.url("/echo", host="other.bank.example", scheme="https"))
    assert wrong.error.startswith("TLS certificate of other.bank.example not accepted")
    assert "other.bank.example" not in [
        r.headers.get("Host", "").split(":")[0] for r in bank.requests
    ]


def test_https_refuses_a_certificate_it_does_not_trust(tls_bank: tuple[Bank, Path]) -> None:
    bank, _ = tls_bank
    client = client_for(
        f"api.bank.example:{bank.port}", resolve=Resolver({"api.bank.example": ["127.0.0.1"]})
    )
    result = fetch(client, bank.url("/echo", host="api.bank.example", scheme="https"))
    assert result.error.startswith("TLS certificate of api.bank.example not accepted")


# --- saving values from the reply ------------------------------------------------------------


def test_json_pointers_pick_values_out_of_the_reply() -> None:
    values, error = save_values(
        ACCOUNT,
        {
            "amount": "/balance/amount",
            "name": "/customer/name",
            "vip": "/customer/vip",
            "second": "/accounts/1/id",
            "kind": "/accounts/0/kind",
            "slash": "/a~1b",
            "tilde": "/m~0n",
            "chinese": "/余额",
            "everything": "",
        },
    )
    assert error is None
    assert values == {
        "amount": "1234.50",
        "name": "张三",
        "vip": True,
        "second": "A-2",
        "kind": "储蓄",
        "slash": "slash",
        "tilde": "tilde",
        "chinese": "九百元",
        "everything": ACCOUNT,
    }


def test_a_missing_pointer_is_named_and_the_found_values_are_kept() -> None:
    values, error = save_values(
        ACCOUNT,
        {"amount": "/balance/amount", "due": "/balance/due", "third": "/accounts/2/id"},
    )
    assert error == "/balance/due is not in the reply"
    assert values == {"amount": "1234.50"}


@pytest.mark.parametrize(
    "pointer", ["/accounts/01/id", "/accounts/-", "/accounts/x", "/customer/name/0", "/a/b"]
)
def test_pointers_follow_rfc_6901_strictly(pointer: str) -> None:
    assert save_values(ACCOUNT, {"v": pointer}) == ({}, f"{pointer} is not in the reply")


def test_a_text_reply_has_no_fields() -> None:
    assert save_values("OK", {"v": "/status"}) == ({}, "/status is not in the reply")


def test_a_pointer_without_a_leading_slash_is_explained() -> None:
    assert save_values(ACCOUNT, {"v": "balance/amount"}) == (
        {},
        "'balance/amount' is not a JSON pointer: it must start with /",
    )
    assert save_values(ACCOUNT, {"v": "/m~2n"})[1] == (
        "'/m~2n' is not a JSON pointer: '~' must be '~0' or '~1'"
    )
