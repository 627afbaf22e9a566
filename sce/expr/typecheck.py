"""One text of a flow, parsed and type-checked in one step: an expression (a branch condition,
a `set` value, a priority) or a template (a prompt with `{...}` parts).

The compiler's analysis (and so the linter) checks every text of a flow with `check_text`, and the
designer's live check (`POST /api/expressions`) checks the one being typed with it too, so the two
never disagree. Cost is bounded by the parser's limits on length and nesting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sce.expr.ast import Node
from sce.expr.errors import ExprError
from sce.expr.parser import parse_expression
from sce.expr.template import Template, parse_template
from sce.expr.types import check

#: The kinds of text: what a field holds says which it is (`sce.compiler.fields.texts`).
TextKind = Literal["expression", "template"]
KINDS: tuple[TextKind, ...] = ("expression", "template")


@dataclass(frozen=True)
class CheckedText:
    """What checking a text found: its tree (None when it does not parse), the type of its value
    when it checks (a template's is `string`; None when there are problems), and every problem,
    each with columns in the whole text (a syntax error is the only one, as parsing stops)."""

    parsed: Node | Template | None
    type: str | None
    errors: tuple[ExprError, ...]

    @property
    def syntax_ok(self) -> bool:
        return self.parsed is not None

    def expressions(self) -> list[Node]:
        """The expression trees the text holds: one, or the `{...}` parts of a template."""
        if isinstance(self.parsed, Template):
            return [node for node, _ in self.parsed.expressions()]
        return [] if self.parsed is None else [self.parsed]


def check_text(kind: TextKind, source: str, variables: Mapping[str, str]) -> CheckedText:
    """Parse `source` as `kind` and check it against the variables' types (name → type name,
    the built-in values included: see `sce.compiler.analysis.variable_types`)."""
    parsed: Node | Template
    try:
        parsed = parse_expression(source) if kind == "expression" else parse_template(source)
    except ExprError as e:
        return CheckedText(None, None, (e,))
    if isinstance(parsed, Template):
        errors = tuple(parsed.check(variables))
        return CheckedText(parsed, None if errors else "string", errors)
    value, problems = check(parsed, variables)
    return CheckedText(parsed, None if problems else value, tuple(problems))
