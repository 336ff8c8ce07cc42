"""The jknrules benchmark: every figure beside the same figure for a hand-written limit.

    .venv/bin/pip install '.[bench]' && .venv/bin/python bench/run.py [--quick]
        [--only load,latency,throughput,vectorised,cli] [--repeats 5] [--json FILE]
        [--keep DIR]

All rows decide the same seeded cases: Karangasem emergency registrations under the
2025 Standar Pelayanan (``generate.make_emergency_cases``). The **limit** row of each
part is ``reference.py``: the same decisions (outcome, target segment, route and channel,
required and missing documents, deadlines) written by hand for this one service, in plain
Python for one case, in numpy/pyarrow for a table. Before anything is timed, the
benchmark checks that the reference and jknrules give the same decision on every case it
times, and prints the count (a reference that disagrees is not a reference).

Method: within a part, the engines run **interleaved** — each repeat runs every engine
once, in an order rotated from repeat to repeat, so that a change in the machine's load
falls on all of them — and every figure is the **median of the repeats** (5 by default).
Each figure is printed with its ratio to the limit row and, where the issue sets one,
against its target (met / not met).

Parts:
  load        loading and compiling all shipped policies, fresh process (limit: reading
              the same YAML files with libyaml's CSafeLoader, nothing else)
  latency     one case at a time, p50/p99: evaluate(dict) without and with trace, with
              the full result JSON (to_json() as the CLI writes it, and compact);
              GoRules ZEN (graph parsed once, static loader) and durable-rules on the
              same cases; evaluate on the mixed three-regency set
  throughput  a loop over the cases: evaluate, ZEN's evaluate_batch
  vectorised  jknrules.batch.evaluate_table on a table in memory (one Decider, warm)
  cli         ``jknrules batch`` in a fresh process, Parquet -> Parquet (--workers 1
              and 2), JSONL -> JSONL, CSV -> CSV, at two sizes: the marginal rate (the
              difference of cases over the difference of wall time, start-up cancelled)
              and the peak RSS of the child (``wait4``'s ``ru_maxrss``: the largest
              process of the run's tree); also the marginal rate per CPU second (the
              whole tree's user + system time), steadier than wall time on a busy
              machine. The limit is ``reference.py`` reading and
              writing Parquet with the columns and types ``jknrules batch`` writes.

Only the public API (``jknrules.evaluate``, ``load_policies``, ``Result``,
``jknrules.batch.evaluate_table`` and ``Decider``) and the ``jknrules batch`` command are
used. No figure here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(SRC))

from generate import as_json_cases, make_cases, make_emergency_cases, write_table  # noqa: E402
from reference import Reference, decide_table, decision_of, holiday_dates  # noqa: E402

import jknrules  # noqa: E402

REPORT: dict[str, Any] = {}
PARTS = ("load", "latency", "throughput", "vectorised", "cli")
#: the issue's targets
TARGETS = {
    "load_ms": 100.0, "p50_us": 15.0, "trace_p50_us": 25.0, "json_p50_us": 25.0,
    "parquet_share": 0.90, "parquet_w2_rate": 1_000_000.0, "jsonl_rate": 200_000.0,
    "jsonl_peak_mib": 600.0, "csv_factor": 1.5,
}
SEED_SINGLE, SEED_TABLE, SEED_FILES = 11, 5, 7
#: the shipped policies (the repository's copy)
POLICIES = HERE.parent / "policies"


def say(text: str = "") -> None:
    print(text, flush=True)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def machine() -> None:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    info = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "os": platform.platform(), "jknrules": jknrules.__version__,
            "load_average_start": os.getloadavg(),
            **{name: _version(name) for name in ("pyarrow", "numpy", "holidays", "zen-engine",
                                                  "durable-rules")}}
    REPORT["machine"] = info
    say(f"{info['date']}; {cpu}, {os.cpu_count()} cores{mem}; Python {info['python']}; "
        f"{info['os']}")
    say(f"versions: jknrules {info['jknrules']}, pyarrow {info['pyarrow']}, numpy "
        f"{info['numpy']}, zen-engine {info['zen-engine']}, durable-rules "
        f"{info['durable-rules']}")
    la = os.getloadavg()
    say(f"load average at the start: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} "
        "(figures from a loaded machine are not the machine's)")


def rotated(items: Sequence[Any], repeat: int) -> list[Any]:
    """``items`` starting at a different one each repeat (round robin)."""
    k = repeat % len(items)
    return [*items[k:], *items[:k]]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# --- load ---------------------------------------------------------------------------

_LOAD_JKN = ("import time; t0 = time.perf_counter(); import jknrules; "
             "t1 = time.perf_counter(); jknrules.load_policies({folder!r}); "
             "print(t1 - t0, time.perf_counter() - t1)")
_LOAD_YAML = ("import time; t0 = time.perf_counter(); import yaml; from pathlib import Path; "
              "t1 = time.perf_counter(); [yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader) "
              "for p in sorted(Path({folder!r}).glob('*.yaml'))]; "
              "print(t1 - t0, time.perf_counter() - t1)")


def child_env() -> dict[str, str]:
    """The environment of child processes: this checkout's ``src`` first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    return env


