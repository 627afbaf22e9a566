"""The expression tree.

Nodes are frozen, slotted dataclasses: immutable, so a parsed expression can be cached and shared
by every call of every flow version, and cheap, because a large flow holds thousands of them.

Positions: every node has ``col`` (1-based column of its first character) and ``end`` (the
column just after its last character, exclusive). **Equality and hashing ignore positions**:
``a+b`` and ``a + b`` give equal trees. That is what a compiler wants when it deduplicates
expressions and what a round-trip test wants when it reparses printed code; ``to_data`` keeps the
positions, so a stored flow still points errors at the right column.

``to_data``/``from_data`` convert to and from plain JSON (dicts, lists, strings, numbers) so a
compiled flow stores its expressions pre-parsed and another runtime node loads them without a
parser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sce.expr.errors import ExprSyntaxError

UNARY_OPS = frozenset({"-", "not"})
BINARY_OPS = frozenset({"+", "-", "*", "/", "%"})
LOGICAL_OPS = frozenset({"and", "or"})
COMPARE_OPS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})

#: Deepest stored tree ``from_data`` accepts; the parser never builds one this deep.
MAX_DATA_DEPTH = 200

LiteralValue = None | bool | int | float | str


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all nodes; ``col``/``end`` are keyword-only and ignored by ``==``."""

    col: int = field(default=0, compare=False, repr=False, kw_only=True)
    end: int = field(default=0, compare=False, repr=False, kw_only=True)

    def to_data(self) -> dict[str, Any]:
        """A JSON-serialisable form; :func:`from_data` turns it back into an equal node."""
        raise NotImplementedError

    def _pos(self, data: dict[str, Any]) -> dict[str, Any]:
        data["col"] = self.col
        data["end"] = self.end
        return data


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A constant: number (int or float), text, ``true``/``false`` or ``null``."""

    value: LiteralValue

    def __eq__(self, other: object) -> bool:
        # Python says 1 == 1.0 == True; an expression tree must not: they print differently.
        if not isinstance(other, Literal):
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value).__name__, self.value))

    def to_data(self) -> dict[str, Any]:
        return self._pos({"type": "literal", "value": self.value})


@dataclass(frozen=True, slots=True)
class Var(Node):
    """A variable read; ``caller.number`` is ``path=("caller", "number")``: keys of nested dicts."""

    path: tuple[str, ...]

    @property
    def name(self) -> str:
        """The top-level variable name (what 'undefined variable' lint rules look at)."""
        return self.path[0]

    def to_data(self) -> dict[str, Any]:
        return self._pos({"type": "var", "path": list(self.path)})


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``-x`` or ``not x``."""

    op: str
    operand: Node

    def to_data(self) -> dict[str, Any]:
        return self._pos({"type": "unary", "op": self.op, "operand": self.operand.to_data()})


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic: ``+ - * / %`` (``+`` also joins two texts)."""

    op: str
    left: Node
    right: Node

    def to_data(self) -> dict[str, Any]:
        return self._pos(
            {
                "type": "binary",
                "op": self.op,
                "left": self.left.to_data(),
                "right": self.right.to_data(),
            }
        )


@dataclass(frozen=True, slots=True)
class Logical(Node):
    """``and`` / ``or``: the right side runs only when needed; the result is true or false."""

    op: str
    left: Node
    right: Node

    def to_data(self) -> dict[str, Any]:
        return self._pos(
            {
                "type": "logical",
                "op": self.op,
                "left": self.left.to_data(),
                "right": self.right.to_data(),
            }
        )


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """``== != < <= > >= in`` and ``not in``; never chained (``a < b < c`` is refused)."""

    op: str
    left: Node
    right: Node

    def to_data(self) -> dict[str, Any]:
        return self._pos(
            {
                "type": "compare",
                "op": self.op,
                "left": self.left.to_data(),
                "right": self.right.to_data(),
            }
        )


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``name(arg, ...)``: only functions of the fixed table can run (see functions.py)."""

    name: str
    args: tuple[Node, ...]

    def to_data(self) -> dict[str, Any]:
        return self._pos(
            {"type": "call", "name": self.name, "args": [a.to_data() for a in self.args]}
        )


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    """``[a, b, c]``."""

    items: tuple[Node, ...]

    def to_data(self) -> dict[str, Any]:
        return self._pos({"type": "list", "items": [i.to_data() for i in self.items]})


@dataclass(frozen=True, slots=True)
class Index(Node):
    """``target[index]``: list position, text character or object key; missing gives null."""

    target: Node
    index: Node

    def to_data(self) -> dict[str, Any]:
        return self._pos(
            {"type": "index", "target": self.target.to_data(), "index": self.index.to_data()}
        )


def from_data(data: Any) -> Node:
    """Rebuild a node from :meth:`Node.to_data` output.

    Stored data may be corrupt or hand-edited, so every field is checked and any problem raises
    :class:`ExprSyntaxError` (never ``KeyError`` or ``RecursionError``).
    """
    return _from_data(data, 0)


def _bad(why: str) -> ExprSyntaxError:
    return ExprSyntaxError(f"stored expression is malformed: {why}")


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _bad(f"'{key}' must be text")
    return value


def _op(data: dict[str, Any], allowed: frozenset[str]) -> str:
    op = _str(data, "op")
    if op not in allowed:
        raise _bad(f"unknown operator {op!r}")
    return op


def _from_data(data: Any, depth: int) -> Node:
    if depth > MAX_DATA_DEPTH:
        raise _bad("nested too deeply")
    if not isinstance(data, dict):
        raise _bad("a node must be an object")
    col, end = data.get("col", 0), data.get("end", 0)
    if type(col) is not int or type(end) is not int:
        raise _bad("'col' and 'end' must be whole numbers")
    kind = data.get("type")
    sub = depth + 1
    if kind == "literal":
        value = data.get("value")
        if value is not None and type(value) not in (bool, int, float, str):
            raise _bad("a literal must be a number, text, true, false or null")
        if type(value) is float and not math.isfinite(value):
            raise _bad("a number literal must be finite")
        return Literal(value, col=col, end=end)
    if kind == "var":
        path = data.get("path")
        if not isinstance(path, list) or not path or not all(isinstance(p, str) for p in path):
            raise _bad("'path' must be a non-empty list of names")
        return Var(tuple(path), col=col, end=end)
    if kind == "unary":
        op = _op(data, UNARY_OPS)
        return Unary(op, _from_data(data.get("operand"), sub), col=col, end=end)
    if kind in ("binary", "logical", "compare"):
        cls, ops = {
            "binary": (Binary, BINARY_OPS),
            "logical": (Logical, LOGICAL_OPS),
            "compare": (Compare, COMPARE_OPS),
        }[kind]
        op = _op(data, ops)
        left = _from_data(data.get("left"), sub)
        return cls(op, left, _from_data(data.get("right"), sub), col=col, end=end)
    if kind == "call":
        args = data.get("args")
        if not isinstance(args, list):
            raise _bad("'args' must be a list")
        name = _str(data, "name")
        return Call(name, tuple(_from_data(a, sub) for a in args), col=col, end=end)
    if kind == "list":
        items = data.get("items")
        if not isinstance(items, list):
            raise _bad("'items' must be a list")
        return ListLit(tuple(_from_data(i, sub) for i in items), col=col, end=end)
    if kind == "index":
        target = _from_data(data.get("target"), sub)
        return Index(target, _from_data(data.get("index"), sub), col=col, end=end)
    raise _bad(f"unknown node type {kind!r}")
