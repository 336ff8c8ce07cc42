"""The writing process of the tracking crash test (tests/test_track_crash.py):

    python -m tests.track_writer DB START COUNT

records events START..START+COUNT-1 of :func:`stream` into the store DB, one
transaction each, printing each event's key once it is committed, and rebuilds the
alerts every 7 events (as a serving monitor would store them while it runs)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Any

from jknrules.track.store import Event

CASE: dict[str, Any] = {
    "regency": "karangasem", "request": "transfer",
    "applicant": {"nik": "5107014203900001", "birth_date": "1990-03-02",
                  "domicile_regency": "karangasem", "has_ktp": True},
    "welfare": {"desil": 2}, "membership": {"status": "active", "segment": "pbpu_mandiri"},
    "payment": {"mandiri_paid_current_month": True}, "documents": ["kk", "ktp", "struk_pembayaran"],
}


def stream(n_cases: int = 40) -> list[Event]:
    """A fixed stream of events in time order: transfers received in February and March
    2026, some submitted on time, some late, some never, a few out of order."""
    import jknrules

    policies = jknrules.load_policies()
    start = datetime.fromisoformat("2026-02-02T09:00:00+08:00")
    events: list[Event] = []
    results: dict[int, dict[str, Any]] = {}
    for i in range(n_cases):
        day = (i * 7) % 40
        at = start + timedelta(days=day, minutes=i)
        if day not in results:
            case = dict(CASE, submitted_at=(start + timedelta(days=day)).isoformat())
            results[day] = jknrules.evaluate(case, policies, trace=False).to_dict()
        cid = f"T-{i:03d}"
        events.append(Event(cid, "received", at, "loket", f"{cid}/r", CASE, results[day]))
        if i % 5 == 4:
            events.append(Event(cid, "activated", at + timedelta(days=1), "x", f"{cid}/a0"))
        if i % 3 == 0:
            events.append(Event(cid, "submitted_to_bpjs", at + timedelta(days=4 + i % 20), "kasi",
                                f"{cid}/s"))
    events.sort(key=lambda e: (e.epoch, e.idempotency_key))
    return events


def main(argv: list[str]) -> int:
    from jknrules.track.monitor import rebuild
    from jknrules.track.store import Store

    db, first, count = argv[0], int(argv[1]), int(argv[2])
    events = stream()[first:first + count]
    with Store(db) as store:
        for n, e in enumerate(events, start=1):
            store.record(e)
            print(e.idempotency_key, flush=True)
            if n % 7 == 0:
                rebuild(store, e.at)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
