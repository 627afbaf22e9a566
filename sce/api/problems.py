"""How many errors and warnings the linter finds in each stored flow, for the flow list.

Linting takes milliseconds per flow, so a list of many flows is not linted again on every
request: counts are kept by the flow's ETag (the hash of its file, which changes whenever the
file does), for at most `MAX_KEPT` flows per app, the least recently listed going first.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from sce.api.memo import Memo
from sce.diagnostics import Severity
from sce.lint import Settings, lint_loaded
from sce.loader import LoadedFlow

#: Where the app keeps its cache (made on first use).
PROBLEMS_KEY = "sce.problems"
#: Most flows whose counts one app keeps.
MAX_KEPT = 2048


@dataclass(frozen=True)
class Problems:
    errors: int
    warnings: int

    def to_data(self) -> dict[str, int]:
        return {"errors": self.errors, "warnings": self.warnings}


def count(loaded: LoadedFlow, settings: Settings | None) -> Problems:
    """The findings of `sce lint` (and `POST /api/lint`) on a loaded flow, counted."""
    found = lint_loaded(loaded, settings)
    errors = sum(d.severity is Severity.ERROR for d in found)
    return Problems(errors, len(found) - errors)


class ProblemCache:
    """Counts by (flow id, ETag), with the server's lint settings (see the module's docstring)."""

    def __init__(self, settings: Settings | None, limit: int = MAX_KEPT) -> None:
        self.settings = settings
        self.memo: Memo[tuple[str, str], Problems] = Memo(limit)

    def problems(self, flow_id: str, etag: str, loaded: LoadedFlow) -> Problems:
        """The counts for the flow `loaded` is, whose file has `etag`."""
        return self.memo.get((flow_id, etag), lambda: count(loaded, self.settings))


def problem_cache() -> ProblemCache:
    """This app's cache, made on first use with the server's lint settings."""
    cache: ProblemCache | None = current_app.extensions.get(PROBLEMS_KEY)
    if cache is None:
        made = ProblemCache(current_app.extensions.get("sce.settings"))
        cache = current_app.extensions.setdefault(PROBLEMS_KEY, made)
    return cache
