"""SCE602 menu-too-deep."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE602"

#: At most this many menus are named in a message; a longer way is shortened with "…".
SHOWN = 8


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
    flow = ctx.flow
    start = flow.start
    if start not in flow.nodes:
        return
    limit = ctx.settings.max_menu_depth
    is_menu = {nid: node.type == "menu" for nid, node in flow.nodes.items()}
    depth, up = _menu_depths(ctx, start, is_menu)
    for nid, d in depth.items():
        if is_menu[nid] and d > limit:
            yield ctx.report(
                CODE,
                f"menu '{nid}' is {d} menus deep (limit {limit}): "
                f"{_way(nid, up)}; callers get lost this far down: move it up, or "
                "offer its choices in an earlier menu",
                ctx.ptr(nid),
                nid,
            )


def _menu_depths(
    ctx: LintContext, start: str, is_menu: dict[str, bool]
) -> tuple[dict[str, int], dict[str, str | None]]:
    """Menus on the shortest way from the start to each node (0-1 BFS: a menu weighs 1), and
    the menu before each node on that way."""
    graph = ctx.graph
    depth = {start: int(is_menu[start])}
    parent: dict[str, str | None] = {start: None}
    up: dict[str, str | None] = {}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        if u in up:
            continue
        p = parent[u]
        up[u] = None if p is None else p if is_menu[p] else up[p]
        du = depth[u]
        for v in graph.successors(u):
            dv = du + is_menu[v]
            if dv < depth.get(v, dv + 1):
                depth[v] = dv
                parent[v] = u
                if is_menu[v]:
                    queue.append(v)
                else:
                    queue.appendleft(v)
    return depth, up


def _way(nid: str, up: dict[str, str | None]) -> str:
    """The menus on the way to `nid`, the first ones elided when there are many."""
    menus = [nid]
    m = up[nid]
    while m is not None and len(menus) < SHOWN:
        menus.append(m)
        m = up[m]
    if m is not None:
        menus.append("…")
    return " → ".join(reversed(menus))
