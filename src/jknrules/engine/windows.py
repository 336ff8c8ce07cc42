"""Intake windows and the monthly cut-off to BPJS, as pure functions of a day.

Both evaluators call these: the scalar one (``engine/deadlines.py``) once per service
and day (memoised in ``CService.memo``, bounded), the vectorised one
(``batch/vcalendar.py``) once per distinct day, or (month, day) key, of a batch
(memoised for the run, at most ``vcalendar.DAY_LIMIT`` days kept between chunks). So
the arithmetic — which month's window a day falls in, when that window opens and
closes on the service's channels, which working day a cut-off moves back to — is
written once. Each function reads only its arguments and the regency's calendar
(whose memos hold pure functions of their keys).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from jknrules.engine.calendar import ServiceCalendar, WeeklyHours, month_days, next_month
from jknrules.language.policy import IntakeWindow


@dataclass(frozen=True, slots=True)
class WindowPlan:
    """The intake window for a service starting on a day: whether the day is inside it,
    the window's month (this one, or the next when the day is past this month's window)
    and the moments it opens and closes on any of the service's channels (``None`` when
    no channel opens within it)."""

    inside: bool
    month: tuple[int, int]
    opens: dt.datetime | None
    closes: dt.datetime | None


def window_plan(cal: ServiceCalendar, hours: Sequence[WeeklyHours | None],
                window: IntakeWindow, day: dt.date) -> WindowPlan:
    """The :class:`WindowPlan` of ``day`` for channels open ``hours``."""
    first, last = month_days(day.year, day.month, window.from_day, window.to_day)
    inside = first <= day <= last
    month = (day.year, day.month)
    if day > last:
        month = next_month(*month)
        first, last = month_days(*month, window.from_day, window.to_day)
    opens = min((o for h in hours if (o := cal.first_open_between(h, first, last))),
                default=None)
    closes = max((c for h in hours if (c := cal.last_close_between(h, first, last))),
                 default=None)
    return WindowPlan(inside, month, opens, closes)


@dataclass(frozen=True, slots=True)
class CutoffPlan:
    """The last day to submit to BPJS (``day``), and the policy's day of that month it
    comes from (``nominal``: later than ``day`` when it fell on a closed day)."""

    day: dt.date
    nominal: dt.date

    @property
    def moved(self) -> bool:
        return self.day != self.nominal


def cutoff_plan(cal: ServiceCalendar, cutoff: int, month: tuple[int, int], day: dt.date,
                has_window: bool) -> CutoffPlan:
    """The cut-off (the month's day ``cutoff``, moved back to a working day) for the
    window's ``month``; for a service without a window that starts on ``day`` after
    this month's cut-off, the next month's."""
    year, mon = month
    nominal = month_days(year, mon, cutoff, cutoff)[0]
    found = cal.previous_working_day(nominal)
    if not has_window and day > found:
        year, mon = next_month(year, mon)
        nominal = month_days(year, mon, cutoff, cutoff)[0]
        found = cal.previous_working_day(nominal)
    return CutoffPlan(found, nominal)
