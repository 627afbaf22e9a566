"""SCE507 invalid-schedule: found by the compiler's analysis, reported here."""

from __future__ import annotations

from collections.abc import Iterator

from sce.compiler.analysis import INVALID_SCHEDULE
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule(INVALID_SCHEDULE, "invalid-schedule", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A schedule has an unknown time zone, empty opening hours or an impossible date.

    **What it does:** reports a `schedule` node whose `timezone` is not an IANA time zone name
    (`Europe/London`, `Asia/Shanghai`), whose opening hours close when they open (`09:00` to
    `09:00`), or whose holiday is an impossible date (`2025-02-30`). The compiler refuses such a
    flow. A range that closes before it opens (`22:00` to `02:00`) runs past midnight.

    **Why is this bad?** The schedule decides whether a caller reaches an agent or a closed
    message. With a wrong time zone the centre "opens" hours early or late; an empty range is
    never open; an impossible holiday never happens.

    **Example:**

        schedule hours {
          timezone = "London"
          hours { mon = [ { start = "09:00", end = "09:00" } ] }
          holidays = [ { date = "2025-02-30" } ]
          open -> menu, closed -> closed, holiday -> closed
        }

    **Use instead:**

        schedule hours {
          timezone = "Europe/London"
          hours { mon = [ { start = "09:00", end = "17:00" } ] }
          holidays = [ { date = "2025-12-25", name = "Christmas Day" } ]
          open -> menu, closed -> closed, holiday -> closed
        }
    """
    for d in ctx.facts.diagnostics:
        if d.code == INVALID_SCHEDULE:
            yield d
