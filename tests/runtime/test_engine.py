"""The engine, `step(flow, session, event) -> (session, actions)`, on small flows built here.

Each test builds a flow as JSON data (what the designer saves), compiles it, starts a call with
`new_session` and a `CallStarted` event, and then feeds it the events a phone platform would
send. What the tests check is what a caller or an agent would notice: the prompts said, the
gathers waited on, the fetches and transfers asked for, and the variables that travel on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from runtime import actions as act
from runtime import events as ev
from runtime.config import Limits
from runtime.engine import new_session, step
from runtime.prompts import SORRY
from runtime.session import Session
from sce.compiler import CompiledFlow, compile_flow
from sce.errors import CompileError
from sce.loader import load_data

CALLER = "+15550001111"
CALLED = "+15550009999"
#: The instant calls start at (event times; the engine reads no clock).
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC).timestamp()


# -- building flows and driving calls ---------------------------------------------------------


def say(en: str, zh: str | None = None) -> dict[str, object]:
    """A prompt with text per language."""
    return {"text": {"en-US": en} | ({"zh-CN": zh} if zh else {})}


def build(
    nodes: Mapping[str, object],
    *,
    flow: str = "test",
    start: str | None = None,
    variables: Mapping[str, object] | None = None,
    languages: tuple[str, ...] = ("en-US", "zh-CN"),
    on_error: str | None = None,
) -> CompiledFlow:
    """Load a flow from data as the designer would save it, and compile it."""
    data: dict[str, object] = {
        "flow": flow,
        "languages": list(languages),
        "start": start or next(iter(nodes)),
        "variables": dict(variables or {}),
        "nodes": dict(nodes),
    }
    if on_error:
        data["on_error"] = on_error
    loaded = load_data(data)
    assert loaded.flow is not None, loaded.diagnostics
    return compile_flow(loaded.flow)


def start(
    flow: CompiledFlow,
    *,
    caller: str = CALLER,
    called: str = CALLED,
    time: float = T0,
    pins: Mapping[str, str] | None = None,
    load: Callable[[str], CompiledFlow] | None = None,
    limits: Limits | None = None,
) -> tuple[Session, list[act.Action]]:
    """A new call: a fresh session and its CallStarted event."""
    session = new_session(flow, "call-1", pins)
    event = ev.CallStarted(caller, called, time)
    return step(flow, session, event, load=load, limits=limits or Limits())


def heard(actions: list[act.Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, act.Play)]


def of(actions: list[act.Action], kind: type) -> list:
    return [a for a in actions if isinstance(a, kind)]


def entered(actions: list[act.Action]) -> list[str]:
    """States entered, in order, from the trace actions."""
    return [a.node for a in actions if isinstance(a, act.Trace)]


def notes(actions: list[act.Action]) -> str:
    """The notes of the trace: why a call left its normal path."""
    return " | ".join(a.note for a in actions if isinstance(a, act.Trace) and a.note)


def bye(text: str = "Goodbye.", reason: str | None = None) -> dict[str, object]:
    node: dict[str, object] = {"type": "hangup", "prompt": say(text)}
    if reason:
        node["reason"] = reason
    return node


#: A menu with words to say, a repeat key, re-prompts and an exhausted exit, used by many tests.
MENU_NODES: dict[str, object] = {
    "main": {
        "type": "menu",
        "prompt": say(
            "For your balance, press 1. For cards, press 2.", "查询余额请按1，信用卡请按2。"
        ),
        "choices": [
            {"key": "1", "next": "balance", "label": "Balance", "speech": ["balance"]},
            {"key": "2", "next": "cards", "speech": ["credit card", "cards"]},
        ],
        "timeout": 4,
        "no_input": say("Sorry, I did not hear you."),
        "no_match": say("Sorry, that is not a choice."),
        "repeat_key": "*",
        "exhausted": "agent",
    },
    "balance": {"type": "play", "prompt": say("Your balance is ten dollars."), "next": "main"},
    "cards": {
        "type": "menu",
        "prompt": say("To block a card, press 1."),
        "choices": [{"key": "1", "next": "blocked"}],
        "retries": 1,
        "no_match": say("Cards: that is not a choice."),
        "exhausted": "agent",
    },
    "blocked": bye("Your card is blocked. Goodbye."),
    "agent": {"type": "transfer", "queue": "general", "attach": {"summary": "{summary}"}},
}
MAIN_PROMPT = "For your balance, press 1. For cards, press 2."


@pytest.fixture(scope="module")
def menu_flow() -> CompiledFlow:
    return build(MENU_NODES)


# -- purity -------------------------------------------------------------------------------------


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


# -- play -------------------------------------------------------------------------------------


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


# -- menu -------------------------------------------------------------------------------------


def test_menu_waits_for_one_key_or_the_words_of_its_choices(menu_flow: CompiledFlow) -> None:
    session, actions = start(menu_flow)
    assert heard(actions) == [MAIN_PROMPT]
    gather = actions[-1]
    assert gather == act.Gather(
        "main", "en-US", 1, 1, None, 4.0, None, True, ("balance", "credit card", "cards"), True
    )


def test_menu_key_goes_to_its_choice(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    session, actions = step(menu_flow, session, ev.Digits("2", T0 + 3))
    assert heard(actions) == ["To block a card, press 1."]
    assert session.state == "cards"
    assert session.vars["last_digits"] == "2"


@pytest.mark.parametrize(
    ("said", "state"),
    [
        ("I would like my balance please", "main"),  # key 1 plays the balance and comes back
        ("Credit card", "cards"),
        ("two", "cards"),  # a spoken digit
        ("2", "cards"),
        ("press two please", "cards"),
        ("按二", "cards"),
        ("my balances", "main"),  # a plural
    ],
)
def test_menu_speech_picks_a_choice_by_its_words_or_a_spoken_digit(
    menu_flow: CompiledFlow, said: str, state: str
) -> None:
    session, _ = start(menu_flow)
    session, actions = step(menu_flow, session, ev.Speech(said, T0 + 3))
    assert session.state == state
    assert session.vars["last_speech"] == said
    if state == "main":
        assert heard(actions)[0] == "Your balance is ten dollars."
    assert session.retries == {}


def test_menu_repeat_key_says_the_prompt_again_without_counting_a_retry(
    menu_flow: CompiledFlow,
) -> None:
    session, _ = start(menu_flow)
    for i in range(5):  # more often than the retries allow: repeating is not failing
        session, actions = step(menu_flow, session, ev.Digits("*", T0 + i))
        assert heard(actions) == [MAIN_PROMPT]
        assert isinstance(actions[-1], act.Gather)
    assert session.state == "main" and session.retries == {}


def test_menu_no_input_and_no_match_say_their_prompt_before_the_prompt(
    menu_flow: CompiledFlow,
) -> None:
    session, _ = start(menu_flow)
    session, actions = step(menu_flow, session, ev.Timeout(T0 + 4))
    assert heard(actions) == ["Sorry, I did not hear you.", MAIN_PROMPT]
    assert isinstance(actions[-1], act.Gather)
    session, actions = step(menu_flow, session, ev.Digits("7", T0 + 8))
    assert heard(actions) == ["Sorry, that is not a choice.", MAIN_PROMPT]
    assert session.retries == {"main": 2}
    assert notes(actions) == "no-match 2 of 3"


@pytest.mark.parametrize(
    "said",
    [
        "I'd like to talk to one of you",  # "one" inside a sentence is no key
        "oh I am not sure",  # nor is "oh"
        "cardsharp",  # a choice's word inside another word
    ],
)
def test_menu_speech_that_only_sounds_like_a_choice_is_a_no_match(
    menu_flow: CompiledFlow, said: str
) -> None:
    session, _ = start(menu_flow)
    session, actions = step(menu_flow, session, ev.Speech(said, T0 + 3))
    assert session.state == "main" and session.retries == {"main": 1}


def test_menu_speech_finds_chinese_words_inside_a_sentence() -> None:
    flow = build(
        {
            "main": {
                "type": "menu",
                "prompt": {"text": {"zh-CN": "查询余额请按1，人工服务请按0。"}},
                "choices": [
                    {"key": "1", "next": "bye", "speech": ["余额"]},
                    {"key": "0", "next": "agent", "speech": ["人工"]},
                ],
                "exhausted": "bye",
            },
            "agent": {"type": "transfer", "queue": "general"},
            "bye": {"type": "hangup"},
        },
        languages=("zh-CN",),
    )
    session, _ = start(flow)
    session, _ = step(flow, session, ev.Speech("我想转人工服务", T0 + 3))
    assert session.state == "agent"


def test_menu_speech_that_names_no_choice_is_a_no_match(menu_flow: CompiledFlow) -> None:
    """The caller said something, just not a choice: "not a choice", not "did not hear you"."""
    session, _ = start(menu_flow)
    session, actions = step(menu_flow, session, ev.Speech("pizza", T0 + 3))
    assert heard(actions) == ["Sorry, that is not a choice.", MAIN_PROMPT]
    session, actions = step(menu_flow, session, ev.Speech("", T0 + 8))
    assert heard(actions) == ["Sorry, I did not hear you.", MAIN_PROMPT]


def test_menu_exhausted_exit_runs_after_the_last_retry(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    for event in (ev.Timeout(T0 + 4), ev.Digits("9", T0 + 8)):  # retries = 2 (the default)
        session, actions = step(menu_flow, session, event)
        assert isinstance(actions[-1], act.Gather)
    session, actions = step(menu_flow, session, ev.Timeout(T0 + 12))
    assert heard(actions) == []
    transfer = actions[-1]
    assert isinstance(transfer, act.Transfer) and transfer.queue == "general"
    assert "main: no valid answer after 3 tries" in transfer.attach["summary"]
    assert session.state == "agent"


def test_menu_retries_are_counted_per_menu(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    session, _ = step(menu_flow, session, ev.Digits("9", T0 + 2))
    session, _ = step(menu_flow, session, ev.Digits("9", T0 + 4))  # main: 2 of 3
    session, _ = step(menu_flow, session, ev.Digits("2", T0 + 6))
    session, actions = step(menu_flow, session, ev.Digits("5", T0 + 8))  # cards: 1 of 2
    assert heard(actions) == ["Cards: that is not a choice.", "To block a card, press 1."]
    assert session.state == "cards"
    session, actions = step(menu_flow, session, ev.Digits("5", T0 + 10))  # cards: exhausted
    assert session.state == "agent"


def test_menu_retries_start_afresh_when_the_menu_is_entered_again(
    menu_flow: CompiledFlow,
) -> None:
    session, _ = start(menu_flow)
    session, _ = step(menu_flow, session, ev.Digits("9", T0 + 2))
    session, _ = step(menu_flow, session, ev.Digits("9", T0 + 4))  # one try left
    session, actions = step(menu_flow, session, ev.Digits("1", T0 + 6))  # balance, then main
    assert heard(actions) == ["Your balance is ten dollars.", MAIN_PROMPT]
    assert session.retries == {}
    for i in range(2):  # two re-prompts again, not the exhausted exit
        session, actions = step(menu_flow, session, ev.Digits("9", T0 + 8 + i))
        assert heard(actions) == ["Sorry, that is not a choice.", MAIN_PROMPT]
    session, actions = step(menu_flow, session, ev.Digits("9", T0 + 12))
    assert session.state == "agent"


# -- collect ----------------------------------------------------------------------------------


def collect_flow(**params: object) -> CompiledFlow:
    node = {
        "type": "collect",
        "prompt": say("Please enter your PIN, then press hash."),
        "variable": "pin",
        "min_digits": 4,
        "max_digits": 6,
        "retries": 1,
        "no_input": say("I did not get your PIN."),
        "no_match": say("A PIN has four to six digits."),
        "next": "thanks",
        "exhausted": "goodbye",
        **params,
    }
    return build(
        {
            "ask": node,
            "thanks": bye("Thank you, your PIN is {spell(pin)}."),
            "goodbye": bye("Sorry, we could not get your PIN. Goodbye.", "no-pin"),
        },
        variables={"pin": {"type": "string", "default": ""}},
    )


def test_collect_waits_for_digits_up_to_the_terminator() -> None:
    flow = collect_flow()
    session, actions = start(flow)
    assert heard(actions) == ["Please enter your PIN, then press hash."]
    assert actions[-1] == act.Gather("ask", "en-US", 4, 6, "#", 5.0, 3.0, False, (), True)


def test_collect_strips_the_terminator_and_keeps_leading_zeros() -> None:
    flow = collect_flow()
    session, _ = start(flow)
    session, actions = step(flow, session, ev.Digits("0042#", T0 + 5))
    assert session.vars["pin"] == "0042"
    assert heard(actions) == ["Thank you, your PIN is 0 0 4 2."]
    assert of(actions, act.Trace)[0].changed == {"pin": "0042", "last_digits": "0042"}
    assert of(actions, act.Hangup) == [act.Hangup(None)]


@pytest.mark.parametrize("digits", ["123#", "1234567#", "12a4#"])
def test_collect_too_few_too_many_or_not_digits_is_a_no_match(digits: str) -> None:
    flow = collect_flow()
    session, _ = start(flow)
    session, actions = step(flow, session, ev.Digits(digits, T0 + 5))
    assert heard(actions) == [
        "A PIN has four to six digits.",
        "Please enter your PIN, then press hash.",
    ]
    assert session.vars["pin"] == ""


def test_collect_pattern_must_match() -> None:
    flow = collect_flow(pattern="^9")
    session, _ = start(flow)
    session, actions = step(flow, session, ev.Digits("1234#", T0 + 5))
    assert heard(actions)[0] == "A PIN has four to six digits."
    session, actions = step(flow, session, ev.Digits("9234#", T0 + 9))
    assert session.vars["pin"] == "9234"


def test_collect_no_match_retries_then_the_exhausted_exit() -> None:
    flow = collect_flow()
    session, _ = start(flow)
    session, actions = step(flow, session, ev.Timeout(T0 + 5))
    assert heard(actions) == ["I did not get your PIN.", "Please enter your PIN, then press hash."]
    session, actions = step(flow, session, ev.Digits("1#", T0 + 10))
    assert heard(actions) == ["Sorry, we could not get your PIN. Goodbye."]
    assert actions[-1] == act.Hangup("no-pin")
    assert not session.active


def test_collect_hears_spoken_digits() -> None:
    flow = collect_flow(speech=True, min_digits=3)
    session, actions = start(flow)
    assert actions[-1].speech is True
    session, actions = step(flow, session, ev.Speech("I don't know", T0 + 4))
    assert session.retries == {"ask": 1} and "no-match" in notes(actions)
    session, actions = step(flow, session, ev.Speech("one two three", T0 + 5))
    assert session.vars["pin"] == "123"
    assert heard(actions) == ["Thank you, your PIN is 1 2 3."]


def test_collect_into_a_number_variable_is_refused_and_number_of_the_text_works() -> None:
    """Digits are text (a PIN may start with 0): the compiler says so; number() converts."""
    data = {
        "flow": "amount",
        "languages": ["en-US"],
        "start": "ask",
        "variables": {"amount": {"type": "number", "default": 0}},
        "nodes": {
            "ask": {"type": "collect", "prompt": say("Amount?"), "variable": "amount"},
        },
    }
    loaded = load_data(data)
    assert loaded.flow is not None
    with pytest.raises(CompileError) as refused:
        compile_flow(loaded.flow)
    message = str(refused.value.diagnostics[0].message)
    assert "declare 'amount' as string" in message and "number(amount)" in message

    flow = build(
        {
            "ask": {
                "type": "collect",
                "prompt": say("How many dollars?"),
                "variable": "typed",
                "next": "add",
            },
            "add": {"type": "set", "assign": {"amount": "number(typed) + 1"}, "next": "done"},
            "done": bye("With the fee that is {amount} dollars."),
        },
        variables={
            "typed": {"type": "string", "default": ""},
            "amount": {"type": "number", "default": 0},
        },
    )
    session, _ = start(flow)
    session, actions = step(flow, session, ev.Digits("041#", T0 + 5))
    assert session.vars["typed"] == "041" and session.vars["amount"] == 42
    assert heard(actions) == ["With the fee that is 42 dollars."]


# -- set and branch -----------------------------------------------------------------------------


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


# -- http ---------------------------------------------------------------------------------------


def http_flow() -> CompiledFlow:
    return build(
        {
            "lookup": {
                "type": "http",
                "method": "POST",
                "url": "https://core.bank.example/accounts/{caller}/balance?lang={language}",
                "headers": {"Accept": "application/json", "X-Call": "{call_id}"},
                "body": {"caller": "{caller}", "channel": "ivr"},
                "timeout": 2,
                "save": {"balance": "/balance/amount", "currency": "/balance/currency"},
                "next": "read",
                "error": "sorry",
            },
            "read": bye("Your balance is {balance} {currency}."),
            "sorry": bye("Sorry, we cannot look that up right now.", "lookup-failed"),
        },
        variables={
            "balance": {"type": "number", "default": 0},
            "currency": {"type": "string", "default": ""},
        },
    )


def test_http_asks_for_a_fetch_built_from_its_templates() -> None:
    flow = http_flow()
    session, actions = start(flow)
    assert actions[-1] == act.Fetch(
        "lookup",
        "POST",
        f"https://core.bank.example/accounts/{quote(CALLER, safe='')}/balance?lang=en-US",
        2.0,
        {"Accept": "application/json", "X-Call": "call-1"},
        {"caller": CALLER, "channel": "ivr"},
    )
    assert session.state == "lookup" and session.active


def test_http_result_saves_the_values_and_goes_on() -> None:
    flow = http_flow()
    session, _ = start(flow)
    reply = {"balance": {"amount": 12.5, "currency": "USD"}, "other": [1, 2]}
    session, actions = step(flow, session, ev.HttpResult(T0 + 1, 200, reply))
    assert session.vars["balance"] == 12.5 and session.vars["currency"] == "USD"
    assert heard(actions) == ["Your balance is 12.5 USD."]
    assert of(actions, act.Trace)[0].changed == {"balance": 12.5, "currency": "USD"}


@pytest.mark.parametrize(
    ("result", "why"),
    [
        (ev.HttpResult(T0 + 2, error="timed out after 2 s"), "timed out"),
        (ev.HttpResult(T0 + 1, error="connection refused"), "connection refused"),
        (ev.HttpResult(T0 + 1, 500, {"balance": {"amount": 1, "currency": "USD"}}), "HTTP 500"),
        (ev.HttpResult(T0 + 1, 404, None), "HTTP 404"),
        (ev.HttpResult(T0 + 1, 200, {"balance": {"amount": 3}}), "/balance/currency"),
    ],
    ids=["timeout", "refused", "server-error", "not-found", "missing-pointer"],
)
def test_http_failures_take_the_error_exit(result: ev.HttpResult, why: str) -> None:
    flow = http_flow()
    session, _ = start(flow)
    session, actions = step(flow, session, result)
    assert heard(actions) == ["Sorry, we cannot look that up right now."]
    assert actions[-1] == act.Hangup("lookup-failed")
    assert session.vars["balance"] == 0  # nothing half-saved
    assert why in notes(actions)


# -- sms ----------------------------------------------------------------------------------------


def sms_flow() -> CompiledFlow:
    return build(
        {
            "switch": {"type": "language", "language": "zh-CN", "next": "text"},
            "text": {
                "type": "sms",
                "message": {
                    "en-US": "Your code is {code}.",
                    "zh-CN": "您的验证码是{code}。",
                },
                "next": "sent",
                "error": "not_sent",
            },
            "sent": bye("Sent.", "sent"),
            "not_sent": bye("We could not send the message.", "not-sent"),
        },
        variables={"code": {"type": "string", "default": "4711"}},
    )


def test_sms_sends_the_message_in_the_callers_language_to_the_caller() -> None:
    flow = sms_flow()
    session, actions = start(flow)
    assert actions[-1] == act.SendSms("text", CALLER, "您的验证码是4711。")
    session, actions = step(flow, session, ev.SmsResult(T0 + 1))
    assert actions[-1] == act.Hangup("sent")


def test_sms_that_failed_takes_the_error_exit() -> None:
    flow = sms_flow()
    session, _ = start(flow)
    session, actions = step(flow, session, ev.SmsResult(T0 + 1, ok=False, error="no network"))
    assert actions[-1] == act.Hangup("not-sent")
    assert "no network" in notes(actions)


# -- schedule -----------------------------------------------------------------------------------

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


# -- language -----------------------------------------------------------------------------------


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


# -- transfer -----------------------------------------------------------------------------------

VIP = "+15550000001"
WAIT_TEXT = "Your estimated wait is {estimated_wait} minutes; you are number {queue_position}."
QUEUE_NODES: dict[str, object] = {
    **MENU_NODES,
    "cards": {
        "type": "menu",
        "prompt": say("To speak to someone about cards, press 0."),
        "choices": [{"key": "0", "next": "vip", "label": "Agent"}],
        "exhausted": "agent",
    },
    "vip": {
        "type": "branch",
        "cases": [{"when": f"caller == '{VIP}'", "next": "mark_vip"}],
        "default": "queue",
    },
    "mark_vip": {"type": "set", "assign": {"tier": "'vip'"}, "next": "queue"},
    "queue": {
        "type": "transfer",
        "queue": "service",
        "skills": ["cards", "english"],
        "priority": "if(tier == 'vip', 10, 1)",
        "attach": {"summary": "{summary}", "tier": "{tier}", "from": "{caller}"},
        "hold_music": "hold_music",
        "wait_announcement": say(WAIT_TEXT),
        "announce_every": 30,
        "max_wait": 600,
        "leave_key": "*",
        "leave": "main",
        "failure": "busy",
    },
    "busy": bye("All our agents are busy. Goodbye.", "no-agent"),
}


@pytest.fixture(scope="module")
def queue_flow() -> CompiledFlow:
    return build(QUEUE_NODES, variables={"tier": {"type": "string", "default": "standard"}})


def queued(flow: CompiledFlow, caller: str = CALLER) -> tuple[Session, list[act.Action]]:
    """A call that pressed 2 (cards) then 0 (an agent)."""
    session, _ = start(flow, caller=caller)
    session, _ = step(flow, session, ev.Digits("2", T0 + 3))
    return step(flow, session, ev.Digits("0", T0 + 6))


@pytest.mark.parametrize(
    ("caller", "tier", "priority"), [(VIP, "vip", 10), (CALLER, "standard", 1)]
)
def test_transfer_asks_for_a_queue_with_skills_priority_and_what_the_caller_did(
    queue_flow: CompiledFlow, caller: str, tier: str, priority: int
) -> None:
    session, actions = queued(queue_flow, caller)
    assert actions[-1] == act.Transfer(
        "queue",
        "en-US",
        "service",
        None,
        ("cards", "english"),
        priority,
        {"summary": "main: pressed 2; cards: pressed 0 (Agent)", "tier": tier, "from": caller},
        "hold_music",
        30.0,
        600,
        "*",
    )
    assert session.state == "queue" and session.active


@pytest.mark.parametrize(("seconds", "minutes"), [(61, 2), (120, 2), (0.5, 1), (0, None)])
def test_queue_updates_announce_the_wait_in_whole_minutes_rounded_up(
    queue_flow: CompiledFlow, seconds: float, minutes: int | None
) -> None:
    session, _ = queued(queue_flow)
    session, actions = step(queue_flow, session, ev.QueueUpdate(T0 + 30, seconds, 3))
    said = [f"Your estimated wait is {minutes} minutes; you are number 3."] if minutes else []
    assert heard(actions) == said  # no estimate: no "0 minutes", the music plays on
    assert session.state == "queue" and session.active


def test_the_leave_key_takes_the_caller_back_to_self_service(queue_flow: CompiledFlow) -> None:
    session, _ = queued(queue_flow)
    session, actions = step(queue_flow, session, ev.Digits("5", T0 + 20))
    assert actions == [] and session.state == "queue"  # other keys are ignored in the queue
    session, actions = step(queue_flow, session, ev.Digits("*", T0 + 25))
    assert heard(actions) == [MAIN_PROMPT]
    assert session.state == "main"
    assert session.vars["summary"].endswith("queue: left the queue")


def test_a_platform_reported_leave_also_takes_the_leave_exit(queue_flow: CompiledFlow) -> None:
    session, _ = queued(queue_flow)
    session, actions = step(queue_flow, session, ev.TransferResult("left", T0 + 40))
    assert heard(actions) == [MAIN_PROMPT]


def test_a_failed_transfer_takes_the_failure_exit(queue_flow: CompiledFlow) -> None:
    session, _ = queued(queue_flow)
    session, actions = step(queue_flow, session, ev.TransferResult("failed", T0 + 60, "no agent"))
    assert heard(actions) == ["All our agents are busy. Goodbye."]
    assert actions[-1] == act.Hangup("no-agent")
    assert "transfer failed: no agent" in notes(actions)


def test_a_completed_transfer_ends_the_call(queue_flow: CompiledFlow) -> None:
    session, _ = queued(queue_flow)
    session, actions = step(queue_flow, session, ev.TransferResult("completed", T0 + 900))
    assert heard(actions) == []
    assert actions[-1] == act.Hangup("transferred")
    assert not session.active


# -- record -------------------------------------------------------------------------------------


def record_flow() -> CompiledFlow:
    return build(
        {
            "message": {
                "type": "record",
                "prompt": say("Please leave a message after the tone."),
                "variable": "voicemail",
                "max_length": 60,
                "silence_timeout": 3,
                "finish_key": "#",
                "transcribe": True,
                "next": "thanks",
                "no_audio": "nothing",
            },
            "thanks": bye("Thank you for your message.", "voicemail"),
            "nothing": bye("We did not get a message. Goodbye.", "no-message"),
        },
        variables={"voicemail": {"type": "string", "default": ""}},
    )


def test_record_says_its_prompt_and_records() -> None:
    session, actions = start(record_flow())
    assert heard(actions) == ["Please leave a message after the tone."]
    assert actions[-1] == act.Record("message", 60.0, 3.0, True, "#", True)


def test_a_recording_goes_into_its_variable() -> None:
    flow = record_flow()
    session, _ = start(flow)
    url = "https://recordings.example/r1.wav"
    session, actions = step(flow, session, ev.RecordingResult(T0 + 9, url, 7.2, "hello"))
    assert session.vars["voicemail"] == url
    assert session.vars["summary"] == "message: left a 8 s recording"
    assert heard(actions) == ["Thank you for your message."]
    assert actions[-1] == act.Hangup("voicemail")


@pytest.mark.parametrize("result", [ev.RecordingResult(T0 + 5), ev.RecordingResult(T0 + 5, "u", 0)])
def test_a_recording_without_audio_takes_the_no_audio_exit(result: ev.RecordingResult) -> None:
    flow = record_flow()
    session, _ = start(flow)
    session, actions = step(flow, session, result)
    assert session.vars["voicemail"] == ""
    assert heard(actions) == ["We did not get a message. Goodbye."]


# -- subflow ------------------------------------------------------------------------------------


def verify_flow(ask: str = "Caller {caller}, enter the PIN of account {account}.") -> CompiledFlow:
    """A reusable PIN check: `account` in, `verified` out; a wrong PIN ends the call."""
    return build(
        {
            "ask": {
                "type": "collect",
                "prompt": say(ask, "请输入账户{account}的密码。"),
                "variable": "pin",
                "next": "check",
                "exhausted": "fail",
            },
            "check": {
                "type": "branch",
                "cases": [{"when": "pin == '1234'", "next": "ok"}],
                "default": "fail",
            },
            "ok": {"type": "set", "assign": {"verified": "true"}, "next": "back"},
            "back": {"type": "hangup", "prompt": say("Thank you.", "谢谢。"), "return": True},
            "fail": bye("Wrong PIN. Goodbye.", "pin-failed"),
        },
        flow="verify",
        variables={
            "account": {"type": "string", "default": "", "input": True},
            "pin": {"type": "string", "default": ""},
            "verified": {"type": "bool", "default": False, "output": True},
        },
    )


def parent_flow(first: str = "main") -> CompiledFlow:
    return build(
        {
            "main": {
                "type": "menu",
                "prompt": say("To verify, press 1."),
                "choices": [{"key": "1", "next": "verify", "label": "Verify"}],
            },
            "to_zh": {"type": "language", "language": "zh-CN", "next": "verify"},
            "verify": {
                "type": "subflow",
                "flow": "verify",
                "inputs": {"account": "account"},
                "outputs": {"ok": "verified"},
                "next": "result",
                "error": "unavailable",
            },
            "result": {
                "type": "branch",
                "cases": [{"when": "ok", "next": "agent"}],
                "default": "unavailable",
            },
            "agent": {
                "type": "transfer",
                "queue": "verified",
                "attach": {"summary": "{summary}", "account": "{account}"},
            },
            "unavailable": bye("Verification is not available.", "unverified"),
        },
        flow="parent",
        start=first,
        variables={
            "account": {"type": "string", "default": "12345678"},
            "ok": {"type": "bool", "default": False},
        },
    )


def loader(*flows: CompiledFlow) -> Callable[[str], CompiledFlow]:
    """What a registry gives the engine: a compiled flow by version."""
    return {f.version: f for f in flows}.__getitem__


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


# -- the error path and the bounds ------------------------------------------------------------

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


# -- hangups and ended calls ---------------------------------------------------------------------


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


def test_a_hangup_node_says_goodbye_and_ends_with_its_reason() -> None:
    flow = build({"bye": bye("Goodbye.", "done")})
    session, actions = start(flow)
    assert heard(actions) == ["Goodbye."]
    assert actions[-1] == act.Hangup("done") and not session.active
    after, actions = step(flow, session, ev.Digits("1", T0 + 1))
    assert actions == []


# -- the summary --------------------------------------------------------------------------------


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


def test_a_pattern_that_backtracks_exponentially_elsewhere_costs_the_engine_nothing() -> None:
    """`^(\\d+)+$` on 40 keys and a star takes a backtracking engine minutes; RE2 answers in
    about the time of the plainest pattern."""
    import time

    def flow_with(pattern: str) -> CompiledFlow:
        data = {
            "flow": "account",
            "languages": ["en-US"],
            "start": "ask",
            "variables": {"account": {"type": "string"}},
            "nodes": {
                "ask": {
                    "type": "collect",
                    "prompt": {"text": {"en-US": "Your number, then hash."}},
                    "variable": "account",
                    "max_digits": 64,
                    "pattern": pattern,
                    "next": "bye",
                    "exhausted": "bye",
                },
                "bye": {"type": "hangup"},
            },
        }
        return compile_flow(load_data(data).flow)  # type: ignore[arg-type]

    def cost(flow: CompiledFlow) -> float:
        session, _ = step(flow, new_session(flow, "CA1"), ev.CallStarted("+1", "+2", T0))
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            after, _ = step(flow, session, ev.Digits("1" * 40 + "*", T0 + 1))
            best = min(best, time.perf_counter() - t0)
        assert after.retries == {"ask": 1}  # a no-match, not a freeze
        return best

    assert cost(flow_with("^(\\d+)+$")) < 20 * cost(flow_with("^[0-9]+$"))


def test_what_a_caller_controls_is_encoded_in_a_url_and_cannot_change_the_request() -> None:
    """A spoofed caller id with `/../` and `?` stays one path segment of the data dip."""
    data = {
        "flow": "lookup",
        "languages": ["en-US"],
        "start": "fetch",
        "nodes": {
            "fetch": {
                "type": "http",
                "url": "https://core.bank.example/accounts/{caller}/balance?x=1",
                "next": "bye",
                "error": "bye",
            },
            "bye": {"type": "hangup"},
        },
    }
    flow = compile_flow(load_data(data).flow)  # type: ignore[arg-type]
    caller = "+1555/../../admin?acct=OTHER&x=#"
    _, actions = step(flow, new_session(flow, "CA1"), ev.CallStarted(caller, "+2", T0))
    (fetch,) = [a for a in actions if isinstance(a, act.Fetch)]
    assert fetch.url == (
        "https://core.bank.example/accounts/%2B1555%2F..%2F..%2Fadmin%3Facct%3DOTHER%26x%3D%23"
        "/balance?x=1"
    )


def test_a_call_whose_request_result_was_lost_recovers_on_the_callers_next_move() -> None:
    data = {
        "flow": "lookup",
        "languages": ["en-US"],
        "start": "fetch",
        "nodes": {
            "fetch": {
                "type": "http",
                "url": "https://core.bank.example/x",
                "next": "bye",
                "error": "sorry",
            },
            "bye": {"type": "hangup"},
            "sorry": {"type": "hangup", "prompt": {"text": {"en-US": "Sorry."}}},
        },
    }
    flow = compile_flow(load_data(data).flow)  # type: ignore[arg-type]
    waiting, _ = step(flow, new_session(flow, "CA1"), ev.CallStarted("+1", "+2", T0))
    assert waiting.state == "fetch"  # the process running the fetch died here
    after, actions = step(flow, waiting, ev.Timeout(T0 + 5))
    assert not after.active and [a.text for a in actions if isinstance(a, act.Play)] == ["Sorry."]


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


@pytest.mark.parametrize("odd", [math.inf, -math.inf, math.nan])
def test_odd_numbers_from_the_platform_never_break_a_call(odd: float) -> None:
    data = {
        "flow": "odd",
        "languages": ["en-US"],
        "start": "agent",
        "variables": {"voicemail": {"type": "string"}},
        "nodes": {
            "agent": {
                "type": "transfer",
                "queue": "general",
                "wait_announcement": {"text": {"en-US": "About {estimated_wait} minutes."}},
                "failure": "record",
            },
            "record": {"type": "record", "variable": "voicemail", "next": "bye", "no_audio": "bye"},
            "bye": {"type": "hangup"},
        },
    }
    flow = compile_flow(load_data(data).flow)  # type: ignore[arg-type]
    session, _ = step(flow, new_session(flow, "CA1"), ev.CallStarted("+1", "+2", T0))
    session, actions = step(flow, session, ev.QueueUpdate(T0 + 1, odd, 3))
    assert actions == [] and session.vars["estimated_wait"] == 0
    session, _ = step(flow, session, ev.TransferResult("failed", T0 + 2))
    session, actions = step(flow, session, ev.RecordingResult(T0 + 3, "https://r/1.wav", odd))
    assert session.state == "bye" and not session.active


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


def test_hanging_up_anywhere_but_a_recording_ends_the_call(menu_flow: CompiledFlow) -> None:
    session, _ = start(menu_flow)
    session, actions = step(menu_flow, session, ev.CallerHangup(T0 + 3))
    assert not session.active and actions[-1].note == "caller hung up"  # type: ignore[union-attr]


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
