"""SCE201 invalid-expression: found by the compiler's analysis."""

from __future__ import annotations

from collections.abc import Iterable

from sce.compiler.analysis import INVALID_EXPRESSION
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(INVALID_EXPRESSION, "invalid-expression", Severity.ERROR)
def check(ctx: LintContext) -> Iterable[Diagnostic]:
    """An expression or a `{...}` part of a text cannot be read, or calls an unknown function.

    **What it does:** parses every branch condition, `set` value, subflow input, transfer priority
    and every `{...}` in prompts, URLs and messages, and reports those that are not valid.

    **Why is this bad?** The flow cannot decide or say anything with an expression it cannot
    read. The compiler refuses such a flow.

    **Example:**

        branch vip { cases = [ { when = "balance >> 1000", next -> gold } ], default -> main }

    **Use instead:**

        branch vip { cases = [ { when = "balance > 1000", next -> gold } ], default -> main }
    """
    return [d for d in ctx.facts.diagnostics if d.code == INVALID_EXPRESSION]
