"""Business hours: is a centre open at an instant? Real time zones (zoneinfo), weekly hours and
holidays, a holiday being closed all day or open only for its own hours."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import NotRequired, TypedDict, cast
from zoneinfo import ZoneInfo

OPEN = "open"
CLOSED = "closed"
HOLIDAY = "holiday"

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Holiday(TypedDict):
    """A schedule node's holiday (the schema's shape): closed all day unless it has hours."""

    date: str
    name: NotRequired[str]
    hours: NotRequired[Sequence[Mapping[str, str]] | None]


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


def _day(params: Mapping[str, object], day: date) -> tuple[Sequence[Mapping[str, str]], bool]:
    """The opening ranges of a date, and whether it is a holiday (its own hours, often none)."""
    for holiday in cast(Sequence[_Holiday], params.get("holidays") or ()):
        if holiday["date"] == day.isoformat():
            return holiday.get("hours") or (), True
    hours = cast(Mapping[str, Sequence[Mapping[str, str]]], params.get("hours") or {})
    return hours.get(_WEEKDAYS[day.weekday()], ()), False


def classify(params: Mapping[str, object], time: float) -> str:
    """ "open", "closed" or "holiday" at `time` (epoch seconds) for a schedule node's params.

    A range that runs past midnight belongs to the day it starts: Friday's 22:00-02:00 keeps
    Saturday 01:00 open even when Saturday is a holiday, and is gone when Friday is one."""
    local = datetime.fromtimestamp(time, _zone(str(params["timezone"])))
    minute = local.hour * 60 + local.minute
    today, holiday = _day(params, local.date())
    if _within(today, minute):
        return OPEN
    yesterday, _ = _day(params, local.date() - timedelta(days=1))
    if _after_midnight(yesterday, minute):
        return OPEN
    return HOLIDAY if holiday else CLOSED
