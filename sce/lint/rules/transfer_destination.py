"""SCE504 transfer-destination: found by the compiler's analysis, reported here."""

from __future__ import annotations

from collections.abc import Iterator

from sce.compiler.analysis import NO_DESTINATION
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(NO_DESTINATION, "transfer-destination", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A transfer needs exactly one destination: a queue or a phone number.

    **What it does:** reports a `transfer` node that has neither a `queue` nor a `number`, or
    both at once. The compiler refuses such a flow, so a deploy with it is rejected.

    **Why is this bad?** With no destination the call cannot go anywhere when the caller asks for
    a person; with both, nobody can tell whether the call should wait in the queue or ring the
    number, and the platform would have to guess.

    **Example:**

        transfer agent { failure -> sorry }
        transfer agent { queue = "support", number = "+442079460000", failure -> sorry }

    **Use instead:**

        transfer agent { queue = "support", failure -> sorry }
    """
    for d in ctx.facts.diagnostics:
        if d.code == NO_DESTINATION:
            yield d
