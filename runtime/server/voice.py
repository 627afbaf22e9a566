"""The TwiML webhooks: a phone number pointed at `POST /voice/<flow>` runs the flow, and its
status callback pointed at `POST /voice/<flow>/status` tells it when the caller hangs up.

    POST /voice/<flow>                  a call comes in: start it, answer with its first turn
    POST /voice/<flow>/gather?asked=N   keys or speech for the gather in progress
    POST /voice/<flow>/timeout?asked=N  the gather heard nothing (its fall-through redirect)
    POST /voice/<flow>/record?asked=N   a recording ended (or nothing was recorded)
    POST /voice/<flow>/transfer?asked=N a <Dial> or <Enqueue> ended
    POST /voice/<flow>/wait?asked=N     the caller waits in a queue (Enqueue's waitUrl)
    POST /voice/<flow>/leave?asked=N    a key pressed while waiting
    POST /voice/<flow>/status           the call's status callback

The webhooks are a WSGI app of their own (`VoiceWebhooks`), which the server's outermost layer
sends every request under /voice/, not a Flask blueprint: they are the hot path of a phone
system, and Flask's request context (its Request object, URL matching, context push and pop,
Response object) costs as much as the whole turn of the engine does (bench/webhook.py: a bare
WSGI app answers at about half the latency of a bare Flask app under the same gunicorn). A
webhook needs none of it: the platform posts one form, signed, and takes TwiML back.

A request is checked before it touches a call (`runtime.server.webhook`): 413 past 64 KiB,
403 without a valid signature, 415 when it is no form post, 400 when it is garbled.

`asked` tells a new answer from a late or repeated one. A request for a wait the call has moved
past gets the answer remembered for the call (`runtime.server.turns`): the very answer it got
the first time when it is a retry, never a second step; while the request that moved the call is
still running, it waits for that one's answer. A call that is unknown or over gets `<Hangup/>`; a call of another flow than the URL's is refused
(404), untouched: a webhook never moves a call on another flow's URLs.
Whatever goes wrong inside, the platform gets valid TwiML that follows the flow's error policy
(`twiml.apology`), and the log says which call it was.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import cache, cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import quote

from twilio.twiml.voice_response import VoiceResponse

from runtime import actions as act
from runtime import events as ev
from runtime.errors import SessionConflict, SessionExists, UnknownCall, UnknownFlow, WrongFlow
from runtime.handlers.outside import transfer_action
from runtime.prompts import sorry
from runtime.server import turns, twiml
from runtime.server.metrics import METRICS
from runtime.server.service import WEBHOOK_BUDGET, Service
from runtime.server.webhook import Webhook, number, read, wsgi_bytes
from runtime.session import Session

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("sce.voice")

#: Where the webhooks are: every path under it is theirs.
PREFIX = "/voice/"
#: The answer to a call's start is remembered under this `asked`.
START = -1
#: Status callbacks that mean the call is over.
OVER = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
#: Times a request that lost a race (another request of the call moved it between our read
#: and our write) looks at the call again.
TRIES = 3

_XML = "application/xml; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"


@dataclass
class Delivery:
    """One webhook request, checked: the flow it is for, what the platform sent, and until
    when (monotonic clock) it may wait on other requests of the call (the budget: Twilio
    gives up at 15 s)."""

    service: Service
    flow: str
    hook: Webhook
    deadline: float

    @cached_property
    def voice(self) -> twiml.Voice:
        """How to speak to the platform for the flow, as seen from where the request came to
        (one per root URL and flow, kept by the service)."""
        svc, key = self.service, (self.hook.root, self.flow)
        voice = svc.voices.get(key)
        if voice is None:
            if len(svc.voices) > 1024:  # roots and flow names come from requests: keep it small
                svc.voices.clear()
            voice = svc.voices[key] = twiml.Voice(
                f"{self.hook.root}voice/{quote(self.flow, safe='')}",
                f"{self.hook.root}prompts/",
                svc.config.voices,
                svc.config.twilio_workflow_sid,
                svc.recordings.find,
                svc.recordings.generation,
            )
        return voice


#: A webhook's handler: the TwiML that answers the delivery.
Handler = Callable[[Delivery], "VoiceResponse | str"]


class VoiceWebhooks:
    """The webhooks as a WSGI app, answering every request under `PREFIX` for `service`."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        path = webhook_path(environ)
        flow, _, kind = path[len(PREFIX) :].partition("/")
        handler = HANDLERS.get(kind) if flow else None
        if handler is None or "/" in kind or (not kind and path.endswith("/")):
            return _respond(start_response, 404, f"no webhook at {path}\n", _TEXT)
        if environ.get("REQUEST_METHOD") != "POST":
            allow = [("Allow", "POST")]
            return _respond(start_response, 405, "webhooks are POSTed\n", _TEXT, allow)
        name = kind or "start"
        try:
            status, body, content_type = self._answer(environ, path, flow, name, handler)
        except Exception:  # the handlers answer their own failures: this is a bug
            log.exception("webhook %s for flow %r failed", name, flow)
            METRICS.error("internal")
            status, body, content_type = 500, "internal error\n", _TEXT
        METRICS.webhook_answered(name, time.perf_counter() - started)
        return _respond(start_response, status, body, content_type)

    def _answer(
        self, environ: WSGIEnvironment, path: str, flow: str, name: str, handler: Handler
    ) -> tuple[int, str, str]:
        svc = self.service
        config = svc.config
        deadline = time.monotonic() + (svc.calls.budget or WEBHOOK_BUDGET)
        hook = read(
            environ,
            config.twilio_auth_token,
            verify=config.verify_signatures,
            needs_asked=name not in ("start", "status"),
        )
        if not isinstance(hook, Webhook):
            METRICS.webhook_refused(hook.reason)
            log.warning("webhook %r refused (%d): %s", path, hook.status, hook.message)
            return hook.status, hook.message + "\n", _TEXT
        if not config.verify_signatures:
            METRICS.webhook_unverified()
        try:
            answer = handler(Delivery(svc, flow, hook, deadline))
        except WrongFlow as e:
            METRICS.webhook_refused("wrong-flow")
            log.warning("webhook %r refused (404): %s", path, e.message)
            return 404, e.message + "\n", _TEXT
        body = answer if isinstance(answer, str) else answer.to_xml()
        return 200, twiml.xml_safe(body), _XML


