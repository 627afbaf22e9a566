"""SCE105 busy-loop: a loop that can go round without the caller doing anything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from itertools import chain

import networkx as nx

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Node

_MAX_NAMED = 8

#: For each node, the nodes it leads to without the caller, with the edge's data (`labels`:
#: the exits taken).
_Exits = dict[str, Mapping[str, Mapping[str, list[str]]]]

#: Exits that are only taken after the caller did something: a key at a menu, digits at a
#: collect, the leave key while waiting for an agent, a message at a record. Every other exit
#: (a menu's or collect's `exhausted`, a transfer's `failure`, a record's `no_audio`, any exit of
#: a node that does not wait for the caller) is taken without the caller.
_INPUT_EXITS: dict[str, frozenset[str]] = {
    "collect": frozenset({"next"}),
    "transfer": frozenset({"leave"}),
    "record": frozenset({"next"}),
}

#: Why an exit of a node that waits for the caller is taken without them, by (type, exit).
_WITHOUT_CALLER: dict[tuple[str, str], str] = {
    ("menu", "exhausted"): "a caller who presses nothing at menu '{nid}' leaves by its "
    "exhausted exit",
    ("collect", "exhausted"): "a caller who enters nothing at collect '{nid}' leaves by its "
    "exhausted exit",
    ("transfer", "failure"): "transfer '{nid}' fails at once when no agent can take the call "
    "(a closed queue, a busy number) and leaves by its failure exit",
    ("record", "no_audio"): "a caller who says nothing at record '{nid}' leaves by its "
    "no_audio exit",
}


def _needs_caller(node: Node, label: str) -> bool:
    if node.type == "menu":
        return label.startswith("key ")
    return label in _INPUT_EXITS.get(node.type, ())


@rule("SCE105", "busy-loop", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A loop in the flow can repeat without the caller doing anything.

    **What it does:** looks for loops that can be travelled using only exits that do not need
    the caller: `set` → `branch` → `set`; an `http`, `sms` or `subflow` whose `error` exit leads
    back to itself; a `transfer` whose `failure` exit leads back to the same transfer; a
    `record` whose `no_audio` exit records again; a `menu` or `collect` whose `exhausted` exit
    leads back to it. The exits that need the caller are a menu's keys, a collect's `next`
    (digits entered), a transfer's `leave` (the leave key) and a record's `next` (a message
    recorded). Each loop is reported once: at the exit of a waiting node that makes it endless,
    else at its first node, with the nodes it goes round.

    **Why is this bad?** Nothing changes between two rounds that the caller could influence: the
    call either spins until the engine stops it for taking too many steps, or repeats the same
    announcement or request endlessly (hammering the business system when it is down). A silent
    caller, or a queue that is closed, is never let go: the call goes round for as long as the
    line is open. A menu's retries start again each time it is entered, so `exhausted` leading
    back to the menu is endless too. The rule cannot see a counter that ends the loop after a
    few rounds; route such a retry through a menu that asks the caller, or leave to an agent or
    a goodbye.

    **Example:**

        http lookup { url = "https://bank.example/balance/{caller}", timeout = 3,
                      next -> say_balance, error -> lookup }
        transfer agent { queue = "support", failure -> agent }

    **Use instead:**

        http lookup { url = "https://bank.example/balance/{caller}", timeout = 3,
                      next -> say_balance, error -> agent }
        transfer agent { queue = "support", failure -> closed }
        record closed { prompt { text { en-US = "Please leave a message." } },
                        next -> bye, no_audio -> bye }
    """
    flow = ctx.flow
    nodes = flow.nodes
    order = ctx.order
    scope = ctx.reachable if flow.start in nodes else nodes.keys()
    inputs = ctx.inputs
    # The graph of exits taken without the caller: all exits of the nodes that do not wait, and
    # the exhausted / failure / no_audio exits of those that do.
    idle: _Exits = {}
    for u, succ in ctx.graph.adjacency():
        if u not in scope or not succ:
            continue
        if u in inputs:
            node = nodes[u]
            exits = {}
            for v, data in succ.items():
                labels = [label for label in data["labels"] if not _needs_caller(node, label)]
                if labels:
                    exits[v] = {"labels": labels}
            if exits:
                idle[u] = exits
        else:
            idle[u] = succ
    loops = []
    for part in _loops(idle):
        first = min(part, key=order.__getitem__)
        if len(part) > 1 or first in idle.get(first, ()):
            loops.append((order[first], first, part))
    for _, first, part in sorted(loops, key=lambda t: t[0]):
        cycle = _cycle(idle, first, part)
        shown = cycle if len(cycle) <= _MAX_NAMED else [*cycle[: _MAX_NAMED - 1], "…"]
        path = " → ".join([*shown, first])
        others = len(part) - len(cycle)
        extra = f" (and {others} more nodes loop with them)" if others > 0 else ""
        waits = [
            (nid, label)
            for nid, nxt in zip(cycle, [*cycle[1:], first], strict=True)
            if nid in inputs
            for label in idle[nid][nxt]["labels"][:1]
        ]
        if waits:
            nid, label = waits[0]
            why = "; ".join(
                _WITHOUT_CALLER.get((nodes[n].type, x), "{nid} leaves by " + x).format(nid=n)
                for n, x in waits
            )
            where = (
                "a voicemail or a goodbye"
                if nodes[nid].type == "transfer"
                else ("an agent or a goodbye")
            )
            yield ctx.report(
                "SCE105",
                f"the loop {path} never ends: {why}, and the call comes round again{extra}. "
                f"Send the {label} exit of '{nid}' out of the loop, to {where}.",
                ctx.ptr(nid, label),
                nid,
            )
            continue
        failing = [
            nid
            for nid, nxt in zip(cycle, [*cycle[1:], first], strict=True)
            if "error" in idle[nid][nxt]["labels"]
        ]
        why = (
            " ("
            + ", ".join(f"'{n}'" for n in failing)
            + " leads round again by its error exit each time it fails)"
            if failing
            else ""
        )
        yield ctx.report(
            "SCE105",
            f"the loop {path} can repeat without the caller doing anything{why}{extra}. Leave "
            "the loop by an exit to an agent or a goodbye, or let the caller decide with a "
            "menu inside the loop.",
            ctx.ptr(first),
            first,
        )


def _loops(idle: _Exits) -> list[set[str]]:
    """The groups of nodes that go round among themselves by the exits in `idle`.

    Nodes that no loop leads to are peeled off first (Kahn's way: a node is gone once every
    node that leads to it is gone), in linear time; networkx splits what remains, which is
    nothing in a flow without busy loops.
    """
    into = Counter(chain.from_iterable(idle.values()))
    todo = [u for u in idle if not into[u]]
    for u in todo:
        for v in idle.get(u, ()):
            into[v] -= 1
            if not into[v]:
                todo.append(v)
    left = [u for u, n in into.items() if n and u in idle]
    if not left:
        return []
    rest = nx.DiGraph()
    rest.add_edges_from((u, v) for u in left for v in idle[u] if into[v])
    return list(nx.strongly_connected_components(rest))


def _cycle(graph: _Exits, first: str, part: set[str]) -> list[str]:
    """A shortest round from `first` back to itself inside `part`, without repeating `first`."""
    parent: dict[str, str | None] = {first: None}
    queue = [first]
    for n in queue:
        for s in graph.get(n, ()):
            if s == first:
                path = [n]
                while (p := parent[path[-1]]) is not None:
                    path.append(p)
                return path[::-1]
            if s in part and s not in parent:
                parent[s] = n
                queue.append(s)
    return [first]  # not reached for a strongly connected part
