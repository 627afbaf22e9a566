"""Text -> speech, for prompts that have no recording yet: a flow can be called (and heard) the
day it is written, and voice talent replace the synthesised takes later.

Two engines: gTTS (Google Translate's voices: natural, but online only and sometimes slow or
blocked) and espeak-ng (robotic, but offline, instant and in ~100 languages). `[tool.sce.prompts]
tts` says which to try per language, best first (`PromptSettings.engines`); the first that gives
audio wins, and every engine tried is named, with why it failed, when none does.

What an engine says goes through `audio.convert` like any upload, so synthesised takes are
trimmed and normalised exactly like recorded ones. The converted result is cached on disk, keyed
by everything that shapes it (engine, voice, language, text, audio settings): previewing a flow
again costs a file read, not a network round trip. Cache files are written atomically (a temp
file, then `os.replace`), and one that cannot be read back is ignored and written again.

Texts with `{expression}` parts are refused: their values are only known during the call, so
the phone platform speaks them (`<Say>`), not a file made beforehand.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from sce.errors import AudioRefused, SynthesisFailed
from sce.prompts.audio import Converted, convert
from sce.prompts.settings import PromptSettings

INSTALL_ESPEAK = "apt-get install espeak-ng"
#: espeak-ng runs locally and takes milliseconds; the (short) gTTS timeout is not for it.
ESPEAK_TIMEOUT = 20.0
CACHE_MAGIC = b"SCE-TTS 1\n"


class Engine(Protocol):
    """A speech synthesiser."""

    @property
    def name(self) -> str:
        """As `[tool.sce.prompts] tts` names it."""
        ...

    def voice(self, language: str) -> str | None:
        """The voice that speaks `language` (a BCP 47 tag), None when the engine cannot.
        May raise SynthesisFailed (the engine is not installed)."""
        ...

    def speak(self, text: str, language: str, timeout: float) -> tuple[bytes, str]:
        """`text` spoken in `language`: the audio and its format (as `audio.convert` detects
        it), within about `timeout` seconds, or SynthesisFailed saying why not."""
        ...


@dataclass(frozen=True)
class Synthesised:
    audio: Converted
    engine: str
    voice: str
    #: Read from the cache rather than synthesised now.
    cached: bool


# -- espeak-ng ----------------------------------------------------------------------------------

#: BCP 47 tags (lower case) whose espeak-ng voice is not simply the tag or its language.
ESPEAK_ALIASES = {
    "en": "en-us",
    "en-ca": "en-us",
    "en-au": "en-gb",
    "en-nz": "en-gb",
    "en-ie": "en-gb",
    "en-za": "en-gb",
    "en-in": "en-gb",
    "zh": "cmn",
    "zh-cn": "cmn",
    "zh-sg": "cmn",
    "zh-tw": "cmn",
    "zh-hans": "cmn",
    "zh-hans-cn": "cmn",
    "zh-hant-tw": "cmn",
    "zh-cmn": "cmn",
    "cmn-cn": "cmn",
    "cmn-hans-cn": "cmn",
    "zh-hk": "yue",
    "zh-mo": "yue",
    "zh-hant-hk": "yue",
    "zh-yue": "yue",
    "yue-hk": "yue",
    "fr": "fr-fr",
    "fr-ca": "fr-fr",
    "pt-pt": "pt",
    "es-es": "es",
    "es-mx": "es-419",
    "es-us": "es-419",
    "es-ar": "es-419",
    "es-co": "es-419",
    "iw": "he",
    "no": "nb",
}
_OTHER = re.compile(r"\(([A-Za-z0-9-]+) (\d+)\)")


def _tag(language: str) -> str:
    return language.strip().replace("_", "-").lower()


class Espeak:
    """Debian's `espeak-ng` binary: offline, every language it has a voice for."""

    name = "espeak-ng"

    def __init__(self, binary: str = "espeak-ng") -> None:
        self.binary = binary
        self._lock = threading.Lock()
        self._voices: tuple[frozenset[str], dict[str, str]] | None = None

    def _exe(self) -> str:
        found = shutil.which(self.binary)
        if found is None:
            raise SynthesisFailed(f"espeak-ng is not installed; install it with `{INSTALL_ESPEAK}`")
        return found

    def _languages(self) -> tuple[frozenset[str], dict[str, str]]:
        """The languages espeak-ng has a voice for, and the other tags they answer to (`zh`
        -> cmn), the best (lowest priority number) for each. Asked once, when first needed."""
        with self._lock:
            if self._voices is None:
                try:
                    done = subprocess.run(
                        [self._exe(), "--voices"], capture_output=True, timeout=ESPEAK_TIMEOUT
                    )
                except (OSError, subprocess.TimeoutExpired) as e:
                    raise SynthesisFailed(f"espeak-ng does not run: {e}") from None
                voices: set[str] = set()
                others: dict[str, tuple[int, str]] = {}
                for line in done.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
                    fields = line.split()
                    if len(fields) < 2:
                        continue
                    language = fields[1].lower()
                    voices.add(language)
                    for other, priority in _OTHER.findall(line):
                        best = others.get(other.lower())
                        if best is None or int(priority) < best[0]:
                            others[other.lower()] = (int(priority), language)
                self._voices = frozenset(voices), {k: v for k, (_, v) in others.items()}
            return self._voices

    def voice(self, language: str) -> str | None:
        voices, others = self._languages()
        tag = _tag(language)
        primary = tag.split("-")[0]
        for candidate in (ESPEAK_ALIASES.get(tag), tag, ESPEAK_ALIASES.get(primary), primary):
            if candidate in voices:
                return candidate
        for candidate in (others.get(tag), others.get(primary)):
            if candidate is not None:
                return candidate
        regional = sorted(v for v in voices if v.startswith(primary + "-"))
        return regional[0] if regional else None

    def speak(self, text: str, language: str, timeout: float) -> tuple[bytes, str]:
        voice = self.voice(language)
        if voice is None:
            raise SynthesisFailed(f"espeak-ng has no voice for {language}")
        try:
            # The text goes through stdin, as UTF-8 (-b 1): never a shell, never an option.
            done = subprocess.run(
                [self._exe(), "-v", voice, "-b", "1", "--stdout"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=max(timeout, ESPEAK_TIMEOUT),
            )
        except subprocess.TimeoutExpired:
            raise SynthesisFailed(f"espeak-ng took longer than {ESPEAK_TIMEOUT:g} s") from None
        except OSError as e:
            raise SynthesisFailed(f"espeak-ng does not run: {e}") from None
        if done.returncode != 0 or not done.stdout:
            said = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise SynthesisFailed(
                f"espeak-ng failed ({said[0] if said else f'exit code {done.returncode}'})"
            )
        return _sized_wav(done.stdout), "wav"


def _sized_wav(data: bytes) -> bytes:
    """espeak-ng's WAV on a pipe with its sizes filled in (it cannot seek back to write them,
    and leaves 0x7FFFF000 there)."""
    if len(data) >= 44 and data[:4] == b"RIFF" and data[36:40] == b"data":
        return (
            data[:4]
            + (len(data) - 8).to_bytes(4, "little")
            + data[8:40]
            + (len(data) - 44).to_bytes(4, "little")
            + data[44:]
        )
    return data


# -- gTTS ---------------------------------------------------------------------------------------

#: BCP 47 tags (lower case) -> gTTS's language and the Google domain with that accent.
GTTS_VOICES = {
    "en": ("en", "com"),
    "en-us": ("en", "com"),
    "en-gb": ("en", "co.uk"),
    "en-au": ("en", "com.au"),
    "en-ca": ("en", "ca"),
    "en-in": ("en", "co.in"),
    "en-ie": ("en", "ie"),
    "en-za": ("en", "co.za"),
    "en-ng": ("en", "com.ng"),
    "fr-ca": ("fr", "ca"),
    "fr-fr": ("fr", "fr"),
    "pt-br": ("pt", "com.br"),
    "pt-pt": ("pt", "pt"),
    "es-mx": ("es", "com.mx"),
    "es-es": ("es", "es"),
    "es-us": ("es", "us"),
    "zh": ("zh-CN", "com"),
    "zh-cn": ("zh-CN", "com"),
    "zh-hans": ("zh-CN", "com"),
    "cmn": ("zh-CN", "com"),
    "zh-tw": ("zh-TW", "com"),
    "zh-hant": ("zh-TW", "com"),
    "zh-hk": ("yue", "com"),
    "yue": ("yue", "com"),
    "he": ("iw", "com"),
    "nb": ("no", "com"),
    "jv": ("jw", "com"),
    "fil": ("tl", "com"),
}


@functools.cache
def _gtts_languages() -> frozenset[str]:
    """What gTTS speaks (a table in the package: no network)."""
    from gtts.lang import tts_langs

    return frozenset(tts_langs())


class Gtts:
    """Google Translate's voices through the `gtts` package: online only, so every call has a
    hard deadline (gTTS can wait forever for an answer that never comes)."""

    name = "gtts"

    def _lang(self, language: str) -> tuple[str, str] | None:
        tag = _tag(language)
        primary = tag.split("-")[0]
        known = _gtts_languages()
        for candidate in (GTTS_VOICES.get(tag), GTTS_VOICES.get(primary)):
            if candidate is not None and candidate[0] in known:
                return candidate
        return (primary, "com") if primary in known else None

    def voice(self, language: str) -> str | None:
        found = self._lang(language)
        return None if found is None else f"{found[0]}@{found[1]}"

    def speak(self, text: str, language: str, timeout: float) -> tuple[bytes, str]:
        found = self._lang(language)
        if found is None:
            raise SynthesisFailed(f"gtts has no voice for {language}")
        lang, tld = found
        outcome: dict[str, bytes | BaseException] = {}

        def run() -> None:
            try:
                from gtts import gTTS

                out = io.BytesIO()
                gTTS(text, lang=lang, tld=tld, lang_check=False, timeout=timeout).write_to_fp(out)
                outcome["audio"] = out.getvalue()
            except Exception as e:  # whatever gTTS raised: reported below
                outcome["error"] = e

        # A daemon thread: when the deadline passes it is left to finish on its own, and it
        # cannot keep the process alive.
        worker = threading.Thread(target=run, name="gtts", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise SynthesisFailed(f"gtts: no answer from Google within {timeout:g} s")
        error = outcome.get("error")
        if error is not None:
            first = str(error).strip().splitlines()
            raise SynthesisFailed(f"gtts failed ({first[0] if first else type(error).__name__})")
        audio = outcome.get("audio")
        if not isinstance(audio, bytes) or not audio:
            raise SynthesisFailed("gtts gave no audio")
        return audio, "mp3"


#: The engines `[tool.sce.prompts] tts` can name.
REGISTRY: dict[str, Engine] = {"espeak-ng": Espeak(), "gtts": Gtts()}


# -- the cache ----------------------------------------------------------------------------------


def cache_key(engine: str, voice: str, language: str, text: str, settings: PromptSettings) -> str:
    """What a cache entry is named by: the sha256 of everything that shapes its audio."""
    shape = [engine, voice, language, text, asdict(settings.audio)]
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode("utf-8")).hexdigest()


def _read_cache(path: Path) -> Converted | None:
    """The cached conversion at `path`, or None (missing, or not what this module writes)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(CACHE_MAGIC):
        return None
    header_end = data.find(b"\n", len(CACHE_MAGIC))
    if header_end < 0:
        return None
    try:
        meta = json.loads(data[len(CACHE_MAGIC) : header_end])
        pcm_size, mulaw_size = int(meta["pcm"]), int(meta["mulaw"])
        body = data[header_end + 1 :]
        pcm, mulaw = body[:pcm_size], body[pcm_size:]
        whole = len(pcm) == pcm_size and len(mulaw) == mulaw_size
        if not whole or pcm[:4] != b"RIFF" or mulaw[:4] != b"RIFF":
            return None
        return Converted(
            pcm=pcm,
            mulaw=mulaw,
            duration_ms=int(meta["duration_ms"]),
            loudness=float(meta["loudness"]),
            peak=float(meta["peak"]),
            trimmed_ms=int(meta["trimmed_ms"]),
            source_format=str(meta["source_format"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, audio: Converted) -> None:
    """Store `audio` at `path` atomically; a cache that cannot be written is only slower."""
    meta = {
        "pcm": len(audio.pcm),
        "mulaw": len(audio.mulaw),
        "duration_ms": audio.duration_ms,
        "loudness": audio.loudness,
        "peak": audio.peak,
        "trimmed_ms": audio.trimmed_ms,
        "source_format": audio.source_format,
    }
    header = CACHE_MAGIC + json.dumps(meta).encode("utf-8") + b"\n"
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=".tmp-", suffix=".tts", delete=False
        ) as f:
            temporary = f.name
            f.write(header + audio.pcm + audio.mulaw)
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


# -- synthesising -------------------------------------------------------------------------------

_EXPRESSION = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\}")


def _refuse_templates(text: str) -> None:
    """A text whose values are filled in during the call cannot become a file beforehand."""
    expressions = _EXPRESSION.findall(text)
    if expressions:
        raise SynthesisFailed(
            f"{_excerpt(text)} has values filled in during the call ({', '.join(expressions)}); "
            "it is spoken by the phone platform instead"
        )
    if "{" in text or "}" in text:
        brace = "{{" if "{{" in text else ("}}" if "}}" in text else ("{" if "{" in text else "}"))
        raise SynthesisFailed(
            f"{_excerpt(text)} holds braces ({brace}), which mark values filled in during the "
            "call; it is spoken by the phone platform instead"
        )


def _excerpt(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def synthesise(
    text: str,
    language: str,
    settings: PromptSettings,
    cache: Path | None,
    engines: Mapping[str, Engine] | None = None,
) -> Synthesised:
    """`text` spoken in `language` by the first of `settings.engines(language)` that can, as
    telephone audio; from `cache` (a folder) when it was made before. `engines` maps the names
    settings use to engines (default: `REGISTRY`). SynthesisFailed names every engine tried
    and why each gave nothing."""
    _refuse_templates(text)
    if not text.strip():
        raise SynthesisFailed("there is no text to speak")
    registry = REGISTRY if engines is None else engines
    reasons: list[str] = []
    for name in settings.engines(language):
        engine = registry.get(name)
        if engine is None:
            reasons.append(f"{name} is not available here")
            continue
        try:
            voice = engine.voice(language)
            if voice is None:
                reasons.append(f"{name} has no voice for {language}")
                continue
            path = None
            if cache is not None:
                path = cache / f"{cache_key(name, voice, language, text, settings)}.tts"
                stored = _read_cache(path)
                if stored is not None:
                    return Synthesised(stored, name, voice, cached=True)
            data, fmt = engine.speak(text, language, settings.tts_timeout)
            audio = convert(data, f"speech.{fmt}", settings.audio)
        except SynthesisFailed as e:
            said = str(e)
            reasons.append(said if said.startswith(name) else f"{name}: {said}")
            continue
        except AudioRefused as e:
            reasons.append(f"{name} gave audio that was refused ({e})")
            continue
        if path is not None:
            _write_cache(path, audio)
        return Synthesised(audio, name, voice, cached=False)
    raise SynthesisFailed(f"no speech for {_excerpt(text)} in {language}: " + "; ".join(reasons))


def default_cache() -> Path:
    """Where synthesised speech is cached, for the CLI and the server alike: the user's cache
    folder (`$XDG_CACHE_HOME`), never the catalog's folder, which is committed."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sce" / "tts"
