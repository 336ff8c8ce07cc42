"""The service calendar: holidays, hours, openings, cut-offs and durations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.engine.calendar import WORKING_DAYS_ALL_DAY, ServiceCalendar, WeeklyHours, add_months
from jknrules.engine.deadlines import calendar_phase
from jknrules.engine.state import Work
from jknrules.language.policy import Duration, Hours

from .conftest import POLICY_DIR

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
    """``None`` hours (all day, every day): plain calendar arithmetic."""
    start = at("2026-01-31T10:00")
    assert WITA.add(start, Duration(months=1), None) == at("2026-02-28T10:00")
    assert WITA.add(start, Duration(days=30), None) == at("2026-03-02T10:00")
    assert WITA.add(at("2026-02-13T10:00"), Duration(working_days=1), None) == \
        at("2026-02-18T10:00")
    assert WITA.add(start, Duration(minutes=33), None) == at("2026-01-31T10:33")
    assert add_months(dt.datetime(2026, 12, 15), 2) == dt.datetime(2027, 2, 15)


def test_first_open_and_last_close_in_a_window() -> None:
    first = WITA.first_open_between(COUNTER, dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert first == at("2026-03-02T08:00")  # 1 March 2026 is a Sunday
    last = WITA.last_close_between(COUNTER, dt.date(2026, 3, 1), dt.date(2026, 3, 20))
    assert last == at("2026-03-17T14:00")  # 18–20 March are holidays
    assert WITA.last_close_between(None, dt.date(2026, 3, 1), dt.date(2026, 3, 20)) == \
        at("2026-03-20T23:59:59")


# --- deadlines in service time ---------------------------------------------------------

WIB = ServiceCalendar("Asia/Jakarta")
BATANG_COUNTER = WeeklyHours.from_model(Hours(
    mon=["07:30-14:30"], tue=["07:30-14:30"], wed=["07:30-14:30"], thu=["07:30-14:30"],
    fri=["07:30-10:30"]))
SPLIT = WeeklyHours.from_model(Hours(
    mon=["08:00-12:00", "13:00-15:00"], tue=["08:00-12:00", "13:00-15:00"],
    wed=["08:00-12:00", "13:00-15:00"], thu=["08:00-12:00", "13:00-15:00"]))


def wib(text: str) -> dt.datetime:
    return WIB.local(dt.datetime.fromisoformat(text))


def test_working_days_past_the_days_last_closing_move_back_to_it() -> None:
    """Batang: Thursday 14:00 + 1 working day = Friday 14:00, but Friday closes 10:30."""
    assert WIB.add(wib("2026-02-05T14:00"), Duration(working_days=1), BATANG_COUNTER) == \
        wib("2026-02-06T10:30")
    # inside the day's hours the time of day is kept
    assert WIB.add(wib("2026-02-04T14:00"), Duration(working_days=1), BATANG_COUNTER) == \
        wib("2026-02-05T14:00")


def test_working_days_before_the_first_opening_or_in_a_gap() -> None:
    # before the day's first opening: on to it
    assert WITA.onto_day(SPLIT, at("2026-02-03T07:00")) == at("2026-02-03T08:00")
    # in the gap between two periods: back to the end of the earlier one
    assert WITA.onto_day(SPLIT, at("2026-02-03T12:30")) == at("2026-02-03T12:00")
    # the closing instant is still within the hours
    assert WITA.onto_day(SPLIT, at("2026-02-03T15:00")) == at("2026-02-03T15:00")
    assert WITA.onto_day(SPLIT, at("2026-02-03T16:00")) == at("2026-02-03T15:00")
    # a working day on which the channel does not open at all: forward to its next opening
    assert WITA.onto_day(SPLIT, at("2026-02-06T09:00")) == at("2026-02-09T08:00")


def test_working_days_across_a_holiday() -> None:
    """Idul Adha (Wed 27 May 2026) and its cuti bersama (Thu 28): Tuesday 14:00 + 1 working
    day is Friday 29 May, whose counter closes at 10:30."""
    assert WIB.add(wib("2026-05-26T14:00"), Duration(working_days=1), BATANG_COUNTER) == \
        wib("2026-05-29T10:30")
    # Ascension Day (Thu 14 May) and its cuti bersama (Fri 15), then the weekend
    assert WIB.add(wib("2026-05-13T09:00"), Duration(working_days=1), BATANG_COUNTER) == \
        wib("2026-05-18T09:00")


def test_minutes_count_only_while_the_channel_is_open() -> None:
    """Karangasem counter: Monday 13:50 + 33 minutes = 10 minutes to the 14:00 closing, then
    23 minutes from Tuesday's 08:00 opening."""
    assert WITA.add(at("2026-02-02T13:50"), Duration(minutes=33), COUNTER) == \
        at("2026-02-03T08:23")
    # ending exactly at closing time stays there
    assert WITA.add(at("2026-02-02T13:27"), Duration(minutes=33), COUNTER) == \
        at("2026-02-02T14:00")
    # hours count the same way, and skip the holidays (16–17 February 2026)
    assert WITA.add(at("2026-02-13T11:00"), Duration(hours=2), COUNTER) == \
        at("2026-02-18T09:00")
    # on the after-hours group: Monday 20:50 + 33 minutes = Tuesday 16:23
    assert WITA.add(at("2026-02-02T20:50"), Duration(minutes=33), GROUP) == \
        at("2026-02-03T16:23")


