"""What the platform is told: the engine's actions as TwiML (runtime/server/twiml.py), and how a
transfer's <Dial> or <Enqueue> ends, through the webhooks."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from runtime import actions as act
from runtime.server import twiml
from runtime.server.recordings import Recordings
from runtime.server.service import Service
from sce.canonical import render
from sce.loader import load_path
from tests.runtime.server.phone import Answer, Phone, parse

WORKFLOW = "WW" + "a" * 32


def voice(tmp_path: Path, *, workflow: str | None = None) -> twiml.Voice:
    """How a server at http://ivr.example/ speaks, with its recordings under tmp_path."""
    return twiml.Voice(
        "http://ivr.example/voice/demo",
        "http://ivr.example/prompts/",
        {"zh-CN": "Polly.Zhiyu", "en": "Polly.Joanna"},
        workflow,
        Recordings(tmp_path).find,
    )


def rendered(actions: list[act.Action], v: twiml.Voice, *, ended: bool = False) -> Answer:
    return parse(200, twiml.render(actions, v, asked=7, ended=ended).to_xml())


# -- prompts --------------------------------------------------------------------------------------


def test_a_recorded_prompt_is_played_any_other_is_said(tmp_path: Path) -> None:
    (tmp_path / "en-US").mkdir()
    (tmp_path / "en-US" / "welcome.wav").write_bytes(b"RIFF")
    answer = rendered(
        [
            act.Play("Welcome.", "en-US", audio="welcome"),
            act.Play("Goodbye.", "en-US", audio="goodbye"),  # no recording: said
            act.Play("Hello.", "en-GB", loop=3),
            act.Play("", "en-US", audio="https://cdn.example/jingle.mp3"),
            act.Play("欢迎。", "zh-CN"),
        ],
        voice(tmp_path),
    )
    assert answer.verbs == ["Play", "Say", "Say", "Play", "Say"]
    assert answer.played == [
        "http://ivr.example/prompts/en-US/welcome.wav",
        "https://cdn.example/jingle.mp3",
    ]
    says = answer.all("Say")
    assert [s.attrib for s in says] == [
        {"voice": "Polly.Joanna", "language": "en-US"},  # the `en` voice serves every English
        {"voice": "Polly.Joanna", "language": "en-GB", "loop": "3"},
        {"voice": "Polly.Zhiyu", "language": "cmn-CN"},  # Twilio's code for its Mandarin voices
    ]


def test_prompts_that_may_be_interrupted_go_inside_the_gather(tmp_path: Path) -> None:
    answer = rendered(
        [
            act.Play("Calls are recorded.", "en-US"),
            act.Play("Press 1 for sales.", "en-US", barge_in=True),
            act.Gather("menu", "en-US"),
        ],
        voice(tmp_path),
    )
    assert answer.verbs == ["Say", "Gather", "Redirect"]
    assert [e.text for e in answer.all("Gather/Say")] == ["Press 1 for sales."]
    assert answer.redirect == "http://ivr.example/voice/demo/timeout?asked=7"


def test_a_collect_waits_its_first_key_timeout_for_all_its_digits(tmp_path: Path) -> None:
    collect = act.Gather("pin", "en-US", 4, 6, "#", timeout=10, inter_digit_timeout=3)
    gather = rendered([collect], voice(tmp_path)).find("Gather")
    assert gather is not None and gather.attrib == {
        "action": "http://ivr.example/voice/demo/gather?asked=7",
        "method": "POST",
        "input": "dtmf",
        "timeout": "10",
        "numDigits": "6",
        "finishOnKey": "#",
    }


def test_a_speech_menu_without_barge_in_says_so(tmp_path: Path) -> None:
    menu = act.Gather("menu", "zh-CN", speech=True, hints=("余额", "人工"), barge_in=False)
    gather = rendered([menu], voice(tmp_path)).find("Gather")
    assert gather is not None
    assert gather.attrib["input"] == "dtmf speech" and gather.attrib["bargeIn"] == "false"
    assert (gather.attrib["language"], gather.attrib["hints"]) == ("zh-CN", "余额, 人工")


def test_a_recording_ends_on_its_key_or_on_none(tmp_path: Path) -> None:
    answer = rendered([act.Record("vm", 60.5, 4, beep=False, finish_key=None)], voice(tmp_path))
    record = answer.find("Record")
    assert record is not None and record.attrib == {
        "action": "http://ivr.example/voice/demo/record?asked=7",
        "method": "POST",
        "maxLength": "61",
        "timeout": "4",
        "playBeep": "false",
        "finishOnKey": "",
    }
    assert answer.redirect == "http://ivr.example/voice/demo/record?asked=7"


