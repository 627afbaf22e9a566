"""SCE605 long-path-to-agent."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Transfer

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
    nodes = ctx.flow.nodes
    transfers = [nid for nid, _ in ctx.nodes_of(Transfer)]
    steps = ctx.steps_from_start(CALLER_STEPS)
    reached = [nid for nid in transfers if nid in steps.cost]
    if not reached:
        return  # no transfer, or none reachable: other rules say so
    nearest = min(reached, key=lambda nid: steps.cost[nid])
    limit = ctx.settings.max_steps_to_agent
    if steps.cost[nearest] > limit:
        path = steps.way(nearest)
        shown = [nid for nid in path if nodes[nid].type in CALLER_STEPS] + [nearest]
        if len(shown) > SHOWN:
            shown = [*shown[: SHOWN // 2], "…", *shown[-(SHOWN // 2) :]]
        yield ctx.report(
            CODE,
            f"callers need at least {steps.cost[nearest]} steps to reach an agent (limit "
            f"{limit}): {' → '.join(shown)}; offer an agent earlier, for example "
            "with a key in the first menu",
            "/start",
        )