def test_a_month_landing_on_a_sunday_moves_forward_to_the_next_opening() -> None:
    assert WITA.add(at("2026-06-05T10:00"), Duration(months=1), COUNTER) == \
        at("2026-07-06T08:00")
    # months and days landing inside the hours stay
    assert WITA.add(at("2026-06-03T10:00"), Duration(months=1), COUNTER) == \
        at("2026-07-03T10:00")
    # a Friday 12:00 reached at the Friday closing counts as inside
    assert WITA.add(at("2026-06-04T12:00"), Duration(days=29), COUNTER) == \
        at("2026-07-03T12:00")
    # Batang's 30 days landing on a Sunday
    assert WIB.add(wib("2026-02-06T07:30"), Duration(days=30), BATANG_COUNTER) == \
        wib("2026-03-09T07:30")


def test_mixed_durations_apply_months_days_working_days_then_minutes() -> None:
    # 1 month + 19 minutes from Thursday 5 March 2026 09:00: 5 April is Easter Sunday, so
    # the month moves to Monday 08:00, then 19 minutes of counter time
    assert WITA.add(at("2026-03-05T09:00"), Duration(months=1, minutes=19), COUNTER) == \
        at("2026-04-06T08:19")
    # each part is placed before the next: Thursday 4 June 13:00 + 1 month = Saturday 4 July,
    # moved to Monday 6 July 08:00; + 1 day = Tuesday 08:00; + 1 working day = Wednesday
    # 08:00; + 30 minutes of counter time. (Months and days together would reach Sunday 5
    # July and then Monday 08:00: a day earlier.)
    assert WITA.add(at("2026-06-04T13:00"),
                    Duration(months=1, days=1, working_days=1, minutes=30), COUNTER) == \
        at("2026-07-08T08:30")


def test_channels_without_stated_hours_open_all_day_on_working_days() -> None:
    hours = WORKING_DAYS_ALL_DAY
    assert WITA.next_opening(hours, at("2024-06-01T22:00")) == at("2024-06-03T00:00")
    # 16–17 February 2026 are holidays
    assert WITA.next_opening(hours, at("2026-02-13T23:00")) == at("2026-02-13T23:00")
    assert WITA.next_opening(hours, at("2026-02-14T09:00")) == at("2026-02-18T00:00")
    # a month landing on a Sunday moves to Monday 00:00
    assert WITA.add(at("2026-02-03T10:00"), Duration(months=3), hours) == at("2026-05-04T00:00")
    # None still means all day, every day (plain calendar arithmetic)
    assert WITA.next_opening(None, at("2024-06-01T22:00")) == at("2024-06-01T22:00")


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(2023, 1, 1), max_value=dt.datetime(2029, 12, 31)),
       st.builds(Duration, months=st.integers(0, 3), days=st.integers(0, 40),
                 working_days=st.integers(0, 5), hours=st.integers(0, 3),
                 minutes=st.integers(0, 600)))
