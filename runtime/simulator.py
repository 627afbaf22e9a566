"""The call simulator: a phone call to a flow without a phone, from Python.

    sim = Simulator.from_paths(["flows/"], http={"https://core.bank.example/*": {"json": {...}}})
    call = sim.call("balance", caller="+15551230000")
    call.heard[-1]        # 'For your balance, press 1. ...'
    call.press("1")
    call.path             # ['pick_language', 'welcome', 'main', 'lookup', 'read_balance', ...]

It runs the real engine, registry, in-memory store and effects (`Calls`): only the outside world
is simulated. HTTP fetches are answered by `http` stubs (URL patterns with `*`) when one matches,
else by the real HTTP client under the configured allowlist; SMS go to the log sender. The
clock is the simulator's own and moves only when told (`wait`), so schedules and timeouts are
reproducible.
"""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

from runtime import actions as act
from runtime import events as ev
from runtime.calls import Calls, Turn
from runtime.config import RuntimeConfig
from runtime.effects import LiveEffects, LogSmsSender
from runtime.errors import DeployRefused
from runtime.registry import DeployResult, Registry
from runtime.session import Session
from runtime.store.memory import MemoryDeployBackend, MemorySessionStore
from sce.diagnostics import Severity
from sce.lint import Settings
from sce.lint.runner import collect_files


@dataclass(frozen=True)
class HttpStub:
    """A canned reply for the fetches whose URL matches `pattern` (`*` matches anything)."""

    pattern: str
    status: int = 200
    json: object = None
    error: str | None = None

    def matches(self, method: str, url: str) -> bool:
        method_part, _, url_part = self.pattern.rpartition(" ")
        if method_part and method_part.upper() != method.upper():
            return False
        # Values in URLs are percent-encoded (+1555 is sent as %2B1555); patterns may be
        # written either way.
        return fnmatch.fnmatchcase(url, url_part) or fnmatch.fnmatchcase(unquote(url), url_part)


def stubs_from(data: Mapping[str, object]) -> list[HttpStub]:
    """Stubs from {"[METHOD ]URL pattern": {"status": 200, "json": ..., "error": ...}}."""
    out = []
    for pattern, reply in data.items():
        fields = cast(
            Mapping[str, object], reply if isinstance(reply, Mapping) else {"json": reply}
        )
        out.append(
            HttpStub(
                pattern,
                int(cast(int, fields.get("status", 200))),
                fields.get("json"),
                cast(str | None, fields.get("error")),
            )
        )
    return out


class SimulatedEffects(LiveEffects):
    """Stubs first, then the real HTTP client; SMS to a log sender the simulator can read."""

    def __init__(self, stubs: list[HttpStub], config: RuntimeConfig) -> None:
        super().__init__(config, sms=LogSmsSender())
        self.stubs = stubs
        self.fetched: list[act.Fetch] = []

    def fetch(self, action: act.Fetch, now: float) -> ev.HttpResult:
        self.fetched.append(action)
        for stub in self.stubs:
            if stub.matches(action.method, action.url):
                if stub.error:
                    return ev.HttpResult(now, None, None, stub.error)
                return ev.HttpResult(now, stub.status, stub.json)
        return super().fetch(action, now)


