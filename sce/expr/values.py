"""What a value is, for the interpreter, the functions and the templates.

Only plain data is ever touched: ``None``, ``bool``, ``int``, ``float``, ``str``, ``list`` and
``dict`` (exact types, not subclasses, so no user-defined method can ever run). Anything else in
the variables raises :class:`ExprEvalError` instead of being inspected.

A value's *kind* is the name flow authors see: ``number``, ``string``, ``bool``, ``list``,
``object`` or ``null``.

Cost: an expression has no loops, so its *steps* (nodes visited) are few; what can be expensive is
the data it touches: comparing two long lists, splitting a long text, building a list of large
lists. One :class:`Budget` per evaluation pays for all of it in *units*: a step costs
:data:`STEP_COST`, every list item (or object field) built, walked or compared :data:`ITEM_COST`,
and every character built or compared :data:`CHAR_COST`. Work is paid for *before* it is done
wherever its size is known, so an evaluation stops before it builds something large, not after.
The default budget (10,000 steps) is at most about 20,000 items or 160,000 characters of work:
a few milliseconds and a few megabytes.

What an evaluation returns is kept in the call's session, so it is bounded too
(:func:`check_result`): at most :data:`MAX_RESULT_ITEMS` list items and object fields in all,
:data:`MAX_RESULT_CHARS` characters in all and :data:`MAX_NESTING` levels of lists in lists.
A list that holds the same list several times counts it every time: that is its size once stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sized
from typing import cast

from sce.expr.errors import ExprEvalError, ExprLimitError

#: Longest text any operation may produce (a prompt longer than this is a bug, not a prompt).
MAX_TEXT = 10_000
#: Longest list any operation may build or walk.
MAX_LIST = 10_000
#: Largest whole number kept exactly; beyond it an operation fails rather than eat memory.
MAX_INT = 10**100
#: Deepest list-in-list or object-in-object an operation walks into or an evaluation returns.
MAX_NESTING = 50
#: Most list items and object fields, all levels together, of a value an evaluation returns.
MAX_RESULT_ITEMS = 10_000
#: Most characters (texts and field names together) of a value an evaluation returns.
MAX_RESULT_CHARS = 100_000

#: Work units of one step (one node of the expression evaluated).
STEP_COST = 16
#: Work units of one list item or object field built, walked or compared.
ITEM_COST = 8
#: Work units of one character built or compared.
CHAR_COST = 1

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


class Budget:
    """The work one evaluation may still do, in units (see the module docstring).

    ``left`` is what remains; ``work`` is what went to items and characters rather than steps,
    so that running out can be explained as "too many steps" or as "too much data".
    """

    __slots__ = ("left", "work", "max_steps")

    def __init__(self, max_steps: int) -> None:
        self.max_steps = max_steps
        self.left = max_steps * STEP_COST
        self.work = 0

    def spend(self, units: int) -> None:
        """Pay for some work, or raise :class:`ExprLimitError` if the budget cannot."""
        self.left -= units
        self.work += units
        if self.left < 0:
            raise self.exhausted()

    def items(self, count: int) -> None:
        """Pay for ``count`` list items built or walked."""
        self.spend(count * ITEM_COST)

    def chars(self, count: int) -> None:
        """Pay for ``count`` characters built or compared."""
        self.spend(count * CHAR_COST)

    def exhausted(self, column: int = 1, end_column: int | None = None) -> ExprLimitError:
        """The error for a spent budget, blaming steps or data, whichever took more."""
        spent = self.max_steps * STEP_COST - self.left
        if self.work * 2 <= spent:
            return ExprLimitError(
                f"the expression needs more than {self.max_steps:,} steps; simplify it",
                column,
                end_column,
            )
        return ExprLimitError(
            "the expression works on too much data at once (too many list items or "
            "characters built or compared); use shorter lists or texts, or split it into "
            "several steps",
            column,
            end_column,
        )


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
    if type(value) is float:
        if not math.isfinite(value):
            raise ExprEvalError("the number is too large to say")
        if value.is_integer():
            return str(int(value))
        text = f"{value:.10f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if not -MAX_INT <= value <= MAX_INT:
        raise ExprEvalError("the number is too large to say")
    return str(value)


def to_text(value: object, budget: Budget | None = None) -> str:
    """The text of a value as it is spoken or shown: null is empty, true is 'true'.

    Turning a list into text is paid from ``budget`` when one is given.
    """
    kind = kind_of(value)
    if kind == "string":
        return cast(str, value)
    if kind == "number":
        return format_number(cast("int | float", value))
    if kind == "null":
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "list":
        return join_texts(cast("list[object]", value), ", ", budget)
    raise ExprEvalError("an object cannot be turned into text; pick one of its fields, e.g. x.name")


def join_texts(items: list[object], sep: str, budget: Budget | None = None) -> str:
    """The items as one text, bounded: never builds more than MAX_TEXT characters."""
    if len(items) > MAX_LIST:
        raise ExprEvalError(f"the list is too long (more than {MAX_LIST:,} items)")
    if budget is not None:
        budget.items(len(items))
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
    if budget is not None:
        budget.chars(size)
    return sep.join(parts)


def truthy(value: object) -> bool:
    """False for null, '', 0, false, [] and {}; true for everything else."""
    kind = kind_of(value)
    if kind == "null":
        return False
    if kind in ("bool", "number"):
        return value != 0
    return len(cast(Sized, value)) > 0  # a text, a list or an object


def equal(a: object, b: object, budget: Budget, depth: int = 0) -> bool:
    """Deep equality of plain data; numbers compare by value, kinds never mix (``"1" != 1``).

    Every value looked at is paid from ``budget`` (an item, plus the characters of two texts of
    the same length), so an enormous or self-containing list cannot stall a call.
    """
    ka = _KINDS.get(type(a)) or kind_of(a)  # kind_of raises for anything but plain data
    kb = _KINDS.get(type(b)) or kind_of(b)
    cost = ITEM_COST
    if type(a) is str and type(b) is str and len(a) == len(b):
        cost += len(a) * CHAR_COST
    budget.left -= cost
    budget.work += cost
    if budget.left < 0:
        raise budget.exhausted()
    if depth > MAX_NESTING:
        raise ExprEvalError(
            f"these values are nested too deeply to compare (more than {MAX_NESTING} levels)"
        )
    if ka != kb:
        return False
    if ka == "list":
        la = cast("list[object]", a)
        lb = cast("list[object]", b)
        if len(la) != len(lb):
            return False
        depth += 1
        for x, y in zip(la, lb, strict=True):  # a loop, not all(): no generator per list
            if not equal(x, y, budget, depth):
                break
        else:
            return True
        return False
    if ka == "object":
        da = cast("dict[object, object]", a)
        db = cast("dict[object, object]", b)
        if len(da) != len(db):
            return False
        depth += 1
        for key, val in dict.items(da):
            if type(key) is not str or key not in db:
                return False
            if not equal(val, dict.__getitem__(db, key), budget, depth):
                return False
        return True
    return a == b


def check_result(value: object) -> None:
    """Refuse a value too large to keep in a call's session (see the module docstring).

    Walks at most :data:`MAX_RESULT_ITEMS` items, so it is cheap even for an enormous value, and
    checks that everything inside is plain data.
    """
    kind = _KINDS.get(type(value))
    if kind == "string":
        if len(cast(str, value)) > MAX_RESULT_CHARS:
            raise ExprEvalError(_too_big(f"{MAX_RESULT_CHARS:,} characters"))
        return
    if kind != "list" and kind != "object":
        kind_of(value)  # refuses anything that is not plain data
        return
    items = chars = 0
    level: list[object] = [value]
    for _ in range(MAX_NESTING):
        deeper: list[object] = []
        for container in level:
            items += len(cast(Sized, container))  # a list or an object
            if items > MAX_RESULT_ITEMS:
                raise ExprEvalError(_too_big(f"{MAX_RESULT_ITEMS:,} list items"))
            if type(container) is dict:
                values: Iterable[object] = dict.values(container)
                for key in container:
                    if type(key) is not str:
                        raise ExprEvalError("an object's field names must be text")
                    chars += len(key)
            else:
                values = cast("list[object]", container)
            for item in values:
                t = type(item)
                if t is str:
                    chars += len(cast(str, item))
                elif t is list or t is dict:
                    deeper.append(item)
                elif t not in _KINDS:
                    kind_of(item)  # raises
            if chars > MAX_RESULT_CHARS:
                raise ExprEvalError(_too_big(f"{MAX_RESULT_CHARS:,} characters"))
        if not deeper:
            return
        level = deeper
    raise ExprEvalError(
        f"the result is nested too deeply to keep (more than {MAX_NESTING} levels of lists "
        "or objects inside each other)"
    )


def _too_big(what: str) -> str:
    return f"the result is too large to keep (more than {what} in all); keep only the part you need"


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
