"""The state of one call: a small record that any runtime process can load and advance.

A session pins the flow version it started on (and the versions of the subflows that version
calls): a call never changes version. `seq` counts the events applied; a store only accepts a
session whose `seq` is one past the stored one, so two processes never both advance a call.

Sessions are slotted dataclasses copied field by field (`copy`): the engine is pure, so it
copies the session it is given and changes the copy, and dicts inside are copied only when
they change. That copy is what decides the engine's speed (see bench/engine.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

ACTIVE = "active"
#: The caller hung up while recording: the call lives on until the recording is delivered and
#: what the flow does with it (save it, open a ticket) is done, but nobody hears it any more.
FINISHING = "finishing"
ENDED = "ended"


class Frame(TypedDict):
    """A parent frame of a running subflow: what the call goes back to when the subflow ends."""

    flow: str
    version: str
    #: The calling subflow node.
    node: str
    #: Caller variable → subflow variable, copied back on return.
    outputs: dict[str, str]
    vars: dict[str, object]
    retries: dict[str, int]
    error_handled: bool


@dataclass(slots=True, repr=False)
class Session:
    """One call's state between two events (see the module's docstring)."""

    call_id: str
    flow: str
    #: The flow version the call started on, and keeps to its end.
    version: str
    #: Versions of the subflows this call may enter, fixed when it starts.
    pins: dict[str, str] = field(default_factory=dict)
    state: str | None = None
    #: The current frame's variables, builtins (caller, language, summary, ...) included.
    vars: dict[str, object] = field(default_factory=dict)
    #: Failed attempts per menu/collect node of the current frame.
    retries: dict[str, int] = field(default_factory=dict)
    #: Parent frames of running subflows: flow, version, node, outputs, vars, retries.
    stack: tuple[Frame, ...] = ()
    #: Events applied; a store takes a session only one past the one it holds.
    seq: int = 0
    #: States entered over the whole call (the per-call step bound).
    steps: int = 0
    status: str = ACTIVE
    started: float = 0.0
    updated: float = 0.0
    #: The flow's error handler ran in this frame and the caller has not moved on since.
    error_handled: bool = False
    #: States entered since the caller last did something: effect results (HTTP, SMS) do not
    #: count as input, so a loop through a fetch is bounded like any loop.
    quiet: int = 0
    #: The `seq` at which the wait in progress (a gather, recording, transfer, request) was
    #: rendered: answers carry it back, and answers to an earlier wait are dropped.
    asked: int = 0

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
        # Any: the fields of a session this runtime wrote (its JSON round-trips `to_data`).
        fields: dict[str, Any] = dict(data)
        fields["stack"] = tuple(cast("list[Frame]", fields.get("stack") or ()))
        return cls(**fields)

    @classmethod
    def from_json(cls, text: str | bytes) -> Session:
        return cls.from_data(json.loads(text))

    def __repr__(self) -> str:
        version = self.version[:12]
        return f"Session({self.call_id!r}, {self.flow}@{version}, state={self.state!r}, seq={self.seq})"
