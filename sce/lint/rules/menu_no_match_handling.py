"""SCE302 menu-no-match-handling: a menu that does nothing helpful after a wrong key."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Collect, Menu


@rule("SCE302", "menu-no-match-handling", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A menu or collect has no `no_match` prompt, no `no_input` prompt and no `exhausted` exit.

    **What it does:** reports each `menu` and `collect` node that handles neither a wrong key nor
    silence in any way: no prompt to say what went wrong and no exit for a caller who cannot
    get it right.

    **Why is this bad?** A caller who presses a wrong key, or nothing, hears the same question
    again with no hint of what went wrong, and when the retries are used up the call simply
    stops. That is the caller who most needs help.

    **Example:**

        menu main {
          prompt { text { en-US = "For your balance press 1, for an agent press 0." } }
          choices = [ { key = "1", next -> balance }, { key = "0", next -> agent } ]
          timeout = 5
        }

    **Use instead:**

        menu main {
          prompt { text { en-US = "For your balance press 1, for an agent press 0." } }
          choices = [ { key = "1", next -> balance }, { key = "0", next -> agent } ]
          timeout = 5
          no_match { text { en-US = "Sorry, that is not one of the choices." } }
          no_input { text { en-US = "Sorry, I did not hear anything." } }
          exhausted -> agent
        }
    """
    for nid, node in ctx.nodes_of(Menu, Collect):
        if node.no_match is None and node.no_input is None and node.exhausted is None:
            wrong = "presses a wrong key" if isinstance(node, Menu) else "enters wrong digits"
            yield ctx.report(
                "SCE302",
                f"{node.type} '{nid}' has no no_match prompt, no no_input prompt and no "
                f"exhausted exit: a caller who {wrong} or presses nothing hears nothing helpful. "
                "Add a no_match and a no_input prompt, and an exhausted exit.",
                ctx.ptr(nid),
                nid,
            )
