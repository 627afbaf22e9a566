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

When the engine cannot answer (a store down, a bug), `apology` renders the flow's error policy
(`runtime.fallback`).

A prompt with a recording for the caller's language is played (`<Play>` of its URL under
/prompts/), any other is spoken (`<Say>` with the configured voice for the language). Every
webhook URL carries `asked`, the session's wait number, so that a retried or late request is
told apart from a new answer (see `runtime.events`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from runtime import actions as act
from runtime.fallback import error_policy
from sce.compiler.ir import CompiledFlow

#: What a queued caller hears when the transfer names no hold music (or it has no recording):
#: the classical piece Twilio's documentation plays.
DEFAULT_HOLD_MUSIC = "https://demo.twilio.com/docs/classic.mp3"
#: <Say> language codes where Twilio's text-to-speech names a language otherwise than BCP 47:
#: its Mandarin voices (Polly.Zhiyu, Google.cmn-CN-*) speak `cmn-CN`.
SAY_LANGUAGES = {"zh-CN": "cmn-CN", "zh": "cmn-CN"}


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
    #: What changes when the recordings do (`Recordings.generation`).
    recordings: Callable[[], object] = lambda: None

    def url(self, kind: str, asked: int | str, **more: object) -> str:
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
            language = play.language
            voice = self.voices.get(language) or self.voices.get(language.split("-")[0])
            parent.say(
                play.text,
                voice=voice,
                language=SAY_LANGUAGES.get(language, language) or None,
                loop=_loop(play),
            )


#: What XML 1.0 cannot hold, as the `twilio` classes write it: control characters as they are,
#: halves of UTF-16 surrogate pairs as character references.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|&#(5[5-7]\d\d\d);")


def xml_safe(xml: str) -> str:
    """The TwiML without what would make it unreadable to the platform: a business system's
    reply, a caller id or a template can bring a control character or half a surrogate pair
    into a prompt, and one such character would end the call with a parse error."""
    if "&#5" not in xml and xml.isprintable():
        return xml

    def keep(m: re.Match[str]) -> str:
        ref = m.group(1)
        return "" if ref is None or 0xD800 <= int(ref) <= 0xDFFF else m.group(0)

    return _NOT_XML.sub(keep, xml)


def _loop(play: act.Play) -> int | None:
    return play.loop if play.loop != 1 else None


def _seconds(value: float) -> int:
    return max(1, math.ceil(value))


def render(
    actions: Sequence[act.Action], voice: Voice, *, asked: int | str, ended: bool
) -> VoiceResponse:
    """The TwiML for one turn of a call: its prompts, then its wait (or its end)."""
    response = VoiceResponse()
    plays: list[act.Play] = []
    for action in actions:
        if type(action) is act.Play:
            plays.append(action)
        elif type(action) is act.Gather:
            _gather(response, voice, plays, action, asked)
            plays = []
        elif type(action) is act.Record:
            _say_all(response, voice, plays)
            plays = []
            _record(response, voice, action, asked)
        elif type(action) is act.Transfer:
            _say_all(response, voice, plays)
            plays = []
            _transfer(response, voice, action, asked)
        elif type(action) is act.Hangup:
            _say_all(response, voice, plays)
            response.hangup()
            return response
    _say_all(response, voice, plays)
    if ended:
        response.hangup()
    return response


def _say_all(parent: VoiceResponse | Gather, voice: Voice, plays: Sequence[act.Play]) -> None:
    for play in plays:
        voice.speak(parent, play)


def _gather(
    response: VoiceResponse,
    voice: Voice,
    plays: list[act.Play],
    gather: act.Gather,
    asked: int | str,
) -> None:
    split = len(plays)
    while split > 0 and plays[split - 1].barge_in:
        split -= 1
    _say_all(response, voice, plays[:split])
    nested = response.gather(
        input="dtmf speech" if gather.speech else "dtmf",
        action=voice.url("gather", asked),
        method="POST",
        # Twilio has one timeout, for the first key as for the next: the first key's is the
        # one that matters (a caller must have time to start typing an account number).
        timeout=_seconds(gather.timeout),
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


def _record(response: VoiceResponse, voice: Voice, record: act.Record, asked: int | str) -> None:
    response.record(
        action=voice.url("record", asked),
        method="POST",
        max_length=_seconds(record.max_length),
        timeout=_seconds(record.silence_timeout),
        play_beep=record.beep,
        finish_on_key=record.finish_key or "",
        transcribe=True if record.transcribe else None,
    )
    response.redirect(voice.url("record", asked), method="POST")


def _transfer(
    response: VoiceResponse, voice: Voice, transfer: act.Transfer, asked: int | str
) -> None:
    action = voice.url("transfer", asked)
    if transfer.number:
        response.dial(
            transfer.number,
            action=action,
            method="POST",
            timeout=_seconds(transfer.max_wait) if transfer.max_wait else None,
        )
        return
    wait = voice.url("wait", asked)
    if voice.workflow_sid:
        enqueue = response.enqueue(
            None,
            action=action,
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
            action=action,
            method="POST",
            wait_url=wait,
            wait_url_method="POST",
        )


def task_attributes(transfer: act.Transfer) -> dict[str, object]:
    """What an agent's desk gets with the call: the attached data (such as the summary of what
    the caller did), then queue, skills and language, which the workflow routes on and which
    attached data can therefore not replace."""
    return {
        **transfer.attach,
        "queue": transfer.queue,
        "skills": list(transfer.skills),
        "language": transfer.language,
    }


def _priority(priority: float | None) -> int | None:
    if priority is None or not math.isfinite(priority):
        return None
    return max(0, int(priority))


def wait_music(
    announcements: Sequence[act.Play],
    transfer: act.Transfer | None,
    voice: Voice,
    *,
    asked: int,
    announced: float | None,
) -> VoiceResponse:
    """The wait URL's TwiML while the caller is queued: any announcement, then hold music for
    one period, during both of which the leave key is heard; then back here, with the queue
    time of the last announcement (when there was one) so the next one comes `announce_every`
    later. Without `transfer` (it could not be read), the default music plays on."""
    response = VoiceResponse()
    holder: VoiceResponse | Gather = response
    more = {} if announced is None else {"announced": f"{announced:g}"}
    if transfer is not None and transfer.leave_key:
        holder = response.gather(
            input="dtmf",
            action=voice.url("leave", asked, **more),
            method="POST",
            num_digits=1,
            timeout=1,
            finish_on_key="",
        )
    _say_all(holder, voice, announcements)
    music = None
    if transfer is not None and transfer.hold_music:
        music = voice.audio(transfer.hold_music, transfer.language)
    holder.play(music or DEFAULT_HOLD_MUSIC)
    response.redirect(voice.url("wait", asked, **more), method="POST")
    return response


def _transfer_out(plays: Sequence[act.Play], transfer: act.Transfer, voice: Voice) -> VoiceResponse:
    """The prompts, then a transfer that does not come back to the flow (the error policy's
    last resort: the flow cannot go on)."""
    response = VoiceResponse()
    _say_all(response, voice, plays)
    if transfer.number:
        response.dial(transfer.number)
    elif voice.workflow_sid:
        enqueue = response.enqueue(None, workflow_sid=voice.workflow_sid)
        enqueue.task(
            json.dumps(task_attributes(transfer), ensure_ascii=False, sort_keys=True),
            priority=_priority(transfer.priority),
        )
    else:
        response.enqueue(transfer.queue or "support")
    return response


def leave() -> VoiceResponse:
    response = VoiceResponse()
    response.leave()
    return response


def hangup(plays: Sequence[act.Play] = (), voice: Voice | None = None) -> VoiceResponse:
    response = VoiceResponse()
    if voice is not None:
        _say_all(response, voice, plays)
    response.hangup()
    return response


def empty() -> VoiceResponse:
    return VoiceResponse()


# -- when the engine cannot answer ----------------------------------------------------------------


def apology(flow: CompiledFlow, values: Mapping[str, object], voice: Voice) -> VoiceResponse:
    """The TwiML of the flow's error policy (`runtime.fallback`), for the call's `values`."""
    plays, transfer = error_policy(flow, values)
    return hangup(plays, voice) if transfer is None else _transfer_out(plays, transfer, voice)
