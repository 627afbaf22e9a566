"""The functions an expression may call: a fixed table, nothing else is reachable.

Each entry says how many values it takes, of which kinds, what it returns and what it does in one
line (the studio shows that line in its autocomplete; the checker uses the kinds). Arguments are
checked against ``params`` by the interpreter before an implementation runs, so implementations
only handle the kinds they declare.

Every implementation is bounded: no result is longer than :data:`~sce.expr.values.MAX_TEXT`
characters or :data:`~sce.expr.values.MAX_LIST` items, and the size is computed *before* the
result is built, so ``replace`` or ``join`` cannot exhaust memory. Each implementation receives
the evaluation's :class:`~sce.expr.values.Budget` as its first argument and pays from it for the
characters and items it reads or builds, before doing the work.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import cast

from sce.expr.errors import ExprEvalError
from sce.expr.values import (
    MAX_LIST,
    MAX_TEXT,
    Budget,
    check_number,
    check_text,
    describe,
    equal,
    join_texts,
    kind_of,
    to_text,
    truthy,
)

_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_NOT_DIGITS_RE = re.compile(r"[^0-9]+")
_DECIMAL = Context(prec=500)


@dataclass(frozen=True, slots=True)
class Function:
    """One callable function. ``params``: kinds per argument (``"string|list"``, ``"any"``);
    the last entry also covers any further arguments of a variadic function."""

    name: str
    arity: tuple[int, int | None]
    params: tuple[str, ...]
    returns: str
    #: Called as ``impl(budget, *args)``.
    impl: Callable[..., object]
    doc: str
    infer: Callable[[Sequence[str]], str] | None = None

    def param(self, index: int) -> frozenset[str]:
        """The kinds accepted as argument ``index`` (0-based)."""
        return _kinds(self.params[min(index, len(self.params) - 1)])

    def arity_text(self) -> str:
        """'1 value', '1 or 2 values', 'at least 1 value'."""
        low, high = self.arity
        noun = "value" if (high or low) == 1 else "values"
        if high is None:
            return f"at least {low} {noun}"
        if low == high:
            return f"{low} {noun}"
        return f"{low} to {high} {noun}" if high - low > 1 else f"{low} or {high} {noun}"

    def return_type(self, arg_types: Sequence[str]) -> str:
        """The kind returned for arguments of these kinds (what the checker infers)."""
        return self.infer(arg_types) if self.infer else self.returns


@functools.cache
def _kinds(spec: str) -> frozenset[str]:
    return frozenset(spec.split("|"))


def describe_param(spec: str) -> str:
    """'text or a list' for ``"string|list"``."""
    return " or ".join(describe(kind) for kind in spec.split("|"))


def _whole(value: int | float, what: str) -> int:
    if isinstance(value, int):
        return value
    if not value.is_integer():
        raise ExprEvalError(f"{what} must be a whole number, not {value}")
    return int(value)


def _numbers(budget: Budget, name: str, args: tuple[object, ...]) -> list[int | float]:
    one_list = len(args) == 1 and kind_of(args[0]) == "list"
    values = cast("list[object]", args[0]) if one_list else args
    if not values:
        raise ExprEvalError(f"{name} of an empty list has no value")
    if len(values) > MAX_LIST:
        raise ExprEvalError(f"the list is too long (more than {MAX_LIST:,} items)")
    budget.items(len(values))
    for v in values:
        if kind_of(v) != "number":
            raise ExprEvalError(f"{name} needs numbers, got {describe(kind_of(v))}")
    return cast("list[int | float]", list(values))


def _min(budget: Budget, *args: object) -> int | float:
    return check_number(min(_numbers(budget, "min", args)))


def _max(budget: Budget, *args: object) -> int | float:
    return check_number(max(_numbers(budget, "max", args)))


def _len(budget: Budget, value: str | list[object]) -> int:
    return len(value)


def _upper(budget: Budget, text: str) -> str:
    budget.chars(len(text))
    return check_text(text.upper())


def _lower(budget: Budget, text: str) -> str:
    budget.chars(len(text))
    return check_text(text.lower())


def _trim(budget: Budget, text: str) -> str:
    budget.chars(len(text))
    return text.strip()


def _text(budget: Budget, value: object) -> str:
    return to_text(value, budget)


def _abs(budget: Budget, value: int | float) -> int | float:
    return check_number(abs(value))


def _number(budget: Budget, value: str | int | float) -> int | float:
    if not isinstance(value, str):
        return value
    budget.chars(len(value))
    text = value.strip()
    if len(text) > 100 or not _NUMBER_RE.fullmatch(text):
        shown = value if len(value) <= 20 else value[:20] + "..."
        raise ExprEvalError(f"'{shown}' is not a number")
    return check_number(float(text) if "." in text else int(text))


def _round(budget: Budget, value: int | float, ndigits: int | float = 0) -> int | float:
    if type(value) is float and not math.isfinite(value):
        raise ExprEvalError("the number is too large to round")
    places = _whole(ndigits, "the number of decimals")
    if not -10 <= places <= 10:
        raise ExprEvalError("the number of decimals must be between -10 and 10")
    exact = Decimal(value) if type(value) is int else Decimal(repr(value))
    # Halves go away from zero (2.5 -> 3), as people and invoices expect; Python's round()
    # would give 2.
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_DECIMAL)
    return check_number(int(rounded) if places <= 0 else float(rounded))


def _digits(budget: Budget, value: str | int | float) -> str:
    text = value if type(value) is str else to_text(value)
    budget.chars(len(text))
    return _NOT_DIGITS_RE.sub("", text)


def _spell(budget: Budget, value: str | int | float) -> str:
    text = value if type(value) is str else to_text(value)
    budget.chars(len(text))
    solid = "".join(text.split())  # without any whitespace (str.split() is str.isspace())
    if 2 * len(solid) - 1 > MAX_TEXT:
        raise ExprEvalError(f"the result is too long (more than {MAX_TEXT:,} characters)")
    budget.chars(2 * len(solid))
    return " ".join(solid)


def _starts_with(budget: Budget, text: str, prefix: str) -> bool:
    budget.chars(len(prefix))
    return text.startswith(prefix)


def _ends_with(budget: Budget, text: str, suffix: str) -> bool:
    budget.chars(len(suffix))
    return text.endswith(suffix)


def _contains(budget: Budget, haystack: str | list[object], needle: object) -> bool:
    if type(haystack) is str:
        if type(needle) is not str:
            raise ExprEvalError(
                f"contains on text needs text to look for, got {describe(kind_of(needle))}"
            )
        budget.chars(len(haystack))
        return needle in haystack
    if len(haystack) > MAX_LIST:
        raise ExprEvalError(f"the list is too long (more than {MAX_LIST:,} items)")
    return any(equal(item, needle, budget) for item in haystack)


def _matches(budget: Budget, text: str, pattern: str) -> bool:
    """On RE2 (`sce.patterns`): a pattern, even one from a caller's value, runs in linear time."""
    from sce.errors import PatternError
    from sce.patterns import compile_pattern

    budget.chars(len(text) + len(pattern))
    try:
        return compile_pattern(pattern).search(text) is not None
    except PatternError as e:
        raise ExprEvalError(e.message) from None


