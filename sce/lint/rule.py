"""What a lint rule is, and the registry of all of them.

A rule is a function `check(ctx) -> Iterable[Diagnostic]` registered with a code and a kebab-case
name; its docstring says *What it does*, *Why is this bad?* and *Example* / *Use instead* (ruff's
convention), and `sce rules` prints it. Rules live one per module in `sce/lint/rules/`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sce.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from sce.lint.context import LintContext

Check = Callable[["LintContext"], Iterable[Diagnostic]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    doc: str
    check: Check | None

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    def to_json(self, *, doc: bool) -> dict[str, object]:
        """What `sce rules --format json` and `GET /api/rules` give of the rule."""
        out: dict[str, object] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "summary": self.summary,
        }
        if doc:
            out["doc"] = self.doc
        return out

    def diagnostic(self, message: str, pointer: str = "", node: str | None = None) -> Diagnostic:
        return Diagnostic(self.code, message, pointer=pointer, node=node, severity=self.severity)


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity = Severity.WARNING) -> Callable[[Check], Check]:
    """Register a check function as the rule `code` / `name`."""

    def register(fn: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule {code} is registered twice")
        RULES[code] = Rule(code, name, severity, inspect.cleandoc(fn.__doc__ or ""), fn)
        return fn

    return register


def describe(code: str, name: str, doc: str, severity: Severity = Severity.ERROR) -> None:
    """Register a code whose diagnostics come from an earlier stage (loader, compiler)."""
    RULES[code] = Rule(code, name, severity, inspect.cleandoc(doc), None)


def by_name_or_code(token: str) -> list[Rule]:
    """Rules selected by a code (`SCE101`), a prefix (`SCE1`, `SCE`) or a name."""
    token = token.strip()
    upper = token.upper()
    found = [r for r in RULES.values() if r.code.startswith(upper) or r.name == token]
    return sorted(found, key=lambda r: r.code)
