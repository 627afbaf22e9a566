"""A webhook's turn of a call: apply its events, render and remember the answer, and give late,
retried and racing requests what the call was told (`runtime.store.replies`).

A request for a wait the call has moved past (a platform's retry, a late answer, the loser of a
race between two deliveries of one request) never steps the call again: it gets the answer
remembered for the call, waiting for it while the request that moved the call is still on its
way to remembering it. Answers are TwiML text; `failed` answers the flow's error policy.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import suppress

from runtime import actions as act
from runtime import events as ev
from runtime.calls import Turn
from runtime.errors import StoreUnavailable
from runtime.prompts import sorry
from runtime.server import twiml
from runtime.server.metrics import METRICS
from runtime.server.service import Service
from runtime.session import Session
from runtime.store.replies import LEASE, Reply

log = logging.getLogger("sce.voice")

#: Seconds between two looks for the answer of a request still running.
POLL = 0.05


def apply(
    svc: Service, sid: str, events: list[ev.Event], session: Session | None = None
) -> Turn | None:
    """Send the events in order (the first to `session`, the call as just read, if given); the
    turn with every action they caused, or None when they changed nothing the caller could hear
    (an answer the engine dropped or ignored)."""
    turn: Turn | None = None
    actions: list[act.Action] = []
    for event in events:
        turn = svc.calls.send(sid, event, session=session)
        session = None
        actions += turn.actions
    if turn is None or not actions:
        return None
    turn.actions = actions
    return turn


def remember(svc: Service, voice: twiml.Voice, turn: Turn, asked: int) -> str:
    """Render the turn and remember it as the answer to the request that carried `asked`."""
    if turn.ended:
        METRICS.call_finished(turn.session)
    then = turn.session.asked
    body = svc.answers.xml(turn.actions, voice, asked=then, ended=turn.ended)
    svc.replies.put(turn.session.call_id, Reply(asked, then, body), ended=turn.ended)
    return body


def late(svc: Service, voice: twiml.Voice, flow: str, sid: str, asked: int, deadline: float) -> str:
    """The answer to a request for a wait the call has moved past, or one the call's wait takes
    nothing from. A call over: its last answer if this is a retry of the request that got it,
    else `<Hangup/>`. A call going on: the answer that set its current wait, once the request
    that moved it has remembered it (waited for until `deadline`, on the monotonic clock; past
    that, or once no process has run that request for LEASE seconds, the answer is lost and the
    flow's error policy answers)."""
    since = time.monotonic()
    try:
        while True:
            session = svc.calls.get(sid)
            reply = svc.replies.get(sid)
            if session is None or not session.active:
                if reply is not None and reply.asked == asked:
                    METRICS.webhook_repeated()
                    return reply.text
                return twiml.hangup().to_xml()
            if reply is not None and reply.then == session.asked:
                METRICS.webhook_repeated()
                return reply.text
            now = time.monotonic()
            if now >= deadline:
                why = f"no answer remembered for wait {session.asked}"
                return failed(svc, voice, flow, sid, why)
            if now - since >= LEASE and not svc.replies.alive(sid):
                why = f"the request that set wait {session.asked} stopped without an answer"
                return failed(svc, voice, flow, sid, why)
            time.sleep(POLL)
    except Exception:
        return failed(svc, voice, flow, sid, "the call's last answer cannot be read")


def unknown(svc: Service, voice: twiml.Voice, flow: str, sid: str) -> str:
    """A call the store does not know, asking how it goes on: its session was lost (a store
    that lost its data, a worker that died mid-request) or expired. Someone may be on the line:
    they hear the flow's apology (its error policy), never silence."""
    log.warning("webhook for call %s, which is unknown (lost, or long finished)", sid)
    METRICS.webhook_refused("unknown-call")
    try:
        return twiml.apology(svc.registry.current(flow), {}, voice).to_xml()
    except Exception:
        log.exception("call %s: the flow's error policy cannot be read", sid)
        return twiml.hangup([sorry("en-US")], voice).to_xml()


def failed(svc: Service, voice: twiml.Voice, flow: str, sid: str, why: str) -> str:
    """Something broke inside: log it with the call id, and answer what the flow's error
    policy says (`twiml.apology`)."""
    log.error("call %s (flow %r): %s", sid, flow, why, exc_info=sys.exc_info()[0] is not None)
    METRICS.error("internal")
    session = None
    if not isinstance(sys.exc_info()[1], StoreUnavailable):  # else asking again costs time
        with suppress(Exception):  # the flow's policy is known without the call anyway
            session = svc.calls.get(sid)
    try:
        compiled = svc.registry.get(session.version) if session else svc.registry.current(flow)
        return twiml.apology(compiled, session.vars if session else {}, voice).to_xml()
    except Exception:
        log.exception("call %s: the flow's error policy cannot be read", sid)
        return twiml.hangup([sorry("en-US")], voice).to_xml()
