"""SCE512 http-internal-address."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE512"


@rule(CODE, "http-internal-address", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """An http node calls a literal loopback, private or link-local address.

    **What it does:** reports an `http` node whose `url` names an IP address that is not public
    (`127.0.0.1`, `10.1.2.3`, `192.168.0.5`, `169.254.169.254`, `[::1]`), unless that address
    (and port) is listed in `http-allow` by an operator.

    **Why is this bad?** Internal addresses are the server's own neighbourhood: cloud metadata
    (`169.254.169.254` gives out credentials), databases, admin consoles. The runtime refuses
    them unless an operator listed them, so the node fails on every call; and a flow that means
    to reach an internal system should name it, so that the operator decides.

    **Example:**

        http lookup { url = "http://169.254.169.254/latest/meta-data/", timeout = 3,
                      next -> say, error -> sorry }

    **Use instead:** a business system by its name, listed in `http-allow`:

        http lookup { url = "https://core.bank.example/balance/{caller}", timeout = 3,
                      next -> say, error -> sorry }
    """
    for nid, problem in ctx.url_problems:
        if problem.kind == "internal":
            yield ctx.report(
                CODE, f"http node '{nid}': {problem.message}", ctx.ptr(nid, "url"), nid
            )
