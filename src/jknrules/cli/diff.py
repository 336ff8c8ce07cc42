"""``jknrules diff OLD NEW``: the semantic difference between two policy versions.

OLD and NEW: ``REGENCY@DATE`` (the version in force on DATE, after layering),
a policy file, or ``FILE@DATE``. ``--git REV FILE`` compares FILE at REV with
the working copy; ``--git REV1 --git REV2 FILE`` two revisions. Exit 0 whether
or not something changed (``semantic_change`` says which); 2 on bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jknrules.audit.diff.compare import build_report
from jknrules.audit.diff.format import to_json, to_markdown
from jknrules.audit.diff.impact import decider, impact
from jknrules.audit.snapshot import Operand, operand
from jknrules.errors import JknrulesError, diag

NAME = "diff"
HELP = "semantic diff between two policy versions, files or git revisions"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("operands", nargs="+", metavar="OLD NEW",
                        help="REGENCY@DATE, FILE or FILE@DATE (with --git: one FILE)")
    parser.add_argument("--git", action="append", metavar="REV", default=[],
                        help="read FILE at this git revision (give twice for two revisions)")
    parser.add_argument("--policies", type=Path, default=None,
                        help="policy folder for REGENCY@DATE (default: the policies in use)")
    parser.add_argument("--format", choices=("md", "json"), default="md")
    parser.add_argument("--cases", type=Path, default=None, metavar="FILE.jsonl",
                        help="evaluate these cases under both sides and summarise the impact")


def operands(args: argparse.Namespace) -> tuple[Operand, Operand]:
    revs: list[str] = args.git
    given: list[str] = args.operands
    if revs:
        if len(revs) > 2 or len(given) != 1:
            raise _usage("dengan --git, sebut satu berkas (dan --git paling banyak dua kali)",
                         "with --git, name one file (and give --git at most twice)")
        old = operand(given[0], args.policies, revs[0])
        new = operand(given[0], args.policies, revs[1] if len(revs) == 2 else None)
        return old, new
    if len(given) != 2:
        raise _usage("sebut dua operan: LAMA BARU", "name two operands: OLD NEW")
    return operand(given[0], args.policies), operand(given[1], args.policies)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    old, new = operands(args)
    effect = None
    if args.cases is not None:
        as_old, as_new = old.as_of or new.as_of, new.as_of or old.as_of
        if as_old is not None and as_new is not None:  # two versions: as if each applied
            a, b = old.source.require_at(as_old), new.source.require_at(as_new)
            decide_old, decide_new = decider(a.pinned()), decider(b.pinned())
        else:
            decide_old, decide_new = decider(old.source.compiled), decider(new.source.compiled)
        effect = impact(args.cases, old.source.policy.regency, decide_old, decide_new)
    report = build_report(old, new, effect)
    out.write(to_json(report) if args.format == "json" else to_markdown(report))
    return 0


def _usage(msg_id: str, msg_en: str) -> JknrulesError:
    return JknrulesError([diag("JKN-A005", msg_id, msg_en,
                               hint_id="contoh: jknrules diff karangasem@2023-05-22 "
                               "karangasem@2025-12-31",
                               hint_en="e.g. jknrules diff --git HEAD~1 policies/karangasem.yaml")])
