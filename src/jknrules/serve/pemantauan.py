"""The Pemantauan page of ``jknrules serve --track``: how the applications fare.

- ``/pemantauan`` counts per office (regency) and month of receipt — received, accepted,
  returned, on time and late for each deadline —, the deadlines missed and still open
  (case id, deadline, how late), and the alerts. No NIK, no name: case ids only.
- ``/pemantauan/rekap?regency=ID&month=YYYY-MM&format=csv|xlsx`` the monthly recap to
  BPJS, the one download with personal data (as ``jknrules track recap``). When the
  server has API keys it needs an officer signed in (:mod:`jknrules.serve.signin`) or a
  key (``Authorization: Bearer KEY``); each download is logged (regency, month, rows,
  the key's name — never the data or the key).

Everything is read in the monitor's thread (:class:`~jknrules.serve.tracking.Tracker`),
which owns the store's connection. Bahasa Indonesia first, ``?lang=en`` for English;
without ``--track`` the page says how to turn tracking on (503).
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from jknrules.audit.wording import ZONES
from jknrules.errors import Diagnostic, JknrulesError, diag
from jknrules.language.vocab import DEADLINE_LABELS
from jknrules.serve.pages import _page, _problem
from jknrules.serve.security import key_name, require_key
from jknrules.serve.tracker import Tracker
from jknrules.serve.tracking import tracker_of
from jknrules.serve.views import when_in_words
from jknrules.serve.words import Say
from jknrules.track.recap import ReportRow, parse_month, recap_rows, report, write_recap
from jknrules.track.status import Overdue, late_words, overdue
from jknrules.track.store import ALERT_WORDS, CLOSES, Alert

router = APIRouter(include_in_schema=False)
log = logging.getLogger("jknrules.serve")

#: the alerts listed on the page (the newest; the API gives them all)
SHOWN_ALERTS = 200

_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Overview:
    """What the page shows, read in one job of the monitor thread."""

    as_of: datetime
    rows: list[ReportRow]
    late: list[Overdue]
    alerts: list[Alert]
    #: case id -> regency, for the alerts' local times
    regency_of: dict[str, str]
    months: list[str]


def _overview(tracker: Tracker, regency: str | None, month: tuple[int, int] | None) -> Overview:
    store = tracker.store
    now = tracker.clock()
    events = list(store.events())
    alerts = store.alerts(now, regency=regency)
    regency_of = {e.case_id: e.regency for e in events if e.regency is not None}
    months = sorted({f"{e.at.year:04d}-{e.at.month:02d}" for e in events
                     if e.event == "received"}, reverse=True)
    return Overview(now, report(events, now, regency, month), overdue(events, alerts, now, regency),
                    alerts[-SHOWN_ALERTS:][::-1], regency_of, months)


def _off(request: Request) -> HTMLResponse:
    return _problem(request, 503, "pemantauan.off", [diag(
        "JKN-S040", "pemantauan tidak aktif di server ini (jalankan dengan --track URL)",
        "tracking is off on this server (start it with --track URL)")])


def _choice(request: Request, regencies: list[str]) -> tuple[str | None, str, list[Diagnostic]]:
    """The regency and month asked for (either may be empty), and what is wrong with them."""
    q = request.query_params
    regency = q.get("regency") or None
    month = q.get("month", "")
    problems: list[Diagnostic] = []
    if regency is not None and regency not in regencies:
        problems.append(diag("JKN-K045", f"kabupaten {regency!r} tidak dikenal",
                             f"unknown regency {regency!r}", path=("query", "regency"),
                             hint_id="salah satu dari: " + ", ".join(regencies),
                             hint_en="one of: " + ", ".join(regencies)))
    if month:
        try:
            parse_month(month)
        except JknrulesError as exc:
            problems += exc.diagnostics
    return regency, month, problems


def _when(moment: datetime, zone_name: str | None, lang: str) -> str:
    if zone_name is None:
        return when_in_words(moment.astimezone(UTC).replace(tzinfo=None).isoformat(), "UTC",
                             lang)
    local = moment.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
    return when_in_words(local.isoformat(), ZONES.get(zone_name, ""), lang)


@router.get("/pemantauan", response_class=HTMLResponse)
async def pemantauan(request: Request) -> HTMLResponse:
    tracker = tracker_of(request)
    if tracker is None:
        return _off(request)
    say = Say("en" if request.query_params.get("lang") == "en" else "id")
    policies = request.app.state.served.policies
    regencies = policies.regencies()
    regency, month, problems = _choice(request, regencies)
    if problems:
        return _problem(request, 422, "errors.title", problems)
    seen = await tracker.acall(lambda: _overview(tracker, regency,
                                                  parse_month(month) if month else None))
    zones = {p.policy.regency: p.policy.time_zone for p in policies}
    names = {p.policy.regency: p.policy.name for p in policies}

    def when(moment: datetime, case_id: str | None = None, where: str | None = None) -> str:
        place = where or (seen.regency_of.get(case_id, "") if case_id else "")
        return _when(moment, zones.get(place), say.lang)

    counts: list[dict[str, Any]] = []
    for row in seen.rows:
        counts.append({"regency": row.regency, "name": names.get(row.regency, row.regency),
                       "month": row.month, "received": row.received, "accepted": row.accepted,
                       "returned": row.returned,
                       "deadlines": {n: row.deadlines[n] for n in CLOSES}})
    late = [{"case_id": o.case_id, "regency": names.get(o.regency, o.regency),
             "deadline": say.pick(DEADLINE_LABELS[o.deadline]), "due": when(o.due, where=o.regency),
             "late_by": late_words(o.late_by, say.lang)} for o in seen.late]
    alerts = [{"case_id": a.case_id, "alert": a.alert, "words": say.pick(ALERT_WORDS[a.alert]),
               "subject": say.pick(DEADLINE_LABELS[a.subject]) if a.subject in DEADLINE_LABELS
               else a.subject, "at": when(a.at, a.case_id),
               "due": when(a.due, a.case_id) if a.due else ""} for a in seen.alerts]
    return _page(request, "pemantauan.html", say=say, title=say("pemantauan.title"),
                 active="pemantauan", counts=counts, late=late, alerts=alerts,
                 deadlines=[(n, say.pick(DEADLINE_LABELS[n])) for n in CLOSES],
                 regencies=[(r, names[r]) for r in regencies], regency=regency or "",
                 recap_regency=regency or (counts[0]["regency"] if counts else ""),
                 month=month, months=seen.months,
                 as_of=_when(seen.as_of, zones.get(regency or ""), say.lang),
                 shown=SHOWN_ALERTS)


@router.get("/pemantauan/rekap", dependencies=[Depends(require_key)])
async def rekap(request: Request) -> Response:
    """The monthly recap of one regency (CSV or XLSX): personal data, for BPJS."""
    tracker = tracker_of(request)
    if tracker is None:
        return _off(request)
    regencies = request.app.state.served.policies.regencies()
    regency, month, problems = _choice(request, regencies)
    kind = request.query_params.get("format", "csv")
    if regency is None:
        problems.append(diag("JKN-K045", "pilih kabupaten", "choose a regency",
                             path=("query", "regency")))
    if not month:
        problems.append(diag("JKN-K030", "pilih bulan (YYYY-MM)", "choose a month (YYYY-MM)",
                             path=("query", "month")))
    if kind not in _MEDIA:
        problems.append(diag("JKN-K032", f"format {kind[:20]!r} tidak dikenal: csv atau xlsx",
                             f"unknown format {kind[:20]!r}: csv or xlsx",
                             path=("query", "format")))
    if problems:
        return _problem(request, 422, "errors.title", problems)
    assert regency is not None
    year, number = parse_month(month)
    rows, _ = await tracker.acall(lambda: recap_rows(tracker.store.events(), regency, year,
                                                      number))
    with tempfile.TemporaryDirectory(prefix="jknrules-rekap-") as folder:
        path = Path(folder) / f"rekap-{regency}-{month}.{kind}"
        write_recap(rows, path)
        data = path.read_bytes()
    # who took personal data out, and which (never the data itself, nor the key)
    log.info("recap downloaded: %s %s, %d rows, %s, by %s", regency, month, len(rows), kind,
             key_name(request) or "-")
    return Response(data, media_type=_MEDIA[kind], headers={
        "Content-Disposition": f'attachment; filename="{path.name}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
