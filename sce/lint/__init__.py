"""The linter: rules with codes and names, settings, noqa, and the runner."""

from sce.lint.config import Settings, load_settings
from sce.lint.context import LintContext
from sce.lint.rule import RULES, Rule, rule
from sce.lint.runner import LintResult, lint_loaded, lint_paths

__all__ = [
    "RULES",
    "LintContext",
    "LintResult",
    "Rule",
    "Settings",
    "lint_loaded",
    "lint_paths",
    "load_settings",
    "rule",
]
