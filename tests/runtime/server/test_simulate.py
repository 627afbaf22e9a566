"""Test calls over HTTP, as the browser's test-call panel makes them: a call to a deployed flow,
to one of its versions or to a draft, the caller's keys, speech and silence, and the platform's
queue and transfer news, answered with what the caller noticed."""

from __future__ import annotations

import re
import time
import wave
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from runtime.server.app import create_app
from sce.loader import load_path
from tests.runtime.server.fixtures import open_service
from tests.runtime.server.phone import Phone

CALLS = "/api/simulate/calls"
VIP = "+15551230000"


def start(client: FlaskClient, writer: dict[str, str], **body: object) -> dict:
    r = client.post(CALLS, json=body, headers=writer)
    assert r.status_code == 201, r.json
    assert r.headers["Location"].endswith(f"{CALLS}/{r.json['call']}")
    return r.json


def send(client: FlaskClient, writer: dict[str, str], call: str, **event: object) -> dict:
    r = client.post(f"{CALLS}/{call}/events", json=event, headers=writer)
    assert r.status_code == 200, r.json
    return r.json


def test_a_test_call_to_the_balance_line(client: FlaskClient, writer: dict[str, str]) -> None:
    call = start(client, writer, flow="balance")
    assert re.fullmatch(r"sim-[0-9a-f]{32}", call["call"])
    assert (
        call["flow"] == "balance"
        and call["version"] == client.get("/healthz").json["flows"]["balance"]
    )
    assert call["heard"][0] == "Welcome to Example Bank."
    assert call["waiting_for"]["action"] == "gather" and call["waiting_for"]["node"] == "main"
    assert call["ended"] is False
    assert [a["action"] for a in call["actions"]][-1] == "gather"

    pressed = send(client, writer, call["call"], type="digits", digits="1")
    assert pressed["heard"] == [
        "Your balance is 12.5 USD.",
        "Thank you for calling Example Bank. Goodbye.",
    ]
    assert pressed["path"] == ["lookup", "read_balance", "text_balance", "goodbye"]
    assert any(a["action"] == "fetch" for a in pressed["actions"])
    assert pressed["ended"] is True and pressed["waiting_for"] is None

    again = client.get(f"{CALLS}/{call['call']}", headers=writer)
    assert again.status_code == 200 and again.json == pressed


