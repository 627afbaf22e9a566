"""Is this webhook from the phone platform? `X-Twilio-Signature` checked with the official
validator over the URL the platform requested and the form it posted.

The URL is the one this server was asked for. Behind a proxy that terminates TLS, the server is
asked for `http://backend:8000/...` while the platform signed `https://ivr.example.com/...`:
with `trust-forwarded`, the app takes scheme and host from X-Forwarded-Proto/-Host (Werkzeug's
ProxyFix) before anything reads the URL, so the signature and every absolute URL we hand back
are right.
"""

from __future__ import annotations

from flask import Request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)


def signed(request: Request, token: str | None) -> bool:
    """Whether the request carries a valid signature made with `token` (never without one)."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if not token or not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    try:
        return bool(
            RequestValidator(token).validate(request.url, request.form, signature, algorithm)
        )
    except ValueError:  # an algorithm the library does not know
        return False
