"""Call scripts: a phone call written down as what the caller does and what they should notice,
run against the simulator. Analysts write them next to their flows (`flows/*.calls.yaml`) so a
changed flow that breaks a call is caught by `sce call --script` before it is deployed:

    flow: balance
    caller: "+15551230000"
    at: 2026-11-23T10:00:00-05:00
    http:
      "GET https://core.bank.example/*": {json: {balance: {amount: 12.5, currency: USD}}}
    steps:
      - hear: Welcome to Example Bank      # a prompt of this turn contains it
      - press: "1"                         # the caller acts: a new turn starts
      - hear: Your balance is 12.5 USD
      - sms: your balance is 12.5
      - path: [lookup, read_balance]
      - ended: true

A file holds one call like this, or several under `calls:` (the keys above the list are the
defaults of every call in it). Expectations look at the current *turn*: what the flow did since
the caller's last action (the first turn is the call's start). Every step remembers its line, so
a failure names `file:line`, and a malformed script is refused with `file:line` too.

The same vocabulary drives the interactive console (`parse_reply`: one typed line is one caller
step) and says in words what a call waits for (`describe_wait`).
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from runtime import actions as act
from runtime.errors import DeployRefused, RuntimeFault
from runtime.registry import DeployResult
from runtime.simulator import HttpStub, SimulatedCall, Simulator
from sce.compiler.ir import State
from sce.diagnostics import Severity
from sce.lint import Settings
from sce.lint.runner import collect_files

#: How script files are named; folders given to `sce call --script` are searched for these.
SCRIPT_SUFFIXES = (".calls.yaml", ".calls.yml", ".calls.json")
#: Steps in which the caller acts: each starts a new turn (`wait` only moves the clock).
ACTIONS = ("press", "say", "silence", "hangup", "record", "queue", "transfer", "wait")
#: Steps that check the current turn (or, for `vars` and `ended`, the call as it is now).
EXPECTATIONS = ("hear", "not_hear", "sms", "path", "ended", "transfer_to", "vars", "fetch")
CALL_KEYS = ("name", "flow", "caller", "called", "at", "http", "steps")
TRANSFER_OUTCOMES = ("completed", "failed", "left")
TRANSFER_FIELDS = ("queue", "number", "skills", "priority", "attach", "hold_music", "leave_key")
#: The end reason of a call the caller hung up (the engine emits no Hangup for it).
CALLER_HUNG_UP = "caller-hangup"
_KEYS = re.compile(r"[0-9*#]+")


def _seconds(value: object) -> bool:
    """A count of seconds the clock can move by: finite and not negative."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


class ScriptError(RuntimeFault):
    """A script (or stub file) that cannot be run as written; the message starts `file:line:`."""


class Mismatch(RuntimeFault):
    """A caller step that does not fit what the call waits for (keys during a recording...)."""


@dataclass(frozen=True)
class Step:
    kind: str
    arg: object
    line: int

    @property
    def label(self) -> str:
        """The step as a reader of the script recognises it: `hear: "Welcome"` (shortened)."""
        if self.arg is None:
            return self.kind
        text = f"{self.kind}: {json.dumps(self.arg, ensure_ascii=False, default=str)}"
        return text if len(text) <= 80 else text[:79] + "…"


@dataclass
class ScriptCall:
    name: str
    line: int
    flow: str | None = None
    caller: str | None = None
    called: str | None = None
    at: float | None = None
    http: list[HttpStub] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


@dataclass
class Script:
    path: Path
    calls: list[ScriptCall]


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


# -- reading scripts --------------------------------------------------------------------------


