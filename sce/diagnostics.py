"""One finding about a flow, wherever it comes from (loader, schema, expressions, lint rules).

Every stage reports `Diagnostic`s instead of raising at the first problem, so an author sees all
that is wrong at once. Where a diagnostic points is a JSON pointer into the flow document and,
when the flow came from a file, the line and column that `Source.locate` finds for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    pointer: str = ""
    node: str | None = None
    severity: Severity = Severity.ERROR
    path: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    def at(self, **changes: object) -> Diagnostic:
        return replace(self, **changes)  # type: ignore[arg-type]  # fields of several types

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path or "", self.line or 0, self.column or 0, self.code, self.message)


def escape_pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def pointer(*parts: str | int) -> str:
    """Build an RFC 6901 JSON pointer from keys and indexes."""
    return "".join("/" + escape_pointer(str(p)) for p in parts)


def pointer_parts(ptr: str) -> list[str]:
    if not ptr:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]


def node_of(ptr: str) -> str | None:
    """The node id a pointer lies in (`/nodes/<id>/...`), if any."""
    parts = pointer_parts(ptr)
    return parts[1] if len(parts) >= 2 and parts[0] == "nodes" else None
