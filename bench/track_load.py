"""Load run of the tracking monitor: N applications (100k by default) with their events
through one :class:`jknrules.track.monitor.Monitor` on durable-rules, in time order.

    .venv/bin/pip install -e '.[track]' && .venv/bin/python bench/track_load.py [--cases N]
        [--store FILE.db | --store postgresql://...] [--no-index]

The cases are Karangasem transfers and emergency registrations received over three
months (evaluated once per distinct day and template by jknrules, so the deadlines are
the real ones: holidays, cut-offs); each case gets a seeded mix of ``letter_signed``,
``submitted_to_bpjs``, ``activated``, ``withdrawn``, on time or late, and the clock ticks
hourly between events. Printed: the wall and CPU time and events per second, the alerts,
the peak RSS, and every 1% of the run the resident memory, the facts in the
durable-rules session and the deadlines followed (the engine keeps its facts in C
memory, outside Python's heap: RSS is what shows it), and the same figures for the
**reference** of the same run: a plain-Python pass over the same events keeping each
open deadline in a dict and a heap (what the rules do, hand-written) — the ratio of the
two is the cost of durable-rules. The reference's alerts are compared with the
monitor's before any figure is printed. ``--no-index``: the monitor's slow form (every
deadline a fact, every open deadline rung at every tick). ``--store``: also record every
event in that store (one transaction each, as ``track record`` does), then rebuild the
alerts from it as ``track alerts`` does (read the events, run a monitor, store the
alerts in one transaction), timed.

No figure here is asserted by the test suite (docs/performance.md, "Tracking monitor").
"""

from __future__ import annotations

import argparse
import gc
import heapq
import os
import random
import resource
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jknrules
from jknrules.track.monitor import DEFAULT_LEAD, NEEDS_COMPLETE, REQUIRES, Monitor, rebuild
from jknrules.track.store import CLOSES, Event, Store

TEMPLATES: dict[str, dict[str, Any]] = {
    "transfer": {"regency": "karangasem", "request": "transfer",
                 "applicant": {"nik": "5107014203900001", "birth_date": "1990-03-02",
                               "domicile_regency": "karangasem", "has_ktp": True},
                 "welfare": {"desil": 2},
                 "membership": {"status": "active", "segment": "pbpu_mandiri"},
                 "payment": {"mandiri_paid_current_month": True},
                 "documents": ["kk", "ktp", "struk_pembayaran"]},
    "emergency": {"regency": "karangasem", "request": "register",
                  "applicant": {"nik": "5107014203900001", "birth_date": "1990-03-02",
                                "domicile_regency": "karangasem", "has_ktp": True},
                  "welfare": {"desil": 7}, "health": {"emergency": True, "inpatient": True},
                  "household": {"has_ppu_member": False},
                  "membership": {"status": "none", "segment": "none"},
                  "documents": ["kk", "ktp", "surat_keterangan_emergency"]},
}


@dataclass(frozen=True)
class Sample:
    applications: int
    rss_mib: float
    facts: int
    open_deadlines: int


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def make_events(n: int, seed: int = 7) -> list[Event]:
    policies = jknrules.load_policies()
    rnd = random.Random(seed)
    start = datetime.fromisoformat("2026-02-02T08:00:00+08:00")
    results: dict[tuple[str, int], dict[str, Any]] = {}
    events: list[Event] = []
    for i in range(n):
        kind = "transfer" if i % 3 else "emergency"
        day = rnd.randrange(0, 88)
        at = start + timedelta(days=day, minutes=rnd.randrange(0, 8 * 60))
        key = (kind, day)
        if key not in results:
            case = dict(TEMPLATES[kind], submitted_at=(start + timedelta(days=day)).isoformat())
            results[key] = jknrules.evaluate(case, policies, trace=False).to_dict()
        result = results[key]
        cid = f"C{i:06d}"
        events.append(Event(cid, "received", at, "loket", f"{cid}/0", TEMPLATES[kind], result))
        dl = {k: datetime.fromisoformat(v) for k, v in result["deadlines"].items()}
        late = rnd.random() < 0.15
        if rnd.random() < 0.03:
            events.append(Event(cid, "withdrawn", at + timedelta(hours=2), "loket", f"{cid}/w"))
            continue
        if "response_due" in dl:
            t = dl["response_due"] + (timedelta(minutes=5) if late else -timedelta(minutes=5))
            events.append(Event(cid, "letter_signed", max(t, at + timedelta(minutes=1)), "kabid",
                                f"{cid}/l"))
        if "submit_to_bpjs_by" in dl and result["outcome"] == "accepted":
            t = dl["submit_to_bpjs_by"] + (timedelta(days=2) if late else -timedelta(days=1))
            events.append(Event(cid, "submitted_to_bpjs", max(t, at + timedelta(minutes=2)),
                                "kasi", f"{cid}/s"))
            if rnd.random() < 0.9:
                events.append(Event(cid, "activated", max(t, at) + timedelta(days=20), "bpjs",
                                    f"{cid}/a"))
    events.sort(key=lambda e: (e.epoch, e.idempotency_key))
    return events


