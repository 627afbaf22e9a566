"""SCE503 transfer-without-failure-exit."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Transfer

CODE = "SCE503"


@rule(CODE, "transfer-without-failure-exit")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A transfer has no `failure` exit, or a `leave_key` and `leave` exit without each other.

    **What it does:** reports a `transfer` node without a `failure` exit; and one whose
    `leave_key` is set without a `leave` exit, or whose `leave` exit is set without a
    `leave_key`.

    **Why is this bad?** A transfer fails more often than one thinks: no agent is logged in, the
    queue is closed, the waiting time runs out, the number is busy. Without `failure` the caller
    is simply cut off. A `leave_key` with no `leave` exit promises callers a way back to
    self-service that goes nowhere; a `leave` exit with no key can never be taken.

    **Example:**

        transfer agent { queue = "support", leave_key = "*" }

    **Use instead:**

        transfer agent { queue = "support", leave_key = "*", leave -> main, failure -> voicemail }
    """
    for nid, node in ctx.nodes_of(Transfer):
        if node.failure is None:
            yield ctx.report(
                CODE,
                f"transfer '{nid}' has no failure exit: when no agent is "
                "free, the queue is closed or the number is busy, the caller is cut "
                "off; add a failure exit to a message, a voicemail or a callback "
                "offer",
                ctx.ptr(nid),
                nid,
            )
        if node.leave_key is not None and node.leave is None:
            yield ctx.report(
                CODE,
                f"transfer '{nid}' lets callers press {node.leave_key} to "
                "leave the queue but has no leave exit; add a leave exit (for "
                "example back to the main menu) or remove leave_key",
                ctx.ptr(nid, "leave_key"),
                nid,
            )
        elif node.leave is not None and node.leave_key is None:
            yield ctx.report(
                CODE,
                f"transfer '{nid}' has a leave exit but no leave_key, so "
                'callers can never take it; set leave_key (for example "*") or '
                "remove the leave exit",
                ctx.ptr(nid, "leave"),
                nid,
            )
