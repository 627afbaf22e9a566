"""The prompts API as the recording studio uses it: the prompts of the flows with their status,
a take recorded in the browser (webm/opus, as MediaRecorder makes it) or uploaded, converted to
telephone audio and heard by callers at once; a bad upload refused with its reason and nothing
written; takes chosen and approved; a stand-in synthesised; who may do what."""

from __future__ import annotations

import json
import wave
from io import BytesIO
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from sce.access.roles import Role
from tests.api.people import People
from tests.prompts.sounds import encode, padded, speech_segment
from tests.runtime.server.phone import Phone

WELCOME = "Welcome to the Example hotline."


@pytest.fixture(scope="module")
def spoken_webm() -> bytes:
    """The hotline's welcome said by espeak-ng, with silence around it, as Chromium records."""
    return encode(padded(speech_segment(WELCOME), 0.6, 0.8), "webm-opus")


def upload(
    client: FlaskClient,
    people: People,
    data: bytes,
    *,
    name: str = "take.webm",
    prompt: str = "hotline_welcome",
    language: str = "en-US",
    role: Role = Role.VOICE,
    source: str = "recorded",
):
    return client.post(
        f"/api/prompt-audio/{language}/{prompt}",
        data={"file": (BytesIO(data), name), "source": source},
        headers=people.token(role),
        content_type="multipart/form-data",
    )


