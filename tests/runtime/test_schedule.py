"""Business hours: `classify(params, time)` says whether a centre is open at an instant.

The params are a schedule node's (time zone, weekly hours, holidays); the time is epoch
seconds, as the engine gets it from an event. Every case is written in the centre's own local
time or in UTC, so what is checked is the conversion a caller relies on.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from runtime.schedule import CLOSED, HOLIDAY, OPEN, classify

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def at(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


NEW_YORK = {
    "timezone": "America/New_York",
    "hours": {day: [{"start": "09:00", "end": "17:00"}] for day in WEEK[:5]},
}


@pytest.mark.parametrize(
    ("when", "verdict"),
    [
        ("2026-11-23T08:59:00-05:00", CLOSED),
        ("2026-11-23T09:00:00-05:00", OPEN),  # opening time is open
        ("2026-11-23T16:59:00-05:00", OPEN),
        ("2026-11-23T17:00:00-05:00", CLOSED),  # closing time is closed
        ("2026-11-21T12:00:00-05:00", CLOSED),  # a Saturday: no hours
    ],
)
def test_weekly_hours_are_from_opening_up_to_closing(when: str, verdict: str) -> None:
    assert classify(NEW_YORK, at(when)) == verdict


def test_the_same_utc_time_is_open_in_summer_and_closed_in_winter_in_new_york() -> None:
    """Summer time ends on 1 November 2026: 13:30 UTC moves from 09:30 to 08:30 local."""
    assert classify(NEW_YORK, at("2026-10-30T13:30:00+00:00")) == OPEN  # Friday, EDT
    assert classify(NEW_YORK, at("2026-11-02T13:30:00+00:00")) == CLOSED  # Monday, EST
    assert classify(NEW_YORK, at("2026-11-02T14:30:00+00:00")) == OPEN


SHANGHAI = {
    "timezone": "Asia/Shanghai",
    "hours": {day: [{"start": "08:00", "end": "20:00"}] for day in WEEK},
    "holidays": [
        {"date": "2026-12-25", "name": "Christmas Day"},
        {"date": "2027-02-05", "name": "Eve", "hours": [{"start": "09:00", "end": "12:00"}]},
    ],
}


def test_a_holiday_is_the_local_date_not_the_utc_one() -> None:
    # 02:00 UTC on 24 December is 10:00 in Shanghai: an ordinary day
    assert classify(SHANGHAI, at("2026-12-24T02:00:00+00:00")) == OPEN
    # 20:00 UTC on 24 December is already Christmas Day in Shanghai, all day
    assert classify(SHANGHAI, at("2026-12-24T20:00:00+00:00")) == HOLIDAY
    assert classify(SHANGHAI, at("2026-12-25T10:00:00+08:00")) == HOLIDAY
    assert classify(SHANGHAI, at("2026-12-26T10:00:00+08:00")) == OPEN


def test_a_holiday_with_hours_is_open_only_for_them() -> None:
    assert classify(SHANGHAI, at("2027-02-05T08:30:00+08:00")) == HOLIDAY  # a normal day opens
    assert classify(SHANGHAI, at("2027-02-05T09:00:00+08:00")) == OPEN
    assert classify(SHANGHAI, at("2027-02-05T12:00:00+08:00")) == HOLIDAY
    assert classify(SHANGHAI, at("2027-02-05T15:00:00+08:00")) == HOLIDAY


NIGHT_SHIFT = {"timezone": "Asia/Shanghai", "hours": {"fri": [{"start": "22:00", "end": "02:00"}]}}


@pytest.mark.parametrize(
    ("when", "verdict"),
    [
        ("2026-11-27T21:59:00+08:00", CLOSED),  # Friday evening, before the shift
        ("2026-11-27T22:00:00+08:00", OPEN),
        ("2026-11-28T01:59:00+08:00", OPEN),  # Saturday early: still Friday's shift
        ("2026-11-28T02:00:00+08:00", CLOSED),
        ("2026-11-28T23:00:00+08:00", CLOSED),  # no shift on Saturday night
        ("2026-11-27T01:00:00+08:00", CLOSED),  # Friday early: Thursday had no shift
    ],
)
def test_a_range_past_midnight_runs_into_the_next_day(when: str, verdict: str) -> None:
    assert classify(NIGHT_SHIFT, at(when)) == verdict


def holidays(*days: dict[str, object]) -> dict[str, object]:
    return {**NIGHT_SHIFT, "holidays": list(days)}


def test_a_night_shift_belongs_to_the_day_it_starts_on_holidays_too() -> None:
    saturday_1am = at("2026-11-28T01:00:00+08:00")
    # Saturday a holiday: Friday's shift still runs into it.
    assert classify(holidays({"date": "2026-11-28"}), saturday_1am) == OPEN
    # Friday a holiday: its shift, and the part past midnight, are gone.
    assert classify(holidays({"date": "2026-11-27"}), saturday_1am) == CLOSED
    # A holiday's own late hours run past midnight like any day's.
    late = {"date": "2026-11-26", "hours": [{"start": "20:00", "end": "02:00"}]}
    assert classify(holidays(late), at("2026-11-27T01:00:00+08:00")) == OPEN
    assert classify(holidays(late), at("2026-11-26T19:00:00+08:00")) == HOLIDAY
