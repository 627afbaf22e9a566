"""Menus and collects (`runtime/handlers/inputs.py`): keys, spoken words and digits, the
no-input and no-match retries, and the exhausted exit, as a caller meets them."""

from __future__ import annotations

import pytest

from runtime import actions as act
from runtime import events as ev
from runtime.engine import new_session, step
from sce.compiler import CompiledFlow, compile_flow
from sce.errors import CompileError
from sce.loader import load_data
from tests.runtime.flows import (
    MAIN_PROMPT,
    MENU_NODES,
    T0,
    build,
    bye,
    heard,
    notes,
    of,
    say,
    start,
)


@pytest.fixture(scope="module")
def menu_flow() -> CompiledFlow:
    return build(MENU_NODES)


# -- menu -----------------------------------------------------------------------------------------


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


# -- collect --------------------------------------------------------------------------------------


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
