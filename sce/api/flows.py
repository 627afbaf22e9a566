"""The authoring API over the flow repository (`sce.revisions`): list, create, read, save,
delete, and the history of each flow with structured diffs between its revisions.

Saves are optimistic, like the repository: a read gives the flow's ETag, a save or delete must
send it back as `If-Match`, and one based on an older version gets 412 with the current revision
(under `"current"`, and its ETag in the header) instead of overwriting someone else's work. A
write without `If-Match` gets 428: a client that does not say what it read cannot be checked.

`If-Match` may list several ETags: the change is made if the flow's is one of them (strong
comparison, RFC 9110: a weak `W/"..."` tag never matches). `If-Match: *` gets 428 like a missing
header: "whatever is there" is exactly what a client must not overwrite blindly.

The repository's refusals (no such flow, a stale ETag, a taken id) propagate from the views and
get their status from `sce.api.errors`; a flows folder the server cannot read or write (read-only,
full, a file where its `.history` should be) is a 503 that names it. The repository is
`current_app.extensions["sce.flows"]`; this package never imports the runtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from sce.access.roles import Permission
from sce.api.auth import allow, audit, author
from sce.api.errors import ApiError, error_response
from sce.api.live import Live, live_revision, live_versions
from sce.api.problems import ProblemCache, problem_cache
from sce.api.requests import json_body, query_int, text_field
from sce.canonical import FORMATS
from sce.errors import StaleRevision
from sce.flowdiff import diff
from sce.history import FlowSummary, StoredFlow
from sce.revisions import FlowRepository

flows = Blueprint("flows", __name__)

#: Longest save message and author name kept in the history.
MAX_MESSAGE = 2000
MAX_AUTHOR = 200
#: Highest revision number a query may name.
MAX_REVISION = 999_999_999


def repository() -> FlowRepository:
    return current_app.extensions["sce.flows"]


@flows.get("/api/flows")
@allow(Permission.READ)
def list_flows() -> dict[str, object]:
    """Every flow with what the designer's list shows: its languages, how many errors and
    warnings the linter finds in it (counted once per content, see `sce.api.problems`), and
    the version new calls get (`sce.api.live`)."""
    live = live_versions()
    cache = problem_cache()
    return {
        "flows": [_line(summary, live.get(summary.id), cache) for summary in repository().list()]
    }


def _line(summary: FlowSummary, live: Live | None, cache: ProblemCache) -> dict[str, object]:
    assert summary.loaded is not None  # the repository lists flows as it loaded them
    problems = cache.problems(summary.id, summary.etag, summary.loaded)
    revision = None if live is None else live_revision(repository(), summary, live)
    return {
        **summary.to_data(),
        "problems": problems.to_data(),
        "live": None if live is None else live.to_data(revision),
    }


@flows.post("/api/flows")
@allow(Permission.WRITE)
def create_flow() -> Response:
    """Store a new flow: 201 with its place (Location) and ETag; 409 if the id is taken."""
    body = json_body()
    stored = repository().create(
        _document(body), author=_author(body), message=_message(body), fmt=_format(body)
    )
    audit("flow.create", flow=stored.id, revision=stored.revision)
    response = _stored(stored, 201)
    response.headers["Location"] = url_for(".get_flow", flow_id=stored.id)
    return response


@flows.get("/api/flows/<flow_id>")
@allow(Permission.READ)
def get_flow(flow_id: str) -> Response:
    return _stored(repository().get(flow_id))


@flows.put("/api/flows/<flow_id>")
@allow(Permission.WRITE)
def save_flow(flow_id: str) -> Response:
    """Save a new version of a flow read with the ETag sent as If-Match."""
    if_match = _if_match()
    body = json_body()
    with _stale_refused("flow.save", flow_id):
        stored = repository().save(
            flow_id,
            _document(body),
            if_match=if_match,
            author=_author(body),
            message=_message(body),
        )
    audit("flow.save", flow=flow_id, revision=stored.revision)
    return _stored(stored)


@flows.delete("/api/flows/<flow_id>")
@allow(Permission.WRITE)
def delete_flow(flow_id: str) -> dict[str, object]:
    """Remove a flow's files; its history stays (the answer is the revision that records it)."""
    if_match = _if_match()
    body = json_body(optional=True)
    with _stale_refused("flow.delete", flow_id):
        deleted = repository().delete(
            flow_id, if_match=if_match, author=_author(body), message=_message(body)
        )
    audit("flow.delete", flow=flow_id, revision=deleted.revision)
    return deleted.to_data()


