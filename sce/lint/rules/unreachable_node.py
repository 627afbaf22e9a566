"""SCE103 unreachable-node: a node that no call can ever get to."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule("SCE103", "unreachable-node", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A node that no path from the start (or from `on_error`) leads to.

    **What it does:** follows every exit from the flow's `start` node and from its `on_error`
    node, and reports each node that is never reached. (When the start node is missing, SCE101
    says so and this rule stays silent.)

    **Why is this bad?** No caller will ever hear or do what that node offers. It is usually a
    node that lost its incoming connection when the flow was edited, or a draft left behind;
    either way the flow does not do what its drawing suggests.

    **Example:**

        flow f { start -> welcome }
        play welcome { prompt { text { en-US = "Welcome." } }, next -> bye }
        play promotion { prompt { text { en-US = "Ask about our new card!" } }, next -> bye }
        hangup bye {}

    **Use instead:** connect the node (`play welcome { ..., next -> promotion }`) or delete it.
    """
    flow = ctx.flow
    if flow.start not in flow.nodes:
        return
    reachable = ctx.reachable
    for nid, node in flow.nodes.items():
        if nid not in reachable:
            yield ctx.report(
                "SCE103",
                f"{node.type} '{nid}' can never be reached: no path from the start leads to it. "
                "Connect it to the flow, or delete it.",
                ctx.ptr(nid),
                nid,
            )
