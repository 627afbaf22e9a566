"""SCE106 subflow-recursion: flows that call themselves through subflow nodes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Flow, Subflow


@rule("SCE106", "subflow-recursion", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A subflow node calls the flow it is part of, directly or through other flows.

    **What it does:** reports a `subflow` node whose `flow` is its own flow, or a flow that
    (through its own subflow nodes, among the flows linted together) calls this flow again.
    A subflow naming a flow that is not among them is not checked.

    **Why is this bad?** Each call starts the flow again inside itself: the caller hears the
    same beginning over and over while the engine piles up nested calls until it gives up. To
    do something again, loop back to a node of the same flow (through a menu that lets the
    caller choose) instead.

    **Example:** in the flow `identify`:

        subflow ask_again { flow = "identify", next -> done }

    **Use instead:** go back to the node that asks, `next -> ask_account`, inside `identify`.
    """
    me = ctx.flow.flow
    calls = ctx.nodes_of(Subflow)
    if not calls:
        return
    toward_me = _next_hop_to(me, ctx.flow, ctx.project)
    for nid, node in calls:
        if node.flow == me:
            message = (
                f"subflow '{nid}' calls '{me}', the flow it is part of: each call would start "
                "this flow again inside itself, without end. Go back to a node of this flow "
                "instead."
            )
        elif node.flow in toward_me:
            chain = [me, node.flow]
            while chain[-1] != me:
                chain.append(toward_me[chain[-1]])
            circle = " → ".join(f"'{f}'" for f in chain)
            message = (
                f"subflow '{nid}' closes a circle of flows that call each other without end: "
                f"{circle}. Break the circle, for example by going back to a node of this flow "
                "instead of calling it."
            )
        else:
            continue
        yield ctx.report("SCE106", message, ctx.ptr(nid, "flow"), nid)


def _next_hop_to(me: str, flow: Flow, project: Mapping[str, Flow]) -> dict[str, str]:
    """For every other flow that ends up calling `me`: the flow it calls next on the way.

    Only the flows that `me` calls, directly or not, are read, each once.
    """
    callers: dict[str, set[str]] = {}  # callee -> the flows that call it
    seen = {me}
    todo = [flow]
    while todo:
        current = todo.pop()
        for node in current.nodes.values():
            if isinstance(node, Subflow):
                callers.setdefault(node.flow, set()).add(current.flow)
                called = project.get(node.flow)
                if called is not None and node.flow not in seen:
                    seen.add(node.flow)
                    todo.append(called)
    hop: dict[str, str] = {}
    queue = [me]
    for callee in queue:
        for caller in sorted(callers.get(callee, ())):
            if caller != me and caller not in hop:
                hop[caller] = callee
                queue.append(caller)
    return hop
