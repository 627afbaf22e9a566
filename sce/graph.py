"""A flow drawn as a graph: Graphviz DOT and Mermaid text (`sce graph`).

Every node shows its id, its type and its title; every edge shows the exit it leaves by (`key 1`,
`when ...`, `next`, `error`, ...), in the order `node.targets()` gives. Shapes tell the kinds of
node apart: nodes that wait for the caller, nodes that end self-service (hangup, transfer),
decisions the engine takes by itself, and the rest. An exit to a node that does not exist is drawn
to a dashed "missing" node, so a broken flow can still be looked at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sce.model import INPUT_TYPES, TERMINAL_TYPES, Flow

#: Node types the engine decides by itself (no caller, no outside system).
DECISION_TYPES = frozenset({"branch", "schedule"})
INTERNAL_TYPES = frozenset({"set", "language"})

_DOT_SHAPES = {
    "terminal": "doubleoctagon",
    "input": "parallelogram",
    "decision": "diamond",
    "internal": "ellipse",
    "action": "box",
    "missing": "box",
}
#: Mermaid node shapes as (opening, closing) around the quoted label.
_MERMAID_SHAPES = {
    "terminal": ("([", "])"),
    "input": ("[/", "/]"),
    "decision": ("{", "}"),
    "internal": ("(", ")"),
    "action": ("[", "]"),
    "missing": ("[", "]"),
}
_MERMAID_STYLES = {
    "terminal": "fill:#fde2e2,stroke:#b91c1c",
    "input": "fill:#e0ecff,stroke:#1d4ed8",
    "decision": "fill:#fef3c7,stroke:#b45309",
    "internal": "fill:#f3f4f6,stroke:#6b7280",
    "missing": "fill:#ffffff,stroke:#dc2626,stroke-dasharray:4 3",
}
_START = "(start)"
_ON_ERROR = "(on error)"


def kind_of(node_type: str) -> str:
    """The drawing kind of a node type: terminal, input, decision, internal or action."""
    if node_type in TERMINAL_TYPES:
        return "terminal"
    if node_type in INPUT_TYPES:
        return "input"
    if node_type in DECISION_TYPES:
        return "decision"
    if node_type in INTERNAL_TYPES:
        return "internal"
    return "action"


@dataclass(frozen=True)
class _Vertex:
    id: str
    kind: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    label: str


def _layout(flow: Flow) -> tuple[list[_Vertex], list[_Edge]]:
    vertices: list[_Vertex] = []
    edges: list[_Edge] = []
    missing: list[str] = []

    def to(target: str) -> str:
        if target not in flow.nodes and target not in missing:
            missing.append(target)
        return target

    for nid, node in flow.nodes.items():
        lines = (nid, node.type) + ((node.title,) if node.title else ())
        vertices.append(_Vertex(nid, kind_of(node.type), lines))
        edges.extend(_Edge(nid, to(target), label) for label, target in node.targets())
    if flow.start:
        edges.insert(0, _Edge(_START, to(flow.start), ""))
    if flow.on_error:
        edges.append(_Edge(_ON_ERROR, to(flow.on_error), "on error"))
    vertices.extend(_Vertex(m, "missing", (m, "(missing)")) for m in missing)
    return vertices, edges


# -- DOT --------------------------------------------------------------------------------------


def dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\\n`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{escaped}"'


def _dot_label(lines: tuple[str, ...]) -> str:
    return dot_quote("\n".join(lines))


def to_dot(flow: Flow) -> str:
    """The flow as a Graphviz digraph (render with `dot -Tsvg`)."""
    vertices, edges = _layout(flow)
    out = [f"digraph {dot_quote(flow.flow)} {{"]
    graph_attrs = ["rankdir=TB", 'charset="UTF-8"']
    if flow.title:
        graph_attrs += [f"label={dot_quote(flow.title)}", "labelloc=t"]
    out.append(f"  graph [{', '.join(graph_attrs)}];")
    out.append('  node [shape=box, style="rounded"];')
    if flow.start:
        out.append(f'  {dot_quote(_START)} [shape=point, label="", width=0.2];')
    if flow.on_error:
        out.append(f'  {dot_quote(_ON_ERROR)} [shape=point, label="", width=0.2, color=red];')
    for v in vertices:
        attrs = [f"label={_dot_label(v.lines)}", f"shape={_DOT_SHAPES[v.kind]}"]
        if v.kind == "missing":
            attrs += ['style="dashed"', "color=red", "fontcolor=red"]
        elif v.kind != "action":
            attrs.append('style="solid"')
        out.append(f"  {dot_quote(v.id)} [{', '.join(attrs)}];")
    for e in edges:
        attrs = [f"label={dot_quote(e.label)}"] if e.label else []
        if e.source == _ON_ERROR:
            attrs += ['style="dashed"', "color=red"]
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        out.append(f"  {dot_quote(e.source)} -> {dot_quote(e.target)}{suffix};")
    out.append("}")
    return "\n".join(out) + "\n"


# -- Mermaid ----------------------------------------------------------------------------------

#: Characters that would end or change a Mermaid label; written as `#code;` entities.
_MERMAID_ENTITIES = {
    '"': "#quot;",
    "#": "#35;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "|": "#124;",
    ";": "#59;",
    "`": "#96;",
}


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label (node or edge)."""
    text = " ".join(text.split("\n"))
    return "".join(_MERMAID_ENTITIES.get(ch, ch) for ch in text)


def to_mermaid(flow: Flow) -> str:
    """The flow as a Mermaid flowchart (GitHub and GitLab draw these in Markdown).

    Mermaid ids are generated (`n0`, `n1`, ...) so that no node id can clash with Mermaid's own
    words (`end`, `graph`) or edge syntax; the real id is the first line of each label.
    """
    vertices, edges = _layout(flow)
    ids = {v.id: f"n{i}" for i, v in enumerate(vertices)}
    ids[_START] = "start"
    ids[_ON_ERROR] = "on_error"
    out: list[str] = []
    if flow.title:
        out += ["---", f"title: {json.dumps(flow.title, ensure_ascii=False)}", "---"]
    out.append("flowchart TD")
    if flow.start:
        out.append('  start(("start"))')
    if flow.on_error:
        out.append('  on_error(("on error"))')
    for v in vertices:
        opening, closing = _MERMAID_SHAPES[v.kind]
        label = "<br/>".join(mermaid_text(line) for line in v.lines)
        out.append(f'  {ids[v.id]}{opening}"{label}"{closing}')
    for e in edges:
        arrow = "-.->" if e.source == _ON_ERROR else "-->"
        label = f'|"{mermaid_text(e.label)}"|' if e.label else ""
        out.append(f"  {ids[e.source]} {arrow}{label} {ids[e.target]}")
    for kind, style in _MERMAID_STYLES.items():
        members = [ids[v.id] for v in vertices if v.kind == kind]
        if members:
            out.append(f"  classDef {kind} {style}")
            out.append(f"  class {','.join(members)} {kind}")
    return "\n".join(out) + "\n"
