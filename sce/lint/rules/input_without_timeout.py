"""SCE301 input-without-timeout: a menu or collect that does not say how long to wait."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Collect, Menu


@rule("SCE301", "input-without-timeout", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A menu or collect node has no `timeout`.

    **What it does:** reports each `menu` and `collect` node that does not say how many seconds
    to wait for the caller's first key.

    **Why is this bad?** How long the caller is given to answer is a design decision: too short
    and slow callers are cut off, too long and everyone sits in silence. Without a timeout the
    wait is whatever the phone platform happens to use, which differs between platforms and is
    not visible in the flow.

    **Example:**

        menu main {
          prompt { text { en-US = "For your balance press 1." } }
          choices = [ { key = "1", next -> balance } ]
          exhausted -> agent
        }

    **Use instead:** add `timeout = 5` (seconds) to the menu.
    """
    for nid, node in ctx.nodes_of(Menu, Collect):
        if node.timeout is None:
            what = "the caller's choice" if isinstance(node, Menu) else "the caller's digits"
            yield ctx.report(
                "SCE301",
                f"{node.type} '{nid}' has no timeout: how long it waits for {what} is left to "
                "the phone platform. Add a timeout in seconds, for example timeout = 5.",
                ctx.ptr(nid),
                nid,
            )
