"""What the engine asks the outside world to do. An adapter renders these (TwiML, the console,
the browser's test-call panel); effects (HTTP, SMS) run them and answer with an event.

Actions are immutable; the engine shares actions that do not depend on the call between calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Play:
    """Say `text` in `language`, or play `audio` (a prompt id of the catalog) when recorded."""

    text: str
    language: str
    audio: str | None = None
    barge_in: bool = False
    loop: int = 1


@dataclass(frozen=True, slots=True)
class Gather:
    """Wait for keys (and speech when `speech`); answer with Digits, Speech or Timeout."""

    node: str
    language: str
    min_digits: int = 1
    max_digits: int = 1
    finish_on_key: str | None = None
    timeout: float = 5
    inter_digit_timeout: float | None = None
    speech: bool = False
    hints: tuple[str, ...] = ()
    barge_in: bool = True


@dataclass(frozen=True, slots=True)
class Record:
    """Record the caller; answer with RecordingResult."""

    node: str
    max_length: float
    silence_timeout: float
    beep: bool = True
    finish_key: str | None = "#"
    transcribe: bool = False


#: Seconds between two wait announcements when a transfer names none.
ANNOUNCE_EVERY = 60.0


@dataclass(frozen=True, slots=True)
class Transfer:
    """Queue the call for an agent, or dial a number; answer with TransferResult (and QueueUpdate
    while waiting). `attach` is the data that travels with the call, such as its summary."""

    node: str
    language: str
    queue: str | None = None
    number: str | None = None
    skills: tuple[str, ...] = ()
    priority: int | float | None = None
    attach: Mapping[str, str] = field(default_factory=dict)
    hold_music: str | None = None
    announce_every: float = ANNOUNCE_EVERY
    max_wait: float | None = None
    leave_key: str | None = None


@dataclass(frozen=True, slots=True)
class Hangup:
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Fetch:
    """An HTTP data dip; answer with HttpResult."""

    node: str
    method: str
    url: str
    timeout: float
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class SendSms:
    """Send a text message; answer with SmsResult."""

    node: str
    to: str
    message: str


@dataclass(slots=True, eq=True)
class Trace:
    """One state entered: when, and the variables it changed (for replay and analysis).
    `note` says why a call left the normal path (an error, a retry, an exhausted menu).

    Not frozen, unlike the other actions, and never changed after it is made: one is made for
    every state entered, and a frozen dataclass takes twice as long to build."""

    node: str
    type: str
    time: float
    changed: Mapping[str, object] = field(default_factory=dict)
    note: str | None = None


Action = Play | Gather | Record | Transfer | Hangup | Fetch | SendSms | Trace

ACTION_NAMES: dict[type, str] = {
    Play: "play",
    Gather: "gather",
    Record: "record",
    Transfer: "transfer",
    Hangup: "hangup",
    Fetch: "fetch",
    SendSms: "sms",
    Trace: "trace",
}

#: Actions after which the call waits for an event from outside.
WAITING = (Gather, Record, Transfer, Fetch, SendSms)
#: The waits that need the caller on the line.
CALLER_WAITS = (Gather, Record, Transfer)


def heard(actions: Iterable[Action]) -> list[str]:
    """What the caller heard, as text, in order."""
    return [a.text for a in actions if isinstance(a, Play)]


def path(actions: Iterable[Action]) -> list[str]:
    """The states entered, in order; a state's retries (traced again in a row) count once."""
    out: list[str] = []
    for a in actions:
        if isinstance(a, Trace) and (not out or out[-1] != a.node):
            out.append(a.node)
    return out


def action_to_data(action: Action) -> dict[str, object]:
    """The action as JSON-ready data with its kind under "action" (a trace's time in ISO 8601)."""
    data: dict[str, object] = {"action": ACTION_NAMES[type(action)]}
    fields = asdict(action)
    if isinstance(action, Trace):
        fields["time"] = datetime.fromtimestamp(action.time, UTC).isoformat(timespec="milliseconds")
    for key, value in fields.items():
        data[key] = list(value) if isinstance(value, tuple) else value
    return data
