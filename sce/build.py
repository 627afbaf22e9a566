"""Lint and compile in one pass over a loaded flow, sharing the analysis.

What a deploy does (and the CLI's `compile`, and the designer's check button): every finding of
the linter, and the compiled flow when nothing is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sce.bulk import paused_gc
from sce.compiler import CompiledFlow, analyse, compile_flow
from sce.diagnostics import Diagnostic, Severity
from sce.errors import CompileError
from sce.lint import Settings, lint_loaded
from sce.loader import LoadedFlow
from sce.model import Flow


@dataclass
class Build:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    compiled: CompiledFlow | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]


def build(
    loaded: LoadedFlow, settings: Settings | None = None, project: Mapping[str, Flow] | None = None
) -> Build:
    """Lint the flow and, if no finding is an error, compile it."""
    with paused_gc():
        if loaded.flow is None:
            return Build(lint_loaded(loaded, settings, project))
        analysis = analyse(loaded.flow)
        found = lint_loaded(loaded, settings, project, analysis=analysis)
        result = Build(found)
        if not result.errors:
            try:
                result.compiled = compile_flow(loaded.flow, analysis)
            except CompileError as e:  # an error a lint setting switched off
                result.diagnostics.extend(loaded.source.locate(d) for d in e.diagnostics)
        return result