def test_none_hours_are_plain_calendar_arithmetic(moment: dt.datetime, duration: Duration
                                                  ) -> None:
    start = WITA.local(moment)
    assert WITA.add(start, duration, None) == WITA.add_calendar(start, duration)


# --- the shipped policies -------------------------------------------------------------------

POLICIES = jknrules.load_policies(POLICY_DIR)
KARANGASEM = {"regency": "karangasem",
              "applicant": {"nik": "5107035511600003", "domicile_regency": "karangasem",
                            "has_ktp": True},
              "household": {"has_ppu_member": False},
              "membership": {"status": "none", "segment": "none"}}


def result(case: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = jknrules.evaluate(case, POLICIES).to_dict()
    return out


def test_karangasem_2025_emergency_response_counts_minutes_of_counter_and_group() -> None:
    """Seed 000 3.a/3.b/4: the counter and the after-hours group cover for each other, so
    the 33 minutes run on their joint hours: Monday 13:50 at the counter, 10 minutes to its
    14:00 closing, then 23 from the group's 16:00 opening; Friday 11:50, 10 minutes, then
    the group from 14:00; Sunday 20:50 in the group, 10 minutes, then Monday's counter."""
    for submitted, due in (("2026-02-02T13:50:00+08:00", "2026-02-02T16:23:00+08:00"),
                           ("2026-02-06T11:50:00+08:00", "2026-02-06T14:23:00+08:00"),
                           ("2026-02-08T20:50:00+08:00", "2026-02-09T08:23:00+08:00")):
        out = result({**KARANGASEM, "submitted_at": submitted,
                      "health": {"emergency": True, "inpatient": True},
                      "welfare": {"desil": 3}})
        assert out["deadlines"]["response_due"] == due, submitted


def test_karangasem_2023_saturday_night_emergency_waits_for_monday() -> None:
    """The 2023 SOP states no hours: its counter is open all day on working days only, so a
    Saturday 22:00 emergency starts service on Monday 00:00 and is not active before."""
    out = result({**KARANGASEM, "submitted_at": "2024-06-01T22:00:00+08:00",
                  "health": {"emergency": True}, "welfare": {"desil": 3}})
    assert out["outcome"] == "accepted"
    assert out["deadlines"]["next_service_opening"] == "2024-06-03T00:00:00+08:00"
    assert out["deadlines"]["expected_active_by"] == "2024-06-03T00:00:00+08:00"
    assert out["deadlines"]["response_due"] == "2024-06-04T00:00:00+08:00"
    assert "channel.closed" in [r["code"] for r in out["reasons"]]


def test_batang_thursday_1400_response_is_due_at_friday_closing() -> None:
    out = result({"regency": "batang", "submitted_at": "2026-02-05T14:00:00+07:00",
                  "applicant": {"nik": "3325016504880002", "domicile_regency": "batang",
                                "has_ktp": True},
                  "welfare": {"dtks": "registered"},
                  "membership": {"status": "none", "segment": "none"}})
    assert out["deadlines"]["response_due"] == "2026-02-06T10:30:00+07:00"
    # 30 calendar days land on Saturday 7 March: the next opening is Monday 07:30
    assert out["deadlines"]["expected_active_by"] == "2026-03-09T07:30:00+07:00"


TRANSFER = {**KARANGASEM, "request": "transfer", "welfare": {"desil": 2},
            "membership": {"status": "active", "segment": "pbpu_mandiri"},
            "payment": {"mandiri_paid_current_month": True}}


def test_a_moved_cutoff_says_so_when_the_case_proceeds() -> None:
    out = result({**TRANSFER, "submitted_at": "2026-03-05T09:00:00+08:00"})
    assert out["outcome"] == "accepted"
    assert out["deadlines"]["submit_to_bpjs_by"] == "2026-03-17T23:59:59+08:00"
    (moved,) = [r for r in out["reasons"] if r["code"] == "cutoff.moved"]
    assert "20 Maret 2026" in moved["message"]["id"]
    assert "Cuti Bersama Hari Raya Idul Fitri" in moved["message"]["id"]
    assert "17 Maret 2026" in moved["message"]["id"]
    assert "20 March 2026" in moved["message"]["en"]
    assert "Eid al-Fitr Joint Holiday" in moved["message"]["en"]
    assert "17 March 2026" in moved["message"]["en"]
    assert moved["source"].endswith("2. Sistem, Mekanisme dan Prosedur f")
    assert moved["at"].startswith("policies/karangasem.yaml:")
    # the month's 20th on a weekend names the weekend
    out = result({**TRANSFER, "submitted_at": "2026-09-07T09:00:00+08:00"})
    (moved,) = [r for r in out["reasons"] if r["code"] == "cutoff.moved"]
    assert "hari Minggu" in moved["message"]["id"] and "a Sunday" in moved["message"]["en"]
    assert "18 September 2026" in moved["message"]["en"]


def test_no_cutoff_reason_when_the_cutoff_stays_or_the_case_stops() -> None:
    out = result({**TRANSFER, "submitted_at": "2026-02-05T09:00:00+08:00"})
    assert out["deadlines"]["submit_to_bpjs_by"] == "2026-02-20T23:59:59+08:00"
    assert "cutoff.moved" not in [r["code"] for r in out["reasons"]]
    out = result({**TRANSFER, "submitted_at": "2026-03-05T09:00:00+08:00",
                  "welfare": {"desil": 7}})
    assert out["outcome"] == "ineligible"
    assert "cutoff.moved" not in [r["code"] for r in out["reasons"]]


def test_end_of_day_deadlines_are_unchanged() -> None:
    """``submit_to_bpjs_by`` and ``align: end_of_month`` stay at 23:59:59, whatever the day."""
    out = result({"regency": "malinau", "submitted_at": "2026-02-05T09:00:00+08:00",
                  "applicant": {"nik": "6502011507850002", "domicile_regency": "malinau",
                                "has_ktp": True},
                  "health": {"emergency": False, "inpatient": False},
                  "membership": {"status": "none", "segment": "none"}})
    assert out["deadlines"]["submit_to_bpjs_by"] == "2026-02-20T23:59:59+08:00"
    # 31 March 2026 is a Tuesday; the end of a month on a weekend would stay too
    assert out["deadlines"]["expected_active_by"] == "2026-03-31T23:59:59+08:00"


# --- the property: every deadline lands when someone can act on it ---------------------------

SERVICES = [(policy, service) for policy in POLICIES for version in policy.versions
            for service in version.services]


def _open_days(cal: ServiceCalendar, hours: Hours | None, moment: dt.datetime
               ) -> list[dt.date]:
    """Independently of ``ServiceCalendar``: the days whose hours, as the policy writes
    them, hold ``moment`` (closing instant included; no ``hours`` = all day on working
    days). Midnight can be both the 24:00 closing of one day and the 00:00 of the next."""
    def ranges(day: dt.date) -> list[tuple[int, int]]:
        if hours is None:
            return [(0, 24 * 60)] if cal.is_working_day(day) else []
        texts = hours.holiday if cal.is_holiday(day) else \
            getattr(hours, ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()])
        out = []
        for text in texts:
            a, b = text.split("-")
            out.append((int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])))
        return out

    minute = moment.hour * 60 + moment.minute + (moment.second + moment.microsecond / 1e6) / 60
    day = moment.date()
    found = [day] if any(a <= minute <= b for a, b in ranges(day)) else []
    previous = day - dt.timedelta(days=1)
    if minute == 0 and any(b == 24 * 60 for _, b in ranges(previous)):
        found.append(previous)
    return found


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=dt.datetime(2023, 5, 22), max_value=dt.datetime(2029, 12, 31)))
def test_response_and_activation_fall_inside_the_services_hours(moment: dt.datetime) -> None:
    """For every service of the shipped policies, the deadline falls when one of the
    service's channels is open (its channels cover for each other: an emergency taken at
    the MPP counter may be answered by the after-hours group). Exempt, as end-of-day by
    nature: ``expected_active_by`` with ``align: end_of_month`` (Malinau) and
    ``submit_to_bpjs_by`` (not checked here). The after-hours group (``online_group``,
    Karangasem 2025) serves on weekends and holidays by its own hours; every other shipped
    channel is closed on non-working days, so for them "inside the hours" is also "on a
    working day"."""
    for policy, service in SERVICES:
        cal = policy.calendar
        submitted = cal.local(moment)
        work = Work({}, False)
        channel_id, deadlines = calendar_phase(policy, service, submitted, work)
        if channel_id is None:
            continue
        for name in ("response_due", "expected_active_by"):
            if name not in deadlines:
                continue
            if name == "expected_active_by" and service.activation is not None \
                    and service.activation[0].align == "end_of_month":
                continue
            due = dt.datetime.fromisoformat(deadlines[name])
            where = f"{policy.policy.regency} {service.defined_in} {service.route} {name}"
            assert due >= submitted, where
            open_on = {c.id: days for c in service.model.channels
                       if (days := _open_days(cal, c.hours, due))}
            assert open_on, f"{where}: {due} outside the hours of every channel"
            if "online_group" not in open_on:
                assert any(cal.is_working_day(d) for days in open_on.values() for d in days), \
                    f"{where}: {due} not on a working day"