def test_the_end_of_a_call_hangs_up_after_the_last_words(tmp_path: Path) -> None:
    assert rendered([act.Play("Bye.", "en-US"), act.Hangup("done")], voice(tmp_path)).verbs == [
        "Say",
        "Hangup",
    ]
    assert rendered([act.Play("Bye.", "en-US")], voice(tmp_path), ended=True).verbs == [
        "Say",
        "Hangup",
    ]


def test_each_language_is_said_with_the_voice_configured_for_it(
    phone: Phone, service: Service
) -> None:
    voices = {"zh-CN": "Google.cmn-CN-Standard-A", "en-US": "Polly.Joanna"}
    service.config = replace(service.config, voices=voices)
    phone.called = "+862150000000"
    _, answer = phone.call("balance")
    assert {say.attrib["voice"] for say in answer.all(".//Say")} == {"Google.cmn-CN-Standard-A"}
    phone.called = "+15550100000"
    _, answer = phone.call("balance")
    assert {say.attrib["voice"] for say in answer.all(".//Say")} == {"Polly.Joanna"}


# -- transfers ------------------------------------------------------------------------------------


def test_a_transfer_to_a_number_dials_it(tmp_path: Path) -> None:
    dial = act.Transfer("sales", "en-US", number="+15557654321", max_wait=25)
    element = rendered([dial], voice(tmp_path)).find("Dial")
    assert element is not None and element.text == "+15557654321"
    assert element.attrib == {
        "action": "http://ivr.example/voice/demo/transfer?asked=7",
        "method": "POST",
        "timeout": "25",
    }


def test_without_a_workflow_the_caller_waits_in_the_named_queue(phone: Phone) -> None:
    sid, answer = phone.call("agent_queue")
    answer = phone.press(sid, phone.press(sid, answer, "0"), "1")
    enqueue = answer.find("Enqueue")
    assert enqueue is not None and enqueue.text == "service"
    assert enqueue.attrib["waitUrl"] == "http://localhost/voice/agent_queue/wait?asked=4"


def test_a_task_carries_skills_priority_and_data_that_cannot_reroute_it(tmp_path: Path) -> None:
    transfer = act.Transfer(
        "agent",
        "zh-CN",
        queue="vip",
        skills=("cards", "mandarin"),
        priority=7.9,
        attach={"summary": "main: pressed 0", "queue": "cheap", "客户": "张三"},
        max_wait=300,
    )
    answer = rendered([transfer], voice(tmp_path, workflow=WORKFLOW))
    element = answer.find("Enqueue/Task")
    assert element is not None and element.attrib == {"priority": "7", "timeout": "300"}
    assert json.loads(element.text or "") == {
        "summary": "main: pressed 0",
        "客户": "张三",
        "queue": "vip",  # attached data does not choose the queue
        "skills": ["cards", "mandarin"],
        "language": "zh-CN",
    }


@pytest.mark.parametrize(("priority", "shown"), [(None, None), (float("nan"), None), (-3, "0")])
def test_a_priority_the_platform_cannot_take_is_left_out_or_raised_to_zero(
    tmp_path: Path, priority: float | None, shown: str | None
) -> None:
    transfer = act.Transfer("agent", "en-US", queue="q", priority=priority)
    element = rendered([transfer], voice(tmp_path, workflow=WORKFLOW)).find("Enqueue/Task")
    assert element is not None and element.attrib.get("priority") == shown


def test_the_wait_music_is_the_transfers_recording_with_the_leave_key_heard(
    tmp_path: Path,
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "jazz.mp3").write_bytes(b"ID3")
    transfer = act.Transfer("agent", "en-US", queue="q", hold_music="jazz", leave_key="*")
    plays = [act.Play("Your wait is 2 minutes.", "en-US")]
    xml = twiml.wait_music(plays, transfer, voice(tmp_path), asked=3, announced=90.0).to_xml()
    answer = parse(200, xml)
    assert answer.verbs == ["Gather", "Redirect"]
    assert [e.tag for e in answer.all("Gather/*")] == ["Say", "Play"]
    assert answer.played == ["http://ivr.example/prompts/en/jazz.mp3"]
    assert answer.next_url() == "http://ivr.example/voice/demo/leave?asked=3&announced=90"
    assert answer.redirect == "http://ivr.example/voice/demo/wait?asked=3&announced=90"


