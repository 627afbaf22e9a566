"""SCE105 busy-loop: a loop that can go round without the caller doing anything."""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

_MAX_NAMED = 8


@rule("SCE105", "busy-loop", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A loop in the flow can repeat without waiting for the caller.

    **What it does:** looks for loops that pass through no node waiting for the caller (`menu`,
    `collect`, `record`, `transfer`): `set` → `branch` → `set`, or an `http` or `subflow` whose
    `error` exit leads back to itself. Each loop is reported once, at its first node, with the
    nodes it goes round.

    **Why is this bad?** Nothing changes between two rounds that the caller could influence: the
    call either spins until the engine stops it for taking too many steps, or repeats the same
    announcement or request endlessly (hammering the business system when it is down). The
    rule cannot see a counter that ends the loop after a few rounds; route such a retry
    through a menu that asks the caller, or leave by an `error` exit to an agent.

    **Example:**

        http lookup { url = "https://bank.example/balance/{caller}", timeout = 3,
                      next -> say_balance, error -> lookup }

    **Use instead:**

        http lookup { url = "https://bank.example/balance/{caller}", timeout = 3,
                      next -> say_balance, error -> agent }
    """
    flow = ctx.flow
    graph = ctx.graph
    order = ctx.order
    scope = ctx.reachable if flow.start in flow.nodes else flow.nodes.keys()
    inputs = ctx.inputs
    idle = [nid for nid in flow.nodes if nid in scope and nid not in inputs]
    loops = []
    for part in ctx.loops_among(idle):
        first = part[0]
        if len(part) > 1 or graph.has_edge(first, first):
            loops.append((order[first], first, set(part)))
    for _, first, part in sorted(loops, key=lambda t: t[0]):
        cycle = _cycle(graph, first, part)
        shown = cycle if len(cycle) <= _MAX_NAMED else [*cycle[: _MAX_NAMED - 1], "…"]
        path = " → ".join([*shown, first])
        others = len(part) - len(cycle)
        extra = f" (and {others} more nodes loop with them)" if others > 0 else ""
        yield ctx.report(
            "SCE105",
            f"the loop {path} can repeat without the caller doing anything{extra}. Leave the "
            "loop by an exit to an agent or a goodbye, or let the caller decide with a menu "
            "inside the loop.",
            ctx.ptr(first),
            first,
        )


def _cycle(graph: nx.DiGraph, first: str, part: set[str]) -> list[str]:
    """A shortest round from `first` back to itself inside `part`, without repeating `first`."""
    parent: dict[str, str | None] = {first: None}
    queue = [first]
    for n in queue:
        for s in graph.successors(n):
            if s == first:
                path = [n]
                while (p := parent[path[-1]]) is not None:
                    path.append(p)
                return path[::-1]
            if s in part and s not in parent:
                parent[s] = n
                queue.append(s)
    return [first]  # not reached for a strongly connected part
