"""The command line: ``jknrules evaluate``, ``validate``, ``schema``, and the commands
registered in :mod:`jknrules.cli.commands` (check, test, history, diff, render, replay, …).

Exit codes: 0 a decision was made (whatever it is) / the input is valid / no findings;
1 findings (``check``, ``test``, ``replay``); 2 invalid input (case or policy), with a
located message on stderr; 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from jknrules import __version__
from jknrules.analysis.examples import load_examples
from jknrules.api import load_policies
from jknrules.cli import commands
from jknrules.cli.present import render_text
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.errors import CaseError, Diagnostic, JknrulesError, PolicyError, Span, diag
from jknrules.language import schemas
from jknrules.load.loader import case_from_data, display_name, load_case_source, read_text
from jknrules.load.policyset import PolicySet, default_policy_dir
from jknrules.load.source import SourceText, parse

EXIT_OK, EXIT_INVALID, EXIT_INTERNAL = 0, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jknrules",
        description="Evaluate JKN enrollment cases against versioned regency policies.",
    )
    parser.add_argument("--version", action="version", version=f"jknrules {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ev = sub.add_parser("evaluate", help="evaluate one case (JSON or YAML file, or - for stdin)")
    ev.add_argument("case", help="case file (JSON/YAML), or - for standard input")
    ev.add_argument("--policies", type=Path, default=None,
                    help=f"policy folder (default: ${'{'}JKNRULES_POLICIES{'}'} or the shipped "
                    "policies)")
    ev.add_argument("--format", choices=("json", "text"), default="json")
    ev.add_argument("--lang", choices=("id", "en"), default="id",
                    help="language of the text summary and of error messages (default id)")
    ev.add_argument("--no-trace", action="store_true", help="leave the trace out of the JSON")
    ev.add_argument("--record", type=Path, default=None, metavar="FILE.jsonl",
                    help="append the decision (case, result, policy sha256, engine version) to "
                    "this JSON Lines file, atomically")

    va = sub.add_parser("validate", help="check policy files and case files")
    va.add_argument("paths", nargs="*", type=Path,
                    help="policy files/folders and case files (default: the policies in use)")
    va.add_argument("--policies", type=Path, default=None,
                    help="policies to check case files against (default: the shipped policies)")
    va.add_argument("--lang", choices=("id", "en"), default="id")

    sc = sub.add_parser("schema", help="print a JSON Schema (policy, case, result, diff)")
    sc.add_argument("name", choices=tuple(schemas.MODELS))

    for module in commands.load_all():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(command)
        command.set_defaults(command_module=module)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Run the CLI; ``stdin`` is read for ``evaluate -`` (default: the process's stdin)."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    args.stdin = stdin if stdin is not None else sys.stdin
    lang = getattr(args, "lang", "id")
    try:
        if args.command == "evaluate":
            return _evaluate(args, out)
        if args.command == "validate":
            return _validate(args, out, err, lang)
        if args.command == "schema":
            return _schema(args.name, out)
        return int(args.command_module.run(args, out, err))
    except JknrulesError as exc:
        err.write(_report(exc, lang))
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback
        if os.environ.get("JKNRULES_DEBUG"):
            raise
        err.write(f"jknrules: kesalahan internal / internal error: {type(exc).__name__}: {exc}\n"
                  "Laporkan ini sebagai bug (set JKNRULES_DEBUG=1 for a traceback).\n")
        return EXIT_INTERNAL


def console_main() -> None:
    sys.exit(main())


def _report(exc: JknrulesError, lang: str) -> str:
    if isinstance(exc, PolicyError):
        kind, kind_en = "kebijakan tidak valid", "invalid policy"
    elif isinstance(exc, CaseError):
        kind, kind_en = "kasus tidak valid", "invalid case"
    else:
        kind, kind_en = "masukan tidak valid", "invalid input"
    head = f"jknrules: {kind} / {kind_en}\n"
    langs = ("id", "en") if lang == "id" else ("en", "id")
    return head + exc.report(langs) + "\n"


def _read_case(name: str, stdin: TextIO) -> tuple[str, str]:
    if name == "-":
        return stdin.read(), "<stdin>"
    path = Path(name)
    return read_text(path, CaseError), display_name(path)


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    text, file = _read_case(args.case, args.stdin)
    case, doc = load_case_source(text, file)
    policies = load_policies(args.policies)
    try:
        result = evaluate_compiled(policies.get(case.regency), case, trace=not args.no_trace)
    except CaseError as exc:
        raise CaseError(_locate(exc.diagnostics, doc)) from None
    if args.record is not None:
        from jknrules.audit.records import append_record, make_record

        append_record(args.record, make_record(case, result, __version__))
    if args.format == "text":
        out.write(render_text(result, args.lang))
    else:
        out.write(result.to_json() + "\n")
    return EXIT_OK


def _locate(diags: Sequence[Diagnostic], doc: SourceText) -> list[Diagnostic]:
    """Give diagnostics raised after parsing (no place yet) the place of their path."""
    out = []
    for d in diags:
        if d.span is None:
            span = doc.span(d.path) or Span(doc.file, 1, 1)
            d = Diagnostic(d.code, d.message_id, d.message_en, span, d.path, d.hint_id,
                           d.hint_en, doc.line_text(span))
        out.append(d)
    return out


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO, lang: str) -> int:
    """Policies (a top-level ``versions``), example files (``cases``) and cases."""
    paths: list[Path] = args.paths or [args.policies or default_policy_dir()]
    policy_problems: list[Diagnostic] = []
    case_problems: list[Diagnostic] = []
    policies_found: list[Path] = []
    other: list[tuple[Path, SourceText]] = []
    for path in paths:
        if not path.exists():
            policy_problems.append(diag("JKN-F001", f"tidak ditemukan: {path}",
                                        f"not found: {path}", span=Span(str(path), 1, 1)))
            continue
        listed = sorted(p for ext in ("*.yaml", "*.yml", "*.json") for p in path.glob(ext)) \
            if path.is_dir() else [path]
        for file in listed:
            try:
                doc = parse(read_text(file, CaseError), display_name(file), CaseError)
            except JknrulesError as exc:
                (policy_problems if path.is_dir() else case_problems).extend(exc.diagnostics)
                continue
            data = doc.data if isinstance(doc.data, dict) else {}
            is_policy = "versions" in data or (
                path.is_dir() and "cases" not in data and "submitted_at" not in data)
            if is_policy:
                policies_found.append(file)
            else:
                other.append((file, doc))
    if policies_found:
        try:
            PolicySet.load(policies_found)  # all errors of all files, and one file per regency
        except PolicyError as exc:
            policy_problems += exc.diagnostics
    reference: PolicySet | None = None
    for file, doc in other:
        try:
            if isinstance(doc.data, dict) and "cases" in doc.data:
                for i, loaded in enumerate(load_examples(file)):
                    try:
                        case_from_data(loaded.example.case)
                    except CaseError as exc:
                        case_problems += _locate([replace(d, span=None, path=(
                            "cases", i, "case", *d.path)) for d in exc.diagnostics], doc)
                continue
            case = case_from_data(doc.data, doc)
            reference = reference or load_policies(args.policies)
            evaluate_compiled(reference.get(case.regency), case, trace=False)
        except CaseError as exc:
            case_problems += _locate(exc.diagnostics, doc)
        except PolicyError as exc:
            policy_problems += exc.diagnostics
    problems = policy_problems + case_problems
    if problems:
        kind = PolicyError if not case_problems else CaseError if not policy_problems \
            else JknrulesError
        err.write(_report(kind(problems), lang))
        return EXIT_INVALID
    word = "berkas valid" if lang == "id" else "files valid"
    out.write(f"OK: {len(policies_found) + len(other)} {word}\n")
    return EXIT_OK


def _schema(name: str, out: TextIO) -> int:
    out.write(schemas.schema_text(name))
    return EXIT_OK
