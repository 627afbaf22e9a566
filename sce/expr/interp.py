"""Run an expression tree against the call's variables, safely and at bounded cost.

Safety: the interpreter walks the tree itself (no ``eval``/``exec``), reads variables only as keys
of plain dicts (``caller.number`` is ``env["caller"]["number"]``, never an attribute), and touches
only plain data (see values.py).

Cost: one :class:`~sce.expr.values.Budget` per evaluation (per :func:`evaluate` call, or per
:func:`~sce.expr.template.render` call for all the parts of a text) pays for every step (node
visited) and for every list item and character built, walked or compared; when it runs out,
:class:`ExprLimitError`. Every text or list an operation builds is also size-checked, and the value
:func:`evaluate` returns is bounded as a whole (:func:`~sce.expr.values.check_result`), because it
is kept in the call's session. Long runs of operators (``a + b + c + ...``) are walked in a loop,
not by recursion, so only real nesting (brackets, ``-``/``not``, calls, lists) uses the stack, and
the parser bounds that.

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
from typing import Any, cast

from sce.expr.ast import Binary, Call, Compare, Index, ListLit, Literal, Logical, Node, Unary, Var
from sce.expr.errors import (
    ExprError,
    ExprEvalError,
    ExprLimitError,
    ExprNameError,
    ExprTypeError,
    did_you_mean,
)
from sce.expr.functions import FUNCTIONS, describe_param
from sce.expr.parser import parse_expression
from sce.expr.values import (
    ITEM_COST,
    MAX_LIST,
    MAX_RESULT_CHARS,
    MAX_TEXT,
    STEP_COST,
    Budget,
    add_message,
    arithmetic_message,
    check_number,
    check_result,
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

    ``max_steps`` sizes the budget: that many steps, or fewer when the expression also builds or
    compares large lists or texts. Raises :class:`ExprEvalError` (also when the result is too
    large to keep), :class:`ExprNameError`, :class:`ExprTypeError` or :class:`ExprLimitError`,
    each with the column of the part that failed.
    """
    if isinstance(node, str):
        node = parse_expression(node)
    value = Evaluator(env, max_steps).run(node)
    # Every node's value is plain data at the top (variables and items are checked when read),
    # so only what can be large needs a look.
    kind = type(value)
    if kind is list or kind is dict or (kind is str and len(cast(str, value)) > MAX_RESULT_CHARS):
        try:
            check_result(value)
        except ExprEvalError as e:
            raise _placed(e, node) from None
    return value


_RUNS = frozenset({Binary, Logical})


class Evaluator(Budget):
    """One evaluation budget over one set of variables (a template shares it across its parts)."""

    __slots__ = ("env",)

    def __init__(self, env: Mapping[str, object], max_steps: int = DEFAULT_MAX_STEPS) -> None:
        # Budget.__init__, inlined: most evaluations are a handful of steps.
        self.max_steps = max_steps
        self.left = max_steps * STEP_COST
        self.work = 0
        self.env = env

    def run(self, node: Node) -> object:
        """Evaluate one node, paying for it as a step."""
        self.left -= STEP_COST
        if self.left < 0:
            raise self.exhausted(node.col, node.end)
        return _DISPATCH[type(node)](self, node)

    def step(self, node: Node) -> None:
        """Pay for one node handled without :meth:`run` (the inner links of a chain)."""
        self.left -= STEP_COST
        if self.left < 0:
            raise self.exhausted(node.col, node.end)


def _placed(error: ExprError, node: Node) -> ExprError:
    """An error raised without a position (by values.py or a function), put on ``node``."""
    return type(error)(error.message, node.col, node.end)


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
    items = node.items
    if items:
        ev.left -= len(items) * ITEM_COST
        ev.work += len(items) * ITEM_COST
        if ev.left < 0:
            raise ev.exhausted(node.col, node.end)
    run = ev.run
    return [run(item) for item in items]


def _unary(ev: Evaluator, node: Unary) -> object:
    value = ev.run(node.operand)
    if node.op == "not":
        return not _truthy(value, node)
    kind = _kind(value, node)
    if kind != "number":
        raise ExprEvalError(f"'-' needs a number, not {describe(kind)}", node.col, node.end)
    return check_number(-cast("int | float", value))


def _truthy(value: object, node: Node) -> bool:
    try:
        return truthy(value)
    except ExprEvalError as e:
        raise _placed(e, node) from None


def _logical(ev: Evaluator, node: Logical) -> object:
    left = node.left
    if type(left) in _RUNS:
        return _chain(ev, node)
    value = _truthy(ev.run(left), node)
    if node.op == "and" and not value:
        return False
    if node.op == "or" and value:
        return True
    return _truthy(ev.run(node.right), node)


