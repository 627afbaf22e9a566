"""SCE102 unknown-target: found by the compiler's analysis."""

from __future__ import annotations

from collections.abc import Iterable

from sce.compiler.analysis import UNKNOWN_TARGET
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(UNKNOWN_TARGET, "unknown-target", Severity.ERROR)
def check(ctx: LintContext) -> Iterable[Diagnostic]:
    """An exit (`next`, a menu key, a branch case, `on_error`, ...) goes to a node that does not exist.

    **What it does:** checks that every exit of every node, and the flow's `on_error`, names a node
    of the flow.

    **Why is this bad?** A caller who takes that exit has nowhere to go and the call fails. It is
    usually a typo or a node that was renamed or deleted. The compiler refuses such a flow.

    **Example:**

        menu main {
          prompt { text { en-US = "For your balance press 1." } }
          choices = [ { key = "1", next -> balance_lookp } ]
          exhausted -> bye
        }

    **Use instead:** name an existing node: `{ key = "1", next -> balance_lookup }`.
    """
    return [d for d in ctx.facts.diagnostics if d.code == UNKNOWN_TARGET]
