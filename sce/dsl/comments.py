"""Comments of a DSL file, attached to the entries they describe so `sce fmt` keeps them.

A comment on a line of its own belongs to the entry that follows it in the same block (or, if
the block closes first, to the end of that block); a comment after an entry on the same line
belongs to that entry. Entries are named by JSON pointer, so the attachment survives the trip
through the model.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

_SCAN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')
#: A code (`SCE101`) or a rule name (`menu-trap`, always with a hyphen).
_RULE = r"(?:[A-Za-z]+[0-9]+|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)"
_NOQA = re.compile(rf"#\s*noqa(?P<colon>:\s*(?P<codes>{_RULE}(?:[\s,]+{_RULE})*))?", re.I)


@dataclass
class Comments:
    leading: dict[str, list[str]] = field(default_factory=dict)
    trailing: dict[str, str] = field(default_factory=dict)
    closing: dict[str, list[str]] = field(default_factory=dict)
    #: After the closing brace or bracket of the block at the pointer, on its line.
    after: dict[str, str] = field(default_factory=dict)
    end: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.leading or self.trailing or self.closing or self.after or self.end)


def scan(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every `#` comment, skipping `#` inside quoted text."""
    return [(m.start(), m.group()) for m in _SCAN.finditer(text) if m.group()[0] == "#"]


def noqa_codes(comment: str) -> frozenset[str] | None:
    """The codes or rule names of a `# noqa: A, B` comment (words after them are a remark);
    an empty set for a bare `# noqa`; None when the comment is no noqa directive."""
    m = _NOQA.search(comment)
    if not m:
        return None
    codes = m.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c if "-" in c else c.upper() for c in re.split(r"[\s,]+", codes) if c)


def attach(
    text: str,
    found: list[tuple[int, str]],
    starts: dict[str, int],
    blocks: dict[str, tuple[int, int]],
) -> Comments:
    """Attach comments to entries (pointer → start offset) within blocks (pointer → span)."""
    out = Comments()
    if not found:
        return out
    order = sorted((off, ptr) for ptr, off in starts.items())
    offsets = [o for o, _ in order]
    for offset, comment in found:
        line_start = text.rfind("\n", 0, offset) + 1
        before = text[line_start:offset].strip()
        if before:
            # Trailing: the last entry that starts on this line before the comment.
            i = bisect.bisect_right(offsets, offset) - 1
            if i >= 0 and offsets[i] >= line_start:
                out.trailing[order[i][1]] = comment
                continue
            # After a closing brace or bracket: the block that closes last on this line.
            closed = [(end, ptr) for ptr, (_, end) in blocks.items() if line_start < end <= offset]
            if closed:
                out.after[max(closed)[1]] = comment
                continue
            if i >= 0:  # after a value that started on an earlier line
                out.trailing.setdefault(order[i][1], comment)
                continue
        inner = _innermost(blocks, offset)
        i = bisect.bisect_right(offsets, offset)
        nxt = order[i] if i < len(order) else None
        if inner is not None and (nxt is None or nxt[0] > blocks[inner][1]):
            out.closing.setdefault(inner, []).append(comment)
        elif nxt is not None:
            out.leading.setdefault(nxt[1], []).append(comment)
        else:
            out.end.append(comment)
    return out


def _innermost(blocks: dict[str, tuple[int, int]], offset: int) -> str | None:
    best: str | None = None
    best_start = -1
    for ptr, (start, end) in blocks.items():
        if start < offset < end and start > best_start:
            best, best_start = ptr, start
    return best
