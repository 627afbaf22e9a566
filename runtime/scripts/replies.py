"""Typed replies: one line the caller types at the `sce call` console (`1`, `say agent`,
`record URL 5`, an empty line...) as the step a script would write for it."""

from __future__ import annotations

from runtime import actions as act
from runtime.errors import Mismatch
from runtime.scripts.steps import KEYS, Step, is_seconds
from runtime.scripts.waits import Wait


def _number(text: str) -> float:
    value = float(text)
    if not is_seconds(value):
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
    if KEYS.fullmatch(line.strip()):
        return Step("press", line.strip(), 0)
    if head == "press" and len(rest) == 1 and KEYS.fullmatch(rest[0]):
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
