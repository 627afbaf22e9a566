"""Nodes the engine runs by itself: play, hangup, set, branch, schedule, language, subflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import cast

from runtime import events as ev
from runtime.engine import SHARED_BUILTINS, Run, initial_vars
from runtime.handlers.common import evaluate, follow, mapping
from runtime.prompts import render_text
from runtime.schedule import HOLIDAY, classify
from runtime.session import Frame
from sce import expr
from sce.compiler.ir import DONE, State
from sce.expr.values import truthy

# -- play, hangup -------------------------------------------------------------------------------


def enter_play(run: Run, state: State, _: ev.Event | None) -> str | None:
    run.trace(state)
    try:
        loop = int(cast(int, state.params.get("loop") or 1))
        run.play(state, "prompt", bool(state.params.get("barge_in")), loop)
    except expr.ExprError as e:
        return run.fail(state, f"the prompt cannot be said: {e.message}")
    return follow(run, state, DONE)


def enter_hangup(run: Run, state: State, _: ev.Event | None) -> str | None:
    run.trace(state)
    with suppress(expr.ExprError):  # a goodbye that cannot be said is skipped: the call ends
        run.play(state, "prompt")
    if state.params.get("return") and run.session.stack:
        frame = run.session.stack[-1]
        outputs = frame["outputs"]
        try:
            node = run.pop_frame(outputs)
        except LookupError as e:  # the calling flow's version cannot be loaded any more
            run.give_up(state, f"the calling flow cannot be loaded: {e}")
            return None
        caller = run.flow.states[node]
        run.trace(caller, {name: run.vars.get(name) for name in outputs}, note="returned")
        return follow(run, caller, DONE)
    run.end(cast(str | None, state.params.get("reason")))
    return None


# -- internal nodes: set, branch, schedule, language ----------------------------------------------


def enter_set(run: Run, state: State, _: ev.Event | None) -> str | None:
    values = dict(run.vars)
    changed: dict[str, object] = {}
    for name, expression in mapping(state.params.get("assign", {})).items():
        try:
            values[name] = changed[name] = evaluate(expression, values)
        except expr.ExprError as e:
            return run.fail(state, f"cannot set '{name}': {e.message}")
    run.session.vars = values
    run.trace(state, changed)
    return follow(run, state, DONE)


def enter_branch(run: Run, state: State, _: ev.Event | None) -> str | None:
    run.trace(state)
    env = run.vars
    cases = cast(Sequence[Mapping[str, object]], state.params.get("cases", ()))
    for i, case in enumerate(cases):
        try:
            if truthy(evaluate(case["when"], env)):
                return state.on[f"case:{i}"]
        except expr.ExprError as e:
            return run.fail(state, f"condition {i + 1} failed: {e.message}")
    return follow(run, state, "default")


def enter_schedule(run: Run, state: State, _: ev.Event | None) -> str | None:
    try:
        verdict = classify(state.params, run.time)
    except (ValueError, KeyError) as e:
        return run.fail(state, f"cannot read the schedule: {e}")
    run.trace(state, note=verdict)
    if verdict == HOLIDAY and HOLIDAY not in state.on:
        verdict = "closed"
    return follow(run, state, verdict)


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
    if match != run.language:
        run.add_summary(f"language: {match}", language=match)
    run.trace(state, {"language": match})
    return follow(run, state, DONE)


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
        inputs = {name: evaluate(e, run.vars) for name, e in mapping(p.get("inputs", {})).items()}
    except (LookupError, expr.ExprError) as e:
        message = e.message if isinstance(e, expr.ExprError) else str(e)
        return follow(run, state, "error", f"error: cannot run subflow '{flow_id}': {message}")
    run.trace(state, inputs)
    frame: Frame = {
        "flow": flow_id,
        "version": version,
        "node": state.id,
        "outputs": dict(cast(Mapping[str, str], p.get("outputs", {}))),
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
