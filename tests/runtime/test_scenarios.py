"""The six reference scenarios of the design, end to end on the shipped flows in `flows/`.

Each test dials a flow in the simulator (the real engine, registry, store and effects, with the
business systems' HTTP replies stubbed) and checks what a caller, an agent or operations would
notice: the prompts heard, the path taken, the transfer asked for, the SMS and HTTP calls made,
and how the call ended.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from runtime import actions as act
from runtime.registry import REFUSED
from runtime.simulator import SimulatedCall, Simulator

FLOWS = Path(__file__).resolve().parents[2] / "flows"
#: A Monday morning in New York (23:00 the same day in Shanghai).
MONDAY = "2026-11-23T10:00:00-05:00"
CALLER = "+15551230000"
VIP = "+15550000001"
STANDARD = "+15550000002"

STUBS: dict[str, object] = {
    "https://core.bank.example/accounts/*/balance": {
        "json": {"balance": {"amount": 1234.5, "currency": "USD"}}
    },
    f"https://crm.bank.example/customers/{VIP}": {"json": {"tier": "vip"}},
    "https://crm.bank.example/customers/*": {"json": {"tier": "standard"}},
    "POST https://cases.bank.example/complaints": {"status": 201, "json": {"id": "C-1"}},
    "POST https://callbacks.bank.example/voicemails": {"status": 201, "json": {"id": "V-1"}},
}


def simulator(at: str = MONDAY, http: dict[str, object] | None = None) -> Simulator:
    return Simulator.from_paths([FLOWS], http=STUBS if http is None else http, at=at)


@pytest.fixture
def sim() -> Simulator:
    return simulator()


def ended_with(call: SimulatedCall) -> act.Hangup:
    assert call.ended
    hangup = call.of(act.Hangup)
    assert len(hangup) == 1
    return hangup[0]


# -- 1. balance by phone, read out and sent by SMS ------------------------------------------------


def test_1_balance_in_english(sim: Simulator) -> None:
    call = sim.call("balance", caller=CALLER, called="+15550100000")
    assert call.heard == [
        "Welcome to Example Bank.",
        "For your balance, press 1. For an agent, press 0. To hear this again, press star.",
    ]
    call.press("1")
    assert call.heard[2:] == [
        "Your balance is 1234.5 USD.",
        "Thank you for calling Example Bank. Goodbye.",
    ]
    assert call.path == [
        "pick_language",
        "welcome",
        "main",
        "lookup",
        "read_balance",
        "text_balance",
        "goodbye",
    ]
    fetch = sim.effects.fetched[-1]
    assert fetch.url == f"https://core.bank.example/accounts/{quote(CALLER, safe='')}/balance"
    (sms,) = sim.effects.sms.sent
    assert (sms.to, sms.message) == (CALLER, "Example Bank: your balance is 1234.5 USD.")
    assert ended_with(call).reason == "self-service"


def test_1_balance_in_mandarin_on_the_mainland_number(sim: Simulator) -> None:
    call = sim.call("balance", caller="+8613800138000", called="+862150000000")
    assert call.heard == ["欢迎致电示例银行。", "查询余额请按1，人工服务请按0，重听请按星号键。"]
    assert call.waiting_for.language == "zh-CN"
    call.say("余额")  # not a word of the menu: a re-prompt, in Mandarin
    assert call.heard[-1] == "查询余额请按1，人工服务请按0，重听请按星号键。"
    call.press("1")
    assert call.heard[-2:] == ["您的余额是1234.5USD。", "感谢您致电示例银行，再见。"]
    (sms,) = sim.effects.sms.sent
    assert (sms.to, sms.message) == ("+8613800138000", "示例银行：您的余额为1234.5USD。")
    assert call.path[:3] == ["pick_language", "mandarin", "welcome"]
    assert ended_with(call).reason == "self-service"


def test_1_balance_lookup_down_hands_the_caller_to_an_agent() -> None:
    sim = simulator(http={"https://core.bank.example/*": {"error": "connection refused"}})
    call = sim.call("balance", caller=CALLER).press("1")
    assert call.heard[-1] == (
        "Sorry, we cannot look that up right now. Let me find someone to help you."
    )
    (transfer,) = call.of(act.Transfer)
    assert transfer.queue == "general" and transfer.skills == ("banking",)
    assert transfer.attach == {"summary": "main: pressed 1 (Balance)"}
    assert sim.effects.sms.sent == []


# -- 2. an agent, VIP first, with the wait announced and a way back ---------------------------


def to_cards_agent(sim: Simulator, caller: str) -> SimulatedCall:
    call = sim.call("agent_queue", caller=caller)
    assert call.heard == ["For card services, press 1. For loans, press 2. For an agent, press 0."]
    call.press("0")
    assert call.heard[-1] == (
        "So that the right person answers: for cards, press 1. For loans, press 2."
    )
    return call.press("1")


@pytest.mark.parametrize(
    ("caller", "tier", "priority"), [(VIP, "vip", 10), (STANDARD, "standard", 1)]
)
def test_2_vip_callers_queue_with_a_higher_priority_and_the_right_skills(
    sim: Simulator, caller: str, tier: str, priority: int
) -> None:
    call = to_cards_agent(sim, caller)
    (transfer,) = call.of(act.Transfer)
    assert transfer.queue == "service"
    assert transfer.skills == ("cards",)
    assert transfer.priority == priority
    assert transfer.attach == {
        "summary": "main: pressed 0; which_topic: pressed 1",
        "tier": tier,
        "topic": "cards",
    }
    assert transfer.hold_music == "hold_music" and transfer.leave_key == "*"
    assert sim.effects.fetched[-1].url == (
        f"https://crm.bank.example/customers/{quote(caller, safe='')}"
    )
    assert call.path[-4:] == ["topic_cards", "customer", "route", "agent_cards"]
    assert isinstance(call.waiting_for, act.Transfer)


def test_2_the_vip_ahead_of_the_standard_caller_in_the_same_queue(sim: Simulator) -> None:
    vip = to_cards_agent(sim, VIP).of(act.Transfer)[0]
    standard = to_cards_agent(sim, STANDARD).of(act.Transfer)[0]
    assert (vip.queue, vip.skills) == (standard.queue, standard.skills)
    assert vip.priority > standard.priority


def test_2_the_caller_hears_the_wait_and_may_leave_the_queue_with_star(sim: Simulator) -> None:
    call = to_cards_agent(sim, VIP)
    call.queue(130, position=2)
    assert call.heard[-1] == (
        "Your estimated wait is 3 minutes. Press star to go back to the menu."
    )
    sim.wait(45)
    call.queue(50, position=1)
    assert call.heard[-1] == (
        "Your estimated wait is 1 minutes. Press star to go back to the menu."
    )
    assert not call.ended
    call.press("*")
    assert call.heard[-1] == (
        "For card services, press 1. For loans, press 2. For an agent, press 0."
    )
    assert call.path[-2:] == ["agent_cards", "main"]
    assert isinstance(call.waiting_for, act.Gather) and call.waiting_for.node == "main"
    assert call.session.vars["summary"].endswith("agent_cards: left the queue")


def test_2_a_crm_that_does_not_answer_still_queues_the_caller(sim: Simulator) -> None:
    sim = simulator(http={"https://crm.bank.example/*": {"error": "timed out after 2 s"}})
    call = sim.call("agent_queue", caller=VIP).press("0").press("2")
    (transfer,) = call.of(act.Transfer)
    assert transfer.skills == ("loans",) and transfer.priority == 1
    assert transfer.attach["tier"] == "standard"


def test_2_no_agent_ends_the_call_politely(sim: Simulator) -> None:
    call = to_cards_agent(sim, STANDARD).transfer("failed", "no agent answered")
    assert call.heard[-1] == "All our agents are busy. Please call again later. Goodbye."
    assert ended_with(call).reason == "no-agent"


# -- 3. wrong keys and silence ---------------------------------------------------------------------

RETRIES_MAIN = "To check an account, press 1. For an agent, press 0."
ACCOUNT = "Please enter your eight digit account number, then press hash."


def test_3_wrong_keys_and_silence_are_re_prompted_then_an_agent_takes_over(
    sim: Simulator,
) -> None:
    call = sim.call("retries", caller=CALLER)
    assert call.heard == [RETRIES_MAIN]
    call.press("7")
    assert call.heard[-2:] == [
        "That key is not a choice.",
        RETRIES_MAIN,  # the choices once, not twice
    ]
    call.silence()
    assert call.heard[-2:] == [
        "I did not hear anything.",
        RETRIES_MAIN,
    ]
    assert call.of(act.Transfer) == []
    call.press("5")  # the third failure: no more re-prompts
    (transfer,) = call.of(act.Transfer)
    assert transfer.queue == "general"
    assert transfer.attach["summary"] == "main: no valid answer after 3 tries"
    assert call.path == ["main", "agent"]
    assert len(call.heard) == 5


def test_3_an_account_number_never_given_ends_the_call_politely(sim: Simulator) -> None:
    call = sim.call("retries", caller=CALLER).press("1")
    assert call.heard[-1] == ACCOUNT
    wrong = "An account number has eight digits."
    call.press("123#")
    assert call.heard[-2:] == [wrong, ACCOUNT]
    call.silence()
    assert call.heard[-2:] == ["I did not get your account number.", ACCOUNT]
    call.press("123456789#")
    assert call.heard[-2:] == [wrong, ACCOUNT]
    call.press("1234567#")  # the fourth failure of three retries
    assert call.heard[-1] == "Sorry we could not help you this time. Please call again. Goodbye."
    assert ended_with(call).reason == "retries-exhausted"
    assert call.path == ["main", "account_number", "polite_end"]


def test_3_a_good_account_number_is_read_back_and_travels_with_the_transfer(
    sim: Simulator,
) -> None:
    call = sim.call("retries", caller=CALLER).press("1").press("00123456#")
    assert call.heard[-1] == "You entered 0 0 1 2 3 4 5 6. Let me connect you."
    (transfer,) = call.of(act.Transfer)
    assert transfer.attach["account"] == "00123456"


# -- 4. a complaint: an agent offered first, asked before transferring -------------------------

OFFER = "To speak to a member of our complaints team now, press 1. To leave a message, press 2."
CONFIRM = "The wait is usually under five minutes. To be transferred, press 1. To go back, press 2."


def test_4_complaint_offers_an_agent_and_asks_before_transferring(sim: Simulator) -> None:
    call = sim.call("complaint", caller=CALLER)
    assert call.heard == ["We are sorry something went wrong. We want to put it right.", OFFER]
    call.say("yes please")
    assert call.heard[-1] == CONFIRM
    assert call.of(act.Transfer) == []  # not before the caller says so
    call.press("1")
    (transfer,) = call.of(act.Transfer)
    assert (transfer.queue, transfer.skills, transfer.priority) == (
        "complaints",
        ("complaints",),
        5,
    )
    assert transfer.attach == {
        "reason": "complaint",
        "summary": 'offer_agent: said "yes please" (1); confirm: pressed 1',
    }
    assert call.path == ["sorry_to_hear", "offer_agent", "confirm", "complaints_team"]


def test_4_going_back_and_leaving_a_message_opens_a_ticket(sim: Simulator) -> None:
    call = sim.call("complaint", caller=CALLER).press("1").press("2")
    assert call.heard[-1] == OFFER
    call.press("2")
    assert call.heard[-1] == "Please leave your name, number and what happened after the tone."
    assert call.waiting_for.max_length == 180
    call.record("https://recordings.example/c1.wav", duration=42)
    fetch = sim.effects.fetched[-1]
    assert (fetch.method, fetch.url) == ("POST", "https://cases.bank.example/complaints")
    assert fetch.body == {
        "caller": CALLER,
        "recording": "https://recordings.example/c1.wav",
        "summary": (
            "offer_agent: pressed 1; confirm: pressed 2; offer_agent: pressed 2; "
            "message: left a 42 s recording"
        ),
    }
    assert call.heard[-1] == (
        "Thank you. Our complaints team will call you back within one working day."
    )
    assert ended_with(call).reason == "complaint"


def test_4_no_agent_free_lets_the_caller_leave_a_message(sim: Simulator) -> None:
    call = sim.call("complaint").press("1").press("1").transfer("failed", "queue timed out")
    assert call.heard[-1] == "Please leave your name, number and what happened after the tone."
    call.record(None, duration=3)  # silence: no ticket without a message
    assert sim.effects.fetched == []
    assert ended_with(call).reason == "complaint"


# -- 5. after hours: closed, then a voicemail ----------------------------------------------------

CLOSED = "Our office is closed. We are open weekdays from half past eight and Saturday mornings."
VOICEMAIL = "Please leave a message after the tone, and we will call you back."


def test_5_at_night_in_shanghai_the_caller_leaves_a_voicemail() -> None:
    sim = simulator(at="2026-11-23T22:15:00+08:00")  # Monday night in Shanghai
    call = sim.call("after_hours", caller="+8613800138000")
    assert call.heard == [CLOSED, VOICEMAIL]
    record = call.waiting_for
    assert isinstance(record, act.Record) and record.transcribe
    call.record("https://recordings.example/vm1.wav", duration=12)
    (fetch,) = sim.effects.fetched
    assert (fetch.method, fetch.url) == ("POST", "https://callbacks.bank.example/voicemails")
    assert fetch.body == {
        "caller": "+8613800138000",
        "recording": "https://recordings.example/vm1.wav",
    }
    assert call.heard[-1] == "Thank you. Goodbye."
    assert call.path == ["hours", "closed_message", "voicemail_prompt", "save_voicemail", "goodbye"]
    assert ended_with(call).reason == "after-hours"


def test_5_a_monday_morning_in_new_york_is_night_in_shanghai(sim: Simulator) -> None:
    call = sim.call("after_hours")
    assert call.heard == [CLOSED, VOICEMAIL]


def test_5_on_a_public_holiday_the_caller_hears_it() -> None:
    sim = simulator(at="2026-12-25T10:00:00+08:00")  # a Friday, Christmas Day
    call = sim.call("after_hours")
    assert call.heard == ["Our office is closed today for the public holiday.", VOICEMAIL]
    call.record(None, duration=2)
    assert call.heard[-1] == "Thank you. Goodbye."
    assert sim.effects.fetched == []  # no voicemail, nothing to call back


def test_5_in_business_hours_the_caller_goes_to_an_agent() -> None:
    sim = simulator(at="2026-11-23T10:00:00+08:00")
    call = sim.call("after_hours")
    assert call.heard == []
    (transfer,) = call.of(act.Transfer)
    assert transfer.queue == "general"
    call.transfer("failed", "nobody answered")
    assert call.heard == [CLOSED, VOICEMAIL]


@pytest.mark.parametrize(
    ("when", "open_"),
    [("2027-02-05T10:00:00+08:00", True), ("2027-02-05T14:00:00+08:00", False)],
)
def test_5_on_spring_festival_eve_the_office_opens_for_the_morning(when: str, open_: bool) -> None:
    call = simulator(at=when).call("after_hours")
    assert bool(call.of(act.Transfer)) is open_
    if not open_:
        assert call.heard[0] == "Our office is closed today for the public holiday."


def test_5_a_voicemail_service_that_is_down_still_says_goodbye() -> None:
    sim = simulator(
        at="2026-11-23T22:15:00+08:00",
        http={"POST https://callbacks.bank.example/*": {"status": 503, "json": None}},
    )
    call = sim.call("after_hours").record("https://recordings.example/vm2.wav")
    assert call.heard[-1] == "Thank you. Goodbye."
    assert ended_with(call).reason == "after-hours"


# -- 6. a changed flow deployed while calls are in progress ---------------------------------------

OLD_WELCOME = "Welcome to the Example hotline."
NEW_WELCOME = "Welcome to the new Example hotline."
OLD_HOURS = "We are open from nine to five, Monday to Friday."
NEW_HOURS = "We are open from eight to eight, every day."


def changed_hotline(folder: Path) -> Path:
    text = (FLOWS / "hotline.flow").read_text(encoding="utf-8")
    assert OLD_WELCOME in text and OLD_HOURS in text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hotline.flow"
    path.write_text(
        text.replace(OLD_WELCOME, NEW_WELCOME).replace(OLD_HOURS, NEW_HOURS), encoding="utf-8"
    )
    return path


def test_6_calls_in_progress_finish_on_the_old_version_new_calls_get_the_new(
    sim: Simulator, tmp_path: Path
) -> None:
    old = sim.registry.current_versions()["hotline"]
    before = sim.call("hotline")
    assert before.heard[0] == OLD_WELCOME

    result = sim.deploy(changed_hotline(tmp_path / "v2"), who="ops")
    assert result.ok and result.previous == old and result.version != old
    new = result.version
    assert sim.registry.current_versions()["hotline"] == new

    after = sim.call("hotline")
    assert after.heard[0] == NEW_WELCOME
    assert after.session.version == new
    after.press("1")
    assert after.heard[-2:] == [NEW_HOURS, "Thank you for calling. Goodbye."]
    assert after.ended
    assert old in sim.registry.loaded_versions()  # still in use by the first call

    before.press("*")  # the old prompt again, on the old version
    before.press("1")
    assert before.heard[-2:] == [OLD_HOURS, "Thank you for calling. Goodbye."]
    assert NEW_WELCOME not in before.heard and NEW_HOURS not in before.heard
    assert before.session.version == old and before.ended
    assert old not in sim.registry.loaded_versions()  # unloaded once no call uses it


def test_6_a_broken_flow_is_refused_with_its_errors_and_the_live_version_stays(
    sim: Simulator, tmp_path: Path
) -> None:
    good = sim.deploy(changed_hotline(tmp_path / "v2"))
    in_progress = sim.call("hotline")

    broken = tmp_path / "v3" / "hotline.flow"
    broken.parent.mkdir()
    text = changed_hotline(tmp_path / "draft").read_text(encoding="utf-8")
    broken.write_text(text.replace("next -> goodbye", "next -> good_bye"), encoding="utf-8")
    result = sim.deploy(broken, who="ops")
    assert not result.ok and result.result == REFUSED
    assert result.previous == good.version
    errors = result.to_data()["errors"]
    assert errors and any("good_bye" in e and "SCE102" in e for e in errors)
    assert all(e.startswith(str(broken)) for e in errors)  # located in the refused file

    assert sim.registry.current_versions()["hotline"] == good.version
    assert sim.call("hotline").heard[0] == NEW_WELCOME
    in_progress.press("1")
    assert in_progress.heard[-2:] == [NEW_HOURS, "Thank you for calling. Goodbye."]
