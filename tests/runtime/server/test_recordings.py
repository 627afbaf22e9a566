"""Recorded prompts (runtime/server/recordings.py): a prompt with a recording in the caller's
language is played from /prompts/, any other is spoken from its text."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from runtime.server.recordings import Recordings
from runtime.server.service import Service
from tests.runtime.server.phone import Phone


def recorded(folder: Path, *names: str) -> Recordings:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"RIFF")
    return Recordings(folder)


def test_a_recording_is_found_by_language_then_by_the_language_alone(tmp_path: Path) -> None:
    found = recorded(tmp_path, "zh/welcome.mp3", "en-US/welcome.wav", "en-US/welcome.mp3").find
    assert found("welcome", "en-US") == "en-US/welcome.wav"  # wav first
    assert found("welcome", "zh-CN") == "zh/welcome.mp3"  # `zh` serves every Chinese
    assert found("welcome", "zh-TW") == "zh/welcome.mp3"
    assert found("welcome", "fr-FR") is None
    assert found("goodbye", "en-US") is None


def test_prompt_ids_may_have_folders(tmp_path: Path) -> None:
    found = recorded(tmp_path, "en-US/menu/main.wav").find
    assert found("menu/main", "en-US") == "en-US/menu/main.wav"


@pytest.mark.parametrize(
    ("prompt", "language"),
    [
        ("../secret", "en-US"),
        ("/etc/passwd", "en-US"),
        ("menu//main", "en-US"),
        ("menu\\..\\secret", "en-US"),
        ("welcome", "../../outside"),
        ("welcome", ""),
        ("", "en-US"),
    ],
)
def test_nothing_outside_the_folder_is_looked_at(
    tmp_path: Path, prompt: str, language: str
) -> None:
    folder = tmp_path / "prompts"
    recorded(tmp_path, "secret.wav", "outside/welcome.wav", "prompts/en-US/x.wav")
    assert Recordings(folder).find(prompt, language) is None


def test_a_caller_hears_the_recording_that_the_server_serves(
    phone: Phone, service: Service, client: FlaskClient
) -> None:
    folder = Path(service.config.prompts)
    recorded(folder, "en-US/welcome.wav", "en-US/balance_menu.mp3")
    _, answer = phone.call("balance")
    assert answer.verbs == ["Play", "Gather", "Redirect"]
    assert answer.played == [
        "http://localhost/prompts/en-US/welcome.wav",
        "http://localhost/prompts/en-US/balance_menu.mp3",  # inside the Gather: a key stops it
    ]
    assert answer.said == []
    audio = client.get("/prompts/en-US/welcome.wav")
    assert audio.status_code == 200 and audio.data == b"RIFF"


def test_without_a_recording_in_the_callers_language_the_text_is_said(
    phone: Phone, service: Service
) -> None:
    recorded(Path(service.config.prompts), "en-US/welcome.wav")
    phone.called = "+862150000000"  # the mainland number: Mandarin
    _, answer = phone.call("balance")
    assert answer.played == []
    assert answer.said[0] == "欢迎致电示例银行。"
