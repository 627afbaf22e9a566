"""The node types of a service flow.

Every node is a keyword-only dataclass; the field names are the JSON keys, the defaults are what an
absent key means. `sce/schema/flow.schema.json` describes the same shape for the designer and for
validation; `tests/model/test_schema_agrees.py` keeps the two in step.

Durations are seconds (numbers). Exits (`next`, `error`, `exhausted`, ...) name node ids. Texts
may hold `{expression}` parts; conditions and priorities are expressions (see `sce.expr`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(kw_only=True)
class Prompt:
    """What the caller hears: a recorded prompt from the catalog, with text per language.

    The text is the script the voice talent reads and the text-to-speech fallback when no audio
    is recorded for the caller's language; it may hold `{expression}` parts.
    """

    audio: str | None = None
    text: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class Node:
    """Fields shared by every node type."""

    type: ClassVar[str] = ""
    #: Exit fields of this type, in the order the graph and the designer show them.
    exits: ClassVar[tuple[str, ...]] = ()

    title: str | None = None
    description: str | None = None
    noqa: list[str] = field(default_factory=list)
    ui: dict[str, object] = field(default_factory=dict)

    def targets(self) -> list[tuple[str, str]]:
        """Every (exit label, target node id) of this node, in a stable order."""
        out: list[tuple[str, str]] = []
        for name in self.exits:
            value = getattr(self, name)
            if isinstance(value, str):
                out.append((name, value))
        return out


@dataclass(kw_only=True)
class Play(Node):
    type: ClassVar[str] = "play"
    exits: ClassVar[tuple[str, ...]] = ("next",)

    prompt: Prompt
    loop: int = 1
    barge_in: bool = False
    next: str | None = None


@dataclass(kw_only=True)
class Choice:
    """One DTMF key of a menu, with the words a caller may say instead."""

    key: str
    next: str
    label: str | None = None
    speech: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Menu(Node):
    type: ClassVar[str] = "menu"
    exits: ClassVar[tuple[str, ...]] = ("exhausted",)

    prompt: Prompt
    choices: list[Choice] = field(default_factory=list)
    timeout: float | None = None
    retries: int = 2
    no_input: Prompt | None = None
    no_match: Prompt | None = None
    exhausted: str | None = None
    repeat_key: str | None = None
    barge_in: bool = True
    speech: bool = False

    def targets(self) -> list[tuple[str, str]]:
        out = [(f"key {c.key}", c.next) for c in self.choices]
        return out + super().targets()


@dataclass(kw_only=True)
class Collect(Node):
    type: ClassVar[str] = "collect"
    exits: ClassVar[tuple[str, ...]] = ("next", "exhausted")

    prompt: Prompt
    variable: str
    min_digits: int = 1
    max_digits: int = 20
    terminator: str | None = "#"
    pattern: str | None = None
    timeout: float | None = None
    inter_digit_timeout: float = 3
    retries: int = 2
    no_input: Prompt | None = None
    no_match: Prompt | None = None
    barge_in: bool = True
    speech: bool = False
    next: str | None = None
    exhausted: str | None = None


@dataclass(kw_only=True)
class Case:
    """One condition of a branch: the first true `when` picks `next`."""

    when: str
    next: str


@dataclass(kw_only=True)
class Branch(Node):
    type: ClassVar[str] = "branch"
    exits: ClassVar[tuple[str, ...]] = ("default",)

    cases: list[Case] = field(default_factory=list)
    default: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        out = [(f"when {c.when}", c.next) for c in self.cases]
        return out + super().targets()


@dataclass(kw_only=True)
class Set(Node):
    """Assign variables from expressions, in order (a later one sees the earlier ones)."""

    type: ClassVar[str] = "set"
    exits: ClassVar[tuple[str, ...]] = ("next",)

    assign: dict[str, str] = field(default_factory=dict)
    next: str | None = None


@dataclass(kw_only=True)
class Http(Node):
    """Fetch data from a business system; `save` maps variables to JSON pointers in the reply.

    `body` is sent as a JSON object whose values are templates, which is what data dips post
    (an account number, a recording's URL) without making analysts write JSON inside text.
    """

    type: ClassVar[str] = "http"
    exits: ClassVar[tuple[str, ...]] = ("next", "error")

    method: str = "GET"
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    save: dict[str, str] = field(default_factory=dict)
    next: str | None = None
    error: str | None = None


@dataclass(kw_only=True)
class TimeRange:
    start: str
    end: str


@dataclass(kw_only=True)
class Holiday:
    """A date (YYYY-MM-DD) the centre is closed, or open only for `hours` that day."""

    date: str
    name: str | None = None
    hours: list[TimeRange] = field(default_factory=list)


@dataclass(kw_only=True)
class Schedule(Node):
    """Business hours: `hours` by weekday (mon..sun) in `timezone`, with holidays."""

    type: ClassVar[str] = "schedule"
    exits: ClassVar[tuple[str, ...]] = ("open", "closed", "holiday")

    timezone: str
    hours: dict[str, list[TimeRange]] = field(default_factory=dict)
    holidays: list[Holiday] = field(default_factory=list)
    open: str | None = None
    closed: str | None = None
    holiday: str | None = None


@dataclass(kw_only=True)
class Language(Node):
    """Switch the call's language (a code from the flow's `languages`, or a `{template}`)."""

    type: ClassVar[str] = "language"
    exits: ClassVar[tuple[str, ...]] = ("next",)

    language: str
    next: str | None = None


@dataclass(kw_only=True)
class Transfer(Node):
    """Hand the call to a person: a queue (with skills and priority) or a phone number."""

    type: ClassVar[str] = "transfer"
    exits: ClassVar[tuple[str, ...]] = ("leave", "failure")

    queue: str | None = None
    number: str | None = None
    skills: list[str] = field(default_factory=list)
    priority: str | None = None
    attach: dict[str, str] = field(default_factory=dict)
    hold_music: str | None = None
    wait_announcement: Prompt | None = None
    announce_every: float = 60
    max_wait: float | None = None
    leave_key: str | None = None
    leave: str | None = None
    failure: str | None = None


@dataclass(kw_only=True)
class Record(Node):
    """Record the caller (voicemail); the recording's URL goes into `variable`."""

    type: ClassVar[str] = "record"
    exits: ClassVar[tuple[str, ...]] = ("next", "no_audio")

    prompt: Prompt | None = None
    variable: str | None = None
    max_length: float = 120
    silence_timeout: float = 5
    beep: bool = True
    finish_key: str | None = "#"
    transcribe: bool = False
    next: str | None = None
    no_audio: str | None = None


