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

A request is checked before it touches a call (`runtime.server.webhook`): 413 past 64 KiB,
403 without a valid signature, 415 when it is no form post, 400 when it is garbled.

`asked` tells a new answer from a late or repeated one. A request for a wait the call has moved
past gets the answer remembered for the call (`runtime.server.turns`): the very answer it got
the first time when it is a retry, never a second step; while the request that moved the call is
still running, it waits for that one's answer. A call that is unknown or over gets `<Hangup/>`.
Whatever goes wrong inside, the platform gets valid TwiML that follows the flow's error policy
(`twiml.apology`), and the log says which call it was.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from runtime import actions as act
from runtime import events as ev
from runtime.errors import SessionConflict, SessionExists, UnknownCall, UnknownFlow
from runtime.handlers.outside import transfer_action
from runtime.prompts import sorry
from runtime.server import turns, twiml
from runtime.server.metrics import METRICS
from runtime.server.service import WEBHOOK_BUDGET, Service, service
from runtime.server.webhook import Webhook, number, read
from runtime.session import Session

log = logging.getLogger("sce.voice")

voice = Blueprint("voice", __name__, url_prefix="/voice")

#: Largest webhook body: Twilio's forms are a few kilobytes.
MAX_WEBHOOK_BYTES = 64 * 1024
#: Where a webhook's name is left in the WSGI environ, for the latency metric.
WEBHOOK = "sce.webhook"
#: The `asked` under which the answer to the call's first request is remembered.
START = -1
#: Status callbacks that mean the call is over.
OVER = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
#: Times a request that lost a race (another request of the call moved it between our read
#: and our write) looks at the call again.
TRIES = 3


@voice.before_request
def _check_request() -> Response | None:
    """Refuse, touching nothing, what the platform did not sign or could not have sent."""
    req = request._get_current_object()  # type: ignore[attr-defined]  # once, not per use
    req.max_content_length = MAX_WEBHOOK_BYTES
    endpoint = req.endpoint or ""
    req.environ[WEBHOOK] = endpoint.rpartition(".")[2]
    svc = service()
    config = svc.config
    # What the request may spend waiting on others (the budget: Twilio gives up at 15 s).
    g.voice_deadline = time.monotonic() + (svc.calls.budget or WEBHOOK_BUDGET)
    hook = read(
        req,
        config.twilio_auth_token,
        verify=config.verify_signatures,
        needs_asked=endpoint not in ("voice.start", "voice.status"),
    )
    if isinstance(hook, Webhook):
        g.webhook = hook
        return None
    METRICS.webhook_refused(hook.reason)
    log.warning("webhook %r refused (%d): %s", request.path, hook.status, hook.message)
    return Response(hook.message + "\n", hook.status, mimetype="text/plain")


def _hook() -> Webhook:
    """This request, as `_check_request` read it."""
    return g.webhook  # type: ignore[no-any-return]


def _xml(response: VoiceResponse | str) -> Response:
    body = response if isinstance(response, str) else response.to_xml()
    return Response(twiml.xml_safe(body), 200, mimetype="application/xml")


def _voice(flow: str) -> twiml.Voice:
    """How to speak to the platform for `flow`, as seen from where this request came to."""
    root = _hook().root
    svc = service()
    voice = svc.voices.get((root, flow))
    if voice is None:
        if len(svc.voices) > 1024:  # roots and flow names come from requests: keep it small
            svc.voices.clear()
        voice = svc.voices[(root, flow)] = twiml.Voice(
            f"{root}voice/{quote(flow, safe='')}",
            f"{root}prompts/",
            svc.config.voices,
            svc.config.twilio_workflow_sid,
            svc.recordings.find,
        )
    return voice


# -- the call comes in ------------------------------------------------------------------------

#: The platform's parameters kept with the call (for effects and traces).
_PARAMS = ("CallSid", "AccountSid", "From", "To", "Direction", "CallerName", "ForwardedFrom")


