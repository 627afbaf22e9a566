"""SCE202 expression-type: found by the compiler's analysis."""

from __future__ import annotations

from collections.abc import Iterable

from sce.compiler.analysis import TYPE_ERROR
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(TYPE_ERROR, "expression-type", Severity.ERROR)
def check(ctx: LintContext) -> Iterable[Diagnostic]:
    """An expression mixes values of the wrong kinds, such as a number compared with a text.

    **What it does:** checks each expression against the declared types of the variables it
    reads (`var balance: number`) and the types of the built-in values (`caller` is a text).

    **Why is this bad?** `balance > "100"` compares a number with a text: it can never work as
    meant, and during a live call it would fail. The compiler refuses such a flow.

    **Example:**

        var balance: number = 0
        branch rich { cases = [ { when = "balance > '100'", next -> gold } ], default -> main }

    **Use instead:**

        branch rich { cases = [ { when = "balance > 100", next -> gold } ], default -> main }
    """
    return [d for d in ctx.facts.diagnostics if d.code == TYPE_ERROR]
