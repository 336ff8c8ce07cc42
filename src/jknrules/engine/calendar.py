"""The service calendar: time zones, working days, service hours, windows and durations.

Working days are Monday–Friday minus Indonesian national holidays and cuti
bersama (the ``holidays`` package, country ``ID``, categories public and
government) minus the policy's extra closed days. Service hours are per
channel and weekday, with separate hours for holidays; a channel whose source
states no hours is open all day on working days (:data:`WORKING_DAYS_ALL_DAY`).
``None`` hours mean all day, every day: plain calendar arithmetic.

Durations run in service time (:meth:`ServiceCalendar.add`): calendar months and
days move forward to the next opening when they land outside the hours, working
days are placed on the hours of the day they reach, hours and minutes count only
while the channel is open.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from jknrules.engine.memo import (
    CALENDAR_LIMIT,
    WORKING_BEFORE_LIMIT,
    YEARS_LIMIT,
    Memo,
)
from jknrules.language.policy import Duration, Hours
from jknrules.language.text import Bilingual

_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far ahead we look for the next opening before giving up.
SEARCH_DAYS = 400
_OFFICE_CLOSED = Bilingual("hari tutup kantor", "an office closure day")
_ONE_DAY = dt.timedelta(days=1)
#: a day's opening intervals: (opens, closes) moments, in order
_Intervals = tuple[tuple[dt.datetime, dt.datetime], ...]
#: the same intervals in seconds after the day's midnight (wall clock)
_Seconds = tuple[tuple[int, int], ...]
_ALL_DAY_SECONDS: _Seconds = ((0, 86400),)


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening intervals in minutes after midnight: index 0–6 = Mon–Sun, 7 = holiday."""

    days: tuple[tuple[tuple[int, int], ...], ...]
    #: the same intervals in seconds after midnight (what the calendar compares a moment's
    #: time of day with)
    seconds: tuple[tuple[tuple[int, int], ...], ...] = field(
        init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", tuple(
            tuple((a * 60, b * 60) for a, b in day) for day in self.days))

    @classmethod
    def from_model(cls, hours: Hours) -> WeeklyHours:
        def parse(ranges: list[str]) -> tuple[tuple[int, int], ...]:
            out = []
            for text in ranges:
                a, b = text.split("-")
                out.append((_minutes(a), _minutes(b)))
            return tuple(sorted(out))

        days = [parse(getattr(hours, key)) for key in _DAY_KEYS]
        days.append(parse(hours.holiday))
        return cls(tuple(days))

    @classmethod
    def union(cls, hours: list[WeeklyHours]) -> WeeklyHours:
        """The hours at which at least one of ``hours`` is open (a service's channels
        covering for each other), overlapping or touching intervals merged."""
        if len(hours) == 1:
            return hours[0]
        days = []
        for index in range(8):
            merged: list[tuple[int, int]] = []
            for a, b in sorted(i for h in hours for i in h.days[index]):
                if merged and a <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], b))
                else:
                    merged.append((a, b))
            days.append(tuple(merged))
        return cls(tuple(days))


#: The hours of a channel whose source states none (Karangasem's 2023 SOP): open all day
#: on the office's working days, closed on weekends, holidays, cuti bersama and closed days.
_ALL_DAY: tuple[tuple[int, int], ...] = ((0, 24 * 60),)
WORKING_DAYS_ALL_DAY = WeeklyHours((_ALL_DAY,) * 5 + ((),) * 3)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


