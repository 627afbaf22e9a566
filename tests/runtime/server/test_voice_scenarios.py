"""The six reference scenarios of the design as webhook conversations, the way Twilio has them
with the server: signed form posts to /voice/<flow> and the URLs its TwiML answers name, through
Flask's test client. They mirror tests/runtime/test_scenarios.py (the same flows, through the
simulator) and check what the platform is told: the verbs, their attributes and words.

The business systems answer from flows/systems.http.yaml: a balance of 12.5 USD, callers on
+1555… are VIP customers.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from runtime.registry import REFUSED
from runtime.server.service import Service
from runtime.simulator import parse_moment
from tests.runtime.server.phone import Answer, Phone

MAIN = "For your balance, press 1. For an agent, press 0. To hear this again, press star."
WORKFLOW = "WW" + "f" * 32
VIP = "+15551230000"
STANDARD = "+16465550100"


def at(service: Service, moment: str) -> None:
    """Set the server's clock (what schedules see) to an ISO 8601 moment."""
    epoch = parse_moment(moment).timestamp()
    service.calls.clock = lambda: epoch


def with_workflow(service: Service) -> None:
    """Queue transfers go to a TaskRouter workflow (config `twilio_workflow_sid`)."""
    service.config = replace(service.config, twilio_workflow_sid=WORKFLOW)


def task(answer: Answer) -> tuple[dict[str, str], dict[str, object]]:
    element = answer.find("Enqueue/Task")
    assert element is not None, answer.text
    return element.attrib, json.loads(element.text or "")


# -- 1. balance by phone, read out and sent by SMS ------------------------------------------------


def test_1_a_caller_hears_the_balance_and_gets_it_by_sms(phone: Phone, service: Service) -> None:
    sid, answer = phone.call("balance")
    assert answer.status == 200 and answer.verbs == ["Say", "Gather", "Redirect"]
    assert answer.said == ["Welcome to Example Bank.", MAIN]
    gather = answer.find("Gather")
    assert gather is not None and gather.attrib == {
        "action": "http://localhost/voice/balance/gather?asked=1",
        "method": "POST",
        "input": "dtmf speech",
        "numDigits": "1",
        "timeout": "5",
        "finishOnKey": "",
        "language": "en-US",
        "hints": "balance, agent, operator",
        "speechTimeout": "auto",
    }
    assert [say.text for say in gather] == [MAIN]  # the menu, not the welcome, stops on a key
    assert answer.redirect == "http://localhost/voice/balance/timeout?asked=1"

    answer = phone.press(sid, answer, "1")
    assert answer.said == [
        "Your balance is 12.5 USD.",
        "Thank you for calling Example Bank. Goodbye.",
    ]
    assert answer.verbs == ["Say", "Say", "Hangup"]
    (sms,) = service.calls.effects.sms.sent  # type: ignore[attr-defined]
    assert (sms.to, sms.message) == (VIP, "Example Bank: your balance is 12.5 USD.")
    session = service.calls.get(sid)
    assert session is not None and not session.active


def test_1_the_balance_can_be_asked_for_by_voice(phone: Phone) -> None:
    sid, answer = phone.call("balance")
    answer = phone.say(sid, answer, "my balance please")
    assert answer.said[0] == "Your balance is 12.5 USD."


def test_1_a_caller_on_the_mainland_number_is_served_in_mandarin(
    phone: Phone, service: Service
) -> None:
    phone.caller, phone.called = "+8613800138000", "+862150000000"
    sid, answer = phone.call("balance")
    assert answer.said == ["欢迎致电示例银行。", "查询余额请按1，人工服务请按0，重听请按星号键。"]
    for say in answer.all(".//Say"):
        assert say.attrib == {"voice": "Polly.Zhiyu", "language": "cmn-CN"}
    gather = answer.find("Gather")
    assert gather is not None and gather.attrib["language"] == "zh-CN"  # what is recognised

    answer = phone.say(sid, answer, "余额")  # not a word of the menu: asked again, in Mandarin
    assert answer.said == [
        "对不起，没有这个选项。",
        "查询余额请按1，人工服务请按0，重听请按星号键。",
    ]
    answer = phone.press(sid, answer, "1")
    assert answer.said == ["您的余额是12.5USD。", "感谢您致电示例银行，再见。"]
    (sms,) = service.calls.effects.sms.sent  # type: ignore[attr-defined]
    assert sms.message == "示例银行：您的余额为12.5USD。"


