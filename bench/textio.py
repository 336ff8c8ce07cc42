"""JSON Lines and CSV batch runs against Parquet: the CLI's marginal rate between a small
and a large input of the same cases, and each run's peak RSS.

    python bench/textio.py [--small 200000] [--large 1200000] [--keep DIR] [--repeat 1]

Each format's cases are the same (``bench/generate.py``, seed 7), written as JSON Lines
(``json.dumps`` of each case), CSV (dotted columns, documents ``kk;ktp``, a desil not found
``null``) and Parquet. Every run is a fresh ``jknrules batch IN --out OUT`` process
(it reports its wall time, CPU time and VmHWM); runs of the three formats are
interleaved, and with ``--repeat N`` the median of N is kept. The marginal rate
``(large - small) / (t_large - t_small)`` leaves out start-up and the cost of the first
group representatives; it is given in wall time and in CPU time (user + system of all the
process's threads), the fairer figure on a machine shared with other work. Printed: each
run, the marginal rates, and CSV's and JSON Lines' time per case as a ratio to Parquet's
(measured in the same run).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import as_json_cases, make_cases  # noqa: E402

# the run's own peak memory (VmHWM) and its CPU seconds (user + system, all threads)
_WRAP = ("import re, resource, sys, time; from pathlib import Path; "
         "from jknrules.cli.main import main; t = time.perf_counter(); "
         "rc = main(sys.argv[1:]); sys.stdout.flush(); "
         "hwm = int(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())[1]); "
         "u = resource.getrusage(resource.RUSAGE_SELF); "
         "print('@@', rc, time.perf_counter() - t, hwm, u.ru_utime + u.ru_stime)")


def cli_run(source: Path, target: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one ``jknrules batch`` process."""
    out = subprocess.run([sys.executable, "-c", _WRAP, "batch", str(source), "--out",
                          str(target)], capture_output=True, text=True, check=False)
    line = [x for x in out.stdout.splitlines() if x.startswith("@@")]
    if not line or line[0].split()[1] not in ("0", "1"):
        raise SystemExit(f"the run failed: {out.stderr[-2000:]}")
    _, _, wall, hwm, cpu = line[0].split()
    return float(wall), float(cpu), int(hwm) / 1024


def write_inputs(folder: Path, n: int) -> dict[str, Path]:
    paths = {kind: folder / f"cases-{n}.{kind}" for kind in ("parquet", "jsonl", "csv")}
    if all(p.exists() for p in paths.values()):
        return paths
    table = make_cases(n, seed=7)
    pq.write_table(table, paths["parquet"])
    cases = as_json_cases(table)
    with paths["jsonl"].open("w") as handle:
        for case in cases:
            handle.write(json.dumps(case) + "\n")
    flat = table.flatten()
    with paths["csv"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(flat.column_names)
        welfare = table.column("welfare").is_valid().to_pylist()
        for i, row in enumerate(flat.to_pylist()):
            cells = []
            for name, value in row.items():
                if name == "welfare.desil" and value is None and welfare[i]:
                    cells.append("null")
                elif value is None:
                    cells.append("")
                elif isinstance(value, list):
                    cells.append(";".join(value))
                elif isinstance(value, bool):
                    cells.append("true" if value else "false")
                else:
                    cells.append(value)
            writer.writerow(cells)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200_000)
    parser.add_argument("--large", type=int, default=1_200_000)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--formats", default="parquet,jsonl,csv")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="jknrules-textio-"))
    folder.mkdir(parents=True, exist_ok=True)
    kinds = args.formats.split(",")
    inputs = {n: write_inputs(folder, n) for n in (args.small, args.large)}
    runs: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    for _ in range(args.repeat):
        for n in (args.small, args.large):
            for kind in kinds:  # interleaved
                out = folder / f"out-{n}.{kind}"
                wall, cpu, peak = cli_run(inputs[n][kind], out)
                runs.setdefault((kind, n), []).append((wall, cpu, peak))
                print(f"  {kind:>7} -> {kind:<7} {n:>9,} cases: {wall:7.2f} s wall, "
                      f"{cpu:7.2f} s CPU, peak RSS {peak:6,.0f} MiB", flush=True)
    median = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v),
                  max(r[2] for r in v)) for k, v in runs.items()}
    rates: dict[str, tuple[float, float]] = {}
    for kind in kinds:
        small, large = median[(kind, args.small)], median[(kind, args.large)]
        rates[kind] = ((args.large - args.small) / (large[0] - small[0]),
                       (args.large - args.small) / (large[1] - small[1]))
        print(f"{kind:>7} -> {kind:<7} marginal rate {rates[kind][0]:10,.0f} cases/s wall, "
              f"{rates[kind][1]:10,.0f} cases per CPU-second; peak RSS at {args.large:,}: "
              f"{large[2]:,.0f} MiB")
    if "parquet" in rates:
        for kind in kinds:
            if kind != "parquet":
                print(f"{kind:>7}: {rates['parquet'][0] / rates[kind][0]:.2f}x Parquet's wall "
                      f"time per case, {rates['parquet'][1] / rates[kind][1]:.2f}x its CPU time "
                      "(marginal)")
    print(f"(inputs in {folder})")


if __name__ == "__main__":
    main()
