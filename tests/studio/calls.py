"""Scripted calls found from a flow itself: a breadth-first search, in the simulator, for what a
caller can do at each wait (the keys a menu takes, the digits a branch compares, silence, a
recording) until the call reaches an end: a hangup, a transfer or a voicemail. No script is
written by hand for a flow; the search finds the shortest.

    reached = reach_an_end(Path("flows/imported.json"))
    reached.steps, reached.end, reached.path
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from runtime import actions as act
from runtime.simulator import HttpStub, SimulatedCall, Simulator
from sce.loader import load_path
from sce.model.flow import Flow
from sce.model.nodes import INPUT_TYPES

#: Times the search goes on from one wait.
VISITS = 3
_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")


def stubs_for(flow: Flow, world: int = 0) -> list[HttpStub]:
    """Business systems that answer each http node of the flow with what it reads: every JSON
    pointer its `save` names, holding one of the texts the branches compare that variable with,
    those whose way leads on to a menu or collect first ('1' last); the `world`-th choice round
    that list, so the search can take each branch's way as a person's test call would. World -1
    is the one where every business system fails."""
    if world < 0:
        return [HttpStub("*", 503, None, "the business system is down")]
    stubs = []
    for node in flow.nodes.values():
        if node.type != "http":
            continue
        reply: dict[str, object] = {}
        for var, pointer in getattr(node, "save", {}).items():
            parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
            here = reply
            for part in parts[:-1]:
                nxt = here.setdefault(part, {})
                here = nxt if isinstance(nxt, dict) else {}
            choices = _compared(flow, var)
            if parts:
                here[parts[-1]] = choices[world % len(choices)]
        pattern = re.sub(r"\{[^{}]*\}", "*", getattr(node, "url", "")).split("?", 1)[0] + "*"
        stubs.append(HttpStub(f"{getattr(node, 'method', 'GET')} {pattern}", 200, reply))
    return [*stubs, HttpStub("*", 200, {})]


def _compared(flow: Flow, var: str) -> list[str]:
    """The texts branches compare `var` with: those whose case leads on to a caller's input
    first ('1', which no case names, first of all when a branch's default does), then the
    rest."""
    ahead, rest, default_ahead = [], [], False
    for node in flow.nodes.values():
        cases = [
            c
            for c in getattr(node, "cases", []) or []
            if re.search(rf"\b{re.escape(var)}\b", c.when)
        ]
        for case in cases:
            literals = _LITERAL.findall(case.when)
            (ahead if _reaches_input(flow, case.next) else rest).extend(literals)
        default = getattr(node, "default", None)
        if cases and isinstance(default, str) and _reaches_input(flow, default):
            default_ahead = True
    ordered = [*(["1"] if default_ahead else []), *ahead, *rest, "1"]
    return list(dict.fromkeys(ordered))


def _reaches_input(flow: Flow, start: str) -> bool:
    todo, seen = [start], {start}
    while todo:
        node = flow.nodes.get(todo.pop())
        if node is None:
            continue
        if node.type in ("menu", "collect"):
            return True
        for _, target in node.targets():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return False


@dataclass(frozen=True)
class Step:
    kind: str  # "press" | "say" | "silence" | "record"
    value: str = ""


@dataclass(frozen=True)
class Reached:
    steps: tuple[Step, ...]
    end: str  # "hangup" | "transfer" | "voicemail"
    path: tuple[str, ...]
    heard: tuple[str, ...]


def said_near(flow: Flow, wait: str) -> tuple[list[str], list[str]]:
    """What the branches after the wait `wait` compare against, up to the next wait: keys a
    caller could press (and '1'), and words a caller could say."""
    keys, words = ["1"], []
    todo, seen = [wait], {wait}
    while todo:
        node = flow.nodes.get(todo.pop())
        if node is None:
            continue
        for case in getattr(node, "cases", []) or []:
            for literal in _LITERAL.findall(case.when):
                if re.fullmatch(r"[0-9*#]{1,12}", literal):
                    keys.append(literal)
                elif re.fullmatch(r"[^\W\d_][\w '-]{0,30}", literal):
                    words.append(literal)
        for _, target in node.targets():
            if target not in seen and (
                target == wait or flow.nodes[target].type not in INPUT_TYPES
            ):
                seen.add(target)
                todo.append(target)
    return list(dict.fromkeys(keys)), list(dict.fromkeys(words))


def reach_an_end(
    flow_file: Path, *, max_steps: int = 12, max_tries: int = 3000, worlds: int = 8
) -> Reached:
    """The shortest script (by steps) that takes a call of the flow to an end, through one of
    its menus when it has any, with the business systems answering as in one of `worlds`
    worlds; AssertionError with what was reached when there is none within the bounds."""
    failures = []
    for world in [*range(worlds), -1]:
        try:
            return _search(flow_file, world, max_steps, max_tries // worlds)
        except AssertionError as e:
            failures.append(str(e))
    raise AssertionError(failures[0])


def _search(flow_file: Path, world: int, max_steps: int, max_tries: int) -> Reached:
    loaded = load_path(flow_file)
    assert loaded.flow is not None, loaded.diagnostics
    sim = Simulator(http=stubs_for(loaded.flow, world))
    deployed = sim.deploy(flow_file)
    assert deployed.ok, [d.message for d in deployed.diagnostics]
    flow = deployed.flow
    asks = _asks(loaded.flow)
    queue: deque[tuple[Step, ...]] = deque([()])
    tries = 0
    deepest: tuple[str, ...] = ()
    #: How often the search stood at each wait: a few times (the calls' variables may differ,
    #: a counter say), not more, or a flow of many menus has more scripts than time.
    visits: dict[str, int] = {}
    while queue and tries < max_tries:
        steps = queue.popleft()
        tries += 1
        call = _play(sim, flow, steps)
        end = _end(call)
        if end is not None and (steps or not asks):  # through its menus, if it has any
            return Reached(steps, end, tuple(call.path), tuple(call.heard))
        path = tuple(call.path)
        if len(path) > len(deepest):
            deepest = path
        wait = call.waiting_for
        at = path[-1] if path else ""
        visits[at] = visits.get(at, 0) + 1
        if visits[at] > VISITS or len(steps) >= max_steps or wait is None:
            continue
        keys, words = said_near(loaded.flow, getattr(wait, "node", ""))
        for step in _candidates(wait, keys, words):
            queue.append((*steps, step))
    raise AssertionError(
        f"no call of {flow} reached a hangup, transfer or voicemail within {max_steps} steps "
        f"({tries} scripts tried); the deepest went {' > '.join(deepest)}"
    )


def _asks(flow: Flow) -> bool:
    """Whether a call can reach a menu or collect of the flow (by its exits, whatever it hears)."""
    return _reaches_input(flow, flow.start or "")


def _play(sim: Simulator, flow: str, steps: tuple[Step, ...]) -> SimulatedCall:
    call = sim.call(flow)
    for step in steps:
        if call.ended:
            break
        if step.kind == "press":
            call.press(step.value)
        elif step.kind == "say":
            call.say(step.value)
        elif step.kind == "silence":
            call.silence()
        elif step.kind == "record":
            call.record("https://recordings.example/r.wav")
    return call


def _end(call: SimulatedCall) -> str | None:
    if call.of(act.Record) and (call.ended or isinstance(call.waiting_for, act.Transfer)):
        return "voicemail"
    if isinstance(call.waiting_for, act.Transfer) or call.of(act.Transfer):
        return "transfer"
    if call.ended and call.of(act.Hangup):
        return "hangup"
    return None


def _candidates(wait: object, keys: list[str], words: list[str]) -> list[Step]:
    if isinstance(wait, act.Record):
        return [Step("record")]
    if isinstance(wait, act.Gather):
        fitting = [k for k in keys if wait.min_digits <= len(k) <= max(wait.max_digits, 1)]
        long = "1" * wait.max_digits if 1 < wait.max_digits <= 12 else None
        spoken = [Step("say", w) for w in [*words[:8], "yes"]] if wait.speech else []
        return [
            *(Step("press", k) for k in fitting),
            *([Step("press", long)] if long else []),
            *spoken,
            Step("silence"),
        ]
    return []
