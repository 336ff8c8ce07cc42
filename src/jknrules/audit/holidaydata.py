"""The holiday data behind a decision: which ``holidays`` release, which closed days.

National holidays and cuti bersama come from the ``holidays`` package, not from the
policy, so the policy fingerprint does not cover them: a new release that adds a cuti
bersama can move a deadline while every fingerprint stays the same. A decision record
therefore names the release and the national closed days between the submission and
its last deadline (:func:`record_holidays`), and a signed policy bundle names the
release and the closed days of every year its policies cover (:func:`closed_days`).
Replay compares the recorded days with today's to show why a deadline moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from importlib import metadata
from typing import Any

from jknrules.engine.calendar import ServiceCalendar

#: The zone does not matter for the holiday tables (they are per date, nationwide).
_ZONE = "Asia/Jakarta"


def holidays_version() -> str:
    """The installed ``holidays`` release."""
    try:
        return metadata.version("holidays")
    except metadata.PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        import holidays

        return str(getattr(holidays, "__version__", "?"))


def new_calendar() -> ServiceCalendar:
    """A calendar for reading the national tables (memoises them per year)."""
    return ServiceCalendar(_ZONE)


def closed_days(years: Iterable[int], calendar: ServiceCalendar | None = None
                ) -> dict[str, list[list[str]]]:
    """The national holidays and cuti bersama of each year: ``{"2026": [[date, name], …]}``."""
    cal = calendar or new_calendar()
    return {str(year): [[day.isoformat(), name] for day, name in sorted(
        cal.holidays_of(year).items())] for year in sorted(set(years))}


def between(start: dt.date, end: dt.date, calendar: ServiceCalendar | None = None
            ) -> list[list[str]]:
    """The national closed days from ``start`` to ``end`` (both included)."""
    cal = calendar or new_calendar()
    out: list[list[str]] = []
    for year in range(start.year, end.year + 1):
        out += [[d.isoformat(), name] for d, name in sorted(cal.holidays_of(year).items())
                if start <= d <= end]
    return out


def window(case: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The days a decision's deadlines ran over: from the day before the submission (its
    time zone may put it a day earlier) to the last deadline."""
    days: list[dt.date] = []
    for text in [case.get("submitted_at"), *(result.get("deadlines") or {}).values()]:
        try:
            days.append(dt.date.fromisoformat(str(text)[:10]))
        except ValueError:
            continue
    if not days:
        return None
    return min(days) - dt.timedelta(days=1), max(days)


def record_holidays(case: Mapping[str, Any], result: Mapping[str, Any],
                    calendar: ServiceCalendar | None = None) -> dict[str, Any]:
    """What a decision record says about its holiday data."""
    out: dict[str, Any] = {"package": "holidays", "version": holidays_version()}
    span = window(case, result)
    if span is not None:
        out |= {"from": span[0].isoformat(), "to": span[1].isoformat(),
                "closed": between(*span, calendar)}
    return out


def changed_days(recorded: Mapping[str, Any], calendar: ServiceCalendar | None = None
                 ) -> tuple[list[list[str]], list[list[str]]] | None:
    """The recorded closed days and today's for the same window, when they differ."""
    try:
        start = dt.date.fromisoformat(str(recorded["from"]))
        end = dt.date.fromisoformat(str(recorded["to"]))
    except (KeyError, ValueError):
        return None
    then = [list(map(str, d)) for d in recorded.get("closed") or [] if isinstance(d, list)]
    now = between(start, end, calendar)
    return None if then == now else (then, now)
