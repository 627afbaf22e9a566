"""The nodes the engine runs without waiting (`runtime/handlers/internal.py`): play, hangup,
set, branch, schedule, language and subflow calls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pytest

from runtime import actions as act
from runtime import events as ev
from runtime.engine import step
from runtime.session import Session
from sce.compiler import CompiledFlow
from tests.runtime.flows import (
    CALLER,
    MAIN_PROMPT,
    MENU_NODES,
    T0,
    build,
    bye,
    entered,
    heard,
    loader,
    notes,
    of,
    parent_flow,
    say,
    start,
    verify_flow,
)

# -- play -----------------------------------------------------------------------------------------


def test_play_loops_and_may_be_interrupted_then_goes_on() -> None:
    flow = build(
        {
            "music": {
                "type": "play",
                "prompt": {"audio": "jingle", **say("Welcome, {caller}.")},
                "loop": 3,
                "barge_in": True,
                "next": "main",
            },
            **MENU_NODES,
        }
    )
    session, actions = start(flow)
    plays = of(actions, act.Play)
    assert plays[0] == act.Play(f"Welcome, {CALLER}.", "en-US", "jingle", True, 3)
    assert plays[1].text == MAIN_PROMPT and plays[1].loop == 1
    assert session.state == "main"
    assert isinstance(actions[-1], act.Gather)


# -- hangup ---------------------------------------------------------------------------------------


def test_a_hangup_node_says_goodbye_and_ends_with_its_reason() -> None:
    flow = build({"bye": bye("Goodbye.", "done")})
    session, actions = start(flow)
    assert heard(actions) == ["Goodbye."]
    assert actions[-1] == act.Hangup("done") and not session.active
    after, actions = step(flow, session, ev.Digits("1", T0 + 1))
    assert actions == []


# -- set and branch -------------------------------------------------------------------------------


def test_set_and_branch_run_without_waiting_and_trace_what_changed() -> None:
    flow = build(
        {
            "compute": {
                "type": "set",
                "assign": {"total": "price * 3", "label": "'total ' + text(total)"},
                "next": "route",
            },
            "route": {
                "type": "branch",
                "cases": [
                    {"when": "total > 100", "next": "big"},
                    {"when": "total > 10", "next": "medium"},
                    {"when": "total > 1", "next": "small"},
                ],
                "default": "tiny",
            },
            "big": bye("Big."),
            "medium": bye("Medium: {label}."),
            "small": bye("Small."),
            "tiny": bye("Tiny."),
        },
        variables={
            "price": {"type": "number", "default": 7},
            "total": {"type": "number", "default": 0},
            "label": {"type": "string", "default": ""},
        },
    )
    session, actions = start(flow)
    assert heard(actions) == ["Medium: total 21."]  # the first true case, in order
    assert entered(actions) == ["compute", "route", "medium"]
    assert of(actions, act.Trace)[0].changed == {"total": 21, "label": "total 21"}
    assert all(t.time == T0 for t in of(actions, act.Trace))


# -- schedule -------------------------------------------------------------------------------------

#: Opening hours like flows/after_hours.flow's, with its holidays.
SHANGHAI_HOURS: dict[str, object] = {
    "timezone": "Asia/Shanghai",
    "hours": {day: [{"start": "08:30", "end": "18:00"}] for day in ("mon", "tue", "wed", "thu")}
    | {"fri": [{"start": "08:30", "end": "17:00"}], "sat": [{"start": "09:00", "end": "12:00"}]},
    "holidays": [
        {"date": "2026-12-25", "name": "Christmas Day"},
        {"date": "2027-02-05", "name": "Eve", "hours": [{"start": "09:00", "end": "12:00"}]},
    ],
}


def schedule_flow(params: Mapping[str, object], holiday_exit: bool = True) -> CompiledFlow:
    node = {"type": "schedule", **params, "open": "open", "closed": "closed"}
    if holiday_exit:
        node["holiday"] = "holiday"
    return build(
        {
            "hours": node,
            "open": bye("We are open."),
            "closed": bye("We are closed."),
            "holiday": bye("Closed for the holiday."),
        }
    )


def verdict(flow: CompiledFlow, when: str) -> str:
    """What a caller hears when calling at `when` (ISO 8601 with its offset)."""
    _, actions = start(flow, time=datetime.fromisoformat(when).timestamp())
    return heard(actions)[0]


@pytest.mark.parametrize(
    ("when", "said"),
    [
        ("2026-11-23T10:00:00+08:00", "We are open."),  # Monday morning in Shanghai
        ("2026-11-23T08:29:00+08:00", "We are closed."),
        ("2026-11-23T08:30:00+08:00", "We are open."),
        ("2026-11-23T17:59:00+08:00", "We are open."),
        ("2026-11-23T18:00:00+08:00", "We are closed."),  # closing time is closed
        ("2026-11-27T17:30:00+08:00", "We are closed."),  # Friday closes at five
        ("2026-11-28T11:00:00+08:00", "We are open."),  # Saturday morning
        ("2026-11-29T11:00:00+08:00", "We are closed."),  # Sunday
        ("2026-11-23T10:00:00-05:00", "We are closed."),  # 23:00 in Shanghai
        ("2026-11-23T01:30:00+00:00", "We are open."),  # 09:30 in Shanghai
        ("2026-12-25T10:00:00+08:00", "Closed for the holiday."),  # all day
        ("2027-02-05T10:00:00+08:00", "We are open."),  # a holiday with its own hours
        ("2027-02-05T14:00:00+08:00", "Closed for the holiday."),
    ],
)
def test_schedule_in_shanghai(when: str, said: str) -> None:
    assert verdict(schedule_flow(SHANGHAI_HOURS), when) == said


def test_schedule_holiday_without_its_own_exit_is_closed() -> None:
    flow = schedule_flow(SHANGHAI_HOURS, holiday_exit=False)
    assert verdict(flow, "2026-12-25T10:00:00+08:00") == "We are closed."


def test_schedule_follows_new_york_across_the_change_to_summer_time() -> None:
    """13:30 UTC is 08:30 in New York in winter (closed) and 09:30 in summer (open)."""
    flow = schedule_flow(
        {
            "timezone": "America/New_York",
            "hours": {d: [{"start": "09:00", "end": "17:00"}] for d in ("mon", "fri")},
        }
    )
    assert verdict(flow, "2026-03-06T13:30:00+00:00") == "We are closed."  # Friday, EST
    assert verdict(flow, "2026-03-09T13:30:00+00:00") == "We are open."  # Monday, EDT
    assert verdict(flow, "2026-03-09T12:30:00+00:00") == "We are closed."  # 08:30 EDT


def test_schedule_range_past_midnight_covers_the_early_hours_of_the_next_day() -> None:
    flow = schedule_flow(
        {"timezone": "Asia/Shanghai", "hours": {"fri": [{"start": "22:00", "end": "02:00"}]}}
    )
    assert verdict(flow, "2026-11-27T23:00:00+08:00") == "We are open."  # Friday night
    assert verdict(flow, "2026-11-28T01:30:00+08:00") == "We are open."  # Saturday early
    assert verdict(flow, "2026-11-28T02:00:00+08:00") == "We are closed."
    assert verdict(flow, "2026-11-27T01:00:00+08:00") == "We are closed."  # Thursday night


# -- language -------------------------------------------------------------------------------------


def language_flow(language: str) -> CompiledFlow:
    return build(
        {
            "hello": {"type": "play", "prompt": say("Hello.", "您好。"), "next": "switch"},
            "switch": {"type": "language", "language": language, "next": "main"},
            "oops": bye("Sorry, that language is not available.", "no-language"),
            **MENU_NODES,
        },
        variables={"wanted": {"type": "string", "default": "zh"}},
        on_error="oops",
    )


@pytest.mark.parametrize("language", ["zh-CN", "zh", "{wanted}"])
def test_language_switch_changes_the_language_of_later_prompts(language: str) -> None:
    flow = language_flow(language)
    session, actions = start(flow)
    assert heard(actions) == ["Hello.", "查询余额请按1，信用卡请按2。"]
    assert session.vars["language"] == "zh-CN"
    assert session.vars["summary"] == "language: zh-CN"  # the agent will know
    assert actions[-1].language == "zh-CN"  # the gather listens for Mandarin
    # a prompt with no Mandarin text falls back to the flow's default language
    session, actions = step(flow, session, ev.Digits("1", T0 + 3))
    assert of(actions, act.Play)[0] == act.Play("Your balance is ten dollars.", "en-US")


def test_an_unknown_language_takes_the_error_path() -> None:
    session, actions = start(language_flow("fr"))
    assert heard(actions) == ["Hello.", "Sorry, that language is not available."]
    assert session.vars["language"] == "en-US"
    assert "'fr' is not one of the flow's languages" in notes(actions)


# -- subflow --------------------------------------------------------------------------------------


def test_subflow_takes_inputs_and_gives_its_outputs_back() -> None:
    parent, child = parent_flow(), verify_flow()
    pins = {"verify": child.version}
    load = loader(parent, child)
    session, _ = start(parent, pins=pins, load=load)
    session, actions = step(parent, session, ev.Digits("1", T0 + 2), load=load)
    assert heard(actions) == [f"Caller {CALLER}, enter the PIN of account 12345678."]
    assert session.state == "ask" and len(session.stack) == 1
    assert "ok" not in session.vars  # the child's frame has only its own variables
    session = Session.from_json(session.to_json())  # as a store keeps it between events
    session, actions = step(parent, session, ev.Digits("1234#", T0 + 8), load=load)
    assert heard(actions) == ["Thank you."]
    assert session.stack == () and session.vars["ok"] is True
    assert "pin" not in session.vars and session.vars["account"] == "12345678"
    returned = [a for a in actions if isinstance(a, act.Trace) and a.note == "returned"]
    assert [(t.node, t.changed) for t in returned] == [("verify", {"ok": True})]
    transfer = actions[-1]
    assert isinstance(transfer, act.Transfer) and transfer.queue == "verified"
    # the summary is shared: what the caller did in the subflow travels with the transfer
    assert transfer.attach["summary"] == "main: pressed 1 (Verify); ask: entered 4 digits"


def test_subflow_shares_the_language_both_ways() -> None:
    parent = parent_flow(first="to_zh")
    child = verify_flow()
    load = loader(parent, child)
    session, actions = start(parent, pins={"verify": child.version}, load=load)
    assert heard(actions) == ["请输入账户12345678的密码。"]
    session, actions = step(parent, session, ev.Speech("一二三四", T0 + 8), load=load)
    assert heard(actions) == ["谢谢。"]
    assert session.vars["language"] == "zh-CN"
    assert actions[-1].language == "zh-CN"  # the transfer, back in the parent


def test_a_hangup_in_a_subflow_without_return_ends_the_whole_call() -> None:
    parent, child = parent_flow(), verify_flow()
    load = loader(parent, child)
    session, _ = start(parent, pins={"verify": child.version}, load=load)
    session, _ = step(parent, session, ev.Digits("1", T0 + 2), load=load)
    session, actions = step(parent, session, ev.Digits("9999#", T0 + 8), load=load)
    assert heard(actions) == ["Wrong PIN. Goodbye."]
    assert actions[-1] == act.Hangup("pin-failed")
    assert not session.active
    assert "result" not in entered(actions)


def test_an_error_in_a_subflow_takes_the_parents_error_exit() -> None:
    parent = parent_flow()
    broken = build(
        {
            "convert": {"type": "set", "assign": {"n": "number('#' + account)"}, "next": "back"},
            "back": {"type": "hangup", "return": True},
        },
        flow="verify",
        variables={
            "account": {"type": "string", "default": "", "input": True},
            "n": {"type": "number", "default": 0},
        },
    )
    load = loader(parent, broken)
    session, _ = start(parent, pins={"verify": broken.version}, load=load)
    session, actions = step(parent, session, ev.Digits("1", T0 + 2), load=load)
    assert heard(actions) == ["Verification is not available."]
    assert session.stack == () and session.state == "unavailable"
    assert actions[-1] == act.Hangup("unverified")


def test_a_subflow_with_no_pinned_version_takes_the_error_exit() -> None:
    parent = parent_flow()
    session, _ = start(parent, pins={})
    session, actions = step(parent, session, ev.Digits("1", T0 + 2))
    assert heard(actions) == ["Verification is not available."]
    assert "no version of 'verify' pinned" in notes(actions)