class _Reader:
    """YAML (or JSON) nodes to values, every error naming `file:line`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.json = path.suffix.lower() == ".json"
        self.constructor = yaml.constructor.SafeConstructor()

    def root(self) -> Node:
        try:
            text = self.path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ScriptError(f"{self.path}: not UTF-8 text ({e.reason})") from None
        if self.json:
            try:
                json.loads(text)
            except json.JSONDecodeError as e:
                raise ScriptError(f"{self.path}:{e.lineno}: {e.msg} (column {e.colno})") from None
            text = text.replace("\t", " ")  # valid JSON has tabs only between tokens
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark else 1
            alias = "alias" in f"{e.context} {e.problem}"
            hint = ' (quote keys: press: "*")' if alias else ""
            raise ScriptError(f"{self.path}:{line}: {e.problem or e}{hint}") from None
        if node is None:
            raise ScriptError(f"{self.path}:1: the file is empty")
        return node

    def fail(self, node: Node, message: str) -> ScriptError:
        return ScriptError(f"{self.path}:{node.start_mark.line + 1}: {message}")

    def mapping(self, node: Node, what: str) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} should be a mapping of `key: value` lines")
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            name = self.text(key, "a key")
            if name in out:
                raise self.fail(key, f"'{name}' is given twice in {what}")
            out[name] = (key, value)
        return out

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or self.is_null(node):
            raise self.fail(node, f"{what} should be a single text")
        return str(node.value)

    def is_null(self, node: Node) -> bool:
        return isinstance(node, ScalarNode) and node.style is None and self.value(node) is None

    def texts(self, node: Node, what: str) -> list[str]:
        if isinstance(node, SequenceNode):
            return [self.text(n, f"each of {what}") for n in node.value]
        return [self.text(node, what)]

    def number(self, node: Node, what: str) -> float:
        value = self.value(node)
        if not _seconds(value):
            raise self.fail(node, f"{what} should be a number of seconds (0 or more)")
        return float(value)  # type: ignore[arg-type]

    def value(self, node: Node) -> object:
        """Plain data; a timestamp stays the text it was written as."""
        if isinstance(node, MappingNode):
            return {k: self.value(v) for k, (_, v) in self.mapping(node, "a mapping").items()}
        if isinstance(node, SequenceNode):
            return [self.value(n) for n in node.value]
        if self.json and node.style is None:
            return json.loads(node.value)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as e:
            raise self.fail(node, f"cannot read this value: {getattr(e, 'problem', e)}") from None
        return node.value if isinstance(value, date | datetime) else value

    def unknown(self, node: Node, name: str, known: Iterable[str], what: str) -> ScriptError:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"
        return self.fail(node, f"unknown {what} '{name}'{hint}")


def load_script(path: str | Path) -> Script:
    """Read and check a script; ScriptError (with `file:line`) when it cannot be run."""
    reader = _Reader(Path(path))
    root = reader.root()
    top = reader.mapping(root, "a call script")
    defaults_keys = tuple(k for k in CALL_KEYS if k not in ("steps", "name"))
    if "calls" in top:
        for name, (key, _) in top.items():
            if name not in (*defaults_keys, "calls"):
                what = "key beside 'calls' (each call has its own steps)"
                raise reader.unknown(key, name, (*defaults_keys, "calls"), what)
        defaults = _call(reader, top, root, ScriptCall("", root.start_mark.line + 1), False)
        calls_node = top["calls"][1]
        if not isinstance(calls_node, SequenceNode) or not calls_node.value:
            raise reader.fail(calls_node, "'calls' should be a list of calls, each with steps")
        calls = []
        for i, node in enumerate(calls_node.value, 1):
            base = ScriptCall(
                f"call {i}",
                node.start_mark.line + 1,
                defaults.flow,
                defaults.caller,
                defaults.called,
                defaults.at,
                list(defaults.http),
            )
            calls.append(_call(reader, reader.mapping(node, "a call"), node, base))
    else:
        calls = [_call(reader, top, root, ScriptCall("call", root.start_mark.line + 1))]
    return Script(Path(path), calls)


def _call(
    reader: _Reader,
    keys: dict[str, tuple[Node, Node]],
    node: Node,
    call: ScriptCall,
    with_steps: bool = True,
) -> ScriptCall:
    for name, (key, value) in keys.items():
        if name == "calls":
            continue
        if name not in CALL_KEYS:
            raise reader.unknown(key, name, CALL_KEYS, "key")
        if name in ("name", "flow", "caller", "called"):
            setattr(call, name, reader.text(value, f"'{name}'"))
        elif name == "at":
            call.at = _when(reader, value)
        elif name == "http":
            call.http = [*_stubs(reader, value), *call.http]
        else:
            if not isinstance(value, SequenceNode) or not value.value:
                raise reader.fail(value, "'steps' should be a list, one `- kind: value` a line")
            call.steps = [_step(reader, n) for n in value.value]
    if with_steps and "steps" not in keys:
        raise reader.fail(node, "a call needs `steps:`, the list of what happens in it")
    if "name" not in keys and call.flow:
        call.name = f"{call.name} ({call.flow})"
    return call


def _when(reader: _Reader, node: Node) -> float:
    text = reader.text(node, "'at'")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise reader.fail(
            node, f"'at' should be a date and time like 2026-11-23T10:00:00-05:00, not '{text}'"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.timestamp()


def _stubs(reader: _Reader, node: Node) -> list[HttpStub]:
    out = []
    for pattern, (_, reply) in reader.mapping(node, "'http'").items():
        if not isinstance(reply, MappingNode):
            out.append(HttpStub(pattern, 200, reader.value(reply)))
            continue
        fields = reader.mapping(reply, f"the reply to '{pattern}'")
        for name, (k, _) in fields.items():
            if name not in ("status", "json", "error"):
                raise reader.fail(
                    k, f"a reply has status, json and error; put the body under json: ('{name}')"
                )
        status = reader.value(fields["status"][1]) if "status" in fields else 200
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise reader.fail(reply, f"the status of '{pattern}' should be an HTTP status code")
        error = reader.text(fields["error"][1], "'error'") if "error" in fields else None
        body = reader.value(fields["json"][1]) if "json" in fields else None
        out.append(HttpStub(pattern, status, body, error))
    return out


def load_stubs(path: str | Path) -> list[HttpStub]:
    """HTTP stubs from a YAML or JSON file shaped like a script's `http:` (`stubs_from`)."""
    reader = _Reader(Path(path))
    return _stubs(reader, reader.root())


