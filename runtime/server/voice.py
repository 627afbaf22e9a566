"""The TwiML webhooks: a phone number pointed at `POST /voice/<flow>` runs the flow.

    POST /voice/<flow>                  a call comes in: start it, answer with its first turn
    POST /voice/<flow>/gather?asked=N   keys or speech for the gather in progress
    POST /voice/<flow>/timeout?asked=N  the gather heard nothing (its fall-through redirect)
    POST /voice/<flow>/record?asked=N   a recording ended (or nothing was recorded)
    POST /voice/<flow>/transfer?asked=N a <Dial> or <Enqueue> ended
    POST /voice/<flow>/wait?asked=N     the caller waits in a queue (Enqueue's waitUrl)
    POST /voice/<flow>/leave?asked=N    a key pressed while waiting
    POST /voice/status                  the call's status callback (the caller hung up)

Every request must be signed (`runtime.server.signature`), or it gets 403 and touches nothing.
`asked` tells a new answer from a late or repeated one: an answer to a wait the call has moved
past gets the answer given last time (`runtime.server.replies`), never a second step. Whatever
goes wrong inside, the platform gets valid TwiML: an apology, then the flow's error policy (a
transfer when its error handler is one, else goodbye).
"""

from __future__ import annotations

import logging
import math
import time
from urllib.parse import quote

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse

from runtime import actions as act
from runtime import events as ev
from runtime.calls import Turn
from runtime.errors import SessionConflict, SessionExists, UnknownFlow
from runtime.prompts import sorry
from runtime.server import twiml
from runtime.server.metrics import METRICS
from runtime.server.service import Service, service
from runtime.server.signature import signed
from runtime.session import Session

log = logging.getLogger("sce.voice")

voice = Blueprint("voice", __name__, url_prefix="/voice")

#: The `asked` under which the answer to the call's first request is remembered.
START = -1
#: Seconds a request that lost a race with its own retry waits for the winner's answer.
RACE_WAIT = 3.0
#: Status callbacks that mean the call is over.
OVER = {"completed", "busy", "failed", "no-answer", "canceled"}


def _xml(response: VoiceResponse | str, status: int = 200) -> Response:
    body = response if isinstance(response, str) else response.to_xml()
    return Response(body, status=status, mimetype="application/xml")


@voice.before_request
def _check_signature() -> Response | None:
    config = service().config
    if config.verify_signatures and not signed(request, config.twilio_auth_token):
        METRICS.webhook_refused("signature")
        log.warning("webhook refused: bad or missing signature on %s", request.path)
        return Response("invalid or missing X-Twilio-Signature\n", 403, mimetype="text/plain")
    return None


def _voice(flow: str) -> twiml.Voice:
    root = request.url_root
    svc = service()
    return twiml.Voice(
        f"{root}voice/{quote(flow)}",
        f"{root}prompts/",
        svc.config.voices,
        svc.config.twilio_workflow_sid,
        svc.recordings.find,
    )


def _asked() -> int | None:
    try:
        return int(request.args["asked"])
    except (KeyError, ValueError):
        return None


def _call_sid() -> str | None:
    sid = request.form.get("CallSid", "").strip()
    return sid if sid and len(sid) <= 64 and sid.isprintable() else None


def _bad(message: str) -> Response:
    METRICS.webhook_refused("malformed")
    return Response(message + "\n", 400, mimetype="text/plain")


# -- the call comes in ------------------------------------------------------------------------


@voice.post("/<flow>")
def start(flow: str) -> Response:
    sid = _call_sid()
    if sid is None:
        return _bad("the request has no CallSid")
    svc = service()
    form = request.form
    try:
        turn = svc.calls.start(
            flow,
            sid,
            caller=form.get("From", ""),
            called=form.get("To", ""),
            time=time.time(),
            params={k: v for k, v in form.items() if k in _PARAMS},
        )
    except SessionExists:
        return _repeat(svc, sid, START)
    except UnknownFlow:
        log.error("call %s to flow '%s', which is not deployed", sid, flow)
        METRICS.error("unknown-flow")
        return _xml(twiml.hangup([sorry("en-US")], _voice(flow)))
    except Exception:
        return _failed(sid, flow, None)
    METRICS.call_started(turn.session)
    return _answer(svc, flow, turn, START)


_PARAMS = {"CallSid", "AccountSid", "From", "To", "Direction", "CallerName", "ForwardedFrom"}


# -- answers to a wait ------------------------------------------------------------------------


