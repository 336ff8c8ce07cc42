"""``jknrules evaluate CASE``: one case (JSON or YAML file, or - for stdin) -> the result."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jknrules import __version__
from jknrules.api import load_policies
from jknrules.cli.common import (
    EXIT_OK,
    POLICIES_HELP,
    add_record_options,
    locate,
    record_options,
)
from jknrules.cli.present import render_text
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.errors import CaseError
from jknrules.load.loader import display_name, load_case_source, read_text

NAME = "evaluate"
HELP = "evaluasi satu kasus (berkas JSON/YAML, atau - untuk stdin) / evaluate one case"


def configure(ev: argparse.ArgumentParser) -> None:
    ev.add_argument("case", help="berkas kasus (JSON/YAML), atau - untuk stdin / case file, or -")
    ev.add_argument("--policies", type=Path, default=None, metavar="DIR",
                    help=POLICIES_HELP)
    ev.add_argument("--format", choices=("json", "text"), default="json",
                    help="JSON hasil (bawaan) atau ringkasan teks / the result JSON (default) "
                    "or a text summary")
    ev.add_argument("--lang", choices=("id", "en"), default="id",
                    help="bahasa ringkasan teks dan pesan kesalahan / language of the text "
                    "summary and of error messages (default id)")
    ev.add_argument("--no-trace", action="store_true",
                    help="tanpa jejak aturan / leave the trace out of the JSON")
    add_record_options(ev)
    ev.add_argument("--require-signed", action="store_true",
                    help="tolak kumpulan kebijakan yang tidak bertanda tangan atau sudah "
                    "diubah (bundle.json; jknrules bundle sign) / refuse a policy set that is "
                    "unsigned or altered (bundle.json; jknrules bundle sign)")
    ev.add_argument("--public-key", type=Path, action="append", default=None, metavar="FILE",
                    help="kunci publik untuk --require-signed (bawaan: keys/*.pub di folder "
                    "kebijakan) / public key for --require-signed (default: keys/*.pub in the "
                    "policy folder)")


def _read_case(name: str, stdin: TextIO) -> tuple[str, str]:
    if name == "-":
        return stdin.read(), "<stdin>"
    path = Path(name)
    return read_text(path, CaseError), display_name(path)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    text, file = _read_case(args.case, args.stdin)
    case, doc = load_case_source(text, file)
    policies = load_policies(args.policies, require_signed=args.require_signed,
                             public_keys=args.public_key)
    try:
        result = evaluate_compiled(policies.get(case.regency), case, trace=not args.no_trace)
    except CaseError as exc:
        raise CaseError(locate(exc.diagnostics, doc)) from None
    record = record_options(args)
    if record.log is not None:
        from jknrules.audit.records import DecisionLog

        DecisionLog(record.log, redact=record.redact, engine=__version__,
                    key=record.key).append(case, result)
    if args.format == "text":
        out.write(render_text(result, args.lang))
    else:
        out.write(result.to_json() + "\n")
    return EXIT_OK
