"""Periksa: a policy text checked as ``jknrules validate`` and ``jknrules check`` would.

The text is loaded (YAML safety, schema, semantic checks: every problem located), and
when it loads, compiled and analysed (gaps, overlaps, dead rules, calendar, active
members accepted into a second segment). Nothing is written anywhere: the text lives
for one request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jknrules.analysis.check import Finding, check_policy
from jknrules.engine.compiler import compile_policy
from jknrules.errors import Diagnostic, PolicyError
from jknrules.load.loader import load_policy_text
from jknrules.load.reader import MAX_FILE_BYTES, decode, too_large

#: The name the pasted text is given in messages (an uploaded file keeps its own name
#: when it is a plain file name).
PASTED = "kebijakan.yaml"
#: Listing every line of a longer text would make a page no phone can show.
MAX_LISTED_LINES = 5_000
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LINE = re.compile(r":([0-9]+):([0-9]+)$")


@dataclass(frozen=True, slots=True)
class SourceLine:
    number: int
    text: str
    marked: bool  # a diagnostic or a finding points at it


@dataclass(frozen=True, slots=True)
class Examination:
    name: str
    text: str
    diagnostics: tuple[Diagnostic, ...]
    findings: tuple[Finding, ...]  # blocking
    acknowledged: tuple[Finding, ...]
    lines: tuple[SourceLine, ...]  # empty when the text is longer than MAX_LISTED_LINES
    total: int  # every diagnostic found (``diagnostics`` holds at most 50)

    @property
    def valid(self) -> bool:
        return not self.diagnostics


def file_name(given: str | None) -> str:
    """The uploaded file's name when it is a plain name, else :data:`PASTED`."""
    base = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    return base if _PLAIN_NAME.match(base) else PASTED


def text_of(data: bytes, name: str) -> str:
    """An uploaded file's text: at most :data:`MAX_FILE_BYTES`, UTF-8 (else ``PolicyError``,
    located at the first offending byte)."""
    if len(data) > MAX_FILE_BYTES:
        raise PolicyError([too_large(name, MAX_FILE_BYTES)])
    return decode(data, name, PolicyError)


def examine(text: str, name: str) -> Examination:
    diagnostics: tuple[Diagnostic, ...] = ()
    findings: list[Finding] = []
    total = 0
    try:
        loaded = load_policy_text(text, name)
    except PolicyError as exc:
        diagnostics, total = exc.diagnostics, exc.total
    else:
        findings = check_policy(compile_policy(loaded))
        findings.sort(key=lambda f: (f.regency, f.version, _at_line(f), f.message.en))
    return Examination(
        name, text, diagnostics,
        tuple(f for f in findings if f.blocking), tuple(f for f in findings if not f.blocking),
        _listing(text, diagnostics, findings), total)


def line_of(at: str) -> int | None:
    """The line of a ``file:line:column`` place."""
    found = _LINE.search(at)
    return int(found[1]) if found else None


def _at_line(f: Finding) -> int:
    return next((n for n in (line_of(a) for a in f.at) if n is not None), 0)


def _listing(text: str, diagnostics: tuple[Diagnostic, ...], findings: list[Finding]
             ) -> tuple[SourceLine, ...]:
    lines = text.splitlines()
    if len(lines) > MAX_LISTED_LINES:
        return ()
    marked = {d.span.line for d in diagnostics if d.span is not None}
    marked |= {n for f in findings for n in (line_of(a) for a in f.at) if n is not None}
    return tuple(SourceLine(i, line, i in marked) for i, line in enumerate(lines, 1))
