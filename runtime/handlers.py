"""One handler per node type: what entering a state does (`ENTER`) and what an event does to a
call waiting in it (`RESUME`). A handler returns the id of the state to enter next, or None when
the call now waits for the outside world (it has emitted the actions saying for what) or ended.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from functools import lru_cache

from runtime import actions as act
from runtime import events as ev
from runtime.effects.http import save_values
from runtime.engine import SHARED_BUILTINS, Run, initial_vars, summed
from runtime.prompts import pick, render_text
from runtime.schedule import HOLIDAY, classify
from sce import expr
from sce.compiler.ir import DONE, Expression, State
from sce.expr.values import truthy

Handler = Callable[[Run, State, "ev.Event | None"], "str | None"]

DEFAULT_TIMEOUT = 5.0
DEFAULT_HTTP_TIMEOUT = 5.0


def _exit(run: Run, state: State, event: str, note: str | None = None) -> str | None:
    """Follow an exit of `state`; an exit the flow left unconnected is an error."""
    target = state.on.get(event)
    if target is None:
        return run.fail(state, note or f"'{state.id}' has no '{event}' exit")
    if note:
        run.trace(state, note=note)
    return target


def _evaluate(node: object, env: Mapping[str, object]) -> object:
    return expr.evaluate(node.ast if isinstance(node, Expression) else node, env)  # type: ignore[arg-type]


# -- play, hangup -------------------------------------------------------------------------------


def enter_play(run: Run, state: State, _: ev.Event | None) -> str | None:
    run.trace(state)
    try:
        run.play(
            state, "prompt", bool(state.params.get("barge_in")), int(state.params.get("loop") or 1)
        )  # type: ignore[call-overload]
    except expr.ExprError as e:
        return run.fail(state, f"the prompt cannot be said: {e.message}")
    return _exit(run, state, DONE)


def enter_hangup(run: Run, state: State, _: ev.Event | None) -> str | None:
    run.trace(state)
    with suppress(expr.ExprError):  # a goodbye that cannot be said is skipped: the call ends
        run.play(state, "prompt")
    if state.params.get("return") and run.session.stack:
        frame = run.session.stack[-1]
        node = run.pop_frame(frame["outputs"])  # type: ignore[arg-type]
        return _exit(run, run.flow.states[node], DONE)
    run.end(state.params.get("reason"))  # type: ignore[arg-type]
    return None


# -- menu and collect ---------------------------------------------------------------------------


def _menu_gather(state: State, language: str) -> act.Gather:
    params = state.params
    hints = tuple(w for c in params.get("choices", ()) for w in c.get("speech", ()))  # type: ignore[attr-defined]
    return act.Gather(
        state.id,
        language,
        1,
        1,
        None,
        float(params.get("timeout") or DEFAULT_TIMEOUT),  # type: ignore[arg-type]
        None,
        bool(params.get("speech")) or bool(hints),
        hints,
        bool(params.get("barge_in", True)),
    )


def _collect_gather(state: State, language: str) -> act.Gather:
    p = state.params
    return act.Gather(
        state.id,
        language,
        int(p.get("min_digits", 1)),  # type: ignore[call-overload]
        int(p.get("max_digits", 20)),  # type: ignore[call-overload]
        p.get("terminator"),  # type: ignore[arg-type]
        float(p.get("timeout") or DEFAULT_TIMEOUT),  # type: ignore[arg-type]
        float(p.get("inter_digit_timeout") or 3),  # type: ignore[arg-type]
        bool(p.get("speech")),
        (),
        bool(p.get("barge_in", True)),
    )


def _ask(run: Run, state: State, lead: str | None = None) -> None:
    """Say the prompt (after the no-input/no-match prompt `lead`, if any) and wait for input.
    When every prompt is static the actions are made once per language and shared."""
    language = run.language
    cache = run.prompts
    key = (state.id, language, lead)
    shared = cache.asks.get(key)
    if shared is not None:
        run.out += shared
        return
    barge_in = bool(state.params.get("barge_in", True))
    fields = ("prompt",) if lead is None else (lead, "prompt")
    actions: list[act.Action] = []
    for name in fields:
        play = cache.play(state.id, name, state.params.get(name), language, run.vars, barge_in)  # type: ignore[arg-type]
        if play is not None:
            actions.append(play)
    make = _menu_gather if state.type == "menu" else _collect_gather
    actions.append(make(state, language))
    if all(cache.is_shared(state.id, name, language) for name in fields):
        cache.asks[key] = tuple(actions)
    run.out.extend(actions)


def enter_input(run: Run, state: State, _: ev.Event | None) -> str | None:
    s = run.session
    if state.id in s.retries:  # coming back to a menu later starts its retries afresh
        s.retries = {k: v for k, v in s.retries.items() if k != state.id}
    run.out.append(act.Trace(state.id, state.type, run.time))
    try:
        _ask(run, state)
    except expr.ExprError as e:
        return run.fail(state, f"the prompt cannot be said: {e.message}")
    return None


def _retry(run: Run, state: State, kind: str) -> str | None:
    """No input or no match: count it, re-prompt, or run the exhausted exit after the last try."""
    s = run.session
    tries = s.retries.get(state.id, 0) + 1
    allowed = int(state.params.get("retries", 2))  # type: ignore[call-overload]
    if tries > allowed:
        run.add_summary(f"{state.id}: no valid answer after {tries} tries")
        return _exit(run, state, "exhausted", f"{kind} {tries}: exhausted")
    s.retries = {**s.retries, state.id: tries}
    run.trace(state, note=f"{kind} {tries} of {allowed + 1}")
    try:
        _ask(run, state, kind.replace("-", "_"))
    except expr.ExprError as e:
        return run.fail(state, f"the prompt cannot be said: {e.message}")
    return None


_SPOKEN_DIGITS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "star": "*", "hash": "#", "pound": "#",
    "零": "0", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6",
    "七": "7", "八": "8", "九": "9",
}  # fmt: skip
_WORD = re.compile(r"[a-z]+|[^\sa-z]")


def _spoken_keys(text: str) -> str:
    """Keys a caller said: "one two three" or "一二三" or "123" → "123"."""
    out = []
    for token in _WORD.findall(text.lower()):
        if token.isdigit() or token in ("*", "#"):
            out.append(token)
        elif token in _SPOKEN_DIGITS:
            out.append(_SPOKEN_DIGITS[token])
    return "".join(out)


def _said_choice(state: State, text: str) -> str | None:
    """The key of the choice whose words the caller said, else a key they said."""
    said = text.strip().lower()
    for choice in state.params.get("choices", ()):  # type: ignore[attr-defined]
        for word in choice.get("speech", ()):
            if re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", said):
                return choice["key"]  # type: ignore[no-any-return]
    keys = _spoken_keys(said)
    return keys[:1] if len(keys) == 1 else None


def _choices(run: Run, state: State) -> dict[str, tuple[str, str]]:
    """key → (next state, what the summary says of it), made once per menu."""
    table = run.prompts.choices.get(state.id)
    if table is None:
        table = {}
        for choice in state.params.get("choices", ()):  # type: ignore[attr-defined]
            key, label = choice["key"], choice.get("label")
            target = state.on.get("key:" + key)
            if target is not None:
                table[key] = (
                    target,
                    f"{state.id}: pressed {key}" + (f" ({label})" if label else ""),
                )
        run.prompts.choices[state.id] = table
    return table


def resume_menu(run: Run, state: State, event: ev.Event | None) -> str | None:
    kind = type(event)
    if kind is ev.Digits:
        digits = event.digits  # type: ignore[union-attr]
        choices = run.prompts.choices.get(state.id) or _choices(run, state)
        choice = choices.get(digits[:1])
        if choice is not None:  # the common case, kept short
            values = run.session.vars
            run.session.vars = {
                **values,
                "last_digits": digits,
                "summary": summed(values.get("summary"), choice[1]),
            }
            return choice[0]
        run.assign({"last_digits": digits})
        key = digits[:1]
    elif kind is ev.Speech:
        run.assign({"last_speech": event.text})  # type: ignore[union-attr]
        if not event.text.strip():  # type: ignore[union-attr]
            return _retry(run, state, "no-input")
        key = _said_choice(state, event.text) or "?"  # type: ignore[union-attr]
        choice = _choices(run, state).get(key)
        if choice is not None:
            run.add_summary(choice[1])
            return choice[0]
    elif kind is ev.Timeout:
        return _retry(run, state, "no-input")
    else:
        return None
    if not key:
        return _retry(run, state, "no-input")
    if key == state.params.get("repeat_key"):
        run.trace(state, note="repeat")
        _ask(run, state)
        return None
    return _retry(run, state, "no-match")


@lru_cache(maxsize=1024)
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _valid_digits(state: State, digits: str) -> bool:
    p = state.params
    if not digits or not (
        int(p.get("min_digits", 1)) <= len(digits) <= int(p.get("max_digits", 20))  # type: ignore[call-overload]
    ):
        return False
    pattern = p.get("pattern")
    if pattern:
        return _pattern(str(pattern)).search(digits) is not None
    return digits.isdigit()


def resume_collect(run: Run, state: State, event: ev.Event | None) -> str | None:
    kind = type(event)
    if kind is ev.Timeout:
        return _retry(run, state, "no-input")
    if kind is ev.Digits:
        digits = event.digits  # type: ignore[union-attr]
        terminator = state.params.get("terminator")
        if terminator and digits.endswith(terminator):  # type: ignore[arg-type]
            digits = digits[: -len(terminator)]  # type: ignore[arg-type]
    elif kind is ev.Speech:
        run.assign({"last_speech": event.text})  # type: ignore[union-attr]
        digits = _spoken_keys(event.text)  # type: ignore[union-attr]
    else:
        return None
    if not digits:
        return _retry(run, state, "no-input")
    if not _valid_digits(state, digits):
        run.assign({"last_digits": digits})
        return _retry(run, state, "no-match")
    # Digits stay text (an account number may start with 0): the compiler refuses number targets.
    changed = {str(state.params["variable"]): digits, "last_digits": digits}
    run.assign(changed)
    run.add_summary(f"{state.id}: entered {len(digits)} digits")
    run.trace(state, changed, note="collected")
    return _exit(run, state, DONE)


# -- internal nodes: set, branch, schedule, language ----------------------------------------------


def enter_set(run: Run, state: State, _: ev.Event | None) -> str | None:
    values = dict(run.vars)
    changed: dict[str, object] = {}
    for name, expression in state.params.get("assign", {}).items():  # type: ignore[attr-defined]
        try:
            values[name] = changed[name] = _evaluate(expression, values)
        except expr.ExprError as e:
            return run.fail(state, f"cannot set '{name}': {e.message}")
    run.session.vars = values
    run.trace(state, changed)
    return _exit(run, state, DONE)


def enter_branch(run: Run, state: State, _: ev.Event | None) -> str | None:
    run.trace(state)
    env = run.vars
    for i, case in enumerate(state.params.get("cases", ())):  # type: ignore[arg-type]
        try:
            if truthy(_evaluate(case["when"], env)):
                return state.on[f"case:{i}"]
        except expr.ExprError as e:
            return run.fail(state, f"condition {i + 1} failed: {e.message}")
    return _exit(run, state, "default")


def enter_schedule(run: Run, state: State, _: ev.Event | None) -> str | None:
    try:
        verdict = classify(state.params, run.time)
    except (ValueError, KeyError) as e:
        return run.fail(state, f"cannot read the schedule: {e}")
    run.trace(state, note=verdict)
    if verdict == HOLIDAY and HOLIDAY not in state.on:
        verdict = "closed"
    return _exit(run, state, verdict)


def enter_language(run: Run, state: State, _: ev.Event | None) -> str | None:
    try:
        wanted = render_text(state.params["language"], run.vars).strip()
    except expr.ExprError as e:
        return run.fail(state, f"cannot work out the language: {e.message}")
    languages = run.flow.languages
    match = next((lang for lang in languages if lang.lower() == wanted.lower()), None)
    if match is None:  # "zh" picks "zh-CN" when the flow has one Chinese
        match = next(
            (lang for lang in languages if lang.lower().split("-")[0] == wanted.lower()), None
        )
    if match is None:
        return run.fail(state, f"'{wanted}' is not one of the flow's languages")
    run.assign({"language": match})
    run.trace(state, {"language": match})
    return _exit(run, state, DONE)


# -- effects: http, sms, record -------------------------------------------------------------------


def enter_http(run: Run, state: State, _: ev.Event | None) -> str | None:
    p = state.params
    env = run.vars
    try:
        url = render_text(p["url"], env)
        headers = {k: render_text(v, env) for k, v in p.get("headers", {}).items()}  # type: ignore[attr-defined]
        body = {k: render_text(v, env) for k, v in p.get("body", {}).items()}  # type: ignore[attr-defined]
    except expr.ExprError as e:
        return _exit(run, state, "error", f"error: the request cannot be built: {e.message}")
    run.trace(state)
    timeout = float(p.get("timeout") or DEFAULT_HTTP_TIMEOUT)  # type: ignore[arg-type]
    run.out.append(
        act.Fetch(state.id, str(p.get("method", "GET")), url, timeout, headers, body or None)
    )
    return None


def resume_http(run: Run, state: State, event: ev.Event | None) -> str | None:
    if type(event) is not ev.HttpResult:
        return None
    if not event.ok:  # type: ignore[union-attr]
        detail = event.error or f"HTTP {event.status}"  # type: ignore[union-attr]
        return _exit(run, state, "error", f"error: {detail}")
    values, problem = save_values(event.body, state.params.get("save", {}))  # type: ignore[union-attr,arg-type]
    if problem is not None:
        return _exit(run, state, "error", f"error: {problem}")
    run.assign(values)
    run.trace(state, values, note=f"HTTP {event.status}")  # type: ignore[union-attr]
    return _exit(run, state, DONE)


def enter_sms(run: Run, state: State, _: ev.Event | None) -> str | None:
    p = state.params
    found = pick(p.get("message", {}), run.language, run.flow.languages[0])  # type: ignore[arg-type]
    try:
        to = render_text(p.get("to", "{caller}"), run.vars)
        message = render_text(found[1], run.vars) if found else ""
    except expr.ExprError as e:
        return _exit(run, state, "error", f"error: the message cannot be written: {e.message}")
    run.trace(state)
    run.out.append(act.SendSms(state.id, to, message))
    return None


def resume_sms(run: Run, state: State, event: ev.Event | None) -> str | None:
    if type(event) is not ev.SmsResult:
        return None
    if not event.ok:  # type: ignore[union-attr]
        return _exit(run, state, "error", f"error: {event.error or 'not sent'}")  # type: ignore[union-attr]
    return _exit(run, state, DONE)


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
    if not event.url or event.duration <= 0:  # type: ignore[union-attr]
        return _exit(run, state, "no_audio", "no audio")
    variable = state.params.get("variable")
    changed: dict[str, object] = {str(variable): event.url} if variable else {}  # type: ignore[union-attr]
    run.assign(changed)
    run.add_summary(f"{state.id}: left a {math.ceil(event.duration)} s recording")  # type: ignore[union-attr]
    run.trace(state, changed, note="recorded")
    return _exit(run, state, DONE)


# -- transfer -------------------------------------------------------------------------------------


def enter_transfer(run: Run, state: State, _: ev.Event | None) -> str | None:
    p = state.params
    env = run.vars
    try:
        priority = _evaluate(p["priority"], env) if p.get("priority") is not None else None
        number = render_text(p["number"], env) if p.get("number") else None
        attach = {k: render_text(v, env) for k, v in p.get("attach", {}).items()}  # type: ignore[attr-defined]
    except expr.ExprError as e:
        return _exit(run, state, "failure", f"error: the transfer cannot be set up: {e.message}")
    run.trace(state, note=f"to {p.get('queue') or number}")
    run.out.append(
        act.Transfer(
            state.id,
            run.language,
            p.get("queue"),  # type: ignore[arg-type]
            number,
            tuple(p.get("skills", ())),  # type: ignore[arg-type]
            priority,  # type: ignore[arg-type]
            attach,
            p.get("hold_music"),  # type: ignore[arg-type]
            float(p.get("announce_every") or 60),  # type: ignore[arg-type]
            p.get("max_wait"),  # type: ignore[arg-type]
            p.get("leave_key"),  # type: ignore[arg-type]
        )
    )
    return None


def resume_transfer(run: Run, state: State, event: ev.Event | None) -> str | None:
    kind = type(event)
    if kind is ev.QueueUpdate:
        minutes = math.ceil(max(event.estimated_wait, 0) / 60)  # type: ignore[union-attr]
        run.assign({"estimated_wait": minutes, "queue_position": event.position})  # type: ignore[union-attr]
        with suppress(expr.ExprError):  # else the caller keeps hearing the hold music
            run.play(state, "wait_announcement")
        return None
    if kind is ev.Digits:
        if event.digits[:1] != state.params.get("leave_key"):  # type: ignore[union-attr]
            return None
        run.add_summary(f"{state.id}: left the queue")
        return _exit(run, state, "leave", "left the queue")
    if kind is not ev.TransferResult:
        return None
    outcome = event.outcome  # type: ignore[union-attr]
    if outcome == "left":
        run.add_summary(f"{state.id}: left the queue")
        return _exit(run, state, "leave", "left the queue")
    if outcome == "completed":
        run.trace(state, note="transferred")
        run.end("transferred")
        return None
    return _exit(
        run, state, "failure", f"transfer {outcome}" + (f": {event.detail}" if event.detail else "")
    )  # type: ignore[union-attr]


# -- subflow ----------------------------------------------------------------------------------------


def enter_subflow(run: Run, state: State, _: ev.Event | None) -> str | None:
    s = run.session
    p = state.params
    flow_id = str(p["flow"])
    version = s.pins.get(flow_id)
    try:
        if version is None:
            raise LookupError(f"the call has no version of '{flow_id}' pinned")
        child = run.flow_of(version)
        inputs = {name: _evaluate(e, run.vars) for name, e in p.get("inputs", {}).items()}  # type: ignore[attr-defined]
    except (LookupError, expr.ExprError) as e:
        message = e.message if isinstance(e, expr.ExprError) else str(e)
        return _exit(run, state, "error", f"error: cannot run subflow '{flow_id}': {message}")
    run.trace(state, inputs)
    frame = {
        "flow": flow_id,
        "version": version,
        "node": state.id,
        "outputs": dict(p.get("outputs", {})),  # type: ignore[call-overload]
        "vars": s.vars,
        "retries": s.retries,
        "error_handled": s.error_handled,
    }
    base = {name: s.vars[name] for name in SHARED_BUILTINS if name in s.vars}
    s.vars = initial_vars(child, {**base, **inputs})
    s.retries = {}
    s.error_handled = False
    s.stack = (*s.stack, frame)
    run.enter_flow(child)
    return child.start


def _ignore(run: Run, state: State, event: ev.Event | None) -> str | None:
    """Internal states never wait, so no event can reach a call in one."""
    return None


ENTER: dict[str, Handler] = {
    "play": enter_play,
    "menu": enter_input,
    "collect": enter_input,
    "branch": enter_branch,
    "set": enter_set,
    "http": enter_http,
    "schedule": enter_schedule,
    "language": enter_language,
    "transfer": enter_transfer,
    "record": enter_record,
    "sms": enter_sms,
    "subflow": enter_subflow,
    "hangup": enter_hangup,
}

RESUME: dict[str, Handler] = {
    "menu": resume_menu,
    "collect": resume_collect,
    "http": resume_http,
    "sms": resume_sms,
    "record": resume_record,
    "transfer": resume_transfer,
    **{t: _ignore for t in ("play", "branch", "set", "schedule", "language", "subflow", "hangup")},
}
