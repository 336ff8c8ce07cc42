"""What several commands share: the located error report, placing diagnostics raised
after parsing, saying which policy folder is read, and the decision-log options of
``evaluate`` and ``serve``."""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from jknrules.errors import CaseError, Diagnostic, JknrulesError, PolicyError, Span, diag
from jknrules.load.policyset import PolicyFolder, find_policy_dir
from jknrules.load.source import SourceText

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

#: the ``--policies`` help of the commands that read the policy folder in use
POLICIES_HELP = ("folder kebijakan (bawaan: $JKNRULES_POLICIES, lalu policies/ di folder kerja "
                 "atau induknya, lalu salinan paket) / policy folder (default: "
                 "$JKNRULES_POLICIES, then policies/ in the working folder or a parent, "
                 "then the installed copy)")


def report(exc: JknrulesError, lang: str) -> str:
    if isinstance(exc, PolicyError):
        kind, kind_en = "kebijakan tidak valid", "invalid policy"
    elif isinstance(exc, CaseError):
        kind, kind_en = "kasus tidak valid", "invalid case"
    else:
        kind, kind_en = "masukan tidak valid", "invalid input"
    head = f"jknrules: {kind} / {kind_en}\n"
    langs = ("id", "en") if lang == "id" else ("en", "id")
    return head + exc.report(langs) + "\n"


def locate(diags: Sequence[Diagnostic], doc: SourceText) -> list[Diagnostic]:
    """Give diagnostics raised after parsing (no place yet) the place of their path."""
    out = []
    for d in diags:
        if d.span is None:
            span = doc.span(d.path) or Span(doc.file, 1, 1)
            d = dataclasses.replace(d, span=span, source_line=doc.line_text(span))
        out.append(d)
    return out


def policy_folder(policies: str | os.PathLike[str] | None, err: TextIO) -> PolicyFolder:
    """The policy folder a command reads (``--policies`` or the default order), announced
    on stderr in one bilingual line, so an officer sees which copy was checked."""
    folder = find_policy_dir(policies)
    announce(folder, err)
    return folder


def announce(folder: PolicyFolder, err: TextIO) -> None:
    err.write(folder.describe() + "\n")


@dataclasses.dataclass(frozen=True, slots=True)
class RecordOptions:
    """Where a command records its decisions: the decision log (``None``: nowhere), whether
    the applicant's identity is left out, and the key that signs checkpoints."""

    log: Path | None
    redact: bool
    key: Path | None


def add_record_options(parser: argparse.ArgumentParser) -> None:
    """``--record`` / ``--record-without-identity`` (one or the other) and ``--key``, as
    :func:`record_options` reads them."""
    record = parser.add_mutually_exclusive_group()
    record.add_argument("--record", type=Path, default=None, metavar="LOG.jsonl",
                        help="catat setiap keputusan (kasus, hasil, sha256 kebijakan, versi "
                        "mesin) ke log keputusan JSON Lines ini / append each decision (case, "
                        "result, policy sha256, engine version) to this JSON Lines decision "
                        "log, atomically (jknrules.DecisionLog; replay --verify reads it)")
    record.add_argument("--record-without-identity", type=Path, default=None,
                        metavar="LOG.jsonl",
                        help="seperti --record, tanpa NIK, nomor KK dan tanggal lahir / like "
                        "--record, leaving the NIK, KK number and birth date out of the record")
    parser.add_argument("--key", type=Path, default=None, metavar="FILE",
                        help="kunci privat Ed25519 (PEM atau 32 bita) yang menandatangani "
                        "checkpoint setelah setiap catatan (dengan --record atau "
                        "--record-without-identity) / Ed25519 private key (PEM or 32 raw "
                        "bytes) signing a checkpoint after each record (with --record or "
                        "--record-without-identity)")


def record_options(args: argparse.Namespace) -> RecordOptions:
    """The options of :func:`add_record_options`; ``--key`` without a log to sign is
    ``JKN-A035`` (exit 2)."""
    log: Path | None = args.record or args.record_without_identity
    if args.key is not None and log is None:
        raise JknrulesError([diag(
            "JKN-A035", "--key hanya berlaku bersama --record atau --record-without-identity",
            "--key only applies with --record or --record-without-identity")])
    return RecordOptions(log, args.record_without_identity is not None, args.key)
