"""SCE604 menu-trap."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Menu, Transfer

CODE = "SCE604"

#: Nodes that wait for the caller: the walk from a choice towards a transfer stops there.
CALLER_STEPS = frozenset({"menu", "collect", "record"})


@rule(CODE, "menu-trap")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A menu offers no way to reach a person and no way to hear the choices again.

    **What it does:** reports a `menu` where no choice leads to a `transfer` without first
    waiting for the caller again (the way from the choice may pass `set`, `branch`, `play`,
    `http`, `language`, `schedule` and other nodes that do not wait for a key, but no other
    menu, collect or record), that has no `repeat_key`, and where no choice comes back to the
    menu itself, directly or through nodes that do not wait for the caller (a `play` that
    says "once more", then the menu again).

    **Why is this bad?** A caller whose need is not on the list, or who missed the options, is
    stuck: they can only pick an option that is wrong for them, wait for the retries to run out,
    or hang up angry. Every menu should let callers reach an agent ("press 0") or hear the
    options again ("press 9 to repeat").

    **Example:**

        menu cards {
          prompt { text { en-US = "For a lost card press 1, for a new PIN press 2." } }
          choices = [ { key = "1", next -> lost }, { key = "2", next -> pin } ]
        }

    **Use instead:**

        menu cards {
          prompt { text { en-US = "Lost card, press 1. New PIN, press 2. Agent, press 0." } }
          choices = [ { key = "1", next -> lost }, { key = "2", next -> pin },
                      { key = "0", next -> agent } ]
          repeat_key = "9"
        }
    """
    to_agent = _lead_to_agent(ctx)
    suspects = [
        (nid, node)
        for nid, node in ctx.nodes_of(Menu)
        if node.repeat_key is None
        and not any(c.next == nid or c.next in to_agent for c in node.choices)
    ]
    back = _lead_back(ctx, [nid for nid, _ in suspects])
    for nid, node in suspects:
        bit = back.bits.get(nid, 0)
        if any(back.masks.get(c.next, 0) & bit for c in node.choices):
            continue
        yield ctx.report(
            CODE,
            f"menu '{nid}' is a trap: no choice leads to an agent, there is "
            "no repeat_key and no choice to hear the menu again; add a choice that "
            "transfers to an agent (such as 0) or set repeat_key (such as 9)",
            ctx.ptr(nid),
            nid,
        )


def _lead_to_agent(ctx: LintContext) -> set[str]:
    """Nodes from which a transfer is reached without waiting for the caller: the transfers,
    and, walking the graph backwards from them, every node that does not wait for a key."""
    transfers = {nid for nid, _ in ctx.nodes_of(Transfer)}
    return transfers | _without_waiting_before(ctx, transfers)


def _without_waiting_before(ctx: LintContext, targets: set[str] | list[str]) -> set[str]:
    """The nodes that lead to one of `targets` through nodes that do not wait for the caller."""
    nodes = ctx.flow.nodes
    graph = ctx.graph
    found: set[str] = set()
    queue = deque(targets)
    while queue:
        for p in graph.predecessors(queue.popleft()):
            if p not in found and nodes[p].type not in CALLER_STEPS:
                found.add(p)
                queue.append(p)
    return found


@dataclass
class _Back:
    #: One bit per suspect menu.
    bits: dict[str, int]
    #: For each node that does not wait for the caller: the bits of the suspect menus it leads
    #: to without waiting for the caller.
    masks: dict[str, int]


def _lead_back(ctx: LintContext, menus: list[str]) -> _Back:
    """Which of `menus` each node leads to through nodes that do not wait for the caller.

    One walk for all of them (each node holds one integer with a bit per menu): walking
    backwards from the menus through such nodes finds the part of the flow that matters; on it,
    each group of nodes that loop among themselves gets the menus reachable from it, successors
    first. Linear in the flow, times one machine word per 64 menus.
    """
    bits = {nid: 1 << i for i, nid in enumerate(menus)}
    if not bits:
        return _Back(bits, {})
    graph = ctx.graph
    region = _without_waiting_before(ctx, menus)
    sub = nx.DiGraph()
    sub.add_nodes_from(region)
    own: dict[str, int] = {}
    for u in region:
        mask = 0
        for v in graph.successors(u):
            if v in region:
                sub.add_edge(u, v)
            mask |= bits.get(v, 0)
        own[u] = mask
    dag = nx.condensation(sub)
    members = dag.nodes(data="members")
    masks: dict[str, int] = {}
    reach: dict[int, int] = {}
    for c in reversed(list(nx.topological_sort(dag))):
        mask = 0
        for u in members[c]:
            mask |= own[u]
        for d in dag.successors(c):
            mask |= reach[d]
        reach[c] = mask
        for u in members[c]:
            masks[u] = mask
    return _Back(bits, masks)
