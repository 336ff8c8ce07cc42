"""The jknrules benchmark: one command, the same seeded cases for every measurement.

    .venv/bin/pip install '.[bench]' && .venv/bin/python bench/run.py [--quick] [--json FILE]
        [--only latency,scalar]

Prints: the machine; cold load time; single-case latency (p50/p99, with and without
trace); batch throughput (scalar loop, vectorised in memory, and the CLI Parquet ->
Parquet at 200k and 1.2M cases, whose difference gives the marginal rate); peak
memory of the CLI runs; and the Karangasem 2025 emergency decision on two peer
engines (GoRules ZEN, durable-rules) against jknrules on the same cases, as ratios.
No figure here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate import as_json_cases, make_cases  # noqa: E402

import jknrules  # noqa: E402
from jknrules.batch.cases import from_arrow  # noqa: E402
from jknrules.batch.vectorised import Decider  # noqa: E402

REPORT: dict[str, Any] = {}
#: the parts of the benchmark, in the order they run (``--only`` picks some)
PARTS = ("load", "latency", "scalar", "vectorised", "cli", "peers")


def say(text: str = "") -> None:
    print(text, flush=True)


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
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "os": platform.platform(), "jknrules": jknrules.__version__,
            "pyarrow": version("pyarrow"), "numpy": version("numpy")}
    REPORT["machine"] = info
    say(f"machine: {cpu}, {os.cpu_count()} cores{mem}; Python {info['python']}; "
        f"{info['os']}")
    say(f"versions: jknrules {info['jknrules']}, pyarrow {info['pyarrow']}, "
        f"numpy {info['numpy']}")


def cold_load(runs: int) -> None:
    code = ("import time; t0 = time.perf_counter(); import jknrules; t1 = time.perf_counter(); "
            "jknrules.load_policies(); t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")
    imports, loads = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
        imports.append(float(out[0]))
        loads.append(float(out[1]))
    REPORT["load"] = {"import_ms": statistics.median(imports) * 1e3,
                      "load_ms": statistics.median(loads) * 1e3}
    say(f"cold start (median of {runs} fresh processes): import {REPORT['load']['import_ms']:.0f} ms,"
        f" load+compile all shipped policies {REPORT['load']['load_ms']:.0f} ms"
        "   [target load <= 150 ms]")


def _percentiles(samples: list[int]) -> tuple[float, float]:
    samples.sort()
    return samples[len(samples) // 2] / 1e3, samples[int(len(samples) * 0.99)] / 1e3


def latency(cases: list[dict[str, Any]], policies: jknrules.PolicySet) -> None:
    from jknrules.api import as_case

    objects = [as_case(c) for c in cases]
    clock = time.perf_counter_ns
    rows = {}
    for label, inputs, trace in (("dict, no trace", cases, False), ("dict, trace", cases, True),
                                 ("Case, no trace", objects, False),
                                 ("Case, trace", objects, True)):
        samples = []
        evaluate = jknrules.evaluate
        for case in inputs:
            start = clock()
            evaluate(case, policies, trace=trace)
            samples.append(clock() - start)
        p50, p99 = _percentiles(samples)
        rows[label] = {"p50_us": p50, "p99_us": p99}
        say(f"  evaluate({label:<15}) p50 {p50:7.1f} µs   p99 {p99:7.1f} µs")
    REPORT["latency"] = rows
    say("  [targets: p50 <= 25 µs without trace, <= 60 µs with trace; 'dict' includes the "
        "case's validation]")


def scalar_batch(cases: list[dict[str, Any]], policies: jknrules.PolicySet) -> None:
    start = time.perf_counter()
    for case in cases:
        jknrules.evaluate(case, policies, trace=False)
    rate = len(cases) / (time.perf_counter() - start)
    REPORT["scalar_rate"] = rate
    say(f"  scalar loop (evaluate per case, no trace):       {rate:12,.0f} cases/s")


def vectorised(table: pa.Table, policies: jknrules.PolicySet) -> None:
    decider = Decider(policies)
    rates = []
    for _ in range(2):
        start = time.perf_counter()
        step = 1 << 18
        for first in range(0, table.num_rows, step):
            decider.decide(from_arrow(table.slice(first, step), first + 1))
        rates.append(table.num_rows / (time.perf_counter() - start))
    REPORT["vectorised_rate"] = {"first_pass": rates[0], "second_pass": rates[1],
                                 "rows": table.num_rows, "groups": decider.stats}
    say(f"  vectorised in memory, {table.num_rows:,} rows, first pass: {rates[0]:12,.0f} cases/s")
    say(f"  vectorised in memory, same rows again (memos warm): {rates[1]:9,.0f} cases/s"
        f"   ({decider.stats['groups_evaluated']:,} groups checked by the scalar evaluator)")


# the peak of this process's own memory (VmHWM; ru_maxrss would include the forked
# benchmark's peak), and of any worker processes it waited for
_WRAP = ("import re, resource, sys, time; from pathlib import Path; from jknrules.cli.main import main; "
         "t = time.perf_counter(); rc = main(sys.argv[1:]); sys.stdout.flush(); "
         "hwm = int(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())[1]); "
         "print('@@', rc, time.perf_counter() - t, hwm, "
         "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def cli_run(source: Path, target: Path, *extra: str) -> tuple[float, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _WRAP, "batch", str(source), "--out",
                          str(target), *extra], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    line = [x for x in out.stdout.splitlines() if x.startswith("@@")][0].split()
    peak_mb = int(line[3]) / 1024  # workers: see --workers; with 1 there are none
    return wall, peak_mb


def cli(folder: Path, small: int, large: int, workers: str | None) -> None:
    files = {}
    for n in (small, large):
        path = folder / f"cases-{n}.parquet"
        if not path.exists():
            pq.write_table(make_cases(n, seed=7), path)
        files[n] = path
    extra = ("--workers", workers) if workers else ()
    result = {}
    for n, path in files.items():
        wall, peak = cli_run(path, folder / f"out-{n}.parquet", *extra)
        result[n] = {"seconds": wall, "peak_rss_mb": peak}
        say(f"  CLI batch Parquet -> Parquet, {n:>9,} cases: {wall:6.2f} s wall "
            f"(start-up included), peak RSS {peak:,.0f} MiB")
    marginal = (large - small) / (result[large]["seconds"] - result[small]["seconds"])
    REPORT["cli"] = {"runs": result, "marginal_rate": marginal,
                     "workers": workers or "default"}
    say(f"  CLI marginal rate ({small:,} -> {large:,} cases): {marginal:12,.0f} cases/s"
        "   [target >= 1,000,000 cases/s]")


def peers(n: int, policies: jknrules.PolicySet) -> None:
    from peers import flat_facts, jknrules_decision
    from peers.durable_engine import Durable
    from peers.zen_jdm import Zen

    table = make_cases(n, seed=11, only="karangasem-2026-emergency")
    cases = as_json_cases(table)
    facts = [flat_facts(c) for c in cases]
    timings: dict[str, float] = {}
    start = time.perf_counter()
    reference = [jknrules_decision(jknrules.evaluate(c, policies, trace=False).to_dict())
                 for c in cases]
    timings["jknrules evaluate (per case)"] = time.perf_counter() - start
    decider = Decider(policies)
    decider.decide(from_arrow(table, 1))
    start = time.perf_counter()
    decider.decide(from_arrow(table, 1))
    timings["jknrules vectorised (table, warm)"] = time.perf_counter() - start
    engines: list[Any] = [Zen(), Durable()]
    agreement = {}
    for engine in engines:
        start = time.perf_counter()
        got = [engine.decide(f) for f in facts]
        timings[f"{engine.name} (per case)"] = time.perf_counter() - start
        agreement[engine.name] = sum(a == b for a, b in zip(got, reference, strict=True))
        if hasattr(engine, "decide_batch"):
            start = time.perf_counter()
            batch = engine.decide_batch(facts)
            timings[f"{engine.name} (evaluate_batch)"] = time.perf_counter() - start
            assert batch == got
    base = timings["jknrules evaluate (per case)"]
    REPORT["peers"] = {"cases": n, "seconds": timings, "agree": agreement}
    say(f"  {n:,} Karangasem 2025 emergency cases (routing, refusals, required documents):")
    for name, seconds in timings.items():
        say(f"    {name:<40} {seconds / n * 1e6:9.1f} µs/case   "
            f"x{seconds / base:6.2f} of jknrules evaluate")
    for name, same in agreement.items():
        say(f"    {name}: same decision as jknrules on {same:,}/{n:,} cases")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sets (a smoke run)")
    parser.add_argument("--cases", type=int, default=100_000, help="latency set size")
    parser.add_argument("--workers", default=None, help="CLI --workers (default: its own)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", type=Path, default=None, help="folder for the case files")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run (default all: {','.join(PARTS)})")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    if not parts <= set(PARTS):
        parser.error(f"--only: unknown part {sorted(parts - set(PARTS))}; parts: {PARTS}")
    n = 5_000 if args.quick else args.cases
    small, large = (20_000, 120_000) if args.quick else (200_000, 1_200_000)
    machine()
    if "load" in parts:
        cold_load(3 if args.quick else 7)
    policies = jknrules.load_policies()
    if parts & {"latency", "scalar"}:
        table = make_cases(n, seed=3)
        cases = as_json_cases(table)
    if "latency" in parts:
        say(f"\nsingle case, {n:,} mixed cases from the three regencies (seed 3):")
        latency(cases, policies)
    if parts & {"scalar", "vectorised", "cli"}:
        say("\nbatch throughput:")
    if "scalar" in parts:
        scalar_batch(cases, policies)
    if "vectorised" in parts:
        vectorised(make_cases(large, seed=5), policies)
    if "cli" in parts:
        folder = args.keep or Path(tempfile.mkdtemp(prefix="jknrules-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        cli(folder, small, large, args.workers)
    if "peers" in parts:
        say("\npeer engines, same decisions on the same cases:")
        peers(2_000 if args.quick else 20_000, policies)
    import resource

    say(f"\npeak RSS of this benchmark process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(REPORT, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
