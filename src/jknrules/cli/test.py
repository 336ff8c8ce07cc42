"""``jknrules test [PATH...]``: run the officers' example cases; ``--coverage`` lists the
rules, requirements, windows and channels no case exercised."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jknrules.analysis.coverage import measure
from jknrules.analysis.examples import example_files, load_examples, run_example
from jknrules.analysis.report import coverage_text
from jknrules.cli.common import POLICIES_HELP, policy_folder
from jknrules.load.loader import display_name
from jknrules.load.policyset import PolicySet

NAME = "test"
HELP = ("jalankan contoh kasus (policies/tests/<kabupaten>/*.yaml) terhadap kebijakan / "
        "run the example cases (policies/tests/<regency>/*.yaml) against the policies")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path,
                        help="berkas atau folder contoh kasus (bawaan: tests/ di folder "
                        "kebijakan) / example-case files or folders (default: tests/ in the "
                        "policy folder)")
    parser.add_argument("--policies", type=Path, default=None, metavar="DIR",
                        help=POLICIES_HELP)
    parser.add_argument("--coverage", action="store_true",
                        help="laporkan yang tidak dijalankan contoh mana pun (exit 1 bila ada) / "
                        "report what no case exercised (exit 1 if anything)")
    parser.add_argument("--lang", choices=("id", "en"), default="id",
                        help="bahasa keluaran / output language (default id)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="hanya yang gagal / list failures only")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    folder = policy_folder(args.policies, err)
    policies = PolicySet.load(folder)
    files = example_files(args.paths or [folder.path / "tests"])
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
