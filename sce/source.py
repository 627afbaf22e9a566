"""Where a flow came from, and how to turn a JSON pointer into a line and a column there."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from sce.diagnostics import Diagnostic, pointer, pointer_parts


@dataclass
class Source:
    """A flow file's text and a lazy map from JSON pointers to offsets in it.

    `offsets` is built on first use by `index` (the JSON scan or the DSL parser's record), so a
    clean file never pays for positions.
    """

    path: str | None
    text: str
    index: Callable[[], dict[str, int]] | None = None
    _offsets: dict[str, int] | None = field(default=None, repr=False)
    _lines: list[int] | None = field(default=None, repr=False)

    def line_col(self, offset: int) -> tuple[int, int]:
        if self._lines is None:
            self._lines = [0]
            pos = self.text.find("\n")
            while pos != -1:
                self._lines.append(pos + 1)
                pos = self.text.find("\n", pos + 1)
        line = bisect.bisect_right(self._lines, offset) - 1
        return line + 1, offset - self._lines[line] + 1

    def offset_of(self, ptr: str) -> int | None:
        """Offset of the pointer, or of its nearest ancestor that exists in the text."""
        if self._offsets is None:
            self._offsets = self.index() if self.index else {}
        parts = pointer_parts(ptr)
        while True:
            key = pointer(*parts)
            if key in self._offsets:
                return self._offsets[key]
            if not parts:
                return None
            parts.pop()

    def locate(self, diag: Diagnostic) -> Diagnostic:
        """The diagnostic with this source's path and, if missing, its line and column."""
        if diag.line is not None:
            return diag.at(path=self.path)
        offset = self.offset_of(diag.pointer)
        if offset is None:
            return diag.at(path=self.path, line=1, column=1)
        line, col = self.line_col(offset)
        return diag.at(path=self.path, line=line, column=col)

    def line_text(self, line: int) -> str:
        lines = self.text.split("\n")  # line numbers count "\n" only, as line_col does
        return lines[line - 1] if 0 < line <= len(lines) else ""