# --- seconds of the day: the calendar's comparisons against moment-by-moment ones -------

def _within_reference(cal: ServiceCalendar, hours: WeeklyHours | None,
                      moment: dt.datetime) -> bool:
    day = moment.date()
    return any(a <= moment <= b for d in (day - dt.timedelta(days=1), day)
               for a, b in cal.day_intervals(hours, d))


def _next_opening_reference(cal: ServiceCalendar, hours: WeeklyHours | None,
                            moment: dt.datetime) -> dt.datetime | None:
    day = moment.date()
    for _ in range(400):
        for a, b in cal.day_intervals(hours, day):
            if a <= moment < b:
                return moment
            if a > moment:
                return a
        day += dt.timedelta(days=1)
    return None


def _onto_day_reference(cal: ServiceCalendar, hours: WeeklyHours | None,
                        moment: dt.datetime) -> dt.datetime | None:
    if _within_reference(cal, hours, moment):
        return moment
    closings = [b for _, b in cal.day_intervals(hours, moment.date()) if b < moment]
    return closings[-1] if closings else _next_opening_reference(cal, hours, moment)


_minutes = st.sampled_from([0, 1, 59, 60, 420, 480, 719, 720, 840, 1259, 1260, 1439, 1440])
_ranges = st.lists(st.tuples(_minutes, _minutes).filter(lambda r: r[0] < r[1]), max_size=3)
weekly = st.lists(_ranges, min_size=8, max_size=8).map(
    lambda days: WeeklyHours(tuple(tuple(sorted(d)) for d in days)))
moments = st.builds(
    lambda day, second, micro: WITA.local(
        dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=second, microseconds=micro)),
    st.dates(dt.date(2025, 12, 20), dt.date(2026, 4, 10)),
    st.one_of(st.sampled_from([0, 1, 28799, 28800, 28801, 50400, 86399]),
              st.integers(0, 86399)),
    st.sampled_from([0, 0, 1, 999_999]))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), st.sampled_from([COUNTER, GROUP, WORKING_DAYS_ALL_DAY]), weekly),
       moments)
def test_seconds_of_the_day_agree_with_moments(hours: WeeklyHours | None,
                                               moment: dt.datetime) -> None:
    assert WITA.within(hours, moment) == _within_reference(WITA, hours, moment)
    assert WITA.next_opening(hours, moment) == _next_opening_reference(WITA, hours, moment)
    assert WITA.onto_day(hours, moment) == _onto_day_reference(WITA, hours, moment)
    # a moment of another zone object takes the moment-by-moment path
    other = moment.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert WITA.within(hours, other) == _within_reference(WITA, hours, other)
    assert WITA.next_opening(hours, other) == _next_opening_reference(WITA, hours, other)
