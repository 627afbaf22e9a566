"""What a call waits for (a key, digits, a recording, the end of a transfer), said in words for
messages and for the console, and why a call ended."""

from __future__ import annotations

from runtime import actions as act
from runtime.handlers.common import choices
from runtime.simulator import SimulatedCall
from sce.compiler.ir import State

#: The end reason of a call the caller hung up (the engine emits no Hangup for it).
CALLER_HUNG_UP = "caller-hangup"

#: The actions a call can wait on for the caller.
Wait = act.Gather | act.Record | act.Transfer


def _state(call: SimulatedCall, node: str) -> State | None:
    s = call.session
    version = str(s.stack[-1]["version"]) if s.stack else s.version
    return call.sim.registry.get(version).states.get(node)


def describe_wait(call: SimulatedCall, waiting: Wait, *, brief: bool = False) -> str:
    """What the call waits for, in words; `brief` for messages, else with what to type."""
    if isinstance(waiting, act.Gather):
        state = _state(call, waiting.node)
        if state is not None and state.type == "menu":
            if brief:
                return f"a key at menu '{waiting.node}'"
            keys = [
                f"{c['key']} {c.get('label') or '(' + str(state.on.get('key:' + c['key'])) + ')'}"
                for c in choices(state)
            ]
            if state.params.get("repeat_key"):
                keys.append(f"{state.params['repeat_key']} repeat")
            text = "press a key: " + ", ".join(keys)
            if waiting.hints:
                text += f" (or say: {', '.join(waiting.hints)})"
        else:
            lo, hi = waiting.min_digits, waiting.max_digits
            count = f"{lo}" if lo == hi else f"{lo}-{hi}"
            if brief:
                return f"{count} digits at '{waiting.node}'"
            text = f"enter {count} digits" + (
                f" then {waiting.finish_on_key}" if waiting.finish_on_key else ""
            )
        return text + f"; empty line = silence ({waiting.timeout:g} s)"
    if isinstance(waiting, act.Record):
        if brief:
            return f"a recording at '{waiting.node}'"
        return (
            f"recording… (up to {waiting.max_length:g} s): `record URL SECONDS [TRANSCRIPT]`"
            ", or an empty line for no audio"
        )
    where = f"queue {waiting.queue}" if waiting.queue else f"a call to {waiting.number}"
    if brief:
        return f"the transfer to {where} at '{waiting.node}'"
    details = []
    if waiting.skills:
        details.append("skills " + ", ".join(waiting.skills))
    if waiting.priority is not None:
        details.append(f"priority {waiting.priority}")
    text = f"in {where}" + (f" ({', '.join(details)})" if details else "") + " — "
    if waiting.leave_key:
        text += f"keys: {waiting.leave_key} leave; "
    return text + "commands: queue SECONDS [POSITION] / answered / failed"


def end_reason(call: SimulatedCall) -> str:
    """Why the call ended: the flow's hangup reason, `transferred`, or `caller-hangup`."""
    for a in reversed(call.actions):
        if isinstance(a, act.Hangup):
            return a.reason or "hangup"
    return CALLER_HUNG_UP
