"""``jknrules check [PATH...]``: validate, then look for gaps, overlaps, dead rules,
unreachable channels, calendar mistakes and active members accepted into a second
segment. Exit 0 clean (acknowledged gaps are listed but pass), 1 findings, 2 invalid
input."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jknrules.analysis.check import check_policy
from jknrules.analysis.report import findings_json, findings_text
from jknrules.cli.common import policy_folder
from jknrules.load.policyset import PolicySet

NAME = "check"
HELP = ("periksa kebijakan dan cari celah, tumpang tindih, aturan mati, serta peserta aktif "
        "yang diterima di segmen kedua / validate policies and analyse them for gaps, "
        "overlaps, dead rules and active members accepted into a second segment")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path,
                        help="berkas atau folder kebijakan (bawaan: folder kebijakan yang "
                        "dipakai) / policy files or folders (default: the policy folder in use)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="format laporan / report format (default text)")
    parser.add_argument("--lang", choices=("id", "en"), default="id",
                        help="bahasa laporan / report language (default id)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policies = PolicySet.load(args.paths or policy_folder(None, err))
    findings = [f for policy in policies for f in check_policy(policy)]
    findings.sort(key=lambda f: (not f.blocking, f.regency, f.version, f.at, f.message.en))
    out.write(findings_json(findings) if args.format == "json" else
              findings_text(findings, args.lang))
    return 1 if any(f.blocking for f in findings) else 0
