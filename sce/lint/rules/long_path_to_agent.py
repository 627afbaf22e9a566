"""SCE605 long-path-to-agent."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE605"

#: Nodes where the caller has to do something (press keys, speak): each is one step.
CALLER_STEPS = frozenset({"menu", "collect", "record"})
#: At most this many nodes are named in a message; a longer way is shortened with "…".
SHOWN = 10


@rule(CODE, "long-path-to-agent")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """Callers need too many steps to reach a person.

    **What it does:** finds the shortest way from the start to any `transfer`, counting the
    steps where the caller has to answer (each `menu`, `collect` and `record` on the way), and
    reports it at the flow's start when it has more steps than `max-steps-to-agent` (8 unless set
    under `[tool.sce]`). A flow without any transfer is not reported here.

    **Why is this bad?** Callers who want a person and cannot find one quickly press keys at
    random, give wrong answers to get through, or hang up and call again, which costs the
    centre a second call and the caller their patience.

    **Example:** an agent only behind main menu → accounts → cards → identify (account number,
    date of birth, PIN) → "something else" → "speak to us".

    **Use instead:** "for an agent press 0" in the main menu, identifying the caller once on the
    way to the transfer.
    """
    flow = ctx.flow
    start = flow.start
    nodes = flow.nodes
    if start not in nodes or not any(n.type == "transfer" for n in nodes.values()):
        return
    limit = ctx.settings.max_steps_to_agent
    weight = {nid: int(node.type in CALLER_STEPS) for nid, node in nodes.items()}
    found = _nearest_transfer(ctx, start, weight)
    if found is None:
        return  # no transfer can be reached: the reachability rules say so
    steps, path = found
    if steps > limit:
        shown = [nid for nid in path if weight[nid]] + [path[-1]]
        if len(shown) > SHOWN:
            shown = [*shown[: SHOWN // 2], "…", *shown[-(SHOWN // 2) :]]
        yield ctx.report(
            CODE,
            f"callers need at least {steps} steps to reach an agent (limit "
            f"{limit}): {' → '.join(shown)}; offer an agent earlier, for example "
            "with a key in the first menu",
            "/start",
        )


def _nearest_transfer(
    ctx: LintContext, start: str, weight: dict[str, int]
) -> tuple[int, list[str]] | None:
    """Caller steps and the way to the transfer with the fewest of them (0-1 BFS)."""
    nodes = ctx.flow.nodes
    graph = ctx.graph
    steps = {start: weight[start]}
    parent: dict[str, str | None] = {start: None}
    done: set[str] = set()
    queue = deque([start])
    while queue:
        u = queue.popleft()
        if u in done:
            continue
        done.add(u)
        if nodes[u].type == "transfer":
            path = [u]
            while (p := parent[path[-1]]) is not None:
                path.append(p)
            return steps[u], path[::-1]
        su = steps[u]
        for v in graph.successors(u):
            sv = su + weight[v]
            if sv < steps.get(v, sv + 1):
                steps[v] = sv
                parent[v] = u
                if weight[v]:
                    queue.append(v)
                else:
                    queue.appendleft(v)
    return None
