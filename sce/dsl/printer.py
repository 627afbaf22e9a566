"""Print flow data (the JSON form) as DSL text, with the comments a parse attached to it.

The output is canonical: one declaration per block, two-space indents, exits written with `->`,
short lists and small objects inline. `parse_dsl(print_dsl(data)).data == data` for every valid
flow; `tests/dsl/test_roundtrip.py` proves it over generated flows.
"""

from __future__ import annotations

import json
import re

from sce.diagnostics import escape_pointer
from sce.dsl.comments import Comments
from sce.model.nodes import NODE_TYPES

_BARE = re.compile(r"[A-Za-z_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?")
_KEYWORDS = {"true", "false", "null"}
_INLINE_WIDTH = 72
_FLOW_EXITS = {"start", "on_error"}
_ITEM_EXITS = {"choices": frozenset({"next"}), "cases": frozenset({"next"})}
#: Fields whose text is a name (an id, a code, a type), printed without quotes when it can be.
#: Everything else a person reads or an expression is always quoted.
_NAME_FIELDS = frozenset(
    {
        "type",
        "language",
        "languages",
        "audio",
        "variable",
        "queue",
        "skills",
        "flow",
        "timezone",
        "method",
        "noqa",
        "hold_music",
    }
)


def _string(s: str, bare: bool = True) -> str:
    if bare and _BARE.fullmatch(s) and s not in _KEYWORDS:
        return s
    return json.dumps(s, ensure_ascii=False)


def _key(k: str) -> str:
    return k if _BARE.fullmatch(k) and k not in _KEYWORDS else json.dumps(k, ensure_ascii=False)


def _scalar(v: object, bare: bool = False) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return _string(v, bare)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