def _binary(ev: Evaluator, node: Binary) -> object:
    left = node.left
    if type(left) in _RUNS:
        return _chain(ev, node)
    a = ev.run(left)
    b = ev.run(node.right)
    try:  # _operate, inlined: this is the common case
        return _arithmetic(ev, node.op, a, b)
    except (ExprEvalError, ExprLimitError) as e:
        raise _placed(e, node) from None
    except ArithmeticError:  # OverflowError from int -> float conversion
        raise ExprEvalError("the result is too large a number", node.col, node.end) from None


def _chain(ev: Evaluator, node: Binary | Logical) -> object:
    """A run of operators, ``((a + b) - c) or d``, evaluated in a loop from the innermost one.

    Steps are paid in the order recursion would pay them: the outer operators first, then the
    first operand, then each right-hand side.
    """
    links: list[Binary | Logical] = [node]
    first: Node = node.left
    while type(first) is Binary or type(first) is Logical:
        ev.step(first)
        links.append(first)
        first = first.left
    value = ev.run(first)
    for link in reversed(links):
        if type(link) is Binary:
            value = _operate(ev, link, value, ev.run(link.right))
        else:
            truth = _truthy(value, link)
            if link.op == "and" and not truth:
                value = False
            elif link.op == "or" and truth:
                value = True
            else:
                value = _truthy(ev.run(link.right), link)
    return value


def _operate(ev: Evaluator, node: Binary, a: object, b: object) -> object:
    """``a op b`` for the operator of ``node``, with errors placed on it."""
    try:
        return _arithmetic(ev, node.op, a, b)
    except (ExprEvalError, ExprLimitError) as e:
        raise _placed(e, node) from None
    except ArithmeticError:  # OverflowError from int -> float conversion
        raise ExprEvalError("the result is too large a number", node.col, node.end) from None


def _arithmetic(budget: Budget, op: str, a: object, b: object) -> object:
    ka, kb = kind_of(a), kind_of(b)
    if ka != "number" or kb != "number":
        if op == "+":
            if type(a) is str and type(b) is str:
                size = len(a) + len(b)
                if size > MAX_TEXT:
                    raise ExprEvalError(f"the text is too long (more than {MAX_TEXT:,} characters)")
                budget.left -= size  # Budget.chars, inlined: joining texts is common
                budget.work += size
                if budget.left < 0:
                    raise budget.exhausted()
                return a + b
            raise ExprEvalError(add_message(ka, kb))
        raise ExprEvalError(arithmetic_message(op, ka, kb))
    x, y = cast(float, a), cast(float, b)
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
        return _comparison(ev, node.op, a, b)
    except (ExprEvalError, ExprLimitError) as e:
        raise _placed(e, node) from None


def _comparison(budget: Budget, op: str, a: object, b: object) -> bool:
    if op == "==":
        return equal(a, b, budget)
    if op == "!=":
        return not equal(a, b, budget)
    ka, kb = kind_of(a), kind_of(b)
    if op in ("in", "not in"):
        if kb == "list":
            items = cast("list[object]", b)
            if len(items) > MAX_LIST:
                raise ExprEvalError(f"the list is too long (more than {MAX_LIST:,} items)")
            found = any(equal(a, item, budget) for item in items)
        elif kb == "string":
            if ka != "string":
                raise ExprEvalError(f"'{op}' on text needs text on the left, not {describe(ka)}")
            text = cast(str, b)
            budget.chars(len(text))
            found = cast(str, a) in text
        else:
            raise ExprEvalError(in_message(op, kb))
        return found if op == "in" else not found
    if ka != kb or ka not in ("number", "string"):
        raise ExprEvalError(order_message(op, ka, kb))
    if ka == "string":
        budget.chars(min(len(cast(str, a)), len(cast(str, b))))
    # Two numbers or two texts: the operators below work alike on both.
    x, y = cast(float, a), cast(float, b)
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
        return fn.impl(ev, *args)
    except (ExprEvalError, ExprLimitError) as e:
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
        value = dict.get(cast("dict[str, object]", target), cast(str, key))
        _kind(value, node)
        return value
    if kt not in ("list", "string"):
        raise ExprEvalError(f"cannot take an item of {describe(kt)}", node.col, node.end)
    if kk != "number" or (type(key) is float and not key.is_integer()):
        raise ExprEvalError(
            f"a position must be a whole number, not {describe(kk)}", node.index.col, node.index.end
        )
    seq = cast("list[object] | str", target)
    pos = int(cast(float, key))
    if not -len(seq) <= pos < len(seq):
        return None
    value = seq[pos]
    _kind(value, node)
    return value


#: Each node type's handler; ``Any`` is the node, of the type its handler is keyed by.
_DISPATCH: dict[type[Node], Callable[[Evaluator, Any], object]] = {
    Literal: _literal,
    Var: _var,
    ListLit: _list,
    Unary: _unary,
    Logical: _logical,
    Binary: _binary,
    Compare: _compare,
    Call: _call,
    Index: _index,
}
