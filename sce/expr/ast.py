"""The expression tree.

Nodes are frozen, slotted dataclasses: immutable, so a parsed expression can be cached and shared
by every call of every flow version, and cheap, because a large flow holds thousands of them.

Positions: every node has ``col`` (1-based column of its first character) and ``end`` (the
column just after its last character, exclusive). **Equality and hashing ignore positions**:
``a+b`` and ``a + b`` give equal trees. That is what a compiler wants when it deduplicates
expressions and what a round-trip test wants when it reparses printed code; pickling and copying
keep the positions.

Runs of operators: ``1 + 2 + ... + 999`` is a tree 998 levels deep down its left side, but only
one level of :func:`nesting` for a reader, and the parser accepts it. Everything that walks trees
(equality, hashing, ``repr``, pickling and copying, and the checker, interpreter and printer)
walks such a run in a loop, so it never reaches Python's recursion limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The operators each node class holds (the parser builds no others).
UNARY_OPS = frozenset({"-", "not"})
BINARY_OPS = frozenset({"+", "-", "*", "/", "%"})
LOGICAL_OPS = frozenset({"and", "or"})
COMPARE_OPS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})

LiteralValue = None | bool | int | float | str


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all nodes; ``col``/``end`` are keyword-only and ignored by ``==``."""

    col: int = field(default=0, compare=False, repr=False, kw_only=True)
    end: int = field(default=0, compare=False, repr=False, kw_only=True)


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


@dataclass(frozen=True, slots=True)
class Var(Node):
    """A variable read; ``caller.number`` is ``path=("caller", "number")``: keys of nested dicts."""

    path: tuple[str, ...]

    @property
    def name(self) -> str:
        """The top-level variable name (what 'undefined variable' lint rules look at)."""
        return self.path[0]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``-x`` or ``not x``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class _Run(Node):
    """The operators that form runs (``a + b - c``): base of :class:`Binary` and :class:`Logical`.

    ``==``, ``hash``, ``repr`` and pickling (and copying) walk the run in a loop; the versions
    ``@dataclass`` would generate recurse down ``left``. Every subclass must be declared with
    ``eq=False, repr=False`` so that ``@dataclass`` keeps these methods (and leaves ``__hash__``
    alone) instead of generating its own.
    """

    op: str
    left: Node
    right: Node

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        a: _Run = self
        b: _Run = other  # of the same type as self, checked above
        while True:
            if a.op != b.op or a.right != b.right:
                return False
            x, y = a.left, b.left
            if type(x) is not Binary and type(x) is not Logical:
                return type(x) is type(y) and x == y
            if type(y) is not type(x):
                return False
            a, b = x, y

    def __hash__(self) -> int:
        first, links = chain(self)
        value = hash(first)
        for link in links:
            value = hash((type(link).__name__, link.op, value, link.right))
        return value

    def __repr__(self) -> str:
        first, links = chain(self)
        opening = [f"{type(link).__name__}(op={link.op!r}, left=" for link in reversed(links)]
        closing = [f", right={link.right!r})" for link in links]
        return "".join(opening) + repr(first) + "".join(closing)

    def __reduce__(self) -> tuple[Any, ...]:
        # Flat, positions included: the default (slot state) would recurse down ``left``.
        first, links = chain(self)
        flat = tuple((type(link), link.op, link.right, link.col, link.end) for link in links)
        return _rebuild_run, (first, flat)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Binary(_Run):
    """Arithmetic: ``+ - * / %`` (``+`` also joins two texts)."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Logical(_Run):
    """``and`` / ``or``: the right side runs only when needed; the result is true or false."""


def chain(node: _Run) -> tuple[Node, list[Binary | Logical]]:
    """A run of operators as ``(first operand, operators from the innermost out)``.

    ``a + b - c`` is ``(a, [a + b, (a + b) - c])``: evaluating ``first`` and then applying each
    operator's ``right`` in order gives the same result as recursion, without recursion.
    """
    links: list[Binary | Logical] = []
    first: Node = node
    while type(first) is Binary or type(first) is Logical:
        links.append(first)
        first = first.left
    links.reverse()
    return first, links


def _rebuild_run(
    first: Node, links: tuple[tuple[type[Binary | Logical], str, Node, int, int], ...]
) -> Node:
    """Undo :meth:`_Run.__reduce__`."""
    node = first
    for kind, op, right, col, end in links:
        node = kind(op, node, right, col=col, end=end)
    return node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """``== != < <= > >= in`` and ``not in``; never chained (``a < b < c`` is refused)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``name(arg, ...)``: only functions of the fixed table can run (see functions.py)."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    """``[a, b, c]``."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Index(Node):
    """``target[index]``: list position, text character or object key; missing gives null."""

    target: Node
    index: Node


def calls(node: Node) -> list[Call]:
    """Every function call in ``node``, outermost first."""
    found: list[Call] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            found.append(n)
            stack.extend(reversed(n.args))
        elif isinstance(n, Unary):
            stack.append(n.operand)
        elif isinstance(n, Binary | Logical | Compare):
            stack += [n.right, n.left]
        elif isinstance(n, ListLit):
            stack.extend(reversed(n.items))
        elif isinstance(n, Index):
            stack += [n.index, n.target]
    return found


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
            stack.append((n.left, level))
            stack.append((n.right, level + 1))
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
