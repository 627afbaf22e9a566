"""SCE501 http-without-error-exit."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Http

CODE = "SCE501"


@rule(CODE, "http-without-error-exit")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """An http node has no `error` exit for when the business system fails.

    **What it does:** reports an `http` node without an `error` exit.

    **Why is this bad?** Business systems fail: the server is down, answers with an error, or
    takes too long. Without an `error` exit the call has no planned way on at that moment and the
    caller is cut off or falls into the flow's generic error handling, instead of hearing an
    apology and being offered an agent.

    **Example:**

        http lookup { url = "https://bank.example/balance/{caller}", timeout = 3, next -> say }

    **Use instead:**

        http lookup { url = "https://bank.example/balance/{caller}", timeout = 3, next -> say,
                      error -> sorry_agent }
    """
    for nid, node in ctx.nodes_of(Http):
        if node.error is None:
            yield ctx.report(
                CODE,
                f"http node '{nid}' has no error exit: when the business "
                "system fails or does not answer, the call has nowhere to go; add "
                "an error exit to a node that apologises or transfers to an agent",
                ctx.ptr(nid),
                nid,
            )
