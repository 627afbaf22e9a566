"""`sce.prompts.tts` with the real engines: espeak-ng speaking English and Mandarin, its
results cached on disk, and gTTS failing (no network: a closed port, a server that never answers)
within its deadline so that espeak-ng speaks instead.

An engine wrapper counts the real engine's calls, to prove what the cache saves; nothing is
faked. espeak-ng must be installed (scripts/setup.sh installs it): without it every test here
fails, saying how to install it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sce.errors import SynthesisFailed
from sce.prompts.settings import AudioSettings, PromptSettings
from sce.prompts.tts import Engine, Espeak, Gtts, cache_key, synthesise
from tests.prompts.sounds import espeak_ng, read_pcm, read_wav, rms_dbfs

ESPEAK_ONLY = PromptSettings(tts={"*": ("espeak-ng",)})


@pytest.fixture(autouse=True, scope="module")
def _espeak_is_installed() -> None:
    espeak_ng()  # fails with `apt-get install espeak-ng` when it is missing


@dataclass
class Counting:
    """A real engine, its `speak` calls counted."""

    engine: Engine
    calls: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.engine.name

    def voice(self, language: str) -> str | None:
        return self.engine.voice(language)

    def speak(self, text: str, language: str, timeout: float) -> tuple[bytes, str]:
        self.calls.append(text)
        return self.engine.speak(text, language, timeout)


@pytest.fixture(scope="module")
def espeak() -> Espeak:
    return Espeak()


def test_espeak_speaks_english(espeak: Espeak) -> None:
    result = synthesise("Welcome to the bank.", "en-US", ESPEAK_ONLY, None, {"espeak-ng": espeak})
    assert (result.engine, result.voice, result.cached) == ("espeak-ng", "en-us", False)
    rate, channels, width, frames = read_pcm(result.audio.pcm)
    assert (rate, channels, width) == (8000, 1, 2)
    assert read_wav(result.audio.mulaw).format_tag == 7
    assert result.audio.duration_ms > 300
    assert abs(rms_dbfs(frames) - -20.0) <= 1.0
    assert result.audio.source_format == "wav"


def test_espeak_speaks_mandarin(espeak: Espeak) -> None:
    result = synthesise("欢迎致电银行。", "zh-CN", ESPEAK_ONLY, None, {"espeak-ng": espeak})
    assert (result.engine, result.voice) == ("espeak-ng", "cmn")
    _, _, _, frames = read_pcm(result.audio.pcm)
    assert len(frames) / 2 / 8000 > 0.3
    assert rms_dbfs(frames) > -30


@pytest.mark.parametrize(
    ("language", "voice"),
    [
        ("en", "en-us"),
        ("en-US", "en-us"),
        ("en-GB", "en-gb"),
        ("en_AU", "en-gb"),
        ("zh", "cmn"),
        ("zh-CN", "cmn"),
        ("cmn", "cmn"),
        ("yue", "yue"),
        ("zh-HK", "yue"),
        ("fr", "fr-fr"),
        ("fr-CA", "fr-fr"),
        ("de-DE", "de"),
        ("es-MX", "es-419"),
        ("pt-BR", "pt-br"),
        ("xx-YY", None),
    ],
)
def test_espeak_voices_for_language_tags(espeak: Espeak, language: str, voice: str | None) -> None:
    assert espeak.voice(language) == voice


@pytest.mark.parametrize(
    ("language", "voice"),
    [
        ("en-US", "en@com"),
        ("en-GB", "en@co.uk"),
        ("zh-CN", "zh-CN@com"),
        ("zh", "zh-CN@com"),
        ("zh-TW", "zh-TW@com"),
        ("fr-CA", "fr@ca"),
        ("de-DE", "de@com"),
        ("xx", None),
    ],
)
def test_gtts_voices_for_language_tags(language: str, voice: str | None) -> None:
    assert Gtts().voice(language) == voice


def test_text_goes_to_espeak_as_text_not_options(espeak: Espeak) -> None:
    text = '--version; rm -rf "$HOME" `reboot` -w out.wav'
    result = synthesise(text, "en", ESPEAK_ONLY, None, {"espeak-ng": espeak})
    assert result.audio.duration_ms > 1000  # all of it spoken


def test_the_cache_returns_the_same_audio_without_speaking_again(
    espeak: Espeak, tmp_path: Path
) -> None:
    counting = Counting(espeak)
    engines = {"espeak-ng": counting}
    first = synthesise("Press one for sales.", "en-US", ESPEAK_ONLY, tmp_path, engines)
    second = synthesise("Press one for sales.", "en-US", ESPEAK_ONLY, tmp_path, engines)
    assert counting.calls == ["Press one for sales."]
    assert (first.cached, second.cached) == (False, True)
    assert second.audio == first.audio  # the same bytes, and the same measurements
    assert [p.suffix for p in tmp_path.iterdir()] == [".tts"]  # no temporary file left
    # Anything that shapes the audio is a new entry.
    synthesise("Press two for sales.", "en-US", ESPEAK_ONLY, tmp_path, engines)
    synthesise("Press one for sales.", "en-GB", ESPEAK_ONLY, tmp_path, engines)
    louder = PromptSettings(tts=ESPEAK_ONLY.tts, audio=AudioSettings(loudness=-16.0))
    loud = synthesise("Press one for sales.", "en-US", louder, tmp_path, engines)
    assert len(counting.calls) == 4 and not loud.cached
    # Louder, as far as the -1 dBFS peak ceiling lets espeak-ng's peaky speech go.
    assert loud.audio.loudness > first.audio.loudness + 0.5 and loud.audio.peak <= -0.99


@pytest.mark.parametrize("damage", ["garbage", "cut", "empty"])
def test_a_broken_cache_entry_is_replaced(espeak: Espeak, tmp_path: Path, damage: str) -> None:
    counting = Counting(espeak)
    engines = {"espeak-ng": counting}
    good = synthesise("Goodbye.", "en-US", ESPEAK_ONLY, tmp_path, engines)
    entry = tmp_path / f"{cache_key('espeak-ng', 'en-us', 'en-US', 'Goodbye.', ESPEAK_ONLY)}.tts"
    whole = entry.read_bytes()
    broken = {
        "garbage": b"\x00not a cache entry" * 10,
        "cut": whole[: len(whole) // 2],
        "empty": b"",
    }
    entry.write_bytes(broken[damage])
    again = synthesise("Goodbye.", "en-US", ESPEAK_ONLY, tmp_path, engines)
    assert not again.cached and again.audio == good.audio
    assert entry.read_bytes() == whole  # written again
    assert synthesise("Goodbye.", "en-US", ESPEAK_ONLY, tmp_path, engines).cached
    assert len(counting.calls) == 2


def test_a_language_no_engine_speaks(espeak: Espeak) -> None:
    both = {"espeak-ng": espeak, "gtts": Gtts()}
    with pytest.raises(SynthesisFailed) as caught:
        synthesise("Hello.", "xx-YY", PromptSettings(), None, both)
    assert str(caught.value) == (
        "no speech for 'Hello.' in xx-YY: gtts has no voice for xx-YY; "
        "espeak-ng has no voice for xx-YY"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Your balance is {balance} dollars.", "({balance}); it is spoken by the phone platform"),
        ("Hello {name}, you owe {amount}.", "({name}, {amount}); it is spoken by the phone"),
        ("Write {{ for a brace.", "holds braces ({{), which mark values filled in during the call"),
    ],
)
def test_texts_with_values_are_refused(espeak: Espeak, text: str, says: str) -> None:
    counting = Counting(espeak)
    with pytest.raises(SynthesisFailed) as caught:
        synthesise(text, "en-US", ESPEAK_ONLY, None, {"espeak-ng": counting})
    assert says in str(caught.value)
    assert "values filled in during the call" in str(caught.value)
    assert counting.calls == []


def test_an_empty_text_is_refused(espeak: Espeak) -> None:
    with pytest.raises(SynthesisFailed, match="there is no text to speak"):
        synthesise("  ", "en-US", ESPEAK_ONLY, None, {"espeak-ng": espeak})


def test_a_missing_espeak_says_how_to_install_it() -> None:
    missing = Espeak(binary="espeak-ng-is-not-installed-here")
    with pytest.raises(SynthesisFailed) as caught:
        synthesise("Hello.", "en-US", ESPEAK_ONLY, None, {"espeak-ng": missing})
    assert "espeak-ng is not installed; install it with `apt-get install espeak-ng`" in str(
        caught.value
    )


def test_an_engine_missing_from_the_registry(espeak: Espeak) -> None:
    result = synthesise("Hello.", "en-US", PromptSettings(), None, {"espeak-ng": espeak})
    assert result.engine == "espeak-ng"  # gtts skipped: not available


# -- gTTS without a network ---------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (a captive network, a firewall
    that drops): what makes gTTS hang."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    worker = threading.Thread(target=accept, daemon=True)
    worker.start()
    yield int(server.getsockname()[1])
    stop.set()
    worker.join()
    for connection in held:
        connection.close()
    server.close()


def _proxy(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """Every HTTPS request of gTTS (requests reads the environment) goes to 127.0.0.1:port."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")