def test_1_when_the_core_banking_system_fails_the_caller_goes_to_an_agent(
    phone: Phone, service: Service, tmp_path: Path
) -> None:
    with_workflow(service)
    down = tmp_path / "balance.flow"
    text = Path(service.config.flows, "balance.flow").read_text(encoding="utf-8")
    down.write_text(text.replace("core.bank.example", "core-down.bank.example"), encoding="utf-8")
    assert service.registry.deploy_path(down).ok  # no stub answers it, no allowlist lets it out

    sid, answer = phone.call("balance")
    answer = phone.press(sid, answer, "1")
    assert answer.said == [
        "Sorry, we cannot look that up right now. Let me find someone to help you."
    ]
    attributes, data = task(answer)
    assert data == {
        "queue": "general",
        "skills": ["banking"],
        "language": "en-US",
        "summary": "main: pressed 1 (Balance)",
    }
    assert "priority" not in attributes
    assert service.calls.effects.sms.sent == []  # type: ignore[attr-defined]


# -- 2. an agent, VIP first, with the wait announced and a way back ---------------------------

WAIT_3 = "Your estimated wait is 3 minutes. Press star to go back to the menu."
WAIT_1 = "Your estimated wait is 1 minutes. Press star to go back to the menu."
QUEUE_MAIN = "For card services, press 1. For loans, press 2. For an agent, press 0."


def to_cards_agent(phone: Phone) -> tuple[str, Answer]:
    sid, answer = phone.call("agent_queue")
    answer = phone.press(sid, answer, "0")
    assert answer.said == [
        "So that the right person answers: for cards, press 1. For loans, press 2."
    ]
    return sid, phone.press(sid, answer, "1")


@pytest.mark.parametrize(
    ("caller", "tier", "priority"), [(VIP, "vip", "10"), (STANDARD, "standard", "1")]
)
def test_2_vip_callers_queue_with_a_higher_priority_and_the_right_skills(
    phone: Phone, service: Service, caller: str, tier: str, priority: str
) -> None:
    with_workflow(service)
    phone.caller = caller
    _, answer = to_cards_agent(phone)
    assert answer.verbs == ["Enqueue"]
    enqueue = answer.find("Enqueue")
    assert enqueue is not None and enqueue.attrib == {
        "action": "http://localhost/voice/agent_queue/transfer?asked=4",
        "method": "POST",
        "waitUrl": "http://localhost/voice/agent_queue/wait?asked=4",
        "waitUrlMethod": "POST",
        "workflowSid": WORKFLOW,
    }
    attributes, data = task(answer)
    assert attributes == {"priority": priority}
    assert data == {
        "queue": "service",
        "skills": ["cards"],
        "language": "en-US",
        "summary": "main: pressed 0; which_topic: pressed 1",
        "tier": tier,
        "topic": "cards",
    }


