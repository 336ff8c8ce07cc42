"""What several commands share: the located error report, placing diagnostics raised
after parsing, and saying which policy folder is read."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import TextIO

from jknrules.errors import CaseError, Diagnostic, JknrulesError, PolicyError, Span
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
