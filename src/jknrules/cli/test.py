"""``jknrules test [PATH...]``: run the officers' example cases; ``--coverage`` lists the
rules, requirements, windows and channels no case exercised."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jknrules.analysis.coverage import measure
from jknrules.analysis.examples import example_files, load_examples, run_example
from jknrules.analysis.report import coverage_text
from jknrules.load.loader import display_name
from jknrules.load.policyset import PolicySet, default_policy_dir

NAME = "test"
HELP = "run example cases (policies/tests/<regency>/*.yaml) against the policies"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path,
                        help="test files or folders (default: tests/ beside the policies)")
    parser.add_argument("--policies", type=Path, default=None)
    parser.add_argument("--coverage", action="store_true",
                        help="report what no case exercised (exit 1 if anything)")
    parser.add_argument("--lang", choices=("id", "en"), default="id")
    parser.add_argument("-q", "--quiet", action="store_true", help="list failures only")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policies = PolicySet.load(args.policies)
    root = args.policies or default_policy_dir()
    files = example_files(args.paths or [Path(root) / "tests"])
    lang = args.lang
    passed = failed = 0
    traces = []
    for file in files:
        examples = load_examples(file)  # a bad file: JknrulesError, exit 2
        out.write(f"{display_name(file)}\n")
        for loaded in examples:
            result = run_example(loaded, policies)
            traces.append(result.trace)
            name = loaded.example.name
            if result.passed:
                passed += 1
                if not args.quiet:
                    out.write(f"  {'LULUS' if lang == 'id' else 'PASS'}  {name}\n")
                continue
            failed += 1
            out.write(f"  {'GAGAL' if lang == 'id' else 'FAIL'}  {name}  "
                      f"({loaded.file}:{loaded.line}; {loaded.example.clause})\n")
            if result.error:
                out.write(f"      {result.error}\n")
            for problem in result.problems:
                out.write(f"      {problem.text(lang)}\n")
    if lang == "id":
        out.write(f"\n{passed} lulus, {failed} gagal\n")
    else:
        out.write(f"\n{passed} passed, {failed} failed\n")
    missed = False
    if args.coverage:
        cov = measure(policies, traces)
        out.write(coverage_text(cov, lang))
        missed = bool(cov.missed)
    return 1 if failed or missed else 0
