"""Business hours: is a centre open at an instant? Real time zones (zoneinfo), weekly hours and
holidays, a holiday being closed all day or open only for its own hours."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

OPEN = "open"
CLOSED = "closed"
HOLIDAY = "holiday"

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _minutes(hhmm: str) -> int:
    hours, _, minutes = hhmm.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def _within(ranges: Sequence[Mapping[str, str]], minute: int) -> bool:
    """Ranges are [start, end): 09:00-17:00 is open at 16:59 and closed at 17:00. An end before
    its start runs past midnight (22:00-02:00); that evening part is what the day's range covers."""
    for r in ranges:
        start, end = _minutes(r["start"]), _minutes(r["end"])
        if start <= end:
            if start <= minute < end:
                return True
        elif minute >= start:
            return True
    return False


def _after_midnight(ranges: Sequence[Mapping[str, str]], minute: int) -> bool:
    """The part after midnight of the previous day's ranges that run past it."""
    for r in ranges:
        start, end = _minutes(r["start"]), _minutes(r["end"])
        if end < start and minute < end:
            return True
    return False


def classify(params: Mapping[str, object], time: float) -> str:
    """ "open", "closed" or "holiday" at `time` (epoch seconds) for a schedule node's params."""
    local = datetime.fromtimestamp(time, _zone(str(params["timezone"])))
    minute = local.hour * 60 + local.minute
    day = local.date().isoformat()
    hours: Mapping[str, Sequence[Mapping[str, str]]] = params.get("hours") or {}  # type: ignore[assignment]
    for holiday in params.get("holidays") or ():  # type: ignore[attr-defined]
        if holiday["date"] == day:
            return OPEN if _within(holiday.get("hours") or (), minute) else HOLIDAY
    weekday = _WEEKDAYS[local.weekday()]
    if _within(hours.get(weekday, ()), minute):
        return OPEN
    yesterday = _WEEKDAYS[(local.weekday() - 1) % 7]
    if _after_midnight(hours.get(yesterday, ()), minute):
        return OPEN
    return CLOSED