def _default(budget: Budget, value: object, fallback: object) -> object:
    return fallback if value is None or value == "" else value


def _substr(
    budget: Budget, text: str, start: int | float, length: int | float | None = None
) -> str:
    begin = _whole(start, "the start")
    if begin < 0:
        begin = max(len(text) + begin, 0)
    if length is None:
        stop = len(text)
    else:
        count = _whole(length, "the length")
        if count < 0:
            raise ExprEvalError("the length cannot be negative")
        stop = min(begin + count, len(text))
    budget.chars(max(stop - begin, 0))
    return text[begin:stop]


def _replace(budget: Budget, text: str, old: str, new: str) -> str:
    budget.chars(len(text))
    count = text.count(old)
    if not count:
        return text
    size = len(text) + count * (len(new) - len(old))
    if size > MAX_TEXT:
        raise ExprEvalError(f"the result is too long (more than {MAX_TEXT:,} characters)")
    budget.chars(size)
    return text.replace(old, new)


def _join(budget: Budget, items: list[object], sep: str = ", ") -> str:
    return join_texts(items, sep, budget)


def _split(budget: Budget, text: str, sep: str) -> list[str]:
    budget.chars(len(text))
    # An empty separator splits into characters (Python would refuse).
    count = len(text) if sep == "" else text.count(sep) + 1
    if count > MAX_LIST:
        raise ExprEvalError(f"the result is too long (more than {MAX_LIST:,} items)")
    budget.items(count)
    return list(text) if sep == "" else text.split(sep)


