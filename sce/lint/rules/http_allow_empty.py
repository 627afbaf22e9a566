"""SCE514 http-allow-empty."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE514"


@rule(CODE, "http-allow-empty", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A flow calls business systems, but `http-allow` lists none.

    **What it does:** reports each `http` node when `http-allow` in `[tool.sce.runtime]` (or
    `SCE_HTTP_ALLOW` on the server) is empty.

    **Why is this bad?** With nothing listed, the runtime may call no host at all: every http
    node takes its `error` exit on every call (the simulator's stubs still answer, so test calls
    do not show it). List the business systems the flows call.

    **Example:** a flow with

        http lookup { url = "https://core.bank.example/balance/{caller}", timeout = 3,
                      next -> say, error -> sorry }

    and no `http-allow` setting.

    **Use instead:** in pyproject.toml,

        [tool.sce.runtime]
        http-allow = ["*.bank.example"]
    """
    for nid, problem in ctx.url_problems:
        if problem.kind == "nothing-allowed":
            yield ctx.report(
                CODE, f"http node '{nid}': {problem.message}", ctx.ptr(nid, "url"), nid
            )
