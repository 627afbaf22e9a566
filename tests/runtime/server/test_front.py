"""The front of `sce serve`: slow and stalled clients against a real `sce serve` (two gunicorn workers of four threads over
a real Redis): 500 connections that trickle or stall their heads or bodies, or never read their
answers, while signed calls go on. No webhook waits on them, and each is cut off with 408 once
its deadline has passed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from runtime.server.front import BODY_SECONDS, CUT_OFF, HEADER_SECONDS, Front
from tests.runtime.server.fixtures import FLOWS
from tests.runtime.server.phone import API_TOKEN, TWILIO_TOKEN, Phone, sign
from tests.runtime.server.running import Running, sce_serve

ENV = {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "SCE_API_TOKEN": API_TOKEN}
#: Of each kind, so 500 in all.
EACH = 100


@pytest.fixture
def running(tmp_path: Path, redis_clean: str) -> Iterator[Running]:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    args = ["--flows", str(flows), "--workers", "2", "--threads", "4", "--redis", redis_clean]
    with sce_serve(args, ENV, cwd=tmp_path) as server:
        yield server


def _open(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return sock


def _head(url: str, method: str, path: str, *extra: str) -> bytes:
    host = urlsplit(url).netloc
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *extra, "", ""]
    return "\r\n".join(lines).encode()


class Attackers:
    """The 500 bad clients; a thread sends one more byte of every trickler each half second."""

    def __init__(self, url: str) -> None:
        webhook = _head(
            url,
            "POST",
            "/voice/hotline",
            "Content-Length: 1000",
            "Content-Type: application/x-www-form-urlencoded",
        )
        asset = next((Path(__file__).parents[3] / "sce" / "designer" / "assets").glob("*.js"))
        self.head_stalled = [self._sent(url, webhook[:20]) for _ in range(EACH)]
        self.body_stalled = [self._sent(url, webhook + b"CallSid=CA") for _ in range(EACH)]
        self.head_trickling = [(self._sent(url, b""), webhook) for _ in range(EACH)]
        self.body_trickling = [(self._sent(url, webhook), b"x" * 1000) for _ in range(EACH)]
        # A large answer no one reads: the server's writes back up.
        get = _head(url, "GET", f"/assets/{asset.name}")
        self.not_reading = [self._sent(url, get * 5) for _ in range(EACH)]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    @staticmethod
    def _sent(url: str, data: bytes) -> socket.socket:
        sock = _open(url)
        if data:
            sock.sendall(data)
        return sock

    def _trickle(self) -> None:
        sent = 0
        while not self._stop.wait(0.5):
            for sock, data in [*self.head_trickling, *self.body_trickling]:
                if sent < len(data):
                    with contextlib.suppress(OSError):  # cut off: what the test wants to see
                        sock.send(data[sent : sent + 1])
            sent += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        everyone = [*self.head_stalled, *self.body_stalled, *self.not_reading]
        for sock in everyone + [s for s, _ in self.head_trickling + self.body_trickling]:
            sock.close()


@contextmanager
def attackers(url: str) -> Iterator[Attackers]:
    bad = Attackers(url)
    try:
        yield bad
    finally:
        bad.close()


def _answer(sock: socket.socket) -> bytes:
    """What the server wrote before it closed the connection."""
    sock.settimeout(5)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    return data


def test_500_slow_and_stalled_connections_do_not_delay_a_single_webhook(running: Running) -> None:
    phone = Phone(base=running.url)
    with attackers(running.url) as bad:
        started = time.monotonic()
        slowest = 0.0
        calls = 0
        # Calls go on for longer than any deadline, so the bad clients are held open throughout.
        while time.monotonic() - started < max(HEADER_SECONDS, BODY_SECONDS) + 2:
            t0 = time.monotonic()
            sid, answer = phone.call("hotline")
            t1 = time.monotonic()
            answer = phone.press(sid, answer, "1")
            t2 = time.monotonic()
            assert answer.status == 200
            assert answer.said == [
                "We are open from nine to five, Monday to Friday.",
                "Thank you for calling. Goodbye.",
            ]
            health = requests.get(running.url + "healthz", timeout=5)
            t3 = time.monotonic()
            assert health.status_code == 200
            slowest = max(slowest, t1 - t0, t2 - t1, t3 - t2)
            calls += 1
        assert calls >= 20
        assert slowest < 1.0, f"the slowest webhook or /healthz took {slowest:.2f} s"

        # Past their deadlines the stalled clients are told why and cut off.
        for sock in bad.head_stalled[:10] + [s for s, _ in bad.head_trickling[:10]]:
            assert _answer(sock).startswith(b"HTTP/1.1 408"), "a head that never ends: 408"
        for sock in bad.body_stalled[:10] + [s for s, _ in bad.body_trickling[:10]]:
            answer = _answer(sock)
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"did not arrive in time" in answer

    # An operator sees them in /metrics, summed over the workers.
    metrics = requests.get(running.url + "metrics", timeout=5).text
    cut_off = dict(re.findall(r'sce_requests_cut_off_total\{reason="([a-z-]+)"\} (\S+)', metrics))
    assert set(cut_off) <= set(CUT_OFF)
    assert float(cut_off["head-late"]) >= 2 * EACH and float(cut_off["body-late"]) >= 2 * EACH


def test_a_body_larger_than_a_webhook_takes_is_refused_before_it_is_read(
    running: Running,
) -> None:
    sock = _open(running.url)
    sock.sendall(
        _head(
            running.url,
            "POST",
            "/voice/hotline",
            "Content-Length: 100000000",
            "Content-Type: application/x-www-form-urlencoded",
        )
    )
    answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"65536 bytes" in answer


def test_a_chunked_webhook_is_read_whole_and_answered(running: Running) -> None:
    """Twilio sends lengths, but a proxy in between may re-frame a body as chunks."""
    phone = Phone(base=running.url)
    url = running.url + "voice/hotline"
    form = phone.form("CA" + "c" * 32, CallStatus="ringing")
    body = "&".join(f"{k}={requests.utils.quote(v)}" for k, v in form.items()).encode()
    head = _head(
        running.url,
        "POST",
        "/voice/hotline",
        "Transfer-Encoding: chunked",
        "Content-Type: application/x-www-form-urlencoded",
        f"X-Twilio-Signature: {sign(url, form)}",
        "Connection: close",
    )
    half = len(body) // 2
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:]))
    sock = _open(running.url)
    sock.sendall(head + chunks + b"0\r\n\r\n")
    answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b"<Gather" in answer


def test_a_worker_told_to_stop_says_so_on_healthz_and_a_new_one_takes_over(
    running: Running,
) -> None:
    kept = requests.Session()  # one kept-alive connection, to the same worker throughout
    first = kept.get(running.url + "healthz", timeout=5)
    assert first.status_code == 200
    pid = int(first.headers["X-Served-By"].rsplit(":", 1)[1])
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    draining = kept.get(running.url + "healthz", timeout=5)
    assert draining.status_code == 503
    assert "shutting down" in draining.json()["errors"][0]["message"]
    assert draining.headers["X-Served-By"] == first.headers["X-Served-By"]

    # The other worker, and the one gunicorn starts in its place, serve calls as before.
    deadline = time.monotonic() + 20
    served: set[str] = set()
    while time.monotonic() < deadline and len(served) < 2:
        answer = requests.get(running.url + "healthz", timeout=5)
        if answer.status_code == 200:
            served.add(answer.headers["X-Served-By"])
        time.sleep(0.05)
    assert first.headers["X-Served-By"] not in served
    assert len(served) == 2, "two workers answer again"


def test_the_app_sees_the_request_as_a_wsgi_server_would_give_it() -> None:
    """PEP 3333 strings (bytes as latin-1, the path decoded, the request line as sent), the
    body's real length, repeated headers joined, cookies with '; '."""
    seen: dict[str, object] = {}

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read()  # type: ignore[attr-defined]
        start_response("201 Created", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"made"]

    front = Front(app, threads=1, limit=lambda _path: 100)
    raw_path = b"/api/flows/%E4%B8%AD%2Fx"
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/flows/中/x",
        "raw_path": raw_path,
        "query_string": b"a=1&b=%20",
        "headers": [
            (b"host", b"ivr.example.com"),
            (b"x-seen", b"one"),
            (b"x-seen", b"two"),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
            (b"transfer-encoding", b"chunked"),
        ],
        "server": ("127.0.0.1", 8000),
        "client": ("10.0.0.7", 50000),
        "scheme": "https",
        "root_path": "",
        "http_version": "1.1",
    }
    parts = [b"Call", b"Sid=CA1"]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        chunk = parts.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(parts)}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    _run(front(scope, receive, send))
    assert sent[0]["status"] == 201 and sent[1]["body"] == b"made"
    assert seen["PATH_INFO"] == "/api/flows/中/x".encode().decode("latin-1")
    assert seen["RAW_URI"] == "/api/flows/%E4%B8%AD%2Fx?a=1&b=%20"
    assert seen["QUERY_STRING"] == "a=1&b=%20"
    assert (seen["CONTENT_LENGTH"], seen["body"]) == ("11", b"CallSid=CA1")
    assert seen["HTTP_X_SEEN"] == "one,two" and seen["HTTP_COOKIE"] == "a=1; b=2"
    assert (seen["wsgi.url_scheme"], seen["REMOTE_ADDR"]) == ("https", "10.0.0.7")

    parts[:] = [b"x" * 101]
    sent.clear()
    _run(front(scope, receive, send))
    assert sent[0]["status"] == 413, "a body over the route's limit never reaches the app"


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on an event loop of its own thread (a browser test may leave this one's running)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()
