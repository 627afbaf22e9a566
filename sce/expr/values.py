"""What a value is, for the interpreter, the functions and the templates.

Only plain data is ever touched: ``None``, ``bool``, ``int``, ``float``, ``str``, ``list`` and
``dict`` (exact types, not subclasses, so no user-defined method can ever run). Anything else in
the variables raises :class:`ExprEvalError` instead of being inspected.

A value's *kind* is the name flow authors see: ``number``, ``string``, ``bool``, ``list``,
``object`` or ``null``.
"""

from __future__ import annotations

import math

from sce.expr.errors import ExprEvalError

#: Longest text any operation may produce (a prompt longer than this is a bug, not a prompt).
MAX_TEXT = 10_000
#: Longest list any operation may build or walk.
MAX_LIST = 10_000
#: Largest whole number kept exactly; beyond it an operation fails rather than eat memory.
MAX_INT = 10**100
#: Deepest list-in-list or object-in-object an operation walks into.
MAX_NESTING = 50

_KINDS: dict[type, str] = {
    type(None): "null",
    bool: "bool",
    int: "number",
    float: "number",
    str: "string",
    list: "list",
    dict: "object",
}

_DESCRIPTIONS = {
    "number": "a number",
    "string": "text",
    "bool": "true/false",
    "list": "a list",
    "object": "an object",
    "null": "null",
    "any": "a value",
}


def kind_of(value: object) -> str:
    """The kind of a value, or :class:`ExprEvalError` if it is not plain data."""
    kind = _KINDS.get(type(value))
    if kind is None:
        raise ExprEvalError(
            f"a variable holds a value of an unsupported kind ({type(value).__name__}); "
            "only numbers, text, true/false, null, lists and objects can be used"
        )
    return kind


def describe(kind: str) -> str:
    """A kind as a flow author says it: 'a number', 'text', 'a list'."""
    return _DESCRIPTIONS.get(kind, kind)


def check_number(value: int | float) -> int | float:
    """Refuse results that are infinite or absurdly large (they would only grow from here)."""
    if type(value) is float:
        if not math.isfinite(value):
            raise ExprEvalError("the result is too large a number")
    elif not -MAX_INT <= value <= MAX_INT:
        raise ExprEvalError("the result is too large a number")
    return value


def check_text(text: str) -> str:
    """Refuse texts longer than :data:`MAX_TEXT` characters."""
    if len(text) > MAX_TEXT:
        raise ExprEvalError(f"the result is too long (more than {MAX_TEXT:,} characters)")
    return text


def format_number(value: int | float) -> str:
    """How a number is said: ``2.0`` is ``2``, ``0.1 + 0.2`` is ``0.3`` (ten decimals at most)."""
    if type(value) is int:
        if not -MAX_INT <= value <= MAX_INT:
            raise ExprEvalError("the number is too large to say")
        return str(value)
    if not math.isfinite(value):
        raise ExprEvalError("the number is too large to say")
    if value.is_integer():
        return str(int(value))
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def to_text(value: object) -> str:
    """The text of a value as it is spoken or shown: null is empty, true is 'true'."""
    kind = kind_of(value)
    if kind == "string":
        return value  # type: ignore[return-value]
    if kind == "number":
        return format_number(value)  # type: ignore[arg-type]
    if kind == "null":
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "list":
        return join_texts(value, ", ")  # type: ignore[arg-type]
    raise ExprEvalError("an object cannot be turned into text; pick one of its fields, e.g. x.name")


def join_texts(items: list[object], sep: str) -> str:
    """The items as one text, bounded: never builds more than MAX_TEXT characters."""
    if len(items) > MAX_LIST:
        raise ExprEvalError(f"the list is too long (more than {MAX_LIST:,} items)")
    parts: list[str] = []
    size = 0
    for item in items:
        if kind_of(item) in ("list", "object"):
            raise ExprEvalError("only a list of texts or numbers can be turned into text")
        part = to_text(item)
        size += len(part) + len(sep)
        if size > MAX_TEXT + len(sep):
            raise ExprEvalError(f"the result is too long (more than {MAX_TEXT:,} characters)")
        parts.append(part)
    return sep.join(parts)


def truthy(value: object) -> bool:
    """False for null, '', 0, false, [] and {}; true for everything else."""
    kind = kind_of(value)
    if kind == "null":
        return False
    if kind in ("bool", "number"):
        return value != 0
    return len(value) > 0  # type: ignore[arg-type]


def equal(a: object, b: object, budget: list[int], depth: int = 0) -> bool:
    """Deep equality of plain data; numbers compare by value, kinds never mix (``"1" != 1``).

    ``budget[0]`` counts the items looked at and the comparison fails once it runs out, so an
    enormous or self-containing list cannot stall a call.
    """
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_NESTING:
        raise ExprEvalError("comparing these values takes too long")
    ka, kb = kind_of(a), kind_of(b)
    if ka != kb:
        return False
    if ka == "list":
        la: list[object] = a  # type: ignore[assignment]
        lb: list[object] = b  # type: ignore[assignment]
        return len(la) == len(lb) and all(
            equal(x, y, budget, depth + 1) for x, y in zip(la, lb, strict=True)
        )
    if ka == "object":
        da: dict[object, object] = a  # type: ignore[assignment]
        db: dict[object, object] = b  # type: ignore[assignment]
        if len(da) != len(db):
            return False
        for key, val in dict.items(da):
            if type(key) is not str or key not in db:
                return False
            if not equal(val, dict.__getitem__(db, key), budget, depth + 1):
                return False
        return True
    return a == b


def add_message(left: str, right: str) -> str:
    """Why ``+`` refuses these kinds (shared by the checker and the interpreter)."""
    if {left, right} == {"string", "number"}:
        return "cannot add text and a number; use text(x) to join them as text"
    return f"cannot add {describe(left)} and {describe(right)}"


def arithmetic_message(op: str, left: str, right: str) -> str:
    """Why ``- * / %`` refuse these kinds."""
    return f"cannot use '{op}' on {describe(left)} and {describe(right)}; it needs two numbers"


def order_message(op: str, left: str, right: str) -> str:
    """Why ``< <= > >=`` refuse these kinds."""
    hint = "; if a variable may be unset, use default(x, 0)" if "null" in (left, right) else ""
    return f"cannot compare {describe(left)} and {describe(right)} with '{op}'{hint}"


def in_message(op: str, right: str) -> str:
    """Why ``in`` refuses its right-hand side."""
    return f"'{op}' needs a list or text on the right, not {describe(right)}"
