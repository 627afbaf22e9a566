"""SCE506 schedule-without-holidays."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Schedule

CODE = "SCE506"


@rule(CODE, "schedule-without-holidays")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A schedule lists no holidays and has no `holiday` exit.

    **What it does:** reports a `schedule` node with an empty `holidays` list and no `holiday`
    exit.

    **Why is this bad?** Every centre is closed on some days of the year. A schedule that knows
    only weekdays tells callers on Christmas Day that the centre is open and queues them for
    agents who are not there. List the holidays (a holiday with `hours` opens only those hours),
    or route the `holiday` exit, so the days are stated in the flow.

    **Example:**

        schedule hours { timezone = "Europe/London", hours { mon = [{ start = "09:00",
          end = "17:00" }] }, open -> menu, closed -> closed_message }

    **Use instead:**

        schedule hours { timezone = "Europe/London", hours { mon = [{ start = "09:00",
          end = "17:00" }] }, holidays = [{ date = "2025-12-25", name = "Christmas Day" }],
          open -> menu, closed -> closed_message, holiday -> holiday_message }
    """
    for nid, node in ctx.nodes_of(Schedule):
        if not node.holidays and node.holiday is None:
            yield ctx.report(
                CODE,
                f"schedule '{nid}' lists no holidays and has no holiday exit: "
                "on public holidays the centre counts as open like any other day; "
                "list the days it is closed under holidays",
                ctx.ptr(nid),
                nid,
            )
