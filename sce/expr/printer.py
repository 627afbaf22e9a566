"""Print a tree back as expression text.

Used to show an expression in error messages, on flow graphs and in the DSL, and to test the
parser: ``parse_expression(unparse(node)) == node`` for every tree the parser can produce
(positions aside). Brackets are added only where precedence needs them.

Two trees have no text of their own and print as the nearest tree that has one: a negative number
literal prints as ``-5``, which parses back as ``-`` applied to ``5`` (the parser never builds
negative literals); a field after a call or an index, ``f(x).name``, is stored and printed as
``f(x)["name"]``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from sce.expr.ast import (
    Binary,
    Call,
    Compare,
    Index,
    ListLit,
    Literal,
    Logical,
    Node,
    Unary,
    Var,
    chain,
)

# Precedence levels, loosest first (mirrors parser.py).
_OR, _AND, _NOT, _CMP, _ADD, _MUL, _NEG, _POSTFIX, _ATOM = range(1, 10)
_LEVEL = {"or": _OR, "and": _AND, "+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "%": _MUL}

_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f\u2028\u2029]')
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def unparse(node: Node) -> str:
    """Expression text for ``node``, with the fewest brackets that keep its meaning."""
    return _print(node)[0]


def quote(text: str) -> str:
    """A double-quoted expression string literal for ``text``."""

    def escape(m: re.Match[str]) -> str:
        ch = m.group()
        return _SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"

    return '"' + _NEEDS_ESCAPE.sub(escape, text) + '"'


def format_literal(value: object) -> str:
    """Source text of a literal value (numbers never in exponent form: the grammar has none)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no expression syntax")
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text if "." in text else text + ".0"
    return str(value)


def _wrap(part: tuple[str, int], level: int) -> str:
    text, own = part
    return text if own >= level else f"({text})"


def _print(node: Node) -> tuple[str, int]:
    """``(text, precedence level of that text)``."""
    if isinstance(node, Literal):
        text = format_literal(node.value)
        return text, _NEG if text.startswith("-") else _ATOM
    if isinstance(node, Var):
        return ".".join(node.path), _ATOM
    if isinstance(node, Binary | Logical):
        # A run of operators, printed in a loop from the innermost one (no recursion down it).
        first, links = chain(node)
        text, own = _print(first)
        for link in links:
            level = _LEVEL[link.op]
            left = text if own >= level else f"({text})"
            right = _wrap(_print(link.right), level + 1)  # left-associative
            text, own = f"{left} {link.op} {right}", level
        return text, own
    if isinstance(node, Compare):
        left = _wrap(_print(node.left), _ADD)
        right = _wrap(_print(node.right), _ADD)
        return f"{left} {node.op} {right}", _CMP
    if isinstance(node, Unary):
        if node.op == "not":
            return f"not {_wrap(_print(node.operand), _NOT)}", _NOT
        return f"-{_wrap(_print(node.operand), _NEG)}", _NEG
    if isinstance(node, Call):
        return f"{node.name}({', '.join(unparse(a) for a in node.args)})", _POSTFIX
    if isinstance(node, ListLit):
        return f"[{', '.join(unparse(i) for i in node.items)}]", _ATOM
    if isinstance(node, Index):
        return f"{_wrap(_print(node.target), _POSTFIX)}[{unparse(node.index)}]", _POSTFIX
    raise TypeError(f"not an expression node: {node!r}")
