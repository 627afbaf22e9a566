"""Calls: the engine, a session store, the registry and the effects put together. Every adapter
(the simulator, the TwiML webhooks) drives calls through this one class.

`start` pins the current version of the flow (and of its subflows) and runs the call to its
first wait; `send` applies the next event. Effects the engine asks for (HTTP fetches, SMS) run
here and their results go straight back into the engine, so an adapter only ever sees what
concerns the caller: prompts, gathers, recordings, transfers and the hangup, plus the trace.
Each engine step is saved with compare-and-set on the session's sequence number: if another
process advanced the call meanwhile, `SessionConflict` is raised and nothing is lost.
"""

from __future__ import annotations

import math
import threading
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from runtime import actions as act
from runtime import events as ev
from runtime.config import Limits
from runtime.engine import new_session, step
from runtime.errors import UnknownCall
from runtime.registry import Registry
from runtime.session import Session
from runtime.store.base import SessionStore

#: Effects run in one `send` at most this many times (a flow fetching in a loop still returns).
MAX_EFFECTS_PER_TURN = 20


class Effects(Protocol):
    """Runs the actions that are not for the caller: answers each with its result event."""

    def fetch(self, action: act.Fetch, now: float) -> ev.HttpResult: ...

    def send_sms(self, action: act.SendSms, now: float) -> ev.SmsResult: ...


@dataclass
class Turn:
    """What one event did: the session after it, and the actions in order (effects included,
    each followed by what came of it in later actions)."""

    session: Session
    actions: list[act.Action] = field(default_factory=list)
    results: list[ev.Event] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return not self.session.active


class Calls:
    """Calls in progress on one runtime: start them, apply their events, run their effects."""

    def __init__(
        self,
        registry: Registry,
        store: SessionStore,
        effects: Effects,
        *,
        limits: Limits | None = None,
        clock: Callable[[], float] = _time.time,
        budget: float | None = None,
    ) -> None:
        self.registry = registry
        self.store = store
        self.effects = effects
        self.limits = limits or Limits()
        self.clock = clock
        #: Seconds one `start` or `send` may spend running effects (a webhook must answer in
        #: time): each fetch gets what is left as its timeout at most.
        self.budget = budget

    def start(
        self,
        flow: str,
        call_id: str,
        *,
        caller: str,
        called: str,
        time: float | None = None,
        params: Mapping[str, str] | None = None,
        version: str | None = None,
    ) -> Turn:
        """Start a call on the current version of `flow` (or on `version`, a draft or an
        earlier version: the simulator's test calls). SessionExists if the id is taken."""
        compiled = self.registry.get(version) if version else self.registry.current(flow)
        session = new_session(compiled, call_id, self.registry.pins(compiled))
        event = ev.CallStarted(caller, called, self.clock() if time is None else time, params or {})
        session, actions = step(
            compiled, session, event, load=self.registry.get, limits=self.limits
        )
        self.store.create(session)
        return self._settle(Turn(session, actions))

    def send(self, call_id: str, event: ev.Event, *, session: Session | None = None) -> Turn:
        """Apply `event` to a call in progress (to `session`, its state as just read from the
        store, when the caller has it: one read less; a stale one is refused at the save)."""
        session = session or self.store.get(call_id)
        if session is None:
            raise UnknownCall(f"no call '{call_id}' in progress")
        return self._settle(self._step(Turn(session), event))

    def get(self, call_id: str) -> Session | None:
        return self.store.get(call_id)

    def _step(self, turn: Turn, event: ev.Event) -> Turn:
        flow = self.registry.get(turn.session.version)
        session, actions = step(
            flow, turn.session, event, load=self.registry.get, limits=self.limits
        )
        if session is turn.session:
            return turn  # a late or repeated answer the engine dropped: nothing to store
        self.store.save(session)
        turn.session = session
        turn.actions.extend(actions)
        return turn

    def _settle(self, turn: Turn) -> Turn:
        """Run the effects the call waits for, feeding their results back, until it waits for
        the caller or ends. Past `MAX_EFFECTS_PER_TURN` effects, the next ones are answered
        with an error without being run: a flow that fetches in a loop takes its error exits
        (and the engine's step bound ends the loop), while the caller is never kept waiting."""
        ran = 0
        deadline = None if self.budget is None else _time.monotonic() + self.budget
        while turn.session.active and turn.actions:
            last = turn.actions[-1]
            if type(last) is act.Fetch:
                left = math.inf if deadline is None else deadline - _time.monotonic()
                if ran >= MAX_EFFECTS_PER_TURN:
                    result: ev.Event = ev.HttpResult(self.clock(), error=_TOO_MANY)
                elif left < _LEAST_TIMEOUT:
                    result = ev.HttpResult(self.clock(), error=_NO_TIME)
                else:
                    if last.timeout > left:
                        last = replace(last, timeout=left)
                    result = self.effects.fetch(last, self.clock())
            elif type(last) is act.SendSms:
                left = math.inf if deadline is None else deadline - _time.monotonic()
                if ran >= MAX_EFFECTS_PER_TURN:
                    result = ev.SmsResult(self.clock(), ok=False, error=_TOO_MANY)
                elif left < _LEAST_TIMEOUT:
                    result = ev.SmsResult(self.clock(), ok=False, error=_NO_TIME)
                else:
                    result = self._send_sms(last, left)
            else:
                break
            ran += 1
            turn.results.append(result)
            self._step(turn, result)
        if not turn.session.active:
            self.registry.release(self.store.versions_in_use())
        return turn

    def _send_sms(self, action: act.SendSms, left: float) -> ev.SmsResult:
        """Send an SMS, giving up on the answer after `left` seconds (an SMS service that
        answers slowly must not keep the caller waiting past the webhook's budget)."""
        if math.isinf(left):
            return self.effects.send_sms(action, self.clock())
        outcome: list[ev.SmsResult] = []

        def send() -> None:
            try:
                outcome.append(self.effects.send_sms(action, self.clock()))
            except Exception as e:  # an effect must answer with a result, never raise
                outcome.append(ev.SmsResult(self.clock(), ok=False, error=f"SMS failed: {e}"))

        worker = threading.Thread(target=send, name="sce-sms", daemon=True)
        worker.start()
        worker.join(left)
        if outcome:
            return outcome[0]
        error = f"the SMS service did not answer within {left:.1f} s (it may still arrive)"
        return ev.SmsResult(self.clock(), ok=False, error=error)


#: A fetch with less time than this left is not started: it could only time out.
_LEAST_TIMEOUT = 0.5
_NO_TIME = "not run: no time left before the call must be answered"
_TOO_MANY = f"not run: more than {MAX_EFFECTS_PER_TURN} requests without caller input"