def _step(reader: _Reader, node: Node) -> Step:
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):
        kind = node.value
        if kind not in ("silence", "hangup"):
            if kind in ACTIONS or kind in EXPECTATIONS:
                raise reader.fail(node, f"'{kind}' needs a value: `- {kind}: ...`")
            raise reader.unknown(node, kind, (*ACTIONS, *EXPECTATIONS), "step")
        return Step(kind, None, line)
    if not isinstance(node, MappingNode) or not node.value:
        raise reader.fail(node, 'a step is one `kind: value` pair, like `press: "1"`')
    keys = reader.mapping(node, "a step")
    if len(keys) > 1:
        names = ", ".join(keys)
        raise reader.fail(node, f"one step per list item, found {names} (start each with '- ')")
    kind, (key, value) = next(iter(keys.items()))
    parse = _PARSERS.get(kind)
    if parse is None:
        raise reader.unknown(key, kind, (*ACTIONS, *EXPECTATIONS), "step")
    return Step(kind, parse(reader, value), key.start_mark.line + 1)  # JSON: not the brace


def _flag(reader: _Reader, node: Node) -> object:
    if reader.is_null(node) or reader.value(node) is True:
        return None
    raise reader.fail(node, "write this step alone, or with `true`")


def _press(reader: _Reader, node: Node) -> str:
    if reader.is_null(node):
        raise reader.fail(
            node, 'press needs the keys in quotes: press: "1" (a bare # is a comment)'
        )
    keys = reader.text(node, "press")
    if not _KEYS.fullmatch(keys):
        raise reader.fail(node, f"press takes keys 0-9, * and #, not '{keys}'")
    return keys


def _record(reader: _Reader, node: Node) -> dict[str, object]:
    if reader.is_null(node) or (isinstance(node, ScalarNode) and node.value == ""):
        return {"url": None, "seconds": 0}
    if isinstance(node, ScalarNode):
        return {"url": reader.text(node, "record"), "seconds": 5.0}
    keys = reader.mapping(node, "record")
    out: dict[str, object] = {"url": None, "seconds": 5.0}
    for name, (key, value) in keys.items():
        if name == "seconds":
            out[name] = reader.number(value, "seconds")
        elif name in ("url", "transcript"):
            out[name] = None if reader.is_null(value) else reader.text(value, name)
        else:
            raise reader.unknown(key, name, ("url", "seconds", "transcript"), "record field")
    return out


def _queue(reader: _Reader, node: Node) -> dict[str, float]:
    if isinstance(node, ScalarNode):
        return {"wait": reader.number(node, "queue"), "position": 1}
    out = {"wait": 0.0, "position": 1.0}
    for name, (key, value) in reader.mapping(node, "queue").items():
        if name not in out:
            raise reader.unknown(key, name, ("wait", "position"), "queue field")
        out[name] = reader.number(value, name)
    return out


def _transfer(reader: _Reader, node: Node) -> dict[str, str | None]:
    if isinstance(node, ScalarNode):
        out: dict[str, str | None] = {"outcome": reader.text(node, "transfer"), "detail": None}
        where = node
    else:
        keys = reader.mapping(node, "transfer")
        out = {"outcome": None, "detail": None}
        for name, (key, value) in keys.items():
            if name not in out:
                raise reader.unknown(key, name, ("outcome", "detail"), "transfer field")
            out[name] = reader.text(value, name)
        where = node
    if out["outcome"] not in TRANSFER_OUTCOMES:
        raise reader.fail(where, f"a transfer ends {', '.join(TRANSFER_OUTCOMES)}")
    return out


