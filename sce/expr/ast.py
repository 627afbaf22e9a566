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

Runs of operators: ``1 + 2 + ... + 999`` is a tree 998 levels deep down its left side, but only
one level of :func:`nesting` for a reader, and the parser accepts it. Everything that walks trees
(equality, hashing, ``repr``, ``to_data``/``from_data``, pickling, and the checker, interpreter
and printer) walks such a run in a loop, so it never reaches Python's recursion limit. In JSON a
run of two or more operators is stored flat, as a ``chain`` (see :meth:`Binary.to_data`), which
keeps the JSON shallow enough for any JSON library.
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

#: Deepest :func:`nesting` of a stored tree ``from_data`` accepts; the parser never builds one this
#: deep (it stops at 64).
MAX_DATA_DEPTH = 100

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
        """One operator: ``{"type": "binary", "op", "left", "right", "col", "end"}``.

        A run of two or more (``a + b - c``, also mixing ``and``/``or``) is stored flat, first
        operand then each operator with its right-hand side::

            {"type": "chain", "first": a,
             "links": [{"type": "binary", "op": "+", "right": b, "col": 1, "end": 6}, ...]}
        """
        return _chain_to_data(self)

    def __eq__(self, other: object) -> bool:
        return _chain_eq(self, other)

    def __hash__(self) -> int:
        return _chain_hash(self)

    def __repr__(self) -> str:
        return _chain_repr(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return _chain_reduce(self)


@dataclass(frozen=True, slots=True)
class Logical(Node):
    """``and`` / ``or``: the right side runs only when needed; the result is true or false."""

    op: str
    left: Node
    right: Node

    def to_data(self) -> dict[str, Any]:
        """As :meth:`Binary.to_data`, with ``"type": "logical"``."""
        return _chain_to_data(self)

    def __eq__(self, other: object) -> bool:
        return _chain_eq(self, other)

    def __hash__(self) -> int:
        return _chain_hash(self)

    def __repr__(self) -> str:
        return _chain_repr(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return _chain_reduce(self)


_CHAIN_TYPES = {Binary: "binary", Logical: "logical"}


def chain(node: Binary | Logical) -> tuple[Node, list[Binary | Logical]]:
    """A run of operators as ``(first operand, operators from the innermost out)``.

    ``a + b - c`` is ``(a, [a + b, (a + b) - c])``: evaluating ``first`` and then applying each
    operator's ``right`` in order gives the same result as recursion, without recursion.
    """
    links: list[Binary | Logical] = []
    first: Node = node
    while type(first) is Binary or type(first) is Logical:
        links.append(first)  # type: ignore[arg-type]
        first = first.left  # type: ignore[attr-defined]
    links.reverse()
    return first, links


def _chain_to_data(node: Binary | Logical) -> dict[str, Any]:
    first, links = chain(node)
    if len(links) == 1:
        return node._pos(
            {
                "type": _CHAIN_TYPES[type(node)],
                "op": node.op,
                "left": node.left.to_data(),
                "right": node.right.to_data(),
            }
        )
    return {
        "type": "chain",
        "first": first.to_data(),
        "links": [
            link._pos(
                {"type": _CHAIN_TYPES[type(link)], "op": link.op, "right": link.right.to_data()}
            )
            for link in links
        ],
    }


def _chain_eq(a: Node, b: object) -> bool:
    if type(a) is not type(b):
        return NotImplemented
    while True:
        if a.op != b.op or a.right != b.right:  # type: ignore[attr-defined]
            return False
        a, b = a.left, b.left  # type: ignore[attr-defined]
        kind = type(a)
        if kind is not type(b):
            return False
        if kind is not Binary and kind is not Logical:
            return a == b


def _chain_hash(node: Binary | Logical) -> int:
    first, links = chain(node)
    value = hash(first)
    for link in links:
        value = hash((_CHAIN_TYPES[type(link)], link.op, value, link.right))
    return value


def _chain_repr(node: Binary | Logical) -> str:
    first, links = chain(node)
    opening = [f"{type(link).__name__}(op={link.op!r}, left=" for link in reversed(links)]
    closing = [f", right={link.right!r})" for link in links]
    return "".join(opening) + repr(first) + "".join(closing)


def _chain_reduce(node: Binary | Logical) -> tuple[Any, ...]:
    # Pickle (and copy) through the flat JSON form: default pickling recurses down the run.
    return from_data, (node.to_data(),)


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


def nesting(node: Node) -> int:
    """How deeply ``node`` nests, as the parser counts it (at most ``MAX_DEPTH`` for parsed text).

    A leaf is 1; a node is one more than its most nested part, except that the left operand of an
    operator continues a run at the same level: ``1 + 2 + 3`` is 2, ``1 + (2 + 3)`` is 3.
    """
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        n, level = stack.pop()
        deepest = max(deepest, level)
        if type(n) is Binary or type(n) is Logical:
            stack.append((n.left, level))  # type: ignore[attr-defined]
            stack.append((n.right, level + 1))  # type: ignore[attr-defined]
        elif isinstance(n, Unary):
            stack.append((n.operand, level + 1))
        elif isinstance(n, Compare):
            stack += [(n.left, level + 1), (n.right, level + 1)]
        elif isinstance(n, Index):
            stack += [(n.target, level + 1), (n.index, level + 1)]
        elif isinstance(n, Call):
            stack += [(a, level + 1) for a in n.args]
        elif isinstance(n, ListLit):
            stack += [(i, level + 1) for i in n.items]
    return deepest


def from_data(data: Any) -> Node:
    """Rebuild a node from :meth:`Node.to_data` output.

    Stored data may be corrupt or hand-edited, so every field is checked and any problem raises
    :class:`ExprSyntaxError` (never ``KeyError`` or ``RecursionError``). Runs of operators are
    read in a loop, whether stored flat (``chain``) or nested down ``left``; anything else
    nested more than :data:`MAX_DATA_DEPTH` levels (see :func:`nesting`) is refused.
    """
    return _from_data(data, 1)


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


def _position(data: dict[str, Any]) -> tuple[int, int]:
    col, end = data.get("col", 0), data.get("end", 0)
    if type(col) is not int or type(end) is not int:
        raise _bad("'col' and 'end' must be whole numbers")
    return col, end


def _link(data: Any, left: Node, depth: int) -> Node:
    """One operator of a run, applied to ``left`` (the run so far)."""
    if not isinstance(data, dict):
        raise _bad("a node must be an object")
    col, end = _position(data)
    if data.get("type") == "logical":
        op = _op(data, LOGICAL_OPS)
        return Logical(op, left, _from_data(data.get("right"), depth + 1), col=col, end=end)
    if data.get("type") != "binary":
        raise _bad("a link of a chain must be of type 'binary' or 'logical'")
    op = _op(data, BINARY_OPS)
    return Binary(op, left, _from_data(data.get("right"), depth + 1), col=col, end=end)


def _from_data(data: Any, depth: int) -> Node:
    if depth > MAX_DATA_DEPTH:
        raise _bad("nested too deeply")
    if not isinstance(data, dict):
        raise _bad("a node must be an object")
    kind = data.get("type")
    if kind in ("binary", "logical"):
        # A run nested down "left": find its first operand, then build outwards.
        links = [data]
        first = data.get("left")
        while isinstance(first, dict) and first.get("type") in ("binary", "logical"):
            links.append(first)
            first = first.get("left")
        node = _from_data(first, depth)
        for link in reversed(links):
            node = _link(link, node, depth)
        return node
    if kind == "chain":
        links = data.get("links")
        if not isinstance(links, list) or not links:
            raise _bad("'links' must be a non-empty list")
        node = _from_data(data.get("first"), depth)
        for link in links:
            node = _link(link, node, depth)
        return node
    col, end = _position(data)
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
    if kind == "compare":
        op = _op(data, COMPARE_OPS)
        left = _from_data(data.get("left"), sub)
        return Compare(op, left, _from_data(data.get("right"), sub), col=col, end=end)
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
