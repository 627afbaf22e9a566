"""The errors of the `sce` package. Each carries diagnostics a person can act on."""

from __future__ import annotations

from sce.diagnostics import Diagnostic


class SceError(Exception):
    """Root of the package's errors."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics or []


class LoadError(SceError):
    """A flow file could not be read, decoded, parsed or validated."""


class CompileError(SceError):
    """A flow has errors that stop it from compiling."""


class ConfigError(SceError):
    """The `[tool.sce]` settings are wrong."""


class PatternError(SceError):
    """A collect pattern that cannot run (see `sce.patterns`)."""
