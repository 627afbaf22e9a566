"""The expectations of a call script: each looks at the current turn (what the flow did since
the caller's last action) or at the call as it is now, and returns None when it holds, else a
sentence "expected ..., but ..." that says what happened instead."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable

from runtime import actions as act
from runtime.scripts.waits import describe_wait, end_reason
from runtime.simulator import HttpStub, SimulatedCall


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _quoted(texts: Iterable[str]) -> str:
    return ", ".join(json.dumps(t, ensure_ascii=False) for t in texts)


def _check_hear(wanted: list[str], call: SimulatedCall, turn: list[act.Action]) -> str | None:
    heard = act.heard(turn)
    said = " | ".join(_norm(h) for h in heard)
    at = 0
    for text in wanted:
        found = said.find(_norm(text), at)
        if found < 0:
            happened = f"heard {_quoted(heard)}" if heard else "heard nothing in this turn"
            where = " after the ones before it" if at else ""
            return f"expected to hear {_quoted([text])}{where}, but {happened}"
        at = found + len(_norm(text))
    return None


def _check_not_hear(wanted: list[str], call: SimulatedCall, turn: list[act.Action]) -> str | None:
    for heard in act.heard(turn):
        for text in wanted:
            if _norm(text) in _norm(heard):
                return f"expected not to hear {_quoted([text])}, but heard {_quoted([heard])}"
    return None


def _check_sms(wanted: dict[str, str], call: SimulatedCall, turn: list[act.Action]) -> str | None:
    sent = [a for a in turn if isinstance(a, act.SendSms)]
    for sms in sent:
        if (
            _norm(wanted.get("text", "")) in _norm(sms.message)
            and wanted.get("to", sms.to) == sms.to
        ):
            return None
    expected = f"an SMS containing {_quoted([wanted.get('text', '')])}"
    expected += f" to {wanted['to']}" if "to" in wanted else ""
    happened = "; ".join(f"sent {_quoted([s.message])} to {s.to}" for s in sent)
    return f"expected {expected}, but {happened or 'no SMS was sent in this turn'}"


def _check_path(wanted: list[str], call: SimulatedCall, turn: list[act.Action]) -> str | None:
    entered = act.path(turn)
    it = iter(entered)
    if all(node in it for node in wanted):
        return None
    went = " → ".join(entered) or "no state"
    return f"expected to enter {' → '.join(wanted)} in this order, but entered {went}"


def _check_ended(wanted: bool | str, call: SimulatedCall, turn: list[act.Action]) -> str | None:
    if wanted is False:
        return (
            f"expected the call to go on, but it ended ({end_reason(call)})" if call.ended else None
        )
    if not call.ended:
        waiting = call.waiting_for
        now = describe_wait(call, waiting, brief=True) if waiting else "nothing"
        return f"expected the call to have ended, but it waits for {now}"
    if wanted is True or wanted == end_reason(call):
        return None
    return (
        f"expected the call to end with reason {wanted!r}, but it ended with {end_reason(call)!r}"
    )


def _same(expected: object, actual: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, list) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    return expected == actual


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _check_transfer_to(
    wanted: dict[str, object], call: SimulatedCall, turn: list[act.Action]
) -> str | None:
    transfers = [a for a in turn if isinstance(a, act.Transfer)]
    if not transfers:
        return f"expected a transfer to {_shown(wanted)}, but there was none in this turn"
    t = transfers[-1]
    expected, had = [], []
    for name, value in wanted.items():
        actual = getattr(t, name)
        if name == "skills" and isinstance(value, list):
            ok = sorted(map(str, value)) == sorted(actual)
        elif name == "attach" and isinstance(value, dict):
            ok = all(_norm(str(v)) in _norm(str(actual.get(k, ""))) for k, v in value.items())
        else:
            ok = _same(value, list(actual) if isinstance(actual, tuple) else actual)
        if not ok:
            shown = (
                list(actual)
                if isinstance(actual, tuple)
                else dict(actual)
                if name == "attach"
                else actual
            )
            expected.append(f"{name} {_shown(value)}")
            had.append(f"{name} {_shown(shown)}")
    if not expected:
        return None
    return f"expected {', '.join(expected)}, but the transfer had {', '.join(had)}"


def _check_vars(
    wanted: dict[str, object], call: SimulatedCall, turn: list[act.Action]
) -> str | None:
    values = call.session.vars
    wrong = []
    for name, value in wanted.items():
        if name not in values:
            wrong.append(f"there is no variable '{name}'")
        elif not _same(value, values[name]):
            wrong.append(f"{name} is {_shown(values[name])}")
    return f"expected {_shown(wanted)}, but {'; '.join(wrong)}" if wrong else None


def _check_fetch(wanted: str, call: SimulatedCall, turn: list[act.Action]) -> str | None:
    fetched = [a for a in turn if isinstance(a, act.Fetch)]
    pattern = HttpStub(wanted)
    if any(pattern.matches(f.method, f.url) for f in fetched):
        return None
    happened = ", ".join(f"{f.method} {f.url}" for f in fetched) or "nothing in this turn"
    return f"expected a request matching {wanted!r}, but fetched {happened}"


#: The check of each expectation, by step kind.
CHECKS: dict[str, Callable[..., str | None]] = {
    "hear": _check_hear,
    "not_hear": _check_not_hear,
    "sms": _check_sms,
    "path": _check_path,
    "ended": _check_ended,
    "transfer_to": _check_transfer_to,
    "vars": _check_vars,
    "fetch": _check_fetch,
}
