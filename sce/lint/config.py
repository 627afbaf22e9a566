"""Lint settings from `[tool.sce]` in pyproject.toml, then command-line flags.

[tool.sce]
select = ["SCE"]                  # codes, prefixes or names; default: every rule
ignore = ["SCE604"]
per-file-ignores = { "flows/legacy/*" = ["SCE105"] }
exclude = ["flows/drafts/*"]
max-menu-choices = 5
max-menu-depth = 3
max-prompt-seconds = 20
max-steps-to-agent = 8
speech-rate = { en = 15, zh = 4.5 }   # characters per second, by language prefix

[tool.sce.runtime]
http-allow = ["*.bank.example"]   # the runtime's setting, read too: the hosts http nodes may call
"""

from __future__ import annotations

import fnmatch
import functools
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import cast

from sce.errors import ConfigError
from sce.httpallow import AllowEntry, parse_allow_entry
from sce.lint.rule import by_name_or_code
from sce.pyproject import find_pyproject, read_table

#: Characters of prompt text spoken per second, by language (the part before '-'). English TTS
#: speaks about 150 words a minute (~15 characters/s); Mandarin about 4-5 characters a second.
DEFAULT_SPEECH_RATE = {"en": 15.0, "zh": 4.5, "yue": 4.5, "ja": 7.0, "ko": 7.0, "*": 14.0}


#: Tables inside `[tool.sce]` that other parts read (runtime/config.py, sce/prompts/settings.py).
SUBTABLES = frozenset({"runtime", "prompts"})


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["SCE"])
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    max_menu_choices: int = 5
    max_menu_depth: int = 3
    max_prompt_seconds: float = 20
    max_steps_to_agent: int = 8
    speech_rate: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEECH_RATE))
    #: The hosts flows may call: `http-allow` of [tool.sce.runtime], the runtime's own setting
    #: (a server checks deploys against its effective list, environment included); None when
    #: nothing says (a flow linted on its own), so only what no list could allow is reported.
    http_allow: tuple[str, ...] | None = None
    #: Where the settings came from (a pyproject.toml), for messages; None for defaults.
    origin: str | None = None
    root: Path | None = None

    @property
    def allow_entries(self) -> tuple[AllowEntry, ...]:
        """`http_allow` parsed (checked when the settings were made)."""
        return _allow_entries(self.http_allow or ())

    def codes(self) -> frozenset[str]:
        """The codes of the selected rules, less the ignored ones."""
        return _codes(self.select) - _codes(self.ignore)

    def enabled(self, code: str, path: str | None = None) -> bool:
        if code not in self.codes():
            return False
        if path is not None and self.per_file_ignores:
            rel = self._relative(path)
            for pattern, codes in self.per_file_ignores.items():
                if fnmatch.fnmatch(rel, pattern) and code in _codes(codes):
                    return False
        return True

    def unknown_codes(self) -> list[str]:
        """Entries of select/ignore/per-file-ignores that name no rule."""
        tokens = [
            *self.select,
            *self.ignore,
            *(c for v in self.per_file_ignores.values() for c in v),
        ]
        return [t for t in tokens if not by_name_or_code(t)]

    def excluded(self, path: str) -> bool:
        rel = self._relative(path)
        return any(
            fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(Path(rel).name, p) for p in self.exclude
        )

    def _relative(self, path: str) -> str:
        p = Path(path)
        if self.root is not None:
            try:
                return p.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return p.as_posix()

    def speech_seconds(self, text: str, language: str) -> float:
        base = language.split("-")[0].lower()
        rate = self.speech_rate.get(base) or self.speech_rate.get("*") or 14.0
        return len(text) / rate


@functools.lru_cache(maxsize=64)
def _allow_entries(allow: tuple[str, ...]) -> tuple[AllowEntry, ...]:
    return tuple(parse_allow_entry(entry) for entry in allow if entry.strip())


def _codes(tokens: list[str]) -> frozenset[str]:
    return frozenset(r.code for t in tokens for r in by_name_or_code(t))


def load_settings(start: Path | None = None, config: Path | None = None) -> Settings:
    """Settings from an explicit file, or from the nearest pyproject.toml above `start`."""
    path = config or find_pyproject(start or Path.cwd())
    if path is None:
        return Settings()
    table = read_table(path, "tool", "sce")
    return settings_from(table, origin=str(path), root=path.parent)


def settings_from(
    table: dict[str, object], origin: str | None = None, root: Path | None = None
) -> Settings:
    """Settings from the `[tool.sce]` table; a ConfigError says which setting is wrong and how."""
    where = f"{origin}: [tool.sce]" if origin else "[tool.sce]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table of settings")
    settings = Settings(origin=origin, root=root)
    known = {
        f.name.replace("_", "-"): f for f in fields(Settings) if f.name not in ("origin", "root")
    }
    runtime = table.get("runtime", {})
    if isinstance(runtime, dict) and "http-allow" in runtime:
        allow = runtime["http-allow"]
        if not _strings(allow):
            raise ConfigError(f"{where}.runtime: 'http-allow' must be a list of host names")
        settings.http_allow = tuple(allow)
        settings.allow_entries  # noqa: B018  (a bad entry is a ConfigError now, not mid-lint)
    for key, value in table.items():
        if key in SUBTABLES:
            continue
        f = known.get(key)
        if f is None:
            raise ConfigError(f"{where}: unknown setting '{key}' (known: {', '.join(known)})")
        problem = _problem(key, f.name, value)
        if problem is not None:
            raise ConfigError(f"{where}: {problem}")
        if f.name == "speech_rate":
            value = {**DEFAULT_SPEECH_RATE, **cast("dict[str, float]", value)}  # _problem vetted it
        setattr(settings, f.name, value)
    return settings


#: Settings whose value is a count, so a whole number.
_WHOLE = {"max_menu_choices", "max_menu_depth", "max_steps_to_agent"}


def _problem(key: str, name: str, value: object) -> str | None:
    """What is wrong with the value of setting `key` (field `name`), or None."""
    if name in ("select", "ignore", "exclude"):
        return None if _strings(value) else f"'{key}' must be a list of strings"
    if name == "per_file_ignores":
        if not isinstance(value, dict):
            return f"'{key}' must be a table of file pattern = [rule codes or names]"
        for pattern, codes in value.items():
            if not _strings(codes):
                return f"'{key}' for \"{pattern}\" must be a list of rule codes or names"
        return None
    if name == "speech_rate":
        if not isinstance(value, dict):
            return f"'{key}' must be a table of language = characters spoken per second"
        for language, rate in value.items():
            if not _positive(rate):
                return (
                    f"'{key}' for '{language}' must be a positive number "
                    "(characters spoken per second)"
                )
        return None
    if name in _WHOLE:
        if isinstance(value, int) and _positive(value):
            return None
        return f"'{key}' must be a positive whole number"
    return None if _positive(value) else f"'{key}' must be a positive number"


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
