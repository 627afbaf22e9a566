"""Nodes that wait for the world outside the call: http, sms, record, transfer."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from contextlib import suppress
from urllib.parse import quote

from runtime import actions as act
from runtime import events as ev
from runtime.config import DEFAULT_HTTP_TIMEOUT
from runtime.engine import Run
from runtime.handlers.common import evaluate, follow
from runtime.pointer import save_values
from runtime.prompts import pick, render_text
from sce import expr
from sce.compiler.ir import DONE, State

# -- effects: http, sms, record -------------------------------------------------------------------


def _in_url(text: str) -> str:
    """A value in a URL, percent-encoded whole: a caller id like `+1/../admin?x=` stays one
    path segment or query value and can never change which resource is asked for."""
    return quote(text, safe="")


def enter_http(run: Run, state: State, _: ev.Event | None) -> str | None:
    p = state.params
    env = run.vars
    try:
        url = render_text(p["url"], env, escape=_in_url)
        headers = {k: render_text(v, env) for k, v in p.get("headers", {}).items()}  # type: ignore[attr-defined]
        body = {k: render_text(v, env) for k, v in p.get("body", {}).items()}  # type: ignore[attr-defined]
    except expr.ExprError as e:
        return follow(run, state, "error", f"error: the request cannot be built: {e.message}")
    run.trace(state)
    timeout = float(p.get("timeout") or DEFAULT_HTTP_TIMEOUT)  # type: ignore[arg-type]
    run.out.append(
        act.Fetch(state.id, str(p.get("method", "GET")), url, timeout, headers, body or None)
    )
    return None


#: The caller acting while the call waits on a request means its result was lost (the process
#: running it died, or could not store it): the request's error exit runs rather than silence.
_CALLER_EVENTS = (ev.Digits, ev.Speech, ev.Timeout)
_LOST = "error: the result of the request never came"


def resume_http(run: Run, state: State, event: ev.Event | None) -> str | None:
    if type(event) is not ev.HttpResult:
        return follow(run, state, "error", _LOST) if type(event) in _CALLER_EVENTS else None
    if not event.ok:  # type: ignore[union-attr]
        detail = event.error or f"HTTP {event.status}"  # type: ignore[union-attr]
        return follow(run, state, "error", f"error: {detail}")
    values, problem = save_values(event.body, state.params.get("save", {}))  # type: ignore[union-attr,arg-type]
    if problem is not None:
        return follow(run, state, "error", f"error: {problem}")
    run.assign(values)
    run.trace(state, values, note=f"HTTP {event.status}")  # type: ignore[union-attr]
    return follow(run, state, DONE)


def enter_sms(run: Run, state: State, _: ev.Event | None) -> str | None:
    p = state.params
    found = pick(p.get("message", {}), run.language, run.flow.default_language)  # type: ignore[arg-type]
    try:
        to = render_text(p.get("to", "{caller}"), run.vars)
        message = render_text(found[1], run.vars) if found else ""
    except expr.ExprError as e:
        return follow(run, state, "error", f"error: the message cannot be written: {e.message}")
    run.trace(state)
    run.out.append(act.SendSms(state.id, to, message))
    return None


def resume_sms(run: Run, state: State, event: ev.Event | None) -> str | None:
    if type(event) is not ev.SmsResult:
        return follow(run, state, "error", _LOST) if type(event) in _CALLER_EVENTS else None
    if not event.ok:  # type: ignore[union-attr]
        return follow(run, state, "error", f"error: {event.error or 'not sent'}")  # type: ignore[union-attr]
    return follow(run, state, DONE)


def enter_record(run: Run, state: State, _: ev.Event | None) -> str | None:
    p = state.params
    run.trace(state)
    try:
        run.play(state, "prompt")
    except expr.ExprError as e:
        return run.fail(state, f"the prompt cannot be said: {e.message}")
    run.out.append(
        act.Record(
            state.id,
            float(p.get("max_length", 120)),  # type: ignore[arg-type]
            float(p.get("silence_timeout", 5)),  # type: ignore[arg-type]
            bool(p.get("beep", True)),
            p.get("finish_key"),  # type: ignore[arg-type]
            bool(p.get("transcribe")),
        )
    )
    return None


def resume_record(run: Run, state: State, event: ev.Event | None) -> str | None:
    if type(event) is not ev.RecordingResult:
        return None
    seconds = event.duration  # type: ignore[union-attr]
    if not event.url or not 0 < seconds < math.inf:  # type: ignore[union-attr]  # NaN too
        return follow(run, state, "no_audio", "no audio")
    variable = state.params.get("variable")
    changed: dict[str, object] = {str(variable): event.url} if variable else {}  # type: ignore[union-attr]
    if event.transcript:  # type: ignore[union-attr]  # what the caller said, when transcribed
        changed["last_speech"] = event.transcript  # type: ignore[union-attr]
    run.assign(changed)
    run.add_summary(f"{state.id}: left a {math.ceil(seconds)} s recording")
    run.trace(state, changed, note="recorded")
    return follow(run, state, DONE)


# -- transfer -------------------------------------------------------------------------------------


def transfer_action(
    state: State, language: str, values: Mapping[str, object], *, lenient: bool = False
) -> act.Transfer:
    """The transfer a `transfer` state asks for, its templates filled with the call's `values`.
    A template that cannot be filled raises ExprError; with `lenient` its field is left out
    instead (the adapter's last resort must answer whatever the flow holds)."""
    p = state.params

    def filled(make: Callable[[], object]) -> object:
        if not lenient:
            return make()
        with suppress(expr.ExprError):
            return make()
        return None

    number = filled(lambda: render_text(p["number"], values)) if p.get("number") else None
    priority = (
        filled(lambda: evaluate(p["priority"], values)) if p.get("priority") is not None else None
    )
    attach = {}
    for name, template in (p.get("attach") or {}).items():  # type: ignore[attr-defined]
        text = filled(lambda template=template: render_text(template, values))
        if text is not None:
            attach[name] = text
    return act.Transfer(
        state.id,
        language,
        p.get("queue"),  # type: ignore[arg-type]
        number,  # type: ignore[arg-type]
        tuple(p.get("skills", ())),  # type: ignore[arg-type]
        priority if isinstance(priority, int | float) and not isinstance(priority, bool) else None,
        attach,  # type: ignore[arg-type]
        p.get("hold_music"),  # type: ignore[arg-type]
        float(p.get("announce_every") or act.ANNOUNCE_EVERY),  # type: ignore[arg-type]
        p.get("max_wait"),  # type: ignore[arg-type]
        p.get("leave_key"),  # type: ignore[arg-type]
    )


def enter_transfer(run: Run, state: State, _: ev.Event | None) -> str | None:
    try:
        transfer = transfer_action(state, run.language, run.vars)
    except expr.ExprError as e:
        return follow(run, state, "failure", f"error: the transfer cannot be set up: {e.message}")
    run.trace(state, note=f"to {transfer.queue or transfer.number}")
    run.out.append(transfer)
    return None


def resume_transfer(run: Run, state: State, event: ev.Event | None) -> str | None:
    kind = type(event)
    if kind is ev.QueueUpdate:
        wait, position = event.estimated_wait, event.position  # type: ignore[union-attr]
        if not 0 < wait < math.inf:  # no estimate (or "0 minutes"): the music plays on
            return None
        position = position if type(position) is int and position >= 0 else 0
        run.assign({"estimated_wait": math.ceil(wait / 60), "queue_position": position})
        with suppress(expr.ExprError):  # else the caller keeps hearing the hold music
            run.play(state, "wait_announcement")
        return None
    if kind is ev.Digits:
        if event.digits[:1] != state.params.get("leave_key"):  # type: ignore[union-attr]
            return None
        run.add_summary(f"{state.id}: left the queue")
        return follow(run, state, "leave", "left the queue")
    if kind is not ev.TransferResult:
        return None
    outcome = event.outcome  # type: ignore[union-attr]
    if outcome == "left":
        run.add_summary(f"{state.id}: left the queue")
        return follow(run, state, "leave", "left the queue")
    if outcome == "completed":
        run.trace(state, note="transferred")
        run.end("transferred")
        return None
    return follow(
        run, state, "failure", f"transfer {outcome}" + (f": {event.detail}" if event.detail else "")
    )  # type: ignore[union-attr]