def run_monitor(events: list[Event], end: datetime,
                index: bool = True) -> tuple[set[tuple[str, str, str]], list[Sample]]:
    """The monitor's run; every 1% of the events: the applications received so far, the
    RSS, the facts in the durable-rules session and the deadlines followed."""
    samples: list[Sample] = []
    step = max(1, len(events) // 100)
    alerts: set[tuple[str, str, str]] = set()
    received = 0
    with Monitor(index=index) as mon:
        now = events[0].at
        for i, e in enumerate(events):
            while now + timedelta(hours=1) < e.at:
                now += timedelta(hours=1)
                alerts.update((a.case_id, a.alert, a.subject) for a in mon.tick(now))
            alerts.update((a.case_id, a.alert, a.subject) for a in mon.feed(e))
            received += e.event == "received"
            if i % step == 0:
                samples.append(Sample(received, rss_mib(), mon.fact_count(), mon.open_deadlines()))
        alerts.update((a.case_id, a.alert, a.subject) for a in mon.tick(end))
        samples.append(Sample(received, rss_mib(), mon.fact_count(), mon.open_deadlines()))
    return alerts, samples


def run_reference(events: list[Event], end: datetime) -> set[tuple[str, str, str]]:
    """The same rules by hand: open deadlines in a dict, their warning and due times in
    two heaps, the events seen per case in a set."""
    alerts: set[tuple[str, str, str]] = set()
    lead = DEFAULT_LEAD
    open_: dict[tuple[str, str], tuple[int, int, str]] = {}
    warned: set[tuple[str, str]] = set()
    warn_heap: list[tuple[int, str, str]] = []
    due_heap: list[tuple[int, str, str]] = []
    seen: dict[str, set[str]] = {}
    pending: dict[str, dict[str, int]] = {}

    def advance(t: int) -> None:
        while warn_heap and warn_heap[0][0] <= t:
            _, c, n = heapq.heappop(warn_heap)
            if (c, n) in open_ and (c, n) not in warned:
                warned.add((c, n))
                alerts.add((c, "due_soon", n))
                heapq.heappush(due_heap, (open_[(c, n)][1], c, n))
        while due_heap and due_heap[0][0] < t:
            _, c, n = heapq.heappop(due_heap)
            if (c, n) in open_:
                alerts.add((c, open_.pop((c, n))[2], n))

    def open_deadline(c: str, n: str, due: int, kind: str) -> None:
        w = due - int(lead[n].total_seconds())
        open_[(c, n)] = (w, due, kind)
        heapq.heappush(warn_heap, (w, c, n))

    for e in events:
        advance(e.epoch)
        c = e.case_id
        s = seen.setdefault(c, set())
        need = REQUIRES.get(e.event)
        if (need and need not in s) or ("withdrawn" in s and e.event != "withdrawn"):
            alerts.add((c, "out_of_order", e.event))
        for n, closers in CLOSES.items():
            if e.event in closers or e.event == "withdrawn":
                open_.pop((c, n), None)
        if e.event == "received" and e.result is not None:
            dl = {k: int(datetime.fromisoformat(v).timestamp())
                  for k, v in e.result["deadlines"].items()}
            transfer = (e.case or {}).get("request") == "transfer" and \
                "intake_opens" in dl and dl["intake_opens"] <= e.epoch <= dl["intake_closes"]
            if "response_due" in dl:
                open_deadline(c, "response_due", dl["response_due"], "breached")
            for n in NEEDS_COMPLETE:
                if n in dl and e.result["outcome"] == "accepted":
                    open_deadline(c, n, dl[n], "recap_missing"
                                  if transfer and n == "submit_to_bpjs_by" else "breached")
                elif n in dl and e.result["outcome"] == "incomplete":
                    pending.setdefault(c, {})[n] = dl[n]
        s.add(e.event)
    advance(int(end.timestamp()))
    return alerts


def run_store(url: str, events: list[Event], end: datetime, expected: int) -> None:
    with Store(url) as store:
        t0 = time.perf_counter()
        for e in events:
            store.record(e)
        t_rec = time.perf_counter() - t0
        print(f"store {url}: recorded {len(events)} events in {t_rec:.1f} s "
              f"({len(events) / t_rec:.0f} events/s, one transaction each)")
        t0 = time.perf_counter()
        new = rebuild(store, end)
        t_reb = time.perf_counter() - t0
        assert len(new) == expected, (len(new), expected)
        print(f"rebuild from the store (read, monitor, store {len(new)} alerts): {t_reb:.1f} s; "
              f"again (nothing new): ", end="", flush=True)
        t0 = time.perf_counter()
        assert rebuild(store, end) == []
        print(f"{time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        for i in range(0, 100_000, 1000):
            store.alerts(case_id=f"C{i:06d}")
        print(f"a case's alerts (track status), 100 cases: {time.perf_counter() - t0:.3f} s")
    if "://" not in url:
        size = sum(os.path.getsize(url + x) for x in ("", "-wal") if os.path.exists(url + x))
        print(f"database size {size / 2**20:.0f} MiB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--store", default=None, metavar="URL",
                    help="also record the events in this store and rebuild the alerts from it")
    ap.add_argument("--no-index", action="store_true",
                    help="the monitor's slow form (every open deadline rung at every tick)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    events = make_events(args.cases)
    end = datetime.fromisoformat("2026-07-01T00:00:00+08:00")
    print(f"{args.cases} applications, {len(events)} events, made in "
          f"{time.perf_counter() - t0:.1f} s; RSS {rss_mib():.0f} MiB before the runs; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    gc.collect()
    t0 = time.perf_counter()
    ref = run_reference(events, end)
    t_ref = time.perf_counter() - t0
    base = rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    got, samples = run_monitor(events, end, index=not args.no_index)
    t_mon, c_mon = time.perf_counter() - t0, time.process_time() - c0
    if got != ref:
        print(f"DISAGREE: monitor {len(got)} alerts, reference {len(ref)}; "
              f"only monitor {sorted(got - ref)[:5]}, only reference {sorted(ref - got)[:5]}")
        return 1
    print(f"agreement: the monitor and the reference raise the same {len(got)} alerts")
    print(f"reference (plain Python): {t_ref:8.2f} s  {len(events) / t_ref:10.0f} events/s")
    print(f"monitor (durable-rules):  {t_mon:8.2f} s  {len(events) / t_mon:10.0f} events/s"
          f"  ratio {t_mon / t_ref:.0f}x  (CPU {c_mon:.2f} s, "
          f"{1e6 * c_mon / len(events):.0f} µs CPU per event)")
    print(f"over the monitor's run (sampled every 1% of the events, shown every 10%; "
          f"RSS before: {base:.0f} MiB):")
    print("  applications received  RSS MiB  facts in session  deadlines followed")
    for sm in samples[::10] + samples[-1:]:
        print(f"  {sm.applications:21d}  {sm.rss_mib:7.0f}  {sm.facts:16d}  {sm.open_deadlines:18d}")
    print(f"  most facts in the session in any sample: {max(sm.facts for sm in samples)}; "
          f"most deadlines followed: {max(sm.open_deadlines for sm in samples)}")
    if args.store:
        del samples
        gc.collect()
        run_store(args.store, events, end, len(got))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB; after the monitor was closed {rss_mib():.0f} MiB; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