@dataclass(kw_only=True)
class Sms(Node):
    """Send a text message; `message` has a template per language."""

    type: ClassVar[str] = "sms"
    exits: ClassVar[tuple[str, ...]] = ("next", "error")

    to: str = "{caller}"
    message: dict[str, str] = field(default_factory=dict)
    next: str | None = None
    error: str | None = None


@dataclass(kw_only=True)
class Subflow(Node):
    """Run another flow with inputs (expressions) and copy its outputs back into variables."""

    type: ClassVar[str] = "subflow"
    exits: ClassVar[tuple[str, ...]] = ("next", "error")

    flow: str
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    next: str | None = None
    error: str | None = None


@dataclass(kw_only=True)
class Hangup(Node):
    """End the call, after an optional goodbye; in a subflow, `return` goes back to the parent."""

    type: ClassVar[str] = "hangup"

    prompt: Prompt | None = None
    reason: str | None = None
    return_: bool = field(default=False, metadata={"json": "return"})


NODE_TYPES: dict[str, type[Node]] = {
    cls.type: cls
    for cls in (
        Play,
        Menu,
        Collect,
        Branch,
        Set,
        Http,
        Schedule,
        Language,
        Transfer,
        Record,
        Sms,
        Subflow,
        Hangup,
    )
}

#: Node types that end the caller's self-service: a path must reach one of these.
TERMINAL_TYPES = frozenset({"hangup", "transfer"})
#: Node types that wait for the caller (though some of their exits, such as a transfer's
#: failure, come without any caller input: see SCE105 busy-loop).
INPUT_TYPES = frozenset({"menu", "collect", "record", "transfer"})
