"""SCE601 too-many-choices."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Menu

CODE = "SCE601"


@rule(CODE, "too-many-choices")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A menu offers more choices than callers can keep in mind.

    **What it does:** reports a `menu` with more choices than `max-menu-choices` (5 unless set
    under `[tool.sce]`).

    **Why is this bad?** A caller hears the options one after the other and cannot read them
    again. By the seventh option the first ones are forgotten, so callers wait for the end,
    replay the menu, or press 0 for an agent. Keep menus short and group the rest in a submenu.

    **Example:** a menu with keys 1 to 8.

    **Use instead:** a menu with the four most asked-for choices, "for anything else press 5",
    and a submenu behind 5.
    """
    limit = ctx.settings.max_menu_choices
    for nid, node in ctx.nodes_of(Menu):
        if len(node.choices) > limit:
            yield ctx.report(
                CODE,
                f"menu '{nid}' offers {len(node.choices)} choices (limit "
                f"{limit}); callers forget the first ones before the end: keep the "
                "most used ones here and move the others to a submenu",
                ctx.ptr(nid, "choices"),
                nid,
            )
