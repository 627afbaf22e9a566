"""Static checking: find mistakes in an expression before any call reaches it.

The linter and the compiler call :func:`check` with the flow's declared variables and show every
problem at once (not only the first): unknown names with a suggestion, unknown functions, wrong
argument counts and kinds that can never work (``"a" - 1``). Kinds are ``number``, ``string``,
``bool``, ``list``, ``null`` and ``any``; a variable may also be declared ``object`` (a record
such as an HTTP result), whose dotted fields are ``any``. ``any`` is compatible with everything,
so the checker only reports what is wrong for *every* possible value.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

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
from sce.expr.errors import ExprError, ExprNameError, ExprTypeError, did_you_mean
from sce.expr.functions import FUNCTIONS, describe_param
from sce.expr.values import (
    add_message,
    arithmetic_message,
    describe,
    in_message,
    order_message,
)

TYPES = frozenset({"number", "string", "bool", "list", "null", "any", "object"})

# Other spellings a flow's variable declarations may use.
_ALIASES = {
    "text": "string",
    "str": "string",
    "boolean": "bool",
    "int": "number",
    "integer": "number",
    "float": "number",
    "decimal": "number",
    "array": "list",
    "dict": "object",
    "record": "object",
    "map": "object",
}

_LITERAL_TYPES = {type(None): "null", bool: "bool", int: "number", float: "number", str: "string"}
_RUNS = frozenset({Binary, Logical})


@cache
def normalise_type(name: str) -> str:
    """The checker's name for a declared type; unknown names count as ``any``."""
    name = _ALIASES.get(name.lower(), name.lower())
    return name if name in TYPES else "any"


def check(node: Node, variables: Mapping[str, str]) -> tuple[str, list[ExprError]]:
    """The type of ``node`` and every problem found, given the declared variable types.

    ``variables`` maps top-level names to type names (``{"balance": "number", "http": "object"}``).
    Errors are :class:`ExprNameError` or :class:`ExprTypeError`, each with its column.
    """
    checker = _Checker({k: normalise_type(v) for k, v in variables.items()})
    kind = checker.visit(node)
    return kind, sorted(checker.errors, key=lambda e: e.column)


