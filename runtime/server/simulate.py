"""Test calls over HTTP: the browser's test-call panel (and any script) calls a flow without a
phone, on the same engine, store and registry as real calls.

    POST /api/simulate/calls                 {"flow": "balance"}          → a call, 201
    POST /api/simulate/calls/<id>/events     {"type": "digits", "digits": "1"}
    GET  /api/simulate/calls/<id>

A test call runs the deployed version of a flow, a given version, or a draft (built like a
deploy, refused with its diagnostics, else archived so that any worker can load it, but never
made current). Each answer is what the caller noticed of the last step: the actions, the prompts
heard, the states entered, the wait the call is in (`waiting_for`) and whether it ended. A
prompt played from a recording has its URL under /prompts/ (`audio_url`, for the browser to
play it as the caller would hear it; null for a prompt spoken from its text). The
last answer is kept with the webhook replies (`Service.replies`, as long as the session lives),
so that any worker can give it again. A call started `at` another time keeps that offset from the
clock for all its events.

Test calls run the flow's HTTP and SMS effects for real: every endpoint needs the API token.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from flask import Blueprint, Response, jsonify, url_for

from runtime import actions as act
from runtime import events as ev
from runtime.calls import Calls, Turn
from runtime.server.service import Service, service
from runtime.session import Session
from runtime.simulator import parse_moment
from runtime.store.replies import Reply
from sce.access.roles import Permission
from sce.api.auth import allow
from sce.api.errors import ApiError
from sce.api.prompts import audio_url
from sce.api.requests import json_body, posted_draft, text_field

simulate = Blueprint("simulate", __name__)

CALL_ID = re.compile(r"sim-[0-9a-f]{32}")
DEFAULT_CALLER = "+15550100100"
DEFAULT_CALLED = "+15550100000"
DIGITS = re.compile(r"[0-9*#]{1,32}")
TRANSFER_OUTCOMES = ("completed", "failed", "left")
EVENT_TYPES = ("digits", "speech", "timeout", "hangup", "recording", "queue", "transfer")
MAX_NUMBER = 64
MAX_TEXT = 2000


@dataclass
class _TestCall:
    """What a test call keeps between requests: its last answer, and its clock offset."""

    answer: dict[str, object] | None
    offset: float = 0.0


@simulate.post("/api/simulate/calls")
@allow(Permission.TEST)
def start_call() -> Response:
    """Start a test call: `flow` (its deployed version, or `version`), or a draft."""
    body = json_body()
    svc = service()
    flow, version = _target(svc, body)
    caller = text_field(body, "caller", limit=MAX_NUMBER) or DEFAULT_CALLER
    called = text_field(body, "called", limit=MAX_NUMBER) or DEFAULT_CALLED
    offset = _offset(text_field(body, "at", limit=64))
    call_id = f"sim-{uuid.uuid4().hex}"
    turn = _calls(svc, offset).start(
        flow, call_id, caller=caller, called=called, time=time.time() + offset, version=version
    )
    answer = _remember(svc, turn, _TestCall(None, offset))
    response = jsonify(answer)
    response.status_code = 201
    response.headers["Location"] = url_for(".get_call", call_id=call_id)
    return response


@simulate.post("/api/simulate/calls/<call_id>/events")
@allow(Permission.TEST)
def send_event(call_id: str) -> dict[str, object]:
    """What the caller (or the platform) does next; the engine drops what does not fit."""
    svc = service()
    _known(svc, call_id)
    body = json_body()
    memory = _recall(svc, call_id)
    event = _event(body, time.time() + memory.offset)
    turn = _calls(svc, memory.offset).send(call_id, event)
    return _remember(svc, turn, memory)


@simulate.get("/api/simulate/calls/<call_id>")
@allow(Permission.TEST)
def get_call(call_id: str) -> dict[str, object]:
    """The call's last answer again, with whether it has ended since."""
    svc = service()
    session = _known(svc, call_id)
    answer = _recall(svc, call_id).answer or _answer(svc, session, [], None)
    ended = not session.active
    return {**answer, "ended": ended, "waiting_for": None if ended else answer["waiting_for"]}


# -- pieces ----------------------------------------------------------------------------------


def _target(svc: Service, body: Mapping[str, object]) -> tuple[str, str | None]:
    """The flow and version a new test call runs (a draft is built and archived first)."""
    flow = text_field(body, "flow", limit=128)
    if "document" in body or "text" in body:
        outcome = svc.registry.stage(posted_draft(body))
        compiled = outcome.compiled
        if compiled is None:
            count = len(outcome.errors)
            raise ApiError(
                422,
                f"the draft does not compile: {count} error{'s' * (count != 1)}",
                outcome.diagnostics,
            )
        if flow is not None and flow != compiled.flow:
            raise ApiError(400, f"/flow is '{flow}' but the draft is flow '{compiled.flow}'")
        return compiled.flow, compiled.version
    if flow is None:
        raise ApiError(400, "/flow is missing: name a deployed flow, or send a draft")
    version = text_field(body, "version", limit=64)
    if version is not None:
        version = svc.registry.version_of(flow, version).version
    return flow, version


