"""The calendar phase of an evaluation: channel and next opening, intake window,
cut-off to BPJS, response and activation deadlines.

Every deadline lands when someone can act on it: ``response_due`` and
``expected_active_by`` run in the chosen channel's service time
(``ServiceCalendar.add``). Deadlines that are end-of-day by nature keep their
23:59:59: ``submit_to_bpjs_by`` and an activation with ``align: end_of_month``.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from typing import Any

from jknrules.engine.calendar import ServiceCalendar, WeeklyHours, end_of_month
from jknrules.engine.dayplan import OPEN, plan_of, within_interval
from jknrules.engine.ir import CChannel, CompiledPolicy, CService
from jknrules.engine.result import Shared
from jknrules.engine.state import Work, reason
from jknrules.engine.windows import cutoff_plan, window_plan
from jknrules.language.policy import Activation, IntakeWindow
from jknrules.language.text import Bilingual


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def calendar_phase(policy: CompiledPolicy, service: CService, submitted: dt.datetime,
                   work: Work) -> tuple[CChannel | None, dict[str, str]]:
    """The channel the case goes to and its deadlines; reasons and trace entries go to
    ``work``. The channels' answers come from the service's plan of the day
    (``engine/dayplan.py``): when no channel is open, the whole answer is the stretch's,
    computed once; when one is, the window, response and later deadlines run from the
    moment of submission."""
    cal = policy.calendar
    if submitted.tzinfo is not cal.zone:  # not from ``cal.local``: the general code
        return _general(cal, service, submitted, work)
    plan = plan_of(cal, service, submitted.date())
    t = submitted.hour * 3600 + submitted.minute * 60 + submitted.second
    k = bisect_right(plan.bounds, t)
    index = plan.taken[k]
    if index is None or plan.openings[k][index] is not OPEN:
        closed = plan.closed[k]
        if closed is None:
            closed = plan.closed[k] = _replayable(cal, service, plan.firsts[k])
        work.candidates.extend(closed[2])
        if work.with_trace:
            work.trace.extend(closed[3])
        return closed[0], closed[1]
    channel = service.channels[index]
    if work.with_trace:
        answers = plan.openings[k]
        for ch, opening in zip(service.channels, answers, strict=True):
            opens = submitted if opening is OPEN else opening
            work.note("channel", f"{service.route}/channels/{ch.id}", opening is OPEN, (),
                      ch.cite, opens=_iso(opens) if opens else None)
    deadlines: dict[str, str] = {}
    simple = plan.response
    if simple is not None and service.response is not None:
        # the common shape: a response time in hours and minutes that ends within the
        # opening interval the case was submitted in is a plain addition
        if within_interval(plan.hours, t, simple[0]):
            due: dt.datetime | None = submitted + simple[1]
        else:
            due = cal.add(submitted, service.response[0], service.service_hours)
        if due is not None:
            deadlines["response_due"] = _iso(due)
        return channel, deadlines
    _from_start(cal, service, submitted, deadlines, work)
    return channel, deadlines


def _replayable(cal: ServiceCalendar, service: CService, moment: dt.datetime | None
                ) -> tuple[CChannel | None, Shared, list[tuple[Any, Any, Shared]],
                           list[Shared]]:
    """The calendar phase's answer at ``moment`` (the first second of a stretch where no
    channel is open), with everything it proposed and noted, shared by every case of the
    stretch (never changed: a Result hands out copies)."""
    assert moment is not None  # a stretch with no second of the day is never reached
    record = Work({}, True)
    channel, deadlines = _general(cal, service, moment, record)
    return (channel, Shared(deadlines), [(o, s, Shared(r)) for o, s, r in record.candidates],
            [Shared(entry) for entry in record.trace])


def _general(cal: ServiceCalendar, service: CService, submitted: dt.datetime,
             work: Work) -> tuple[CChannel | None, dict[str, str]]:
    """The calendar phase computed step by step (what :func:`calendar_phase` replays)."""
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
        work.propose("accepted", reason("channel.closed", Bilingual(
            f"Pelayanan sedang tutup; {channel.name} buka kembali {at}.",
            f"Service is closed now; {channel.name} ({channel.id}) opens again at {at}."),
            channel.cite,
        ))
    _from_start(cal, service, start, deadlines, work)
    return channel, deadlines


def _from_start(cal: ServiceCalendar, service: CService, start: dt.datetime,
                deadlines: dict[str, str], work: Work) -> None:
    """The intake window, response, cut-off and activation of a case whose service starts
    at ``start``."""
    window_month = (start.year, start.month)
    if service.window is not None:
        window, cite = service.window
        # day-level values, computed once per (service, day): see _window_of
        key = ("window", start.date())
        plan = service.memo.get(key) or service.memo.put(
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
            # the request is taken when the next window opens: service starts then, and
            # that is the one "come back" date (not also the channel's next opening)
            start = opens if opens is not None else start
            deadlines.pop("next_service_opening", None)
            when = opens.strftime("%Y-%m-%d %H:%M") if opens else "-"
            work.propose("outside_intake_window", reason("intake.outside_window", Bilingual(
                f"Pengajuan hanya diterima tanggal {window.from_day}–{window.to_day} setiap "
                f"bulan; silakan datang kembali mulai {when}.",
                f"Requests are taken only on days {window.from_day}–{window.to_day} of each "
                f"month; come back from {when}."),
                cite,
            ))
    if service.response is not None:
        due = cal.add(start, service.response[0], service.service_hours)
        if due is not None:
            deadlines["response_due"] = _iso(due)
    cutoff_day: dt.date | None = None
    if service.cutoff is not None:
        cutoff, cite = service.cutoff
        cutoff_key = ("cutoff", window_month, start.date())
        cutoff_day, submit_iso, moved = service.memo.get(cutoff_key) or service.memo.put(
            cutoff_key, _cutoff_of(cal, service, cutoff.day, window_month, start.date()))
        deadlines["submit_to_bpjs_by"] = submit_iso
        if moved is not None:
            # informational: the evaluator keeps it only when the case proceeds
            work.propose("accepted", reason("cutoff.moved", moved, cite))
        if work.with_trace:
            work.note("cutoff", f"{service.route}/cutoff", True, (), cite,
                      date=cutoff_day.isoformat())
    if service.activation is not None:
        active = _activation(cal, service.activation[0], start, cutoff_day,
                             service.service_hours)
        if active is not None:
            deadlines["expected_active_by"] = _iso(active)


def _activation(cal: ServiceCalendar, act: Activation, start: dt.datetime,
                cutoff_day: dt.date | None, hours: WeeklyHours | None) -> dt.datetime | None:
    """``expected_active_by``: from the service start, or from the end of the cut-off day,
    in the channel's service time; with ``align: end_of_month``, the end of the month
    reached by plain calendar arithmetic (end-of-day by nature)."""
    base = start if act.from_ == "service_start" or cutoff_day is None \
        else cal.end_of_day(cutoff_day)
    if act.align == "end_of_month":
        return cal.end_of_day(end_of_month(cal.add_calendar(base, act).date()))
    return cal.add(base, act, hours)


def _window_of(cal: ServiceCalendar, service: CService, window: IntakeWindow, day: dt.date
               ) -> tuple[bool, tuple[int, int], dt.datetime | None, dt.datetime | None,
                          str | None, str | None]:
    """The intake window for a service starting on ``day`` (``windows.window_plan``): inside
    it?, the window's month, its opening and closing moments (and their ISO text)."""
    plan = window_plan(cal, [c.hours for c in service.channels], window, day)
    opens, closes = plan.opens, plan.closes
    return (plan.inside, plan.month, opens, closes, _iso(opens) if opens else None,
            _iso(closes) if closes else None)


