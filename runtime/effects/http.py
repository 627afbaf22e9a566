"""HTTP data dips for `http` nodes: a `Fetch` becomes an `HttpResult`.

A flow's URL is written by a business analyst and may be filled in from caller input, so the
client is a gate as much as a client: only hosts listed in the settings are called, a name that
resolves to an internal address is refused unless that host is listed by name, redirects are not
followed, and the whole request (resolve, connect, send, headers, body) fits in one time budget.
Every failure becomes an `HttpResult` with an `error` for the flow's error exit: nothing raises
out of `fetch`, because a caller on the line must hear the error path, not silence.

The host name is resolved once and the connection goes to the address that was checked, so a
name cannot resolve to a public address for the check and to an internal one for the connection
(DNS rebinding). The request still carries the original `Host` header, and for https the TLS
server name and certificate check use the host name, not the address.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode, urlsplit

from runtime.actions import Fetch
from runtime.config import DEFAULT_HTTP_TIMEOUT, RuntimeConfig
from runtime.errors import EffectBlocked
from runtime.events import HttpResult
from sce.httpallow import SETTING, internal_kind, is_ip, normal_host, parse_allow_entry

#: Seconds a node without its own timeout may take.
#: Largest reply body read, in bytes: a data dip answers with a few fields, not a download.
MAX_BODY = 1_000_000

#: How a host name becomes IP addresses: (host, port) -> addresses as text, in connect order.
Resolver = Callable[[str, int], Sequence[str]]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Headers the client sets itself; a flow's value for them would desynchronise the request.
_OWN_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


def system_resolver(host: str, port: int) -> list[str]:
    """The machine's resolver (hosts file, then DNS), each address once, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect, what to ask for, and whether its host is listed by name
    (`exact`), which is what lets it reach an internal address."""

    scheme: str
    host: str
    port: int
    path: str
    exact: bool


class HttpClient:
    """Runs `Fetch` actions under the runtime's settings. Holds no per-request state, so one
    client serves every call from any number of threads."""

    def __init__(
        self,
        config: RuntimeConfig,
        *,
        max_body: int = MAX_BODY,
        resolve: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`resolve` defaults to the machine's resolver; `ssl_context` to the system's trusted
        certificates (pass one that trusts an internal CA for internal services)."""
        self.allow = tuple(parse_allow_entry(entry) for entry in config.http_allow)
        self.max_timeout = config.http_max_timeout
        self.max_body = max_body
        self._resolve = resolve or system_resolver
        self._ssl_context = ssl_context
        self._ssl_lock = threading.Lock()

    def timeout_for(self, action: Fetch) -> float:
        """The node's timeout (or the default), capped by `http-max-timeout`."""
        wanted = action.timeout if action.timeout and action.timeout > 0 else DEFAULT_HTTP_TIMEOUT
        return min(wanted, self.max_timeout)

    def check(self, url: str) -> Target:
        """The URL's target if the settings allow it; raises EffectBlocked saying why not.
        Looks at the URL only: internal addresses are refused by `fetch` once it resolves."""
        if any(ch.isspace() or ord(ch) < 32 for ch in url):
            raise EffectBlocked(f"URL {url!r} contains spaces or control characters")
        try:
            parts = urlsplit(url)
            port = parts.port
            host = normal_host(parts.hostname or "")
        except (ValueError, UnicodeError):
            raise EffectBlocked(f"'{url}' is not a valid URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise EffectBlocked(f"only http and https URLs are fetched, not '{url}'")
        if not host:
            raise EffectBlocked(f"URL '{url}' has no host")
        if parts.username is not None or parts.password is not None:
            raise EffectBlocked(
                "URLs with a user name or password are not fetched; send credentials in a header"
            )
        port = port or (443 if scheme == "https" else 80)
        shown = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
        if not self.allow:
            raise EffectBlocked(f"no host may be called: {SETTING} is empty; list {shown} there")
        matched = [entry for entry in self.allow if entry.matches(host, port)]
        if not matched:
            raise EffectBlocked(f"{shown} is not allowed: add it to {SETTING}")
        path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
        if parts.query:
            path += "?" + quote(parts.query, safe="/?%!$&'()*+,;=:@-._~")
        exact = any(not entry.wildcard for entry in matched)
        return Target(scheme, host, port, path, exact)

    def fetch(self, action: Fetch, now: float) -> HttpResult:
        """Run one data dip; the result is stamped with `now`. Never raises."""
        timeout = self.timeout_for(action)
        deadline = time.monotonic() + timeout
        try:
            target = self.check(action.url)
            method, path, body, headers = _request(action, target)
            addresses = self._addresses(target, deadline)
            return replace(
                self._exchange(target, addresses, method, path, body, headers, deadline), time=now
            )
        except EffectBlocked as e:
            return HttpResult(time=now, error=str(e))
        except (_Expired, TimeoutError):
            return HttpResult(time=now, error=f"timed out after {timeout:g} s")
        except _TooBig:
            return HttpResult(time=now, error=f"reply is larger than {_size(self.max_body)}")
        except socket.gaierror as e:
            return HttpResult(time=now, error=f"could not find host {target.host}: {e.strerror}")
        except (OSError, http.client.HTTPException) as e:
            return HttpResult(time=now, error=_network_error(e, target))
        except Exception as e:  # a bug must still take the flow's error exit, not drop the call
            return HttpResult(time=now, error=f"request failed: {type(e).__name__}: {e}")

    def _addresses(self, target: Target, deadline: float) -> list[str]:
        """Resolve once, within the time budget, and refuse internal addresses unless the host
        is listed by name. Every address is checked, not only the first."""
        if is_ip(target.host):
            addresses = [target.host]
        else:
            addresses = _within(deadline, lambda: list(self._resolve(target.host, target.port)))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
        if not target.exact:
            for address in addresses:
                kind = internal_kind(address)
                if kind:
                    raise EffectBlocked(
                        f"{target.host} resolves to {address}, a {kind} address; list "
                        f"'{target.host}' itself in {SETTING} to let flows call it"
                    )
        return addresses

    def _tls(self) -> ssl.SSLContext:
        """The TLS settings, loaded on the first https request: loading the system's trusted
        certificates takes a tenth of a second that plain-http clients need not pay."""
        with self._ssl_lock:
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            return self._ssl_context

    def _exchange(
        self,
        target: Target,
        addresses: list[str],
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        deadline: float,
    ) -> HttpResult:
        remaining = _remaining(deadline)
        if target.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                target.host, target.port, timeout=remaining, context=self._tls()
            )
        else:
            conn = http.client.HTTPConnection(target.host, target.port, timeout=remaining)
        # http.client connects through this hook with (host, port); pin it to the checked
        # addresses. HTTPSConnection wraps the socket afterwards with server_hostname=host.
        sockets: list[socket.socket] = []
        pinned = _pinned(addresses, target.port, deadline, sockets)
        conn._create_connection = pinned  # type: ignore[attr-defined]  # a private hook
        expired = threading.Event()

        def abort() -> None:
            # A socket timeout bounds each read, not the sum of reads: a server dripping one
            # byte a second would never time out. At the deadline, cut the socket instead.
            # The sockets are our own references: http.client drops its own once a reply that
            # closes the connection has started, while the reply still reads from the socket.
            expired.set()
            for sock in reversed(sockets):
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

        watchdog = threading.Timer(remaining, abort)
        watchdog.daemon = True
        watchdog.start()
        reply: http.client.HTTPResponse | None = None
        try:
            conn.connect()
            sockets.append(conn.sock)  # the TLS socket, once the handshake is done
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            location = reply.getheader("Location")
            if 300 <= reply.status < 400 and location:
                return HttpResult(
                    time=0,
                    status=reply.status,
                    error=f"redirected to {location}; redirects are not followed",
                )
            data = _read_body(reply, self.max_body)
        except (OSError, ValueError, http.client.HTTPException):
            if expired.is_set():
                raise _Expired from None
            raise
        finally:
            watchdog.cancel()
            if reply is not None:
                reply.close()  # after a closing reply, the reply alone holds the socket
            conn.close()
        if expired.is_set():  # the cut socket may read as a clean end of the body
            raise _Expired
        return _result(reply.status, reply.msg, data)