@voice.post("/<flow>")
def start(flow: str) -> Response:
    sid = _hook().sid
    svc = service()
    form = _hook().form
    try:
        turn = svc.calls.start(
            flow,
            sid,
            caller=form.get("From", ""),
            called=form.get("To", ""),
            params={k: form[k] for k in _PARAMS if k in form},
        )
        METRICS.call_started(turn.session)
        return _xml(turns.remember(svc, _voice(flow), turn, START))
    except SessionExists:
        return _xml(turns.late(svc, _voice(flow), flow, sid, START, g.voice_deadline))
    except UnknownFlow:
        log.error("call %s to flow %r, which is not deployed", sid, flow)
        METRICS.error("unknown-flow")
        return _xml(twiml.hangup([sorry("en-US")], _voice(flow)))
    except Exception:
        return _xml(turns.failed(svc, _voice(flow), flow, sid, "the call could not be started"))


# -- answers to a wait ------------------------------------------------------------------------


@voice.post("/<flow>/gather")
def gather(flow: str) -> Response:
    def events(asked: int, now: float) -> list[ev.Event]:
        form = _hook().form
        speech = form.get("SpeechResult", "").strip()
        digits = form.get("Digits", "")
        if speech:
            return [ev.Speech(speech, now, _confidence(), asked=asked)]
        if digits:
            return [ev.Digits(digits, now, asked=asked)]
        return [ev.Timeout(now, asked=asked)]

    return _continue(flow, events)


@voice.post("/<flow>/timeout")
def timeout(flow: str) -> Response:
    return _continue(flow, lambda asked, now: [ev.Timeout(now, asked=asked)])


@voice.post("/<flow>/record")
def record(flow: str) -> Response:
    def events(asked: int, now: float) -> list[ev.Event]:
        url = _hook().form.get("RecordingUrl") or None
        duration = _hook().number("RecordingDuration") if url else 0.0
        result = ev.RecordingResult(now, url, duration, asked=asked)
        if _hook().form.get("Digits") == "hangup":
            # The caller hung up to end the message: the call finishes without them (the
            # recording is still delivered, and what the flow does with it still runs).
            return [ev.CallerHangup(now), result]
        return [result]

    return _continue(flow, events)


#: How a <Dial> (its DialCallStatus) or an <Enqueue> (its QueueResult) ended, for the flow;
#: any other status (busy, no-answer, queue-full, error...) is a failure.
_OUTCOMES = {"completed": "completed", "answered": "completed", "bridged": "completed"}


@voice.post("/<flow>/transfer")
def transfer(flow: str) -> Response:
    def events(asked: int, now: float) -> list[ev.Event]:
        form = _hook().form
        result = form.get("DialCallStatus") or form.get("QueueResult") or "error"
        if result == "hangup":  # the caller hung up while queued
            return [ev.CallerHangup(now)]
        if result == "leave":
            return [ev.TransferResult("left", now, asked=asked)]
        outcome = _OUTCOMES.get(result, "failed")
        detail = result if outcome == "failed" else None
        return [ev.TransferResult(outcome, now, detail, asked=asked)]

    return _continue(flow, events)


@voice.post("/<flow>/status")
def status(flow: str) -> Response:
    """The call's status changed; when it is over, the call ends here too (or finishes, when
    the caller hung up on a recording that is still to come)."""
    sid = _hook().sid
    if _hook().form.get("CallStatus") not in OVER:
        return _xml(twiml.empty())
    svc = service()
    try:
        for _ in range(TRIES):
            session = svc.calls.get(sid)
            if session is None or not session.active:
                break
            try:
                turn = svc.calls.send(sid, ev.CallerHangup(svc.calls.clock()))
            except SessionConflict:
                continue
            if turn.ended:
                METRICS.call_finished(turn.session)
            break
    except Exception:
        log.exception("call %s (flow %r): the hangup could not be applied", sid, flow)
        METRICS.error("internal")
    return _xml(twiml.empty())


# -- the queue ----------------------------------------------------------------------------------


@voice.post("/<flow>/wait")
def wait(flow: str) -> Response:
    """Twilio asks this while the caller is queued, again each time its answer has played."""
    return _queue(flow, key=None)


@voice.post("/<flow>/leave")
def leave(flow: str) -> Response:
    return _queue(flow, key=_hook().form.get("Digits", "")[:1])


