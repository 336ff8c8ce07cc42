"""``jknrules batch INPUT --out OUTPUT``: evaluate every case of a JSON Lines, CSV or
Parquet file (chosen by extension) into one output row per input row, in order.

Exit codes: 0 every row decided; 1 the run finished but some rows are error rows (a
row the evaluator refused or that could not be read: in the output with ``error`` set
and in the errors file, ``OUTPUT.errors.jsonl`` unless ``--errors``; stderr says how
many); 2 bad input or an invalid invocation (unknown file type or columns, invalid
policies, ``--out``/``--errors`` naming the input, a file that cannot be read or
written — a missing folder, no permission, a full disk — each named, or ``--resume``
refused); 3 an internal error. OUTPUT and the errors file appear only when the run is
complete (written as ``.partial`` and renamed); ``--resume`` continues a run that was
killed or stopped by an I/O error from its last complete chunk.

``jknrules batch - --out -`` reads the cases from stdin and writes the results to stdout
(``--input-format`` and ``--format`` name the formats, JSON Lines unless said; the summary
goes to stderr), a chunk at a time, for pipelines; ``--resume`` is refused there (exit 2).

With ``--dask SCHEDULER`` the input's partitions are evaluated on a Dask cluster and
OUTPUT is a folder of Parquet files (``pip install 'jknrules[dask]'``). Without the
``batch`` extra (pyarrow, numpy, rich) it says ``pip install 'jknrules[batch]'`` on
stderr and exits 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from jknrules.cli.common import EXIT_FINDINGS, EXIT_INVALID, EXIT_OK, POLICIES_HELP
from jknrules.errors import CaseError, JknrulesError, Span, diag

NAME = "batch"
HELP = ("evaluasi berkas berisi banyak kasus (JSON Lines, CSV, Parquet) menjadi berkas hasil "
        "(perlu jknrules[batch]) / evaluate a file of cases (JSON Lines, CSV, Parquet) into a "
        "file of results (needs jknrules[batch])")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path,
                        help="kasus / cases: .jsonl, .csv, .parquet, atau/or - (stdin)")
    parser.add_argument("--out", type=Path, required=True,
                        help="hasil: .jsonl, .csv atau .parquet (dengan --dask: folder), atau "
                        "- (stdout) / results: .jsonl, .csv or .parquet (with --dask: a "
                        "folder), or - (stdout)")
    parser.add_argument("--input-format", choices=("jsonl", "csv", "parquet"), default="jsonl",
                        help="format stdin (masukan -; bawaan jsonl) / the format of stdin "
                        "(input -; default jsonl)")
    parser.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl",
                        dest="out_format",
                        help="format stdout (--out -; bawaan jsonl) / the format of stdout "
                        "(--out -; default jsonl)")
    parser.add_argument("--policies", type=Path, default=None, metavar="DIR",
                        help=POLICIES_HELP)
    parser.add_argument("--full", action="store_true",
                        help="hasil lengkap setiap kasus (teks, alasan) lewat evaluator satu "
                        "per satu / the complete result of each case (texts, reasons) through "
                        "the case-at-a-time evaluator, instead of the decision columns")
    parser.add_argument("--trace", action="store_true",
                        help="dengan --full: sertakan jejak / with --full: add the trace")
    parser.add_argument("--errors", type=Path, default=None,
                        help="tempat baris yang ditolak (bawaan: OUTPUT.errors.jsonl) / where "
                        "to write refused rows (default: OUTPUT.errors.jsonl)")
    parser.add_argument("--rows", type=_positive, default=None,
                        help="baris per potongan (bawaan 262.144; JSON Lines dan CSV 131.072) / "
                        "rows per chunk (default 262,144; JSON Lines and CSV 131,072)")
    parser.add_argument("--resume", action="store_true",
                        help="lanjutkan run yang terputus dari potongan lengkap terakhirnya "
                        "(berkas masukan dan opsi harus sama) / continue an interrupted run "
                        "from its last complete chunk (same input and options)")
    parser.add_argument("--workers", type=int, default=1,
                        help="jumlah proses (bawaan 1) / processes deciding chunks (default 1; "
                        "each keeps its own memos, so more pays off only on large inputs and "
                        "more cores)")
    parser.add_argument("--dask", metavar="SCHEDULER", default=None,
                        help="jalankan di klaster Dask (alamat scheduler, mis. "
                        "tcp://host:8786; perlu jknrules[dask]) / run on a Dask cluster "
                        "(scheduler address, e.g. tcp://host:8786; needs jknrules[dask])")
    parser.add_argument("--summary", choices=("text", "json"), default="text",
                        help="format ringkasan / summary format (default text)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"harus bilangan bulat positif / must be a positive whole number: {text!r}")
    return value


def missing(extra: str, exc: ImportError) -> str:
    """One bilingual paragraph: which optional packages are missing, how to install them."""
    text = str(exc)
    if f"jknrules[{extra}]" in text:  # already explained (jknrules.batch's own check)
        return f"jknrules {NAME}: {text}\n"
    return (f"jknrules {NAME}: paket tambahan belum terpasang ({exc.name or text}); pasang "
            f"dengan: pip install 'jknrules[{extra}]' / extra packages are not installed "
            f"({exc.name or text}); install them with: pip install 'jknrules[{extra}]'\n")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from jknrules.batch import runner
        from jknrules.batch.files import BatchFileError
    except ImportError as exc:
        if (exc.name or "").startswith("jknrules"):  # our own module: a bug, not an extra
            raise
        err.write(missing("batch", exc))
        return EXIT_INVALID
    try:
        return _run(args, out, err, runner)
    except BatchFileError as exc:
        err.write(_file_report(exc, getattr(args, "lang", "id")))
        return EXIT_INVALID


def _file_report(exc: JknrulesError, lang: str) -> str:
    langs = ("id", "en") if lang == "id" else ("en", "id")
    return ("jknrules batch: berkas tidak dapat dipakai / a file cannot be used\n"
            + exc.report(langs) + "\n")


def _run(args: argparse.Namespace, out: TextIO, err: TextIO, runner: Any) -> int:
    streams = str(args.input) == "-" or str(args.out) == "-"
    if streams and (args.resume or args.dask):
        option = "--resume" if args.resume else "--dask"
        raise CaseError([diag(
            "JKN-X014", f"{option} tidak tersedia untuk stdin/stdout (-): aliran tidak dapat "
            "dibaca ulang", f"{option} is not available with stdin/stdout (-): a stream "
            "cannot be read again")])
    if streams:
        from jknrules.batch.stream import run_stream

        summary = run_stream(args.input, args.out, args.policies, input_kind=args.input_format,
                             output_kind=args.out_format, full=args.full or args.trace,
                             trace=args.trace, rows=args.rows, errors_path=args.errors,
                             workers=max(args.workers, 1), stdout=_binary(out),
                             stdin=getattr(getattr(args, "stdin", None), "buffer", None))
        return _report(args, summary, err if str(args.out) == "-" else out, err)
    if not args.input.exists():
        raise CaseError([diag("JKN-F001", f"berkas tidak ditemukan: {args.input}",
                              f"file not found: {args.input}", span=Span(str(args.input), 1, 1))])
    if args.trace and not args.full:
        args.full = True
    if args.dask:
        if args.resume:
            raise CaseError([diag("JKN-X014", "--resume tidak tersedia dengan --dask",
                                  "--resume is not available with --dask")])
        try:
            import distributed  # noqa: F401 - only to say which extra is missing
        except ImportError as exc:
            err.write(missing("dask", exc))
            return EXIT_INVALID
        from jknrules.batch.dask_runner import run as run_on_dask

        summary = run_on_dask(args.input, args.out, args.dask, args.policies,
                                  full=args.full, trace=args.trace,
                                  rows=args.rows or runner.DEFAULT_ROWS)
    else:
        summary = runner.run(args.input, args.out, args.policies, full=args.full,
                             trace=args.trace, rows=args.rows, errors_path=args.errors,
                             workers=max(args.workers, 1), progress=err, resume=args.resume)
    return _report(args, summary, out, err)


def _binary(out: TextIO) -> Any:
    """The bytes under a text stream (stdout), flushed first."""
    out.flush()
    return getattr(out, "buffer", None)


def _report(args: argparse.Namespace, summary: Any, out: TextIO, err: TextIO) -> int:
    if args.summary == "json":
        out.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(summary.text())
    if summary.errors and not summary.errors_file:
        err.write(f"jknrules batch: {summary.errors:,} baris galat dari {summary.cases:,} "
                  "(kolom error; --errors BERKAS untuk diagnosis lengkap) / "
                  f"{summary.errors:,} error row(s) of {summary.cases:,} (the error column; "
                  "--errors FILE for every diagnostic)\n")
        return EXIT_FINDINGS
    if summary.errors:
        err.write(f"jknrules batch: {summary.errors:,} baris galat dari {summary.cases:,} "
                  f"(lihat {summary.errors_file}) / {summary.errors:,} error row(s) of "
                  f"{summary.cases:,} (see {summary.errors_file})\n")
        return EXIT_FINDINGS
    return EXIT_OK