class _Expired(Exception):
    """The whole-request deadline passed."""


class _TooBig(Exception):
    """The reply body is over the size limit."""


def _request(action: Fetch, target: Target) -> tuple[str, str, bytes | None, dict[str, str]]:
    method = action.method.strip().upper()
    if not re.fullmatch(r"[A-Z]+", method):
        raise EffectBlocked(f"'{action.method}' is not an HTTP method")
    headers = {"Accept": "application/json", "User-Agent": "sce-runtime"}
    for name, value in action.headers.items():
        if not _TOKEN.fullmatch(name) or any(ch in str(value) for ch in "\r\n\0"):
            raise EffectBlocked(f"header {name!r} has a name or value that cannot be sent")
        if name.lower() not in _OWN_HEADERS:
            headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
            headers[name] = str(value)
    path, body = target.path, None
    if action.body is not None and method == "GET":
        query = urlencode({key: str(value) for key, value in action.body.items()})
        if query:
            path += ("&" if "?" in path else "?") + query
    elif action.body is not None:
        body = json.dumps(dict(action.body), ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    return method, path, body, headers


def _pinned(
    addresses: list[str], port: int, deadline: float, sockets: list[socket.socket]
) -> Callable[..., socket.socket]:
    def create_connection(
        _address: object, _timeout: object = None, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        last: OSError | None = None
        for address in addresses:
            try:
                sock = socket.create_connection(
                    (address, port), _remaining(deadline), source_address
                )
                sockets.append(sock)
                return sock
            except OSError as e:
                last = e
        assert last is not None
        raise last

    return create_connection


def _read_body(reply: http.client.HTTPResponse, limit: int) -> bytes:
    length = reply.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > limit:
        raise _TooBig
    chunks: list[bytes] = []
    size = 0
    while chunk := reply.read(65536):
        size += len(chunk)
        if size > limit:
            raise _TooBig
        chunks.append(chunk)
    return b"".join(chunks)


def _result(status: int, headers: http.client.HTTPMessage, data: bytes) -> HttpResult:
    body, problem = _decode(data, headers.get_content_type(), headers.get_content_charset())
    if not 200 <= status < 300:
        problem = f"HTTP {status}"
    return HttpResult(time=0, status=status, body=body, error=problem)


def _decode(data: bytes, content_type: str, charset: str | None) -> tuple[object, str | None]:
    """JSON when the reply says so or parses as JSON; otherwise the text."""
    if not data:
        return None, None
    try:
        text = data.decode(charset or "utf-8", errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff")
    try:
        return _whole_characters(json.loads(text, parse_constant=_no_constant)), None
    except (ValueError, RecursionError) as e:
        if content_type == "application/json" or content_type.endswith("+json"):
            return text, f"reply is marked as JSON but does not parse: {e}"
        return text, None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_characters(value: object) -> object:
    """The reply with every lone UTF-16 surrogate (JSON allows "\\ud800") replaced by U+FFFD:
    it is no character, so a session holding it could not be stored as UTF-8."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return value
    if isinstance(value, list):
        return [_whole_characters(v) for v in value]
    if isinstance(value, dict):
        return {_whole_characters(k): _whole_characters(v) for k, v in value.items()}
    return value


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _network_error(error: Exception, target: Target) -> str:
    where = f"{target.host}:{target.port}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate of {target.host} not accepted: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return f"TLS with {where} failed: {error.reason or error}"
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(error, http.client.RemoteDisconnected):
        return f"{where} closed the connection without a reply"
    if isinstance(error, ConnectionError):
        return f"connection to {where} broken: {error.strerror or error}"
    if isinstance(error, OSError):
        return f"could not reach {where}: {error.strerror or error}"
    return f"bad reply from {where}: {type(error).__name__} {error}".rstrip()


def _within(deadline: float, work: Callable[[], list[str]]) -> list[str]:
    """Run a resolver call that cannot be interrupted, giving up on it at the deadline."""
    outcome: list[list[str] | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as e:  # handed to the caller's thread below
            outcome.append(e)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(_remaining(deadline))
    if not outcome:
        raise _Expired
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Expired
    return left


def _size(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB" if limit >= 1_000_000 else f"{limit:,} bytes"
