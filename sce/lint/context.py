"""What a lint rule sees: the flow, its analysis and graph, the settings, and the other flows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from sce.compiler.analysis import Analysis, analyse
from sce.diagnostics import Diagnostic, escape_pointer
from sce.lint.config import Settings
from sce.lint.rule import RULES
from sce.model import INPUT_TYPES, TERMINAL_TYPES, Flow, Node


@dataclass
class LintContext:
    flow: Flow
    settings: Settings = field(default_factory=Settings)
    #: Every flow of this lint run by id, for checks across flows (subflows).
    project: Mapping[str, Flow] = field(default_factory=dict)
    analysis: Analysis | None = None

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

    def nodes_of(self, *types: type[Node]) -> list[tuple[str, Node]]:
        return [(nid, n) for nid, n in self.flow.nodes.items() if isinstance(n, types)]

    @cached_property
    def reachable(self) -> set[str]:
        start = self.flow.start
        if start not in self.flow.nodes:
            return set()
        found = nx.descendants(self.graph, start) | {start}
        if self.flow.on_error in self.flow.nodes:
            found |= nx.descendants(self.graph, self.flow.on_error) | {self.flow.on_error}
        return found

    @cached_property
    def terminals(self) -> set[str]:
        """Nodes where self-service ends: hangups and transfers."""
        return {nid for nid, n in self.flow.nodes.items() if n.type in TERMINAL_TYPES}

    @cached_property
    def inputs(self) -> set[str]:
        """Nodes that wait for the caller."""
        return {nid for nid, n in self.flow.nodes.items() if n.type in INPUT_TYPES}
