"""``jknrules render REGENCY [--as-of DATE] [--format md|html]``: the version in force
rendered as the Standar Pelayanan (Persyaratan, Sistem/Mekanisme/Prosedur, Waktu
Pelayanan, Waktu Tanggapan, Biaya/Tarif, Produk Layanan, Penanganan Pengaduan,
Dasar Hukum), with a flowchart of each route and the source clause of every line.
Exit 0; 2 when no version is in force on DATE. Reading the policy folder, it says which
one on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from jknrules.audit.render.document import build, to_markdown
from jknrules.audit.render.html import to_html
from jknrules.audit.versions import from_file, from_folder, parse_date
from jknrules.cli.common import POLICIES_HELP, policy_folder

NAME = "render"
HELP = ("tampilkan versi yang berlaku sebagai Standar Pelayanan (Markdown atau HTML) / "
        "render the version in force as the Standar Pelayanan (Markdown or HTML)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("regency", help="id kabupaten atau kode BPS (atau berkas kebijakan) / "
                        "regency id or BPS code (or a policy file)")
    parser.add_argument("--as-of", metavar="DATE", default=None,
                        help="versi yang berlaku pada tanggal ini (bawaan: hari ini, waktu "
                        "setempat) / the version in force on this date (default: today, local "
                        "time)")
    parser.add_argument("--policies", type=Path, default=None, metavar="DIR",
                        help=POLICIES_HELP)
    parser.add_argument("--format", choices=("md", "html"), default="md",
                        help="format keluaran / output format (default md)")
    parser.add_argument("--lang", choices=("id", "en"), default="id",
                        help="bahasa isi (judul selalu dwibahasa) / language of the body text "
                        "(headings are bilingual)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path = Path(args.regency)
    source = from_file(path) if path.is_file() else \
        from_folder(policy_folder(args.policies, err), args.regency)
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else \
        dt.datetime.now(ZoneInfo(source.policy.time_zone)).date()
    doc = build(source.require_at(as_of), as_of)
    out.write(to_html(doc, args.lang) if args.format == "html" else to_markdown(doc, args.lang))
    return 0
