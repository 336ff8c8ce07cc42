"""``jknrules history REGENCY [--as-of DATE]``: the versions of a regency's policy.

Effective dates, document title and number, who signed, legal basis, and a
one-line count of what changed from the previous version. ``--as-of DATE``
names the version in force on that date (exit 2 if none was). Exit 0.
Reading the policy folder, it says which one on stderr.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jknrules.audit.history import history, to_json, to_markdown
from jknrules.audit.versions import from_file, from_folder, parse_date
from jknrules.cli.common import POLICIES_HELP, policy_folder

NAME = "history"
HELP = ("riwayat versi kebijakan kabupaten: tanggal, dokumen, penanda tangan, perubahan / "
        "the versions of a regency's policy: dates, documents, signatories, changes")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("regency", help="id kabupaten atau kode BPS (atau berkas kebijakan) / "
                        "regency id or BPS code (or a policy file)")
    parser.add_argument("--as-of", metavar="DATE", default=None,
                        help="sebut versi yang berlaku pada tanggal ini (YYYY-MM-DD) / name the "
                        "version in force on this date")
    parser.add_argument("--policies", type=Path, default=None, metavar="DIR",
                        help=POLICIES_HELP)
    parser.add_argument("--format", choices=("md", "json"), default="md",
                        help="format keluaran / output format (default md)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path = Path(args.regency)
    source = from_file(path) if path.is_file() else \
        from_folder(policy_folder(args.policies, err), args.regency)
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    if as_of is not None:
        source.require_at(as_of)
    entries = history(source)
    out.write(to_json(source, entries, as_of) if args.format == "json"
              else to_markdown(source, entries, as_of))
    return 0
