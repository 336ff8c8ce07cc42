"""``jknrules batch INPUT --out OUTPUT``: evaluate every case of a JSON Lines, CSV or
Parquet file (chosen by extension) into one output row per input row, in order.

Exit 0 when the run finished (rows the evaluator refused are in the output with
``error`` set and in the errors file, ``OUTPUT.errors.jsonl`` unless ``--errors``);
2 on bad input (unknown file type, unknown columns, invalid policies).
With ``--dask SCHEDULER`` the input's partitions are evaluated on a Dask cluster and
OUTPUT is a folder of Parquet files (``pip install 'jknrules[dask]'``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from jknrules.errors import CaseError, Span, diag

NAME = "batch"
HELP = "evaluate a file of cases (JSON Lines, CSV, Parquet) into a file of results"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="cases: .jsonl, .csv or .parquet")
    parser.add_argument("--out", type=Path, required=True,
                        help="results: .jsonl, .csv or .parquet (with --dask: a folder)")
    parser.add_argument("--policies", type=Path, default=None,
                        help="policy folder (default: $JKNRULES_POLICIES or the shipped ones)")
    parser.add_argument("--full", action="store_true",
                        help="the complete result of each case (texts, reasons) through the "
                        "case-at-a-time evaluator, instead of the decision columns")
    parser.add_argument("--trace", action="store_true", help="with --full: add the trace")
    parser.add_argument("--errors", type=Path, default=None,
                        help="where to write refused rows (default: OUTPUT.errors.jsonl)")
    parser.add_argument("--rows", type=int, default=1 << 18, help="rows per chunk")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes deciding chunks (default 1; each keeps its own "
                        "memos, so more pays off only on large inputs and more cores)")
    parser.add_argument("--dask", metavar="SCHEDULER", default=None,
                        help="run on a Dask cluster (scheduler address, e.g. tcp://host:8786)")
    parser.add_argument("--summary", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from jknrules.batch import runner
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise CaseError([diag("JKN-F006", f"modul tidak tersedia: {exc}",
                              f"a module is missing: {exc}")]) from None
    if not args.input.exists():
        raise CaseError([diag("JKN-F001", f"berkas tidak ditemukan: {args.input}",
                              f"file not found: {args.input}", span=Span(str(args.input), 1, 1))])
    if args.trace and not args.full:
        args.full = True
    if args.dask:
        from jknrules.batch.dask_runner import run as run_on_dask

        summary = run_on_dask(args.input, args.out, args.dask, args.policies,
                                  full=args.full, trace=args.trace, rows=args.rows)
    else:
        summary = runner.run(args.input, args.out, args.policies, full=args.full,
                             trace=args.trace, rows=args.rows, errors_path=args.errors,
                             workers=max(args.workers, 1), progress=err)
    if args.summary == "json":
        out.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(summary.text())
    return 0
