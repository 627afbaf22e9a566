"""One webhook request, read once: the form as the platform encoded it, the call id, our `asked`,
and the URL it was sent to — or why it is refused, before it touches a call.

Refusals, in this order: 413 past the size limit, 403 (when signatures are on) without a valid
signature (`runtime.server.signature`), 415 when it is no form post, 400 when the form is garbled
(a lenient parser would keep `%E4%B8` or `%ZZ` as text, and the flow would take garbage for what
the caller said), has no CallSid, or (but for a call's first request and its status callback)
the URL has no `asked`.

The form is decoded here in one pass, strictly, and every later reader uses this copy: a webhook
is the hot path of the server, and Werkzeug's lenient parser would decode it a second time.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from werkzeug.formparser import FormDataParser

from runtime.server.signature import Params, signed

FORM = "application/x-www-form-urlencoded"
#: Largest webhook body: Twilio's forms are a few kilobytes.
MAX_BYTES = 64 * 1024
#: A `%` not followed by two hex digits.
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
#: A call id as the platforms write them (Twilio's CA…, others' UUIDs).
_SID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass(frozen=True)
class Refusal:
    status: int
    #: For the metrics: signature or malformed.
    reason: str
    message: str


@dataclass(frozen=True)
class Webhook:
    #: The URL the platform asked for (what it signed).
    url: str
    #: Where this server is, as the platform sees it (`https://ivr.example.com/`).
    root: str
    #: The form, first value of each name.
    form: Mapping[str, str]
    sid: str
    asked: int | None
    #: The URL's query, first value of each name (ours: `asked`, `announced`).
    query: Mapping[str, str]

    def number(self, name: str, default: float = 0.0) -> float:
        """A numeric field (QueueTime, RecordingDuration...), `default` when absent or odd."""
        return number(self.form.get(name), default)


def read(
    environ: Mapping[str, Any],
    token: str | None,
    *,
    verify: bool = True,
    needs_asked: bool = True,
    limit: int = MAX_BYTES,
) -> Webhook | Refusal:
    """The request (its WSGI `environ`) as a Webhook, or why it is refused (see the module's
    docstring)."""
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length.isdigit():
        if int(length) > limit:
            return Refusal(413, "malformed", f"a webhook's body is at most {limit} bytes")
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):  # chunked: the server says where it ends
        body = stream.read(limit + 1)
        if len(body) > limit:  # cut at the limit, it would read as a shorter form
            return Refusal(413, "malformed", f"a webhook's body is at most {limit} bytes")
    else:  # no length and no end: there is no body to read (PEP 3333)
        body = b""
    is_form = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() == FORM
    params = parse_form(body) if is_form else Params()
    urls = requested_url(environ)
    if verify:
        # A garbled form is refused below; its signature is checked the lenient way first,
        # so that what is not ours gets 403 whatever its shape.
        checked = params if params is not None else _lenient(body)
        if urls is None or not signed(environ, urls[0], checked, token):
            return Refusal(403, "signature", "invalid or missing X-Twilio-Signature")
    if urls is None:
        return Refusal(400, "malformed", "the Host header names no host")
    if not is_form:
        return Refusal(415, "malformed", f"a webhook must be a form post ({FORM})")
    if params is None:
        return Refusal(400, "malformed", "the form is not percent-encoded UTF-8")
    form = {name: values[0] for name, values in params.items()}
    sid = form.get("CallSid", "")
    if not _SID.fullmatch(sid):
        return Refusal(400, "malformed", "the form has no valid CallSid")
    query = parse_form(wsgi_bytes(environ.get("QUERY_STRING", ""))) or Params()
    firsts = {name: values[0] for name, values in query.items()}
    asked = asked_of(firsts.get("asked", ""))
    if needs_asked and asked is None:
        return Refusal(400, "malformed", "the URL has no valid 'asked' (it must be one we gave)")
    return Webhook(*urls, form, sid, asked, firsts)


def _lenient(body: bytes) -> Params:
    """A garbled form read the lenient way (Werkzeug's), only to check its signature."""
    _, form, _ = FormDataParser().parse(io.BytesIO(body), FORM, len(body))
    return Params(form.lists())


def asked_of(text: str) -> int | None:
    """`asked` from the URL: ASCII digits only (int() would take `+1`, ` 1`, `١`)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


def requested_url(environ: Mapping[str, Any]) -> tuple[str, str] | None:
    """The URL the platform asked for, and the server's root URL: scheme and host as the
    server saw them (the proxy's, with `trust-forwarded`), path and query as they came in the
    request line (a decoded path would turn `%2F` into `/`, which is not what was signed).
    None when the Host header names no host (`localhost:abc`): no platform sent that."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = _HOST.fullmatch(environ.get("HTTP_HOST") or _server_host(environ))
    if host is None or int(host["port"] or 0) > 65535:
        return None
    port = host["port"]
    if port is None or (scheme, port) in _DEFAULT_PORTS:
        origin = f"{scheme}://{host['name']}"
    else:
        origin = f"{scheme}://{host['name']}:{port}"
    prefix = quote(wsgi_bytes(environ.get("SCRIPT_NAME", "").rstrip("/")))
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if not target.startswith("/"):  # none, or the request line's absolute form
        parts = urlsplit(target)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/"):
        query = environ.get("QUERY_STRING", "")
        path = quote(wsgi_bytes("/" + environ.get("PATH_INFO", "").lstrip("/")))
        target = prefix + path + (f"?{query}" if query else "")
    return origin + target, f"{origin}{prefix}/"


def wsgi_bytes(text: str) -> bytes:
    """The bytes of a WSGI environ string (PEP 3333: bytes as latin-1), or of one that a
    server decoded from UTF-8 already, against the rule."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


#: A Host header: a name, an IPv4 address or an [IPv6] one, and a port.
_HOST = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(?P<port>[0-9]{1,5}))?")
#: Ports a URL leaves out, as the platform writes the URL it signs.
_DEFAULT_PORTS = frozenset({("http", "80"), ("https", "443")})


def _server_host(environ: Mapping[str, Any]) -> str:
    """The host from the server's own name, when the request has no Host header (HTTP/1.0)."""
    name, port = environ.get("SERVER_NAME", ""), environ.get("SERVER_PORT", "")
    if ":" in name:  # an IPv6 address
        name = f"[{name}]"
    return f"{name}:{port}" if port else name


def parse_form(body: bytes) -> Params | None:
    """The form of `body` if the platform could have written it (ASCII, every `%` escape
    complete, every name and value UTF-8 once decoded), else None."""
    if not body.isascii() or _BAD_ESCAPE.search(body):
        return None
    params = Params()
    if not body:
        return params
    try:
        for field in body.replace(b"+", b" ").split(b"&"):
            if not field:
                continue
            name, _, value = field.partition(b"=")
            key = _unquote(name)
            params.setdefault(key, []).append(_unquote(value))
    except UnicodeDecodeError:
        return None
    return params


def _unquote(part: bytes) -> str:
    """A name or value of the form, decoded (most have no escape at all: no need to look)."""
    return (unquote_to_bytes(part) if b"%" in part else part).decode("utf-8")


def number(text: str | None, default: float = 0.0) -> float:
    try:
        value = float(text) if text is not None else default
    except ValueError:
        return default
    return value if math.isfinite(value) else default
