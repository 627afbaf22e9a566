"""What happens to a call, as the engine hears it.

Events are immutable. Every event carries `time` (seconds since the epoch, UTC): the engine never
reads a clock, so the same events replay to the same call.

What the caller or the platform answers may carry `asked`: the session's `asked` number when the
wait it answers was rendered (an adapter echoes it, e.g. in a Gather's action URL). An answer to
a wait the call has moved past is late, or a platform's retry of one already applied: the engine
drops it, so a retried key is never pressed twice and a late timeout never hits the next menu.
Every answer to the wait in progress counts (a queue sends several updates, then a result).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CallStarted:
    caller: str
    called: str
    time: float
    #: Platform parameters (Twilio's CallSid, AccountSid, ...) kept for effects and traces.
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Digits:
    """DTMF keys the caller pressed (a whole gather's worth, terminator included if pressed)."""

    digits: str
    time: float
    asked: int | None = None


@dataclass(frozen=True, slots=True)
class Speech:
    """What the platform's recogniser heard."""

    text: str
    time: float
    confidence: float | None = None
    asked: int | None = None


@dataclass(frozen=True, slots=True)
class Timeout:
    """The caller gave no input before the gather's timeout."""

    time: float
    asked: int | None = None


@dataclass(frozen=True, slots=True)
class HttpResult:
    """The outcome of a `Fetch`: a status and parsed JSON body, or an error (timeout, refused)."""

    time: float
    status: int | None = None
    body: object = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class SmsResult:
    time: float
    ok: bool = True
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingResult:
    """A finished recording; no `url` or zero `duration` means the caller said nothing."""

    time: float
    url: str | None = None
    duration: float = 0
    transcript: str | None = None
    asked: int | None = None


@dataclass(frozen=True, slots=True)
class TransferResult:
    """How a transfer ended: `completed` (the agent took the call, then it ended), `failed`
    (no agent, busy, no answer, queue timed out) or `left` (the caller pressed the leave key)."""

    outcome: str
    time: float
    detail: str | None = None
    asked: int | None = None


@dataclass(frozen=True, slots=True)
class QueueUpdate:
    """While the caller waits in a queue: the platform's estimate, for the wait announcement."""

    time: float
    estimated_wait: float = 0
    position: int = 0
    asked: int | None = None


@dataclass(frozen=True, slots=True)
class CallerHangup:
    """The caller hung up (or the platform ended the call)."""

    time: float


Event = (
    CallStarted
    | Digits
    | Speech
    | Timeout
    | HttpResult
    | SmsResult
    | RecordingResult
    | TransferResult
    | QueueUpdate
    | CallerHangup
)
