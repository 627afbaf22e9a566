"""Run an expression tree against the call's variables, safely and at bounded cost.

Safety: the interpreter walks the tree itself (no ``eval``/``exec``), reads variables only as keys
of plain dicts (``caller.number`` is ``env["caller"]["number"]``, never an attribute), and touches
only plain data (see values.py). Cost: one step per node visited; more than ``max_steps`` raises
:class:`ExprLimitError`, and every text or list an operation builds is size-checked.

Semantics, as flow authors see them:

* Numbers are whole or decimal; ``true`` and ``false`` are not numbers (``true + 1`` fails).
* ``/`` always divides exactly (``7 / 2`` is ``3.5``); dividing by zero fails.
* ``==`` compares values of any kind: ``2 == 2.0`` is true, values of different kinds are simply
  different. In particular **text made of digits is not a number**: ``"12" == 12`` is false
  (collected digits are text; write ``number(digits) == 12`` or ``digits == "12"``).
* ``< <= > >=`` need two numbers or two texts; anything else fails (``null > 1`` included).
* ``in`` / ``not in`` look for a value in a list or a text in a text.
* A missing variable, or a missing key on a dotted path, is ``null``: ``http.balance.amount``
  before the HTTP step ran is null, not an error. (Unknown names are the checker's business.)
* ``and``/``or`` evaluate their right side only when needed and give ``true``/``false``;
  null, ``""``, ``0``, ``false``, ``[]`` and ``{}`` count as false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sce.expr.ast import Binary, Call, Compare, Index, ListLit, Literal, Logical, Node, Unary, Var
from sce.expr.errors import (
    ExprEvalError,
    ExprLimitError,
    ExprNameError,
    ExprTypeError,
    did_you_mean,
)
from sce.expr.functions import FUNCTIONS, describe_param
from sce.expr.parser import parse_expression
from sce.expr.values import (
    MAX_LIST,
    MAX_TEXT,
    add_message,
    arithmetic_message,
    check_number,
    describe,
    equal,
    in_message,
    kind_of,
    order_message,
    truthy,
)

DEFAULT_MAX_STEPS = 10_000
_ORDINALS = ("first", "second", "third", "fourth", "fifth")


def evaluate(
    node: Node | str, env: Mapping[str, object], *, max_steps: int = DEFAULT_MAX_STEPS
) -> object:
    """The value of ``node`` (or of expression text) with the variables ``env``.

    Raises :class:`ExprEvalError`, :class:`ExprNameError`, :class:`ExprTypeError` or
    :class:`ExprLimitError`, each with the column of the part that failed.
    """
    if isinstance(node, str):
        node = parse_expression(node)
    return Evaluator(env, max_steps).run(node)


class Evaluator:
    """One evaluation budget over one set of variables (a template shares it across its parts)."""

    __slots__ = ("env", "steps_left", "max_steps")

    def __init__(self, env: Mapping[str, object], max_steps: int = DEFAULT_MAX_STEPS) -> None:
        self.env = env
        self.max_steps = max_steps
        self.steps_left = max_steps

    def run(self, node: Node) -> object:
        """Evaluate one node, counting it as a step."""
        self.steps_left -= 1
        if self.steps_left < 0:
            raise ExprLimitError(
                f"the expression needs more than {self.max_steps:,} steps; simplify it",
                node.col,
                node.end,
            )
        return _DISPATCH[type(node)](self, node)


def _placed(error: ExprEvalError, node: Node) -> ExprEvalError:
    return ExprEvalError(error.message, node.col, node.end)


def _literal(ev: Evaluator, node: Literal) -> object:
    return node.value


def _var(ev: Evaluator, node: Var) -> object:
    path = node.path
    value = ev.env.get(path[0])
    for i in range(1, len(path)):
        if value is None:
            return None
        if type(value) is not dict:
            kind = describe(_kind(value, node))
            raise ExprEvalError(
                f"'{'.'.join(path[:i])}' is {kind}, it has no field '{path[i]}'", node.col, node.end
            )
        value = dict.get(value, path[i])
    _kind(value, node)
    return value


def _kind(value: object, node: Node) -> str:
    try:
        return kind_of(value)
    except ExprEvalError as e:
        raise _placed(e, node) from None


def _list(ev: Evaluator, node: ListLit) -> object:
    run = ev.run
    return [run(item) for item in node.items]


def _unary(ev: Evaluator, node: Unary) -> object:
    value = ev.run(node.operand)
    if node.op == "not":
        return not _truthy(value, node)
    kind = _kind(value, node)
    if kind != "number":
        raise ExprEvalError(f"'-' needs a number, not {describe(kind)}", node.col, node.end)
    return check_number(-value)  # type: ignore[operator]


def _truthy(value: object, node: Node) -> bool:
    try:
        return truthy(value)
    except ExprEvalError as e:
        raise _placed(e, node) from None


def _logical(ev: Evaluator, node: Logical) -> object:
    left = _truthy(ev.run(node.left), node)
    if node.op == "and" and not left:
        return False
    if node.op == "or" and left:
        return True
    return _truthy(ev.run(node.right), node)


def _binary(ev: Evaluator, node: Binary) -> object:
    a = ev.run(node.left)
    b = ev.run(node.right)
    try:
        return _arithmetic(node.op, a, b)
    except ExprEvalError as e:
        raise _placed(e, node) from None
    except ArithmeticError:  # OverflowError from int -> float conversion
        raise ExprEvalError("the result is too large a number", node.col, node.end) from None


def _arithmetic(op: str, a: object, b: object) -> object:
    ka, kb = kind_of(a), kind_of(b)
    if ka != "number" or kb != "number":
        if op == "+":
            if ka == kb == "string":
                if len(a) + len(b) > MAX_TEXT:  # type: ignore[arg-type]
                    raise ExprEvalError(f"the text is too long (more than {MAX_TEXT:,} characters)")
                return a + b  # type: ignore[operator]
            raise ExprEvalError(add_message(ka, kb))
        raise ExprEvalError(arithmetic_message(op, ka, kb))
    x: float = a  # type: ignore[assignment]
    y: float = b  # type: ignore[assignment]
    if op == "+":
        return check_number(x + y)
    if op == "-":
        return check_number(x - y)
    if op == "*":
        return check_number(x * y)
    if y == 0:
        raise ExprEvalError("cannot divide by zero")
    return check_number(x / y if op == "/" else x % y)


def _compare(ev: Evaluator, node: Compare) -> object:
    a = ev.run(node.left)
    b = ev.run(node.right)
    try:
        return _comparison(node.op, a, b)
    except ExprEvalError as e:
        raise _placed(e, node) from None


def _comparison(op: str, a: object, b: object) -> bool:
    if op == "==":
        return equal(a, b, [MAX_LIST * 10])
    if op == "!=":
        return not equal(a, b, [MAX_LIST * 10])
    ka, kb = kind_of(a), kind_of(b)
    if op in ("in", "not in"):
        if kb == "list":
            items: list[object] = b  # type: ignore[assignment]
            if len(items) > MAX_LIST:
                raise ExprEvalError(f"the list is too long (more than {MAX_LIST:,} items)")
            budget = [MAX_LIST * 10]
            found = any(equal(a, item, budget) for item in items)
        elif kb == "string":
            if ka != "string":
                raise ExprEvalError(f"'{op}' on text needs text on the left, not {describe(ka)}")
            found = a in b  # type: ignore[operator]
        else:
            raise ExprEvalError(in_message(op, kb))
        return found if op == "in" else not found
    if ka != kb or ka not in ("number", "string"):
        raise ExprEvalError(order_message(op, ka, kb))
    x: float = a  # type: ignore[assignment]
    y: float = b  # type: ignore[assignment]
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y


def _call(ev: Evaluator, node: Call) -> object:
    fn = FUNCTIONS.get(node.name)
    if fn is None:
        raise ExprNameError(
            f"unknown function '{node.name}'{did_you_mean(node.name, FUNCTIONS)}",
            node.col,
            node.end,
        )
    low, high = fn.arity
    count = len(node.args)
    if count < low or (high is not None and count > high):
        raise ExprTypeError(f"{fn.name} takes {fn.arity_text()}, got {count}", node.col, node.end)
    args = [ev.run(arg) for arg in node.args]
    for i, (arg, value) in enumerate(zip(node.args, args, strict=True)):
        kind = _kind(value, arg)
        accepted = fn.param(i)
        if kind not in accepted and "any" not in accepted:
            which = _ORDINALS[i] if i < len(_ORDINALS) else f"#{i + 1}"
            spec = fn.params[min(i, len(fn.params) - 1)]
            raise ExprEvalError(
                f"{fn.name} needs {describe_param(spec)} as its {which} value, "
                f"not {describe(kind)}",
                arg.col,
                arg.end,
            )
    try:
        return fn.impl(*args)
    except ExprEvalError as e:
        raise _placed(e, node) from None
    except ArithmeticError:
        raise ExprEvalError("the result is too large a number", node.col, node.end) from None


def _index(ev: Evaluator, node: Index) -> object:
    target = ev.run(node.target)
    key = ev.run(node.index)
    kt, kk = _kind(target, node), _kind(key, node.index)
    if kt == "null":
        return None
    if kt == "object":
        if kk != "string":
            raise ExprEvalError(
                f"a field name must be text, not {describe(kk)}", node.index.col, node.index.end
            )
        value = dict.get(target, key)  # type: ignore[call-overload]
        _kind(value, node)
        return value
    if kt not in ("list", "string"):
        raise ExprEvalError(f"cannot take an item of {describe(kt)}", node.col, node.end)
    if kk != "number" or (type(key) is float and not key.is_integer()):  # type: ignore[union-attr]
        raise ExprEvalError(
            f"a position must be a whole number, not {describe(kk)}", node.index.col, node.index.end
        )
    seq: list[object] | str = target  # type: ignore[assignment]
    pos = int(key)  # type: ignore[call-overload]
    if not -len(seq) <= pos < len(seq):
        return None
    value = seq[pos]
    _kind(value, node)
    return value


_DISPATCH: dict[type, Callable[[Evaluator, object], object]] = {
    Literal: _literal,  # type: ignore[dict-item]
    Var: _var,  # type: ignore[dict-item]
    ListLit: _list,  # type: ignore[dict-item]
    Unary: _unary,  # type: ignore[dict-item]
    Logical: _logical,  # type: ignore[dict-item]
    Binary: _binary,  # type: ignore[dict-item]
    Compare: _compare,  # type: ignore[dict-item]
    Call: _call,  # type: ignore[dict-item]
    Index: _index,  # type: ignore[dict-item]
}