def folder_state(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_flows_prompts_are_listed_with_what_they_still_need(
    client: FlaskClient, people: People
) -> None:
    answer = client.get("/api/prompts", headers=people.token(Role.VOICE))
    assert answer.status_code == 200, answer.json
    listed = {p["id"]: p for p in answer.json["prompts"]}
    welcome = listed["hotline_welcome"]
    assert {u["flow"] for u in welcome["used_by"]} == {"hotline"}
    assert welcome["in_catalog"] is False  # an empty prompts folder: nothing recorded yet
    english = welcome["languages"]["en-US"]
    assert english["text"] == WELCOME
    assert (english["status"], english["source"], english["audio_url"]) == ("missing", None, None)
    assert welcome["languages"]["zh-CN"]["text"] == "欢迎致电示例热线。"
    assert {"en-US", "zh-CN"} <= set(answer.json["languages"])


def test_who_may_see_and_who_may_record(
    client: FlaskClient, people: People, spoken_webm: bytes
) -> None:
    for role in (Role.EDITOR, Role.DEPLOYER, Role.VOICE, Role.ADMIN):
        assert client.get("/api/prompts", headers=people.token(role)).status_code == 200, role
    assert client.get("/api/prompts", headers=people.token(Role.VIEWER)).status_code == 403
    refused = upload(client, people, spoken_webm, role=Role.EDITOR)
    assert refused.status_code == 403
    assert "voice" in refused.json["errors"][0]["message"]


def test_a_take_recorded_in_the_browser_is_what_callers_hear_next(
    client: FlaskClient,
    people: People,
    phone: Phone,
    spoken_webm: bytes,
    server_config: RuntimeConfig,
) -> None:
    before_sid, before = phone.call("hotline")
    assert WELCOME in before.said and not before.played

    answer = upload(client, people, spoken_webm)
    assert answer.status_code == 201, answer.json
    take = answer.json["take"]
    assert (take["take"], take["source"], take["by"], take["original"]) == (
        1,
        "recorded",
        "vox",
        "take.webm",
    )
    assert take["text"] == WELCOME and take["chosen"] and not take["stale"]
    english = answer.json["prompt"]["languages"]["en-US"]
    assert (english["status"], english["source"], english["take"]) == ("draft", "recorded", 1)

    # Telephone audio on disk: 8 kHz mono 16-bit, the silence around the words trimmed.
    folder = Path(server_config.prompts)
    with wave.open(str(folder / take["file"])) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        seconds = w.getnframes() / 8000
    assert 0.8 < seconds < 3.5
    assert abs(seconds * 1000 - take["duration_ms"]) < 50
    catalog = json.loads((folder / "catalog.json").read_text(encoding="utf-8"))
    assert catalog["prompts"]["hotline_welcome"]["languages"]["en-US"]["take"] == 1

    # A new call plays it; the platform may keep it for good (a take never changes).
    _, now = phone.call("hotline")
    assert now.played == [f"http://localhost{take['audio_url']}"]
    assert WELCOME not in now.said
    audio = client.get(take["audio_url"])
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    assert "immutable" in audio.headers["Cache-Control"]
    again = client.get(take["audio_url"], headers={"If-None-Match": audio.headers["ETag"]})
    assert again.status_code == 304

    # Recorded again: new calls hear take 2, while take 1's URL still plays take 1.
    second = upload(client, people, spoken_webm, name="again.webm")
    assert second.status_code == 201
    assert second.json["take"]["take"] == 2
    _, newest = phone.call("hotline")
    assert newest.played == [f"http://localhost{second.json['take']['audio_url']}"]
    assert client.get(take["audio_url"]).data == audio.data
    # The call that began before any recording goes on as it was told.
    assert before_sid


def test_bad_uploads_are_refused_with_their_reason_and_nothing_is_written(
    client: FlaskClient, people: People, server_config: RuntimeConfig
) -> None:
    folder = Path(server_config.prompts)
    before = folder_state(folder)
    for data, name, reason in [
        (b"\x00\x13\x99not audio at all" * 50, "take.wav", "not audio"),
        (b"Hello, I am a text file", "notes.wav", "not audio"),
        (b"", "empty.wav", "empty"),
    ]:
        answer = upload(client, people, data, name=name)
        assert answer.status_code == 422, (name, answer.json)
        assert reason in answer.json["errors"][0]["message"], answer.json
    for prompt in ("..%2F..%2Fx", "a%20b", "x/../y"):
        answer = upload(client, people, b"RIFF", prompt=prompt)
        assert answer.status_code in (400, 404), (prompt, answer.status_code)
    assert upload(client, people, b"RIFF", language="../en").status_code in (400, 404)
    assert folder_state(folder) == before


def test_a_take_is_chosen_approved_and_a_stand_in_synthesised(
    client: FlaskClient, people: People, spoken_webm: bytes
) -> None:
    headers = {**people.token(Role.VOICE), "Content-Type": "application/json"}
    # Synthesised first: heard until someone records the prompt.
    synth = client.post(
        "/api/prompt-audio/en-US/hotline_welcome", json={"synthesise": True}, headers=headers
    )
    assert synth.status_code == 201, synth.json
    assert synth.json["take"]["source"] == "synthesised"
    assert synth.json["prompt"]["languages"]["en-US"]["source"] == "synthesised"

    recorded = upload(client, people, spoken_webm)
    assert recorded.json["prompt"]["languages"]["en-US"]["take"] == 2
    approve = client.put(
        "/api/prompt-audio/en-US/hotline_welcome",
        json={"take": 2, "approved": True},
        headers=headers,
    )
    assert approve.status_code == 200, approve.json
    english = approve.json["languages"]["en-US"]
    assert (english["status"], english["approved_by"]) == ("approved", "vox")
    # Back to the synthesised take: a draft again.
    chosen = client.put(
        "/api/prompt-audio/en-US/hotline_welcome", json={"take": 1}, headers=headers
    )
    assert chosen.status_code == 200
    english = chosen.json["languages"]["en-US"]
    assert (english["take"], english["status"], english["source"]) == (1, "draft", "synthesised")
    assert [t["take"] for t in english["takes"]] == [2, 1]
    missing = client.put(
        "/api/prompt-audio/en-US/hotline_welcome", json={"take": 9}, headers=headers
    )
    assert missing.status_code == 404
    wrong = client.put(
        "/api/prompt-audio/en-US/hotline_welcome", json={"take": "1"}, headers=headers
    )
    assert wrong.status_code == 400


def test_the_take_approved_is_the_one_heard_and_a_stale_one_is_refused(
    client: FlaskClient,
    people: People,
    spoken_webm: bytes,
    flows_dir: Path,
    server_config: RuntimeConfig,
) -> None:
    headers = {**people.token(Role.VOICE), "Content-Type": "application/json"}
    url = "/api/prompt-audio/en-US/hotline_welcome"
    assert upload(client, people, spoken_webm).status_code == 201
    # Someone records take 2 while the approver listens to take 1: take 1 is what they approve.
    assert upload(client, people, spoken_webm, name="again.webm").status_code == 201
    approved = client.put(url, json={"take": 1, "approved": True}, headers=headers)
    assert approved.status_code == 200, approved.json
    english = approved.json["languages"]["en-US"]
    assert (english["take"], english["status"]) == (1, "approved")

    # The flow's text changes: take 2 was read from the old text, so it cannot be approved,
    # and nothing changes (take 1 stays the approved one callers hear).
    hotline = flows_dir / "hotline.flow"
    hotline.write_text(
        hotline.read_text(encoding="utf-8").replace(WELCOME, "Welcome to the new hotline."),
        encoding="utf-8",
    )
    catalog = Path(server_config.prompts) / "catalog.json"
    refused = client.put(url, json={"take": 2, "approved": True}, headers=headers)
    assert refused.status_code == 400
    assert "record it again" in refused.json["errors"][0]["message"]
    now = json.loads(catalog.read_text(encoding="utf-8"))["prompts"]["hotline_welcome"]
    assert (now["languages"]["en-US"]["take"], now["languages"]["en-US"]["status"]) == (
        1,
        "approved",
    )
    listed = client.get("/api/prompts/hotline_welcome", headers=headers).json
    assert listed["languages"]["en-US"]["stale"] is True


def test_one_prompt_with_its_takes_and_an_unknown_one(client: FlaskClient, people: People) -> None:
    found = client.get("/api/prompts/hotline_welcome", headers=people.token(Role.EDITOR))
    assert found.status_code == 200
    assert found.json["languages"]["en-US"]["takes"] == []
    unknown = client.get("/api/prompts/nobody_uses_this", headers=people.token(Role.EDITOR))
    assert unknown.status_code == 404
    assert "nobody_uses_this" in unknown.json["errors"][0]["message"]