def names(node: Node) -> set[str]:
    """The top-level variable names ``node`` reads (for 'undefined/unused variable' rules)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Var):
            found.add(n.path[0])
        elif isinstance(n, Unary):
            stack.append(n.operand)
        elif isinstance(n, Binary | Logical | Compare):
            stack.append(n.left)
            stack.append(n.right)
        elif isinstance(n, Call):
            stack.extend(n.args)
        elif isinstance(n, ListLit):
            stack.extend(n.items)
        elif isinstance(n, Index):
            stack.append(n.target)
            stack.append(n.index)
    return found


def _known(t: str) -> bool:
    return t != "any"


class _Checker:
    __slots__ = ("variables", "errors")

    def __init__(self, variables: dict[str, str]) -> None:
        self.variables = variables
        self.errors: list[ExprError] = []

    def type_error(self, message: str, node: Node) -> None:
        self.errors.append(ExprTypeError(message, node.col, node.end))

    def visit(self, node: Node) -> str:
        if isinstance(node, Literal):
            return _LITERAL_TYPES.get(type(node.value), "any")
        if isinstance(node, Var):
            return self.var(node)
        if isinstance(node, ListLit):
            for item in node.items:
                self.visit(item)
            return "list"
        if isinstance(node, Unary):
            operand = self.visit(node.operand)
            if node.op == "not":
                return "bool"
            if operand not in ("number", "any"):
                self.type_error(f"'-' needs a number, not {describe(operand)}", node)
            return "number"
        if isinstance(node, Logical):
            if type(node.left) in _RUNS:
                return self.run(node)
            self.visit(node.left)
            self.visit(node.right)
            return "bool"
        if isinstance(node, Binary):
            if type(node.left) in _RUNS:
                return self.run(node)
            return self.binary(node, self.visit(node.left), self.visit(node.right))
        if isinstance(node, Compare):
            self.compare(node, self.visit(node.left), self.visit(node.right))
            return "bool"
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Index):
            return self.index(node)
        raise TypeError(f"not an expression node: {node!r}")

    def run(self, node: Binary | Logical) -> str:
        """A run of operators, checked in a loop from the innermost one (no recursion down it)."""
        first, links = chain(node)
        kind = self.visit(first)
        for link in links:
            right = self.visit(link.right)
            kind = self.binary(link, kind, right) if type(link) is Binary else "bool"
        return kind

    def var(self, node: Var) -> str:
        name = node.path[0]
        declared = self.variables.get(name)
        if declared is None:
            hint = did_you_mean(name, self.variables)
            if not hint and name in FUNCTIONS:
                hint = f" ('{name}' is a function: write {name}(...))"
            self.errors.append(
                ExprNameError(f"unknown variable '{name}'{hint}", node.col, node.end)
            )
            return "any"
        if len(node.path) == 1:
            return declared
        if declared in ("object", "any"):
            return "any"
        self.type_error(f"'{name}' is {describe(declared)}, it has no field '{node.path[1]}'", node)
        return "any"

    def binary(self, node: Binary, left: str, right: str) -> str:
        if node.op == "+":
            if left == "any" or right == "any":
                known = right if left == "any" else left
                if known not in ("number", "string", "any"):
                    self.type_error(add_message(left, right), node)
                return known if known in ("number", "string") else "any"
            if left == right and left in ("number", "string"):
                return left
            self.type_error(add_message(left, right), node)
            return "any"
        if left not in ("number", "any") or right not in ("number", "any"):
            self.type_error(arithmetic_message(node.op, left, right), node)
        return "number"

    def compare(self, node: Compare, left: str, right: str) -> None:
        op = node.op
        both_known = _known(left) and _known(right)
        if op in ("==", "!="):
            if both_known and left != right and "null" not in (left, right):
                self.type_error(
                    f"{describe(left)} is never equal to {describe(right)}; "
                    "convert one side with number(x) or text(x)",
                    node,
                )
        elif op in ("in", "not in"):
            if right not in ("list", "string", "any"):
                self.type_error(in_message(op, right), node)
            elif right == "string" and left not in ("string", "any"):
                self.type_error(
                    f"'{op}' on text needs text on the left, not {describe(left)}", node
                )
        else:
            for side in (left, right):
                if side not in ("number", "string", "any"):
                    self.type_error(order_message(op, left, right), node)
                    return
            if both_known and left != right:
                self.type_error(order_message(op, left, right), node)

    def call(self, node: Call) -> str:
        arg_types = [self.visit(arg) for arg in node.args]
        fn = FUNCTIONS.get(node.name)
        if fn is None:
            hint = did_you_mean(node.name, FUNCTIONS)
            self.errors.append(
                ExprNameError(f"unknown function '{node.name}'{hint}", node.col, node.end)
            )
            return "any"
        low, high = fn.arity
        if len(arg_types) < low or (high is not None and len(arg_types) > high):
            self.type_error(f"{fn.name} takes {fn.arity_text()}, got {len(arg_types)}", node)
            return fn.returns
        for i, (arg, kind) in enumerate(zip(node.args, arg_types, strict=True)):
            accepted = fn.param(i)
            if kind != "any" and "any" not in accepted and kind not in accepted:
                spec = fn.params[min(i, len(fn.params) - 1)]
                self.type_error(
                    f"{fn.name} needs {describe_param(spec)}, not {describe(kind)}", arg
                )
        return fn.return_type(arg_types)

    def index(self, node: Index) -> str:
        target = self.visit(node.target)
        key = self.visit(node.index)
        if target in ("list", "string"):
            if key not in ("number", "any"):
                self.type_error(
                    f"a position must be a whole number, not {describe(key)}", node.index
                )
            return "string" if target == "string" else "any"
        if target in ("any", "object", "null"):
            return "any" if target != "null" else "null"
        self.type_error(f"cannot take an item of {describe(target)}", node)
        return "any"
