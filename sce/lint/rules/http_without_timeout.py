"""SCE502 http-without-timeout."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Http

CODE = "SCE502"


@rule(CODE, "http-without-timeout")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """An http node has no `timeout`, so a hung business system holds the caller in silence.

    **What it does:** reports an `http` node without a `timeout`.

    **Why is this bad?** While the request runs the caller hears nothing. The webhook platform
    gives up on the whole request after 15 seconds, so a business system that hangs ends the
    call's turn with an error from the platform, not with the flow's `error` exit. A timeout of a
    few seconds lets the flow take its own error path in time.

    **Example:**

        http lookup { url = "https://bank.example/balance/{caller}", next -> say, error -> sorry }

    **Use instead:**

        http lookup { url = "https://bank.example/balance/{caller}", timeout = 5, next -> say,
                      error -> sorry }
    """
    for nid, node in ctx.nodes_of(Http):
        if node.timeout is None:
            yield ctx.report(
                CODE,
                f"http node '{nid}' has no timeout: the phone platform gives "
                "up after 15 s, so a business system that hangs holds the caller in "
                "silence; set a timeout of a few seconds (for example timeout = 5)",
                ctx.ptr(nid),
                nid,
            )