def _ended(reader: _Reader, node: Node) -> bool | str:
    value = reader.value(node)
    if isinstance(value, bool):
        return value
    return reader.text(node, "ended (true, false or the hangup reason)")


def _sms(reader: _Reader, node: Node) -> dict[str, str]:
    if isinstance(node, ScalarNode):
        return {"text": reader.text(node, "sms")}
    out = {}
    for name, (key, value) in reader.mapping(node, "sms").items():
        if name not in ("to", "text"):
            raise reader.unknown(key, name, ("to", "text"), "sms field")
        out[name] = reader.text(value, name)
    return out


def _transfer_to(reader: _Reader, node: Node) -> dict[str, object]:
    out = {}
    for name, (key, value) in reader.mapping(node, "transfer_to").items():
        if name not in TRANSFER_FIELDS:
            raise reader.unknown(key, name, TRANSFER_FIELDS, "transfer field")
        out[name] = reader.value(value)
    return out


_PARSERS: dict[str, Callable[[_Reader, Node], object]] = {
    "press": _press,
    "say": lambda r, n: r.text(n, "say"),
    "silence": _flag,
    "hangup": _flag,
    "record": _record,
    "queue": _queue,
    "transfer": _transfer,
    "wait": lambda r, n: r.number(n, "wait"),
    "hear": lambda r, n: r.texts(n, "hear"),
    "not_hear": lambda r, n: r.texts(n, "not_hear"),
    "sms": _sms,
    "path": lambda r, n: r.texts(n, "path"),
    "ended": _ended,
    "transfer_to": _transfer_to,
    "vars": lambda r, n: {k: r.value(v) for k, (_, v) in r.mapping(n, "vars").items()},
    "fetch": lambda r, n: r.text(n, "fetch"),
}


def script_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scripts named, with folders searched for `*.calls.yaml|yml|json`."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                Path(folder) / name
                for folder, _, names in os.walk(p)
                for name in names
                if name.lower().endswith(SCRIPT_SUFFIXES)
            )
            if not found:
                raise ScriptError(f"{p}: no call scripts ({', '.join(SCRIPT_SUFFIXES)}) here")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise ScriptError(f"{p}: no such file or folder")
    return out


# -- the simulator ----------------------------------------------------------------------------


def simulator_for(paths: Iterable[str | Path], **options: object) -> Simulator:
    """A simulator with every flow under `paths` deployed, like `Simulator.from_paths`, except
    that refused flows raise DeployRefused carrying all their diagnostics, to print like lint."""
    sim = Simulator(**options)  # type: ignore[arg-type]
    files, problems = collect_files(paths, sim.registry.settings or Settings())
    if problems:
        raise ScriptError("; ".join(problems))
    refused: list[DeployResult] = []
    for path in sorted(files, key=lambda p: (p.stem, p.suffix != ".json")):
        if path.stem in sim.registry.current_versions():
            continue  # the .flow twin of a .json already deployed
        result = sim.deploy(path, who="sce call")
        if not result.ok:
            refused.append(result)
    if refused:
        diagnostics = [d for r in refused for d in r.diagnostics if d.severity is Severity.ERROR]
        names = ", ".join(str(r.source) for r in refused)
        raise DeployRefused(f"refused (errors above): {names}", diagnostics)
    return sim


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
        result.simulated = sim.call(flow_id, **options)  # type: ignore[arg-type]
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
        problem = _CHECKS[step.kind](step.arg, simulated, turn)
        if problem is not None:
            return failed(step.line, step.label, problem)
    return result


def perform(call: SimulatedCall, step: Step) -> None:
    """Do a caller step; Mismatch when it does not fit what the call waits for."""
    arg = step.arg
    if step.kind == "wait":
        call.sim.wait(float(arg))  # type: ignore[arg-type]
        return
    waiting = waiting_for(call)
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
        r: dict = arg  # type: ignore[assignment,type-arg]
        call.record(r["url"], float(r["seconds"]), r.get("transcript"))
    elif step.kind == "queue":
        q: dict = arg  # type: ignore[assignment,type-arg]
        call.queue(float(q["wait"]), int(q["position"]))
    else:
        t: dict = arg  # type: ignore[assignment,type-arg]
        call.transfer(str(t["outcome"]), t.get("detail"))