def _cutoff_of(cal: ServiceCalendar, service: CService, cutoff: int,
               window_month: tuple[int, int], day: dt.date
               ) -> tuple[dt.date, str, Bilingual | None]:
    """The cut-off day (``windows.cutoff_plan``), the ISO text of its end, and, when the
    month's day fell on a closed day and moved back, the message saying so."""
    plan = cutoff_plan(cal, cutoff, window_month, day, service.window is not None)
    moved = _moved_text(cal, plan.nominal, plan.day) if plan.moved else None
    return plan.day, _iso(cal.end_of_day(plan.day)), moved


_DAY_NAMES = (Bilingual("Senin", "Monday"), Bilingual("Selasa", "Tuesday"),
              Bilingual("Rabu", "Wednesday"), Bilingual("Kamis", "Thursday"),
              Bilingual("Jumat", "Friday"), Bilingual("Sabtu", "Saturday"),
              Bilingual("Minggu", "Sunday"))
_MONTH_NAMES = (Bilingual("Januari", "January"), Bilingual("Februari", "February"),
                Bilingual("Maret", "March"), Bilingual.same("April"), Bilingual("Mei", "May"),
                Bilingual("Juni", "June"), Bilingual("Juli", "July"),
                Bilingual("Agustus", "August"), Bilingual.same("September"),
                Bilingual("Oktober", "October"), Bilingual.same("November"),
                Bilingual("Desember", "December"))


def _long_date(day: dt.date) -> Bilingual:
    """'Jumat, 20 Maret 2026' and 'Friday 20 March 2026'."""
    weekday, month = _DAY_NAMES[day.weekday()], _MONTH_NAMES[day.month - 1]
    return Bilingual(f"{weekday.id}, {day.day} {month.id} {day.year}",
                     f"{weekday.en} {day.day} {month.en} {day.year}")


def _moved_text(cal: ServiceCalendar, nominal: dt.date, moved_to: dt.date) -> Bilingual:
    """Why the month's cut-off moved back to ``moved_to``."""
    why: list[Bilingual] = []
    if nominal.weekday() >= 5:
        name = _DAY_NAMES[nominal.weekday()]
        why.append(Bilingual(f"hari {name.id}", f"a {name.en}"))
    names = cal.holiday_names(nominal)
    if names is not None:
        why.append(Bilingual(f"hari libur ({names.id})", f"a holiday ({names.en})"))
    was, now = _long_date(nominal), _long_date(moved_to)
    both = Bilingual(" dan ", " and ").join(why)
    return Bilingual(
        f"Batas pengajuan ke BPJS, {was.id}, jatuh pada {both.id}; batasnya "
        f"menjadi hari kerja sebelumnya, {now.id}.",
        f"The cut-off for submission to BPJS, {was.en}, falls on {both.en}; it "
        f"moves to the previous working day, {now.en}.",
    )
