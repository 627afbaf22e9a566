"""A scripted call that takes any deployable flow to an end, found from the flow itself.

The Twilio Studio importer's tests must show that every imported flow can run a call to a
hangup, a transfer or a voicemail. Writing a call script per imported flow would test the
script writer, not the importer, so the scripts are generated: a breadth-first search, in the
real simulator, over what a caller can do at each wait. The candidates at a wait come from the
flow: a menu's keys, the digits and words its branches compare a collect's answer with, a
recording, silence. The shortest script wins, and the search is deterministic (a fixed clock,
fixed caller numbers, candidates in the flow's own order), so a failure reproduces.

    reached = reach_an_end(Path("flows/hotline.flow"))
    reached.steps  # (Step('press', '1'),)
    reached.end  # 'hangup'
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from runtime import actions as act
from runtime.scripts.load import load_stubs
from runtime.simulator import HttpStub, SimulatedCall, Simulator, stubs_from
from sce.compiler.ir import CompiledFlow, State
from sce.diagnostics import Severity
from sce.lint import Settings
from sce.lint.runner import collect_files
from sce.loader import load_path
from sce.model import Subflow
from sce.subflows import needed

#: A Monday morning in New York, the evening in Shanghai: a fixed clock keeps schedules (and so
#: the script found) the same from one run to the next.
DEFAULT_AT = "2026-11-23T10:00:00-05:00"
CALLER = "+15550100100"
CALLED = "+15550100000"
#: What a caller who leaves a voicemail records.
RECORDING = "https://recordings.example/voicemail.wav"
RECORDING_SECONDS = 5.0
#: The business systems' default answer: a success with an empty JSON object, so that the call
#: goes on past every http node (by its `next` exit, or by its `error` exit when it saves a field
#: the empty reply lacks) and no fetch leaves the machine. `*` matches any method and URL.
CATCH_ALL = HttpStub("*", 200, {})

#: Variables that record how the call got somewhere rather than where it is: two calls in the
#: same state that differ only in these are the same call for the search, unless the flow reads
#: them. `summary` only ever grows (flows attach it, they do not branch on it), and `call_id`
#: differs between the search's calls only because each script is a new call.
_HISTORY = frozenset({"last_digits", "last_speech"})
_ALWAYS_IGNORED = frozenset({"summary", "call_id"})
#: Hangup reasons that are not the flow's own end: the engine giving up after an error, and a
#: call whose caller went away.
_NOT_AN_END = frozenset({"error", "caller-hangup"})
#: Words tried at a speech-enabled wait, per wait (the candidates must stay few).
_MAX_WORDS = 6

_STRING = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""")
_INTEGER = re.compile(r"(?<![\w.])[0-9]+(?![\w.])")
_KEYS = re.compile(r"[0-9*#]+")
_WORD = re.compile(r"[^\W\d_][\w '-]{0,40}")


@dataclass(frozen=True)
class Step:
    """One thing the caller (or the platform) does at a wait: `press` keys, `say` words,
    `silence` until the timeout, `record` (value: the recording's URL, empty for no audio),
    `transfer` (value: completed, failed, left), `queue` (value: estimated seconds), `wait`
    (value: seconds the clock moves), `hangup`. The search makes the first four; replaying
    takes them all, so that a test can write the rest of a call by hand."""

    kind: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.value}".strip()


@dataclass(frozen=True)
class Reached:
    """A script that reached an end, with what the call did on the way."""

    steps: tuple[Step, ...]
    end: str  # "hangup" | "transfer" | "voicemail"
    path: tuple[str, ...]
    heard: tuple[str, ...]


def http_stubs(http: object = None) -> list[HttpStub]:
    """The stubs a search's calls get: `http` first (a stubs file in YAML or JSON like
    flows/systems.http.yaml, a mapping as a call script's `http:`, or HttpStubs), then the
    catch-all, so that no fetch of a test ever leaves the machine."""
    if http is None:
        given: list[HttpStub] = []
    elif isinstance(http, str | Path):
        given = load_stubs(http)
    elif isinstance(http, Mapping):
        given = stubs_from(http)
    elif isinstance(http, Sequence) and all(isinstance(s, HttpStub) for s in http):
        given = list(http)
    else:
        raise TypeError(f"http: a stubs file, a mapping or a list of HttpStub, not {http!r}")
    return [*given, CATCH_ALL]


