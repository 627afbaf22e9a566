"""SCE104 dead-end: a call that can get stuck, or stop, before a goodbye or an agent."""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import (
    Branch,
    Collect,
    Http,
    Language,
    Node,
    Play,
    Record,
    Schedule,
    Set,
    Sms,
    Subflow,
)

#: The exit each node type needs to carry on, and what happens to the caller without it.
_NEEDED: dict[type[Node], tuple[str, str]] = {
    Play: ("next", "after it"),
    Set: ("next", "after it"),
    Http: ("next", "after a successful request"),
    Language: ("next", "after it"),
    Record: ("next", "after the recording"),
    Sms: ("next", "after the message is sent"),
    Subflow: ("next", "when the subflow returns"),
    Collect: ("next", "once the caller has entered the digits"),
    Branch: ("default", "when no case is true"),
    Schedule: ("open", "during business hours"),
}

_MAX_NAMED = 6


@rule("SCE104", "dead-end", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A path through the flow never reaches a hangup or a transfer.

    **What it does:** reports two kinds of dead end:

    - a node without the exit it needs to carry on: `play`, `set`, `http`, `language`,
      `record`, `sms`, `subflow` or `collect` without `next`, `branch` without `default`,
      `schedule` without `open`;
    - a part of the flow that callers reach but cannot leave: no path from it leads to a
      `hangup` or a `transfer` (for example a menu whose every key, and `exhausted`, lead back
      to itself). It is reported once, at its first node.

    **Why is this bad?** Every call should end on purpose: with a goodbye (`hangup`) or with a
    person (`transfer`). A call that runs out of exits stops without a word, and a caller
    trapped in a part of the flow with no way out can only hang up in frustration.

    **Example:**

        play balance { prompt { text { en-US = "Your balance is {balance} dollars." } } }

    **Use instead:**

        play balance { prompt { text { en-US = "Your balance is {balance} dollars." } },
                       next -> bye }
        hangup bye { prompt { text { en-US = "Thank you for calling. Goodbye." } } }
    """
    flow = ctx.flow
    order = ctx.order
    ends = set(ctx.terminals)
    for nid, node in flow.nodes.items():
        needed = _NEEDED.get(type(node))
        if needed is not None and getattr(node, needed[0]) is None:
            ends.add(nid)
            field, when = needed
            yield ctx.report(
                "SCE104",
                f"{node.type} '{nid}' has no {field}: {when} the call would end without a "
                f"goodbye. Add {field} -> to the node that should come next (a hangup to end "
                "the call politely).",
                ctx.ptr(nid),
                nid,
            )
        elif any(target not in flow.nodes for _, target in node.targets()):
            ends.add(nid)  # an exit to a missing node: SCE102 reports it

    can_end = _reaching(ctx.graph, ends)
    reachable = ctx.reachable
    trapped = [nid for nid in flow.nodes if nid in reachable and nid not in can_end]
    if not trapped:
        return
    graph = ctx.graph
    for found in ctx.loops_among(trapped):
        part = set(found)
        if any(s not in part for n in found for s in graph.successors(n)):
            continue  # it leads into another trapped part: that one is reported
        names = sorted(part, key=order.__getitem__)
        first = names[0]
        node = flow.nodes[first]
        if len(part) == 1 and not graph.has_edge(first, first):
            message = (
                f"{node.type} '{first}' leads nowhere: none of its exits goes on to a hangup "
                "or a transfer, so the call would end without a goodbye. Give it an exit."
            )
        else:
            listed = ", ".join(f"'{n}'" for n in names[:_MAX_NAMED])
            if len(names) > _MAX_NAMED:
                listed += f" and {len(names) - _MAX_NAMED} more"
            message = (
                f"a caller who reaches {node.type} '{first}' can never leave: no path from "
                f"{listed} leads to a hangup or a transfer. Give one of them an exit to a "
                "goodbye (hangup) or an agent (transfer)."
            )
        yield ctx.report("SCE104", message, ctx.ptr(first), first)


def _reaching(graph: nx.DiGraph, ends: set[str]) -> set[str]:
    """`ends` and every node with a path to one of them (a breadth-first walk backwards)."""
    found = set(ends)
    todo = list(ends)
    while todo:
        n = todo.pop()
        for p in graph.predecessors(n):
            if p not in found:
                found.add(p)
                todo.append(p)
    return found
