"""Prompt settings: `[tool.sce.prompts]` in pyproject.toml, each with an embedded default.

[tool.sce.prompts]
folder = "prompts"            # the catalog and the audio, relative to pyproject.toml
loudness = -20.0              # dBFS (RMS) every prompt is normalised to
max-seconds = 120             # longer uploads are refused
max-megabytes = 50            # larger uploads are refused
tts = { "*" = ["gtts", "espeak-ng"], "zh" = ["espeak-ng"] }   # engines per language, best first
tts-timeout = 3               # seconds gTTS may take before the next engine is tried
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from sce.errors import ConfigError
from sce.pyproject import find_pyproject, read_table

#: Engines tried per language (the part before '-', or '*'), best first. gTTS needs the
#: network and is skipped quickly where there is none; espeak-ng always works offline.
DEFAULT_TTS: dict[str, tuple[str, ...]] = {"*": ("gtts", "espeak-ng")}
ENGINES = frozenset({"gtts", "espeak-ng"})


@dataclass(frozen=True)
class AudioSettings:
    """What every prompt becomes, and what an upload may be."""

    sample_rate: int = 8000
    #: Target loudness, dBFS RMS of the trimmed audio (telephone prompts sit around -20).
    loudness: float = -20.0
    max_seconds: float = 120.0
    max_bytes: int = 50 * 1024 * 1024


@dataclass(frozen=True)
class PromptSettings:
    folder: Path = Path("prompts")
    audio: AudioSettings = field(default_factory=AudioSettings)
    tts: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_TTS))
    tts_timeout: float = 3.0

    def engines(self, language: str) -> tuple[str, ...]:
        """The TTS engines for `language` (`zh-CN` looks up `zh-CN`, then `zh`, then `*`)."""
        for key in (language, language.split("-")[0], "*"):
            if key in self.tts:
                return self.tts[key]
        return DEFAULT_TTS["*"]


def load_prompt_settings(start: Path | None = None) -> PromptSettings:
    """Settings from the nearest pyproject.toml (the folder relative to it), or the defaults
    (the folder relative to `start` or the working directory)."""
    base = (start or Path.cwd()).resolve()
    pyproject = find_pyproject(base)
    if pyproject is None:
        return PromptSettings(folder=(base if base.is_dir() else base.parent) / "prompts")
    table = read_table(pyproject, "tool", "sce", "prompts")
    return _checked(table, pyproject)


def _number(table: dict[str, object], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where}: '{key}' must be a number")
    return float(value)


def _checked(table: dict[str, object], pyproject: Path) -> PromptSettings:
    where = f"{pyproject} [tool.sce.prompts]"
    known = {"folder", "loudness", "max-seconds", "max-megabytes", "tts", "tts-timeout"}
    for key in table:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown setting '{key}' (known: {', '.join(sorted(known))})"
            )
    folder = table.get("folder", "prompts")
    if not isinstance(folder, str) or not folder:
        raise ConfigError(f"{where}: 'folder' must be a folder name")
    loudness = _number(table, "loudness", AudioSettings.loudness, where)
    if not -60 <= loudness <= 0:
        raise ConfigError(f"{where}: 'loudness' must be between -60 and 0 dBFS")
    seconds = _number(table, "max-seconds", AudioSettings.max_seconds, where)
    megabytes = _number(table, "max-megabytes", AudioSettings.max_bytes / 1024 / 1024, where)
    timeout = _number(table, "tts-timeout", 3.0, where)
    if seconds <= 0 or megabytes <= 0 or timeout <= 0:
        raise ConfigError(
            f"{where}: 'max-seconds', 'max-megabytes' and 'tts-timeout' must be positive"
        )
    tts = dict(DEFAULT_TTS)
    raw = table.get("tts", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'tts' must map languages to lists of engines")
    for language, engines in raw.items():
        if isinstance(engines, str):
            engines = [engines]
        if not isinstance(engines, list) or not engines or not all(e in ENGINES for e in engines):
            raise ConfigError(
                f"{where}: tts '{language}' must be a list of engines among "
                f"{', '.join(sorted(ENGINES))}"
            )
        tts[str(language)] = tuple(engines)
    return PromptSettings(
        folder=pyproject.parent / folder,
        audio=AudioSettings(
            loudness=loudness, max_seconds=seconds, max_bytes=int(megabytes * 1024 * 1024)
        ),
        tts=tts,
        tts_timeout=timeout,
    )
