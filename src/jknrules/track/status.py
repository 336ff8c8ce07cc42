"""What the store says about cases, for people and for the API: one case's status
(:func:`case_status`, ``jknrules track status`` and ``GET /v1/cases/{id}``) and the
deadlines past due and still open (:func:`overdue`, the Pemantauan page).

Neither names a person: case ids, regencies, events, deadlines, alerts and times only
(the recap, :mod:`jknrules.track.recap`, is the one output with personal data).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jknrules.track.recap import CaseFile, case_files
from jknrules.track.store import CLOSES, Alert, Event, Store, track_error


def case_status(store: Store, case_id: str) -> dict[str, Any]:
    """The case's regency, policy version, outcome, deadlines (due, met, on time), events
    and alerts; ``JKN-K044`` when the store has no event of it."""
    f = case_files(store.events(case_id)).get(case_id)
    if f is None:
        raise track_error("JKN-K044", f"tidak ada peristiwa untuk berkas {case_id!r}",
                          f"no events for case {case_id!r}", where="CASE_ID")
    rec = f.received
    deadlines = {}
    for name, closers in CLOSES.items():
        due = f.deadline(name)
        if due is None:
            continue
        met = f.first(closers)
        deadlines[name] = {"due": due.isoformat(),
                           "met_at": met.at.isoformat() if met else None,
                           "on_time": (met.at <= due) if met else None}
    events = [{"event": e.event, "at": e.at.isoformat(), "actor": e.actor, "seq": e.seq}
              for e in sorted(f.events, key=lambda e: (e.at, e.seq))]
    return {
        "case_id": f.case_id,
        "regency": rec.regency if rec else None,
        "policy_version": ((rec.result or {}).get("policy") or {}).get("version") if rec else None,
        "outcome": (rec.result or {}).get("outcome") if rec else None,
        "deadlines": deadlines,
        "events": events,
        "alerts": [a.to_json() for a in store.alerts(case_id=case_id)],
    }


@dataclass(frozen=True)
class Overdue:
    """A deadline the monitor found missed that no event has met since."""

    case_id: str
    regency: str
    deadline: str
    due: datetime
    late_by: timedelta


def overdue(events: Iterable[Event], alerts: Iterable[Alert], as_of: datetime,
            regency: str | None = None) -> list[Overdue]:
    """The deadlines with a ``breached`` or ``recap_missing`` alert up to ``as_of`` and no
    event meeting them (nor a withdrawal) by then, most late first."""
    files: dict[str, CaseFile] = case_files(e for e in events if e.at <= as_of)
    out: list[Overdue] = []
    for a in alerts:
        if a.alert not in ("breached", "recap_missing") or a.due is None or a.at > as_of:
            continue
        f = files.get(a.case_id)
        if f is None or f.received is None or f.withdrawn or f.first(CLOSES[a.subject]):
            continue
        where = f.received.regency or ""
        if regency is not None and where != regency:
            continue
        out.append(Overdue(a.case_id, where, a.subject, a.due, as_of - a.due))
    return sorted(out, key=lambda o: (-o.late_by, o.case_id, o.deadline))


def late_words(late_by: timedelta, lang: str) -> str:
    """``3 hari 4 jam`` / ``3 days 4 hours`` (minutes under an hour)."""
    days, rest = late_by.days, late_by.seconds
    hours, minutes = rest // 3600, rest % 3600 // 60
    units = (("hari", "day", days), ("jam", "hour", hours)) if days or hours else \
        (("menit", "minute", minutes),)
    parts = []
    for word_id, word_en, n in units:
        if n or len(units) == 1:
            parts.append(f"{n} {word_id}" if lang == "id" else
                         f"{n} {word_en}{'' if n == 1 else 's'}")
    return " ".join(parts)
