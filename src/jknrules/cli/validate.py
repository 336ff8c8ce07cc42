"""``jknrules validate [PATH ...]``: policy files/folders, example files and case files."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from jknrules.analysis.examples import load_examples
from jknrules.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    POLICIES_HELP,
    locate,
    policy_folder,
    report,
)
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.errors import CaseError, Diagnostic, JknrulesError, PolicyError, Span, diag
from jknrules.load.loader import case_from_data, display_name, looks_like_policy, read_text
from jknrules.load.policyset import PolicyFolder, PolicySet, shipped_name
from jknrules.load.source import SourceText, parse

NAME = "validate"
HELP = "periksa berkas kebijakan dan kasus / check policy files and case files"


def configure(va: argparse.ArgumentParser) -> None:
    va.add_argument("paths", nargs="*", type=Path,
                    help="berkas/folder kebijakan dan berkas kasus (bawaan: folder kebijakan "
                    "yang dipakai) / policy files/folders and case files (default: the policy "
                    "folder in use)")
    va.add_argument("--policies", type=Path, default=None, metavar="DIR",
                    help=POLICIES_HELP)
    va.add_argument("--lang", choices=("id", "en"), default="id",
                    help="bahasa pesan / language of the messages (default id)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Policies (a top-level ``versions``), example files (``cases``) and cases."""
    lang = args.lang
    folder: PolicyFolder | None = None
    if not args.paths:
        folder = policy_folder(args.policies, err)
    paths: list[Path] = args.paths or [folder.path if folder else Path()]
    shipped = folder is not None and folder.named_as_shipped

    def name(file: Path) -> str:
        return shipped_name(file) if shipped else display_name(file)

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
                doc = parse(read_text(file, CaseError), name(file), CaseError)
            except JknrulesError as exc:
                is_policy = path.is_dir() or looks_like_policy(file)
                (policy_problems if is_policy else case_problems).extend(exc.diagnostics)
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
            # all errors of all files, and one file per regency
            PolicySet.load_files(policies_found, named_as_shipped=shipped)
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
                        case_problems += locate([replace(d, span=None, path=(
                            "cases", i, "case", *d.path)) for d in exc.diagnostics], doc)
                continue
            case = case_from_data(doc.data, doc)
            if reference is None:
                folder = folder or policy_folder(args.policies, err)
                reference = PolicySet.load(folder)
            evaluate_compiled(reference.get(case.regency), case, trace=False)
        except CaseError as exc:
            case_problems += locate(exc.diagnostics, doc)
        except PolicyError as exc:
            policy_problems += exc.diagnostics
    problems = policy_problems + case_problems
    if problems:
        kind = PolicyError if not case_problems else CaseError if not policy_problems \
            else JknrulesError
        err.write(report(kind(problems), lang))
        return EXIT_INVALID
    word = "berkas valid" if lang == "id" else "files valid"
    out.write(f"OK: {len(policies_found) + len(other)} {word}\n")
    return EXIT_OK
