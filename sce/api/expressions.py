"""`POST /api/expressions`: one expression or template checked as the user types it in the
designer, with the same parser and checker the linter and the compiler use
(`sce.expr.typecheck.check_text`), so a field the designer shows as good is one `sce lint` passes.

    {"kind": "expression", "text": "balance > 100",
     "variables": {"balance": "number"}, "document": {...}}

The variables the text may read are the built-in values (`caller`, `language`, ...), those the
flow draft in `document` declares, and those in `variables` (a type name, or a declaration like
the flow's `{"type": "number"}`), which win. A draft is read only for its declarations: one
that does not load still gives the variables it declares in a shape that can be read.

The answer is never an error for any text: `ok`, the problems (message, code as `sce lint` would
give it, columns counting characters from 1, `end_column` just past the problem) and the type
of the value when it checks. Open to readers like the checks; the body is a draft's
(at most `MAX_DRAFT_BYTES`).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint

from sce.access.roles import Permission
from sce.api.auth import allow
from sce.api.errors import ApiError
from sce.api.requests import draft_body, text_field
from sce.compiler.analysis import INVALID_EXPRESSION, problem_code, variable_types
from sce.expr import ExprError
from sce.expr.typecheck import KINDS, CheckedText, TextKind, check_text
from sce.model import Flow
from sce.model.flow import Variable

expressions = Blueprint("expressions", __name__)

#: What a variable of a draft is when its declaration cannot be read: anything.
UNREADABLE = "any"


@expressions.post("/api/expressions")
@allow(Permission.READ)
def check_expression() -> dict[str, object]:
    """The problems of the posted text and the type of its value (see the module's docstring);
    400 for a body that says no kind or text, 413 over MAX_DRAFT_BYTES."""
    body = draft_body()
    kind = _kind(body)
    text = text_field(body, "text", required=True)
    types = variable_types(Flow(flow="draft", variables=_declared(body)))
    return answer(check_text(kind, text, types))


def answer(checked: CheckedText) -> dict[str, object]:
    """The JSON answer for a checked text."""
    return {
        "ok": not checked.errors,
        "type": checked.type,
        "errors": [_error(e, syntax=not checked.syntax_ok) for e in checked.errors],
    }


def _error(error: ExprError, *, syntax: bool) -> dict[str, object]:
    end = error.end_column if error.end_column is not None else error.column + 1
    return {
        "message": error.message,
        "code": INVALID_EXPRESSION if syntax else problem_code(error),
        "column": error.column,
        "end_column": max(end, error.column + 1),
    }


def _kind(body: Mapping[str, object]) -> TextKind:
    kind = text_field(body, "kind", required=True)
    for known in KINDS:
        if kind == known:
            return known
    raise ApiError(400, f"/kind must be 'expression' or 'template', not '{kind[:40]}'")


def _declared(body: Mapping[str, object]) -> dict[str, Variable]:
    """The variables the text may read: the draft's, then those the body names."""
    declared = _from_draft(body.get("document"))
    given = body.get("variables")
    if given is None:
        return declared
    if not isinstance(given, dict):
        raise ApiError(400, "/variables must be an object: variable name → type")
    for name, value in given.items():
        declared[name] = Variable(type=_type_of(name, value))
    return declared


def _type_of(name: str, value: object) -> str:
    """The type a body gives a variable: `"number"`, or `{"type": "number", ...}`."""
    if isinstance(value, dict):
        value = value.get("type", Variable().type)
    if not isinstance(value, str):
        raise ApiError(
            400,
            f"/variables/{name[:64]} must be a type name (such as 'number') or a declaration "
            'such as {"type": "number"}',
        )
    return value


def _from_draft(document: object) -> dict[str, Variable]:
    """The variables a flow draft declares, read leniently (a draft may be broken anywhere)."""
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ApiError(400, "/document must be a flow object")
    variables = document.get("variables")
    if not isinstance(variables, dict):
        return {}
    out = {}
    for name, declaration in variables.items():
        if isinstance(declaration, dict):
            declared = declaration.get("type", Variable().type)
            out[name] = Variable(type=declared if isinstance(declared, str) else UNREADABLE)
        else:
            out[name] = Variable(type=UNREADABLE)
    return out