def test_2_the_caller_hears_the_wait_and_music_and_leaves_with_star(
    phone: Phone, service: Service
) -> None:
    music = Path(service.config.prompts, "en-US", "hold_music.wav")
    music.parent.mkdir(parents=True)
    music.write_bytes(b"RIFF....WAVE")
    sid, queued = to_cards_agent(phone)
    wait_url = queued.find("Enqueue").attrib["waitUrl"]  # type: ignore[union-attr]

    answer = phone.waiting(sid, wait_url, queue_time=0, average=130, position=2)
    assert answer.verbs == ["Gather", "Redirect"]  # star is heard from the first word
    assert answer.said == [WAIT_3]
    assert answer.played == ["http://localhost/prompts/en-US/hold_music.wav"]
    gather = answer.find("Gather")
    assert gather is not None and gather.attrib["numDigits"] == "1"
    assert gather.attrib["action"] == "http://localhost/voice/agent_queue/leave?asked=4&announced=0"
    assert answer.redirect == "http://localhost/voice/agent_queue/wait?asked=4&announced=0"

    answer = phone.waiting(sid, answer.redirect, queue_time=20, average=130)
    assert answer.said == []  # announce_every is 45 s: music only
    assert answer.redirect.endswith("announced=0")
    answer = phone.waiting(sid, answer.redirect, queue_time=46, average=50)
    assert answer.said == [WAIT_1]
    assert answer.redirect.endswith("asked=4&announced=46")

    answer = phone.press(sid, answer, "5")  # not the leave key: the music plays on
    assert answer.verbs == ["Gather", "Redirect"] and answer.said == []
    assert phone.press(sid, answer, "*").verbs == ["Leave"]
    answer = phone.dequeued(sid, queued, "leave")  # the Enqueue's action request
    assert answer.said == [QUEUE_MAIN]
    session = service.calls.get(sid)
    assert session is not None and session.state == "main"
    assert str(session.vars["summary"]).endswith("agent_cards: left the queue")
    answer = phone.press(sid, answer, "1")  # self-service goes on
    assert answer.said == ["You can block a lost card at any time in our app.", QUEUE_MAIN]


@pytest.mark.parametrize("result", ["queue-full", "error"])
def test_2_no_agent_ends_the_call_politely(phone: Phone, result: str) -> None:
    sid, queued = to_cards_agent(phone)
    answer = phone.dequeued(sid, queued, result)
    assert answer.said == ["All our agents are busy. Please call again later. Goodbye."]
    assert answer.verbs == ["Say", "Hangup"]


def test_2_an_agent_takes_the_call_and_it_ends_when_they_are_done(
    phone: Phone, service: Service
) -> None:
    sid, queued = to_cards_agent(phone)
    answer = phone.dequeued(sid, queued, "bridged", queue_time=95)
    assert answer.verbs == ["Hangup"]
    session = service.calls.get(sid)
    assert session is not None and not session.active


# -- 3. wrong keys and silence ---------------------------------------------------------------------

RETRIES_MAIN = "To check an account, press 1. For an agent, press 0."
ACCOUNT = "Please enter your eight digit account number, then press hash."


def test_3_wrong_keys_and_silence_are_re_prompted_then_an_agent_takes_over(
    phone: Phone, service: Service
) -> None:
    with_workflow(service)
    sid, answer = phone.call("retries")
    answer = phone.silence(sid, answer)
    assert answer.said == ["I did not hear anything.", RETRIES_MAIN]
    answer = phone.press(sid, answer, "7")
    assert answer.said == ["That key is not a choice.", RETRIES_MAIN]
    answer = phone.press(sid, answer, "5")  # the third failure: no more re-prompts
    assert answer.verbs == ["Enqueue"]
    _, data = task(answer)
    assert data["queue"] == "general"
    assert data["summary"] == "main: no valid answer after 3 tries"


def test_3_an_account_number_is_gathered_whole_and_never_given_ends_politely(
    phone: Phone,
) -> None:
    sid, answer = phone.call("retries")
    answer = phone.press(sid, answer, "1")
    gather = answer.find("Gather")
    assert gather is not None and answer.said == [ACCOUNT]
    # Eight keys or '#' end it; the caller has the node's 8 s to start typing.
    assert (gather.attrib["numDigits"], gather.attrib["finishOnKey"]) == ("8", "#")
    assert (gather.attrib["timeout"], gather.attrib["input"]) == ("8", "dtmf")
    answer = phone.press(sid, answer, "123")
    assert answer.said == ["An account number has eight digits.", ACCOUNT]
    answer = phone.silence(sid, answer)
    assert answer.said == ["I did not get your account number.", ACCOUNT]
    answer = phone.press(sid, answer, "123456789")
    answer = phone.press(sid, answer, "1234567")  # the fourth failure of three retries
    assert answer.said == ["Sorry we could not help you this time. Please call again. Goodbye."]
    assert answer.verbs == ["Say", "Hangup"]


