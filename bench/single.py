"""Single-case latency, before against after: interleaved runs, medians of repeats.

    .venv/bin/python bench/single.py [--cases 20000] [--repeats 5] [--against OTHER/src]
        [--set emergency|mixed] [--clock wall|cpu] [--instructions]

Each repeat runs one fresh process per source tree (this worktree's ``src``, and the
``--against`` tree when given, e.g. a checkout of the previous commit), alternating, so a
busy machine slows both alike. A process loads the shipped policies, generates seeded
cases (``bench/generate.py``, seed 3: ``--set emergency``, the default, the Karangasem
2025 emergency registrations of ``bench/run.py``'s latency part and of issue 11's targets;
``--set mixed``, the three-regency set of earlier measurements), evaluates every case
once to warm the memos, then times every case in each mode with ``perf_counter_ns``:

- ``dict``: ``evaluate(case, policies, trace=False)``, the case a ``dict`` (validation
  included);
- ``dict+trace``: the same with ``trace=True``;
- ``json``: ``evaluate(case, policies, trace=False).to_json()`` — from the ``dict`` to the
  full result's JSON text (``indent=2``, as the CLI writes it);
- ``json compact``: the same with ``to_json(indent=None)``.

``--clock cpu`` times with the thread's CPU time instead of the wall clock, so that on a
shared machine the time other processes take does not count (the p99 then shows this
code's slow cases, not the scheduler's).

Printed: per mode, the median over the repeats of each process's p50 and p99 (µs).

``--instructions`` counts instead the machine instructions per call with valgrind's
callgrind (one process per tree, 2,000 cases by default, every mode): a figure that the
load of a shared machine does not move, for before/after comparisons. The cases are
written to a JSON file first, so the process under valgrind imports neither numpy nor
pyarrow; each mode's warm pass runs as usual, and only the calls of its timed pass,
each run inside ``itertools.accumulate``'s step (a C function the evaluator does not
use), are counted (``--toggle-collect``); an ``os.getppid()`` after each mode ends its
dump (``--dump-after``), so each mode has its own total.
``--profile MODE`` instead runs cProfile over one pass in this tree and prints the top
functions by own time. No figure here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODES = ("dict", "dict+trace", "json", "json compact")


def _cases(n: int, which: str = "emergency") -> list[dict[str, Any]]:
    sys.path.insert(0, str(HERE))
    from generate import as_json_cases, make_cases, make_emergency_cases

    make = make_emergency_cases if which == "emergency" else make_cases
    return as_json_cases(make(n, seed=3))


def _runner(mode: str) -> Any:
    import jknrules

    policies = jknrules.load_policies()
    evaluate = jknrules.evaluate
    if mode == "dict":
        return lambda case: evaluate(case, policies, trace=False)
    if mode == "dict+trace":
        return lambda case: evaluate(case, policies, trace=True)
    if mode == "json":
        return lambda case: evaluate(case, policies, trace=False).to_json()
    return lambda case: evaluate(case, policies, trace=False).to_json(indent=None)


def worker(n: int, cpu: bool, which: str) -> dict[str, list[float]]:
    cases = _cases(n, which)
    clock = time.thread_time_ns if cpu else time.perf_counter_ns
    out = {}
    for mode in MODES:
        run = _runner(mode)
        for case in cases:  # warm the memos (a server's steady state)
            run(case)
        samples = []
        for case in cases:
            start = clock()
            run(case)
            samples.append(clock() - start)
        samples.sort()
        out[mode] = [samples[len(samples) // 2] / 1e3, samples[int(len(samples) * 0.99)] / 1e3]
    return out


def counted(cases_file: Path) -> None:
    """The process run under callgrind: each mode's warm pass, then its counted pass."""
    import collections
    import itertools
    import os

    cases = json.loads(cases_file.read_text())
    for mode in MODES:
        run = _runner(mode)
        for case in cases:
            run(case)
        collections.deque(itertools.accumulate(cases, lambda _, case, run=run: run(case),
                                               initial=None),
                          maxlen=0)
        os.getppid()


