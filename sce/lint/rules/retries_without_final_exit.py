"""SCE304 retries-without-final-exit: a menu or collect with nowhere to go after the last retry."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Collect, Menu


@rule("SCE304", "retries-without-final-exit", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A menu or collect node has no `exhausted` exit for when the retries run out.

    **What it does:** reports each `menu` and `collect` node without an `exhausted` exit, however
    many `retries` it allows (even `retries = 0`: the first wrong key or silence uses them up).

    **Why is this bad?** After the last wrong key or silence the call has nowhere to go, and
    ends without a word. A caller who struggles with the keypad should be handed to an agent,
    or at least told goodbye politely.

    **Example:**

        collect account {
          prompt { text { en-US = "Please enter your account number." } }
          variable = account_number
          timeout = 5
          retries = 2
          next -> lookup
        }

    **Use instead:** add `exhausted -> agent` (or to a polite goodbye).
    """
    for nid, node in ctx.nodes_of(Menu, Collect):
        if node.retries >= 0 and node.exhausted is None:
            tries = node.retries + 1
            attempts = "1 attempt" if tries == 1 else f"{tries} attempts"
            yield ctx.report(
                "SCE304",
                f"{node.type} '{nid}' has no exhausted exit: after {attempts} without a valid "
                "answer the call would end without a word. Add an exhausted exit to an agent "
                "(transfer) or a goodbye (hangup).",
                ctx.ptr(nid),
                nid,
            )
