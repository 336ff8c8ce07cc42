"""The calendar phase of an evaluation: channel and next opening, intake window,
cut-off to BPJS, response and activation deadlines.
"""

from __future__ import annotations

import datetime as dt

from .calendar import ServiceCalendar, end_of_month, month_days, next_month
from .compiler import CompiledPolicy, CService
from .model.policy import IntakeWindow
from .work import Work, reason


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def calendar_phase(policy: CompiledPolicy, service: CService, submitted: dt.datetime,
              work: Work) -> tuple[str | None, dict[str, str]]:
    cal = policy.calendar
    deadlines: dict[str, str] = {}
    # channel: the first open now, else the one that opens soonest
    best: tuple[dt.datetime, int] | None = None
    for i, ch in enumerate(service.channels):
        opening = cal.next_opening(ch.hours, submitted)
        if work.with_trace:
            work.note("channel", f"{service.route}/channels/{ch.id}", opening == submitted, (),
                      ch.cite, opens=_iso(opening) if opening else None)
        if opening is not None and (best is None or opening < best[0]):
            best = (opening, i)
    if best is None:
        return None, deadlines
    start, index = best
    channel = service.channels[index]
    if start > submitted:
        deadlines["next_service_opening"] = _iso(start)
        at = f"{start:%Y-%m-%d %H:%M}"
        work.propose("accepted", reason(
            "channel.closed",
            f"Pelayanan sedang tutup; {channel.name} buka kembali {at}.",
            f"Service is closed now; {channel.name} ({channel.id}) opens again at {at}.",
            channel.cite,
        ))
    window_month = (start.year, start.month)
    if service.window is not None:
        window, cite = service.window
        # day-level values, computed once per (service, day): see _window_of
        key = ("window", start.date())
        plan = service.memo.get(key) or service.memo.setdefault(
            key, _window_of(cal, service, window, start.date()))
        inside, window_month, opens, closes, opens_iso, closes_iso = plan
        if opens_iso is not None:
            deadlines["intake_opens"] = opens_iso
        if closes_iso is not None:
            deadlines["intake_closes"] = closes_iso
        if work.with_trace:
            work.note("window", f"{service.route}/intake_window", inside, (), cite,
                      service_starts=_iso(start))
        if not inside:
            # the request is taken when the next window opens: service starts then
            start = opens if opens is not None else start
            when = opens.strftime("%Y-%m-%d %H:%M") if opens else "-"
            work.propose("outside_intake_window", reason(
                "intake.outside_window",
                f"Pengajuan hanya diterima tanggal {window.from_day}–{window.to_day} setiap "
                f"bulan; silakan datang kembali mulai {when}.",
                f"Requests are taken only on days {window.from_day}–{window.to_day} of each "
                f"month; come back from {when}.",
                cite,
            ))
    if service.response is not None:
        duration, cite = service.response
        deadlines["response_due"] = _iso(cal.add(start, duration))
    cutoff_day: dt.date | None = None
    if service.cutoff is not None:
        cutoff, cite = service.cutoff
        cutoff_key = ("cutoff", window_month, start.date())
        cutoff_day, submit_iso = service.memo.get(cutoff_key) or service.memo.setdefault(
            cutoff_key, _cutoff_of(cal, service, cutoff.day, window_month, start.date()))
        deadlines["submit_to_bpjs_by"] = submit_iso
        if work.with_trace:
            work.note("cutoff", f"{service.route}/cutoff", True, (), cite,
                      date=cutoff_day.isoformat())
    if service.activation is not None:
        act, cite = service.activation
        base = start if act.from_ == "service_start" or cutoff_day is None \
            else cal.end_of_day(cutoff_day)
        active = cal.add(base, act)
        if act.align == "end_of_month":
            active = cal.end_of_day(end_of_month(active.date()))
        deadlines["expected_active_by"] = _iso(active)
    return channel.id, deadlines


def _window_of(cal: ServiceCalendar, service: CService, window: IntakeWindow, day: dt.date
               ) -> tuple[bool, tuple[int, int], dt.datetime | None, dt.datetime | None,
                          str | None, str | None]:
    """The intake window for a service starting on ``day``: inside it?, the window's month,
    its opening and closing moments (and their ISO text)."""
    first, last = month_days(day.year, day.month, window.from_day, window.to_day)
    inside = first <= day <= last
    window_month = (day.year, day.month)
    if day > last:
        window_month = next_month(day.year, day.month)
        first, last = month_days(*window_month, window.from_day, window.to_day)
    hours = [c.hours for c in service.channels]
    opens = min((o for h in hours if (o := cal.first_open_between(h, first, last))),
                default=None)
    closes = max((c for h in hours if (c := cal.last_close_between(h, first, last))),
                 default=None)
    return (inside, window_month, opens, closes, _iso(opens) if opens else None,
            _iso(closes) if closes else None)


def _cutoff_of(cal: ServiceCalendar, service: CService, cutoff: int,
               window_month: tuple[int, int], day: dt.date) -> tuple[dt.date, str]:
    """The cut-off day for the month of ``window_month`` (the next one when the service has
    no window and starts after it), and the ISO text of its end."""
    year, month = window_month
    cutoff_day = cal.previous_working_day(month_days(year, month, cutoff, cutoff)[0])
    if service.window is None and day > cutoff_day:
        year, month = next_month(year, month)
        cutoff_day = cal.previous_working_day(month_days(year, month, cutoff, cutoff)[0])
    return cutoff_day, _iso(cal.end_of_day(cutoff_day))
