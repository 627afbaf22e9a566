"""SCE204 unused-variable: a declared variable whose value nothing uses."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity, escape_pointer, node_of
from sce.lint.context import LintContext
from sce.lint.rule import rule


@rule("SCE204", "unused-variable", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A declared variable is never read by any expression or text.

    **What it does:** reports each variable declared with `var` that no branch condition, `set`
    value, subflow input, transfer field, prompt, URL or message reads. A variable that is
    filled in (by `set`, `collect`, `http`, ...) but never read is reported too, and so is a
    counter that only its own update reads (`tries = "tries + 1"`). A subflow's
    `output` variables are exempt: the calling flow reads them.

    **Why is this bad?** It is clutter at best. More often it is a sign of a mistake: the
    account number is collected but the lookup URL uses another variable, or the value saved
    from the business system is never read out to the caller.

    **Example:**

        var account: string
        collect ask_account {
          prompt { text { en-US = "Please enter your account number." } }
          variable = account, timeout = 5, next -> lookup, exhausted -> agent
        }
        http lookup { url = "https://bank.example/balance/{caller}", timeout = 3,
                      next -> bye, error -> agent }

    **Use instead:** use it (`url = "https://bank.example/balance/{account}"`), or remove both
    the variable and what fills it in.
    """
    reads = ctx.facts.reads
    assigned = ctx.facts.assigned
    for name, var in ctx.flow.variables.items():
        if var.output:
            continue
        own = set(assigned.get(name, ()))
        if any(p not in own for p in reads.get(name, ())):
            continue  # read somewhere other than in its own new value (`tries = tries + 1`)
        writers = list(dict.fromkeys(n for p in assigned.get(name, ()) if (n := node_of(p))))
        if writers:
            where = ", ".join(f"'{n}'" for n in writers[:3]) + (", ..." if len(writers) > 3 else "")
            message = (
                f"variable '{name}' is filled in (by {where}) but never read: nothing uses its "
                "value. Use it in a prompt, condition or request, or remove it."
            )
        else:
            message = (
                f"variable '{name}' is declared but never used. Remove it, or use it in a "
                "prompt, condition or request."
            )
        yield ctx.report("SCE204", message, "/variables/" + escape_pointer(name))
