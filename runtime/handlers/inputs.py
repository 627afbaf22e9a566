"""Menus and collects: prompting, DTMF and speech, no-input and no-match retries."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import cast

from runtime import actions as act
from runtime import events as ev
from runtime.engine import NO_CHANGES, Run, summed
from runtime.handlers.common import DEFAULT_TIMEOUT, choices, follow
from runtime.prompts import prompt_of
from sce import expr
from sce.compiler.ir import DONE, State
from sce.errors import PatternError
from sce.patterns import compile_pattern

# -- menu and collect ---------------------------------------------------------------------------


def _menu_gather(state: State, language: str) -> act.Gather:
    params = state.params
    hints = tuple(w for c in choices(state) for w in c.get("speech", ()))
    return act.Gather(
        state.id,
        language,
        1,
        1,
        None,
        float(cast(float, params.get("timeout") or DEFAULT_TIMEOUT)),
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
        int(cast(int, p.get("min_digits", 1))),
        int(cast(int, p.get("max_digits", 20))),
        cast(str | None, p.get("terminator")),
        float(cast(float, p.get("timeout") or DEFAULT_TIMEOUT)),
        float(cast(float, p.get("inter_digit_timeout") or 3)),
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
        play = cache.play(state.id, name, prompt_of(state, name), language, run.vars, barge_in)
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
    run.out.append(act.Trace(state.id, state.type, run.time, NO_CHANGES))
    try:
        _ask(run, state)
    except expr.ExprError as e:
        return run.fail(state, f"the prompt cannot be said: {e.message}")
    return None


def _retry(run: Run, state: State, kind: str) -> str | None:
    """No input or no match: count it, re-prompt, or run the exhausted exit after the last try."""
    s = run.session
    tries = s.retries.get(state.id, 0) + 1
    allowed = int(cast(int, state.params.get("retries", 2)))
    if tries > allowed:
        run.add_summary(f"{state.id}: no valid answer after {tries} tries")
        return follow(run, state, "exhausted", f"{kind} {tries}: exhausted")
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
#: Words around a key said at a menu: "press one", "number two please", "按一".
_FILLERS = frozenset(
    {"press", "number", "option", "key", "the", "please", "i", "want", "按", "号", "键", "请"}
)
_WORD = re.compile(r"[a-z]+|[0-9]|[^\sa-z0-9.,!?;:。，！？、]")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _spoken_keys(text: str) -> str:
    """Digits a caller said for a collect: "five oh two one" or "一二三" or "123" → the keys."""
    out = []
    for token in _tokens(text):
        if token.isdigit() or token in ("*", "#"):
            out.append(token)
        elif token in _SPOKEN_DIGITS:
            out.append(_SPOKEN_DIGITS[token])
    return "".join(out)


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    """A choice's word anywhere in what was said: whole English words (a plural too), and
    Chinese as written (it has no spaces between words)."""
    escaped = re.escape(word.lower())
    before = r"(?<![a-z0-9])" if word[:1].isascii() and word[:1].isalnum() else ""
    after = r"(?:e?s)?(?![a-z0-9])" if word[-1:].isascii() and word[-1:].isalnum() else ""
    return re.compile(before + escaped + after)


def _said_choice(state: State, text: str) -> str | None:
    """The key of the choice whose words the caller said; else the key itself, when that is
    all they said ("two", "press two", "按二"): a digit inside a sentence ("one of your agents",
    "一下") is no choice."""
    said = text.strip().lower()
    for choice in choices(state):
        for word in choice.get("speech", ()):
            if word and _word_pattern(word).search(said):
                return choice["key"]
    rest = [t for t in _tokens(said) if t not in _FILLERS]
    if len(rest) == 1 and rest[0] != "oh":
        token = rest[0]
        return token if token.isdigit() or token in ("*", "#") else _SPOKEN_DIGITS.get(token)
    return None


def _choices(run: Run, state: State) -> dict[str, tuple[str, str, str, str]]:
    """key → (next state, what the summary says of a key press, the next state's type, the
    choice's name), made once per menu (the engine's quick path reads it too)."""
    table = run.prompts.choices.get(state.id)
    if table is None:
        table = {}
        for choice in choices(state):
            key, label = choice["key"], choice.get("label")
            target = state.on.get("key:" + key)
            if target is not None and target in run.flow.states:
                said = f"{state.id}: pressed {key}" + (f" ({label})" if label else "")
                table[key] = (target, said, run.flow.states[target].type, label or key)
        run.prompts.choices[state.id] = table
    return table


def resume_menu(run: Run, state: State, event: ev.Event | None) -> str | None:
    if type(event) is ev.Digits:
        digits = event.digits
        table = run.prompts.choices.get(state.id) or _choices(run, state)
        choice = table.get(digits[:1])
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
    elif type(event) is ev.Speech:
        run.assign({"last_speech": event.text})
        if not event.text.strip():
            return _retry(run, state, "no-input")
        key = _said_choice(state, event.text) or "?"
        choice = _choices(run, state).get(key)
        if choice is not None:
            words = " ".join(event.text.split())[:60]
            run.add_summary(f'{state.id}: said "{words}" ({choice[3]})')
            return choice[0]
    elif type(event) is ev.Timeout:
        return _retry(run, state, "no-input")
    else:
        return None
    if not key:
        return _retry(run, state, "no-input")
    if key == state.params.get("repeat_key"):
        run.trace(state, note="repeat")
        try:
            _ask(run, state)
        except expr.ExprError as e:
            return run.fail(state, f"the prompt cannot be said: {e.message}")
        return None
    return _retry(run, state, "no-match")


def _valid_digits(state: State, digits: str) -> bool:
    p = state.params
    least, most = int(cast(int, p.get("min_digits", 1))), int(cast(int, p.get("max_digits", 20)))
    if not digits or not least <= len(digits) <= most:
        return False
    pattern = p.get("pattern")
    if pattern:
        return compile_pattern(str(pattern)).search(digits) is not None
    return digits.isdigit()


def resume_collect(run: Run, state: State, event: ev.Event | None) -> str | None:
    if type(event) is ev.Timeout:
        return _retry(run, state, "no-input")
    if type(event) is ev.Digits:
        digits = event.digits
        terminator = cast(str | None, state.params.get("terminator"))
        if terminator and digits.endswith(terminator):
            digits = digits[: -len(terminator)]
    elif type(event) is ev.Speech:
        run.assign({"last_speech": event.text})
        digits = _spoken_keys(event.text)
        if not digits and event.text.strip():  # "I don't know"
            return _retry(run, state, "no-match")
    else:
        return None
    if not digits:
        return _retry(run, state, "no-input")
    try:
        valid = _valid_digits(state, digits)
    except PatternError as e:  # only from a compiled flow that skipped the compiler's checks
        return run.fail(state, e.message)
    if not valid:
        run.assign({"last_digits": digits})
        return _retry(run, state, "no-match")
    # Digits stay text (an account number may start with 0): the compiler refuses number targets.
    changed = {str(state.params["variable"]): digits, "last_digits": digits}
    run.assign(changed)
    run.add_summary(f"{state.id}: entered {len(digits)} digits")
    run.trace(state, changed, note="collected")
    return follow(run, state, DONE)
