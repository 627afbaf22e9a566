"""`GET /api/audit`: the audit log, newest first, for deployers and admins; filtered by `who`,
`action`, `flow`, `result`, `since` and `until` (ISO times), at most `limit` records. There is
no way to change a record through the API."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, request

from sce.access.audit import MAX_QUERY, AuditQuery
from sce.access.roles import Permission
from sce.api.auth import access, allow
from sce.api.errors import ApiError
from sce.api.requests import query_int

audit_log = Blueprint("audit_log", __name__)


@audit_log.get("/api/audit")
@allow(Permission.AUDIT)
def read_audit() -> dict[str, object]:
    query = AuditQuery(
        who=request.args.get("who") or None,
        action=request.args.get("action") or None,
        flow=request.args.get("flow") or None,
        result=request.args.get("result") or None,
        since=_time("since"),
        until=_time("until"),
        limit=query_int("limit", default=100, minimum=1, maximum=MAX_QUERY),
    )
    return {"records": [r.to_data() for r in access().audit.query(query)]}


def _time(name: str) -> str | None:
    """An ISO time of the query, in UTC as the records keep it (compared as text)."""
    text = request.args.get(name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name} must be an ISO time like 2026-12-01T09:00:00Z") from None
    if moment.tzinfo is None:
        raise ApiError(400, f"{name} must say its time zone (like Z or +01:00)")
    try:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise ApiError(400, f"{name} is out of the range of times, not '{text}'") from None
