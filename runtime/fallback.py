"""What a call gets when its engine cannot run it (the store is down, a bug): the flow's own
error policy, read from the compiled flow without running it.

The policy is the flow's `on_error` handler when it leads, through `play` steps, to a
transfer: the caller hears those prompts (or an apology that says they are put through) and is
transferred, for good. A flow without such a handler says sorry and goodbye, as the engine does
when it gives up.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress

from runtime import actions as act
from runtime.handlers.outside import transfer_action
from runtime.prompts import ActionCache, prompt_of, put_through, sorry
from sce import expr
from sce.compiler.ir import DONE, CompiledFlow


def error_policy(
    flow: CompiledFlow, values: Mapping[str, object]
) -> tuple[list[act.Play], act.Transfer | None]:
    """The prompts the caller hears, and the transfer they lead to (None: goodbye)."""
    language = str(values.get("language") or flow.default_language)
    prompts = ActionCache(flow)
    plays: list[act.Play] = []
    target = flow.on_error
    for _ in range(len(flow.states)):
        state = flow.states.get(target or "")
        if state is None or state.type not in ("play", "transfer"):
            break
        if state.type == "transfer":
            transfer = transfer_action(state, language, values, lenient=True)
            if not (transfer.queue or transfer.number):
                break
            return plays or [put_through(language)], transfer
        with suppress(expr.ExprError):
            play = prompts.play(state.id, "prompt", prompt_of(state, "prompt"), language, values)
            if play is not None:
                plays.append(play)
        target = state.on.get(DONE)
    return [sorry(language)], None
