"""SCE107 unknown-subflow: a subflow node names a flow that is not among the flows linted."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Subflow

CODE = "SCE107"

_SHOWN = 5


@rule(CODE, "unknown-subflow", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A subflow node names a flow that is not among the flows linted together.

    **What it does:** when several flows are linted together (a folder, or several files), reports
    a `subflow` node whose `flow` is none of them. A flow linted on its own is not checked: a
    single file cannot know which flows sit beside it on the server, so it would be reported
    every time. Lint the whole folder to have subflows checked.

    **Why is this bad?** The name is usually a typo or a flow that was renamed or not added yet:
    when the call reaches the node, the engine finds no such flow and the call takes the node's
    `error` exit (or fails). Deploying the flows together only works when every flow they call is
    among them.

    **Example:** linting a folder holding `main` and `identify`:

        subflow who { flow = "identfy", next -> menu, error -> agent }

    **Use instead:**

        subflow who { flow = "identify", next -> menu, error -> agent }
    """
    project = ctx.project
    if len(project) <= 1:
        return
    names = sorted(project)
    known = ", ".join(f"'{n}'" for n in names[:_SHOWN])
    if len(names) > _SHOWN:
        known += f" and {len(names) - _SHOWN} more"
    for nid, node in ctx.nodes_of(Subflow):
        if node.flow in project:
            continue
        close = difflib.get_close_matches(node.flow, names, n=1, cutoff=0.8)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else f"the flows linted together are {known}; correct the name, or lint the "
            "folder that holds that flow too"
        )
        yield ctx.report(
            CODE,
            f"subflow '{nid}' calls the flow '{node.flow}', which is not among the flows "
            f"linted together: {hint}",
            ctx.ptr(nid, "flow"),
            nid,
        )
