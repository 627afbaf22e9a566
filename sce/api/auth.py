"""Who may change things through the API. Reads are open; writes (save, delete, deploy,
rollback) need the API token as `Authorization: Bearer TOKEN`. With no token configured the API
is read-only: a server nobody secured must not take deploys from anyone who can reach it.

The designer's login (a later issue) will answer the same question through `require_writer`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import current_app, request

from sce.api.errors import ApiError

P = ParamSpec("P")
R = TypeVar("R")

#: Where the app keeps the token (`create_app` sets it from the runtime settings).
TOKEN_KEY = "SCE_API_TOKEN"


def writer() -> str:
    """The writer behind this request ("api" for the token); ApiError 401/403 otherwise."""
    token = current_app.config.get(TOKEN_KEY)
    if not token:
        raise ApiError(403, "the API is read-only: start the server with SCE_API_TOKEN set")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        raise ApiError(
            401,
            "this needs the API token: send 'Authorization: Bearer TOKEN'",
            headers={"WWW-Authenticate": 'Bearer realm="sce"'},
        )
    return "api"


def require_writer(view: Callable[P, R]) -> Callable[P, R]:
    """A view that changes something: only for holders of the API token."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        writer()
        return view(*args, **kwargs)

    return checked
