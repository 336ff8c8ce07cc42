"""One error model for the whole library.

A :class:`Diagnostic` has a stable code (codes are API), a message in Bahasa
Indonesia and English (a :class:`~jknrules.language.text.Bilingual`), a place (file,
line, column, YAML path) and a hint. The exceptions carry every diagnostic found,
sorted by position.

Codes:

- ``JKN-Y…``  YAML syntax and safety (duplicate keys, tags, aliases)
- ``JKN-P…``  policy schema and semantic checks
- ``JKN-C…``  case validation and case/policy mismatch
- ``JKN-F…``  files and paths
- ``JKN-T…``  example-case (test) files
- ``JKN-A…``  audit commands (history, diff, render, replay)
- ``JKN-X…``  batch evaluation
- ``JKN-S…``  the HTTP server (``jknrules serve``: keys, sizes, paths, internal errors)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jknrules.language.text import Bilingual

MAX_DIAGNOSTICS = 50


@dataclass(frozen=True, slots=True)
class Span:
    """A place in a source file; ``line`` and ``column`` are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: its code, message and hint (``None``: no hint), and its place.

    Build one with :func:`diag`; ``message_id``/``message_en`` and ``hint_id``/``hint_en``
    read the texts in one language (``""``: no hint)."""

    code: str
    message: Bilingual
    span: Span | None = None
    path: tuple[str | int, ...] = ()
    hint: Bilingual | None = None
    source_line: str = field(default="", compare=False)

    @property
    def message_id(self) -> str:
        return self.message.id

    @property
    def message_en(self) -> str:
        return self.message.en

    @property
    def hint_id(self) -> str:
        return self.hint.id if self.hint is not None else ""

    @property
    def hint_en(self) -> str:
        return self.hint.en if self.hint is not None else ""

    @property
    def yaml_path(self) -> str:
        """The place in the document, as ``$.versions[0].services.x``."""
        out = "$"
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)

    def format(self, lang: str = "id", *, with_source: bool = True) -> str:
        """``file:line:col: CODE message`` then the source line and a caret."""
        msg = self.message.pick(lang)
        hint = self.hint.pick(lang) if self.hint is not None else ""
        where = f"{self.span}: " if self.span else ""
        label = "di" if lang == "id" else "at"
        text = f"{where}{self.code} {msg} ({label} {self.yaml_path})"
        if hint:
            text += f"\n    {'saran' if lang == 'id' else 'hint'}: {hint}"
        if with_source and self.source_line and self.span:
            text += f"\n    {self.source_line}\n    {' ' * (self.span.column - 1)}^"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message.as_dict(),
            "file": self.span.file if self.span else None,
            "line": self.span.line if self.span else None,
            "column": self.span.column if self.span else None,
            "path": self.yaml_path,
            "hint": self.hint.as_dict() if self.hint is not None else None,
        }


class JknrulesError(Exception):
    """Base of every error jknrules raises on bad input."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        diags = sorted(diagnostics, key=Diagnostic.sort_key)
        self.total = len(diags)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diags[:MAX_DIAGNOSTICS])
        super().__init__(self.summary("en"))

    def summary(self, lang: str = "id") -> str:
        first = self.diagnostics[0].format(lang, with_source=False) if self.diagnostics else ""
        more = self.total - 1
        if more > 0:
            first += f" (+{more} {'kesalahan lain' if lang == 'id' else 'more'})"
        return first

    def report(self, langs: Sequence[str] = ("id", "en")) -> str:
        """Every diagnostic, in each language, ready for stderr."""
        lines = []
        for d in self.diagnostics:
            lines.append(d.format(langs[0]))
            for other in langs[1:]:
                lines.append(f"    ({other}) {d.message.pick(other)}")
                hint = d.hint.pick(other) if d.hint is not None else ""
                if hint:
                    lines.append(f"    ({other}) {'hint' if other == 'en' else 'saran'}: {hint}")
        if self.total > len(self.diagnostics):
            lines.append(f"... {self.total - len(self.diagnostics)} more")
        return "\n".join(lines)


class PolicyError(JknrulesError):
    """A policy file is not valid YAML, not valid against the schema, or inconsistent."""


class CaseError(JknrulesError):
    """A case is invalid, or no policy version applies to it."""


def diag(
    code: str,
    message_id: str,
    message_en: str,
    *,
    span: Span | None = None,
    path: Sequence[str | int] = (),
    hint_id: str = "",
    hint_en: str = "",
    source_line: str = "",
) -> Diagnostic:
    """A diagnostic: its message in Bahasa Indonesia and English, and a hint in both (an
    empty ``hint_id`` means no hint)."""
    hint = Bilingual(hint_id, hint_en) if hint_id else None
    return Diagnostic(
        code, Bilingual(message_id, message_en), span, tuple(path), hint, source_line
    )
