"""The front of `sce serve`: every request is read whole, on an event loop, before a thread sees it.

Why: under gunicorn's thread workers a connection gets a thread as soon as its first bytes arrive,
and the thread then blocks reading the body. Twenty clients that announce a body and send ten
bytes of it held every thread, and every caller on a live call heard silence. Here gunicorn's
asyncio worker holds the connections (thousands cost a few kilobytes each), with deadlines on the
headers and on the body, and the Flask app runs in the worker's pool of `--threads` threads only
once its request is complete. Answers are written from the loop too, so a client that reads
slowly holds no thread either. This is what nginx's request buffering does in front of a WSGI
server, built in, so that `sce serve` needs no proxy.

    worker_class = "runtime.server.front.Worker"   # and the app it loads is a Front(wsgi_app)
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from gunicorn.asgi.protocol import ASGIProtocol
from gunicorn.workers import gasgi

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

log = logging.getLogger("sce.server")

#: A connection that has not sent a whole request head this long after it opened is closed
#: with 408 (later requests on a kept-alive connection have gunicorn's `keepalive` instead).
HEADER_SECONDS = 10.0
#: A body must arrive within this, plus a second for each BODY_RATE bytes received.
BODY_SECONDS = 10.0
BODY_RATE = 64 * 1024
#: Why a request is cut off before the app sees it (the label of sce_requests_cut_off_total).
CUT_OFF = ("head-late", "body-late", "too-large", "too-many-connections")
#: Files are written to the client in pieces of this size, from the loop.
FILE_CHUNK = 64 * 1024

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


class Front:
    """An ASGI app that serves the WSGI app `wsgi` from a pool of `threads` threads.

    `limit(path)` is the largest body the route at `path` takes: a larger one is refused with
    413 before it is read. `on_drain` is called once when the worker is told to stop;
    `on_cut_off(reason)` for each request cut off before the app saw it (CUT_OFF's reasons).
    """

    def __init__(
        self,
        wsgi: WSGIApplication,
        *,
        threads: int,
        limit: Callable[[str], int],
        on_drain: Callable[[], None] | None = None,
        on_cut_off: Callable[[str], None] | None = None,
        multiprocess: bool = False,
    ) -> None:
        self.wsgi = wsgi
        self.limit = limit
        self.on_drain = on_drain
        self.on_cut_off = on_cut_off
        self.multiprocess = multiprocess
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sce-request")
        self.draining = False

    def cut_off(self, reason: str) -> None:
        if self.on_cut_off is not None:
            self.on_cut_off(reason)

    def drain(self) -> None:
        if not self.draining:
            self.draining = True
            if self.on_drain is not None:
                self.on_drain()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        # websockets: none served; returning unanswered makes the server refuse the upgrade

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.drain()
                # The requests still in threads finish; nothing waits on them after this.
                await asyncio.get_running_loop().run_in_executor(None, self.pool.shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        limit = self.limit(path)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            body: bytes | _Refused = _too_large(limit)
        else:
            body = await _read_body(receive, limit)
        if isinstance(body, _Refused):
            if body.status:
                self.cut_off(body.reason)
                await _refuse(send, body.status, body.message)
            return
        environ = self._environ(scope, body)
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(self.pool, _run, self.wsgi, environ)
        except RuntimeError:  # the pool is shut: the worker is stopping
            await _refuse(send, 503, "this server is shutting down; try again")
            return
        try:
            await send(
                {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
            )
            if answer.file is None:
                await send({"type": "http.response.body", "body": answer.body})
            else:
                await _send_file(answer.file, send)
        except OSError:  # the client went away; its answer is lost with it
            pass
        finally:
            if answer.file is not None:
                answer.file.close()

    def _environ(self, scope: Scope, body: bytes) -> WSGIEnvironment:
        """The WSGI environ of a complete request (PEP 3333: strings are bytes as latin-1)."""
        raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
        query = scope.get("query_string", b"").decode("latin-1")
        server = scope.get("server") or ("localhost", 80)
        client = scope.get("client")
        target = raw_path.decode("latin-1") + (f"?{query}" if query else "")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scope["method"],
            "SCRIPT_NAME": scope.get("root_path", ""),
            "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
            "QUERY_STRING": query,
            "RAW_URI": target,
            "SERVER_NAME": str(server[0]),
            "SERVER_PORT": str(server[1]) if server[1] is not None else "",
            "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.get("scheme", "http"),
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": self.multiprocess,
            "wsgi.run_once": False,
            "wsgi.file_wrapper": _File,
        }
        if client:
            environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = str(client[0]), str(client[1])
        for raw_name, raw_value in scope.get("headers", []):
            name = raw_name.decode("latin-1").upper().replace("-", "_")
            value = raw_value.decode("latin-1")
            if name == "CONTENT_LENGTH":
                continue  # the body's real length, above (a chunked body has none)
            key = name if name == "CONTENT_TYPE" else f"HTTP_{name}"
            if key in environ:
                glue = "; " if key == "HTTP_COOKIE" else ","
                environ[key] = f"{environ[key]}{glue}{value}"
            else:
                environ[key] = value
        return environ


class _Refused:
    def __init__(self, status: int, reason: str, message: str) -> None:
        self.status, self.reason, self.message = status, reason, message


def _too_large(limit: int) -> _Refused:
    return _Refused(413, "too-large", f"the body is larger than this route takes ({limit} bytes)")


async def _read_body(receive: Receive, limit: int) -> bytes | _Refused:
    """The whole body, or why not: 408 when it comes too slowly, 413 when it is over `limit`,
    status 0 when the client went away (no one to answer)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    parts: list[bytes] = []
    size = 0
    while True:
        left = start + BODY_SECONDS + size / BODY_RATE - loop.time()
        try:
            message = await asyncio.wait_for(receive(), timeout=max(left, 0.0))
        except TimeoutError:
            return _Refused(408, "body-late", "the request body did not arrive in time")
        if message["type"] == "http.disconnect":
            return _Refused(0, "", "")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return _too_large(limit)
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


async def _refuse(send: Send, status: int, message: str) -> None:
    body = (message + "\n").encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    try:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    except OSError:
        pass


class _File:
    """`wsgi.file_wrapper`: a file the app answers with, written to the client from the loop."""

    def __init__(self, file: IO[bytes], block_size: int = FILE_CHUNK) -> None:
        self.file = file
        self.block_size = block_size

    def __iter__(self) -> Iterator[bytes]:  # for a middleware that reads it in the thread
        while chunk := self.file.read(self.block_size):
            yield chunk

    def close(self) -> None:
        self.file.close()


class _Answer:
    def __init__(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, file: _File | None
    ) -> None:
        self.status, self.headers, self.body, self.file = status, headers, body, file


def _run(wsgi: WSGIApplication, environ: WSGIEnvironment) -> _Answer:
    """One WSGI call, in a pool thread: its status, headers and whole body (or its file)."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.append

    try:
        result: Iterable[bytes] = wsgi(environ, start_response)
    except Exception:
        log.exception("the app failed on %s %s", environ["REQUEST_METHOD"], environ["RAW_URI"])
        return _server_error()
    if not started:
        return _server_error()
    status = int(str(started[0]).split(" ", 1)[0])
    headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in started[1]]
    if isinstance(result, _File) and not written:
        return _Answer(status, headers, b"", result)
    try:
        body = b"".join([*written, *result])
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return _Answer(status, headers, body, None)


def _server_error() -> _Answer:
    body = b"internal server error\n"
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    return _Answer(500, headers, body, None)


async def _send_file(file: _File, send: Send) -> None:
    # Local disk reads are short; the waits on a slow client are what must not hold a thread.
    while chunk := file.file.read(file.block_size):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1").strip())
    return None


class _Protocol(ASGIProtocol):
    """gunicorn's HTTP protocol, with a deadline on the first request's head (gunicorn times
    only the wait between kept-alive requests) and a cap on open connections."""

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        if self.worker.nr_conns > self.worker.worker_connections:
            self.app.cut_off("too-many-connections")
            self._send_error_response(503, "too many connections; try again")
            self._close_transport()
            return
        self._head_timer = self.worker.loop.call_later(HEADER_SECONDS, self._head_late)

    def _on_headers_complete(self) -> bool:
        self._stop_head_timer()
        return bool(super()._on_headers_complete())

    def _head_late(self) -> None:
        self._head_timer = None
        if self._current_request is None and not self._closed:
            self.app.cut_off("head-late")
            self._send_error_response(408, "the request head did not arrive in time")
            self._close_transport()
            if self._request_ready is not None:
                self._request_ready.set()  # the connection's task sees it closed and ends

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)


class Worker(gasgi.ASGIWorker):
    """gunicorn's asyncio worker, serving a Front with our protocol; told to stop (SIGTERM), it
    says it is draining before it closes its connections."""

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        """`threads` is used here (by Front's pool), unlike in gunicorn's own ASGI worker."""

    def init_process(self) -> None:
        # gasgi builds its connections from the module's name ASGIProtocol; this process is one
        # of our workers, so it builds ours.
        gasgi.ASGIProtocol = _Protocol
        super().init_process()

    def handle_exit_signal(self) -> None:
        drain = getattr(self.asgi, "drain", None)
        if drain is not None:
            drain()
        super().handle_exit_signal()
