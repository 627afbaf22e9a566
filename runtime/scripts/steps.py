"""The vocabulary of a call script: the kinds of steps, and the script, its calls and their steps
as read from a file (each step keeps its line, so a failure can name `file:line`)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from runtime.simulator import HttpStub

#: Steps in which the caller acts: each starts a new turn (`wait` only moves the clock).
ACTIONS = ("press", "say", "silence", "hangup", "record", "queue", "transfer", "wait")
#: Steps that check the current turn (or, for `vars` and `ended`, the call as it is now).
EXPECTATIONS = ("hear", "not_hear", "sms", "path", "ended", "transfer_to", "vars", "fetch")
CALL_KEYS = ("name", "flow", "caller", "called", "at", "http", "steps")
TRANSFER_OUTCOMES = ("completed", "failed", "left")
TRANSFER_FIELDS = ("queue", "number", "skills", "priority", "attach", "hold_music", "leave_key")
#: Keys a caller can press, in a script and at the console.
KEYS = re.compile(r"[0-9*#]+")


def is_seconds(value: object) -> TypeGuard[float]:
    """A count of seconds the clock can move by: finite and not negative."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


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