def test_without_its_recording_or_leave_key_the_default_music_plays(tmp_path: Path) -> None:
    transfer = act.Transfer("agent", "en-US", queue="q", hold_music="missing")
    answer = parse(
        200, twiml.wait_music([], transfer, voice(tmp_path), asked=3, announced=None).to_xml()
    )
    assert answer.verbs == ["Play", "Redirect"]
    assert answer.played == [twiml.DEFAULT_HOLD_MUSIC]
    assert answer.redirect == "http://ivr.example/voice/demo/wait?asked=3"


# -- the error policy, when the engine cannot run it ----------------------------------------------


def test_the_error_policys_transfer_does_not_come_back(service: Service, tmp_path: Path) -> None:
    balance = service.registry.current("balance")
    answer = parse(200, twiml.apology(balance, {}, voice(tmp_path)).to_xml())
    assert answer.verbs == ["Say", "Enqueue"]
    enqueue = answer.find("Enqueue")
    assert enqueue is not None and enqueue.text == "general" and enqueue.attrib == {}
    answer = parse(200, twiml.apology(balance, {}, voice(tmp_path, workflow=WORKFLOW)).to_xml())
    task = answer.find("Enqueue/Task")
    assert task is not None and json.loads(task.text or "")["skills"] == ["banking"]
    retries = service.registry.current("retries")
    assert parse(200, twiml.apology(retries, {}, voice(tmp_path)).to_xml()).verbs == [
        "Say",
        "Hangup",
    ]


# -- how a transfer ends, through the webhooks ---------------------------------------------------


FORMS = (".flow", ".json")


def deployed(service: Service, tmp_path: Path, flow: str, old: str, new: str) -> None:
    """Deploy a copy of a shipped flow with `old` replaced by `new` in its DSL form."""
    [shipped] = [p for p in Path(service.config.flows).glob(f"{flow}.*") if p.suffix in FORMS]
    text = render(load_path(shipped), "flow")
    assert old in text
    path = tmp_path / f"{flow}.flow"
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert service.registry.deploy_path(path).ok


@pytest.mark.parametrize(
    ("status", "said", "reason"),
    [
        ("completed", [], "transferred"),
        ("busy", ["Thank you for calling. Goodbye."], None),
        ("no-answer", ["Thank you for calling. Goodbye."], None),
        ("failed", ["Thank you for calling. Goodbye."], None),
    ],
)
def test_a_dialled_number_ends_the_call_or_takes_the_failure_exit(
    phone: Phone,
    service: Service,
    tmp_path: Path,
    status: str,
    said: list[str],
    reason: str | None,
) -> None:
    deployed(
        service, tmp_path, "hotline", "queue = general", 'number = "+15557654321"\n  max_wait = 30'
    )
    sid, answer = phone.call("hotline")
    answer = phone.press(sid, answer, "0")
    dial = answer.find("Dial")
    assert dial is not None and dial.text == "+15557654321" and dial.attrib["timeout"] == "30"
    answer = phone.dialled(sid, answer, status)
    assert answer.said == said and answer.verbs[-1] == "Hangup"
    session = service.calls.get(sid)
    assert session is not None and not session.active


def test_a_caller_waiting_past_max_wait_leaves_for_the_failure_exit(
    phone: Phone, service: Service, tmp_path: Path
) -> None:
    deployed(service, tmp_path, "complaint", "hold_music = hold_music", "max_wait = 120")
    sid, answer = phone.call("complaint")
    queued = phone.press(sid, phone.press(sid, answer, "1"), "1")
    wait_url = queued.find("Enqueue").attrib["waitUrl"]  # type: ignore[union-attr]
    assert phone.waiting(sid, wait_url, queue_time=60).verbs == ["Play", "Redirect"]
    assert phone.waiting(sid, wait_url, queue_time=121).verbs == ["Leave"]
    answer = phone.dequeued(sid, queued, "leave", queue_time=121)
    assert answer.said == ["Please leave your name, number and what happened after the tone."]
    assert answer.verbs == ["Say", "Record", "Redirect"]
    session = service.calls.get(sid)
    assert session is not None and session.state == "message"