def deploy(
    flow_file: Path, *, http: object = None, at: str | float | datetime = DEFAULT_AT
) -> tuple[Simulator, str]:
    """A fresh simulator with the flow (and every subflow it reaches from its folder)
    deployed; the flow's id. AssertionError with the diagnostics when a deploy is refused."""
    sim = Simulator(http=http_stubs(http), at=at)
    loaded = load_path(flow_file)
    flows = [loaded]
    if loaded.flow is not None and any(isinstance(n, Subflow) for n in loaded.flow.nodes.values()):
        found, _ = collect_files([Path(flow_file).parent], Settings())
        flows = needed([], found, [Path(flow_file)]).flows
    flow_id = ""
    for flow in reversed(flows):  # the subflows first, the flow called last
        result = sim.registry.deploy(flow, who="reach_an_end")
        errors = [
            f"{d.code} {d.message}" for d in result.diagnostics if d.severity is Severity.ERROR
        ]
        assert result.ok, f"{flow.path}: the deploy was refused: {errors}"
        flow_id = result.flow or ""
    return sim, flow_id


def replay(
    sim: Simulator, flow: str, steps: Iterable[Step], *, at: float | None = None
) -> SimulatedCall:
    """A new call of `flow` that does `steps` in order (those after the call ended are not
    done). `at` puts the simulator's clock back first, so that every replay starts at the same
    moment."""
    if at is not None:
        sim.now = at
    call = sim.call(flow, caller=CALLER, called=CALLED)
    for step in steps:
        if call.ended:
            break
        _do(call, step)
    return call


def _do(call: SimulatedCall, step: Step) -> None:
    kind, value = step.kind, step.value
    if kind == "press":
        call.press(value)
    elif kind == "say":
        call.say(value)
    elif kind == "silence":
        call.silence()
    elif kind == "record":
        call.record(value or None, RECORDING_SECONDS if value else 0)
    elif kind == "transfer":
        call.transfer(value or "completed")
    elif kind == "queue":
        call.queue(float(value or 60))
    elif kind == "wait":
        call.sim.wait(float(value or 0))
    elif kind == "hangup":
        call.hang_up()
    else:
        raise ValueError(f"no such step kind: {kind!r}")


def end_of(call: SimulatedCall) -> str | None:
    """The end the call reached: "voicemail" once the caller left a recording and the call
    then ended or waits on a transfer; "transfer" while it waits on one; "hangup" when the
    flow hung up. None when it has not reached one, or ended otherwise (an error, the caller
    gone): an importer's flow that only ever ends in an error has not reached an end."""
    actions = call.actions
    recorded = _recorded(actions)
    if call.ended:
        hangups = [a for a in actions if isinstance(a, act.Hangup)]
        if not hangups or hangups[-1].reason in _NOT_AN_END:
            return None
        if recorded:
            return "voicemail"
        return "transfer" if hangups[-1].reason == "transferred" else "hangup"
    if isinstance(call.waiting_for, act.Transfer):
        return "voicemail" if recorded else "transfer"
    return None


def _recorded(actions: Iterable[act.Action]) -> bool:
    return any(
        isinstance(a, act.Trace) and a.type == "record" and a.note == "recorded" for a in actions
    )


def reach_an_end(
    flow_file: Path,
    *,
    http: object = None,
    max_steps: int = 40,
    max_tries: int = 2000,
    at: str | float | datetime = DEFAULT_AT,
) -> Reached:
    """The shortest script (fewest steps; the first in the flow's own order among those) that
    takes a call of the flow to a hangup, a transfer or a voicemail. `http` answers the flow's
    fetches before the catch-all success (see `http_stubs`); `at` is the simulated clock.
    At most `max_tries` calls are run and scripts have at most `max_steps` steps; when no end
    is found within them, AssertionError says what the search saw."""
    sim, flow = deploy(flow_file, http=http, at=at)
    search = _Search(sim, flow, _Facts.of(sim, flow), max_steps, max_tries)
    return search.run(Path(flow_file))


