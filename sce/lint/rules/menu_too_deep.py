"""SCE602 menu-too-deep."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE602"

#: At most this many menus are named in a message; a longer way is shortened with "…".
SHOWN = 8
MENUS = frozenset({"menu"})


@rule(CODE, "menu-too-deep")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A menu lies deeper below the start than callers will follow.

    **What it does:** counts, for every menu reachable from the start, the menus a caller goes
    through on the shortest way there, the menu itself included (the first menu is at depth 1),
    and reports each menu deeper than `max-menu-depth` (3 unless set under `[tool.sce]`), with
    the menus on the way.

    **Why is this bad?** Each menu level costs the caller the time to listen to all its options
    and a decision. After three levels callers lose track of where they are, press 0 or hang up,
    and the option at the bottom is never used.

    **Example:** main menu → accounts → cards → lost or stolen card → confirm.

    **Use instead:** a flatter tree: "to report a lost or stolen card press 1" in the main menu,
    or ask what the caller wants once and branch on it.
    """
    nodes = ctx.flow.nodes
    limit = ctx.settings.max_menu_depth
    steps = ctx.steps_from_start(MENUS)
    for nid, depth in steps.cost.items():
        if nodes[nid].type == "menu" and depth > limit:
            menus = [m for m in steps.way(nid) if nodes[m].type == "menu"]
            if len(menus) > SHOWN:
                menus = ["…", *menus[-SHOWN:]]
            yield ctx.report(
                CODE,
                f"menu '{nid}' is {depth} menus deep (limit {limit}): {' → '.join(menus)}; "
                "callers get lost this far down: move it up, or offer its choices in an "
                "earlier menu",
                ctx.ptr(nid),
                nid,
            )