# -- expectations: each returns None when it holds, else "expected ..., but ..." ----------------


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _quoted(texts: Iterable[str]) -> str:
    return ", ".join(json.dumps(t, ensure_ascii=False) for t in texts)


def _heard(turn: list[act.Action]) -> list[str]:
    return [a.text for a in turn if isinstance(a, act.Play)]


def _check_hear(wanted: list[str], call: SimulatedCall, turn: list[act.Action]) -> str | None:
    heard = _heard(turn)
    said = " | ".join(_norm(h) for h in heard)
    at = 0
    for text in wanted:
        found = said.find(_norm(text), at)
        if found < 0:
            happened = f"heard {_quoted(heard)}" if heard else "heard nothing in this turn"
            where = " after the ones before it" if at else ""
            return f"expected to hear {_quoted([text])}{where}, but {happened}"
        at = found + len(_norm(text))
    return None


def _check_not_hear(wanted: list[str], call: SimulatedCall, turn: list[act.Action]) -> str | None:
    for heard in _heard(turn):
        for text in wanted:
            if _norm(text) in _norm(heard):
                return f"expected not to hear {_quoted([text])}, but heard {_quoted([heard])}"
    return None


def _check_sms(wanted: dict[str, str], call: SimulatedCall, turn: list[act.Action]) -> str | None:
    sent = [a for a in turn if isinstance(a, act.SendSms)]
    for sms in sent:
        if (
            _norm(wanted.get("text", "")) in _norm(sms.message)
            and wanted.get("to", sms.to) == sms.to
        ):
            return None
    expected = f"an SMS containing {_quoted([wanted.get('text', '')])}"
    expected += f" to {wanted['to']}" if "to" in wanted else ""
    happened = "; ".join(f"sent {_quoted([s.message])} to {s.to}" for s in sent)
    return f"expected {expected}, but {happened or 'no SMS was sent in this turn'}"


def _turn_path(turn: list[act.Action]) -> list[str]:
    out: list[str] = []
    for a in turn:
        if isinstance(a, act.Trace) and (not out or out[-1] != a.node):
            out.append(a.node)
    return out


def _check_path(wanted: list[str], call: SimulatedCall, turn: list[act.Action]) -> str | None:
    entered = _turn_path(turn)
    it = iter(entered)
    if all(node in it for node in wanted):
        return None
    went = " → ".join(entered) or "no state"
    return f"expected to enter {' → '.join(wanted)} in this order, but entered {went}"


def end_reason(call: SimulatedCall) -> str:
    """Why the call ended: the flow's hangup reason, `transferred`, or `caller-hangup`."""
    for a in reversed(call.actions):
        if isinstance(a, act.Hangup):
            return a.reason or "hangup"
    return CALLER_HUNG_UP


def _check_ended(wanted: bool | str, call: SimulatedCall, turn: list[act.Action]) -> str | None:
    if wanted is False:
        return (
            f"expected the call to go on, but it ended ({end_reason(call)})" if call.ended else None
        )
    if not call.ended:
        waiting = waiting_for(call)
        now = describe_wait(call, waiting, brief=True) if waiting else "nothing"
        return f"expected the call to have ended, but it waits for {now}"
    if wanted is True or wanted == end_reason(call):
        return None
    return (
        f"expected the call to end with reason {wanted!r}, but it ended with {end_reason(call)!r}"
    )


def _same(expected: object, actual: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, list) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    return expected == actual


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _check_transfer_to(
    wanted: dict[str, object], call: SimulatedCall, turn: list[act.Action]
) -> str | None:
    transfers = [a for a in turn if isinstance(a, act.Transfer)]
    if not transfers:
        return f"expected a transfer to {_shown(wanted)}, but there was none in this turn"
    t = transfers[-1]
    expected, had = [], []
    for name, value in wanted.items():
        actual = getattr(t, name)
        if name == "skills" and isinstance(value, list):
            ok = sorted(map(str, value)) == sorted(actual)
        elif name == "attach" and isinstance(value, dict):
            ok = all(_norm(str(v)) in _norm(str(actual.get(k, ""))) for k, v in value.items())
        else:
            ok = _same(value, list(actual) if isinstance(actual, tuple) else actual)
        if not ok:
            shown = (
                list(actual)
                if isinstance(actual, tuple)
                else dict(actual)
                if name == "attach"
                else actual
            )
            expected.append(f"{name} {_shown(value)}")
            had.append(f"{name} {_shown(shown)}")
    if not expected:
        return None
    return f"expected {', '.join(expected)}, but the transfer had {', '.join(had)}"


