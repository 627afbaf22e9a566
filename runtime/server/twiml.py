"""Actions as TwiML, built with the official `twilio` library's classes.

One response holds what the caller hears up to the next wait, then the wait itself:

- a gather: the prompts just before it that allow barge-in go inside `<Gather>` (a key stops them),
  the others before it; after it a `<Redirect>` to our timeout webhook, because a Gather that
  hears nothing falls through to the next verb;
- a recording: `<Record>`, then a `<Redirect>` to the record webhook (Twilio falls through
  without calling the action when nothing was recorded);
- a transfer: `<Dial>` a number, or `<Enqueue>` (a TaskRouter `<Task>` carrying the skills,
  priority and attached data when a workflow is configured), with a wait URL for hold music,
  wait announcements and the leave key;
- the end: `<Hangup/>`.

Every webhook URL carries `asked`, the session's wait number, so that a retried or late request
is told apart from a new answer (see `runtime.events`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from runtime import actions as act


@dataclass(frozen=True)
class Voice:
    """How this server speaks and where things are: the absolute URL of the flow's webhooks
    (`…/voice/<flow>`) and of the prompt audio, which prompts are recorded (`recorded(prompt,
    language)` gives a recording's path under the audio URL, or None), the <Say> voice per
    language, and the TaskRouter workflow queue transfers go to."""

    webhooks: str
    prompts: str
    voices: Mapping[str, str]
    workflow_sid: str | None = None
    recorded: Callable[[str, str], str | None] = lambda prompt, language: None

    def url(self, kind: str, asked: int, **more: object) -> str:
        return f"{self.webhooks}/{kind}?{urlencode({'asked': asked, **more})}"

    def audio(self, prompt: str, language: str) -> str | None:
        """The URL of a prompt's recording (or of an absolute http(s) URL as it is)."""
        if prompt.startswith(("https://", "http://")):
            return prompt
        path = self.recorded(prompt, language)
        return self.prompts + quote(path) if path else None

    def speak(self, parent: VoiceResponse | Gather, play: act.Play) -> None:
        url = self.audio(play.audio, play.language) if play.audio else None
        if url:
            parent.play(url, loop=_loop(play))
        elif play.text:
            voice = self.voices.get(play.language) or self.voices.get(play.language.split("-")[0])
            parent.say(play.text, voice=voice, language=play.language or None, loop=_loop(play))


def _loop(play: act.Play) -> int | None:
    return play.loop if play.loop != 1 else None


def _seconds(value: float) -> int:
    return max(1, math.ceil(value))


def render(
    actions: Sequence[act.Action], voice: Voice, *, asked: int, ended: bool
) -> VoiceResponse:
    """The TwiML for one turn of a call: its prompts, then its wait (or its end)."""
    response = VoiceResponse()
    plays: list[act.Play] = []
    for action in actions:
        kind = type(action)
        if kind is act.Play:
            plays.append(action)  # type: ignore[arg-type]
        elif kind is act.Gather:
            _gather(response, voice, plays, action, asked)  # type: ignore[arg-type]
            plays = []
        elif kind is act.Record:
            _say_all(response, voice, plays)
            plays = []
            _record(response, voice, action, asked)  # type: ignore[arg-type]
        elif kind is act.Transfer:
            _say_all(response, voice, plays)
            plays = []
            _transfer(response, voice, action, asked)  # type: ignore[arg-type]
        elif kind is act.Hangup:
            _say_all(response, voice, plays)
            plays = []
            response.hangup()
            return response
    _say_all(response, voice, plays)
    if ended:
        response.hangup()
    return response


def _say_all(parent: VoiceResponse | Gather, voice: Voice, plays: list[act.Play]) -> None:
    for play in plays:
        voice.speak(parent, play)


def _gather(
    response: VoiceResponse, voice: Voice, plays: list[act.Play], gather: act.Gather, asked: int
) -> None:
    split = len(plays)
    while split > 0 and plays[split - 1].barge_in:
        split -= 1
    _say_all(response, voice, plays[:split])
    nested = response.gather(
        input="dtmf speech" if gather.speech else "dtmf",
        action=voice.url("gather", asked),
        method="POST",
        timeout=_seconds(gather.inter_digit_timeout or gather.timeout),
        num_digits=gather.max_digits if gather.max_digits else None,
        # Twilio ends a gather on '#' unless told otherwise; a menu may use '#' as a choice.
        finish_on_key=gather.finish_on_key or "",
        language=gather.language if gather.speech and gather.language else None,
        hints=", ".join(gather.hints) if gather.speech and gather.hints else None,
        speech_timeout="auto" if gather.speech else None,
        barge_in=None if gather.barge_in else False,
    )
    _say_all(nested, voice, plays[split:])
    response.redirect(voice.url("timeout", asked), method="POST")


def _record(response: VoiceResponse, voice: Voice, record: act.Record, asked: int) -> None:
    response.record(
        action=voice.url("record", asked),
        method="POST",
        max_length=_seconds(record.max_length),
        timeout=_seconds(record.silence_timeout),
        play_beep=record.beep,
        finish_on_key=record.finish_key or "",
    )
    response.redirect(voice.url("record", asked), method="POST")


def _transfer(response: VoiceResponse, voice: Voice, transfer: act.Transfer, asked: int) -> None:
    if transfer.number:
        response.dial(
            transfer.number,
            action=voice.url("transfer", asked),
            method="POST",
            timeout=_seconds(transfer.max_wait) if transfer.max_wait else None,
        )
        return
    wait = voice.url("wait", asked)
    if voice.workflow_sid:
        enqueue = response.enqueue(
            None,
            action=voice.url("transfer", asked),
            method="POST",
            wait_url=wait,
            wait_url_method="POST",
            workflow_sid=voice.workflow_sid,
        )
        enqueue.task(
            json.dumps(task_attributes(transfer), ensure_ascii=False, sort_keys=True),
            priority=_priority(transfer.priority),
            timeout=_seconds(transfer.max_wait) if transfer.max_wait else None,
        )
    else:
        response.enqueue(
            transfer.queue or "support",
            action=voice.url("transfer", asked),
            method="POST",
            wait_url=wait,
            wait_url_method="POST",
        )


def task_attributes(transfer: act.Transfer) -> dict[str, object]:
    """What an agent's desk gets with the call: queue, skills, language, and the attached data
    (such as the summary of what the caller did)."""
    return {
        "queue": transfer.queue,
        "skills": list(transfer.skills),
        "language": transfer.language,
        **transfer.attach,
    }


def _priority(priority: float | None) -> int | None:
    if priority is None or not math.isfinite(priority):
        return None
    return max(0, int(priority))


def wait_music(
    announcements: Sequence[act.Action],
    transfer: act.Transfer,
    voice: Voice,
    *,
    asked: int,
    announced: float,
) -> VoiceResponse:
    """The wait URL's TwiML while the caller is queued: any announcement, then hold music (or
    silence) for one period, during which the leave key is heard; then back here, with the
    queue time of the last announcement so the next one comes `announce_every` later."""
    response = VoiceResponse()
    _say_all(response, voice, [a for a in announcements if type(a) is act.Play])  # type: ignore[misc]
    holder: VoiceResponse | Gather = response
    if transfer.leave_key:
        holder = response.gather(
            input="dtmf",
            action=voice.url("leave", asked, announced=announced),
            method="POST",
            num_digits=1,
            timeout=1,
            finish_on_key="",
        )
    music = voice.audio(transfer.hold_music, transfer.language) if transfer.hold_music else None
    if music:
        holder.play(music)
    else:
        holder.pause(length=_seconds(min(transfer.announce_every, 60)))
    response.redirect(voice.url("wait", asked, announced=announced), method="POST")
    return response


def transfer_out(response: VoiceResponse, voice: Voice, transfer: act.Transfer) -> None:
    """A transfer that does not come back to the flow (the error policy's last resort)."""
    if transfer.number:
        response.dial(transfer.number)
    elif voice.workflow_sid:
        enqueue = response.enqueue(None, workflow_sid=voice.workflow_sid)
        enqueue.task(json.dumps(task_attributes(transfer), ensure_ascii=False, sort_keys=True))
    else:
        response.enqueue(transfer.queue or "support")


def leave() -> VoiceResponse:
    response = VoiceResponse()
    response.leave()
    return response


def hangup(plays: Sequence[act.Play] = (), voice: Voice | None = None) -> VoiceResponse:
    response = VoiceResponse()
    if voice is not None:
        _say_all(response, voice, list(plays))
    response.hangup()
    return response


def empty() -> VoiceResponse:
    return VoiceResponse()