@voice.post("/<flow>/gather")
def gather(flow: str) -> Response:
    def event(asked: int) -> ev.Event:
        now = time.time()
        speech = request.form.get("SpeechResult")
        digits = request.form.get("Digits", "")
        if speech:
            return ev.Speech(speech, now, _confidence(), asked=asked)
        if digits:
            return ev.Digits(digits, now, asked=asked)
        return ev.Timeout(now, asked=asked)

    return _continue(flow, event)


@voice.post("/<flow>/timeout")
def timeout(flow: str) -> Response:
    return _continue(flow, lambda asked: ev.Timeout(time.time(), asked=asked))


@voice.post("/<flow>/record")
def record(flow: str) -> Response:
    def events(asked: int) -> list[ev.Event]:
        now = time.time()
        url = request.form.get("RecordingUrl") or None
        duration = _number(request.form.get("RecordingDuration")) if url else 0.0
        out: list[ev.Event] = [ev.RecordingResult(now, url, duration, asked=asked)]
        if request.form.get("Digits") == "hangup":
            out.append(ev.CallerHangup(now))
        return out

    return _continue(flow, events)


@voice.post("/<flow>/transfer")
def transfer(flow: str) -> Response:
    def event(asked: int) -> ev.Event:
        now = time.time()
        form = request.form
        if "DialCallStatus" in form:
            status = form["DialCallStatus"]
            if status in ("completed", "answered"):
                return ev.TransferResult("completed", now, asked=asked)
            return ev.TransferResult("failed", now, status, asked=asked)
        result = form.get("QueueResult", "error")
        if result == "bridged":
            return ev.TransferResult("completed", now, asked=asked)
        if result == "hangup":
            return ev.CallerHangup(now)
        return ev.TransferResult("failed", now, result, asked=asked)

    return _continue(flow, event)


@voice.post("/<flow>/wait")
def wait(flow: str) -> Response:
    """Twilio asks this while the caller is queued, again each time its answer has played."""
    return _queue(flow, key=None)


@voice.post("/<flow>/leave")
def leave(flow: str) -> Response:
    return _queue(flow, key=request.form.get("Digits", "")[:1])


@voice.post("/status")
def status() -> Response:
    sid = _call_sid()
    if sid is None:
        return _bad("the request has no CallSid")
    if request.form.get("CallStatus") in OVER:
        svc = service()
        session = svc.calls.get(sid)
        if session is not None and session.active:
            try:
                turn = svc.calls.send(sid, ev.CallerHangup(time.time()))
                METRICS.call_finished(turn.session)
            except SessionConflict:
                pass  # another request moved the call on; the platform sends this again
            except Exception:
                log.exception("call %s: the hangup could not be applied", sid)
                METRICS.error("internal")
    return _xml(twiml.empty())


# -- the machinery ------------------------------------------------------------------------------


def _continue(flow: str, make: object) -> Response:
    """Apply the event(s) `make(asked)` gives to the call, unless the request is stale."""
    sid = _call_sid()
    asked = _asked()
    if sid is None:
        return _bad("the request has no CallSid")
    if asked is None:
        return _bad("the webhook URL has no 'asked' number (it must be the one we gave)")
    svc = service()
    session: Session | None = None
    try:
        session = svc.calls.get(sid)
        if session is None:
            log.warning("webhook for call %s, which is unknown or long finished", sid)
            METRICS.webhook_refused("unknown-call")
            return _xml(twiml.hangup())
        if session.asked != asked or not session.active:
            return _repeat(svc, sid, asked)
        made = make(asked)  # type: ignore[operator]
        events = made if isinstance(made, list) else [made]
        turn: Turn | None = None
        for event in events:
            turn = svc.calls.send(sid, event)
    except SessionConflict:
        return _repeat(svc, sid, asked, wait=RACE_WAIT)
    except Exception:
        return _failed(sid, flow, session)
    assert turn is not None
    if turn.ended:
        METRICS.call_finished(turn.session)
    return _answer(svc, flow, turn, asked)


def _answer(svc: Service, flow: str, turn: Turn, asked: int) -> Response:
    """Render the turn, remember it for retries, and send it."""
    response = twiml.render(
        turn.actions, _voice(flow), asked=turn.session.asked, ended=turn.ended
    ).to_xml()
    svc.replies.put(turn.session.call_id, asked, response)
    return _xml(response)


def _repeat(svc: Service, sid: str, asked: int, *, wait: float = 0.0) -> Response:
    """A request the call has moved past: what the call was told last (the very answer this
    request got the first time, when it is a retry). With `wait`, give a concurrent twin of
    this request that long to store its answer."""
    deadline = time.monotonic() + wait
    while True:
        last = svc.replies.get(sid)
        if last is not None and (last[0] == asked or time.monotonic() >= deadline):
            break
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    METRICS.webhook_repeated()
    if last is None:
        session = svc.calls.get(sid)
        return _xml(twiml.hangup() if session is None or not session.active else twiml.empty())
    return _xml(last[1])


