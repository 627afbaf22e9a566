"""SCE101 missing-start: found by the compiler's analysis."""

from __future__ import annotations

from collections.abc import Iterable

from sce.compiler.analysis import MISSING_START
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(MISSING_START, "missing-start", Severity.ERROR)
def check(ctx: LintContext) -> Iterable[Diagnostic]:
    """The flow has no `start`, or its `start` names a node that does not exist.

    **What it does:** checks that the flow says where a call begins, and that this node exists.

    **Why is this bad?** A call that arrives has nowhere to go: the phone line answers and hangs
    up at once. The compiler refuses such a flow.

    **Example:**

        flow balance { start -> welcom }
        play welcome { prompt { text { en-US = "Welcome." } }, next -> bye }
        hangup bye {}

    **Use instead:**

        flow balance { start -> welcome }
    """
    return [d for d in ctx.facts.diagnostics if d.code == MISSING_START]