def _check_vars(
    wanted: dict[str, object], call: SimulatedCall, turn: list[act.Action]
) -> str | None:
    values = call.session.vars
    wrong = []
    for name, value in wanted.items():
        if name not in values:
            wrong.append(f"there is no variable '{name}'")
        elif not _same(value, values[name]):
            wrong.append(f"{name} is {_shown(values[name])}")
    return f"expected {_shown(wanted)}, but {'; '.join(wrong)}" if wrong else None


def _check_fetch(wanted: str, call: SimulatedCall, turn: list[act.Action]) -> str | None:
    fetched = [a for a in turn if isinstance(a, act.Fetch)]
    pattern = HttpStub(wanted)
    if any(pattern.matches(f.method, f.url) for f in fetched):
        return None
    happened = ", ".join(f"{f.method} {f.url}" for f in fetched) or "nothing in this turn"
    return f"expected a request matching {wanted!r}, but fetched {happened}"


_CHECKS: dict[str, Callable[..., str | None]] = {
    "hear": _check_hear,
    "not_hear": _check_not_hear,
    "sms": _check_sms,
    "path": _check_path,
    "ended": _check_ended,
    "transfer_to": _check_transfer_to,
    "vars": _check_vars,
    "fetch": _check_fetch,
}


# -- what the call waits for, and typed replies -----------------------------------------------

Wait = act.Gather | act.Record | act.Transfer


def waiting_for(call: SimulatedCall) -> Wait | None:
    """The caller-facing action the call waits on, however many turns ago it came (a queue
    update adds a turn with only an announcement); None when the call ended."""
    if call.ended:
        return None
    for a in reversed(call.actions):
        if isinstance(a, act.Gather | act.Record | act.Transfer):
            return a
    return None


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
            choices = [
                f"{c['key']} {c.get('label') or '(' + str(state.on.get('key:' + c['key'])) + ')'}"
                for c in state.params.get("choices", ())  # type: ignore[attr-defined]
            ]
            if state.params.get("repeat_key"):
                choices.append(f"{state.params['repeat_key']} repeat")
            text = "press a key: " + ", ".join(choices)
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


def _number(text: str) -> float:
    value = float(text)
    if not _seconds(value):
        raise ValueError(text)
    return value


REPLY_HELP = """\
  1 2 # ...            press keys               say WORDS        speak
  (empty line)         silence / no recording   hangup           hang up
  record URL SECONDS [TRANSCRIPT]               wait SECONDS     move the clock
  queue SECONDS [POSITION]   answered   failed [DETAIL]   left   (while in a queue)"""


def parse_reply(line: str, waiting: Wait | None) -> Step | None:
    """One typed line of the console as a caller step; None for an empty line in a queue
    (nothing happens). Mismatch when the line means nothing."""
    words = line.split()
    if not words:
        if isinstance(waiting, act.Record):
            return Step("record", {"url": None, "seconds": 0}, 0)
        return None if isinstance(waiting, act.Transfer) else Step("silence", None, 0)
    head, rest = words[0].lower(), words[1:]
    if _KEYS.fullmatch(line.strip()):
        return Step("press", line.strip(), 0)
    if head == "press" and len(rest) == 1 and _KEYS.fullmatch(rest[0]):
        return Step("press", rest[0], 0)
    if head == "say" and rest:
        return Step("say", " ".join(rest), 0)
    if head in ("hangup", "silence") and not rest:
        return Step(head, None, 0)
    try:
        if head == "record" and rest:
            seconds = _number(rest[1]) if len(rest) > 1 else 5.0
            transcript = " ".join(rest[2:]) or None
            return Step("record", {"url": rest[0], "seconds": seconds, "transcript": transcript}, 0)
        if head == "queue" and 1 <= len(rest) <= 2:
            position = int(rest[1]) if len(rest) > 1 else 1
            return Step("queue", {"wait": _number(rest[0]), "position": position}, 0)
        if head == "wait" and len(rest) == 1:
            return Step("wait", _number(rest[0]), 0)
    except ValueError:
        raise Mismatch(f"seconds (0 or more) expected in '{line.strip()}'") from None
    if head in ("answered", "completed", "failed", "left"):
        outcome = "completed" if head == "answered" else head
        return Step("transfer", {"outcome": outcome, "detail": " ".join(rest) or None}, 0)
    raise Mismatch(f"not understood: '{line.strip()}' (type `help`)")