def _choose(budget: Budget, condition: object, then: object, otherwise: object) -> object:
    return then if truthy(condition) else otherwise


def _branches_type(arg_types: Sequence[str]) -> str:
    return _same_or_any(arg_types[1:])


def _same_or_any(arg_types: Sequence[str]) -> str:
    known = {t for t in arg_types if t != "null"}
    return known.pop() if len(known) == 1 else "any"


def _fn(
    name: str,
    arity: tuple[int, int | None],
    params: tuple[str, ...],
    returns: str,
    impl: Callable[..., object],
    doc: str,
    infer: Callable[[Sequence[str]], str] | None = None,
) -> tuple[str, Function]:
    return name, Function(name, arity, params, returns, impl, doc, infer)


FUNCTIONS: dict[str, Function] = dict(
    [
        _fn("len", (1, 1), ("string|list",), "number", _len, "number of characters of a text, or of items of a list"),
        _fn("upper", (1, 1), ("string",), "string", _upper, "the text in capital letters"),
        _fn("lower", (1, 1), ("string",), "string", _lower, "the text in small letters"),
        _fn("trim", (1, 1), ("string",), "string", _trim, "the text without spaces at either end"),
        _fn("digits", (1, 1), ("string|number",), "string", _digits, "only the digits 0-9 of a text: digits('+1 (555)') is '1555'"),
        _fn("number", (1, 1), ("string|number",), "number", _number, "the number written in a text, e.g. number('12.5'); fails if it is not one"),
        _fn("text", (1, 1), ("any",), "string", _text, "a value as text: text(12) is '12', text(null) is ''"),
        _fn("round", (1, 2), ("number", "number"), "number", _round, "round to whole (or n decimals); halves go up: round(2.5) is 3"),
        _fn("abs", (1, 1), ("number",), "number", _abs, "the number without its sign"),
        _fn("min", (1, None), ("number|list", "number"), "number", _min, "the smallest of some numbers, or of a list of numbers"),
        _fn("max", (1, None), ("number|list", "number"), "number", _max, "the largest of some numbers, or of a list of numbers"),
        _fn("starts_with", (2, 2), ("string", "string"), "bool", _starts_with, "whether the text begins with the other text"),
        _fn("ends_with", (2, 2), ("string", "string"), "bool", _ends_with, "whether the text ends with the other text"),
        _fn("contains", (2, 2), ("string|list", "any"), "bool", _contains, "whether a text contains another text, or a list contains a value"),
        _fn("matches", (2, 2), ("string", "string"), "bool", _matches, "whether the text holds a match of the regular expression (RE2: no look-around): matches(code, '^[0-9]{4}$')"),
        _fn("if", (3, 3), ("any", "any", "any"), "any", _choose, "then when the condition is true, else otherwise (both are computed): if(tier == 'vip', 10, 1)", _branches_type),
        _fn("default", (2, 2), ("any", "any"), "any", _default, "the value, or the fallback when the value is null or empty text", _same_or_any),
        _fn("substr", (2, 3), ("string", "number", "number"), "string", _substr, "part of a text from position start (0 is the first), optionally length characters"),
        _fn("replace", (3, 3), ("string", "string", "string"), "string", _replace, "the text with every old part replaced by new"),
        _fn("join", (1, 2), ("list", "string"), "string", _join, "the items of a list as one text, separated by sep (', ' if not given)"),
        _fn("split", (2, 2), ("string", "string"), "list", _split, "a text cut into a list at every sep"),
        _fn("spell", (1, 1), ("string|number",), "string", _spell, "characters separated by spaces so speech reads them one by one: '123' is '1 2 3'"),
    ]
)  # fmt: skip