@flows.get("/api/flows/<flow_id>/revisions")
@allow(Permission.READ)
def list_revisions(flow_id: str) -> dict[str, object]:
    """The history of a flow, newest first."""
    infos = repository().revisions(flow_id)
    return {"flow": flow_id, "revisions": [info.to_data() for info in infos]}


@flows.get("/api/flows/<flow_id>/revisions/<int:number>")
@allow(Permission.READ)
def get_revision(flow_id: str, number: int) -> dict[str, object]:
    return repository().revision(flow_id, number).to_data()


@flows.get("/api/flows/<flow_id>/diff")
@allow(Permission.READ)
def diff_revisions(flow_id: str) -> dict[str, object]:
    """What changed from revision `from` to revision `to` (default: the newest)."""
    repo = repository()
    start = query_int("from", default=None, minimum=1, maximum=MAX_REVISION)
    if start is None:
        raise ApiError(400, "the query needs 'from', a revision number")
    end = query_int("to", default=None, minimum=1, maximum=MAX_REVISION)
    end = end or repo.revisions(flow_id)[0].revision
    old = repo.revision(flow_id, start)
    new = repo.revision(flow_id, end)
    return {
        "flow": flow_id,
        "from": old.revision,
        "to": new.revision,
        "diff": diff(old.document, new.document).to_data(),
    }


# -- pieces ----------------------------------------------------------------------------------


@contextmanager
def _stale_refused(action: str, flow_id: str) -> Iterator[None]:
    """A save or delete based on an older revision is a refused change: in the audit log with
    the revision it would have overwritten, then answered 412 as ever."""
    try:
        yield
    except StaleRevision as e:
        current = e.current.revision
        audit(action, "refused", flow=flow_id, revision=current, detail="stale If-Match")
        raise


def _stored(stored: StoredFlow, status: int = 200) -> Response:
    response = jsonify(stored.to_data())
    response.status_code = status
    response.headers["ETag"] = stored.etag
    return response


def _document(body: dict[str, object]) -> object:
    if "document" not in body:
        raise ApiError(400, "/document is missing: send the flow document as an object")
    return body["document"]


def _format(body: dict[str, object]) -> str:
    """The form of a new flow's file: `json` (the default) or `flow` (the DSL)."""
    fmt = body.get("format", "json")
    if fmt is None:
        return "json"
    if fmt not in FORMATS:
        raise ApiError(400, "/format must be 'json' or 'flow' (the form of the flow's file)")
    return str(fmt)


def _author(body: dict[str, object]) -> str:
    return author(text_field(body, "author", limit=MAX_AUTHOR))


def _message(body: dict[str, object]) -> str:
    return text_field(body, "message", limit=MAX_MESSAGE) or ""


def _if_match() -> frozenset[str]:
    """The ETags the client based its change on (any one will do), quoted as the repository
    gives them; weak ones are left out, since a save compares strongly."""
    tags = request.if_match
    if tags.star_tag:
        raise ApiError(428, "If-Match must name the ETag you read, not '*'")
    if not request.headers.get("If-Match", "").strip(" \t,"):
        raise ApiError(
            428,
            "this change needs the If-Match header: send the ETag you got when you read the "
            "flow, so that nobody else's save is overwritten",
        )
    return frozenset(f'"{tag}"' for tag in tags.as_set())


@flows.errorhandler(OSError)
def _folder_failed(error: OSError) -> Response:
    """503 for a flows folder the server cannot read or write, naming the folder and the file."""
    folder = repository().folder
    doing = "read" if request.method in ("GET", "HEAD") else "write"
    why = error.strerror or str(error)
    place = f": '{error.filename}'" if error.filename else ""
    return error_response(
        ApiError(
            503,
            f"the server cannot {doing} the flows folder '{folder}' ({why}{place}); check that "
            f"it and its .history are folders the server may {doing}",
        )
    )
