"""`POST /api/lint` and `POST /api/compile`: a posted draft checked exactly as `sce lint` and
`sce compile` check a file, through `sce.build.build`, so the designer's check button and the
command line never disagree. Both are open to readers: they change nothing.

The draft is read as every endpoint reads one (`sce.api.requests.posted_draft`): a document,
or a file's text whose diagnostics then carry line and column.

Being open, they must not let anyone take the process from the voice webhooks it also serves: a
draft may be at most `MAX_DRAFT_BYTES` (413 beyond), and one draft at a time is built per
process (`BUILDS`). A check that finds another build running waits up to `BUILD_WAIT` seconds,
then gets 503 with `Retry-After: 1` instead of holding a server thread for as long as the
builds queued before it would take.
"""

from __future__ import annotations

import json
import threading

from flask import Blueprint, current_app

from sce.access.roles import Permission
from sce.api.auth import allow
from sce.api.errors import ApiError
from sce.api.requests import draft_body, posted_draft
from sce.build import Build, build
from sce.lint import Settings
from sce.report import diagnostic_to_json

checks = Blueprint("checks", __name__)

#: The one draft build the checks may run at a time in this process.
BUILDS = threading.BoundedSemaphore(1)
#: How long a check waits for the running build to end (seconds): most builds take
#: milliseconds, so this only turns away a flood of checks or one of the largest drafts.
BUILD_WAIT = 1.0


@checks.post("/api/lint")
@allow(Permission.READ)
def lint() -> dict[str, object]:
    """Every finding about the draft, as `sce lint --format json` prints them; 413 for a draft
    over MAX_DRAFT_BYTES, 503 (Retry-After) while another check builds its draft."""
    outcome = _built()
    return {
        "ok": not outcome.errors,
        "diagnostics": [diagnostic_to_json(d) for d in outcome.diagnostics],
    }


@checks.post("/api/compile")
@allow(Permission.READ)
def compile_draft() -> dict[str, object]:
    """The compiled state machine of the draft and its version, or 422 with why not; 413 and
    503 as for lint."""
    outcome = _built()
    if outcome.compiled is None:
        count = len(outcome.errors)
        raise ApiError(
            422,
            f"the flow does not compile: {count} error{'s' * (count != 1)}",
            outcome.diagnostics,
        )
    compiled = outcome.compiled
    return {
        "ok": True,
        "flow": compiled.flow,
        "version": compiled.version,
        "diagnostics": [diagnostic_to_json(d) for d in outcome.diagnostics],
        "ir": json.loads(compiled.to_json(indent=None)),
    }


def lint_settings() -> Settings | None:
    """The lint settings of the server (those of its flows folder)."""
    return current_app.extensions.get("sce.settings")


def _built() -> Build:
    """The posted draft, built once this process builds no other (see the module's docstring).
    The body is read and parsed first, outside: a slow client holds only its own thread."""
    body = draft_body()
    if not BUILDS.acquire(timeout=BUILD_WAIT):
        raise ApiError(
            503,
            "the server is checking another draft; send this one again in a second",
            headers={"Retry-After": "1"},
        )
    try:
        return build(posted_draft(body), lint_settings())
    finally:
        BUILDS.release()
