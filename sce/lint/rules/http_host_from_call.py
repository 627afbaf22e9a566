"""SCE511 http-host-from-call."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE511"


@rule(CODE, "http-host-from-call", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """An http node's host or port is built from the call's values.

    **What it does:** reports an `http` node whose `url` has an `{expression}` before the end of
    its host and port (`https://{host}/...`, `{base_url}/balance`,
    `https://api.{region}.bank.example/`).

    **Why is this bad?** Nobody can check before a call what such a node will call: a value the
    caller typed, or a business system's reply, decides which machine the server talks to. That
    is how a flow is made to reach internal services (server-side request forgery). The runtime
    refuses every host outside `http-allow`, so at best the node fails at run time; at worst an
    allowed wildcard lets the caller choose among hosts. Put values in the path, the query or the
    body; choose among known hosts with a `branch`.

    **Example:**

        http lookup { url = "https://{region}.bank.example/balance", timeout = 3, next -> say,
                      error -> sorry }

    **Use instead:**

        http lookup { url = "https://core.bank.example/{region}/balance", timeout = 3,
                      next -> say, error -> sorry }
    """
    for nid, problem in ctx.url_problems:
        if problem.kind == "from-call":
            yield ctx.report(
                CODE, f"http node '{nid}': {problem.message}", ctx.ptr(nid, "url"), nid
            )