def webhook_path(environ: WSGIEnvironment) -> str:
    """The request's path under the app, decoded, with its leading slash (which the server
    leaves out when the app's mount point, SCRIPT_NAME, ends with one)."""
    path = wsgi_bytes(environ.get("PATH_INFO", "")).decode("utf-8", "replace")
    return path if path.startswith("/") else "/" + path


def _respond(
    start_response: StartResponse,
    status: int,
    text: str,
    content_type: str,
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    body = text.encode("utf-8")
    start_response(
        _status_line(status),
        [("Content-Type", content_type), ("Content-Length", str(len(body))), *(headers or ())],
    )
    return [body]


@cache
def _status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


# -- the call comes in ------------------------------------------------------------------------

#: The platform's parameters kept with the call (for effects and traces).
_PARAMS = ("CallSid", "AccountSid", "From", "To", "Direction", "CallerName", "ForwardedFrom")


def start(d: Delivery) -> VoiceResponse | str:
    svc, sid, form = d.service, d.hook.sid, d.hook.form
    try:
        with svc.replies.running(sid):  # not around late(): it waits on another request
            turn = svc.calls.start(
                d.flow,
                sid,
                caller=form.get("From", ""),
                called=form.get("To", ""),
                params={k: form[k] for k in _PARAMS if k in form},
            )
            METRICS.call_started(turn.session)
            return turns.remember(svc, d.voice, turn, START)
    except SessionExists:
        session = None
        with suppress(Exception):  # a store that fails now is late()'s to answer
            session = svc.calls.get(sid)
        if session is not None:
            _of_flow(d, session)
        return turns.late(svc, d.voice, d.flow, sid, START, d.deadline)
    except UnknownFlow:
        log.error("call %s to flow %r, which is not deployed", sid, d.flow)
        METRICS.error("unknown-flow")
        return twiml.hangup([sorry("en-US")], d.voice)
    except Exception:
        return turns.failed(svc, d.voice, d.flow, sid, "the call could not be started")


# -- answers to a wait ------------------------------------------------------------------------


def gather(d: Delivery) -> str:
    def events(asked: int, now: float) -> list[ev.Event]:
        form = d.hook.form
        speech = form.get("SpeechResult", "").strip()
        digits = form.get("Digits", "")
        if speech:
            confidence = d.hook.number("Confidence", math.nan)
            heard = confidence if math.isfinite(confidence) else None
            return [ev.Speech(speech, now, heard, asked=asked)]
        if digits:
            return [ev.Digits(digits, now, asked=asked)]
        return [ev.Timeout(now, asked=asked)]

    return _continue(d, events)


def timeout(d: Delivery) -> str:
    return _continue(d, lambda asked, now: [ev.Timeout(now, asked=asked)])


def record(d: Delivery) -> str:
    def events(asked: int, now: float) -> list[ev.Event]:
        url = d.hook.form.get("RecordingUrl") or None
        duration = d.hook.number("RecordingDuration") if url else 0.0
        result = ev.RecordingResult(now, url, duration, asked=asked)
        if d.hook.form.get("Digits") == "hangup":
            # The caller hung up to end the message: the call finishes without them (the
            # recording is still delivered, and what the flow does with it still runs).
            return [ev.CallerHangup(now), result]
        return [result]

    return _continue(d, events)


#: How a <Dial> (its DialCallStatus) or an <Enqueue> (its QueueResult) ended, for the flow;
#: any other status (busy, no-answer, queue-full, error...) is a failure.
_OUTCOMES = {"completed": "completed", "answered": "completed", "bridged": "completed"}


def transfer(d: Delivery) -> str:
    def events(asked: int, now: float) -> list[ev.Event]:
        form = d.hook.form
        result = form.get("DialCallStatus") or form.get("QueueResult") or "error"
        if result == "hangup":  # the caller hung up while queued
            return [ev.CallerHangup(now)]
        if result == "leave":
            return [ev.TransferResult("left", now, asked=asked)]
        outcome = _OUTCOMES.get(result, "failed")
        detail = result if outcome == "failed" else None
        return [ev.TransferResult(outcome, now, detail, asked=asked)]

    return _continue(d, events)


def status(d: Delivery) -> VoiceResponse:
    """The call's status changed; when it is over, the call ends here too (or finishes, when
    the caller hung up on a recording that is still to come)."""
    svc, sid = d.service, d.hook.sid
    if d.hook.form.get("CallStatus") not in OVER:
        return twiml.empty()
    try:
        for _ in range(TRIES):
            session = svc.calls.get(sid)
            if session is None or not session.active:
                break
            _of_flow(d, session)
            try:
                turn = svc.calls.send(sid, ev.CallerHangup(svc.calls.clock()))
            except SessionConflict:
                continue
            if turn.ended:
                METRICS.call_finished(turn.session)
            break
    except WrongFlow:
        raise
    except Exception:
        log.exception("call %s (flow %r): the hangup could not be applied", sid, d.flow)
        METRICS.error("internal")
    return twiml.empty()


# -- the queue ----------------------------------------------------------------------------------


def wait(d: Delivery) -> VoiceResponse | str:
    """Twilio asks this while the caller is queued, again each time its answer has played."""
    return _queue(d, key=None)


def leave(d: Delivery) -> VoiceResponse | str:
    return _queue(d, key=d.hook.form.get("Digits", "")[:1])


def _queue(d: Delivery, *, key: str | None) -> VoiceResponse | str:
    """The wait URL (key None) or a key pressed during the hold music. Leaving the queue (the
    leave key, or `max_wait` passed) answers `<Leave/>`: the Enqueue's action request that
    follows gets the flow's next turn, remembered here."""
    svc, hook = d.service, d.hook
    sid, asked = hook.sid, hook.asked or 0
    announced = number(hook.query.get("announced"), math.nan)
    announced_at = announced if math.isfinite(announced) else None
    waiting: act.Transfer | None = None
    try:
        session = svc.calls.get(sid)
        if session is not None:
            _of_flow(d, session)
        if session is None or not session.active or session.asked != asked:
            return twiml.leave()  # the call moved on: its transfer webhook says where
        waiting = _waiting(svc, session)
        if waiting is None:
            return twiml.leave()
        now = svc.calls.clock()
        if key is not None:
            if key == waiting.leave_key:
                return _left(d, ev.Digits(key, now, asked=asked))
        elif waiting.max_wait and hook.number("QueueTime") >= waiting.max_wait:
            return _left(d, ev.TransferResult("failed", now, "waited too long", asked=asked))
        else:
            queued = hook.number("QueueTime")
            if announced_at is None or queued - announced_at >= waiting.announce_every:
                update = ev.QueueUpdate(
                    now,
                    hook.number("AvgQueueTime"),
                    int(hook.number("QueuePosition")),
                    asked=asked,
                )
                said = svc.calls.send(sid, update).actions
                plays = [a for a in said if isinstance(a, act.Play)]
                return twiml.wait_music(plays, waiting, d.voice, asked=asked, announced=queued)
    except SessionConflict:
        pass  # another request moved the call: the music plays on, it will know
    except WrongFlow:
        raise
    except Exception:
        log.exception("call %s (flow %r): error while queued", sid, d.flow)
        METRICS.error("internal")
    return twiml.wait_music((), waiting, d.voice, asked=asked, announced=announced_at)


def _waiting(svc: Service, session: Session) -> act.Transfer | None:
    """The transfer the call waits on (in its current frame: a subflow's, when in one)."""
    version = str(session.stack[-1]["version"]) if session.stack else session.version
    state = svc.registry.get(version).states.get(session.state or "")
    if state is None or state.type != "transfer":
        return None
    language = str(session.vars.get("language") or "")
    return transfer_action(state, language, session.vars, lenient=True)


def _left(d: Delivery, event: ev.Event) -> VoiceResponse:
    turn = turns.apply(d.service, d.hook.sid, [event])
    if turn is not None:  # else the call was moved on meanwhile: its action request will know
        turns.remember(d.service, d.voice, turn, d.hook.asked or 0)
    return twiml.leave()


# -- the machinery ------------------------------------------------------------------------------


def _continue(d: Delivery, make: Callable[[int, float], list[ev.Event]]) -> str:
    """Apply the events `make(asked, now)` gives to the call, unless the request is late."""
    svc, sid, asked = d.service, d.hook.sid, d.hook.asked or 0
    try:
        for _ in range(TRIES):
            session = svc.calls.get(sid)
            if session is None:
                return turns.unknown(svc, d.voice, d.flow, sid)
            _of_flow(d, session)
            if session.asked != asked or not session.active:
                return turns.late(svc, d.voice, d.flow, sid, asked, d.deadline)
            try:
                with svc.replies.running(sid):  # not around late(): it waits on another request
                    turn = turns.apply(svc, sid, make(asked, svc.calls.clock()), session)
                    if turn is not None:
                        return turns.remember(svc, d.voice, turn, asked)
            except SessionConflict:
                continue  # another request moved the call meanwhile: look again
            # No turn: the call's wait takes no such answer, and waits on.
            return turns.late(svc, d.voice, d.flow, sid, asked, d.deadline)
        return turns.late(svc, d.voice, d.flow, sid, asked, d.deadline)
    except UnknownCall:
        return turns.unknown(svc, d.voice, d.flow, sid)
    except WrongFlow:
        raise
    except Exception:
        return turns.failed(svc, d.voice, d.flow, sid, "internal error")


def _of_flow(d: Delivery, session: Session) -> None:
    """WrongFlow unless the call is one of the flow the webhook's URL names (the flow it
    started on: in a subflow, the call's first frame)."""
    flow = session.stack[0]["flow"] if session.stack else session.flow
    if flow != d.flow:
        raise WrongFlow(f"call {d.hook.sid} is a call of flow '{flow}', not of '{d.flow}'")


#: The webhooks by the last part of their path ("" for the call's start).
HANDLERS: dict[str, Handler] = {
    "": start,
    "gather": gather,
    "timeout": timeout,
    "record": record,
    "transfer": transfer,
    "wait": wait,
    "leave": leave,
    "status": status,
}
