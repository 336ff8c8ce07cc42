"""The command line: ``jknrules evaluate``, ``jknrules validate``, ``jknrules schema``.

Exit codes: 0 a decision was made (whatever it is) / the input is valid;
2 invalid input (case or policy), with a located message on stderr;
3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__, commands, schemas
from .api import load_policies
from .errors import CaseError, Diagnostic, JknrulesError, PolicyError, Span, diag
from .evaluator import evaluate_compiled
from .loader import display_name, load_case_text, load_policy_file, read_text
from .policyset import PolicySet, default_policy_dir, policy_files
from .present import render_text
from .source import parse

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3


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
         stderr: TextIO | None = None) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
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


def _read_case(name: str) -> tuple[str, str]:
    if name == "-":
        return sys.stdin.read(), "<stdin>"
    path = Path(name)
    return read_text(path, CaseError), display_name(path)


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    text, file = _read_case(args.case)
    case = load_case_text(text, file)
    policies = load_policies(args.policies)
    try:
        result = evaluate_compiled(policies.get(case.regency), case, trace=not args.no_trace)
    except CaseError as exc:
        raise CaseError(_with_file(exc.diagnostics, file)) from None
    if args.record is not None:
        from .records import append_record, make_record

        append_record(args.record, make_record(case, result, __version__))
    if args.format == "text":
        out.write(render_text(result, args.lang))
    else:
        out.write(result.to_json() + "\n")
    return EXIT_OK


def _with_file(diags: Sequence[Diagnostic], file: str) -> list[Diagnostic]:
    return [d if d.span else Diagnostic(d.code, d.message_id, d.message_en, Span(file, 1, 1),
                                        d.path, d.hint_id, d.hint_en) for d in diags]


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO, lang: str) -> int:
    paths: list[Path] = args.paths or [args.policies or default_policy_dir()]
    problems: list[Diagnostic] = []
    checked = 0
    case_files: list[Path] = []
    for path in paths:
        if not path.exists():
            problems.append(diag("JKN-F001", f"tidak ditemukan: {path}", f"not found: {path}",
                                 span=Span(str(path), 1, 1)))
            continue
        for file in policy_files([path]):
            if path.is_dir() or _looks_like_policy(file):
                try:
                    load_policy_file(file)
                except JknrulesError as exc:
                    problems += exc.diagnostics
                checked += 1
            else:
                case_files.append(file)
    if case_files:
        policies: PolicySet | None = None
        for file in case_files:
            checked += 1
            try:
                case = load_case_text(read_text(file, CaseError), display_name(file))
                policies = policies or load_policies(args.policies)
                evaluate_compiled(policies.get(case.regency), case, trace=False)
            except CaseError as exc:
                problems += _with_file(exc.diagnostics, display_name(file))
            except PolicyError as exc:
                problems += exc.diagnostics
    if problems:
        err.write(_report(JknrulesError(problems), lang))
        return EXIT_INVALID
    word = "berkas valid" if lang == "id" else "files valid"
    out.write(f"OK: {checked} {word}\n")
    return EXIT_OK


def _looks_like_policy(file: Path) -> bool:
    """A YAML/JSON file with a top-level ``versions`` key is a policy; else a case."""
    try:
        doc = parse(read_text(file, PolicyError), display_name(file), PolicyError)
    except JknrulesError:
        return file.suffix in (".yaml", ".yml")
    return isinstance(doc.data, dict) and "versions" in doc.data


def _schema(name: str, out: TextIO) -> int:
    out.write(schemas.schema_text(name))
    return EXIT_OK