def _queue(flow: str, *, key: str | None) -> Response:
    """The wait URL (key None) or a key pressed during the hold music. Leaving the queue (the
    leave key, or `max_wait` passed) answers `<Leave/>`: the Enqueue's action request that
    follows gets the flow's next turn, remembered here."""
    hook = _hook()
    sid, asked = hook.sid, hook.asked or 0
    svc = service()
    voice_ = _voice(flow)
    announced = number(request.args.get("announced"), math.nan)
    announced_at = announced if math.isfinite(announced) else None
    waiting: act.Transfer | None = None
    try:
        session = svc.calls.get(sid)
        if session is None or not session.active or session.asked != asked:
            return _xml(twiml.leave())  # the call moved on: its transfer webhook says where
        waiting = _waiting(svc, session)
        if waiting is None:
            return _xml(twiml.leave())
        now = svc.calls.clock()
        if key is not None:
            if key == waiting.leave_key:
                return _left(svc, flow, sid, asked, ev.Digits(key, now, asked=asked))
        elif waiting.max_wait and _hook().number("QueueTime") >= waiting.max_wait:
            gave_up = ev.TransferResult("failed", now, "waited too long", asked=asked)
            return _left(svc, flow, sid, asked, gave_up)
        else:
            queued = _hook().number("QueueTime")
            if announced_at is None or queued - announced_at >= waiting.announce_every:
                update = ev.QueueUpdate(
                    now,
                    _hook().number("AvgQueueTime"),
                    int(_hook().number("QueuePosition")),
                    asked=asked,
                )
                said = svc.calls.send(sid, update).actions
                plays = [a for a in said if isinstance(a, act.Play)]
                return _xml(twiml.wait_music(plays, waiting, voice_, asked=asked, announced=queued))
    except SessionConflict:
        pass  # another request moved the call: the music plays on, it will know
    except Exception:
        log.exception("call %s (flow %r): error while queued", sid, flow)
        METRICS.error("internal")
    return _xml(twiml.wait_music((), waiting, voice_, asked=asked, announced=announced_at))


def _waiting(svc: Service, session: Session) -> act.Transfer | None:
    """The transfer the call waits on (in its current frame: a subflow's, when in one)."""
    version = str(session.stack[-1]["version"]) if session.stack else session.version
    state = svc.registry.get(version).states.get(session.state or "")
    if state is None or state.type != "transfer":
        return None
    language = str(session.vars.get("language") or "")
    return transfer_action(state, language, session.vars, lenient=True)


def _left(svc: Service, flow: str, sid: str, asked: int, event: ev.Event) -> Response:
    turn = turns.apply(svc, sid, [event])
    if turn is not None:  # else the call was moved on meanwhile: its action request will know
        turns.remember(svc, _voice(flow), turn, asked)
    return _xml(twiml.leave())


# -- the machinery ------------------------------------------------------------------------------


def _continue(flow: str, make: Callable[[int, float], list[ev.Event]]) -> Response:
    """Apply the events `make(asked, now)` gives to the call, unless the request is late."""
    hook = _hook()
    sid, asked = hook.sid, hook.asked or 0
    svc = service()
    try:
        for _ in range(TRIES):
            session = svc.calls.get(sid)
            if session is None:
                return _xml(turns.unknown(sid))
            if session.asked != asked or not session.active:
                return _xml(turns.late(svc, _voice(flow), flow, sid, asked, g.voice_deadline))
            try:
                turn = turns.apply(svc, sid, make(asked, svc.calls.clock()), session)
            except SessionConflict:
                continue  # another request moved the call meanwhile: look again
            if turn is None:  # the call's wait takes no such answer: it waits on
                return _xml(turns.late(svc, _voice(flow), flow, sid, asked, g.voice_deadline))
            return _xml(turns.remember(svc, _voice(flow), turn, asked))
        return _xml(turns.late(svc, _voice(flow), flow, sid, asked, g.voice_deadline))
    except UnknownCall:
        return _xml(turns.unknown(sid))
    except Exception:
        return _xml(turns.failed(svc, _voice(flow), flow, sid, "internal error"))


def _confidence() -> float | None:
    value = _hook().number("Confidence", math.nan)
    return value if math.isfinite(value) else None
