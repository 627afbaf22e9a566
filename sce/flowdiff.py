"""What changed between two versions of a flow, in the terms a reviewer thinks in.

A text diff of two flow files mixes what a caller will notice (a menu key that now leads
elsewhere, a reworded Chinese prompt) with what only the designer shows (a box moved on the
canvas). This diff sorts them: nodes added and removed, the fields changed inside each node
(by JSON pointer within the node), the flow's own fields, and apart from those, the nodes whose
`ui` data alone moved and whether the flow's own `ui` data (the canvas's sticky notes and view)
changed. Lists are compared index by index and objects key by key: simple, and the
same two documents always give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from sce.diagnostics import escape_pointer

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class FieldChange:
    """One value that differs. `old` is None when the value was `added`, `new` is None when it
    was `removed` (JSON null is a value too, so `kind` tells them apart)."""

    pointer: str
    old: object
    new: object
    kind: str = CHANGED

    def to_data(self) -> dict[str, object]:
        data: dict[str, object] = {"pointer": self.pointer, "kind": self.kind}
        if self.kind != ADDED:
            data["old"] = self.old
        if self.kind != REMOVED:
            data["new"] = self.new
        return data


@dataclass
class FlowDiff:
    """Node ids added and removed, field changes per node (pointers inside the node), changes
    to the flow's other fields (pointers from the document's root), nodes whose `ui` data
    (position, colour, notes in the designer) changed, and whether the flow's own `ui` data
    (the canvas's sticky notes and view) did (`canvas`)."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    flow: list[FieldChange] = field(default_factory=list)
    layout: list[str] = field(default_factory=list)
    canvas: bool = False

    @property
    def empty(self) -> bool:
        changes = self.added or self.removed or self.changed or self.flow or self.layout
        return not (changes or self.canvas)

    def to_data(self) -> dict[str, object]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": {nid: [c.to_data() for c in cs] for nid, cs in self.changed.items()},
            "flow": [c.to_data() for c in self.flow],
            "layout": list(self.layout),
            "canvas": self.canvas,
        }


def diff(old: Mapping[str, object] | None, new: Mapping[str, object] | None) -> FlowDiff:
    """The changes from flow document `old` to `new`; None stands for no document at all (a
    revision whose file held no JSON object), so everything in the other one shows."""
    old, new = old or {}, new or {}
    out = FlowDiff()
    old_nodes, new_nodes = old.get("nodes", {}), new.get("nodes", {})
    if isinstance(old_nodes, Mapping) and isinstance(new_nodes, Mapping):
        _diff_nodes(old_nodes, new_nodes, out)
        old = {k: v for k, v in old.items() if k != "nodes"}
        new = {k: v for k, v in new.items() if k != "nodes"}
    if isinstance(old.get("ui", {}), Mapping) and isinstance(new.get("ui", {}), Mapping):
        out.canvas = not _same(old.get("ui", {}), new.get("ui", {}))
        old = {k: v for k, v in old.items() if k != "ui"}
        new = {k: v for k, v in new.items() if k != "ui"}
    out.flow = list(_changes("", old, new))
    return out


def _diff_nodes(old: Mapping[str, object], new: Mapping[str, object], out: FlowDiff) -> None:
    out.added = [nid for nid in new if nid not in old]
    out.removed = [nid for nid in old if nid not in new]
    for nid, before in old.items():
        if nid not in new:
            continue
        after = new[nid]
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            if not _same(before.get("ui", _ABSENT), after.get("ui", _ABSENT)):
                out.layout.append(nid)
            before = {k: v for k, v in before.items() if k != "ui"}
            after = {k: v for k, v in after.items() if k != "ui"}
        changes = list(_changes("", before, after))
        if changes:
            out.changed[nid] = changes


class _Absent:
    """A value that is not there (unlike JSON null)."""


_ABSENT = _Absent()


def _changes(ptr: str, old: object, new: object) -> Iterator[FieldChange]:
    if isinstance(old, _Absent):
        if not isinstance(new, _Absent):
            yield FieldChange(ptr, None, new, ADDED)
    elif isinstance(new, _Absent):
        yield FieldChange(ptr, old, None, REMOVED)
    elif isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in _keys(old, new):
            yield from _changes(
                f"{ptr}/{escape_pointer(key)}", old.get(key, _ABSENT), new.get(key, _ABSENT)
            )
    elif isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            before = old[i] if i < len(old) else _ABSENT
            after = new[i] if i < len(new) else _ABSENT
            yield from _changes(f"{ptr}/{i}", before, after)
    elif not _same(old, new):
        yield FieldChange(ptr, old, new)


def _keys(old: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    """The keys of both, in the old document's order, then the new ones."""
    return [*old, *(k for k in new if k not in old)]


def _same(a: object, b: object) -> bool:
    """Equal as JSON values: `true` is not `1` (Python says it is)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b
