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
from sce.lint.context import LintContext, PromptCatalogs
from sce.lint.partial import analysis_of, believed
from sce.lint.rule import RULES
from sce.loader import FLOW_SUFFIXES, LoadedFlow, load_path
from sce.model import Flow
from sce.prompts.settings import load_prompt_settings

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
    catalogs: PromptCatalogs | None = None,
) -> list[Diagnostic]:
    """Every enabled finding about one loaded flow, located and sorted.

    A flow with schema errors inside single nodes or variables is linted on the partial model
    of its sound parts (`sce.partial`), so that its other findings come in the same run; of
    those, only the ones that what was set aside cannot have caused are kept (`believed`).

    The prompt catalog of the flow's file is read from `catalogs` (those of a lint run); without
    them, it is read for this flow, and the problems of a catalog that cannot be read come last.
    """
    settings = settings or Settings()
    own_catalogs = catalogs is None
    catalogs = catalogs or PromptCatalogs()
    path = loaded.path
    found: list[Diagnostic] = list(loaded.diagnostics)
    partial = loaded.partial if loaded.flow is None else None
    model = loaded.lint_model
    if model is not None:
        if partial is not None:
            analysis = analysis_of(partial)
            project = {**(project or {}), model.flow: model}
        project = project or {model.flow: model}
        ctx = LintContext(model, settings, project, analysis, path, catalogs)
        for rule in RULES.values():
            if rule.check is not None and settings.enabled(rule.code, path):
                found.extend(rule.check(ctx))
    located = [loaded.source.locate(d) for d in found if settings.enabled(d.code, path)]
    kept = noqa.apply(loaded, located, settings.enabled(noqa.UNUSED_NOQA, path))
    if partial is not None:
        kept = believed(partial, loaded.source, kept)
    if own_catalogs:
        kept.extend(catalog_problems(catalogs, settings))
    return sorted(set(kept), key=lambda d: d.sort_key)


def catalog_problems(catalogs: PromptCatalogs, settings: Settings) -> list[Diagnostic]:
    """The SCE700 diagnostics of the catalogs that could not be read, where enabled."""
    return [d for d in catalogs.diagnostics if settings.enabled(d.code, d.path)]


def collect_files(paths: Iterable[str | Path], settings: Settings) -> tuple[list[Path], list[str]]:
    """Flow files under the given files and folders, and what is wrong with the other paths.

    A file named explicitly is taken whatever its suffix; in folders, only .json and .flow files
    that are not excluded. Named pipes, sockets and devices are never read (reading a pipe would
    wait forever): skipped in folders, an error when named explicitly.
    """
    files: list[Path] = []
    errors: list[str] = []
    # The prompt catalog's folder holds catalog.json, which is no flow.
    prompts = load_prompt_settings(settings.root).folder.resolve() if settings.root else None
    for raw in paths:
        if str(raw) == "":
            errors.append("an empty path names no file or folder")
            continue
        p = Path(raw)
        if p.is_file():
            files.append(p)  # named explicitly: linted whatever its suffix
        elif p.is_dir():
            for folder, dirs, names in os.walk(p):
                if prompts is not None and Path(folder).resolve() == prompts:
                    dirs[:] = []
                    continue
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
    # A flow with schema errors is still there for the flows that call it, by its sound parts:
    # "not among the flows linted together" would send their authors looking for a file.
    project = {m.flow: m for lf in loaded if lf.flow is None and (m := lf.lint_model) is not None}
    project.update({lf.flow.flow: lf.flow for lf in loaded if lf.flow is not None})
    _same_id_elsewhere(loaded)
    catalogs = PromptCatalogs()
    for f, lf in zip(files, loaded, strict=True):
        result.files.append(str(lf.path))
        result.diagnostics.extend(lint_loaded(lf, settings, project, catalogs=catalogs))
        if progress:
            progress(f)
    result.diagnostics.extend(catalog_problems(catalogs, settings))
    return result


def _same_id_elsewhere(loaded: list[LoadedFlow]) -> None:
    """SCE004 on each of several files that hold one flow id under different names (a `.json`
    and `.flow` of one name are reported by the loader already)."""
    holders: dict[str, list[LoadedFlow]] = {}
    for lf in loaded:
        if lf.flow is not None:
            holders.setdefault(lf.flow.flow, []).append(lf)
    for flow_id, group in holders.items():
        for lf in group:
            others = [
                str(o.path)
                for o in group
                if o is not lf
                and Path(str(o.path)).with_suffix("") != Path(str(lf.path)).with_suffix("")
            ]
            if others:
                message = (
                    f"{', '.join(others)} also hold{'s' if len(others) == 1 else ''} flow "
                    f"'{flow_id}': a flow lives in one file, so give each its own id or delete one"
                )
                lf.diagnostics.append(Diagnostic("SCE004", message, pointer="/flow"))
