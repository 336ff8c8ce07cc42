"""``jknrules diff OLD NEW``: the semantic difference between two policy versions.

OLD and NEW: ``REGENCY@DATE`` (the version in force on DATE, after layering),
a policy file, or ``FILE@DATE``. ``--git REV FILE`` compares FILE at REV with
the working copy; ``--git REV1 --git REV2 FILE`` two revisions. Like diff(1): exit 0
when there is no semantic change, 1 when there is one (``semantic_change`` in the
JSON), 2 on bad input. Reading the policy folder (``REGENCY@DATE``), it says which
one on stderr.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jknrules.audit.diff.compare import build_report
from jknrules.audit.diff.format import to_json, to_markdown
from jknrules.audit.diff.impact import decider, impact
from jknrules.audit.versions import Operand, names_regency, operand
from jknrules.cli.common import EXIT_FINDINGS, EXIT_OK, announce
from jknrules.errors import JknrulesError, diag
from jknrules.load.policyset import PolicyFolder, find_policy_dir

NAME = "diff"
HELP = ("perbedaan semantik antara dua versi, berkas atau revisi git kebijakan (exit 1 bila "
        "ada perubahan) / semantic diff between two policy versions, files or git revisions "
        "(exit 1 when something changed)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("operands", nargs="+", metavar="OLD NEW",
                        help="KABUPATEN@TANGGAL, BERKAS atau BERKAS@TANGGAL (dengan --git: satu "
                        "BERKAS) / REGENCY@DATE, FILE or FILE@DATE (with --git: one FILE)")
    parser.add_argument("--git", action="append", metavar="REV", default=[],
                        help="baca BERKAS pada revisi git ini (dua kali untuk dua revisi) / "
                        "read FILE at this git revision (give twice for two revisions)")
    parser.add_argument("--policies", type=Path, default=None, metavar="DIR",
                        help="folder kebijakan untuk KABUPATEN@TANGGAL (bawaan: $JKNRULES_POLICIES, "
                        "lalu policies/ di folder kerja atau induknya, lalu salinan paket) / "
                        "policy folder for REGENCY@DATE (default: $JKNRULES_POLICIES, then "
                        "policies/ in the working folder or a parent, then the installed copy)")
    parser.add_argument("--format", choices=("md", "json"), default="md",
                        help="format laporan / report format (default md)")
    parser.add_argument("--cases", type=Path, default=None, metavar="FILE.jsonl",
                        help="evaluasi kasus-kasus ini di kedua sisi dan ringkas dampaknya / "
                        "evaluate these cases under both sides and summarise the impact")


def operands(args: argparse.Namespace, folder: PolicyFolder | None = None
             ) -> tuple[Operand, Operand]:
    revs: list[str] = args.git
    given: list[str] = args.operands
    policies = folder if folder is not None else args.policies
    if revs:
        if len(revs) > 2 or len(given) != 1:
            raise _usage("dengan --git, sebut satu berkas (dan --git paling banyak dua kali)",
                         "with --git, name one file (and give --git at most twice)")
        old = operand(given[0], policies, revs[0])
        new = operand(given[0], policies, revs[1] if len(revs) == 2 else None)
        return old, new
    if len(given) != 2:
        raise _usage("sebut dua operan: LAMA BARU", "name two operands: OLD NEW")
    return operand(given[0], policies), operand(given[1], policies)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    folder = find_policy_dir(args.policies)  # resolved once: both sides read the same folder
    if not args.git and any(names_regency(text) for text in args.operands):
        announce(folder, err)
    old, new = operands(args, folder)
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
    return EXIT_FINDINGS if report.semantic_change else EXIT_OK


def _usage(msg_id: str, msg_en: str) -> JknrulesError:
    return JknrulesError([diag("JKN-A005", msg_id, msg_en,
                               hint_id="contoh: jknrules diff karangasem@2023-05-22 "
                               "karangasem@2025-12-31",
                               hint_en="e.g. jknrules diff --git HEAD~1 policies/karangasem.yaml")])
