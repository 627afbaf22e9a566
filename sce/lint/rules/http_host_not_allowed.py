"""SCE513 http-host-not-allowed."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE513"


@rule(CODE, "http-host-not-allowed", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """An http node calls a host that `http-allow` does not list.

    **What it does:** reports an `http` node whose host and port match no entry of `http-allow`
    in `[tool.sce.runtime]` (or `SCE_HTTP_ALLOW` on the server), the list of business systems
    flows may call. The linter reads the same setting as the runtime; on a server, deploys are
    checked against the server's own list.

    **Why is this bad?** The runtime refuses every host outside the list: the node takes its
    `error` exit on every call, and the caller never gets the data. Usually the host is a typo
    or a system the operator has not approved yet.

    **Example:** with `http-allow = ["*.bank.example"]`,

        http lookup { url = "https://core.bank-example.com/balance/{caller}", timeout = 3,
                      next -> say, error -> sorry }

    **Use instead:**

        http lookup { url = "https://core.bank.example/balance/{caller}", timeout = 3,
                      next -> say, error -> sorry }
    """
    for nid, problem in ctx.url_problems:
        if problem.kind == "not-allowed":
            yield ctx.report(
                CODE, f"http node '{nid}': {problem.message}", ctx.ptr(nid, "url"), nid
            )
