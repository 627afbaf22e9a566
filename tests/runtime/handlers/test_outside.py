"""The nodes that wait for the world outside the call (`runtime/handlers/outside.py`): the
fetches, messages, recordings and transfers they ask for, and what their results do."""

from __future__ import annotations

import math
from urllib.parse import quote

import pytest

from runtime import actions as act
from runtime import events as ev
from runtime.engine import new_session, step
from runtime.session import Session
from sce.compiler import CompiledFlow, compile_flow
from sce.loader import load_data
from tests.runtime.flows import (
    CALLER,
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

# -- http -----------------------------------------------------------------------------------------


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


# -- sms ------------------------------------------------------------------------------------------


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


# -- transfer -------------------------------------------------------------------------------------

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


# -- record ---------------------------------------------------------------------------------------


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


# -- odd numbers from the platform ----------------------------------------------------------------


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