def test_3_a_good_account_number_is_read_back_and_travels_with_the_transfer(
    phone: Phone, service: Service
) -> None:
    with_workflow(service)
    sid, answer = phone.call("retries")
    answer = phone.press(sid, phone.press(sid, answer, "1"), "00123456")
    assert answer.said == ["You entered 0 0 1 2 3 4 5 6. Let me connect you."]
    assert task(answer)[1]["account"] == "00123456"


# -- 4. a complaint: an agent offered first, asked before transferring -------------------------

OFFER = "To speak to a member of our complaints team now, press 1. To leave a message, press 2."
CONFIRM = "The wait is usually under five minutes. To be transferred, press 1. To go back, press 2."
MESSAGE = "Please leave your name, number and what happened after the tone."


def test_4_complaint_offers_an_agent_and_asks_before_transferring(
    phone: Phone, service: Service
) -> None:
    with_workflow(service)
    sid, answer = phone.call("complaint")
    assert answer.said == ["We are sorry something went wrong. We want to put it right.", OFFER]
    answer = phone.say(sid, answer, "yes please")
    assert answer.said == [CONFIRM] and answer.verbs == ["Gather", "Redirect"]
    answer = phone.press(sid, answer, "1")
    attributes, data = task(answer)
    assert attributes == {"priority": "5"}
    assert data == {
        "queue": "complaints",
        "skills": ["complaints"],
        "language": "en-US",
        "reason": "complaint",
        "summary": 'offer_agent: said "yes please" (1); confirm: pressed 1',
    }


def test_4_a_message_is_recorded_and_opens_a_ticket(phone: Phone, service: Service) -> None:
    sid, answer = phone.call("complaint")
    answer = phone.press(sid, phone.press(sid, answer, "1"), "2")
    assert answer.said == [OFFER]
    answer = phone.press(sid, answer, "2")
    assert answer.said == [MESSAGE] and answer.verbs == ["Say", "Record", "Redirect"]
    record = answer.find("Record")
    assert record is not None and record.attrib == {
        "action": "http://localhost/voice/complaint/record?asked=4",
        "method": "POST",
        "maxLength": "180",
        "timeout": "5",
        "playBeep": "true",
        "finishOnKey": "#",
    }
    # Twilio does not call the action when nothing was recorded, but goes on to the redirect.
    assert answer.redirect == "http://localhost/voice/complaint/record?asked=4"

    answer = phone.record(sid, answer, "https://api.twilio.com/recordings/RE1", 42)
    fetch = service.calls.effects.fetched[-1]  # type: ignore[attr-defined]
    assert (fetch.method, fetch.url) == ("POST", "https://cases.bank.example/complaints")
    assert fetch.body["recording"] == "https://api.twilio.com/recordings/RE1"
    assert fetch.body["summary"].endswith("message: left a 42 s recording")
    assert answer.said == [
        "Thank you. Our complaints team will call you back within one working day."
    ]
    assert answer.verbs == ["Say", "Hangup"]


def test_4_saying_nothing_after_the_tone_opens_no_ticket(phone: Phone, service: Service) -> None:
    sid, answer = phone.call("complaint")
    answer = phone.press(sid, answer, "2")
    answer = phone.silence(sid, answer)  # no recording: the <Redirect> after <Record>
    assert answer.said[0].startswith("Thank you.")
    assert service.calls.effects.fetched == []  # type: ignore[attr-defined]


# -- 5. after hours: closed, then a voicemail ----------------------------------------------------

CLOSED = "Our office is closed. We are open weekdays from half past eight and Saturday mornings."
VOICEMAIL = "Please leave a message after the tone, and we will call you back."


