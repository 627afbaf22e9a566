"""What a SIP caller hears of a `Play`: 16-bit 8 kHz samples, from the prompt catalog's take in
the caller's language when there is one, else spoken from the prompt's text by the local speech
synthesiser (espeak-ng). That is what Twilio does with <Play> and <Say>: on SIP the runtime is
the phone platform, so it does both itself.

Takes are telephone audio already (the catalog only holds what `sce.prompts.audio.convert` made),
so they are read, not decoded: a WAV of 16-bit PCM or G.711 mu-law at 8 kHz. Anything else (a
plain file someone dropped in) goes through the same `convert` as an upload. Samples are kept in
memory per take file and per spoken text, so the second call to a menu costs nothing.
"""

from __future__ import annotations

import logging
import re
import struct
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from runtime.actions import Play
from runtime.server.recordings import Recordings
from sce.errors import AudioRefused, SynthesisFailed
from sce.prompts.audio import convert
from sce.prompts.settings import AudioSettings, PromptSettings
from sce.prompts.tts import default_cache, synthesise

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="'audioop' is deprecated", category=DeprecationWarning
    )
    import audioop

log = logging.getLogger("sce.sip")

RATE = 8000
#: Sample sets kept in memory (a few seconds of 16-bit audio each: ~100 KB).
CACHED = 512
#: A Play that loops "forever" (hold music) is queued this many times; the call's next event
#: (an agent answering, a hangup) stops it before the end.
FOREVER = 60


class PromptAudio:
    """Samples for a Play; blocking (file reads, speech synthesis): run it off the loop."""

    def __init__(self, recordings: Recordings, settings: PromptSettings | None = None) -> None:
        self.recordings = recordings
        self.settings = settings or recordings.library.settings
        self.cache_folder = default_cache()
        self._cache: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def samples(self, play: Play) -> bytes:
        """What the caller hears of `play`, its loops included (silence when there is nothing
        to hear: a prompt with no text and no take, or a synthesiser that failed, logged)."""
        once = self._once(play)
        repeat = FOREVER if play.loop <= 0 else play.loop
        return once * repeat

    def _once(self, play: Play) -> bytes:
        if play.audio:
            found = self.recordings.find(play.audio, play.language)
            if found is not None:
                path = self.recordings.folder / found
                try:
                    mtime = str(path.stat().st_mtime_ns)
                except OSError:
                    mtime = ""
                if mtime:
                    return self._cached(
                        ("file", str(path), mtime), lambda: read_audio(path, self.settings.audio)
                    )
        text = play.text.strip()
        if not text:
            return b""
        return self._cached(("say", play.language, text), lambda: self._speak(text, play.language))

    def _speak(self, text: str, language: str) -> bytes:
        # The text is rendered already: braces left in it are the caller's data, not a
        # template, and the synthesiser refuses them.
        spoken = re.sub(r"[{}]", " ", text)
        try:
            made = synthesise(spoken, language, self.settings, self.cache_folder)
        except SynthesisFailed as e:
            log.error("SIP call: cannot speak a prompt: %s", e)
            return b""
        return wav_samples(made.audio.pcm)

    def _cached(self, key: tuple[str, ...], make: Callable[[], bytes]) -> bytes:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        samples = make()
        with self._lock:
            self._cache[key] = samples
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return samples


def read_audio(path: Path, settings: AudioSettings) -> bytes:
    """A prompt file's samples: telephone WAVs are read as they are, anything else converted."""
    data = path.read_bytes()
    try:
        return wav_samples(data)
    except ValueError:
        pass
    try:
        return wav_samples(convert(data, path.name, settings).pcm)
    except AudioRefused as e:
        log.error("SIP call: the prompt file %s cannot be played: %s", path.name, e)
        return b""


def wav_samples(data: bytes) -> bytes:
    """The 16-bit samples of a mono 8 kHz WAV of 16-bit PCM or G.711 (mu-law or A-law);
    ValueError for any other file."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    at, fmt = 12, None
    while at + 8 <= len(data):
        name, size = data[at : at + 4], struct.unpack_from("<I", data, at + 4)[0]
        body = data[at + 8 : at + 8 + size]
        if name == b"fmt " and len(body) >= 16:
            fmt = struct.unpack_from("<HHIIHH", body)
        elif name == b"data":
            if fmt is None:
                raise ValueError("a WAV file without its format")
            kind, channels, rate, _, _, bits = fmt
            if channels != 1 or rate != RATE:
                raise ValueError(f"not mono {RATE} Hz audio")
            if kind == 1 and bits == 16:
                return body[: len(body) // 2 * 2]
            if kind == 7 and bits == 8:
                return audioop.ulaw2lin(body, 2)
            if kind == 6 and bits == 8:
                return audioop.alaw2lin(body, 2)
            raise ValueError(f"WAV format {kind} ({bits} bits) is not telephone audio")
        at += 8 + size + (size & 1)
    raise ValueError("a WAV file without audio")
