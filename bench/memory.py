"""Memory when every case carries a new date: RSS after 0, 100k, 500k, 1M and 2M cases.

    .venv/bin/python bench/memory.py [--cases 2000000] [--batch] [--json FILE]

Each case is one of a thousand generated cases (``generate.make_cases``, seed 11) with
its own submission day — one day after the previous case's, from 2024-01-01 to the
last day a case may carry (31 December 2100, ``fields.LAST_YEAR``), then from
2024-01-01 again (time of day and offset kept) — and its own NIK, KK number and birth
date. So the first 28,124 cases each bring a day no memo has seen, and every later
case a day last seen 28,124 cases before: the worst case for a memo smaller than
that. Prints, at each checkpoint, the process's resident memory (``VmRSS`` of
``/proc/self/status``, after a garbage collection), its peak (``ru_maxrss``), the
cases per second since the previous checkpoint, and the number of entries held by
the memos. ``--batch`` decides the same cases with the vectorised ``Decider`` in
chunks of 65,536 rows (one ``Decider`` for the whole run, as ``jknrules batch`` keeps
one per worker). No figure is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import re
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate import as_json_cases, make_cases  # noqa: E402

import jknrules  # noqa: E402
from jknrules.language.fields import LAST_YEAR  # noqa: E402

START = dt.date(2024, 1, 1)
#: the days a case may carry from START on
SPAN = (dt.date(LAST_YEAR, 12, 31) - START).days + 1
CHECKPOINTS = (0, 100_000, 500_000, 1_000_000, 2_000_000)


def rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024  # type: ignore[index]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cases(n: int) -> Iterator[dict[str, Any]]:
    """``n`` cases, each with the next day (from START, round the span again), and a new
    NIK, KK number and birth date."""
    templates = as_json_cases(make_cases(1000, seed=11))
    birth0 = dt.date(1940, 1, 1)
    for i in range(n):
        template = templates[i % len(templates)]
        case = dict(template)
        day = START + dt.timedelta(days=i % SPAN)
        case["submitted_at"] = day.isoformat() + str(template["submitted_at"])[10:]
        applicant = dict(template.get("applicant") or {})  # type: ignore[call-overload]
        applicant["nik"] = f"{3_200_000_000_000_000 + i:016d}"
        applicant["kk_number"] = f"{5_100_000_000_000_000 + i:016d}"
        applicant["birth_date"] = (birth0 + dt.timedelta(days=i % 30_000)).isoformat()
        case["applicant"] = applicant
        yield case


def memo_entries(policies: jknrules.PolicySet) -> dict[str, int]:
    """Entries held by the evaluator's memos (whatever their type: ``len`` of each)."""
    out = {"calendar": 0, "services": 0, "versions": 0}
    for policy in policies:
        cal = policy.calendar
        for name in ("_years", "_years_en", "_days", "_pinned", "_shifts", "_working_before"):
            out["calendar"] += len(getattr(cal, name, ()))
        for version in policy.versions:
            out["versions"] += len(version.memo)
            out["services"] += sum(len(s.memo) for s in version.services)
    return out


def run(n: int, batch: bool) -> list[dict[str, Any]]:
    policies = jknrules.load_policies()
    marks = [c for c in CHECKPOINTS if c <= n] + ([n] if n not in CHECKPOINTS else [])
    rows: list[dict[str, Any]] = []
    last = (0, time.perf_counter())

    def checkpoint(done: int) -> None:
        nonlocal last
        gc.collect()
        now = time.perf_counter()
        rate = (done - last[0]) / (now - last[1]) if done > last[0] else 0.0
        last = (done, now)
        row = {"cases": done, "rss_mib": round(rss_mib(), 1), "peak_mib": round(peak_mib(), 1),
               "cases_per_s": round(rate), **memo_entries(policies)}
        rows.append(row)
        print(f"{done:>10,} cases  RSS {row['rss_mib']:8.1f} MiB  peak {row['peak_mib']:8.1f} "
              f"MiB  {rate:9,.0f} cases/s  memo entries: calendar {row['calendar']:,}, "
              f"services {row['services']:,}, versions {row['versions']:,}", flush=True)

    checkpoint(0)
    if not batch:
        evaluate = jknrules.evaluate
        for done, case in enumerate(cases(n), 1):
            evaluate(case, policies, trace=False)
            if done in marks:
                checkpoint(done)
        return rows
    import pyarrow as pa

    from jknrules.batch.cases import from_arrow
    from jknrules.batch.schema import case_schema
    from jknrules.batch.vectorised import Decider

    decider = Decider(policies)
    step = 1 << 16
    source = cases(n)
    done = 0
    while done < n:
        size = min(step, n - done, *(m - done for m in marks if m > done))
        chunk = [next(source) for _ in range(size)]
        decider.decide(from_arrow(pa.Table.from_pylist(chunk, schema=case_schema()), done + 1))
        done += size
        if done in marks:
            checkpoint(done)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=CHECKPOINTS[-1])
    parser.add_argument("--batch", action="store_true", help="the vectorised Decider")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    print(f"{'batch' if args.batch else 'evaluate()'}: {args.cases:,} cases, each on the "
          f"next day from {START} (round {SPAN:,} days), with a new NIK, KK number and "
          f"birth date", flush=True)
    rows = run(args.cases, args.batch)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
