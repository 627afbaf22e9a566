"""Settings in pyproject.toml: finding the file, and reading one `[tool...]` table of it.

The linter reads `[tool.sce]` and the runtime `[tool.sce.runtime]`; both come through here, so
a broken file or a value where a table belongs is one clear error wherever it is read.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from sce.errors import ConfigError


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml in `start` or above it."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else start.parents:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_table(path: Path, *keys: str) -> dict[str, object]:
    """The table at `keys` (`"tool", "sce"`), or {} when absent; ConfigError saying where
    when the file cannot be read or a value stands where a table belongs."""
    try:
        table: dict[str, object] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the settings: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from None
    for depth, key in enumerate(keys):
        inner = table.get(key, {})
        if not isinstance(inner, dict):
            name = ".".join(keys[: depth + 1])
            if depth == 0:
                raise ConfigError(f"{path}: '{key}' must be a table ([tool.sce] holds settings)")
            raise ConfigError(f"{path}: [{name}] must be a table of settings")
        table = inner
    return table
