"""SCE505 schedule-without-closed-path."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Schedule

CODE = "SCE505"


@rule(CODE, "schedule-without-closed-path")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A schedule has no `closed` exit for calls outside business hours.

    **What it does:** reports a `schedule` node without a `closed` exit.

    **Why is this bad?** Most calls outside business hours are the ones that most need a
    message: the opening hours, a voicemail, a web address. Without a `closed` exit the caller
    who rings at night has nowhere to go.

    **Example:**

        schedule hours { timezone = "Europe/London", hours { mon = [{ start = "09:00",
          end = "17:00" }] }, open -> menu }

    **Use instead:**

        schedule hours { timezone = "Europe/London", hours { mon = [{ start = "09:00",
          end = "17:00" }] }, open -> menu, closed -> closed_message }
    """
    for nid, node in ctx.nodes_of(Schedule):
        if node.closed is None:
            yield ctx.report(
                CODE,
                f"schedule '{nid}' has no closed exit: callers outside "
                "business hours have nowhere to go; add a closed exit to a message "
                "with the opening hours or a voicemail",
                ctx.ptr(nid),
                nid,
            )
