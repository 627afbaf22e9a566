"""The API's one error shape, `{"ok": false, "errors": [...], "status": 4xx}`, for every endpoint
and every failure (a bad body, a missing flow, a stale save, a refused deploy, a 404 route).

Each entry of `errors` has a `message`; one that comes from a diagnostic also has everything
`sce lint --format json` prints for it (code, line, column, JSON pointer, node id).

Views raise errors, they do not answer them: `ApiError` for what the request got wrong, and the
errors of the layers below (`sce.errors`, the runtime's) as they come. `install` gives each of
those its HTTP status, from one table, for the whole app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from flask import Blueprint, Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from sce.diagnostics import Diagnostic
from sce.errors import (
    BadFlowDocument,
    FlowExists,
    FlowNotFound,
    RevisionNotFound,
    SceError,
    StaleRevision,
    UsersFileBroken,
)
from sce.report import diagnostic_to_json

#: How an error is answered: its HTTP status (with the error's own message), or the status and
#: the message to give instead (when the error's own is meant for the logs, not the client).
Answer = int | tuple[int, str]

#: The answers to the `sce` package's refusals. A stale save also carries the current revision
#: (under `current`, and its ETag in the header), so the editor can merge.
SCE_ERRORS: dict[type[SceError], Answer] = {
    FlowNotFound: 404,
    RevisionNotFound: 404,
    FlowExists: 409,
    StaleRevision: 412,
    BadFlowDocument: 400,
    #: Nobody can be told apart until an operator mends it: the server's problem, not the
    #: request's (and no request may pass unchecked).
    UsersFileBroken: 503,
}


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
    """The error shape: the message first, then each diagnostic as `sce lint` gives it."""
    errors: list[dict[str, object]] = [diagnostic_to_json(d) for d in diagnostics]
    if not errors or message:
        errors.insert(0, {"message": message})
    return {"ok": False, "errors": errors, "status": status}


def error_response(error: ApiError) -> Response:
    """The response for `error`: its status, headers, and body in the error shape."""
    body = error_body(error.status, error.message, error.diagnostics) | error.extra
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def install(app: Flask, extra: Mapping[type[SceError], Answer] | None = None) -> None:
    """Answer every error of `app` in the one shape: `ApiError`, HTTP errors (404 route, 405,
    413), and each error of `SCE_ERRORS` and `extra` (the runtime's own) with its status.

    App-wide, not only under /api: a webhook that lets one of these through gets the same
    answer as the API, never a 500 page.
    """
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    answer_errors(app, SCE_ERRORS | dict(extra or {}))


def answer_errors(target: Flask | Blueprint, table: Mapping[type[SceError], Answer]) -> None:
    """Answer each error of `table` raised in `target` (an app, or one blueprint's views) with
    its status, in the one shape."""
    for kind, answer in table.items():
        target.register_error_handler(kind, _answering(answer))


def _answering(answer: Answer) -> Callable[[SceError], Response]:
    def handler(error: SceError) -> Response:
        return error_response(_as_api_error(error, answer))

    return handler


def _as_api_error(error: SceError, answer: Answer) -> ApiError:
    """`error` as the API answers it, with the diagnostics it carries."""
    status, message = answer if isinstance(answer, tuple) else (answer, error.message)
    if isinstance(error, StaleRevision):
        current = error.current
        return ApiError(
            status, message, extra={"current": current.to_data()}, headers={"ETag": current.etag}
        )
    return ApiError(status, message, error.diagnostics)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = error_response(ApiError(status, error.description or error.name))
    if status == 405:
        allow = dict(error.get_headers()).get("Allow")
        if allow:
            response.headers["Allow"] = allow
    return response
