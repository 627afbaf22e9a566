"""Deploys over HTTP: a stored flow (`POST /api/flows/<id>/deploy`), a posted one
(`POST /api/deploys`, what `sce deploy --server` sends), rollbacks, and the deploy log.

Every deploy goes through the registry like the folder watcher's: linted and compiled first, a
flow with errors refused with all its diagnostics (422 in the API's error shape) while the live
version stays; a good one becomes the version of new calls, and calls in progress finish on
theirs. Every write needs the API token; the log is open to readers.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from runtime.errors import StoreUnavailable, UnknownFlow
from runtime.registry import DeployResult
from runtime.server.service import service
from sce.api.auth import writer
from sce.api.checks import int_field, json_body, posted_draft, text_field
from sce.api.errors import ApiError, error_response
from sce.api.flows import repository_error
from sce.errors import SceError
from sce.loader import LoadedFlow, load_path, load_text
from sce.report import diagnostic_to_json

deploys = Blueprint("deploys", __name__)

#: Most deploy log records one request returns.
MAX_LOG = 1000
#: Fewest characters of a version that name it (as people copy them from the log).
MIN_VERSION_PREFIX = 8
MAX_WHO = 200


@deploys.errorhandler(UnknownFlow)
def _unknown(error: UnknownFlow) -> Response:
    return error_response(ApiError(404, error.message))


@deploys.errorhandler(StoreUnavailable)
def _unavailable(error: StoreUnavailable) -> Response:
    return error_response(ApiError(503, error.message))


@deploys.post("/api/flows/<flow_id>/deploy")
def deploy_stored(flow_id: str) -> Response:
    """Deploy a flow of the repository: `revision` (default: the current one)."""
    who = writer()
    body = json_body(optional=True)
    revision = int_field(body, "revision", minimum=1)
    who = text_field(body, "who", limit=MAX_WHO) or who
    try:
        loaded, number = _stored(flow_id, revision)
    except SceError as e:
        raise repository_error(e) from None
    if loaded.flow is not None and loaded.flow.flow != flow_id:
        raise ApiError(
            422, f"revision {number} of '{flow_id}' holds flow '{loaded.flow.flow}'; not deployed"
        )
    return _answer(service().registry.deploy(loaded, who=who), revision=number)


@deploys.post("/api/deploys")
def deploy_posted() -> Response:
    """Deploy the flow in the body (`document`, or `text` with `format` and `path`)."""
    who = writer()
    body = json_body()
    who = text_field(body, "who", limit=MAX_WHO) or who
    return _answer(service().registry.deploy(posted_draft(body), who=who))


@deploys.get("/api/deploys")
def deploy_log() -> dict[str, object]:
    """The deploy log, newest first: `flow` to see one flow's, `limit` records at most."""
    flow = request.args.get("flow") or None
    limit = request.args.get("limit", "100")
    if not (limit.isascii() and limit.isdigit() and len(limit) <= 4 and 1 <= int(limit) <= MAX_LOG):
        raise ApiError(400, f"'limit' must be a number from 1 to {MAX_LOG}, not '{limit}'")
    return {"deploys": service().registry.log(flow, int(limit))}


@deploys.post("/api/flows/<flow_id>/rollback")
def rollback(flow_id: str) -> Response:
    """Make an earlier version current again: `version` (8 or more characters of it), or the
    one deployed before the current."""
    who = writer()
    body = json_body(optional=True)
    version = text_field(body, "version", limit=64)
    if version is not None and len(version) < MIN_VERSION_PREFIX:
        raise ApiError(
            400, f"/version must have at least {MIN_VERSION_PREFIX} characters, not '{version}'"
        )
    who = text_field(body, "who", limit=MAX_WHO) or who
    return _answer(service().registry.rollback(flow_id, version, who=who))


def _stored(flow_id: str, revision: int | None) -> tuple[LoadedFlow, int]:
    """A revision of a stored flow, loaded: the current one from its working file (so that
    diagnostics name that file, with line and column), a numbered one from the history (as the
    JSON text it was saved as, named `<id>@<revision>.json`)."""
    repo = service().flows
    if revision is None:
        stored = repo.get(flow_id)
        return load_path(repo.folder / f"{flow_id}.{stored.formats[0]}"), stored.revision
    kept = repo.revision(flow_id, revision)
    name = f"{flow_id}@{revision}"
    if kept.document is not None:
        text = json.dumps(kept.document, indent=2, ensure_ascii=False) + "\n"
        return load_text(text, f"{name}.json", "json"), revision
    text = kept.text or ""
    fmt = "json" if text.lstrip().startswith("{") else "flow"
    return load_text(text, f"{name}.{fmt}", fmt), revision


def _answer(result: DeployResult, *, revision: int | None = None) -> Response:
    """200 with what the deploy did, or 422 with every diagnostic when it was refused."""
    data = result.to_data()
    if revision is not None:
        data["revision"] = revision
    if not result.ok:
        errors = len(data["errors"])  # type: ignore[arg-type]
        live = f"version {result.previous[:12]} stays live" if result.previous else "nothing live"
        raise ApiError(
            422,
            f"deploy of {result.flow or result.source or 'the flow'} refused: "
            f"{errors} error{'s' * (errors != 1)}; {live}",
            result.diagnostics,
            extra={"deploy": data},
        )
    return jsonify(
        {"ok": True, **data, "diagnostics": [diagnostic_to_json(d) for d in result.diagnostics]}
    )