class _Printer:
    def __init__(self, comments: Comments | None) -> None:
        self.c = comments or Comments()
        self.lines: list[str] = []
        self.used: set[tuple[str, str]] = set()

    # -- comments -------------------------------------------------------------------------
    def _leading(self, ptr: str, indent: str) -> None:
        for text in self.c.leading.get(ptr, ()):
            self.lines.append(indent + text)
        if ptr in self.c.leading:
            self.used.add(("leading", ptr))

    def _trail(self, ptr: str, deep: bool = False) -> str:
        """The trailing comment of the entry at `ptr`; with `deep`, also those of the entries
        inside it, for a value printed on one line (so `# noqa` stays on that line)."""
        ptrs = [ptr]
        if deep:
            prefix = ptr + "/"
            ptrs += [p for p in self.c.trailing if p.startswith(prefix)]
        found = []
        for p in ptrs:
            if p in self.c.trailing and ("trailing", p) not in self.used:
                self.used.add(("trailing", p))
                found.append(self.c.trailing[p])
        return "".join("  " + text for text in found)

    def _after(self, ptr: str) -> str:
        if ptr in self.c.after:
            self.used.add(("after", ptr))
            return "  " + self.c.after[ptr]
        return ""

    def _closing(self, ptr: str, indent: str) -> None:
        for text in self.c.closing.get(ptr, ()):
            self.lines.append(indent + text)
        if ptr in self.c.closing:
            self.used.add(("closing", ptr))

    def _has_comments_under(self, ptr: str, trailing: bool = False) -> bool:
        """Whether comments inside the value need lines of their own. A trailing comment can
        join a one-line item, but the items of a list keep a line each (and their comments)."""
        prefix = ptr + "/"
        tables = (self.c.leading, self.c.closing, self.c.after)
        for table in (*tables, self.c.trailing) if trailing else tables:
            if any(p.startswith(prefix) for p in table):
                return True
        return False

    # -- values ---------------------------------------------------------------------------
    def _inline(
        self, v: object, exits: set[str] | frozenset[str] = frozenset(), bare: bool = False
    ) -> str | None:
        """The value on one line, or None when it should span lines."""
        if isinstance(v, dict):
            if not v:
                return "{}"
            parts = []
            for k, x in v.items():
                inner = self._inline(x, bare=k in exits or k in _NAME_FIELDS)
                if inner is None or isinstance(x, dict | list) and x:
                    return None
                op = "->" if k in exits and isinstance(x, str) else "="
                parts.append(f"{_key(k)} {op} {inner}")
            return "{ " + ", ".join(parts) + " }"
        if isinstance(v, list):
            items = []
            for x in v:
                item = self._inline(x, exits, bare)
                if item is None:
                    return None
                items.append(item)
            return "[" + ", ".join(items) + "]"
        return _scalar(v, bare)

    def _entry(
        self, key: str, v: object, ptr: str, indent: str, exits: set[str] | frozenset[str]
    ) -> None:
        self._leading(ptr, indent)
        if isinstance(v, dict) and v:
            self.lines.append(f"{indent}{_key(key)} {{{self._trail(ptr)}")
            self._block(v, ptr, indent + "  ", frozenset())
            self.lines.append(indent + "}" + self._after(ptr))
            return
        op = "->" if key in exits and isinstance(v, str) else "="
        bare = key in exits or key in _NAME_FIELDS
        if isinstance(v, list):
            item_exits = _ITEM_EXITS.get(key, frozenset())
            inline = (
                None if self._has_comments_under(ptr, True) else self._inline(v, item_exits, bare)
            )
            if inline is not None and len(indent) + len(key) + len(inline) + 3 <= _INLINE_WIDTH:
                self.lines.append(f"{indent}{_key(key)} {op} {inline}{self._trail(ptr, True)}")
                return
            self.lines.append(f"{indent}{_key(key)} {op} [{self._trail(ptr)}")
            for i, item in enumerate(v):
                self._item(item, f"{ptr}/{i}", indent + "  ", item_exits, bare)
            self._closing(ptr, indent + "  ")
            self.lines.append(indent + "]" + self._after(ptr))
            return
        self.lines.append(f"{indent}{_key(key)} {op} {_scalar(v, bare)}{self._trail(ptr)}")

    def _item(
        self, v: object, ptr: str, indent: str, exits: set[str] | frozenset[str], bare: bool
    ) -> None:
        self._leading(ptr, indent)
        inline = None if self._has_comments_under(ptr) else self._inline(v, exits, bare)
        if inline is not None and len(indent) + len(inline) <= _INLINE_WIDTH + 8:
            self.lines.append(f"{indent}{inline},{self._trail(ptr, True)}{self._after(ptr)}")
        elif isinstance(v, dict):
            self.lines.append(f"{indent}{{{self._trail(ptr)}")
            self._block(v, ptr, indent + "  ", exits)
            self.lines.append(indent + "}," + self._after(ptr))
        elif isinstance(v, list):
            self.lines.append(f"{indent}[{self._trail(ptr)}")
            for i, item in enumerate(v):
                self._item(item, f"{ptr}/{i}", indent + "  ", frozenset(), False)
            self._closing(ptr, indent + "  ")
            self.lines.append(indent + "]," + self._after(ptr))
        else:  # pragma: no cover - scalars always fit inline
            self.lines.append(f"{indent}{_scalar(v, bare)},")

    def _block(
        self, d: dict[str, object], ptr: str, indent: str, exits: set[str] | frozenset[str]
    ) -> None:
        for k, v in d.items():
            self._entry(k, v, f"{ptr}/{escape_pointer(k)}", indent, exits)
        self._closing(ptr, indent)

    # -- declarations ---------------------------------------------------------------------
    def document(self, data: dict[str, object]) -> str:
        head = {k: v for k, v in data.items() if k not in ("flow", "variables", "nodes")}
        self._leading("/flow", "")
        flow_id = _string(str(data.get("flow", "")))
        if head or self.c.closing.get("/flow"):
            self.lines.append(f"flow {flow_id} {{{self._trail('/flow')}")
            for k, v in head.items():
                self._entry(k, v, "/" + escape_pointer(k), "  ", _FLOW_EXITS)
            self._closing("/flow", "  ")
            self.lines.append("}" + self._after("/flow"))
        else:
            self.lines.append(f"flow {flow_id}{self._trail('/flow')}{self._after('/flow')}")
        variables = data.get("variables") or {}
        assert isinstance(variables, dict)
        if variables:
            self.lines.append("")
        for name, var in variables.items():
            self._variable(name, var)
        nodes = data.get("nodes") or {}
        assert isinstance(nodes, dict)
        for nid, node in nodes.items():
            self.lines.append("")
            self._node(nid, node)
        self._leftovers()
        return "\n".join(self.lines) + "\n"

    def _variable(self, name: str, var: dict[str, object]) -> None:
        ptr = "/variables/" + escape_pointer(name)
        self._leading(ptr, "")
        head = f"var {_string(name)}"
        if "type" in var:
            head += f": {_string(str(var['type']))}"
        rest = {k: v for k, v in var.items() if k not in ("type", "default")}
        comments = self._trail(ptr) + self._trail(ptr + "/type")
        if "default" in var:
            default = (
                None if self._has_comments_under(ptr + "/default") else self._inline(var["default"])
            )
            if default is None:
                rest = {"default": var["default"], **rest}
            else:
                head += f" = {default}"
                comments += self._trail(ptr + "/default", deep=True)
        if rest or self.c.closing.get(ptr):
            self.lines.append(f"{head} {{{comments}")
            self._block(rest, ptr, "  ", frozenset())
            self.lines.append("}" + self._after(ptr))
        else:
            self.lines.append(head + comments + self._after(ptr))

    def _node(self, nid: str, node: dict[str, object]) -> None:
        ptr = "/nodes/" + escape_pointer(nid)
        self._leading(ptr, "")
        ntype = str(node.get("type", ""))
        cls = NODE_TYPES.get(ntype)
        exits = set(cls.exits) if cls else set()
        body = {k: v for k, v in node.items() if k != "type"}
        head = f"{_string(ntype)} {_string(nid)}"
        comments = self._trail(ptr) + self._trail(ptr + "/type")
        if not body and ptr not in self.c.closing:
            self.lines.append(f"{head} {{}}{comments}{self._after(ptr)}")
            return
        self.lines.append(f"{head} {{{comments}")
        self._block(body, ptr, "  ", exits)
        self.lines.append("}" + self._after(ptr))

    def _leftovers(self) -> None:
        """Comments whose entry is gone (a default removed by fmt) go to the end, not away."""
        lost: list[str] = []
        for kind, table in (("leading", self.c.leading), ("closing", self.c.closing)):
            for ptr, texts in table.items():
                if (kind, ptr) not in self.used:
                    lost.extend(texts)
        for kind, single in (("trailing", self.c.trailing), ("after", self.c.after)):
            lost.extend(t for p, t in single.items() if (kind, p) not in self.used)
        if lost or self.c.end:
            self.lines.append("")
            self.lines.extend(lost + self.c.end)


def print_dsl(data: dict[str, object], comments: Comments | None = None) -> str:
    """The DSL text of flow data (as `flow_to_data` returns it)."""
    return _Printer(comments).document(data)
