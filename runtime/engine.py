"""`step(flow, session, event) -> (session, actions)`: the engine.

Pure and deterministic: no I/O, no clock (time comes in the event), the given session is never
changed (a copy is advanced and returned). It enters states one after another, running the
internal ones (set, branch, schedule, language, subflow calls) itself, and stops at the first state
that needs the outside world (a gather, a fetch, a transfer, ...) or when the call ends.

Two bounds keep a flow from running away: `max_steps_per_event` states between two events (a loop
with no input in it), and `max_steps_per_call` states in the whole call (a loop through caller
input). Crossing one is an error like any other: the flow's `on_error` handler runs once, and a
second error in the same frame ends the call politely. A call never hangs and never raises.

The node handlers are in `runtime.handlers`; this module holds the loop, the error path and the
per-call context they share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import TYPE_CHECKING, cast

from runtime import actions as act
from runtime.config import Limits
from runtime.events import (
    CallerHangup,
    CallStarted,
    Digits,
    Event,
    HttpResult,
    RecordingResult,
    SmsResult,
    Speech,
    Timeout,
    TransferResult,
)
from runtime.prompts import ActionCache, prompt_of, sorry
from runtime.session import ACTIVE, ENDED, FINISHING, Session
from sce.compiler.ir import CompiledFlow, State

if TYPE_CHECKING:
    from runtime.handlers import Handler

DEFAULT_LIMITS = Limits()

#: Builtin variables every frame has, with their starting values (see sce.compiler.fields).
BUILTIN_DEFAULTS: dict[str, object] = {
    "last_digits": "",
    "last_speech": "",
    "summary": "",
    "estimated_wait": 0,
    "queue_position": 0,
}
#: Builtins a subflow shares with its caller (in, and back out when it returns).
SHARED_BUILTINS = ("caller", "called", "call_id", "language", "summary")
MAX_SUMMARY = 1000

Loader = Callable[[str], CompiledFlow]


class Run:
    """One `step`: the session being advanced, the actions so far, and the current frame."""

    __slots__ = (
        "session",
        "out",
        "time",
        "limits",
        "flow",
        "root",
        "load",
        "prompts",
        "budget",
        "steps_before",
    )

    def __init__(
        self, root: CompiledFlow, session: Session, time: float, limits: Limits, load: Loader | None
    ) -> None:
        self.root = root
        self.session = session
        self.out: list[act.Action] = []
        self.time = time
        self.limits = limits
        self.load = load
        self.budget = limits.max_steps_per_event
        self.steps_before = session.steps
        self.flow = root
        cache = _CACHES.get(root.version)
        self.prompts = cache if cache is not None and cache.flow is root else _prompts(root)
        if session.stack:
            self.enter_flow(self.flow_of(str(session.stack[-1]["version"])))

    # -- frames -------------------------------------------------------------------------------

    def flow_of(self, version: str) -> CompiledFlow:
        if version == self.root.version:
            return self.root
        if self.load is None:
            raise LookupError(f"no loader for subflow version {version[:12]}")
        return self.load(version)

    def enter_flow(self, flow: CompiledFlow) -> None:
        self.flow = flow
        self.prompts = _prompts(flow)

    # -- variables ----------------------------------------------------------------------------

    @property
    def vars(self) -> dict[str, object]:
        return self.session.vars

    def assign(self, values: Mapping[str, object]) -> None:
        """Set variables (copy on write: the caller's session keeps its dict)."""
        self.session.vars = {**self.session.vars, **values}

    def add_summary(self, text: str, **also: object) -> None:
        """Note what the caller did (the summary travels with a transfer to the agent), and set
        the variables in `also` with it."""
        self.session.vars = {
            **self.session.vars,
            **also,
            "summary": summed(self.session.vars.get("summary"), text),
        }

    @property
    def language(self) -> str:
        return cast(str, self.session.vars.get("language") or self.flow.default_language)

    # -- output -------------------------------------------------------------------------------

    def play(self, state: State, field: str, barge_in: bool = False, loop: int = 1) -> None:
        """Say the prompt in `field` of `state`, if it has one."""
        play = self.prompts.play(
            state.id,
            field,
            prompt_of(state, field),
            self.language,
            self.session.vars,
            barge_in,
            loop,
        )
        if play is not None:
            self.out.append(play)

    def trace(
        self, state: State, changed: Mapping[str, object] | None = None, note: str | None = None
    ) -> None:
        self.out.append(act.Trace(state.id, state.type, self.time, changed or NO_CHANGES, note))

    def end(self, reason: str | None) -> None:
        self.session.status = ENDED
        self.out.append(act.Hangup(reason))

    # -- errors -------------------------------------------------------------------------------

    def fail(self, state: State | None, note: str) -> str | None:
        """The error path: the frame's on_error handler once, then up to a subflow's caller,
        then a polite goodbye. Returns the state to enter next, or None when the call ended."""
        s = self.session
        if state is not None:
            self.trace(state, note=f"error: {note}")
        while True:
            if self.flow.on_error and not s.error_handled:
                s.error_handled = True
                return self.flow.on_error
            if not s.stack:
                self.give_up(None, None)
                return None
            try:
                node = self.pop_frame(None)
            except LookupError as e:
                self.give_up(None, f"the calling flow cannot be loaded: {e}")
                return None
            target = self.flow.states[node].on.get("error")
            if target is not None:
                return target

    def give_up(self, state: State | None, note: str | None) -> None:
        """End the call politely: the caller hears a goodbye in their language. `note` (an
        error, traced at `state`) says why."""
        if state is not None and note is not None:
            self.trace(state, note=f"error: {note}")
        self.out.append(sorry(self.language))
        self.end("error")

    def pop_frame(self, outputs: Mapping[str, str] | None) -> str:
        """Leave a subflow: back to the caller's frame, copying `outputs` (caller variable →
        subflow variable) and the shared builtins. Returns the calling subflow node's id."""
        s = self.session
        frame = s.stack[-1]
        child = s.vars
        s.stack = s.stack[:-1]
        parent_version = str(s.stack[-1]["version"]) if s.stack else s.version
        self.enter_flow(self.flow_of(parent_version))
        values = dict(frame["vars"])
        for name in SHARED_BUILTINS:
            if name in child:
                values[name] = child[name]
        for parent_var, child_var in (outputs or {}).items():
            values[parent_var] = child.get(child_var)
        s.vars = values
        s.retries = dict(frame["retries"])
        s.error_handled = bool(frame["error_handled"])
        return str(frame["node"])


def summed(summary: object, text: str) -> str:
    """The summary with `text` added, keeping the newest part when it grows too long."""
    if not summary:
        return text
    out = f"{summary}; {text}"
    if len(out) > MAX_SUMMARY:  # trimmed by a quarter at a time, not on every step
        out = "…" + out[-(MAX_SUMMARY * 3 // 4) :]
    return out


#: What a trace says a state changed when it changed nothing (shared: traces are never changed).
NO_CHANGES: Mapping[str, object] = {}
_CACHES: dict[str, ActionCache] = {}
_MAX_CACHES = 512


def _prompts(flow: CompiledFlow) -> ActionCache:
    """The shared actions of `flow` (made on first use; the oldest flow's are dropped when too
    many versions were seen). Threads may race here: the worst outcome is a cache made twice."""
    cache = _CACHES.get(flow.version)
    if cache is None or cache.flow is not flow:
        if len(_CACHES) >= _MAX_CACHES:
            with suppress(StopIteration, KeyError, RuntimeError):
                del _CACHES[next(iter(_CACHES))]
        cache = _CACHES[flow.version] = ActionCache(flow)
    return cache


def initial_vars(flow: CompiledFlow, base: Mapping[str, object]) -> dict[str, object]:
    """A frame's variables: the flow's declared defaults, the builtins, then `base`."""
    values: dict[str, object] = {name: v.get("default") for name, v in flow.variables.items()}
    values.update(BUILTIN_DEFAULTS)
    values["language"] = flow.default_language
    values.update(base)
    return values


def new_session(flow: CompiledFlow, call_id: str, pins: Mapping[str, str] | None = None) -> Session:
    """A session for a call about to start on `flow` (give it a CallStarted event next).
    `pins` are the versions of the subflows it may call (see `Registry.pins`)."""
    return Session(call_id, flow.flow, flow.version, pins=dict(pins or {}))


def step(
    flow: CompiledFlow,
    session: Session,
    event: Event,
    *,
    load: Loader | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Session, list[act.Action]]:
    """Apply one event to a call. `flow` is the call's pinned version; `load(version)` gives the
    compiled subflows the call's pins name (only needed by flows with subflows)."""
    asked = getattr(event, "asked", None)
    if asked is not None and asked != session.asked:
        return session, []  # late, or a retry of an answer already applied: nothing changes
    if session.status == FINISHING and type(event) not in AFTER_HANGUP:
        return session, []
    s = session.copy()
    s.seq += 1
    s.updated = event.time
    if s.status == ENDED:
        return s, []
    if QUICK and type(event) is Digits and not s.stack:
        actions = _quick_key(flow, s, event, limits)
        if actions is not None:
            return s, actions
    enter, resume = _HANDLERS or _handlers()
    try:
        run = Run(flow, s, event.time, limits, load)
    except LookupError as e:  # the subflow version the call is in can no longer be loaded
        s.status = ENDED
        note = f"error: the call's subflow cannot be loaded: {e}"
        language = str(s.vars.get("language") or "")
        return s, [
            act.Trace(s.state or "", "subflow", event.time, NO_CHANGES, note),
            sorry(language),
            act.Hangup("error"),
        ]
    if type(event) in EFFECT_RESULTS:
        run.budget -= s.quiet
    elif s.error_handled and type(event) in CALLER_INPUT:
        s.error_handled = False  # the handler led back to the caller: the next error is new
    if type(event) is CallerHangup:
        state = run.flow.states[s.state] if s.state is not None else None
        if state is not None and state.type == "record" and s.status == ACTIVE:
            s.status = FINISHING  # hanging up is how most people end a voicemail
            run.trace(state, note="caller hung up; the recording is still to come")
            return s, run.out
        s.status = ENDED
        if state is not None:
            run.trace(state, note="caller hung up")
        return s, run.out
    if s.state is None:
        if type(event) is not CallStarted:
            return s, []
        s.started = event.time
        s.vars = initial_vars(
            flow,
            {"caller": event.caller, "called": event.called, "call_id": s.call_id},
        )
        target: str | None = flow.start
    else:
        state = run.flow.states[s.state]
        target = resume[state.type](run, state, event)
    _walk(run, target, enter)
    s.quiet = limits.max_steps_per_event - run.budget
    if run.out and isinstance(run.out[-1], act.WAITING):
        s.asked = s.seq  # a new wait: answers to the one before are late from now on
        if s.status == FINISHING and isinstance(run.out[-1], act.CALLER_WAITS):
            run.end("caller-hangup")  # the flow waits for a caller who is gone
    return s, run.out


#: Events that answer the flow's own requests, not the caller: they do not renew the step budget.
EFFECT_RESULTS = frozenset({HttpResult, SmsResult})
#: What the caller does: after it, the flow's error handler may run again for a new error.
CALLER_INPUT = frozenset({Digits, Speech, Timeout, RecordingResult, TransferResult})
#: What a finishing call (the caller hung up while recording) still takes.
AFTER_HANGUP = EFFECT_RESULTS | {RecordingResult}

#: Whether `step` may take the quick path (the tests compare it with the general one).
QUICK = True


def _quick_key(
    flow: CompiledFlow, s: Session, event: Digits, limits: Limits
) -> list[act.Action] | None:
    """The step callers make most, in a few lines: a menu key that leads to another menu or
    collect whose prompts and gather are shared. It does exactly what `resume_menu`, `_walk` and
    `enter_input` do for it, and answers None (take the general path) in every other case: the
    key is no choice (or not known yet), the target's actions are not cached yet, the target has
    retries to reset, or the call is at its step bound."""
    cache = _CACHES.get(flow.version)
    if cache is None or cache.flow is not flow:
        return None
    choices = cache.choices.get(s.state) if s.state is not None else None
    hop = choices.get(event.digits[:1]) if choices is not None else None
    if hop is None:
        return None
    target, said, kind, _ = hop
    values = s.vars
    language = cast(str, values.get("language") or flow.default_language)
    shared = cache.asks.get((target, language, None))
    if (
        shared is None
        or target in s.retries
        or s.steps >= limits.max_steps_per_call
        or limits.max_steps_per_event < 1
    ):
        return None
    s.vars = {**values, "last_digits": event.digits, "summary": summed(values.get("summary"), said)}
    s.state = target
    s.steps += 1
    s.quiet = 1
    s.asked = s.seq
    s.error_handled = False
    return [act.Trace(target, kind, event.time, NO_CHANGES), *shared]


_HANDLERS: tuple[Mapping[str, Handler], Mapping[str, Handler]] | None = None


def _handlers() -> tuple[Mapping[str, Handler], Mapping[str, Handler]]:
    """The handler tables (imported on first use: the handlers import this module)."""
    global _HANDLERS
    from runtime.handlers import ENTER, RESUME

    _HANDLERS = (ENTER, RESUME)
    return _HANDLERS


def _walk(run: Run, target: str | None, enter: Mapping[str, Handler]) -> None:
    """Enter states from `target` until one waits for the outside world or the call ends."""
    s = run.session
    max_call = run.limits.max_steps_per_call
    flow = run.flow
    states = flow.states
    while target is not None and s.status != ENDED:
        if run.flow is not flow:  # a subflow was entered or left
            flow = run.flow
            states = flow.states
        state = states.get(target)
        if state is None:
            target = run.fail(None, f"no state '{target}' in flow {run.flow.flow}")
            continue
        s.state = target
        s.steps += 1
        run.budget -= 1
        if run.budget < 0 or s.steps > max_call:
            target, stop = _over_limit(run, state)
            if stop or target != state.id:
                continue
        target = enter[state.type](run, state, None)


def _over_limit(run: Run, state: State) -> tuple[str | None, bool]:
    """A step bound is crossed: the error path the first time, the end of the call after that
    (when even the error handler keeps looping, or the call, already past its bound, goes on
    after the handler's turn). Returns (next target, whether to stop here)."""
    s = run.session
    limits = run.limits
    if (
        run.budget < -limits.max_steps_per_event
        or s.steps > limits.max_steps_per_call + limits.max_steps_per_event
        or run.steps_before > limits.max_steps_per_call
    ):
        run.give_up(state, "the call ran too many steps")
        return None, True
    if s.error_handled:
        return state.id, False  # the error handler's grace: carry on into this state
    if run.budget < 0:
        note = f"more than {limits.max_steps_per_event} steps without caller input"
    else:
        note = f"more than {limits.max_steps_per_call} steps in the call"
    return run.fail(state, note), True