def test_gtts_fails_fast_when_the_network_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    _proxy(monkeypatch, _closed_port())
    started = time.monotonic()
    with pytest.raises(SynthesisFailed, match="^gtts"):
        Gtts().speak("Hello.", "en-US", timeout=2.0)
    assert time.monotonic() - started < 3.0


def test_gtts_gives_up_on_a_server_that_never_answers(
    monkeypatch: pytest.MonkeyPatch, silent_server: int
) -> None:
    _proxy(monkeypatch, silent_server)
    started = time.monotonic()
    with pytest.raises(SynthesisFailed, match="^gtts"):
        Gtts().speak("Hello.", "en-US", timeout=1.0)
    assert time.monotonic() - started < 2.0


def test_espeak_speaks_when_gtts_cannot(
    monkeypatch: pytest.MonkeyPatch, silent_server: int, espeak: Espeak, tmp_path: Path
) -> None:
    _proxy(monkeypatch, silent_server)
    settings = PromptSettings(tts={"*": ("gtts", "espeak-ng")}, tts_timeout=1.0)
    counting = Counting(Gtts())
    started = time.monotonic()
    result = synthesise(
        "Thank you.", "en-US", settings, tmp_path, {"gtts": counting, "espeak-ng": espeak}
    )
    assert time.monotonic() - started < 2.0 + 1.0  # gTTS's second, then espeak-ng's moment
    assert (result.engine, result.voice) == ("espeak-ng", "en-us")
    assert counting.calls == ["Thank you."]
    assert os.listdir(tmp_path)  # espeak-ng's speech cached; gTTS's failure not


def test_when_every_engine_fails_each_is_named(
    monkeypatch: pytest.MonkeyPatch, silent_server: int
) -> None:
    _proxy(monkeypatch, silent_server)
    settings = PromptSettings(tts={"*": ("gtts", "espeak-ng")}, tts_timeout=0.5)
    missing = Espeak(binary="espeak-ng-is-not-installed-here")
    with pytest.raises(SynthesisFailed) as caught:
        synthesise("Thank you.", "en-US", settings, None, {"gtts": Gtts(), "espeak-ng": missing})
    message = str(caught.value)
    assert message.startswith("no speech for 'Thank you.' in en-US: gtts: no answer from Google")
    assert "; espeak-ng is not installed; install it with `apt-get install espeak-ng`" in message
