"""The audit trail: who changed what a caller hears, who was refused, and from where.

Every save, delete, deploy, rollback, user or token change, login and refused attempt appends
one `AuditRecord`. Records are only ever appended: the API reads them (`GET /api/audit`, with
filters, newest first) and has no way to change one. `FileAudit`, the embedded default, keeps
them as JSON lines in a file, each appended by one `write` under `flock`, so the processes of
one machine never interleave; `runtime.store.redis_audit` keeps them in a Redis stream for
processes on several machines.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Protocol

DEFAULT_PATH = ".sce/audit.jsonl"
#: Most records one query gives.
MAX_QUERY = 1000


@dataclass(frozen=True)
class AuditRecord:
    time: str
    #: The user (or "api" for the shared token; "" when nobody could be told).
    who: str
    role: str | None
    #: How they came in: session, token, api-token, open, cli, anonymous.
    via: str
    #: What was done: flow.create, flow.save, flow.delete, deploy, rollback, login, logout,
    #: user.add, user.role, user.password, user.disable, user.enable, token.create,
    #: token.revoke; or, for a refusal, the request ("PUT /api/flows/balance").
    action: str
    #: ok, refused (the change was wrong: a flow with errors), denied (not allowed), failed.
    result: str
    address: str = ""
    flow: str | None = None
    revision: int | None = None
    version: str | None = None
    #: The user or token a user or token change is about.
    target: str | None = None
    detail: str = ""

    def to_data(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, object]) -> AuditRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


@dataclass(frozen=True)
class AuditQuery:
    """Which records to give: each field set must match (`since`/`until` are ISO times)."""

    who: str | None = None
    action: str | None = None
    flow: str | None = None
    result: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = 100

    def matches(self, r: AuditRecord) -> bool:
        return (
            (self.who is None or r.who == self.who)
            and (self.action is None or r.action == self.action)
            and (self.flow is None or r.flow == self.flow)
            and (self.result is None or r.result == self.result)
            and (self.since is None or r.time >= self.since)
            and (self.until is None or r.time <= self.until)
        )


class Audit(Protocol):
    def append(self, record: AuditRecord) -> None: ...

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        """The matching records, newest first, at most `query.limit`."""
        ...

    def close(self) -> None: ...


def newest_first(records: Iterable[AuditRecord], query: AuditQuery) -> list[AuditRecord]:
    """The records (oldest first) that match, newest first, at most the query's limit."""
    out = [r for r in records if query.matches(r)]
    out.reverse()
    return out[: max(0, min(query.limit, MAX_QUERY))]


class FileAudit:
    """Records as JSON lines in a file (see the module's docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, record: AuditRecord) -> None:
        line = json.dumps(record.to_data(), ensure_ascii=False) + "\n"
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        records = (_record(line, n) for n, line in enumerate(text.splitlines(), 1) if line)
        return newest_first(records, query)

    def close(self) -> None:
        pass


def _record(line: str, number: int) -> AuditRecord:
    """A line of the file as a record; one that is not (a write cut short by a crash, an edit
    by hand) is shown as such, never dropped, so that the log says it was tampered with."""
    try:
        data = json.loads(line)
        if isinstance(data, dict):
            return AuditRecord.from_data(data)
    except (ValueError, TypeError):
        pass
    detail = f"line {number} of the audit file is not a record: {line[:200]!r}"
    return AuditRecord("", "", None, "", "unreadable", "failed", detail=detail)
