"""The API's one error shape, `{"ok": false, "errors": [...], "status": 4xx}`, for every endpoint
and every failure (a bad body, a missing flow, a stale save, a refused deploy, a 404 route).

Each entry of `errors` has a `message`; one that comes from a diagnostic also has everything
`sce lint --format json` prints for it (code, line, column, JSON pointer, node id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from sce.diagnostics import Diagnostic
from sce.errors import SceError
from sce.report import diagnostic_to_json


class ApiError(SceError):
    """An answer other than success: HTTP `status`, a message, and diagnostics when a flow is to
    blame. `extra` adds fields to the body (a stale save carries the current revision)."""

    def __init__(
        self,
        status: int,
        message: str,
        diagnostics: list[Diagnostic] | None = None,
        *,
        extra: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, diagnostics)
        self.status = status
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


def error_body(
    status: int, message: str, diagnostics: Iterable[Diagnostic] = ()
) -> dict[str, object]:
    errors: list[dict[str, object]] = [diagnostic_to_json(d) for d in diagnostics]
    if not errors or message:
        errors.insert(0, {"message": message})
    return {"ok": False, "errors": errors, "status": status}


def error_response(error: ApiError) -> Response:
    body = error_body(error.status, error.message, error.diagnostics) | error.extra
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def install(app: Flask) -> None:
    """Answer every error under /api in the one shape, HTTP errors (404, 405, 413) included."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        response = error_response(ApiError(status, error.description or error.name))
        if status == 405 and error.get_headers():
            allow = dict(error.get_headers()).get("Allow")
            if allow:
                response.headers["Allow"] = allow
        return response