def _offset(at: str | None) -> float:
    """Seconds from the clock to the time the call pretends to happen at."""
    if at is None:
        return 0.0
    try:
        return parse_moment(at).timestamp() - time.time()
    except ValueError as e:
        raise ApiError(400, f"/at: {e}") from None


def _calls(svc: Service, offset: float) -> Calls:
    """Calls on the service's registry, store, effects and limits, on the test call's clock."""
    return Calls(
        svc.registry,
        svc.store,
        svc.calls.effects,
        limits=svc.calls.limits,
        clock=lambda: time.time() + offset,
        budget=svc.calls.budget,
    )


def _known(svc: Service, call_id: str) -> Session:
    session = svc.calls.get(call_id) if CALL_ID.fullmatch(call_id) else None
    if session is None:
        raise ApiError(404, f"no test call '{call_id}' (it ended long ago, or never started)")
    return session


def _event(body: Mapping[str, object], now: float) -> ev.Event:
    kind = text_field(body, "type", required=True)
    if kind == "digits":
        digits = text_field(body, "digits", required=True) or ""
        if not DIGITS.fullmatch(digits):
            raise ApiError(400, "/digits must be 1 to 32 keys of 0-9, * and #")
        return ev.Digits(digits, now)
    if kind == "speech":
        text = text_field(body, "text", required=True, limit=MAX_TEXT) or ""
        return ev.Speech(text, now, _number(body, "confidence", maximum=1))
    if kind == "timeout":
        return ev.Timeout(now)
    if kind == "hangup":
        return ev.CallerHangup(now)
    if kind == "recording":
        url = text_field(body, "url", limit=MAX_TEXT)
        duration = _number(body, "duration") or 0.0
        return ev.RecordingResult(
            now, url, duration, text_field(body, "transcript", limit=MAX_TEXT)
        )
    if kind == "queue":
        wait = _number(body, "estimated_wait") or 0.0
        position = _number(body, "position") or 0
        if position != int(position):
            raise ApiError(400, "/position must be a whole number")
        return ev.QueueUpdate(now, wait, int(position))
    if kind == "transfer":
        outcome = text_field(body, "outcome", required=True)
        if outcome not in TRANSFER_OUTCOMES:
            raise ApiError(400, f"/outcome must be one of {', '.join(TRANSFER_OUTCOMES)}")
        return ev.TransferResult(outcome, now, text_field(body, "detail", limit=MAX_TEXT))
    raise ApiError(400, f"/type must be one of {', '.join(EVENT_TYPES)}, not '{kind}'")


def _number(body: Mapping[str, object], name: str, *, maximum: float = 1e9) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f"/{name} must be a number")
    if not 0 <= value <= maximum:
        raise ApiError(400, f"/{name} must be from 0 to {maximum:g}, not {value}")
    return float(value)


def _remember(svc: Service, turn: Turn, memory: _TestCall) -> dict[str, object]:
    """The answer to this turn, kept as the call's last. A turn without a new caller wait
    (a queue update, an event the engine dropped) leaves the call in the wait it was in."""
    waits = [a for a in turn.actions if isinstance(a, act.CALLER_WAITS)]
    if waits:
        waiting: dict[str, object] | None = act.action_to_data(waits[-1])
    else:
        last = memory.answer
        waiting = cast("dict[str, object] | None", last["waiting_for"]) if last else None
    answer = _answer(svc, turn.session, turn.actions, waiting)
    kept = {"answer": answer, "offset": memory.offset}
    asked = turn.session.asked
    svc.replies.put(turn.session.call_id, Reply(asked, asked, json.dumps(kept)), ended=turn.ended)
    return answer


def _recall(svc: Service, call_id: str) -> _TestCall:
    last = svc.replies.get(call_id)
    if last is None:
        return _TestCall(None)
    kept = json.loads(last.text)
    return _TestCall(kept["answer"], kept["offset"])


def _answer(
    svc: Service, session: Session, actions: list[act.Action], waiting: dict[str, object] | None
) -> dict[str, object]:
    ended = not session.active
    return {
        "call": session.call_id,
        "flow": session.flow,
        "version": session.version,
        "actions": [_action(svc, a) for a in actions],
        "heard": act.heard(actions),
        "path": act.path(actions),
        "waiting_for": None if ended else waiting,
        "ended": ended,
    }


def _action(svc: Service, action: act.Action) -> dict[str, object]:
    """An action as the answer gives it; a play also says where its recording is, if any."""
    data = act.action_to_data(action)
    if isinstance(action, act.Play):
        data["audio_url"] = _audio_url(svc, action)
    return data


def _audio_url(svc: Service, play: act.Play) -> str | None:
    """The URL (on this server, under /prompts/) of the recording the caller hears for a
    played prompt, as the phone gets it (`runtime.server.twiml.Voice.audio`); None when the
    prompt is spoken from its text."""
    if not play.audio:
        return None
    found = svc.recordings.find(play.audio, play.language)
    return audio_url(found) if found else None