def _queue(flow: str, *, key: str | None) -> Response:
    """The wait URL (key None) or a key pressed during the hold music."""
    sid = _call_sid()
    asked = _asked()
    if sid is None or asked is None:
        return _bad("the request has no CallSid or no 'asked' number")
    svc = service()
    voice_ = _voice(flow)
    try:
        session = svc.calls.get(sid)
        if session is None or not session.active or session.asked != asked:
            return _xml(twiml.leave())  # the call moved on: its transfer webhook says where
        waiting = _waiting_transfer(svc, session)
        if waiting is None:
            return _xml(twiml.leave())
        announced = _number(request.args.get("announced"), default=-math.inf)
        if key is not None:
            if key != waiting.leave_key:
                return _xml(twiml.wait_music((), waiting, voice_, asked=asked, announced=announced))
            turn = svc.calls.send(sid, ev.Digits(key, time.time(), asked=asked))
            return _left(svc, flow, turn, asked)
        queued = _number(request.form.get("QueueTime"))
        if waiting.max_wait and queued >= waiting.max_wait:
            result = ev.TransferResult("failed", time.time(), "waited too long", asked=asked)
            return _left(svc, flow, svc.calls.send(sid, result), asked)
        plays: list[act.Action] = []
        if queued - announced >= waiting.announce_every:
            update = ev.QueueUpdate(
                time.time(),
                _number(request.form.get("AvgQueueTime")),
                int(_number(request.form.get("QueuePosition"))),
                asked=asked,
            )
            plays = svc.calls.send(sid, update).actions
            announced = queued
        return _xml(twiml.wait_music(plays, waiting, voice_, asked=asked, announced=announced))
    except SessionConflict:
        return _xml(twiml.empty())  # a twin request is handling it; the music plays on
    except Exception:
        log.exception("call %s: error while queued", sid)
        METRICS.error("internal")
        return _xml(twiml.empty())


def _left(svc: Service, flow: str, turn: Turn, asked: int) -> Response:
    """The caller leaves the queue: the flow's next turn becomes the answer to the Enqueue's
    action request that follows `<Leave/>`."""
    if turn.ended:
        METRICS.call_finished(turn.session)
    _answer(svc, flow, turn, asked)
    return _xml(twiml.leave())


def _waiting_transfer(svc: Service, session: Session) -> act.Transfer | None:
    state = svc.registry.get(session.version).states.get(session.state or "")
    if state is None or state.type != "transfer":
        return None
    p = state.params
    return act.Transfer(
        state.id,
        str(session.vars.get("language") or ""),
        hold_music=p.get("hold_music"),  # type: ignore[arg-type]
        announce_every=float(p.get("announce_every") or 60),  # type: ignore[arg-type]
        max_wait=p.get("max_wait"),  # type: ignore[arg-type]
        leave_key=p.get("leave_key"),  # type: ignore[arg-type]
    )


def _failed(sid: str, flow: str, session: Session | None) -> Response:
    """Something broke inside: log it with the call id, and answer what the flow's error
    policy says (its `on_error` handler when that is a transfer, else a polite goodbye)."""
    log.exception("call %s (flow %s): internal error", sid, flow)
    METRICS.error("internal")
    language = "en-US"
    transfer = None
    try:
        compiled = (
            service().registry.get(session.version) if session else service().registry.current(flow)
        )
        language = str((session.vars.get("language") if session else None) or "") or (
            compiled.default_language or language
        )
        handler = compiled.states.get(compiled.on_error or "")
        if handler is not None and handler.type == "transfer":
            p = handler.params
            transfer = act.Transfer(
                handler.id,
                language,
                p.get("queue"),  # type: ignore[arg-type]
                p.get("number") if isinstance(p.get("number"), str) else None,  # type: ignore[arg-type]
                tuple(p.get("skills", ())),  # type: ignore[arg-type]
            )
    except Exception:
        log.exception("call %s: the error policy could not be read", sid)
    voice_ = _voice(flow)
    if transfer is not None and (transfer.queue or transfer.number):
        response = twiml.VoiceResponse()
        voice_.speak(response, sorry(language))
        twiml.transfer_out(response, voice_, transfer)
        return _xml(response)
    return _xml(twiml.hangup([sorry(language)], voice_))


def _confidence() -> float | None:
    value = _number(request.form.get("Confidence"), default=math.nan)
    return value if math.isfinite(value) else None


def _number(text: str | None, default: float = 0.0) -> float:
    try:
        value = float(text) if text is not None else default
    except ValueError:
        return default
    return value if math.isfinite(value) else default