@dataclass
class _Facts:
    """What the candidates are made from: every compiled flow a call may be in, and the
    literals its branches compare each variable with."""

    flows: dict[str, CompiledFlow]
    #: (the source of a branch case's `when` with its string literals blanked, its literals)
    cases: list[tuple[str, list[str]]] = field(default_factory=list)
    #: variable → the variables set nodes compute from it (itself included), however far.
    derived: dict[str, set[str]] = field(default_factory=dict)
    #: Builtin variables that only say how a call got somewhere, where no flow reads them.
    ignored: frozenset[str] = frozenset()

    @classmethod
    def of(cls, sim: Simulator, flow: str) -> _Facts:
        main = sim.registry.current(flow)
        flows = {main.version: main}
        for version in sim.registry.pins(main).values():
            flows[version] = sim.registry.get(version)
        facts = cls(flows)
        assigns: list[tuple[str, str]] = []
        for compiled in flows.values():
            for state in compiled.states.values():
                if state.type == "branch":
                    for case in _seq(state.params.get("cases")):
                        source = _source(case.get("when"))
                        facts.cases.append((_STRING.sub("''", source), _literals(source)))
                elif state.type == "set":
                    for name, expression in _map(state.params.get("assign")).items():
                        assigns.append((name, _STRING.sub("''", _source(expression))))
        facts.derived = _closure(assigns)
        text = " ".join(c.to_json(None) for c in flows.values())
        read = {name for name in _HISTORY if re.search(rf"\b{name}\b", text)}
        facts.ignored = _ALWAYS_IGNORED | (_HISTORY - read)
        return facts

    def state(self, call: SimulatedCall, node: str) -> State | None:
        """The state `node` of the flow the call is in now (a subflow's, inside one)."""
        session = call.session
        version = str(session.stack[-1]["version"]) if session.stack else session.version
        compiled = self.flows.get(version)
        return compiled.states.get(node) if compiled else None

    def compared(self, variables: Iterable[str]) -> list[str]:
        """The literals of the branch cases that read any of `variables` (or what set nodes
        compute from them), in the flow's order."""
        names = {d for v in variables for d in self.derived.get(v, {v})}
        out: list[str] = []
        for blanked, literals in self.cases:
            if any(_reads(blanked, name) for name in names):
                out.extend(literals)
        return list(dict.fromkeys(out))


def _closure(assigns: list[tuple[str, str]]) -> dict[str, set[str]]:
    """variable → itself and every variable assigned from it through set nodes, transitively."""
    names = {n for n, _ in assigns} | {"last_digits", "last_speech"}
    names |= {w for _, source in assigns for w in re.findall(r"[A-Za-z_]\w*", source)}
    out: dict[str, set[str]] = {}
    for name in names:
        reached, todo = {name}, [name]
        while todo:
            current = todo.pop()
            for target, source in assigns:
                if target not in reached and _reads(source, current):
                    reached.add(target)
                    todo.append(target)
        out[name] = reached
    return out


def _reads(source: str, name: str) -> bool:
    """Whether an expression (its strings blanked) reads the variable `name` (not a field of
    another value called so: `x.name`)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", source) is not None


def _literals(source: str) -> list[str]:
    """The quoted texts and whole numbers of an expression's source, in order."""
    found: list[tuple[int, str]] = []
    for m in _STRING.finditer(source):
        text = m.group(1) if m.group(1) is not None else m.group(2)
        found.append((m.start(), re.sub(r"\\(.)", r"\1", text)))
    for m in _INTEGER.finditer(_STRING.sub(lambda s: " " * len(s.group(0)), source)):
        found.append((m.start(), m.group(0)))
    return [text for _, text in sorted(found)]


def _source(value: object) -> str:
    return str(getattr(value, "source", value) or "")


def _seq(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, Sequence) else []


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, Sequence) else []


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def candidates(facts: _Facts, call: SimulatedCall) -> list[Step]:
    """What the caller may do at the call's wait, most likely way on first: a menu's keys in
    its order, then silence, then its words; a collect's digits that its branches compare
    (that fit its length), '1', as many '1's as it takes, silence, then words; a recording,
    then a recording with no audio. A transfer is an end: nothing."""
    wait = call.waiting_for
    if isinstance(wait, act.Record):
        return [Step("record", RECORDING), Step("record")]
    if not isinstance(wait, act.Gather):
        return []
    state = facts.state(call, wait.node)
    words: list[str] = []
    if state is not None and state.type == "menu":
        keys = [str(c.get("key")) for c in _seq(state.params.get("choices")) if c.get("key")]
        words = [w for c in _seq(state.params.get("choices")) for w in _texts(c.get("speech"))]
    else:
        variable = str(state.params.get("variable")) if state is not None else ""
        least, most = wait.min_digits, max(wait.max_digits, wait.min_digits)
        literals = facts.compared([variable, "last_digits"])
        keys = [k for k in literals if _KEYS.fullmatch(k) and least <= len(k) <= most]
        keys += ["1"] if least <= 1 else []
        keys += ["1" * least, "1" * most]
        if wait.speech:
            words = [w for w in facts.compared([variable, "last_speech"]) if _WORD.fullmatch(w)]
    steps = [Step("press", k) for k in dict.fromkeys(keys)] + [Step("silence")]
    if wait.speech:  # when nothing compares what is said, saying anything is a way on
        said = list(dict.fromkeys(words))[:_MAX_WORDS] or ["yes"]
        steps += [Step("say", w) for w in said]
    return steps