def test_a_vip_in_the_queue_hears_the_wait_and_leaves_with_star(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    call = start(client, writer, flow="agent_queue", caller=VIP, at="2026-11-23T10:00:00-05:00")
    cid = call["call"]
    send(client, writer, cid, type="digits", digits="0")
    queued = send(client, writer, cid, type="digits", digits="1")
    transfer = queued["waiting_for"]
    assert transfer["action"] == "transfer" and transfer["priority"] == 10
    assert transfer["skills"] == ["cards"] and transfer["attach"]["tier"] == "vip"

    update = send(client, writer, cid, type="queue", estimated_wait=240, position=3)
    assert update["heard"] == [
        "Your estimated wait is 4 minutes. Press star to go back to the menu."
    ]
    assert update["waiting_for"] == transfer  # the caller is still in the queue

    back = send(client, writer, cid, type="digits", digits="*")
    assert back["path"] == ["agent_cards", "main"]
    assert back["waiting_for"]["action"] == "gather"


def test_the_time_of_the_call_decides_the_schedule(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    sunday = start(client, writer, flow="after_hours", at="2026-11-22T10:00:00+08:00")
    assert sunday["path"] == ["hours", "closed_message", "voicemail_prompt"]
    assert sunday["waiting_for"]["action"] == "record"
    monday = start(client, writer, flow="after_hours", at="2026-11-23T10:00:00+08:00")
    assert monday["path"] == ["hours", "agent"]
    assert monday["waiting_for"]["action"] == "transfer"

    cid = sunday["call"]
    ignored = send(client, writer, cid, type="digits", digits="5")  # keys while recording
    assert ignored["actions"] == [] and ignored["waiting_for"]["action"] == "record"
    left = send(client, writer, cid, type="recording", url="https://rec.example/1.wav", duration=12)
    assert left["path"] == ["voicemail_prompt", "save_voicemail", "goodbye"]
    assert left["ended"] is True
    late = send(client, writer, cid, type="digits", digits="5")
    assert late["ended"] is True and late["actions"] == []


def test_a_draft_is_called_without_becoming_live(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    live = client.get("/healthz").json["flows"]["hotline"]
    document = load_path(flows_dir / "hotline.flow").data
    document["nodes"]["welcome"]["prompt"]["text"]["en-US"] = "Welcome to the draft."
    call = start(client, writer, document=document, caller=VIP)
    assert call["flow"] == "hotline" and call["version"] != live
    assert call["heard"][0] == "Welcome to the draft."
    hours = send(client, writer, call["call"], type="digits", digits="1")
    assert hours["path"][0] == "opening_hours"
    assert client.get("/healthz").json["flows"]["hotline"] == live

    on_live = start(client, writer, flow="hotline", version=live)
    assert on_live["version"] == live and on_live["heard"][0] == "Welcome to the Example hotline."


def test_a_broken_draft_is_refused_with_its_diagnostics(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    text = (flows_dir / "hotline.flow").read_text(encoding="utf-8")
    text = text.replace('{ key = "1", next -> opening_hours }', '{ key = "1", next -> ghost }')
    r = client.post(CALLS, json={"text": text, "path": "hotline.flow"}, headers=writer)
    assert r.status_code == 422
    ghost = next(e for e in r.json["errors"] if e.get("code") == "SCE102")
    assert ghost["path"] == "hotline.flow" and ghost["line"] is not None


def test_calls_and_versions_that_do_not_exist_are_404(
    client: FlaskClient, writer: dict[str, str], phone: Phone
) -> None:
    balance = client.get("/healthz").json["flows"]["balance"]
    for body, words in (
        ({"flow": "nothing"}, "no flow 'nothing' is deployed"),
        ({"flow": "hotline", "version": balance}, "is not a version of 'hotline'"),
        ({"flow": "hotline", "version": "0" * 64}, "no deployed version"),
    ):
        r = client.post(CALLS, json=body, headers=writer)
        assert r.status_code == 404 and words in r.json["errors"][0]["message"]
    ghost = f"sim-{'0' * 32}"
    assert client.get(f"{CALLS}/{ghost}", headers=writer).status_code == 404
    r = client.post(f"{CALLS}/{ghost}/events", json={"type": "timeout"}, headers=writer)
    assert r.status_code == 404 and r.json["status"] == 404
    # A real call is no test call: its id is not taken here.
    sid, _ = phone.call("hotline")
    assert client.get(f"{CALLS}/{sid}", headers=writer).status_code == 404
    r = client.post(f"{CALLS}/{sid}/events", json={"type": "hangup"}, headers=writer)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ({}, "/type is missing"),
        ({"type": "dance"}, "/type must be one of digits, speech, timeout"),
        ({"type": "digits", "digits": "12a"}, "/digits must be 1 to 32 keys"),
        ({"type": "digits"}, "/digits is missing"),
        ({"type": "speech", "text": "agent", "confidence": 2}, "/confidence must be from 0 to 1"),
        ({"type": "queue", "position": 1.5}, "/position must be a whole number"),
        ({"type": "transfer", "outcome": "maybe"}, "/outcome must be one of completed"),
        ({"type": "recording", "duration": "long"}, "/duration must be a number"),
    ],
)
def test_events_that_make_no_sense_are_400(
    client: FlaskClient, writer: dict[str, str], event: dict, words: str
) -> None:
    call = start(client, writer, flow="balance")
    r = client.post(f"{CALLS}/{call['call']}/events", json=event, headers=writer)
    assert r.status_code == 400 and words in r.json["errors"][0]["message"], r.json
    assert client.get(f"{CALLS}/{call['call']}", headers=writer).json == call


def test_starting_needs_a_flow_and_a_real_time(client: FlaskClient, writer: dict[str, str]) -> None:
    for body, words in (
        ({"caller": VIP}, "/flow is missing"),
        ({"flow": "balance", "at": "next tuesday"}, "/at: 'next tuesday' is not a date"),
        ({"flow": "balance", "caller": 15551230000}, "/caller must be a string"),
    ):
        r = client.post(CALLS, json=body, headers=writer)
        assert r.status_code == 400 and words in r.json["errors"][0]["message"], r.json


def test_test_calls_need_the_token(client: FlaskClient, writer: dict[str, str]) -> None:
    call = start(client, writer, flow="balance")
    wrong = {"Authorization": "Bearer nope"}
    assert client.post(CALLS, json={"flow": "balance"}, headers=wrong).status_code == 401
    r = client.post(f"{CALLS}/{call['call']}/events", json={"type": "timeout"})
    assert r.status_code == 401
    assert client.get(f"{CALLS}/{call['call']}").status_code == 401


def test_any_worker_on_one_redis_carries_on_a_draft_call(
    redis_clean: str, server_config, flows_dir: Path, writer: dict[str, str]
) -> None:
    config = replace(server_config, store=redis_clean)
    services = [open_service(config, flows_dir), open_service(config, flows_dir)]
    try:
        one, two = (create_app(service=s).test_client() for s in services)
        document = load_path(flows_dir / "hotline.flow").data
        document["nodes"]["welcome"]["prompt"]["text"]["en-US"] = "Welcome to the draft."
        call = start(one, writer, document=document, at="2026-11-23T10:00:00+08:00")
        assert call["version"] not in services[1].registry.loaded_versions()

        hours = send(two, writer, call["call"], type="digits", digits="1")
        assert hours["version"] == call["version"] and hours["path"][0] == "opening_hours"
        assert two.get(f"{CALLS}/{call['call']}", headers=writer).json == hours
        assert one.get(f"{CALLS}/{call['call']}", headers=writer).json == hours
    finally:
        for service in services:
            service.close()


def test_a_test_call_left_alone_longer_than_an_ended_call_is_kept_goes_on(
    server_config: RuntimeConfig, flows_dir: Path, writer: dict[str, str]
) -> None:
    """A designer may pause a test call for a while: it keeps its wait and its clock as long as
    a call in progress is kept, not only as long as an ended one."""
    service = open_service(replace(server_config, ended_ttl=0.2), flows_dir)
    client = create_app(service=service).test_client()
    call = start(client, writer, flow="after_hours", at="2026-11-22T10:00:00-05:00")
    time.sleep(0.3)
    again = client.get(f"{CALLS}/{call['call']}", headers=writer).json
    assert again["waiting_for"] == call["waiting_for"] and again["waiting_for"] is not None
    service.close()


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
def test_a_test_call_at_the_ends_of_time_is_refused_with_the_years_it_can_take(
    client: FlaskClient, writer: dict[str, str], at: str
) -> None:
    r = client.post(CALLS, json={"flow": "after_hours", "at": at}, headers=writer)
    assert (
        r.status_code == 400 and "between the years 1971 and 9998" in r.json["errors"][0]["message"]
    )


def write_wav(path: Path, seconds: float = 0.2) -> bytes:
    """A telephone-quality WAV (8 kHz, mono, 16-bit) of silence at `path`; its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return path.read_bytes()


def plays(answer: dict) -> list[dict]:
    return [a for a in answer["actions"] if a["action"] == "play"]


def test_a_recorded_prompt_comes_with_the_url_the_browser_plays_it_from(
    client: FlaskClient, writer: dict[str, str], server_config: RuntimeConfig
) -> None:
    prompts = Path(server_config.prompts)
    audio = write_wav(prompts / "en-US" / "welcome.wav")
    call = start(client, writer, flow="balance")
    [welcome, *others] = plays(call)
    assert welcome["audio"] == "welcome" and welcome["audio_url"] == "/prompts/en-US/welcome.wav"
    assert all(p["audio_url"] is None for p in others)  # not recorded: spoken from the text
    served = client.get(welcome["audio_url"])
    assert served.status_code == 200 and served.data == audio
    assert served.mimetype in ("audio/wav", "audio/x-wav")
    # The answer given again is the same, URL included.
    assert client.get(f"{CALLS}/{call['call']}", headers=writer).json["actions"] == call["actions"]


def test_a_recording_is_the_one_for_the_callers_language(
    client: FlaskClient, writer: dict[str, str], server_config: RuntimeConfig
) -> None:
    """A recording in another language is not the caller's; a `zh` one serves every Chinese."""
    prompts = Path(server_config.prompts)
    write_wav(prompts / "zh" / "welcome.wav")
    write_wav(prompts / "fr-FR" / "welcome.wav")
    english = start(client, writer, flow="balance")
    assert [p["audio_url"] for p in plays(english)] == [None, None]
    mandarin = start(client, writer, flow="balance", called="+861012345678")
    welcome = plays(mandarin)[0]
    assert welcome["language"] == "zh-CN" and welcome["audio_url"] == "/prompts/zh/welcome.wav"
    assert client.get(welcome["audio_url"]).status_code == 200
