"""`sce graph`: the DOT and Mermaid texts hold every node and exit, quoted right."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from sce.graph import dot_quote, kind_of, mermaid_text, to_dot, to_mermaid
from sce.loader import load_text
from sce.model import Flow

FLOW = r"""
flow demo {
  title = "银行 \"热线\""
  languages = [en-US, zh-CN]
  start -> main
  on_error -> sorry
}
var vip: bool = false
menu main {
  title = "主菜单 \\ main"
  prompt { text { en-US = "Press 1.", zh-CN = "请按1。" } }
  choices = [
    { key = "1", next -> check },
    { key = "#", next -> end },
    { key = "0", next -> ghost },
  ]
  timeout = 5
  exhausted -> end
}
branch check {
  cases = [ { when = "vip == true && 1 < 2", next -> agent-vip } ]
  default -> end
}
transfer agent-vip { queue = "vip", failure -> end }
play sorry { prompt { text { en-US = "Sorry.", zh-CN = "对不起。" } }, next -> end }
hangup end {}
"""


@pytest.fixture(scope="module")
def flow() -> Flow:
    loaded = load_text(FLOW, "demo.flow", "flow")
    assert loaded.flow is not None, loaded.diagnostics
    return loaded.flow


def _expected_edges(flow: Flow) -> list[tuple[str, str, str]]:
    return [
        (nid, target, label) for nid, node in flow.nodes.items() for label, target in node.targets()
    ]


# -- DOT --------------------------------------------------------------------------------------

_DQ = r'"((?:[^"\\]|\\.)*)"'
_DOT_NODE = re.compile(rf"^  {_DQ} \[(.*)\];$")
_DOT_EDGE = re.compile(rf"^  {_DQ} -> {_DQ}(?: \[(.*)\])?;$")
_DOT_LABEL = re.compile(rf"label={_DQ}")


def _unquote(text: str) -> str:
    """A DOT quoted string's content as Graphviz reads it (`\\n` is a line break in labels)."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _parse_dot(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for line in text.splitlines()[1:-1]:
        if m := _DOT_EDGE.match(line):
            label = _DOT_LABEL.search(m.group(3) or "")
            edges.append(
                (
                    _unquote(m.group(1)),
                    _unquote(m.group(2)),
                    _unquote(label.group(1)) if label else "",
                )
            )
        elif m := _DOT_NODE.match(line):
            label = _DOT_LABEL.search(m.group(2))
            nodes[_unquote(m.group(1))] = _unquote(label.group(1)) if label else ""
        else:
            assert line.startswith(("  graph [", "  node [")), line
    return nodes, edges


def test_dot_has_every_node_and_edge(flow: Flow) -> None:
    text = to_dot(flow)
    lines = text.splitlines()
    assert lines[0] == 'digraph "demo" {' and lines[-1] == "}"
    assert 'label="银行 \\"热线\\""' in lines[1]
    nodes, edges = _parse_dot(text)
    for nid, node in flow.nodes.items():
        label = nodes[nid].split("\n")
        assert label[:2] == [nid, node.type]
    assert nodes["main"] == "main\nmenu\n主菜单 \\ main"
    assert nodes["ghost"] == "ghost\n(missing)"
    assert set(nodes) == {*flow.nodes, "ghost", "(start)", "(on error)"}
    assert [e for e in edges if not e[0].startswith("(")] == _expected_edges(flow)
    assert ("main", "end", "key #") in edges
    assert ("check", "agent-vip", "when vip == true && 1 < 2") in edges
    assert ("(start)", "main", "") in edges
    assert ("(on error)", "sorry", "on error") in edges


def test_dot_shapes_by_kind(flow: Flow) -> None:
    lines = {
        m.group(1): m.group(2) for line in to_dot(flow).splitlines() if (m := _DOT_NODE.match(line))
    }
    assert "shape=parallelogram" in lines["main"]
    assert "shape=doubleoctagon" in lines["end"] and "shape=doubleoctagon" in lines["agent-vip"]
    assert "shape=diamond" in lines["check"]
    assert "shape=box" in lines["sorry"]
    assert "dashed" in lines["ghost"]
    assert [kind_of(t) for t in ("hangup", "transfer", "menu", "branch", "set", "http")] == [
        "terminal",
        "terminal",
        "input",
        "decision",
        "internal",
        "action",
    ]


def test_dot_quote() -> None:
    assert dot_quote('a "b" \\ c\nd') == r'"a \"b\" \\ c\nd"'
    assert dot_quote("ends with \\") == '"ends with \\\\"'
    assert dot_quote("中文") == '"中文"'


def test_graphviz_reads_the_dot(flow: Flow) -> None:
    assert shutil.which("dot"), "Graphviz is missing: run `make setup` (apt-get install graphviz)"
    done = subprocess.run(
        ["dot", "-Tplain"],
        input=to_dot(flow),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    names = {
        line.split()[1].strip('"') for line in done.stdout.splitlines() if line.startswith("node ")
    }
    assert {"main", "check", "agent-vip", "end", "ghost"} <= names


# -- Mermaid ----------------------------------------------------------------------------------

_MM_NODE = re.compile(r'^  (n\d+)(\[/|\(\[|\{|\(|\[)"([^"]*)"(/\]|\]\)|\}|\)|\])$')
_MM_EDGE = re.compile(r'^  (\w+) (-->|-\.->)(?:\|"([^"]*)"\|)? (\w+)$')


def _unentity(text: str) -> str:
    named = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}
    return re.sub(r"#(\w+);", lambda m: named.get(m.group(1)) or chr(int(m.group(1))), text)


def test_mermaid_has_every_node_and_edge(flow: Flow) -> None:
    lines = to_mermaid(flow).splitlines()
    assert lines[:4] == ["---", 'title: "银行 \\"热线\\""', "---", "flowchart TD"]
    ids: dict[str, str] = {}
    shapes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for line in lines[4:]:
        if m := _MM_NODE.match(line):
            parts = [_unentity(p) for p in m.group(3).split("<br/>")]
            ids[m.group(1)] = parts[0]
            shapes[parts[0]] = m.group(2)
        elif m := _MM_EDGE.match(line):
            edges.append((m.group(1), m.group(4), _unentity(m.group(3) or "")))
        else:
            assert line.startswith(("  start((", "  on_error((", "  classDef ", "  class ")), line
    assert set(ids.values()) == {*flow.nodes, "ghost"}
    named = [(ids.get(a, a), ids.get(b, b), label) for a, b, label in edges]
    assert [e for e in named if e[0] not in ("start", "on_error")] == _expected_edges(flow)
    assert ("start", "main", "") in named
    assert ("on_error", "sorry", "on error") in named
    assert ("check", "agent-vip", "when vip == true && 1 < 2") in named
    assert shapes["main"] == "[/" and shapes["end"] == "([" and shapes["check"] == "{"


def test_mermaid_labels_escape_what_mermaid_reads() -> None:
    text = mermaid_text('a "b" | c; #1 <x> & `y`')
    assert not set(text) & set('"|<>`')
    assert _unentity(text) == 'a "b" | c; #1 <x> & `y`'
    assert mermaid_text("两\n行") == "两 行"


def test_mermaid_node_named_end_is_safe(flow: Flow) -> None:
    # `end` is a Mermaid keyword: node ids are generated, the real id is in the label.
    text = to_mermaid(flow)
    assert not re.search(r"^\s*end\b", text, re.M)
    assert re.search(r'^  n\d+\(\["end<br/>hangup"\]\)$', text, re.M)