class _Search:
    """Breadth-first over scripts: each script is replayed from the start of a new call (the
    simulator runs one in well under a millisecond), and a script that leaves the call where an
    earlier one did (same state, variables, retries) is not taken further."""

    def __init__(
        self, sim: Simulator, flow: str, facts: _Facts, max_steps: int, max_tries: int
    ) -> None:
        self.sim, self.flow, self.facts = sim, flow, facts
        self.max_steps, self.max_tries = max_steps, max_tries
        self.start = sim.now
        self.tries = 0
        self.seen: set[tuple[object, ...]] = set()
        self.deepest: tuple[tuple[Step, ...], tuple[str, ...]] = ((), ())
        self.waits: dict[str, str] = {}
        self.other_ends: dict[str, None] = {}
        self.cut_short = False

    def run(self, flow_file: Path) -> Reached:
        queue: deque[tuple[tuple[Step, ...], SimulatedCall]] = deque()
        first = self.attempt(())
        if isinstance(first, Reached):
            return first
        if first is not None:
            queue.append(((), first))
        while queue:
            script, call = queue.popleft()
            if len(script) >= self.max_steps:
                self.cut_short = True
                continue
            for step in candidates(self.facts, call):
                if self.tries >= self.max_tries:
                    raise AssertionError(self.failure(flow_file, f"max_tries={self.max_tries}"))
                longer = (*script, step)
                outcome = self.attempt(longer)
                if isinstance(outcome, Reached):
                    return outcome
                if outcome is not None:
                    queue.append((longer, outcome))
        limit = f"max_steps={self.max_steps}" if self.cut_short else None
        raise AssertionError(self.failure(flow_file, limit))

    def attempt(self, script: tuple[Step, ...]) -> Reached | SimulatedCall | None:
        """Run `script`: the end it reached, or the call when it is worth going on from (it
        waits somewhere no shorter script left a call in the same state), else None."""
        self.tries += 1
        call = replay(self.sim, self.flow, script, at=self.start)
        end = end_of(call)
        path = tuple(call.path)
        if end is not None:
            return Reached(script, end, path, tuple(call.heard))
        if len(set(path)) > len(set(self.deepest[1])):
            self.deepest = (script, path)
        wait = call.waiting_for
        if wait is None:
            if call.ended:
                hangups = [a for a in call.actions if isinstance(a, act.Hangup)]
                reason = hangups[-1].reason if hangups else None
                notes = [a.note for a in call.actions if isinstance(a, act.Trace) and a.note]
                why = f": {notes[-1]}" if notes else ""
                self.other_ends[f"'{reason}' after {' > '.join(path[-3:])}{why}"] = None
            return None
        kind = "record" if isinstance(wait, act.Record) else self._gather_kind(call, wait)
        self.waits.setdefault(wait.node, kind)
        key = self.key(call)
        if key in self.seen:
            return None
        self.seen.add(key)
        return call

    def _gather_kind(self, call: SimulatedCall, wait: act.Action) -> str:
        state = self.facts.state(call, getattr(wait, "node", ""))
        return state.type if state is not None else "gather"

    def key(self, call: SimulatedCall) -> tuple[object, ...]:
        """Where the call is, as far as what can happen next goes."""
        s = call.session
        values = {k: v for k, v in s.vars.items() if k not in self.facts.ignored}
        return (
            s.state,
            s.status,
            json.dumps(values, sort_keys=True, default=str),
            tuple(sorted(s.retries.items())),
            tuple((str(f["flow"]), str(f["node"])) for f in s.stack),
            s.error_handled,
            _recorded(call.actions),
        )

    def failure(self, flow_file: Path, limit: str | None) -> str:
        script, path = self.deepest
        stop = (
            f"the search stopped at {limit}"
            if limit
            else "every call state the flow's own keys, digits and recordings lead to was tried"
        )
        waits = ", ".join(f"{node} ({kind})" for node, kind in self.waits.items()) or "none"
        lines = [
            f"{flow_file}: no call of flow '{self.flow}' reached a hangup, a transfer or a "
            f"voicemail; {stop} ({self.tries} calls, {len(self.seen)} distinct call states)",
            f"  the deepest call went: {' > '.join(path) or '(nowhere)'}",
            f"  by the script: {', '.join(map(str, script)) or '(no steps)'}",
            f"  waits seen: {waits}",
        ]
        if self.other_ends:
            lines.append(f"  calls that ended otherwise: {'; '.join(list(self.other_ends)[:5])}")
        return "\n".join(lines)
