"""Nodes that wait for the world outside the call: http, sms, record, transfer."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from functools import partial
from typing import TypeVar, cast
from urllib.parse import quote

from runtime import actions as act
from runtime import events as ev
from runtime.config import DEFAULT_HTTP_TIMEOUT
from runtime.engine import Run
from runtime.handlers.common import evaluate, follow, mapping
from runtime.pointer import save_values
from runtime.prompts import pick, render_text
from sce import expr
from sce.compiler.ir import DONE, State

_T = TypeVar("_T")

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
        headers = {k: render_text(v, env) for k, v in mapping(p.get("headers", {})).items()}
        body = {k: render_text(v, env) for k, v in mapping(p.get("body", {})).items()}
    except expr.ExprError as e:
        return follow(run, state, "error", f"error: the request cannot be built: {e.message}")
    run.trace(state)
    timeout = float(cast(float, p.get("timeout") or DEFAULT_HTTP_TIMEOUT))
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
    if not event.ok:
        detail = event.error or f"HTTP {event.status}"
        return follow(run, state, "error", f"error: {detail}")
    save = cast(Mapping[str, str], state.params.get("save", {}))
    values, problem = save_values(event.body, save)
    if problem is not None:
        return follow(run, state, "error", f"error: {problem}")
    run.assign(values)
    run.trace(state, values, note=f"HTTP {event.status}")
    return follow(run, state, DONE)


def enter_sms(run: Run, state: State, _: ev.Event | None) -> str | None:
    p = state.params
    found = pick(mapping(p.get("message", {})), run.language, run.flow.default_language)
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
    if not event.ok:
        return follow(run, state, "error", f"error: {event.error or 'not sent'}")
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
            float(cast(float, p.get("max_length", 120))),
            float(cast(float, p.get("silence_timeout", 5))),
            bool(p.get("beep", True)),
            cast(str | None, p.get("finish_key")),
            bool(p.get("transcribe")),
        )
    )
    return None


def resume_record(run: Run, state: State, event: ev.Event | None) -> str | None:
    if type(event) is not ev.RecordingResult:
        return None
    seconds = event.duration
    if not event.url or not 0 < seconds < math.inf:  # NaN too
        return follow(run, state, "no_audio", "no audio")
    variable = state.params.get("variable")
    changed: dict[str, object] = {str(variable): event.url} if variable else {}
    if event.transcript:  # what the caller said, when transcribed
        changed["last_speech"] = event.transcript
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

    def filled(make: Callable[[], _T]) -> _T | None:
        if not lenient:
            return make()
        with suppress(expr.ExprError):
            return make()
        return None

    number = filled(lambda: render_text(p["number"], values)) if p.get("number") else None
    priority = (
        filled(lambda: evaluate(p["priority"], values)) if p.get("priority") is not None else None
    )
    attach: dict[str, str] = {}
    for name, template in mapping(p.get("attach") or {}).items():
        text = filled(partial(render_text, template, values))
        if text is not None:
            attach[name] = text
    return act.Transfer(
        state.id,
        language,
        cast(str | None, p.get("queue")),
        number,
        tuple(cast(Iterable[str], p.get("skills", ()))),
        priority if isinstance(priority, int | float) and not isinstance(priority, bool) else None,
        attach,
        cast(str | None, p.get("hold_music")),
        float(cast(float, p.get("announce_every") or act.ANNOUNCE_EVERY)),
        cast(float | None, p.get("max_wait")),
        cast(str | None, p.get("leave_key")),
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
    if type(event) is ev.QueueUpdate:
        wait, position = event.estimated_wait, event.position
        if not 0 < wait < math.inf:  # no estimate (or "0 minutes"): the music plays on
            return None
        position = position if type(position) is int and position >= 0 else 0
        run.assign({"estimated_wait": math.ceil(wait / 60), "queue_position": position})
        with suppress(expr.ExprError):  # else the caller keeps hearing the hold music
            run.play(state, "wait_announcement")
        return None
    if type(event) is ev.Digits:
        if event.digits[:1] != state.params.get("leave_key"):
            return None
        run.add_summary(f"{state.id}: left the queue")
        return follow(run, state, "leave", "left the queue")
    if type(event) is not ev.TransferResult:
        return None
    outcome = event.outcome
    if outcome == "left":
        run.add_summary(f"{state.id}: left the queue")
        return follow(run, state, "leave", "left the queue")
    if outcome == "completed":
        run.trace(state, note="transferred")
        run.end("transferred")
        return None
    return follow(
        run, state, "failure", f"transfer {outcome}" + (f": {event.detail}" if event.detail else "")
    )
