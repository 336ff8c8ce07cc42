"""The service calendar: holidays, hours, openings, cut-offs and durations."""

from __future__ import annotations

import datetime as dt

import pytest

from jknrules.calendar import ServiceCalendar, WeeklyHours, add_months
from jknrules.model.policy import Duration, Hours

WITA = ServiceCalendar("Asia/Makassar")
COUNTER = WeeklyHours.from_model(Hours(
    mon=["08:00-14:00"], tue=["08:00-14:00"], wed=["08:00-14:00"], thu=["08:00-14:00"],
    fri=["08:00-12:00"]))
GROUP = WeeklyHours.from_model(Hours(
    mon=["16:00-21:00"], tue=["16:00-21:00"], wed=["16:00-21:00"], thu=["16:00-21:00"],
    fri=["14:00-21:00"], sat=["07:00-21:00"], sun=["07:00-21:00"], holiday=["07:00-21:00"]))


def at(text: str) -> dt.datetime:
    return WITA.local(dt.datetime.fromisoformat(text))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-03", True),   # Tuesday
        ("2026-02-07", False),  # Saturday
        ("2026-02-16", False),  # cuti bersama Tahun Baru Imlek
        ("2026-02-17", False),  # Tahun Baru Imlek
        ("2026-03-19", False),  # Hari Suci Nyepi
        ("2026-03-20", False),  # cuti bersama Idul Fitri
        ("2026-08-17", False),  # Hari Kemerdekaan
        ("2026-08-18", True),
    ],
)
def test_working_days(day: str, working: bool) -> None:
    assert WITA.is_working_day(dt.date.fromisoformat(day)) is working


def test_extra_closed_days_count_as_holidays() -> None:
    cal = ServiceCalendar("Asia/Makassar", [dt.date(2026, 2, 4)])
    assert not cal.is_working_day(dt.date(2026, 2, 4))
    assert cal.intervals(COUNTER, dt.date(2026, 2, 4)) == []
    assert cal.intervals(GROUP, dt.date(2026, 2, 4))[0][0].hour == 7


def test_counter_hours_and_next_opening() -> None:
    assert WITA.is_open(COUNTER, at("2026-02-03T08:00"))
    assert not WITA.is_open(COUNTER, at("2026-02-03T14:00"))  # closing time is exclusive
    assert WITA.next_opening(COUNTER, at("2026-02-06T12:30")) == at("2026-02-09T08:00")
    # Monday 16 Feb and Tuesday 17 Feb 2026 are holidays: next opening Wednesday
    assert WITA.next_opening(COUNTER, at("2026-02-13T13:00")) == at("2026-02-18T08:00")


def test_after_hours_group_on_a_weekday_holiday() -> None:
    assert WITA.is_open(GROUP, at("2026-02-17T10:00"))
    assert not WITA.is_open(GROUP, at("2026-02-18T10:00"))


def test_previous_working_day() -> None:
    assert WITA.previous_working_day(dt.date(2026, 3, 20)) == dt.date(2026, 3, 17)
    assert WITA.previous_working_day(dt.date(2026, 2, 20)) == dt.date(2026, 2, 20)


def test_durations() -> None:
    start = at("2026-01-31T10:00")
    assert WITA.add(start, Duration(months=1)) == at("2026-02-28T10:00")
    assert WITA.add(start, Duration(days=30)) == at("2026-03-02T10:00")
    assert WITA.add(at("2026-02-13T10:00"), Duration(working_days=1)) == at("2026-02-18T10:00")
    assert WITA.add(start, Duration(minutes=33)) == at("2026-01-31T10:33")
    assert add_months(dt.datetime(2026, 12, 15), 2) == dt.datetime(2027, 2, 15)


def test_first_open_and_last_close_in_a_window() -> None:
    first = WITA.first_open_between(COUNTER, dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert first == at("2026-03-02T08:00")  # 1 March 2026 is a Sunday
    last = WITA.last_close_between(COUNTER, dt.date(2026, 3, 1), dt.date(2026, 3, 20))
    assert last == at("2026-03-17T14:00")  # 18–20 March are holidays
    assert WITA.last_close_between(None, dt.date(2026, 3, 1), dt.date(2026, 3, 20)) == \
        at("2026-03-20T23:59:59")