#: The years a simulated clock may show (the epoch's first whole year, to the last a schedule
#: can look a day past).
FIRST_YEAR, LAST_YEAR = 1971, 9998


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date and time (in the machine's zone when it names none); ValueError with a
    message fit for the user when it is not one, or is outside the years a clock can show."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.astimezone()
        moment.timestamp()
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:  # a schedule looks a day either side
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise ValueError(
            f"'{text}' is not a date and time like 2026-11-23T10:00:00-05:00"
            f" (between the years {FIRST_YEAR} and {LAST_YEAR})"
        ) from None
    return moment


def _epoch(at: str | float | datetime | None) -> float:
    if at is None:
        return datetime.now().astimezone().timestamp()
    if isinstance(at, int | float):
        return float(at)
    if isinstance(at, str):
        at = parse_moment(at)
    if at.tzinfo is None:
        at = at.astimezone()
    return at.timestamp()


class Simulator:
    """Flows deployed in memory and calls to them, on a clock that moves only when told."""

    def __init__(
        self,
        *,
        http: Mapping[str, object] | list[HttpStub] | None = None,
        config: RuntimeConfig | None = None,
        settings: Settings | None = None,
        at: str | float | datetime | None = None,
    ) -> None:
        self.config = config or RuntimeConfig()
        stubs = http if isinstance(http, list) else stubs_from(http or {})
        self.effects = SimulatedEffects(stubs, self.config)
        if config is not None:  # deploys checked against the hosts these settings allow
            settings = replace(settings or Settings(), http_allow=tuple(config.http_allow))
        self.registry = Registry(MemoryDeployBackend(), settings)
        self.store = MemorySessionStore(clock=lambda: self.now)
        self.now = _epoch(at)
        self.calls = Calls(
            self.registry,
            self.store,
            self.effects,
            limits=self.config.limits,
            clock=lambda: self.now,
        )
        self._ids = itertools.count(1)

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path], **options: object) -> Simulator:
        """A simulator with every flow under `paths` deployed. Refused flows raise
        DeployRefused with all their diagnostics, to print like `sce lint`; a path that holds no
        flows raises FileNotFoundError."""
        sim = cls(**cast(dict[str, Any], options))  # the constructor's keywords, checked there
        files, problems = collect_files(paths, sim.registry.settings or Settings())
        if problems:
            raise FileNotFoundError("; ".join(problems))
        refused: list[DeployResult] = []
        for path in sorted(files):
            result = sim.deploy(path)
            if not result.ok:
                refused.append(result)
        if refused:
            errors = [d for r in refused for d in r.diagnostics if d.severity is Severity.ERROR]
            names = ", ".join(str(r.source) for r in refused)
            raise DeployRefused(f"refused (errors above): {names}", errors)
        return sim

    def deploy(self, path: str | Path, who: str = "simulator") -> DeployResult:
        return self.registry.deploy_path(path, who=who)

    def call(
        self,
        flow: str,
        *,
        caller: str = "+15550100100",
        called: str = "+15550100000",
        call_id: str | None = None,
    ) -> SimulatedCall:
        call_id = call_id or f"SIM{next(self._ids):06d}"
        turn = self.calls.start(flow, call_id, caller=caller, called=called, time=self.now)
        return SimulatedCall(self, call_id, [turn])

    def wait(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class SimulatedCall:
    """One simulated call: what the caller does (press, say, ...) and what they notice."""

    sim: Simulator
    call_id: str
    turns: list[Turn] = field(default_factory=list)

    # -- what the caller does ---------------------------------------------------------------

    def send(self, event: ev.Event) -> SimulatedCall:
        self.turns.append(self.sim.calls.send(self.call_id, event))
        return self

    def press(self, digits: str) -> SimulatedCall:
        return self.send(ev.Digits(digits, self.sim.now))

    def say(self, text: str, confidence: float = 0.9) -> SimulatedCall:
        return self.send(ev.Speech(text, self.sim.now, confidence))

    def silence(self) -> SimulatedCall:
        """Say nothing until the gather times out."""
        wait = self.waiting_for
        if isinstance(wait, act.Gather):
            self.sim.wait(wait.timeout)
        return self.send(ev.Timeout(self.sim.now))

    def hang_up(self) -> SimulatedCall:
        return self.send(ev.CallerHangup(self.sim.now))

    def record(
        self, url: str | None, duration: float = 5, transcript: str | None = None
    ) -> SimulatedCall:
        self.sim.wait(duration)
        return self.send(ev.RecordingResult(self.sim.now, url, duration, transcript))

    def queue(self, estimated_wait: float, position: int = 1) -> SimulatedCall:
        return self.send(ev.QueueUpdate(self.sim.now, estimated_wait, position))

    def transfer(self, outcome: str, detail: str | None = None) -> SimulatedCall:
        return self.send(ev.TransferResult(outcome, self.sim.now, detail))

    # -- what the caller notices ------------------------------------------------------------

    @property
    def actions(self) -> list[act.Action]:
        """Every action of the call so far, in order."""
        return [a for t in self.turns for a in t.actions]

    @property
    def last(self) -> list[act.Action]:
        """The actions of the last turn."""
        return self.turns[-1].actions

    @property
    def heard(self) -> list[str]:
        """Every prompt the caller heard, as text."""
        return act.heard(self.actions)

    @property
    def path(self) -> list[str]:
        """The states entered, in order; retries in one state count once."""
        return act.path(self.actions)

    @property
    def session(self) -> Session:
        return self.turns[-1].session

    @property
    def ended(self) -> bool:
        return not self.session.active

    @property
    def waiting_for(self) -> act.Gather | act.Record | act.Transfer | None:
        """The caller-facing action the call waits on, however many turns ago it came (a
        queue update adds a turn with only an announcement); None when the call ended."""
        if self.ended:
            return None
        for a in reversed(self.actions):
            if isinstance(a, act.CALLER_WAITS):
                return a
        return None

    def of(self, kind: type) -> list[act.Action]:
        return [a for a in self.actions if isinstance(a, kind)]