def instructions(trees: dict[str, Path], n: int, which: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        cases_file = Path(folder) / "cases.json"
        cases_file.write_text(json.dumps(_cases(n, which)))
        per_call: dict[str, list[float]] = {}
        for name, src in trees.items():
            out = Path(folder) / f"{name}.out"
            subprocess.run(
                ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                 "--toggle-collect=accumulate_next", "--dump-after=os_getppid",
                 f"--callgrind-out-file={out}", sys.executable, __file__, "--counted",
                 str(cases_file), "--src", str(src)],
                check=True, capture_output=True, text=True)
            totals = []
            for dump in sorted(Path(folder).glob(f"{name}.out.*"),
                               key=lambda p: int(p.suffix[1:])):
                for line in dump.read_text(errors="replace").splitlines():
                    if line.startswith("totals:"):
                        totals.append(int(line.split()[1]))
            per_call[name] = [t / n for t in totals if t]
    print(f"{n:,} cases ({which}, seed 3); instructions per call (callgrind)")
    print(f"{'mode':<14}" + "".join(f"{name:>14}" for name in trees))
    for i, mode in enumerate(MODES):
        print(f"{mode:<14}" + "".join(f"{per_call[name][i]:14,.0f}" for name in trees))


def profile(n: int, mode: str, which: str) -> None:
    import cProfile
    import pstats

    cases = _cases(n, which)
    run = _runner(mode)
    for case in cases:
        run(case)
    prof = cProfile.Profile()
    prof.enable()
    for case in cases:
        run(case)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=None,
                        help="cases per process (default 20,000; 2,000 with --instructions)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--against", type=Path, default=None,
                        help="another tree's src folder (e.g. a checkout of main)")
    parser.add_argument("--profile", choices=MODES, default=None)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: perf_counter; cpu: the thread's CPU time (a busy machine's "
                             "other processes do not count)")
    parser.add_argument("--set", dest="which", choices=("emergency", "mixed"),
                        default="emergency",
                        help="emergency: Karangasem 2025 emergency registrations (issue 11's "
                             "cases); mixed: the three-regency set")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per call with valgrind's callgrind "
                             "(--cases defaults to 2,000 here)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--counted", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, default=HERE.parent / "src", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cases is None:
        args.cases = 2_000 if args.instructions else 20_000
    if args.worker or args.counted:
        sys.path.insert(0, str(args.src))
        import jknrules

        assert Path(jknrules.__file__).resolve().is_relative_to(args.src.resolve())
        if args.counted:
            counted(args.counted)
            return
        print(json.dumps(worker(args.cases, args.clock == "cpu", args.which)))
        return
    if args.profile:
        sys.path.insert(0, str(HERE.parent / "src"))
        profile(args.cases, args.profile, args.which)
        return
    trees = {"this": HERE.parent / "src"}
    if args.against is not None:
        trees = {"against": args.against.resolve(), **trees}
    if args.instructions:
        instructions(trees, args.cases, args.which)
        return
    runs: dict[str, list[dict[str, list[float]]]] = {name: [] for name in trees}
    for _ in range(args.repeats):
        for name, src in trees.items():
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", "--src", str(src),
                 "--cases", str(args.cases), "--clock", args.clock, "--set", args.which],
                check=True, capture_output=True, text=True)
            runs[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"{args.cases:,} {args.which} cases (bench/generate.py, seed 3), medians of {args.repeats} "
          f"interleaved runs; µs of {args.clock} time")
    print(f"{'mode':<14}" + "".join(f"{name + ' p50':>14}{name + ' p99':>14}" for name in trees))
    for mode in MODES:
        row = f"{mode:<14}"
        for name in trees:
            p50 = statistics.median(r[mode][0] for r in runs[name])
            p99 = statistics.median(r[mode][1] for r in runs[name])
            row += f"{p50:14.1f}{p99:14.1f}"
        print(row)


if __name__ == "__main__":
    main()