def cold_load(repeats: int) -> None:
    folder = str(POLICIES)
    engines = {"limit: the policy files' YAML read by libyaml": _LOAD_YAML.format(folder=folder),
               "jknrules.load_policies(), all shipped policies": _LOAD_JKN.format(folder=folder)}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for r in range(repeats):
        for name in rotated(list(engines), r):
            out = subprocess.run([sys.executable, "-c", engines[name]], capture_output=True,
                                 text=True, check=True, env=child_env()).stdout.split()
            times[name].append((float(out[0]), float(out[1])))
    limit = median([t[1] for t in times[next(iter(engines))]])
    rows = {}
    say(f"\nload, fresh process (median of {repeats} interleaved repeats)")
    say(f"  {'':<50} {'import':>9} {'load':>9} {'× limit':>9}   target")
    for name, values in times.items():
        imp, load = median([t[0] for t in values]) * 1e3, median([t[1] for t in values]) * 1e3
        is_jkn = name.startswith("jknrules")
        target = (f"<= {TARGETS['load_ms']:.0f} ms "
                  f"{verdict(load <= TARGETS['load_ms'])}") if is_jkn else ""
        say(f"  {name:<50} {imp:7.0f} ms {load:6.1f} ms {load / (limit * 1e3):9.1f}   {target}")
        rows[name] = {"import_ms": imp, "load_ms": load, "x_limit": load / (limit * 1e3)}
        if is_jkn:
            rows[name]["target_ms"] = TARGETS["load_ms"]
            rows[name]["met"] = load <= TARGETS["load_ms"]
    REPORT["load"] = rows


# --- one case at a time -------------------------------------------------------------

