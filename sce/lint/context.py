"""What a lint rule sees: the flow, its analysis and graph, the settings, the other flows, and
the prompt catalog its prompts are recorded in."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar, overload

import networkx as nx

from sce.compiler.analysis import Analysis, analyse
from sce.diagnostics import Diagnostic, escape_pointer
from sce.errors import CatalogBroken
from sce.httpallow import UrlProblem, check_url
from sce.lint.config import Settings
from sce.lint.rule import RULES
from sce.model import INPUT_TYPES, TERMINAL_TYPES, Flow, Http, Node, Prompt
from sce.prompts.catalog import Catalog, load_catalog, plain_file
from sce.prompts.settings import load_prompt_settings
from sce.prompts.usage import audio_prompts, declared_languages

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


class PromptCatalogs:
    """The prompt catalogs of one lint run, each read once: a flow file's is the one in the
    `[tool.sce.prompts]` folder of the pyproject.toml above it (`prompts/` beside it).

    A flow that is no file (a draft posted to the API, a test's text) has none, nor has a file
    with no such folder: the rules that need a catalog skip it. A catalog that cannot be read
    is one set of SCE700 diagnostics on catalog.json for the whole run (`diagnostics`), and no
    catalog for its flows, rather than a finding in every flow.
    """

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}
        self._catalogs: dict[Path, Catalog | None] = {}
        self.diagnostics: list[Diagnostic] = []

    def folder_for(self, path: str | None) -> Path | None:
        """The prompt folder of a flow file, when there is one."""
        if path is None or not os.path.isfile(path):
            return None
        where = Path(path).resolve().parent
        folder = self._folders.get(where)
        if folder is None:
            folder = self._folders[where] = load_prompt_settings(where).folder
        return folder if folder.is_dir() else None

    def for_flow(self, path: str | None) -> Catalog | None:
        """The catalog of a flow file, or None (no folder, or a catalog that cannot be read)."""
        folder = self.folder_for(path)
        if folder is None:
            return None
        if folder not in self._catalogs:
            self._catalogs[folder] = self._load(folder)
        return self._catalogs[folder]

    def _load(self, folder: Path) -> Catalog | None:
        try:
            return load_catalog(_shown(folder))
        except CatalogBroken as e:
            self.diagnostics.extend(e.diagnostics)
            return None


def _shown(folder: Path) -> Path:
    """The folder relative to the working directory when it lies below it (as paths are shown)."""
    try:
        return folder.relative_to(Path.cwd())
    except ValueError:
        return folder


@dataclass
class LintContext:
    flow: Flow
    settings: Settings = field(default_factory=Settings)
    #: Every flow of this lint run by id, for checks across flows (subflows).
    project: Mapping[str, Flow] = field(default_factory=dict)
    analysis: Analysis | None = None
    #: The flow's file, when it has one (where its prompt catalog is found).
    path: str | None = None
    #: The prompt catalogs of this lint run (None: no catalog is looked for).
    catalogs: PromptCatalogs | None = None
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
    def url_problems(self) -> list[tuple[str, UrlProblem]]:
        """(node id, problem) of every http node whose URL can never be fetched, or must not be
        (`sce.httpallow.check_url` against the settings' `http-allow`): judged once per flow
        for the rules that report each kind (SCE510-SCE514)."""
        allow = None if self.settings.http_allow is None else self.settings.allow_entries
        found = []
        for nid, node in self.nodes_of(Http):
            problem = check_url(node.url, allow)
            if problem is not None:
                found.append((nid, problem))
        return found

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
    def audio_prompts(self) -> list[tuple[str, str, Prompt]]:
        """(node id, field, prompt) of the prompts that name a catalog prompt (`audio`)."""
        return audio_prompts(self.flow)

    @cached_property
    def languages(self) -> list[str]:
        """The flow's languages, each once (in other case too: SCE403 reports that)."""
        return declared_languages(self.flow)

    @cached_property
    def catalog(self) -> Catalog | None:
        """The prompt catalog of the flow's file; None when there is none to read (or it
        cannot be read), and for a flow that names no catalog prompt (nothing is read)."""
        if not self.audio_prompts or self.catalogs is None:
            return None
        return self.catalogs.for_flow(self.path)

    @cached_property
    def prompt_folder(self) -> Path | None:
        """The folder of the flow's prompt catalog and audio, when it has one."""
        if not self.audio_prompts or self.catalogs is None:
            return None
        return self.catalogs.folder_for(self.path)

    def plain_recording(self, prompt_id: str, language: str) -> bool:
        """Whether the prompt folder has a plain recording of the prompt for the language
        (`<lang>/<id>.wav`, from before the catalog), which the runtime plays too."""
        folder = self.prompt_folder
        return folder is not None and plain_file(folder, prompt_id, language) is not None

    @cached_property
    def terminals(self) -> set[str]:
        """Nodes where self-service ends: hangups and transfers."""
        return {nid for nid, n in self.flow.nodes.items() if n.type in TERMINAL_TYPES}

    @cached_property
    def inputs(self) -> set[str]:
        """Nodes that wait for the caller."""
        return {nid for nid, n in self.flow.nodes.items() if n.type in INPUT_TYPES}
