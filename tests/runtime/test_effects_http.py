"""HTTP data dips (`runtime/effects/http.py`) against a real local business system: the request
sent, the reply read back, its time limits, TLS, and the values saved from it.

The server (`tests.runtime.bank_server`, an http.server in a thread) records every connection and
request. This machine resolves no host names but `localhost`; the tests that need a name such as
`api.bank.example` pass a resolver that maps it to the local server's address, and the connection
that follows is real. Which hosts may be called at all is in `test_effects_allow.py`.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.actions import Fetch
from runtime.config import DEFAULT_HTTP_TIMEOUT, RuntimeConfig
from runtime.effects import LiveEffects
from tests.runtime.bank_server import (
    ACCOUNT,
    Bank,
    Resolver,
    client_for,
    fetch,
    start_bank,
    stop_bank,
)

# --- replies ------------------------------------------------------------------------------------


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


# --- requests -----------------------------------------------------------------------------------


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


# --- time ---------------------------------------------------------------------------------------


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
    assert client_for("x.example").timeout_for(action) == DEFAULT_HTTP_TIMEOUT
    assert client_for("x.example", max_timeout=2).timeout_for(action) == 2


def test_live_effects_run_fetches_under_the_settings(bank: Bank) -> None:
    """What a runtime process uses: the real client, stamped with the time it is given."""
    action = Fetch(node="n", method="GET", url=bank.url("/account"), timeout=2)
    allowed = LiveEffects(RuntimeConfig(http_allow=("127.0.0.1",)))
    assert allowed.fetch(action, 7.0).body == ACCOUNT and allowed.fetch(action, 7.0).time == 7.0
    refused = LiveEffects(RuntimeConfig()).fetch(action, 8.0)
    assert not refused.ok and "http-allow" in str(refused.error)


# --- names and connections that fail ------------------------------------------------------------


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


# --- https to a resolved address, checked against the name --------------------------------------


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
    bank = start_bank(context)
    yield bank, cert
    stop_bank(bank)


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
