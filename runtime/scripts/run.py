"""Running call scripts on a simulator: every call from its `at`, with its stubs, step by step
until the first expectation that does not hold, which becomes the call's `Failure`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from runtime import actions as act
from runtime.errors import Mismatch, RuntimeFault
from runtime.scripts.checks import CHECKS
from runtime.scripts.steps import ACTIONS, Script, ScriptCall, Step
from runtime.scripts.waits import describe_wait, end_reason
from runtime.simulator import SimulatedCall, Simulator


@dataclass(frozen=True)
class Failure:
    """The first step of a call that did not hold: where it is, and what happened instead."""

    path: str
    line: int
    call: str
    step: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.call}: {self.step}: {self.message}"


@dataclass
class CallResult:
    script: Script
    call: ScriptCall
    simulated: SimulatedCall | None
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None

    def to_data(self) -> dict[str, object]:
        sim = self.simulated
        return {
            "script": str(self.script.path),
            "call": self.call.name,
            "line": self.call.line,
            "passed": self.passed,
            "failure": str(self.failure) if self.failure else None,
            "path": sim.path if sim else [],
            "ended": sim.ended if sim else None,
        }


# -- the simulator ----------------------------------------------------------------------------


# -- running ----------------------------------------------------------------------------------


def run_script(
    script: Script,
    sim: Simulator,
    *,
    flow: str | None = None,
    caller: str | None = None,
    called: str | None = None,
) -> list[CallResult]:
    """Run every call of `script`; `flow`, `caller`, `called` are the defaults for calls that do
    not name their own. Each call starts at its `at` (else at the simulator's clock as it was)
    and with its stubs before the simulator's own."""
    start = sim.now
    base_stubs = sim.effects.stubs
    results = []
    try:
        for call in script.calls:
            sim.now = call.at if call.at is not None else start
            sim.effects.stubs = [*call.http, *base_stubs]
            results.append(_run_call(script, call, sim, flow, caller, called))
    finally:
        sim.effects.stubs = base_stubs
        sim.now = start
    return results


def _run_call(
    script: Script,
    call: ScriptCall,
    sim: Simulator,
    flow: str | None,
    caller: str | None,
    called: str | None,
) -> CallResult:
    flow_id = call.flow or flow
    result = CallResult(script, call, None)

    def failed(line: int, step: str, message: str) -> CallResult:
        result.failure = Failure(str(script.path), line, call.name, step, message)
        return result

    if flow_id is None:
        return failed(
            call.line, "flow", "no flow to call: give `flow:` or FLOW on the command line"
        )
    options = {
        k: v for k, v in (("caller", call.caller or caller), ("called", call.called or called)) if v
    }
    try:
        result.simulated = sim.call(flow_id, **options)
    except RuntimeFault as e:
        return failed(call.line, f"flow: {flow_id}", e.message)
    simulated = result.simulated
    turn_start = 0
    for step in call.steps:
        if step.kind in ACTIONS:
            before = len(simulated.turns)
            try:
                perform(simulated, step)
            except RuntimeFault as e:
                return failed(step.line, step.label, e.message)
            if step.kind != "wait":
                turn_start = before
            continue
        turn = [a for t in simulated.turns[turn_start:] for a in t.actions]
        problem = CHECKS[step.kind](step.arg, simulated, turn)
        if problem is not None:
            return failed(step.line, step.label, problem)
    return result


def perform(call: SimulatedCall, step: Step) -> None:
    """Do a caller step; Mismatch when it does not fit what the call waits for."""
    arg = step.arg
    if step.kind == "wait":
        call.sim.wait(float(cast(float, arg)))
        return
    waiting = call.waiting_for
    if waiting is None:
        raise Mismatch(f"cannot {step.kind}: the call already ended ({end_reason(call)})")
    wanted = {
        "press": (act.Gather, act.Transfer),
        "say": (act.Gather,),
        "silence": (act.Gather,),
        "record": (act.Record,),
        "queue": (act.Transfer,),
        "transfer": (act.Transfer,),
        "hangup": (act.Gather, act.Record, act.Transfer),
    }[step.kind]
    if not isinstance(waiting, wanted):
        raise Mismatch(
            f"cannot {step.kind} now: the call waits for {describe_wait(call, waiting, brief=True)}"
        )
    if step.kind == "press":
        call.press(str(arg))
    elif step.kind == "say":
        call.say(str(arg))
    elif step.kind == "silence":
        call.silence()
    elif step.kind == "hangup":
        call.hang_up()
    elif step.kind == "record":
        r = cast(dict[str, Any], arg)  # the steps' args are what runtime.scripts.load made
        call.record(r["url"], float(r["seconds"]), r.get("transcript"))
    elif step.kind == "queue":
        q = cast(dict[str, Any], arg)
        call.queue(float(q["wait"]), int(q["position"]))
    else:
        t = cast(dict[str, Any], arg)
        call.transfer(str(t["outcome"]), t.get("detail"))
