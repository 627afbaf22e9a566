"""Deploys over HTTP: a stored flow (`POST /api/flows/<id>/deploy`), a posted one
(`POST /api/deploys`, what `sce deploy --server` sends), rollbacks, and the deploy log.

Every deploy goes through the registry like the folder watcher's: linted and compiled first, a
flow with errors refused with all its diagnostics (422 in the API's error shape) while the live
version stays; a good one becomes the version of new calls, and calls in progress finish on
theirs. Either answer carries the diagnostics as objects (`sce lint --format json`), never as
text. Every write needs the API token; the log is open to readers.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Response, jsonify, request

from runtime.registry import DeployResult
from runtime.server.service import service
from sce.access.roles import Permission
from sce.api.auth import allow, audit, author
from sce.api.errors import ApiError
from sce.api.requests import int_field, json_body, posted_draft, query_int, text_field
from sce.report import diagnostic_to_json

deploys = Blueprint("deploys", __name__)

#: Most deploy log records one request returns.
MAX_LOG = 1000
#: Fewest characters of a version that name it (as people copy them from the log).
MIN_VERSION_PREFIX = 8
MAX_WHO = 200


@deploys.post("/api/flows/<flow_id>/deploy")
@allow(Permission.DEPLOY)
def deploy_stored(flow_id: str) -> Response:
    """Deploy a flow of the repository: `revision` (default: the current one), read with its
    number in one step, so that the revision answered is the content deployed."""
    body = json_body(optional=True)
    revision = int_field(body, "revision", minimum=1)
    who = author(text_field(body, "who", limit=MAX_WHO))
    loaded, number = service().flows.load(flow_id, revision)
    if loaded.flow is not None and loaded.flow.flow != flow_id:
        raise ApiError(
            422, f"revision {number} of '{flow_id}' holds flow '{loaded.flow.flow}'; not deployed"
        )
    return _answer(service().registry.deploy(loaded, who=who, revision=number))


@deploys.post("/api/deploys")
@allow(Permission.DEPLOY)
def deploy_posted() -> Response:
    """Deploy the flow in the body (`document`, or `text` with `format` and `path`)."""
    body = json_body()
    who = author(text_field(body, "who", limit=MAX_WHO))
    loaded = posted_draft(body)
    # Named apart from the server's own files: a client's `flows/balance.json` is not the
    # server's, and a restart must not take one for the other.
    source = f"posted:{loaded.path or 'flow'}"
    return _answer(service().registry.deploy(loaded, who=who, source=source))


@deploys.get("/api/deploys")
@allow(Permission.READ)
def deploy_log() -> dict[str, object]:
    """The deploy log, newest first: `flow` to see one flow's, `limit` records at most."""
    flow = request.args.get("flow") or None
    limit = query_int("limit", default=100, minimum=1, maximum=MAX_LOG)
    return {"deploys": service().registry.log(flow, limit)}


@deploys.post("/api/flows/<flow_id>/rollback")
@allow(Permission.DEPLOY)
def rollback(flow_id: str) -> Response:
    """Make an earlier version current again: `version` (8 or more characters of it), or the
    one deployed before the current."""
    body = json_body(optional=True)
    version = text_field(body, "version", limit=64)
    if version is not None and len(version) < MIN_VERSION_PREFIX:
        raise ApiError(
            400, f"/version must have at least {MIN_VERSION_PREFIX} characters, not '{version}'"
        )
    who = author(text_field(body, "who", limit=MAX_WHO))
    return _answer(service().registry.rollback(flow_id, version, who=who), action="rollback")


def _answer(result: DeployResult, *, action: str = "deploy") -> Response:
    """200 with what the deploy did and its diagnostics (warnings), or 422 with every
    diagnostic when it was refused; either way a record in the audit log. The answer leaves
    out the deploy log's `errors` (the same diagnostics as text)."""
    audit(
        action,
        "ok" if result.ok else "refused",
        flow=result.flow,
        revision=result.revision,
        version=result.version,
        detail=result.result if result.ok else f"{len(result.diagnostics)} finding(s)",
    )
    data = result.to_data()
    errors = len(cast(list[str], data.pop("errors")))
    if not result.ok:
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
