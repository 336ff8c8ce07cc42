"""The hostile corpora, counted: the figures of docs/reliability.md ("Hostile input").

    .venv/bin/pip install -e '.[test]' && .venv/bin/python bench/hostile.py [--cases 20000]
        [--seed 1] [--limit 30] [--json FILE] [--no-unbounded]

Runs, in this process, with a time limit per run (SIGALRM; a run past it is a hang):

- every file of ``tests/fixtures/hostile/`` through ``validate``, ``check``, ``evaluate``
  (with a small case), ``render`` and ``batch`` (the CLI's ``main()``);
- every file of ``tests/fixtures/hostile-cases/`` through ``evaluate`` and ``validate``;
- ``--cases`` generated hostile cases (``tests/hostile.py`` ``random_case``, seeded) through
  ``jknrules.evaluate`` (trace off), each result checked against the result schema;
- unless ``--no-unbounded``: ``/dev/zero`` and a sparse 5 GB file as a policy, a case and
  a cases file, and the peak memory of the whole run.

Prints a Markdown table: tried, clean (a valid result, or exit 2 / ``JknrulesError``
with the expected code), wrong (another code, an error passed as valid, a result the
schema refuses), crash (exit 3, a traceback, an exception other than ``JknrulesError``),
hang (past the limit); then every run that was not clean. Exit 1 if any was not clean.
No figure here is asserted by the test suite (the tests assert each case instead).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import jknrules  # noqa: E402
from tests.hostile import (  # noqa: E402
    CASE_COMMANDS,
    CASE_CORPUS,
    POLICY_COMMANDS,
    POLICY_CORPUS,
    SMALL_CASE,
    Hang,
    Run,
    corpus,
    describe,
    judge_case,
    random_case,
    run_case_file,
    run_cli,
    run_policy,
    time_limit,
)

OUTCOMES = ("clean", "wrong", "crash", "hang")


def policy_runs(work: Path, limit: float) -> list[Run]:
    return [run_policy(name, command, work, limit=limit)
            for name in sorted(corpus(POLICY_CORPUS)) for command in POLICY_COMMANDS]


def case_file_runs(work: Path, limit: float) -> list[Run]:
    return [run_case_file(name, command, work, ROOT / "policies", limit=limit)
            for name in sorted(corpus(CASE_CORPUS)) for command in CASE_COMMANDS]


def generated_runs(count: int, seed: int, limit: float) -> tuple[list[Run], Counter[str]]:
    """``count`` generated cases through the API; only the runs that were not clean are
    kept (with the case), and what the clean ones gave is counted."""
    policies = jknrules.load_policies(ROOT / "policies")
    rng = random.Random(seed)
    kept: list[Run] = []
    gave: Counter[str] = Counter()
    for i in range(count):
        case = random_case(rng)
        start = time.perf_counter()
        try:
            with time_limit(limit):
                outcome, detail = judge_case(case, policies)
        except Hang:
            outcome, detail = "hang", ""
        seconds = time.perf_counter() - start
        if outcome == "clean":
            gave["error" if detail.startswith("JKN-") else "result"] += 1
            continue
        kept.append(Run(f"case {i}", "api", outcome, None, detail[:80], None, seconds,
                        describe(case)))
    return kept, gave


def unbounded_runs(work: Path, limit: float) -> list[Run]:
    """Inputs that never end or are huge: each must stop at the size limit (JKN-Y006)."""
    sparse = work / "sparse-5GB.yaml"
    with sparse.open("wb") as handle:
        handle.truncate(5 * 2**30)
    case = work / "small-case.json"
    case.write_text(json.dumps(SMALL_CASE), encoding="utf-8")
    cases = work / "small-cases.jsonl"
    cases.write_text(json.dumps(SMALL_CASE) + "\n", encoding="utf-8")
    policy = str(ROOT / "policies" / "batang.yaml")
    runs: list[Run] = []
    for big in (Path("/dev/zero"), sparse):
        if not big.exists():
            continue
        for command, role, argv in (
            ("validate", "policy or case", ["validate", str(big)]),
            ("evaluate", "case", ["evaluate", str(big), "--policies", policy]),
            ("evaluate", "policy", ["evaluate", str(case), "--policies", str(big)]),
            ("check", "policy", ["check", str(big)]),
            ("batch", "policy", ["batch", str(cases), "--policies", str(big), "--out",
                                 str(work / "out.jsonl")]),
            ("diff", "cases file", ["diff", policy, policy, "--cases", str(big)]),
        ):
            runs.append(run_cli(argv, f"{big.name} as the {role}", command, "JKN-Y006",
                                limit=limit))
    return runs


def tally(runs: list[Run]) -> Counter[str]:
    return Counter(run.outcome for run in runs)


def row(label: str, counts: Counter[str], tried: int) -> str:
    return f"| {label} | {tried} | " + " | ".join(str(counts[o]) for o in OUTCOMES) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000, help="generated hostile cases")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--no-unbounded", action="store_true",
                        help="skip /dev/zero and the sparse 5 GB file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jknrules-hostile-"))
    try:
        started = time.perf_counter()
        policies = policy_runs(work, args.limit)
        files = case_file_runs(work, args.limit)
        generated, gave = generated_runs(args.cases, args.seed, args.limit)
        unbounded = [] if args.no_unbounded else unbounded_runs(work, args.limit)
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n_policies = len(corpus(POLICY_CORPUS))
    n_files = len(corpus(CASE_CORPUS))
    lines = [
        f"jknrules {jknrules.__version__}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; {elapsed:.0f} s; peak memory "
        f"{peak_mb:.0f} MB",
        "",
        "| corpus | tried | clean | wrong | crash | hang |",
        "|---|---|---|---|---|---|",
        row(f"hostile policies ({n_policies} files × {len(POLICY_COMMANDS)} commands)",
            tally(policies), len(policies)),
        row(f"hostile case files ({n_files} files × {len(CASE_COMMANDS)} commands)",
            tally(files), len(files)),
        row(f"generated hostile cases (seed {args.seed}; API, trace off)",
            Counter({"clean": args.cases - len(generated)}) + tally(generated), args.cases),
    ]
    if unbounded:
        lines.append(row("unbounded inputs (/dev/zero, sparse 5 GB file)", tally(unbounded),
                         len(unbounded)))
    lines += ["", f"Generated cases: {gave['result']} gave a result valid against the result "
              f"schema, {gave['error']} a JknrulesError."]
    bad = [r for r in (*policies, *files, *generated, *unbounded) if r.outcome != "clean"]
    for run in bad:
        lines.append(f"- {run.outcome}: {run.name} via {run.command}: exit {run.exit_code}, "
                     f"{run.code} (expected {run.expected}) {run.stderr[:300]!r}")
    sys.stdout.write("\n".join(lines) + "\n")
    if args.json is not None:
        figures: dict[str, Any] = {
            "policies": dict(tally(policies)), "case_files": dict(tally(files)),
            "generated": {"tried": args.cases, **dict(tally(generated)),
                          "clean": args.cases - len(generated), **gave},
            "unbounded": dict(tally(unbounded)), "peak_mb": round(peak_mb),
            "seconds": round(elapsed, 1),
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