def test_5_on_a_sunday_evening_the_caller_leaves_a_voicemail(
    phone: Phone, service: Service
) -> None:
    at(service, "2026-11-22T20:00:00+08:00")
    sid, answer = phone.call("after_hours")
    assert answer.said == [CLOSED, VOICEMAIL]
    record = answer.find("Record")
    assert record is not None and record.attrib["transcribe"] == "true"
    answer = phone.record(sid, answer, "https://recordings.example/vm1.wav", 12)
    (fetch,) = service.calls.effects.fetched  # type: ignore[attr-defined]
    assert (fetch.method, fetch.url) == ("POST", "https://callbacks.bank.example/voicemails")
    assert fetch.body["recording"] == "https://recordings.example/vm1.wav"
    assert answer.said == ["Thank you. Goodbye."]


def test_5_on_a_public_holiday_the_caller_hears_which(phone: Phone, service: Service) -> None:
    at(service, "2026-12-25T10:00:00+08:00")
    _, answer = phone.call("after_hours")
    assert answer.said == ["Our office is closed today for the public holiday.", VOICEMAIL]


def test_5_in_business_hours_the_caller_goes_to_an_agent_or_else_to_voicemail(
    phone: Phone, service: Service
) -> None:
    at(service, "2026-11-23T10:00:00+08:00")
    sid, answer = phone.call("after_hours")
    assert answer.verbs == ["Enqueue"] and answer.said == []
    answer = phone.dequeued(sid, answer, "error")
    assert answer.said == [CLOSED, VOICEMAIL]


# -- 6. a changed flow deployed while calls are in progress ---------------------------------------

OLD_WELCOME = "Welcome to the Example hotline."
NEW_WELCOME = "Welcome to the new Example hotline."
OLD_HOURS = "We are open from nine to five, Monday to Friday."
NEW_HOURS = "We are open from eight to eight, every day."


def changed_hotline(service: Service, folder: Path, *, broken: bool = False) -> Path:
    text = Path(service.config.flows, "hotline.flow").read_text(encoding="utf-8")
    text = text.replace(OLD_WELCOME, NEW_WELCOME).replace(OLD_HOURS, NEW_HOURS)
    if broken:
        text = text.replace("next -> goodbye", "next -> good_bye")
    folder.mkdir(parents=True)
    path = folder / "hotline.flow"
    path.write_text(text, encoding="utf-8")
    return path


def test_6_calls_in_progress_keep_the_old_prompts_new_calls_get_the_new(
    phone: Phone, service: Service, tmp_path: Path
) -> None:
    old = service.registry.current_versions()["hotline"]
    before, answer_before = phone.call("hotline")
    assert answer_before.said[0] == OLD_WELCOME

    result = service.registry.deploy_path(changed_hotline(service, tmp_path / "v2"), who="ops")
    assert result.ok and result.previous == old and result.version != old

    after, answer_after = phone.call("hotline")
    assert answer_after.said[0] == NEW_WELCOME
    assert phone.press(after, answer_after, "1").said == [
        NEW_HOURS,
        "Thank you for calling. Goodbye.",
    ]

    answer_before = phone.press(before, answer_before, "*")  # the old menu again
    answer_before = phone.press(before, answer_before, "1")
    assert answer_before.said == [OLD_HOURS, "Thank you for calling. Goodbye."]
    assert old not in service.registry.loaded_versions()  # unloaded once no call uses it


def test_6_a_broken_flow_is_refused_and_the_live_version_stays(
    phone: Phone, service: Service, tmp_path: Path
) -> None:
    good = service.registry.deploy_path(changed_hotline(service, tmp_path / "v2"))
    in_progress, answer = phone.call("hotline")

    broken = changed_hotline(service, tmp_path / "v3", broken=True)
    result = service.registry.deploy_path(broken, who="ops")
    assert result.result == REFUSED and result.previous == good.version
    errors = result.to_data()["errors"]
    assert any("good_bye" in e and "SCE102" in e for e in errors)  # type: ignore[union-attr]

    assert service.registry.current_versions()["hotline"] == good.version
    assert phone.call("hotline")[1].said[0] == NEW_WELCOME
    assert phone.press(in_progress, answer, "1").said == [
        NEW_HOURS,
        "Thank you for calling. Goodbye.",
    ]
