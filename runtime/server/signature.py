"""Is this webhook from the phone platform? `X-Twilio-Signature`, checked with the official
`twilio` validator over the URL the platform requested and the form it posted.

The signature is an HMAC of the URL and the sorted form. The validator tries the URL with and
without its port and parses it again; a webhook is the server's hot path, so the URL exactly as
it was requested is checked first (with the library's own `compute_signature`), and only when
that fails does the validator try its variants.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from functools import lru_cache

from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)


class Params(dict[str, list[str]]):
    """A form: every value of each name, as the validator reads them (`getall`)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def signed(environ: Mapping[str, object], url: str, params: Params, token: str | None) -> bool:
    """Whether the request (its WSGI `environ`) carries a valid signature made with `token`
    (never without one)."""
    signature = environ.get(_SIGNATURE)
    if not token or not isinstance(signature, str) or not signature:
        return False
    settings = environ.get(_SETTINGS)
    algorithm = get_signature_algorithm(settings if isinstance(settings, str) else None)
    validator = _validator(token)
    try:
        expected = validator.compute_signature(url, params, algorithm)
    except ValueError:  # an algorithm the library does not know
        return False
    if hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return True
    try:  # the URL with and without its port
        return bool(validator.validate(url, params, signature, algorithm))
    except ValueError:  # a URL the library cannot parse was not signed by the platform
        return False


@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def _environ_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


_SIGNATURE = _environ_key(SIGNATURE_HEADER)
_SETTINGS = _environ_key(SIGNATURE_SETTINGS_HEADER)
