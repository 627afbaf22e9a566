"""A TwiML answer read for a person at a terminal (`sce webhook`): what the caller hears and what
the call waits for, one line each, and the `sce webhook` commands that send what Twilio could
send next, each with the URL the answer named (so the call goes on where the server left it).

    hears     [en-US] Welcome to Example Bank.
    hears     [en-US] For your balance, press 1. ... (a key stops it)
    waits     for keys or speech (1 key, 5 s, en-US, hints: balance) -> http://…/gather?asked=1
    if none   POST http://…/timeout?asked=1
"""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

#: What the user puts in place of these words of a printed command.
PLACEHOLDERS = frozenset({"KEYS", "WORDS"})


def describe(root: ET.Element) -> Iterator[str]:
    """The answer's verbs as what the caller hears and what the call does, one line each."""
    if len(root) == 0:
        yield "(an empty answer: nothing more happens on the call)"
    waited = False
    for verb in root:
        if verb.tag == "Redirect" and waited:  # where Twilio goes when the wait got nothing
            yield f"if none   {verb.attrib.get('method', 'POST')} {_text(verb)}"
            continue
        waited = verb.tag in ("Gather", "Record")
        yield from _verb(verb)


def _verb(verb: ET.Element) -> Iterator[str]:
    a = verb.attrib
    text = _text(verb)
    if verb.tag == "Say":
        voice = f" {a['voice']}" if "voice" in a else ""
        yield f"hears     [{a.get('language', '')}{voice}] {text}{_times(a)}"
    elif verb.tag == "Play":
        yield f"hears     {text}{_times(a)}"
    elif verb.tag == "Pause":
        yield f"pause     {a.get('length', '1')} s"
    elif verb.tag == "Gather":
        yield from _gather(verb)
    elif verb.tag == "Redirect":
        yield f"then      {a.get('method', 'POST')} {text}"
    elif verb.tag == "Record":
        finish = f", or {a['finishOnKey']}" if a.get("finishOnKey") else ""
        transcribed = ", transcribed" if a.get("transcribe") == "true" else ""
        yield (
            f"records   a message (up to {a.get('maxLength', '3600')} s, ends after "
            f"{a.get('timeout', '5')} s of silence{finish}{transcribed}) -> {a.get('action', '')}"
        )
    elif verb.tag == "Dial":
        yield f"dials     {text} -> {a.get('action', '')}"
    elif verb.tag == "Enqueue":
        task = verb.find("Task")
        if task is not None:
            priority = f", priority {task.attrib['priority']}" if "priority" in task.attrib else ""
            where = f"a TaskRouter task{priority}: {_text(task)}"
        else:
            where = f"queue {text}"
        yield f"queued    in {where} -> {a.get('action', '')}"
        yield f"          while waiting -> {a.get('waitUrl', '')}"
    elif verb.tag == "Leave":
        yield "leaves    the queue (Twilio then posts the Enqueue's action)"
    elif verb.tag == "Hangup":
        yield "hangs up"
    else:
        attrs = "".join(f' {k}="{v}"' for k, v in a.items())
        yield f"<{verb.tag}{attrs}> {text}".rstrip()


def _gather(verb: ET.Element) -> Iterator[str]:
    """The prompts inside a Gather (the server puts there those a key may stop), then what it
    listens for."""
    a = verb.attrib
    for nested in verb:
        for line in _verb(nested):
            yield f"{line} (a key stops it)"
    speech = "speech" in a.get("input", "")
    keys = a.get("numDigits", "")
    details = [f"{keys} key{'s' * (keys != '1')}" if keys else "any keys"]
    if a.get("finishOnKey"):
        details.append(f"ended by {a['finishOnKey']}")
    details.append(f"{a.get('timeout', '5')} s")
    if speech and "language" in a:
        details.append(a["language"])
    if speech and "hints" in a:
        details.append(f"hints: {a['hints']}")
    what = "keys or speech" if speech else "keys"
    yield f"waits     for {what} ({', '.join(details)}) -> {a.get('action', '')}"


def _text(element: ET.Element) -> str:
    return (element.text or "").strip()


def _times(attrib: Mapping[str, str]) -> str:
    return f" (x{attrib['loop']})" if attrib.get("loop", "1") != "1" else ""


class NextCommand:
    """Writes the `sce webhook` command that sends the call's next webhook: the call, the
    numbers it was given, and `--server` only for the status callback (the other webhooks go
    to the whole URL an answer named)."""

    def __init__(self, flow: str, sid: str, server: str | None, options: Sequence[str]) -> None:
        self.words = ["sce", "webhook", flow, "--call", sid, *options]
        self.server = ["--server", server] if server else []

    def __call__(self, *more: str, url: str | None = None) -> str:
        words = self.words + (["--url", url] if url else self.server) + list(more)
        # The placeholders the user replaces stay unquoted, to be seen as such.
        return " ".join(w if w in PLACEHOLDERS else shlex.quote(w) for w in words)


def next_steps(root: ET.Element, posted: str, command: NextCommand) -> Iterator[tuple[str, str]]:
    """What the platform could send next, by what the answer waits for: (label, command)
    pairs; none when the answer ends the call. `posted` is the URL the answer came from."""
    verbs = {verb.tag: verb for verb in reversed(root)}  # the first of each kind
    if "Hangup" in verbs:
        return
    redirect = _text(verbs["Redirect"]) if "Redirect" in verbs else None
    if "Gather" in verbs:
        gather = verbs["Gather"].attrib
        action = gather.get("action")
        yield "press", command("--digits", "KEYS", url=action)
        if "speech" in gather.get("input", ""):
            yield "say", command("--speech", "WORDS", url=action)
        yield "silence", command("--silence", url=redirect or action)
    elif "Record" in verbs:
        action = verbs["Record"].attrib.get("action")
        made = ["RecordingUrl=https://example.com/message.wav", "RecordingDuration=5"]
        yield "recorded", command(*_params(made), url=action)
        yield "nothing", command("--silence", url=redirect or action)
    elif "Dial" in verbs:
        action = verbs["Dial"].attrib.get("action")
        yield "answered", command(*_params(["DialCallStatus=completed"]), url=action)
        yield "no answer", command(*_params(["DialCallStatus=no-answer"]), url=action)
    elif "Enqueue" in verbs:
        enqueue = verbs["Enqueue"].attrib
        waiting = _params(["QueueTime=30", "AvgQueueTime=120", "QueuePosition=1"])
        yield "waiting", command(*waiting, url=enqueue.get("waitUrl"))
        yield "agent took it", command(*_params(["QueueResult=bridged"]), url=enqueue.get("action"))
    elif "Leave" in verbs:
        action = _enqueue_action(posted)
        if action is not None:
            yield "left", command(*_params(["QueueResult=leave"]), url=action)
    elif redirect:
        yield "then", command("--silence", url=redirect)
    else:
        return  # an empty answer (the status callback's): the call is over
    yield "hang up", command("--hangup")


def _params(fields: Sequence[str]) -> list[str]:
    return [word for field in fields for word in ("--param", field)]


def _enqueue_action(posted: str) -> str | None:
    """After `<Leave/>` Twilio posts the Enqueue's action, which is not in this answer: the
    server names it like the wait (or leave) URL the answer came from, with the same `asked`,
    ending in /transfer."""
    parts = urlsplit(posted)
    asked = parse_qs(parts.query).get("asked", [""])[0]
    if not asked or not parts.path.endswith(("/leave", "/wait")):
        return None
    return urljoin(posted, "transfer?" + urlencode({"asked": asked}))
