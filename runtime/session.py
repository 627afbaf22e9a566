"""The state of one call: a small record that any runtime process can load and advance.

A session pins the flow version it started on (and the versions of the subflows that version
calls): a call never changes version. `seq` counts the events applied; a store only accepts a
session whose `seq` is one past the stored one, so two processes never both advance a call.

Sessions are plain slotted objects copied field by field (`copy`): the engine is pure, so it
copies the session it is given and changes the copy, and dicts inside are copied only when
they change. That copy is what decides the engine's speed (see bench/engine.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

ACTIVE = "active"
#: The caller hung up while recording: the call lives on until the recording is delivered and
#: what the flow does with it (save it, open a ticket) is done, but nobody hears it any more.
FINISHING = "finishing"
ENDED = "ended"


class Session:
    __slots__ = (
        "call_id",
        "flow",
        "version",
        "pins",
        "state",
        "vars",
        "retries",
        "stack",
        "seq",
        "steps",
        "status",
        "started",
        "updated",
        "error_handled",
        "quiet",
        "asked",
    )

    def __init__(
        self,
        call_id: str,
        flow: str,
        version: str,
        *,
        pins: Mapping[str, str] | None = None,
        state: str | None = None,
        vars: dict[str, object] | None = None,
        retries: dict[str, int] | None = None,
        stack: tuple[dict[str, object], ...] = (),
        seq: int = 0,
        steps: int = 0,
        status: str = ACTIVE,
        started: float = 0.0,
        updated: float = 0.0,
        error_handled: bool = False,
        quiet: int = 0,
        asked: int = 0,
    ) -> None:
        self.call_id = call_id
        self.flow = flow
        self.version = version
        #: Versions of the subflows this call may enter, fixed when it starts.
        self.pins = dict(pins or {})
        self.state = state
        #: The current frame's variables, builtins (caller, language, summary, ...) included.
        self.vars = vars if vars is not None else {}
        #: Failed attempts per menu/collect node of the current frame.
        self.retries = retries if retries is not None else {}
        #: Parent frames of running subflows: flow, version, node, vars, retries.
        self.stack = stack
        self.seq = seq
        #: States entered over the whole call (the per-call step bound).
        self.steps = steps
        self.status = status
        self.started = started
        self.updated = updated
        #: The flow's error handler already ran once in this frame (a second error hangs up).
        self.error_handled = error_handled
        #: States entered since the caller last did something: effect results (HTTP, SMS) do
        #: not count as input, so a loop through a fetch is bounded like any loop.
        self.quiet = quiet
        #: The `seq` at which the wait in progress (a gather, recording, transfer, request)
        #: was rendered: answers carry it back, and answers to an earlier wait are dropped.
        self.asked = asked

    @property
    def active(self) -> bool:
        """Not ended (a finishing call is active: it still runs, and holds its versions)."""
        return self.status != ENDED

    def copy(self) -> Session:
        """A shallow copy: dicts are shared until the engine replaces them. Written out field by
        field: it runs once per event and a loop over the slots costs a third of a step."""
        new = Session.__new__(Session)
        new.call_id = self.call_id
        new.flow = self.flow
        new.version = self.version
        new.pins = self.pins
        new.state = self.state
        new.vars = self.vars
        new.retries = self.retries
        new.stack = self.stack
        new.seq = self.seq
        new.steps = self.steps
        new.status = self.status
        new.started = self.started
        new.updated = self.updated
        new.error_handled = self.error_handled
        new.quiet = self.quiet
        new.asked = self.asked
        return new

    def to_data(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in Session.__slots__} | {
            "stack": list(self.stack)
        }

    def to_json(self) -> str:
        return json.dumps(self.to_data(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Session:
        fields = dict(data)
        call_id = fields.pop("call_id")
        flow = fields.pop("flow")
        version = fields.pop("version")
        fields["stack"] = tuple(fields.get("stack") or ())  # type: ignore[arg-type]
        return cls(call_id, flow, version, **fields)  # type: ignore[arg-type]

    @classmethod
    def from_json(cls, text: str | bytes) -> Session:
        return cls.from_data(json.loads(text))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Session) and self.to_data() == other.to_data()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Session({self.call_id!r}, {self.flow}@{self.version[:12]}, state={self.state!r}, seq={self.seq})"