def timed(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[int]:
    clock = time.perf_counter_ns
    out: list[int] = []
    append = out.append
    for item in items:
        start = clock()
        fn(item)
        append(clock() - start)
    return out


def percentiles(samples: list[int]) -> tuple[float, float]:
    samples = sorted(samples)
    return samples[len(samples) // 2] / 1e3, samples[int(len(samples) * 0.99)] / 1e3


def single_case_engines(policies: jknrules.PolicySet, cases: list[dict[str, Any]],
                        mixed: list[dict[str, Any]] | None
                        ) -> tuple[dict[str, tuple[Callable[[Any], Any], Sequence[Any]]],
                                   dict[str, Any]]:
    """The engines of the latency part (name -> (call, inputs)), after checking that each
    gives the reference's decision on every case."""
    from peers import decision_of as peer_decision
    from peers import flat_facts
    from peers.durable_engine import Durable
    from peers.zen_jdm import Zen

    reference = Reference()
    evaluate = jknrules.evaluate
    expected = [reference.decide(c) for c in cases]
    got = [decision_of(evaluate(c, policies, trace=False).to_dict()) for c in cases]
    agree = sum(a == b for a, b in zip(expected, got, strict=True))
    facts = [flat_facts(c) for c in cases]
    zen, durable = Zen(), Durable()
    projected = [peer_decision(e) if e is not None else None for e in expected]
    peers_agree = {p.name: sum(p.decide(f) == e for f, e in zip(facts, projected, strict=True))
                   for p in (zen, durable)}
    checks = {"cases": len(cases), "reference_agrees_with_jknrules": agree,
              "peers_agree_with_reference": peers_agree}
    say(f"  agreement: the reference and jknrules.evaluate give the same decision on "
        f"{agree:,}/{len(cases):,} cases")
    for name, same in peers_agree.items():
        say(f"  agreement: {name} and the reference: same route, verdict and required "
            f"documents on {same:,}/{len(cases):,} cases")
    if agree != len(cases):
        bad = next(i for i, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b)
        say(f"  FIRST DISAGREEMENT: {json.dumps(cases[bad])}\n    reference {expected[bad]}"
            f"\n    jknrules  {got[bad]}")
    engines: dict[str, tuple[Callable[[Any], Any], Sequence[Any]]] = {
        "limit: hand-written Python (reference.py)": (reference.decide, cases),
        "evaluate(dict, trace=False)": (lambda c: evaluate(c, policies, trace=False), cases),
        "evaluate(dict, trace=True)": (lambda c: evaluate(c, policies, trace=True), cases),
        "evaluate(dict, trace=False).to_json()":
            (lambda c: evaluate(c, policies, trace=False).to_json(), cases),
        "evaluate(dict, trace=False).to_json(indent=None)":
            (lambda c: evaluate(c, policies, trace=False).to_json(indent=None), cases),
        "GoRules ZEN, decision.evaluate (flat facts)": (zen.decide, facts),
        "durable-rules, assert + retract (flat facts)": (durable.decide, facts),
    }
    if mixed is not None:
        engines["evaluate(dict, trace=False), mixed 3-regency set"] = (
            lambda c: evaluate(c, policies, trace=False), mixed)
    return engines, checks


_LATENCY_TARGETS = {"evaluate(dict, trace=False)": "p50_us",
                    "evaluate(dict, trace=True)": "trace_p50_us",
                    "evaluate(dict, trace=False).to_json()": "json_p50_us",
                    "evaluate(dict, trace=False).to_json(indent=None)": "json_p50_us"}


def latency(policies: jknrules.PolicySet, n: int, repeats: int) -> None:
    cases = as_json_cases(make_emergency_cases(n, seed=SEED_SINGLE))
    mixed = as_json_cases(make_cases(n, seed=3))
    say(f"\none case at a time: {n:,} Karangasem 2025 emergency cases (seed {SEED_SINGLE}); "
        f"p50/p99 of each call, median of {repeats} interleaved repeats, memos warm")
    engines, checks = single_case_engines(policies, cases, mixed)
    for fn, items in engines.values():  # warm: memos, caches, the peers' first calls
        timed(fn, items)
    p50s: dict[str, list[float]] = {name: [] for name in engines}
    p99s: dict[str, list[float]] = {name: [] for name in engines}
    for r in range(repeats):
        for name in rotated(list(engines), r):
            fn, items = engines[name]
            p50, p99 = percentiles(timed(fn, items))
            p50s[name].append(p50)
            p99s[name].append(p99)
    limit = median(p50s[next(iter(engines))])
    rows: dict[str, Any] = {}
    say(f"  {'':<56} {'p50':>9} {'p99':>9} {'× limit p50':>12}   target (p50)")
    for name in engines:
        p50, p99 = median(p50s[name]), median(p99s[name])
        row: dict[str, Any] = {"p50_us": p50, "p99_us": p99, "x_limit": p50 / limit,
                               "p50_runs": p50s[name]}
        text = ""
        key = _LATENCY_TARGETS.get(name)
        if key is not None:
            row["target_us"], row["met"] = TARGETS[key], p50 <= TARGETS[key]
            text = f"<= {TARGETS[key]:.0f} µs {verdict(row['met'])}"
        elif "mixed" in name:
            text = f"(other cases; <= {TARGETS['p50_us']:.0f} µs: "
            text += f"{verdict(p50 <= TARGETS['p50_us'])})"
        say(f"  {name:<56} {p50:6.1f} µs {p99:6.1f} µs {p50 / limit:12.2f}   {text}")
        rows[name] = row
    REPORT["latency"] = {"checks": checks, "rows": rows}


# --- loops over the cases -----------------------------------------------------------

def throughput(policies: jknrules.PolicySet, n: int, repeats: int) -> None:
    from peers import flat_facts
    from peers.zen_jdm import Zen

    cases = as_json_cases(make_emergency_cases(n, seed=SEED_SINGLE))
    facts = [flat_facts(c) for c in cases]
    reference, zen = Reference(), Zen()
    evaluate = jknrules.evaluate

    def loop_reference() -> None:
        decide = reference.decide
        for case in cases:
            decide(case)

    def loop_evaluate() -> None:
        for case in cases:
            evaluate(case, policies, trace=False)

    engines: dict[str, Callable[[], object]] = {
               "limit: hand-written Python (reference.py)": loop_reference,
               "jknrules.evaluate(dict, trace=False) in a loop": loop_evaluate,
               "GoRules ZEN evaluate_batch (static loader)": lambda: zen.decide_batch(facts)}
    say(f"\na loop over {n:,} cases (the same cases), median of {repeats} interleaved repeats")
    for fn in engines.values():
        fn()
    seconds: dict[str, list[float]] = {name: [] for name in engines}
    for r in range(repeats):
        for name in rotated(list(engines), r):
            start = time.perf_counter()
            engines[name]()
            seconds[name].append(time.perf_counter() - start)
    limit = median(seconds[next(iter(engines))])
    rows = {}
    say(f"  {'':<52} {'cases/s':>11} {'µs/case':>9} {'of limit rate':>14}")
    for name, values in seconds.items():
        s = median(values)
        rows[name] = {"rate": n / s, "us_per_case": s / n * 1e6, "share_of_limit": limit / s}
        say(f"  {name:<52} {n / s:11,.0f} {s / n * 1e6:9.1f} {limit / s:13.0%}")
    REPORT["throughput"] = rows


# --- a table in memory --------------------------------------------------------------

def agreement(ours: pa.Table, theirs: pa.Table) -> int:
    """Rows on which two decision tables are equal (every column)."""
    if ours.schema == theirs.schema and ours.equals(theirs):
        return int(ours.num_rows)
    same = 0
    step = 65_536
    for first in range(0, ours.num_rows, step):
        a = ours.slice(first, step).to_pylist()
        b = theirs.slice(first, step).select(ours.column_names).to_pylist()
        same += sum(x == y for x, y in zip(a, b, strict=True))
    return same


def vectorised(policies: jknrules.PolicySet, n: int, repeats: int) -> None:
    from jknrules.batch import Decider, evaluate_table

    table = make_emergency_cases(n, seed=SEED_TABLE)
    decider = Decider(policies)
    days = holiday_dates()
    out, errors = evaluate_table(table, decider=decider)
    policy = out.column("policy")[0].as_py()
    mine = decide_table(table, out.schema, policy, days)
    same = agreement(mine, out)
    say(f"\na table in memory: {n:,} rows (seed {SEED_TABLE}), median of {repeats} interleaved "
        "repeats (one Decider, memos warm)")
    say(f"  agreement: the numpy/pyarrow reference and evaluate_table write the same row on "
        f"{same:,}/{n:,} rows ({len(errors)} error rows)")
    engines: dict[str, Callable[[], object]] = {
               "limit: hand-written numpy/pyarrow (reference.py)":
               lambda: decide_table(table, out.schema, policy, days),
               "jknrules.batch.evaluate_table": lambda: evaluate_table(table, decider=decider)}
    seconds: dict[str, list[float]] = {name: [] for name in engines}
    for r in range(repeats):
        for name in rotated(list(engines), r):
            gc.collect()
            start = time.perf_counter()
            engines[name]()
            seconds[name].append(time.perf_counter() - start)
    limit = median(seconds[next(iter(engines))])
    rows: dict[str, Any] = {}
    say(f"  {'':<52} {'cases/s':>11} {'µs/case':>9} {'of limit rate':>14}")
    for name, values in seconds.items():
        s = median(values)
        rows[name] = {"rate": n / s, "us_per_case": s / n * 1e6, "share_of_limit": limit / s}
        say(f"  {name:<52} {n / s:11,.0f} {s / n * 1e6:9.2f} {limit / s:13.0%}")
    REPORT["vectorised"] = {"rows_in_table": n, "agree": same, "rows": rows}


# --- the command line ---------------------------------------------------------------

def case_files(folder: Path, sizes: Sequence[int], part: int = 200_000) -> dict[int, Path]:
    """Parquet, JSONL and CSV files of the emergency cases at each size (the smaller a
    prefix of the larger), made ``part`` rows at a time (part ``i`` from seed
    ``SEED_FILES * 1000 + i``); reused when present."""
    out = {}
    for size in sizes:
        stem = folder / f"emergency-{size}"
        out[size] = stem
        if all(stem.with_suffix(s).exists() for s in (".parquet", ".jsonl", ".csv")):
            continue
        tables = [make_emergency_cases(min(part, size - start), SEED_FILES * 1000 + i)
                  for i, start in enumerate(range(0, size, part))]
        table = pa.concat_tables(tables)
        for suffix in (".parquet", ".jsonl", ".csv"):
            partial = stem.with_name(f"{stem.name}.partial{suffix}")
            write_table(table, partial)
            partial.rename(stem.with_suffix(suffix))
    return out


#: a small launcher: it spawns the command (stdout to /dev/null) and prints its wall time,
#: CPU time, peak RSS and exit code. The peak comes from ``wait4`` in this small process,
#: not in the benchmark: on Linux a child's ``ru_maxrss`` starts from the memory of the
#: process that forked it, which would be the benchmark's own hundreds of MiB.
_LAUNCH = """import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                  os.waitstatus_to_exitcode(status)]))
"""


def run_child(argv: list[str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak RSS (MiB) and exit code of a command (the peak is
    ``ru_maxrss`` from ``wait4``: the largest process of the command's tree)."""
    done = subprocess.run([sys.executable, "-S", "-c", _LAUNCH, *argv], capture_output=True,
                          env=child_env(), check=True)
    wall, cpu, peak_kib, code = json.loads(done.stdout)
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {code}: "
                           f"{done.stderr.decode(errors='replace')[-2000:]}")
    return wall, cpu, peak_kib / 1024, code


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 22), b""))


def cli(folder: Path, small: int, large: int, repeats: int) -> None:
    files = case_files(folder, (small, large))
    out = folder / "out"
    out.mkdir(exist_ok=True)
    jkn = [sys.executable, "-m", "jknrules", "batch", "--policies", str(POLICIES)]
    like = out / "like.parquet"
    sample = folder / "sample.parquet"
    pq.write_table(pq.read_table(files[small].with_suffix(".parquet")).slice(0, 1000), sample)
    run_child([*jkn, str(sample), "--out", str(like)])
    engines: dict[str, tuple[Callable[[int], list[str]], str]] = {
        "limit: reference.py, Parquet -> Parquet": (lambda size: [
            sys.executable, str(HERE / "reference.py"), str(files[size].with_suffix(".parquet")),
            str(out / f"ref-{size}.parquet"), "--like", str(like)], "parquet"),
        "jknrules batch Parquet -> Parquet": (lambda size: [
            *jkn, str(files[size].with_suffix(".parquet")), "--out",
            str(out / f"jkn-{size}.parquet")], "parquet"),
        "jknrules batch Parquet -> Parquet --workers 2": (lambda size: [
            *jkn, str(files[size].with_suffix(".parquet")), "--out",
            str(out / f"jkn2-{size}.parquet"), "--workers", "2"], "parquet"),
        "jknrules batch JSONL -> JSONL": (lambda size: [
            *jkn, str(files[size].with_suffix(".jsonl")), "--out",
            str(out / f"jkn-{size}.jsonl")], "jsonl"),
        "jknrules batch CSV -> CSV": (lambda size: [
            *jkn, str(files[size].with_suffix(".csv")), "--out",
            str(out / f"jkn-{size}.csv")], "csv"),
    }
    say(f"\njknrules batch, fresh process per run: {small:,} and {large:,} cases (seed "
        f"{SEED_FILES}), median of {repeats} interleaved repeats")
    runs: dict[str, dict[int, list[tuple[float, float, float, int]]]] = {
        name: {small: [], large: []} for name in engines}
    jobs = [(name, size) for name in engines for size in (small, large)]
    for r in range(repeats):
        for name, size in rotated(jobs, r):
            runs[name][size].append(run_child(engines[name][0](size)))
        if r == 0:
            check_outputs(out, files, small, large)
    limit_name = next(iter(engines))

    def marginal(name: str, field: int = 0) -> float:
        """Cases per second of wall time (``field`` 0) or of CPU time (1) between the two
        sizes, the median of the repeats."""
        per_repeat = [(large - small) / (b[field] - a[field])
                      for a, b in zip(runs[name][small], runs[name][large], strict=True)]
        return median(per_repeat)

    limit = marginal(limit_name)
    limit_peak = median([x[2] for x in runs[limit_name][large]])
    rates = {name: marginal(name) for name in engines}
    rows: dict[str, Any] = {}
    say(f"  {'':<46} {'wall small':>10} {'wall large':>10} {'marginal':>12} {'of limit':>9}"
        f" {'peak RSS':>9} {'× limit':>8} {'CPU marginal':>13}")
    for name in engines:
        walls = [median([x[0] for x in runs[name][size]]) for size in (small, large)]
        cpu = median([x[1] for x in runs[name][large]])
        peak = median([x[2] for x in runs[name][large]])
        codes = sorted({x[3] for size in (small, large) for x in runs[name][size]})
        rate = rates[name]
        cpu_rate = marginal(name, 1)
        rows[name] = {"wall_s": {str(small): walls[0], str(large): walls[1]},
                      "cpu_s_large": cpu, "marginal_rate": rate,
                      "cpu_marginal_rate": cpu_rate,
                      "share_of_limit": rate / limit, "peak_rss_mib_large": peak,
                      "peak_x_limit": peak / limit_peak, "exit_codes": codes}
        say(f"  {name:<46} {walls[0]:8.2f} s {walls[1]:8.2f} s {rate:10,.0f}/s {rate / limit:9.0%}"
            f" {peak:5,.0f} MiB {peak / limit_peak:8.2f} {cpu_rate:11,.0f}/s")
    parquet = rates["jknrules batch Parquet -> Parquet"]
    targets = [
        ("Parquet -> Parquet marginal rate >= 90% of the limit's",
         f"{parquet / limit:.0%}", parquet / limit >= TARGETS["parquet_share"]),
        ("Parquet -> Parquet --workers 2 >= 1,000,000 cases/s (idle machine)",
         f"{rates['jknrules batch Parquet -> Parquet --workers 2']:,.0f}/s",
         rates["jknrules batch Parquet -> Parquet --workers 2"] >= TARGETS["parquet_w2_rate"]),
        ("JSONL -> JSONL marginal rate >= 200,000 cases/s",
         f"{rates['jknrules batch JSONL -> JSONL']:,.0f}/s",
         rates["jknrules batch JSONL -> JSONL"] >= TARGETS["jsonl_rate"]),
        (f"JSONL -> JSONL peak RSS <= 600 MiB at {large:,} cases",
         f"{rows['jknrules batch JSONL -> JSONL']['peak_rss_mib_large']:,.0f} MiB",
         rows["jknrules batch JSONL -> JSONL"]["peak_rss_mib_large"]
         <= TARGETS["jsonl_peak_mib"]),
        ("CSV -> CSV within 1.5x of Parquet -> Parquet (marginal rate)",
         f"{parquet / rates['jknrules batch CSV -> CSV']:.2f}x",
         parquet / rates["jknrules batch CSV -> CSV"] <= TARGETS["csv_factor"]),
    ]
    if large < 1_200_000:
        say(f"  (targets are for 200,000 -> 1,200,000 cases; this run used {large:,})")
    for text, value, ok in targets:
        say(f"  target: {text:<66} {value:>12}  {verdict(ok)}")
    REPORT["cli"] = {"sizes": [small, large], "rows": rows, "checks": REPORT.get("cli_checks"),
                     "targets": [{"target": t, "value": v, "met": ok} for t, v, ok in targets]}


def check_outputs(out: Path, files: dict[int, Path], small: int, large: int) -> None:
    """After the first repeat: the reference's Parquet output against jknrules' (every row,
    every column), and the row count of every other output."""
    checks: dict[str, Any] = {}
    for size in (small, large):
        ours = pq.read_table(out / f"ref-{size}.parquet")
        theirs = pq.read_table(out / f"jkn-{size}.parquet")
        same = agreement(ours, theirs)
        checks[f"reference_agrees_{size}"] = same
        say(f"  agreement: reference.py and jknrules batch write the same row on "
            f"{same:,}/{size:,} rows ({size:,} cases, Parquet)")
        two = pq.read_table(out / f"jkn2-{size}.parquet")
        checks[f"workers2_same_{size}"] = two.equals(theirs)
        lines = {kind: count_lines(out / f"jkn-{size}.{kind}") for kind in ("jsonl", "csv")}
        checks[f"lines_{size}"] = lines
        if not two.equals(theirs) or lines["jsonl"] != size or lines["csv"] != size + 1:
            say(f"  CHECK: --workers 2 output identical: {two.equals(theirs)}; JSONL lines "
                f"{lines['jsonl']:,}, CSV lines {lines['csv']:,} (header included)")
    REPORT["cli_checks"] = checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sets and 3 repeats (a smoke run; not for figures)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats (default 5)")
    parser.add_argument("--cases", type=int, default=20_000,
                        help="cases of the latency and loop parts (default 20,000)")
    parser.add_argument("--table", type=int, default=262_144,
                        help="rows of the in-memory table (default 262,144)")
    parser.add_argument("--sizes", default="200000,1200000",
                        help="the two CLI sizes (default 200000,1200000)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the case files (kept and reused between runs)")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts (default all: {','.join(PARTS)})")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    if not parts <= set(PARTS):
        parser.error(f"--only: unknown part {sorted(parts - set(PARTS))}; parts: {PARTS}")
    repeats = args.repeats or (3 if args.quick else 5)
    n = 2_000 if args.quick else args.cases
    rows = 20_000 if args.quick else args.table
    small, large = (20_000, 120_000) if args.quick else tuple(
        int(x) for x in args.sizes.split(","))
    machine()
    REPORT["settings"] = {"repeats": repeats, "cases": n, "table": rows,
                          "sizes": [small, large], "quick": args.quick,
                          "command": " ".join(sys.argv)}
    if "load" in parts:
        cold_load(max(repeats, 5))
    policies = jknrules.load_policies(POLICIES)
    if "latency" in parts:
        latency(policies, n, repeats)
    if "throughput" in parts:
        throughput(policies, n, repeats)
    if "vectorised" in parts:
        vectorised(policies, rows, repeats)
    if "cli" in parts:
        folder = args.keep or Path(tempfile.mkdtemp(prefix="jknrules-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        cli(folder, small, large, repeats)
    la = os.getloadavg()
    REPORT["machine"]["load_average_end"] = la
    say(f"\nload average at the end: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(REPORT, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
