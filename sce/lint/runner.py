"""Lint files and flows: load, run every selected rule, locate, apply noqa, sort.

`lint_paths` is what `sce lint` runs; `lint_loaded` is what the HTTP API runs on a posted draft.
Both return the same diagnostics.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sce.compiler.analysis import Analysis
from sce.diagnostics import Diagnostic
from sce.files import kind_of
from sce.lint import noqa
from sce.lint import rules as _rules  # noqa: F401  (registers every rule)
from sce.lint.config import Settings
from sce.lint.context import LintContext
from sce.lint.rule import RULES
from sce.loader import FLOW_SUFFIXES, LoadedFlow, load_path
from sce.model import Flow

_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".hypothesis"}


@dataclass
class LintResult:
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Usage or I/O problems that are not about a flow's content (exit code 2).
    errors: list[str] = field(default_factory=list)


def lint_loaded(
    loaded: LoadedFlow,
    settings: Settings | None = None,
    project: Mapping[str, Flow] | None = None,
    analysis: Analysis | None = None,
) -> list[Diagnostic]:
    """Every enabled finding about one loaded flow, located and sorted."""
    settings = settings or Settings()
    path = loaded.path
    found: list[Diagnostic] = list(loaded.diagnostics)
    if loaded.flow is not None:
        project = project or {loaded.flow.flow: loaded.flow}
        ctx = LintContext(loaded.flow, settings, project, analysis)
        for rule in RULES.values():
            if rule.check is not None and settings.enabled(rule.code, path):
                found.extend(rule.check(ctx))
    located = [loaded.source.locate(d) for d in found if settings.enabled(d.code, path)]
    kept = noqa.apply(loaded, located, settings.enabled(noqa.UNUSED_NOQA, path))
    return sorted(set(kept), key=lambda d: d.sort_key)


def collect_files(paths: Iterable[str | Path], settings: Settings) -> tuple[list[Path], list[str]]:
    """Flow files under the given files and folders, and what is wrong with the other paths.

    A file named explicitly is taken whatever its suffix; in folders, only .json and .flow files
    that are not excluded. Named pipes, sockets and devices are never read (reading a pipe would
    wait forever): skipped in folders, an error when named explicitly.
    """
    files: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        if str(raw) == "":
            errors.append("an empty path names no file or folder")
            continue
        p = Path(raw)
        if p.is_file():
            files.append(p)  # named explicitly: linted whatever its suffix
        elif p.is_dir():
            for folder, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                for name in sorted(names):
                    f = Path(folder) / name
                    if (
                        f.suffix.lower() in FLOW_SUFFIXES
                        and kind_of(f) is None
                        and not settings.excluded(str(f))
                    ):
                        files.append(f)
        elif (kind := kind_of(p)) is not None:
            errors.append(f"{raw}: {kind}, not a flow file (only regular files are read)")
        else:
            errors.append(f"{raw}: no such file or folder")
    return files, errors


def lint_paths(
    paths: Iterable[str | Path],
    settings: Settings | None = None,
    progress: Callable[[Path], None] | None = None,
) -> LintResult:
    settings = settings or Settings()
    files, errors = collect_files(paths, settings)
    result = LintResult(errors=errors)
    loaded = [load_path(f) for f in files]
    project = {lf.flow.flow: lf.flow for lf in loaded if lf.flow is not None}
    for f, lf in zip(files, loaded, strict=True):
        result.files.append(str(lf.path))
        result.diagnostics.extend(lint_loaded(lf, settings, project))
        if progress:
            progress(f)
    return result
