"""`POST /api/lint` and `POST /api/compile`: a posted draft checked exactly as `sce lint` and
`sce compile` check a file, through `sce.build.build`, so the designer's check button and the
command line never disagree. Both are open to readers: they change nothing.

The draft is read as every endpoint reads one (`sce.api.requests.posted_draft`): a document,
or a file's text whose diagnostics then carry line and column.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app

from sce.api.errors import ApiError
from sce.api.requests import json_body, posted_draft
from sce.build import build
from sce.lint import Settings
from sce.report import diagnostic_to_json

checks = Blueprint("checks", __name__)


@checks.post("/api/lint")
def lint() -> dict[str, object]:
    """Every finding about the draft, as `sce lint --format json` prints them."""
    outcome = build(posted_draft(json_body()), lint_settings())
    return {
        "ok": not outcome.errors,
        "diagnostics": [diagnostic_to_json(d) for d in outcome.diagnostics],
    }


@checks.post("/api/compile")
def compile_draft() -> dict[str, object]:
    """The compiled state machine of the draft and its version, or 422 with why not."""
    outcome = build(posted_draft(json_body()), lint_settings())
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
    return current_app.extensions.get("sce.settings")  # type: ignore[no-any-return]
