"""SCE205 invalid-pattern: found by the compiler's analysis."""

from __future__ import annotations

from collections.abc import Iterable

from sce.compiler.analysis import INVALID_PATTERN
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(INVALID_PATTERN, "invalid-pattern", Severity.ERROR)
def check(ctx: LintContext) -> Iterable[Diagnostic]:
    """A pattern cannot work: a collect's bad `pattern` or `min_digits` above `max_digits`, or a
    `matches()` pattern the runtime would refuse.

    **What it does:** checks that a collect node's `pattern`, and the pattern written in each
    `matches(text, '...')`, is a regular expression that runs in linear time (no look-around, no
    back-references), and that a collect does not ask for more digits at least (`min_digits`)
    than at most (`max_digits`).

    **Why is this bad?** No caller could ever enter digits that pass: every attempt is refused
    until the retries run out; a `matches()` the runtime refuses sends the call to the flow's
    error policy. The compiler refuses such a flow.

    **Example:**

        collect account {
          prompt { text { en-US = "Please enter your account number." } }
          variable = account_number
          min_digits = 10
          max_digits = 8
          pattern = "[0-9{8}"
        }

    **Use instead:** `min_digits = 8`, `max_digits = 10`, `pattern = "[0-9]{8,10}"`.
    """
    return [d for d in ctx.facts.diagnostics if d.code == INVALID_PATTERN]
