"""SCE203 undefined-variable: found by the compiler's analysis."""

from __future__ import annotations

from collections.abc import Iterable

from sce.compiler.analysis import UNDEFINED_VARIABLE
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(UNDEFINED_VARIABLE, "undefined-variable", Severity.ERROR)
def check(ctx: LintContext) -> Iterable[Diagnostic]:
    """A variable is read or assigned but not declared.

    **What it does:** checks that every variable an expression or text reads, and every variable
    a `set`, `collect`, `record`, `http` or `subflow` node fills in, is declared with `var` (or
    is a built-in value such as `caller`).

    **Why is this bad?** A misspelt name (`balanse`) would be empty during the call: the caller
    hears "your balance is" and nothing. The compiler refuses such a flow.

    **Example:**

        var balance: number = 0
        play say_balance { prompt { text { en-US = "Your balance is {balanse}." } }, next -> bye }

    **Use instead:**

        play say_balance { prompt { text { en-US = "Your balance is {balance}." } }, next -> bye }
    """
    return [d for d in ctx.facts.diagnostics if d.code == UNDEFINED_VARIABLE]
