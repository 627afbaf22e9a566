"""Times as the records of the project keep them (revisions, the deploy log): ISO 8601 in UTC,
to the second, so they sort as text and read the same on every server."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_now() -> str:
    """The current time, e.g. `2026-11-23T15:04:05+00:00`."""
    return datetime.now(UTC).isoformat(timespec="seconds")
