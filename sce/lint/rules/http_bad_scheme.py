"""SCE510 http-bad-scheme."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE510"


@rule(CODE, "http-bad-scheme", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """An http node's URL is not an http or https URL, or carries a user name and password.

    **What it does:** reports an `http` node whose `url` starts with another scheme (`file://`,
    `gopher://`, `ftp://`), with no scheme at all, names no valid host, or holds credentials
    (`https://user:secret@host/`).

    **Why is this bad?** The runtime fetches only http and https, and never sends credentials
    written into a URL (they end up in logs and in the flow's history): when the call reaches the
    node, the fetch is refused and the caller takes the `error` exit, every time. A `file://` or
    `gopher://` URL is also how a flow would be made to read the server's own files or talk to
    internal services.

    **Example:**

        http lookup { url = "file:///var/data/balances.json", timeout = 3, next -> say,
                      error -> sorry }

    **Use instead:**

        http lookup { url = "https://core.bank.example/balances/{caller}", timeout = 3,
                      headers = { Authorization = "Bearer {token}" }, next -> say,
                      error -> sorry }
    """
    for nid, problem in ctx.url_problems:
        if problem.kind == "scheme":
            yield ctx.report(
                CODE, f"http node '{nid}': {problem.message}", ctx.ptr(nid, "url"), nid
            )
