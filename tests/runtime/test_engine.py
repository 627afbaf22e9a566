"""The engine, `step(flow, session, event) -> (session, actions)`, and what it does for all nodes.

Each test builds a small flow as JSON data (what the designer saves) with the helpers in
`tests.runtime.flows`, starts a call and feeds it the events a phone platform would send. This
module holds what `runtime/engine.py` itself promises: a step never changes the session it is
given and replays the same way, a trace for each state, the error path and the step bounds, the
quick path for menu keys, caller hangups, late answers, and the subflow versions a call pinned.
What each kind of node does is in `tests/runtime/handlers/`.
"""

from __future__ import annotations

import math

import pytest

from runtime import actions as act
from runtime import events as ev
from runtime.config import Limits
from runtime.engine import new_session, step
from runtime.prompts import SORRY
from runtime.session import Session
from sce.compiler import CompiledFlow, compile_flow
from sce.loader import load_data
from tests.runtime.flows import (
    CALLED,
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


@pytest.fixture(scope="module")
def menu_flow() -> CompiledFlow:
    return build(MENU_NODES)


# -- purity ---------------------------------------------------------------------------------------


def test_step_leaves_the_session_it_is_given_unchanged(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    before = session.to_json()
    after, actions = step(menu_flow, session, ev.Digits("1", T0 + 3))
    assert session.to_json() == before
    assert session.state == "main" and after.state == "main"
    assert after.seq == session.seq + 1
    assert after.vars["last_digits"] == "1" and session.vars["last_digits"] == ""
    assert heard(actions) == ["Your balance is ten dollars.", MAIN_PROMPT]


def test_the_same_events_replay_to_equal_sessions_and_actions(menu_flow: CompiledFlow) -> None:
    events = [ev.Timeout(T0 + 5), ev.Digits("7", T0 + 9), ev.Speech("cards", T0 + 12)]
    runs = []
    for _ in range(2):
        session, actions = start(menu_flow)
        out = [actions]
        for event in events:
            session, actions = step(menu_flow, session, event)
            out.append(actions)
        runs.append((session, out))
    assert runs[0] == runs[1]
    assert runs[0][0].state == "cards"


def test_a_session_read_back_from_json_goes_on_the_same_way(menu_flow: CompiledFlow) -> None:
    """Any process may serve the next event of a call, from the session as stored."""
    session, _ = start(menu_flow)
    session, _ = step(menu_flow, session, ev.Digits("9", T0 + 2))
    stored = Session.from_json(session.to_json())
    event = ev.Digits("2", T0 + 4)
    assert step(menu_flow, stored, event) == step(menu_flow, session, event)


# -- traces ---------------------------------------------------------------------------------------


def test_a_trace_for_every_state_entered_with_the_variables_it_changed() -> None:
    flow = build(
        {
            "hello": {"type": "play", "prompt": say("Hello."), "next": "mark"},
            "mark": {"type": "set", "assign": {"visits": "visits + 1"}, "next": "main"},
            **MENU_NODES,
        },
        variables={"visits": {"type": "number", "default": 0}},
    )
    session, actions = start(flow)
    traces = of(actions, act.Trace)
    assert [(t.node, t.type, dict(t.changed)) for t in traces] == [
        ("hello", "play", {}),
        ("mark", "set", {"visits": 1}),
        ("main", "menu", {}),
    ]
    session, actions = step(flow, session, ev.Digits("1", T0 + 9))
    assert [(t.node, t.time) for t in of(actions, act.Trace)] == [
        ("balance", T0 + 9),
        ("main", T0 + 9),
    ]


# -- the error path and the bounds ----------------------------------------------------------------

#: A loop with no input in it (set → branch → set), an error handler, and a menu back into it.
LOOP_NODES: dict[str, object] = {
    "spin": {"type": "set", "assign": {"n": "n + 1"}, "next": "again"},
    "again": {
        "type": "branch",
        "cases": [{"when": "n < 1000000", "next": "spin"}],
        "default": "done",
    },
    "done": bye("Done."),
    "oops": {"type": "play", "prompt": say("Sorry, something went wrong."), "next": "retry"},
    "retry": {
        "type": "menu",
        "prompt": say("To try again, press 1."),
        "choices": [{"key": "1", "next": "spin"}],
    },
}


N = {"n": {"type": "number", "default": 0}}


SORRY_EN = SORRY["en"]


def test_a_runaway_loop_runs_the_error_handler_and_the_call_bound_ends_it() -> None:
    """Each time the loop runs away the error handler runs (the caller chose to try again,
    so it is a new error); the per-call bound ends the call politely at last."""
    flow = build(LOOP_NODES, start="spin", variables=N, on_error="oops")
    session, actions = start(flow)
    assert heard(actions) == ["Sorry, something went wrong.", "To try again, press 1."]
    assert "more than 100 steps without caller input" in notes(actions)
    assert session.active and session.state == "retry"
    assert len(entered(actions)) <= 100 + 5
    session, actions = step(flow, session, ev.Digits("1", T0 + 5))
    assert heard(actions) == ["Sorry, something went wrong.", "To try again, press 1."]
    for i in range(20):
        if not session.active:
            break
        session, actions = step(flow, session, ev.Digits("1", T0 + 10 + i))
        assert len(entered(actions)) <= 2 * 100 + 5
    assert not session.active and heard(actions)[-1] == SORRY_EN
    assert actions[-1] == act.Hangup("error")
    assert session.steps <= 1000 + 2 * 100


def test_an_error_handler_that_runs_away_too_ends_the_call_in_the_same_step() -> None:
    flow = build(LOOP_NODES, start="spin", variables=N, on_error="spin")
    session, actions = start(flow)
    assert heard(actions) == [SORRY_EN]
    assert actions[-1] == act.Hangup("error") and not session.active


def test_without_an_error_handler_a_runaway_loop_ends_the_call_politely() -> None:
    flow = build(LOOP_NODES, start="spin", variables=N)
    session, actions = start(flow)
    assert heard(actions) == [SORRY_EN]
    assert actions[-1] == act.Hangup("error") and not session.active
    assert len(entered(actions)) <= 100 + 2


def test_the_steps_between_two_events_are_a_setting() -> None:
    flow = build(LOOP_NODES, start="spin", variables=N)
    session, actions = start(flow, limits=Limits(max_steps_per_event=10))
    assert "more than 10 steps without caller input" in notes(actions)
    assert 10 <= len(entered(actions)) <= 12
    assert session.vars["n"] <= 6 and not session.active


def news_flow(on_error: str | None = None) -> CompiledFlow:
    """A menu whose choice plays something and comes back: a loop through caller input."""
    return build(
        {
            "main": {
                "type": "menu",
                "prompt": say("For the news, press 1."),
                "choices": [{"key": "1", "next": "news"}],
            },
            "news": {"type": "play", "prompt": say("Here is the news."), "next": "main"},
            "agent": {"type": "transfer", "queue": "general"},
        },
        on_error=on_error,
    )


def press_one_until_the_call_changes(
    flow: CompiledFlow, limits: Limits, presses: int
) -> tuple[Session, list[act.Action], int]:
    """Press 1 up to `presses` times; stop when the call no longer waits in the menu."""
    session, actions = start(flow, limits=limits)
    for i in range(1, presses + 1):
        session, actions = step(flow, session, ev.Digits("1", T0 + i), limits=limits)
        if not session.active or session.state != "main":
            return session, actions, i
    return session, actions, presses


def test_the_per_call_bound_ends_a_loop_through_caller_input() -> None:
    limits = Limits(max_steps_per_event=100, max_steps_per_call=20)
    session, actions, presses = press_one_until_the_call_changes(news_flow(), limits, 50)
    assert presses == 10  # 1 state to start, 2 per press: the 21st state is one too many
    assert heard(actions) == ["Here is the news.", SORRY_EN]
    assert actions[-1] == act.Hangup("error") and not session.active
    assert "more than 20 steps in the call" in notes(actions)
    # the reference: without the tight bound the same presses keep the call in the menu
    session, _, _ = press_one_until_the_call_changes(news_flow(), Limits(), 50)
    assert session.active and session.state == "main"


def test_the_per_call_bound_runs_the_error_handler() -> None:
    limits = Limits(max_steps_per_event=100, max_steps_per_call=20)
    session, actions, presses = press_one_until_the_call_changes(news_flow("agent"), limits, 50)
    assert presses == 10
    assert isinstance(actions[-1], act.Transfer) and session.state == "agent"


def test_the_error_handler_runs_for_each_new_error_after_the_caller_moved_on() -> None:
    """`on_error -> "Sorry, back to the menu"`: a second failed lookup minutes later is a new
    error, not a reason to hang up on the caller."""
    flow = build(
        {
            "main": {
                "type": "menu",
                "prompt": say("For your balance, press 1."),
                "choices": [{"key": "1", "next": "lookup"}],
                "exhausted": "bye",
            },
            "lookup": {
                "type": "http",
                "url": "https://core.bank.example/balance",
                "next": "bye",
                "noqa": ["SCE503"],
            },
            "sorry": {"type": "play", "prompt": say("Sorry, that failed."), "next": "main"},
            "bye": bye("Bye."),
        },
        on_error="sorry",
    )
    session, _ = start(flow)
    for i in range(3):
        session, _ = step(flow, session, ev.Digits("1", T0 + 60 * i))
        session, actions = step(flow, session, ev.HttpResult(T0 + 60 * i + 1, 500))
        assert heard(actions)[:1] == ["Sorry, that failed."] and session.active


# -- hangups and ended calls ----------------------------------------------------------------------


def test_caller_hangup_ends_the_session(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    session, actions = step(menu_flow, session, ev.CallerHangup(T0 + 7))
    assert not session.active
    assert actions == [act.Trace("main", "menu", T0 + 7, {}, "caller hung up")]


def test_an_event_for_an_ended_call_does_nothing(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    ended, _ = step(menu_flow, session, ev.CallerHangup(T0 + 7))
    for event in (ev.Digits("1", T0 + 8), ev.Timeout(T0 + 9), ev.CallStarted(CALLER, CALLED, T0)):
        after, actions = step(menu_flow, ended, event)
        assert actions == []
        assert not after.active
        assert (after.state, after.vars, after.retries) == (ended.state, ended.vars, ended.retries)


def test_hanging_up_anywhere_but_a_recording_ends_the_call(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    session, actions = step(menu_flow, session, ev.CallerHangup(T0 + 3))
    assert not session.active and actions[-1].note == "caller hung up"  # type: ignore[union-attr]


VOICEMAIL: dict[str, object] = {
    "flow": "voicemail",
    "languages": ["en-US"],
    "start": "record",
    "variables": {"recording": {"type": "string"}},
    "nodes": {
        "record": {
            "type": "record",
            "variable": "recording",
            "transcribe": True,
            "next": "save",
            "no_audio": "bye",
        },
        "save": {
            "type": "http",
            "method": "POST",
            "url": "https://callbacks.bank.example/voicemails",
            "body": {"recording": "{recording}", "said": "{last_speech}"},
            "next": "menu",
            "error": "bye",
        },
        "menu": {
            "type": "menu",
            "prompt": {"text": {"en-US": "Press 1 to hear it again."}},
            "choices": [{"key": "1", "next": "bye"}],
            "exhausted": "bye",
        },
        "bye": {"type": "hangup", "prompt": {"text": {"en-US": "Goodbye."}}},
    },
}


def test_a_voicemail_ended_by_hanging_up_is_still_saved() -> None:
    """Callers end a message by hanging up; the platform delivers the recording after that."""
    flow = compile_flow(load_data(VOICEMAIL).flow)  # type: ignore[arg-type]
    session, _ = step(flow, new_session(flow, "CA1"), ev.CallStarted("+1", "+2", T0))
    session, _ = step(flow, session, ev.CallerHangup(T0 + 20))
    assert session.active and session.status == "finishing"
    assert step(flow, session, ev.Digits("1", T0 + 21)) == (session, [])  # nobody is there
    session, actions = step(
        flow, session, ev.RecordingResult(T0 + 22, "https://rec/1.wav", 18, "please call me back")
    )
    (fetch,) = [a for a in actions if isinstance(a, act.Fetch)]
    assert fetch.body == {"recording": "https://rec/1.wav", "said": "please call me back"}
    session, actions = step(flow, session, ev.HttpResult(T0 + 23, 201))
    assert not session.active  # the flow went on to a menu: with the caller gone, it ends
    assert isinstance(actions[-1], act.Hangup) and actions[-1].reason == "caller-hangup"


# -- the summary ----------------------------------------------------------------------------------


def test_the_summary_accumulates_what_the_caller_did() -> None:
    flow = build(
        {
            **MENU_NODES,
            "balance": {
                "type": "collect",
                "prompt": say("Your account number, please."),
                "variable": "account",
                "min_digits": 8,
                "max_digits": 8,
                "next": "agent",
            },
        },
        variables={"account": {"type": "string", "default": ""}},
    )
    session, _ = start(flow)
    assert session.vars["summary"] == ""
    session, _ = step(flow, session, ev.Digits("7", T0 + 3))  # a wrong key is not a summary
    session, _ = step(flow, session, ev.Speech("balance", T0 + 6))
    session, actions = step(flow, session, ev.Digits("12345678#", T0 + 12))
    expected = 'main: said "balance" (Balance); balance: entered 8 digits'
    assert session.vars["summary"] == expected
    assert actions[-1].attach == {"summary": expected}


def test_the_summary_keeps_its_latest_part_within_a_bound(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    for i in range(100):  # 1 plays the balance and comes back to the menu
        session, _ = step(menu_flow, session, ev.Digits("1", T0 + i))
    session, actions = step(menu_flow, session, ev.Digits("2", T0 + 200))
    summary = session.vars["summary"]
    assert 700 <= len(summary) <= 1000 and summary.startswith("…")
    assert summary.endswith("main: pressed 1 (Balance); main: pressed 2")


# -- the quick path -------------------------------------------------------------------------------


def test_the_quick_path_for_menu_keys_does_exactly_what_the_general_path_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`step` takes a short path for a key that leads from menu to menu; the same call, with and
    without it, gives equal sessions and actions at every step."""
    import random

    from runtime import engine

    flow = compile_flow(load_data(QUICK_FLOW).flow)  # type: ignore[arg-type]
    rng = random.Random(3)
    keys = [rng.choice("1230*9") for _ in range(300)]

    def run(quick: bool) -> list[tuple[dict[str, object], list[object]]]:
        monkeypatch.setattr(engine, "QUICK", quick)
        session, _ = step(flow, new_session(flow, "CA1"), ev.CallStarted("+1", "+2", T0))
        out = []
        for i, key in enumerate(keys):
            session, actions = step(flow, session, ev.Digits(key, T0 + i), limits=QUICK_LIMITS)
            out.append((session.to_data(), actions))
        return out

    assert run(True) == run(False)


QUICK_LIMITS = Limits(max_steps_per_event=5, max_steps_per_call=120)


QUICK_FLOW: dict[str, object] = {
    "flow": "quick",
    "languages": ["en-US"],
    "start": "a",
    "nodes": {
        "a": {
            "type": "menu",
            "prompt": {"text": {"en-US": "A. Press 1 for B, 2 for C."}},
            "choices": [
                {"key": "1", "next": "b", "label": "B"},
                {"key": "2", "next": "c"},
            ],
            "retries": 1,
            "exhausted": "c",
            "repeat_key": "*",
        },
        "b": {
            "type": "menu",
            "prompt": {"text": {"en-US": "B. Press 1 for A, 3 for C."}},
            "no_match": {"text": {"en-US": "Not a choice."}},
            "choices": [{"key": "1", "next": "a"}, {"key": "3", "next": "c"}],
            "retries": 2,
            "exhausted": "a",
        },
        "c": {
            "type": "menu",
            "prompt": {"text": {"en-US": "C, caller {caller}. Press 1 for A, 2 for B."}},
            "choices": [{"key": "1", "next": "a"}, {"key": "2", "next": "b"}],
            "exhausted": "a",
        },
    },
}


# -- late answers ---------------------------------------------------------------------------------


def test_a_late_or_repeated_answer_is_dropped(menu_flow: CompiledFlow) -> None:
    """The platform echoes the session's `asked` with each answer; an answer to a wait the call
    has moved past (a webhook retried, a timeout that arrived after the key) changes nothing."""
    session, _ = start(menu_flow)
    pressed, actions = step(menu_flow, session, ev.Digits("1", T0 + 1, asked=session.asked))
    assert actions and pressed.asked == pressed.seq == session.seq + 1
    again, actions = step(menu_flow, pressed, ev.Digits("1", T0 + 2, asked=session.asked))
    assert again is pressed and actions == []
    late, actions = step(menu_flow, pressed, ev.Timeout(T0 + 6, asked=session.asked))
    assert late is pressed and actions == [] and pressed.retries == {}


def test_every_answer_to_the_wait_in_progress_counts() -> None:
    """A queue sends several updates and then its result, all echoing the same `asked`."""
    data = {
        "flow": "queue",
        "languages": ["en-US"],
        "start": "agent",
        "nodes": {
            "agent": {
                "type": "transfer",
                "queue": "general",
                "wait_announcement": {"text": {"en-US": "About {estimated_wait} minutes."}},
                "leave_key": "*",
                "leave": "bye",
                "failure": "bye",
            },
            "bye": {"type": "hangup", "prompt": {"text": {"en-US": "Bye."}}},
        },
    }
    flow = compile_flow(load_data(data).flow)  # type: ignore[arg-type]
    session, _ = step(flow, new_session(flow, "CA1"), ev.CallStarted("+1", "+2", T0))
    asked = session.asked
    for i, wait in enumerate((300, 200)):
        session, actions = step(flow, session, ev.QueueUpdate(T0 + i, wait, 2, asked=asked))
        assert [a.text for a in actions if isinstance(a, act.Play)] == [
            f"About {math.ceil(wait / 60)} minutes."
        ]
    session, actions = step(flow, session, ev.Digits("*", T0 + 9, asked=asked))
    assert not session.active and [a.text for a in actions if isinstance(a, act.Play)] == ["Bye."]


# -- subflow versions -----------------------------------------------------------------------------


def test_a_call_runs_the_subflow_version_it_pinned_even_when_a_newer_one_exists() -> None:
    parent = parent_flow()
    old = verify_flow("Old prompt: enter your PIN.")
    new = verify_flow("New prompt: enter your PIN.")
    assert old.version != new.version
    load = loader(parent, old, new)
    session, _ = start(parent, pins={"verify": old.version}, load=load)
    session, actions = step(parent, session, ev.Digits("1", T0 + 2), load=load)
    assert heard(actions) == ["Old prompt: enter your PIN."]
    assert session.stack[-1]["version"] == old.version
    session, actions = step(parent, session, ev.Timeout(T0 + 8), load=load)
    assert heard(actions) == ["Old prompt: enter your PIN."]  # a re-prompt: still the old one
    later, _ = start(parent, pins={"verify": new.version}, load=load)
    later, actions = step(parent, later, ev.Digits("1", T0 + 2), load=load)
    assert heard(actions) == ["New prompt: enter your PIN."]


def test_a_subflow_version_that_cannot_be_loaded_ends_the_call_politely() -> None:
    """The archive lost the version a call is in: the caller hears a goodbye, nothing raises."""
    from runtime.errors import UnknownFlow

    parent, child = parent_flow(), verify_flow()
    pins = {"verify": child.version}
    session, _ = start(parent, pins=pins, load=loader(parent, child))
    session, _ = step(parent, session, ev.Digits("1", T0 + 2), load=loader(parent, child))

    def lost(version: str) -> CompiledFlow:
        raise UnknownFlow(f"no deployed version {version[:12]}")

    after, actions = step(parent, session, ev.Digits("1234#", T0 + 8), load=lost)
    assert not after.active and heard(actions) == [SORRY_EN]
    assert actions[-1] == act.Hangup("error")
    fresh, _ = start(parent, pins=pins, load=lost)
    fresh, actions = step(parent, fresh, ev.Digits("1", T0 + 2), load=lost)
    assert "cannot run subflow 'verify'" in notes(actions)  # its error exit, at the start
