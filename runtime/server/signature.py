"""Is this webhook from the phone platform, and a form it could have sent? (`refused`)

`X-Twilio-Signature` is checked with the official validator over the URL the platform requested
and the form it posted; the body as the platform writes it (percent-encoded UTF-8), with the
CallSid and, but for a call's first request and its status callback, our `asked` in the URL.

The URL is the one this server was asked for, path and query as they were sent: Werkzeug's
`request.url` decodes them (`%2F` becomes `/`), which is not what the platform signed. Behind a
proxy that terminates TLS, the server is asked for `http://backend:8000/...` while the platform
signed `https://ivr.example.com/...`: with `trust-forwarded`, the app takes scheme and host from
X-Forwarded-Proto/-Host (Werkzeug's ProxyFix) before anything reads the URL, so the signature
and every absolute URL we hand back are right.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes, urlsplit

from flask import Request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

FORM = "application/x-www-form-urlencoded"
#: A `%` not followed by two hex digits.
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
#: A call id as the platforms write them (Twilio's CA…, others' UUIDs).
_SID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def refused(
    request: Request, token: str | None, *, verify: bool = True, needs_asked: bool = True
) -> tuple[int, str, str] | None:
    """Why a webhook is refused, as (HTTP status, reason for the metrics, message), or None.
    Checked in this order: 413 past the app's size limit, 403 (when `verify`) without a valid
    signature made with `token` (none without a token), 415 for no form post, 400 for a garbled
    form or no CallSid, or (`needs_asked`) no `asked` in the URL."""
    body = request.get_data()  # raises 413; the form is parsed from this copy later
    if verify and not signed(request, token):
        return 403, "signature", "invalid or missing X-Twilio-Signature"
    if request.mimetype != FORM:
        return 415, "malformed", f"a webhook must be a form post ({FORM})"
    if not well_formed(body):
        return 400, "malformed", "the form is not percent-encoded UTF-8"
    if call_sid(request) is None:
        return 400, "malformed", "the form has no valid CallSid"
    if needs_asked and asked_of(request) is None:
        return 400, "malformed", "the URL has no valid 'asked' (it must be one we gave)"
    return None


def call_sid(request: Request) -> str | None:
    sid = request.form.get("CallSid", "")
    return sid if _SID.fullmatch(sid) else None


def asked_of(request: Request) -> int | None:
    """The `asked` of the webhook URL: ASCII digits only (int() would take `+1`, ` 1`, `١`)."""
    text = request.args.get("asked", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


def signed(request: Request, token: str | None) -> bool:
    """Whether the request carries a valid signature made with `token` (never without one)."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if not token or not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = RequestValidator(token)
    return bool(validator.validate(requested_url(request), request.form, signature, algorithm))


def requested_url(request: Request) -> str:
    """The URL the platform asked for: scheme and host as the app sees them (the proxy's, with
    `trust-forwarded`), path and query as they came in the request line."""
    target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    if not target.startswith("/"):  # none, or the request line's absolute form
        parts = urlsplit(target)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/"):
        query = request.query_string.decode("latin-1")
        target = quote(request.root_path + request.path) + (f"?{query}" if query else "")
    return f"{request.scheme}://{request.host}{target}"


def well_formed(body: bytes) -> bool:
    """Whether `body` is a form as the platform encodes one: ASCII, every `%` escape complete,
    every name and value UTF-8 once decoded. (A lenient parser would keep `%E4%B8` or `%ZZ` as
    text, and the flow would see garbage as what the caller said.)"""
    if not body.isascii() or _BAD_ESCAPE.search(body):
        return False
    try:
        for field in body.replace(b"+", b" ").split(b"&"):
            for part in field.split(b"=", 1):
                unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
