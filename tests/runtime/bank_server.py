"""A real local business system for the HTTP tests: an http.server in a thread on 127.0.0.1 and a
free port, over plain HTTP or TLS, that records every connection and request it gets (so a test
can show that a refused fetch sent nothing). With it, the small client helpers the tests call it
through, and a `Resolver` that maps names such as `api.bank.example` to its address, as a DNS
server would (this machine resolves no names but `localhost`).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from runtime.actions import Fetch
from runtime.config import RuntimeConfig
from runtime.effects import HttpClient
from runtime.events import HttpResult

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
    #: The client's port: which process asked, for a test that must find it.
    port: int = 0


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


def start_bank(ssl_context: ssl.SSLContext | None = None) -> Bank:
    """Start the business system, over TLS when given a context; `stop_bank` stops it."""
    bank = Bank(server=None, release=threading.Event())  # type: ignore[arg-type]
    routes = _routes(bank)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            seen = Seen(self.command, self.path, dict(self.headers), body, self.client_address[1])
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


def stop_bank(bank: Bank) -> None:
    bank.release.set()
    bank.server.shutdown()
    bank.server.server_close()


def client_for(*allow: str, max_timeout: float = 10, **options: object) -> HttpClient:
    """A client as a runtime process makes it from its settings: these `http-allow` entries."""
    return HttpClient(RuntimeConfig(http_allow=allow, http_max_timeout=max_timeout), **options)


def fetch(
    client: HttpClient, url: str, method: str = "GET", timeout: float = 2, **kw: object
) -> HttpResult:
    """One data dip as an http node named `lookup` asks for it, at event time 100."""
    return client.fetch(Fetch(node="lookup", method=method, url=url, timeout=timeout, **kw), 100.0)


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
