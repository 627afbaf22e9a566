"""SCE303 duplicate-dtmf-key: found by the compiler's analysis."""

from __future__ import annotations

from collections.abc import Iterable

from sce.compiler.analysis import DUPLICATE_KEY
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(DUPLICATE_KEY, "duplicate-dtmf-key", Severity.ERROR)
def check(ctx: LintContext) -> Iterable[Diagnostic]:
    """A menu uses the same key twice, or its `repeat_key` is also one of its choices.

    **What it does:** checks that the keys of a menu's choices, and its repeat key, are all
    different.

    **Why is this bad?** A caller who presses that key can only ever reach one of the two
    choices; the other is dead, and the prompt promises something the menu does not do. The
    compiler refuses such a flow.

    **Example:**

        menu main {
          prompt { text { en-US = "For your balance press 1, for an agent press 2." } }
          choices = [ { key = "1", next -> balance }, { key = "1", next -> agent } ]
          exhausted -> agent
        }

    **Use instead:** `{ key = "2", next -> agent }`.
    """
    return [d for d in ctx.facts.diagnostics if d.code == DUPLICATE_KEY]