class ServiceCalendar:
    """A regency's calendar. Holiday lists (per year), opening intervals (per hours and
    day), date shifts and previous working days are memoised inside this object in
    bounded tables that drop what was not used lately (:class:`~jknrules.engine.memo.Memo`:
    safe to share between threads, never more than their limit, whatever the days)."""

    def __init__(self, zone: str, extra_closed: Iterable[dt.date] = ()) -> None:
        self.zone = ZoneInfo(zone)
        self.extra_closed = frozenset(extra_closed)
        self._years: Memo[int, dict[dt.date, str]] = Memo(YEARS_LIMIT)
        self._years_en: Memo[int, dict[dt.date, str]] = Memo(YEARS_LIMIT)
        # opening intervals per (hours, day), keyed by the hours' id (hashing the hours
        # would cost more than the lookup saves); the value holds the hours object, so
        # its id cannot be reused by another while the entry lives
        self._days: Memo[tuple[int, dt.date],
                         tuple[WeeklyHours | None, _Intervals, _Seconds]] = Memo(CALENDAR_LIMIT)
        self._shifts: Memo[tuple[dt.date, int, int, int], dt.date] = Memo(CALENDAR_LIMIT)
        self._working_before: Memo[dt.date, dt.date] = Memo(WORKING_BEFORE_LIMIT)

    def memos(self) -> dict[str, Memo[Any, Any]]:
        """The memos by name (for tests and measurements)."""
        return {"years": self._years, "years_en": self._years_en, "days": self._days,
                "shifts": self._shifts, "working_before": self._working_before}

    # --- days -------------------------------------------------------------
    def holidays_of(self, year: int, language: str = "id") -> dict[dt.date, str]:
        """The national holidays and cuti bersama of ``year``, named in ``language``
        (``id`` or ``en_US``)."""
        memo = self._years if language == "id" else self._years_en
        found = memo.get(year)
        if found is None:
            # imported on first use: loading policies needs no holiday, and the package
            # (with the metadata lookup of its own version) is a tenth of ``import jknrules``
            import holidays

            table = holidays.country_holidays(
                "ID", years=year, categories=("public", "government"), language=language
            )
            found = memo.put(year, {d: str(name) for d, name in table.items()})
        return found

    def holiday_name(self, day: dt.date) -> str | None:
        if day in self.extra_closed:
            return "hari tutup kantor"
        return self.holidays_of(day.year).get(day)

    def holiday_names(self, day: dt.date) -> Bilingual | None:
        """Why ``day`` is a holiday (``None``: it is not one)."""
        if day in self.extra_closed:
            return _OFFICE_CLOSED
        name = self.holidays_of(day.year).get(day)
        if name is None:
            return None
        return Bilingual(name, self.holidays_of(day.year, "en_US").get(day, name))

    def is_holiday(self, day: dt.date) -> bool:
        """A national holiday, cuti bersama, or one of the policy's closed days."""
        return day in self.extra_closed or day in self.holidays_of(day.year)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def previous_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the closest one before it."""
        found = self._working_before.get(day)
        if found is None:
            found = day
            while not self.is_working_day(found):
                found -= dt.timedelta(days=1)
            found = self._working_before.put(day, found)
        return found

    # --- hours ------------------------------------------------------------
    def local(self, moment: dt.datetime) -> dt.datetime:
        """An aware moment in the regency's zone (a naive one is taken as local)."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone)
        return moment.astimezone(self.zone)

    def intervals(self, hours: WeeklyHours | None, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Opening intervals on ``day``; ``None`` hours = open all day every day."""
        return list(self.day_intervals(hours, day))

    def day_intervals(self, hours: WeeklyHours | None, day: dt.date) -> _Intervals:
        """:meth:`intervals` as a tuple, memoised per (hours, day)."""
        return self._day(hours, day)[1]

    def _day(self, hours: WeeklyHours | None, day: dt.date
             ) -> tuple[WeeklyHours | None, _Intervals, _Seconds]:
        """(hours, opening intervals as moments, the same in seconds of the day) of a day,
        memoised per (hours, day)."""
        key = (id(hours), day)
        found = self._days.get(key)
        if found is None:
            start = dt.datetime.combine(day, dt.time(), self.zone)
            if hours is None:
                seconds = _ALL_DAY_SECONDS
            else:
                index = 7 if self.is_holiday(day) else day.weekday()
                seconds = hours.seconds[index]
            # moments by wall-clock arithmetic (as aware datetimes of one zone compare)
            intervals: _Intervals = tuple((start + dt.timedelta(seconds=a),
                                           start + dt.timedelta(seconds=b))
                                          for a, b in seconds)
            found = self._days.put(key, (hours, intervals, seconds))
        return found

    def is_open(self, hours: WeeklyHours | None, moment: dt.datetime) -> bool:
        return any(a <= moment < b for a, b in self.intervals(hours, moment.date()))

    # The methods below compare a moment with a day's intervals in seconds of the day when
    # the moment is in the calendar's zone (``local`` gives such moments, and durations
    # keep the zone): aware datetimes of one zone compare by their wall clock, and the
    # interval bounds are whole seconds, so for the moment's whole seconds ``t`` (its
    # microseconds ``us``): ``a <= moment`` is ``a <= t``, ``moment < b`` is ``t < b``,
    # ``moment <= b`` is ``t < b or (t == b and not us)``. Other moments take the
    # ``_by_moments`` versions (``tests/test_calendar.py`` checks both agree).

    def next_opening(self, hours: WeeklyHours | None, moment: dt.datetime) -> dt.datetime | None:
        """``moment`` if open then, else the next moment the channel opens."""
        if moment.tzinfo is not self.zone:
            return self._next_opening_by_moments(hours, moment)
        day = moment.date()
        t = moment.hour * 3600 + moment.minute * 60 + moment.second
        for _ in range(SEARCH_DAYS):
            _, intervals, seconds = self._day(hours, day)
            for i, (a, b) in enumerate(seconds):
                if a <= t < b:
                    return moment
                if a > t:
                    return intervals[i][0]
            day += _ONE_DAY
            t = -1
        return None

    def _next_opening_by_moments(self, hours: WeeklyHours | None, moment: dt.datetime
                                 ) -> dt.datetime | None:
        day = moment.date()
        for _ in range(SEARCH_DAYS):
            for a, b in self.day_intervals(hours, day):
                if a <= moment < b:
                    return moment
                if a > moment:
                    return a
            day += dt.timedelta(days=1)
        return None

    def first_open_between(
        self, hours: WeeklyHours | None, first: dt.date, last: dt.date
    ) -> dt.datetime | None:
        day = first
        while day <= last:
            found = self.intervals(hours, day)
            if found:
                return found[0][0]
            day += dt.timedelta(days=1)
        return None

    def last_close_between(
        self, hours: WeeklyHours | None, first: dt.date, last: dt.date
    ) -> dt.datetime | None:
        day = last
        while day >= first:
            found = self.intervals(hours, day)
            if found:
                end = found[-1][1]
                # a day open until midnight reads better as 23:59:59 of that day
                return end - dt.timedelta(seconds=1) if end.time() == dt.time() else end
            day -= dt.timedelta(days=1)
        return None

    def end_of_day(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(23, 59, 59), self.zone)

    # --- durations in service time ---------------------------------------------
    def within(self, hours: WeeklyHours | None, moment: dt.datetime) -> bool:
        """Open at ``moment``, the closing instant included (a deadline at closing time can
        still be met). An interval of the day before may close at midnight."""
        if moment.tzinfo is not self.zone:
            return self._within_by_moments(hours, moment)
        day = moment.date()
        t = moment.hour * 3600 + moment.minute * 60 + moment.second
        exact = not moment.microsecond
        for a, b in self._day(hours, day)[2]:
            if a <= t and (t < b or (t == b and exact)):
                return True
        # the day before reaches this day only by closing at midnight, at 00:00:00 sharp
        return t == 0 and exact and any(
            b == 86400 for _, b in self._day(hours, day - _ONE_DAY)[2])

    def _within_by_moments(self, hours: WeeklyHours | None, moment: dt.datetime) -> bool:
        day = moment.date()
        return any(a <= moment <= b for d in (day - _ONE_DAY, day)
                   for a, b in self.day_intervals(hours, d))

    def forward(self, hours: WeeklyHours | None, moment: dt.datetime) -> dt.datetime | None:
        """``moment`` if within the hours, else the next opening."""
        return moment if self.within(hours, moment) else self.next_opening(hours, moment)

    def onto_day(self, hours: WeeklyHours | None, moment: dt.datetime) -> dt.datetime | None:
        """A moment reached by counting working days, placed on that day's hours: kept if
        within them; after the day's last closing, or in a gap between two periods, back to
        the closing before it; before the day's first opening, on to that opening; on a day
        the channel does not open at all, forward to its next opening."""
        if self.within(hours, moment):
            return moment
        if moment.tzinfo is not self.zone:
            closings = [b for _, b in self.day_intervals(hours, moment.date()) if b < moment]
            return closings[-1] if closings else self.next_opening(hours, moment)
        _, intervals, seconds = self._day(hours, moment.date())
        t = moment.hour * 3600 + moment.minute * 60 + moment.second
        before = t + 1 if moment.microsecond else t  # b < moment: b < t, or b == t with µs
        for i in range(len(seconds) - 1, -1, -1):
            if seconds[i][1] < before:
                return intervals[i][1]
        return self.next_opening(hours, moment)

    def add_open_time(self, hours: WeeklyHours | None, moment: dt.datetime,
                      delta: dt.timedelta) -> dt.datetime | None:
        """``delta`` of service time after ``moment``: the clock runs only while the channel
        is open. Ends at a closing instant when the time runs out exactly there."""
        if not delta:
            return moment
        remaining = delta
        day = moment.date()
        idle = 0
        while idle < SEARCH_DAYS:
            periods = [(a, b) for a, b in self.day_intervals(hours, day) if b > moment]
            idle = 0 if periods else idle + 1
            for a, b in periods:
                start = max(a, moment)
                if start + remaining <= b:
                    return start + remaining
                remaining -= b - start
                moment = b
            day += _ONE_DAY
        return None

    def add(self, moment: dt.datetime, duration: Duration, hours: WeeklyHours | None
            ) -> dt.datetime | None:
        """``moment`` + ``duration`` on a channel open ``hours`` (``None``: all day, every
        day, which is plain calendar arithmetic). In order: calendar months, then calendar
        days, each moved forward to the next opening when it lands outside the hours
        (:meth:`forward`); then working days, time of day kept and placed on the hours of
        the day reached (:meth:`onto_day`); then hours and minutes of service time
        (:meth:`add_open_time`). ``None`` when the channel does not open again within
        :data:`SEARCH_DAYS` days."""
        out: dt.datetime | None = moment
        if duration.months:
            out = self.forward(hours, _on(self.shift_date(moment.date(), duration.months, 0, 0),
                                          moment))
        if duration.days and out is not None:
            out = self.forward(hours, _on(self.shift_date(out.date(), 0, duration.days, 0), out))
        if duration.working_days and out is not None:
            out = self.onto_day(hours, _on(
                self.shift_date(out.date(), 0, 0, duration.working_days), out))
        if out is None or not (duration.hours or duration.minutes):
            return out
        return self.add_open_time(hours, out, dt.timedelta(hours=duration.hours,
                                                           minutes=duration.minutes))

    def add_calendar(self, moment: dt.datetime, duration: Duration) -> dt.datetime:
        """:meth:`add` with no hours: calendar months and days, then working days counted
        one by one (time of day kept), then wall-clock hours and minutes."""
        day = self.shift_date(moment.date(), duration.months, duration.days,
                              duration.working_days)
        out = dt.datetime.combine(day, moment.timetz()) if day != moment.date() else moment
        return out + dt.timedelta(hours=duration.hours, minutes=duration.minutes)

    def shift_date(self, day: dt.date, months: int, days: int, working_days: int) -> dt.date:
        """The date part of a duration: calendar months (clamped), days, then working days."""
        key = (day, months, days, working_days)
        found = self._shifts.get(key)
        if found is None:
            found = self._shifts.put(key, self._shift_date(day, months, days, working_days))
        return found

    def _shift_date(self, day: dt.date, months: int, days: int, working_days: int) -> dt.date:
        if months:
            index = day.month - 1 + months
            year, month = day.year + index // 12, index % 12 + 1
            day = day.replace(year=year, month=month,
                              day=min(day.day, _cal.monthrange(year, month)[1]))
        day += dt.timedelta(days=days)
        remaining = working_days
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day


def _on(day: dt.date, moment: dt.datetime) -> dt.datetime:
    """``moment``'s time of day (and zone) on ``day``."""
    return dt.datetime.combine(day, moment.timetz())


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Same day ``months`` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, _cal.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def month_days(year: int, month: int, from_day: int, to_day: int) -> tuple[dt.date, dt.date]:
    """The window's first and last date in a month (clamped to the month's length)."""
    last = _cal.monthrange(year, month)[1]
    return dt.date(year, month, min(from_day, last)), dt.date(year, month, min(to_day, last))


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def end_of_month(day: dt.date) -> dt.date:
    return day.replace(day=_cal.monthrange(day.year, day.month)[1])
