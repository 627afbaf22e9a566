"""The expression language of IVR flows: branch conditions, ``set`` values and ``{...}`` in texts.

Small and safe by construction: a hand-written parser into immutable trees, a static checker, and
an interpreter that only reads plain data, never calls into Python objects, stops after a bounded
amount of work (steps, and items and characters built or compared) and returns bounded values.
Typical use::

    node = parse_expression("balance > 100 and tier == 'gold'")
    kind, problems = check(node, {"balance": "number", "tier": "string"})
    evaluate(node, {"balance": 250, "tier": "gold"})          # True
    render("Your balance is {balance} dollars", {"balance": 12.0})  # 'Your balance is 12 dollars'
"""

from sce.expr.ast import Node
from sce.expr.errors import (
    ExprError,
    ExprEvalError,
    ExprLimitError,
    ExprNameError,
    ExprSyntaxError,
    ExprTypeError,
)
from sce.expr.functions import FUNCTIONS, Function
from sce.expr.interp import evaluate
from sce.expr.parser import parse_expression
from sce.expr.printer import unparse
from sce.expr.template import Template, parse_template, render
from sce.expr.types import check, names

__all__ = [
    "FUNCTIONS",
    "ExprError",
    "ExprEvalError",
    "ExprLimitError",
    "ExprNameError",
    "ExprSyntaxError",
    "ExprTypeError",
    "Function",
    "Node",
    "Template",
    "check",
    "evaluate",
    "names",
    "parse_expression",
    "parse_template",
    "render",
    "unparse",
]
