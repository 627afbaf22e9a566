"""Source positions: pointers to lines and columns, and the text of a line."""

from __future__ import annotations

from sce.diagnostics import Diagnostic
from sce.source import Source


def test_line_text_counts_newlines_only() -> None:
    text = 'flow f {\n  title = "x\u2028y"\n}\nplay a {\n  x: 1\n}\n'
    source = Source("f.flow", text)
    assert source.line_text(5) == "  x: 1"
    assert source.line_col(text.index("x: 1")) == (5, 3)


def test_a_missing_pointer_is_located_at_its_nearest_ancestor() -> None:
    text = '{"nodes": {"a": {"type": "menu"}}}'
    source = Source("f.json", text, index=lambda: {"": 0, "/nodes": 1, "/nodes/a": 11})
    d = source.locate(Diagnostic("SCE002", "missing prompt", pointer="/nodes/a/prompt"))
    assert (d.path, d.line, d.column) == ("f.json", 1, 12)
