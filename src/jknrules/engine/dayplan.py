"""A service's channels on one day, by stretches of the day: the first step of the
calendar phase (``engine/deadlines.py``) read from a table instead of computed per case.

On a given day each channel is open in intervals whose bounds are whole seconds of the
day. Between two consecutive bounds of *any* of the service's channels (a *stretch*),
:meth:`~jknrules.engine.calendar.ServiceCalendar.next_opening` gives every channel the
same answer for every moment: "open now" (the moment itself), or one fixed moment (an
opening later that day or on a later day), or none. Its loop only compares the moment's
second of the day with those bounds, so the answer of the stretch's first second is the
answer of all its seconds. Hence, per (service, day), a :class:`DayPlan`:

- the sorted bounds (a case's stretch is one ``bisect``),
- per stretch, each channel's answer, computed by ``next_opening`` itself at the
  stretch's first second, and the channel the case goes to (the first open now, else
  the one that opens soonest, the first of equals),
- per stretch where no channel is open, the calendar phase's whole answer (channel,
  deadlines, reasons proposed, trace entries): it depends on the opening only, not on
  the moment, so it is computed once, by the general code at the stretch's first
  second, and replayed (``closed``),
- the service hours' intervals that day in seconds, for the response time of a case
  submitted while a channel is open (hours and minutes of service time that end within
  the same opening interval are a plain addition; anything else goes to
  :meth:`~jknrules.engine.calendar.ServiceCalendar.add`).

The plans live in ``CService.memo`` (bounded). ``closed`` is filled on first use, one
slot per stretch: two threads reaching an empty slot both compute the same answer and
one of the two equal answers stays (a benign race, as :class:`~jknrules.engine.result.Shared`'s
text); the answers are never changed once stored. ``tests/test_dayplan.py`` checks that
the plan's answers equal the general code's, second by second.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jknrules.engine.calendar import ServiceCalendar
from jknrules.engine.ir import CService

#: a stretch's answer of one channel: the moment it opens next (``None``: not within the
#: search horizon), or :data:`OPEN` (open during the whole stretch)
OPEN: Any = object()
_DAY_SECONDS = 86400


class DayPlan:
    """The channels of one service on one day (see the module's docstring)."""

    __slots__ = ("bounds", "closed", "firsts", "hours", "openings", "response", "taken")

    def __init__(self, cal: ServiceCalendar, service: CService, day: dt.date) -> None:
        bounds = sorted({s for ch in service.channels
                         for interval in cal._day(ch.hours, day)[2] for s in interval})
        #: the bounds of every channel's intervals that day, in seconds, sorted, distinct
        self.bounds = bounds
        midnight = dt.datetime.combine(day, dt.time(), cal.zone)
        openings: list[tuple[Any, ...]] = []
        taken: list[int | None] = []
        firsts: list[dt.datetime | None] = []
        # stretch k is [bounds[k - 1], bounds[k]) (from 0, to the day's end)
        for k in range(len(bounds) + 1):
            first = bounds[k - 1] if k else 0
            if first >= _DAY_SECONDS:  # after a close at midnight: no second of the day
                openings.append(())
                taken.append(None)
                firsts.append(None)
                continue
            moment = midnight + dt.timedelta(seconds=first)
            answers = []
            best: tuple[dt.datetime, int] | None = None
            for i, ch in enumerate(service.channels):
                opening = cal.next_opening(ch.hours, moment)
                answers.append(OPEN if opening == moment else opening)
                if opening is not None and (best is None or opening < best[0]):
                    best = (opening, i)
            openings.append(tuple(answers))
            taken.append(None if best is None else best[1])
            firsts.append(moment)
        #: per stretch, each channel's answer (:data:`OPEN`, a moment or ``None``)
        self.openings = tuple(openings)
        #: per stretch, the index of the channel a case goes to (``None``: none opens)
        self.taken = tuple(taken)
        #: per stretch, its first second as a moment (``None``: no second of the day)
        self.firsts = tuple(firsts)
        #: per stretch where no channel is open, the calendar phase's answer, filled on
        #: first use (``deadlines.calendar_phase``)
        self.closed: list[Any] = [None] * (len(bounds) + 1)
        #: the service hours' intervals that day, in seconds
        self.hours = cal._day(service.service_hours, day)[2]
        #: the response time of the common shape (a service with no window, cut-off or
        #: activation, and a response in hours and minutes only) in seconds and as a
        #: ``timedelta``; ``None`` for any other shape
        self.response: tuple[int, dt.timedelta] | None = None
        if service.response is not None and service.window is None \
                and service.cutoff is None and service.activation is None:
            response = service.response[0]
            if not (response.months or response.days or response.working_days):
                self.response = (response.hours * 3600 + response.minutes * 60,
                                 dt.timedelta(hours=response.hours, minutes=response.minutes))

    def is_open(self, k: int) -> bool:
        """A channel is open during stretch ``k``."""
        index = self.taken[k]
        return index is not None and self.openings[k][index] is OPEN


def plan_of(cal: ServiceCalendar, service: CService, day: dt.date) -> DayPlan:
    """The service's :class:`DayPlan` of ``day`` (``CService.memo``, bounded)."""
    key = ("plan", day)
    found: DayPlan | None = service.memo.young.get(key) or service.memo.get(key)
    if found is None:
        found = service.memo.put(key, DayPlan(cal, service, day))
    return found


def within_interval(seconds: tuple[tuple[int, int], ...], t: int, delta: int) -> bool:
    """``t`` (a moment's whole seconds of the day) lies in one of ``seconds``' intervals
    and ``t + delta`` lies before that interval's end, whatever the moment's fraction of
    a second: service time added there is a plain addition."""
    for a, b in seconds:
        if a <= t:
            if t + delta < b:
                return True
        else:
            return False
    return False
