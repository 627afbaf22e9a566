"""What a lint rule sees: the flow, its analysis and graph, the settings, and the other flows."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar, overload

import networkx as nx

from sce.compiler.analysis import Analysis, analyse
from sce.diagnostics import Diagnostic, escape_pointer
from sce.lint.config import Settings
from sce.lint.rule import RULES
from sce.model import INPUT_TYPES, TERMINAL_TYPES, Flow, Node

N = TypeVar("N", bound=Node)
M = TypeVar("M", bound=Node)


@dataclass(frozen=True)
class Steps:
    """Result of `LintContext.steps_from_start`: cost per reached node, and the way there."""

    cost: dict[str, int]
    parent: dict[str, str | None]

    def way(self, nid: str) -> list[str]:
        """The nodes from the start to `nid` on a cheapest way."""
        path = [nid]
        while (p := self.parent[path[-1]]) is not None:
            path.append(p)
        return path[::-1]


def _zero_one_bfs(ctx: LintContext, counted: frozenset[str]) -> Steps:
    nodes = ctx.flow.nodes
    start = ctx.flow.start
    if start not in nodes:
        return Steps({}, {})
    weight = {nid: int(node.type in counted) for nid, node in nodes.items()}
    cost = {start: weight[start]}
    parent: dict[str, str | None] = {start: None}
    done: set[str] = set()
    queue = deque([start])
    while queue:
        u = queue.popleft()
        if u in done:
            continue
        done.add(u)
        cu = cost[u]
        for v in ctx.graph.successors(u):
            cv = cu + weight[v]
            if cv < cost.get(v, cv + 1):
                cost[v] = cv
                parent[v] = u
                if weight[v]:
                    queue.append(v)
                else:
                    queue.appendleft(v)
    return Steps(cost, parent)


@dataclass
class LintContext:
    flow: Flow
    settings: Settings = field(default_factory=Settings)
    #: Every flow of this lint run by id, for checks across flows (subflows).
    project: Mapping[str, Flow] = field(default_factory=dict)
    analysis: Analysis | None = None
    _steps: dict[frozenset[str], Steps] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.analysis is None:
            self.analysis = analyse(self.flow)

    @property
    def facts(self) -> Analysis:
        assert self.analysis is not None
        return self.analysis

    @property
    def graph(self) -> nx.DiGraph:
        return self.facts.graph

    def report(
        self, code: str, message: str, pointer: str = "", node: str | None = None
    ) -> Diagnostic:
        return RULES[code].diagnostic(message, pointer, node)

    @staticmethod
    def ptr(nid: str, *parts: str | int) -> str:
        return (
            "/nodes/" + escape_pointer(nid) + "".join("/" + escape_pointer(str(p)) for p in parts)
        )

    @overload
    def nodes_of(self, kind: type[N], /) -> Sequence[tuple[str, N]]: ...
    @overload
    def nodes_of(self, kind: type[N], other: type[M], /) -> Sequence[tuple[str, N | M]]: ...
    @overload
    def nodes_of(self, *types: type[Node]) -> Sequence[tuple[str, Node]]: ...
    def nodes_of(self, *types: type[Node]) -> Sequence[tuple[str, Node]]:
        """(id, node) of the nodes of these types, in flow order.

        Typed by the classes asked for, so that a rule reads a `Menu`'s fields without a cast.

        From an index built in one pass, so that the many rules about one node type do not
        each walk a 50k-node flow.
        """
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        order = self.order
        found = [pair for t in types for pair in self._by_type.get(t, [])]
        return sorted(found, key=lambda pair: order[pair[0]])

    @cached_property
    def _by_type(self) -> dict[type[Node], list[tuple[str, Node]]]:
        index: dict[type[Node], list[tuple[str, Node]]] = {}
        for nid, node in self.flow.nodes.items():
            index.setdefault(type(node), []).append((nid, node))
        return index

    @cached_property
    def reachable(self) -> set[str]:
        start = self.flow.start
        if start not in self.flow.nodes:
            return set()
        found = nx.descendants(self.graph, start) | {start}
        if self.flow.on_error in self.flow.nodes:
            found |= nx.descendants(self.graph, self.flow.on_error) | {self.flow.on_error}
        return found

    def steps_from_start(self, counted: frozenset[str]) -> Steps:
        """The fewest nodes of the `counted` types on a way from the start to each node.

        A 0-1 breadth-first search (counted nodes weigh 1, the others 0), linear in the flow;
        shared by the rules that measure how far callers must go (menu depth, steps to agent).
        """
        if counted not in self._steps:
            self._steps[counted] = _zero_one_bfs(self, counted)
        return self._steps[counted]

    def loops_among(self, nodes: list[str]) -> list[list[str]]:
        """Strongly connected components of the graph restricted to `nodes`, each in flow order.

        Built as a small graph of its own: networkx walks that several times faster than a
        subgraph view of the whole flow.
        """
        inside = set(nodes)
        sub = nx.DiGraph()
        sub.add_nodes_from(nodes)
        sub.add_edges_from((u, v) for u in nodes for v in self.graph.successors(u) if v in inside)
        order = self.order
        return [
            sorted(part, key=order.__getitem__) for part in nx.strongly_connected_components(sub)
        ]

    @cached_property
    def order(self) -> dict[str, int]:
        """Each node's position in the flow, to report in the order the author wrote."""
        return {nid: i for i, nid in enumerate(self.flow.nodes)}

    @cached_property
    def terminals(self) -> set[str]:
        """Nodes where self-service ends: hangups and transfers."""
        return {nid for nid, n in self.flow.nodes.items() if n.type in TERMINAL_TYPES}

    @cached_property
    def inputs(self) -> set[str]:
        """Nodes that wait for the caller."""
        return {nid for nid, n in self.flow.nodes.items() if n.type in INPUT_TYPES}
