"""The service calendar of one service over arrays of moments (see ``vtime``).

This mirrors ``deadlines.calendar_phase`` step by step; every date-level value (working
days, month ends) comes from the scalar ``ServiceCalendar`` once per distinct day, and
the intake window and cut-off from the functions the scalar path calls
(``engine/windows.py``), so holidays, closed days and the window arithmetic are the
scalar ones. Durations run in
the chosen channel's service time as ``ServiceCalendar.add`` does, over the channel's
opening intervals as sorted arrays (``_forward``, ``_onto_day``, ``_open_time``); a row
whose result lies past the intervals built is marked unsure and goes to the scalar path.
``tests/test_vcalendar.py`` compares the two moment by moment and
``tests/test_vectorised.py`` whole decisions, on random cases, holidays and month edges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

import numpy as np

from jknrules.batch.vtime import US_PER_DAY, date_of, day_number, per_day, to_us
from jknrules.engine.calendar import ServiceCalendar, WeeklyHours, end_of_month
from jknrules.engine.ir import CService
from jknrules.engine.windows import cutoff_plan, window_plan
from jknrules.language.policy import Duration

_NONE = np.iinfo(np.int64).max
#: days of opening hours looked at beyond the last moment (rows needing more fall back)
_AHEAD = 21
_EOD = (23 * 3600 + 59 * 60 + 59) * 1_000_000
#: per-day values kept between chunks, per (service, quantity): the oldest beyond this
#: many days are dropped before each chunk (``Intervals.trim``)
DAY_LIMIT = 1 << 12
#: days of opening intervals kept beyond twice the span a chunk asks for
_SPAN_SLACK = 732


@dataclass
class Times:
    """Per row: the chosen channel (-1: none opens), service start, and each deadline
    (``_NONE`` where the service has none), plus whether the row fell inside the window."""

    channel: np.ndarray
    start: np.ndarray
    closed: np.ndarray
    inside: np.ndarray
    deadlines: dict[str, np.ndarray]
    unsure: np.ndarray


class Intervals:
    """Opening intervals of channels as arrays, kept per run and widened on demand, and
    per-day values. Both are bounded: the per-day values by :data:`DAY_LIMIT` days between
    chunks (:meth:`trim`), the intervals by the span of days a chunk asks for."""

    def __init__(self) -> None:
        #: per-day values of each (service, quantity), kept for the run (see ``trim``)
        self.days: dict[tuple[int, str], dict[int, int]] = {}
        self._known: dict[tuple[int, int], tuple[ServiceCalendar, WeeklyHours | None, int, int,
                                                  np.ndarray, np.ndarray]] = {}

    def trim(self) -> None:
        """Drop the per-day values of the oldest days seen beyond :data:`DAY_LIMIT` of a
        (service, quantity) (values are pure functions of the day: a dropped day is
        computed again when it comes back)."""
        for values in self.days.values():
            if len(values) > DAY_LIMIT:
                for day in list(islice(values, len(values) - DAY_LIMIT)):
                    del values[day]

    def get(self, cal: ServiceCalendar, hours: WeeklyHours | None, first: int, last: int
            ) -> tuple[np.ndarray, np.ndarray]:
        key = (id(cal), id(hours))  # both pinned in the value
        known = self._known.get(key)
        if known is not None and known[2] <= first and last <= known[3]:
            return known[4], known[5]
        if known is not None:
            lo, hi = min(first, known[2]), max(last, known[3])
            # widen what is known, unless it would cover far more days than asked for: a
            # run whose days move on keeps the intervals of the days it is deciding
            if hi - lo <= 2 * (last - first) + _SPAN_SLACK:
                first, last = lo, hi
        starts, ends = _intervals(cal, hours, first, last)
        self._known[key] = (cal, hours, first, last, starts, ends)
        return starts, ends


def _intervals(cal: ServiceCalendar, hours: WeeklyHours | None, first: int, last: int
               ) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = [], []
    for number in range(first, last + 1):
        for a, b in cal.day_intervals(hours, date_of(number)):
            starts.append(to_us(a))
            ends.append(to_us(b))
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def _shift(cal: ServiceCalendar, moments: np.ndarray, months: int, days: int,
           working_days: int, memo: dict[int, int]) -> np.ndarray:
    """The date part of a duration, time of day kept: per distinct day."""
    day = np.floor_divide(moments, US_PER_DAY)
    shifted = per_day(day, lambda d: day_number(cal.shift_date(
        date_of(d), months, days, working_days)), memo)
    out: np.ndarray = moments + (shifted - day) * US_PER_DAY
    return out


def _add_calendar(cal: ServiceCalendar, moments: np.ndarray, duration: Duration,
                  memo: dict[int, int]) -> np.ndarray:
    """``ServiceCalendar.add_calendar`` of each moment (no hours: plain calendar time)."""
    extra = (duration.hours * 3600 + duration.minutes * 60) * 1_000_000
    out: np.ndarray = _shift(cal, moments, duration.months, duration.days,
                             duration.working_days, memo) + extra
    return out


def _forward(starts: np.ndarray, ends: np.ndarray, m: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """``ServiceCalendar.forward``: ``m`` if within an interval (closing included), else the
    next opening; and the rows past the intervals."""
    if not len(ends):
        return m, np.ones(len(m), dtype=bool)
    k = np.searchsorted(ends, m, side="left")
    past = k >= len(ends)
    kk = np.minimum(k, len(ends) - 1)
    out: np.ndarray = np.where(starts[kk] <= m, m, starts[kk])
    return out, past


def _onto_day(starts: np.ndarray, ends: np.ndarray, m: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """``ServiceCalendar.onto_day``: kept within an interval; else back to the last closing
    of the same day before ``m``; else forward to the next opening."""
    if not len(ends):
        return m, np.ones(len(m), dtype=bool)
    k = np.searchsorted(ends, m, side="left")
    kk = np.minimum(k, len(ends) - 1)
    inside = (k < len(ends)) & (starts[kk] <= m)
    prev = np.maximum(k - 1, 0)
    back = (k > 0) & (np.floor_divide(starts[prev], US_PER_DAY)
                      == np.floor_divide(m, US_PER_DAY))
    out: np.ndarray = np.where(inside, m, np.where(back, ends[prev], starts[kk]))
    return out, (k >= len(ends)) & ~back


def _open_time(starts: np.ndarray, ends: np.ndarray, m: np.ndarray, delta: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """``ServiceCalendar.add_open_time``: ``delta`` µs of open time after ``m``, through the
    cumulative open time before each interval."""
    if not delta:
        return m, np.zeros(len(m), dtype=bool)
    if not len(ends):
        return m, np.ones(len(m), dtype=bool)
    before = np.concatenate([[0], np.cumsum(ends - starts)])
    k = np.searchsorted(ends, m, side="right")  # the first interval still open after m
    kk = np.minimum(k, len(ends) - 1)
    used = before[k] + np.where(k < len(ends), np.maximum(m - starts[kk], 0), 0)
    target = used + delta
    j = np.searchsorted(before[1:], target, side="left")
    jj = np.minimum(j, len(ends) - 1)
    out: np.ndarray = starts[jj] + (target - before[jj])
    return out, j >= len(ends)


def _add(cal: ServiceCalendar, moments: np.ndarray, duration: Duration,
         hours: WeeklyHours | None, known: Intervals, memo: Callable[[str], dict[int, int]]
         ) -> tuple[np.ndarray, np.ndarray]:
    """``ServiceCalendar.add`` of each moment on a channel open ``hours``, and the rows it
    cannot place from the intervals built (the scalar path decides those)."""
    unsure = np.zeros(len(moments), dtype=bool)
    if not len(moments):
        return moments, unsure
    out = moments
    first = int(np.floor_divide(moments.min(), US_PER_DAY)) - 1

    def intervals(m: np.ndarray, ahead: int) -> tuple[np.ndarray, np.ndarray]:
        last = int(np.floor_divide(m.max(), US_PER_DAY)) + ahead
        return known.get(cal, hours, first, last)

    for name, months, days, working_days in (
            ("months", duration.months, 0, 0), ("days", 0, duration.days, 0),
            ("working_days", 0, 0, duration.working_days)):
        if not (months or days or working_days):
            continue
        out = _shift(cal, out, months, days, working_days, memo(name))
        starts, ends = intervals(out, _AHEAD)
        out, past = (_onto_day if working_days else _forward)(starts, ends, out)
        unsure |= past
    delta = (duration.hours * 60 + duration.minutes) * 60_000_000
    if delta:
        # open minutes in a week without holidays (None hours: the whole week)
        week = 7 * 24 * 60 if hours is None else sum(b - a for day in hours.days[:7]
                                                     for a, b in day)
        # days of intervals enough for the open time, with room for a few closed weeks
        ahead = _AHEAD + (2 * delta // 60_000_000 * 7 // week if week else 0)
        starts, ends = intervals(out, ahead)
        out, past = _open_time(starts, ends, out, delta)
        unsure |= past
    return out, unsure


def service_times(cal: ServiceCalendar, service: CService, t: np.ndarray,
                  known: Intervals | None = None) -> Times:
    known = known or Intervals()
    known.trim()

    def memo(name: str) -> dict[int, int]:
        return known.days.setdefault((id(service), name), {})

    n = len(t)
    unsure = np.zeros(n, dtype=bool)
    deadlines: dict[str, np.ndarray] = {}
    first_day = int(np.floor_divide(t.min(), US_PER_DAY)) if n else 0
    last_day = int(np.floor_divide(t.max(), US_PER_DAY)) + _AHEAD if n else 0
    openings = np.full((max(len(service.channels), 1), n), _NONE, dtype=np.int64)
    for i, ch in enumerate(service.channels):
        starts, ends = known.get(cal, ch.hours, first_day, last_day)
        k = np.searchsorted(ends, t, side="right")
        found = k < len(ends)
        unsure |= ~found
        kk = np.minimum(k, max(len(ends) - 1, 0))
        if len(ends):
            openings[i] = np.where(found, np.where(starts[kk] <= t, t, starts[kk]), _NONE)
    channel = np.argmin(openings, axis=0).astype(np.int8)
    start = openings[channel, np.arange(n)]
    none = start == _NONE
    channel[none] = -1
    start = np.where(none, t, start)
    closed = (start > t) & ~none
    deadlines["next_service_opening"] = np.where(closed, start, _NONE)
    start_day = np.floor_divide(start, US_PER_DAY)
    start0_day = start_day
    inside = np.full(n, -1, dtype=np.int8)
    window_month = per_day(start_day, lambda d: _month_index(date_of(d)), memo("month0"))
    if service.window is not None:
        window = service.window[0]
        hours = [c.hours for c in service.channels]

        def month_plan(d: int) -> tuple[int, int, int, int]:
            plan = window_plan(cal, hours, window, date_of(d))
            return (int(plan.inside), plan.month[0] * 12 + plan.month[1] - 1,
                    _NONE if plan.opens is None else to_us(plan.opens),
                    _NONE if plan.closes is None else to_us(plan.closes))

        plans: dict[int, tuple[int, int, int, int]] = {}
        for what, index in (("inside", 0), ("month", 1), ("intake_opens", 2),
                            ("intake_closes", 3)):
            def part(d: int, i: int = index) -> int:
                return plans.setdefault(d, month_plan(d))[i]

            value = per_day(start_day, part, memo(what))
            if what == "inside":
                inside = value.astype(np.int8)
            elif what == "month":
                window_month = value
            else:
                deadlines[what] = value
        opens = deadlines["intake_opens"]
        start = np.where((inside == 0) & (opens != _NONE), opens, start)
        # outside the window, the window's opening is the one "come back" date
        deadlines["next_service_opening"] = np.where(
            inside == 0, _NONE, deadlines["next_service_opening"])

    def on_channel(base: np.ndarray, duration: Duration, name: str) -> np.ndarray:
        """:func:`_add` of each row with a channel on the service's hours
        (``CService.service_hours``); rows without one keep ``base``."""
        out = base.copy()
        rows = np.nonzero(channel >= 0)[0]
        if len(rows):
            out[rows], past = _add(cal, base[rows], duration, service.service_hours, known,
                                   lambda part: memo(f"{name}.{part}"))
            unsure[rows] |= past
        return out

    if service.response is not None:
        deadlines["response_due"] = on_channel(start, service.response[0], "response")
    cutoff_us = None
    if service.cutoff is not None:
        cutoff = service.cutoff[0]
        has_window = service.window is not None

        def cutoff_of(key: int) -> int:
            month, d = divmod(key, 1 << 32)
            year, mon = divmod(month, 12)
            return day_number(cutoff_plan(cal, cutoff.day, (year, mon + 1), date_of(d),
                                          has_window).day)

        # the scalar code compares the start before any move to the next window
        keys = window_month * (1 << 32) + start0_day
        cutoff_day = _per_key(keys, cutoff_of, known.days.setdefault((id(service), "cutoff"), {}))
        cutoff_us = cutoff_day * US_PER_DAY + _EOD
        deadlines["submit_to_bpjs_by"] = cutoff_us
    if service.activation is not None:
        act = service.activation[0]
        base = start if act.from_ == "service_start" or cutoff_us is None else cutoff_us
        if act.align != "end_of_month":
            active = on_channel(base, act, "activation")
        else:  # end-of-day by nature: plain calendar arithmetic, then the month's end
            active = _add_calendar(cal, base, act, memo("activation"))
            days = np.floor_divide(active, US_PER_DAY)
            active = per_day(days, lambda d: day_number(end_of_month(date_of(d))),
                             memo("month_end")) \
                * US_PER_DAY + _EOD
        deadlines["expected_active_by"] = active
    for name in list(deadlines):
        deadlines[name] = np.where(none, _NONE, deadlines[name])
    inside[none] = -1
    return Times(channel, start, closed, inside, deadlines, unsure)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _per_key(keys: np.ndarray, fn: Callable[[int], int], memo: dict[int, int]) -> np.ndarray:
    unique, inverse = np.unique(keys, return_inverse=True)
    values = np.array([memo[k] if k in memo else memo.setdefault(k, fn(k))
                       for k in map(int, unique)], dtype=np.int64)
    return values[inverse]


NONE = _NONE
