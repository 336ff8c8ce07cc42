"""Example cases that officers write next to a policy, and how a result is compared.

A test file (``policies/tests/<regency>/*.yaml``)::

    cases:
      - name: desil 7 brings the emergency letter
        clause: "Standar Pelayanan Emergency 2025, 1. Persyaratan c"
        case: {regency: karangasem, submitted_at: "2026-02-03T09:00:00+08:00", ...}
        expect:
          outcome: accepted
          route.id: emergency_registration
          required_documents: [kk, ktp, surat_keterangan_emergency]
          deadlines.response_due: "2026-02-03T09:33:00+08:00"

``expect`` uses the contract's names, as in ``shared/spec/examples``:
``outcome``, ``target_segment``, dotted paths (``route.id``, ``route.channel``,
``policy.effective_from``, ``deadlines.NAME``), ``required_documents`` (exact
set; one-of written ``a|b``), ``required_documents_include`` /
``_exclude``, ``missing_documents`` (exact set, or null), ``reasons_include`` /
``reasons_exclude`` (reason codes), ``deadlines_absent`` (names that must not be present), and
``error`` (a ``JKN-…`` code: the case must be refused with it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jknrules.errors import JknrulesError, PolicyError
from jknrules.load.loader import read_text
from jknrules.load.source import parse
from jknrules.load.validation import diagnostics_from

if TYPE_CHECKING:
    from jknrules.load.policyset import PolicySet


class ExampleCase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    clause: str = Field(min_length=1, description="The seed clause this case exercises")
    case: dict[str, Any]
    expect: dict[str, Any] = Field(min_length=1)


class ExampleFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cases: list[ExampleCase] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedExample:
    file: str
    line: int
    example: ExampleCase

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem}::{self.example.name}"


def load_examples(path: Path) -> list[LoadedExample]:
    from jknrules.load.loader import display_name

    doc = parse(read_text(path, PolicyError), display_name(path), PolicyError)
    try:
        parsed = ExampleFile.model_validate(doc.data)
    except ValidationError as exc:
        raise PolicyError(diagnostics_from(exc, doc, "JKN-T001", ExampleFile)) from None
    out = []
    for i, example in enumerate(parsed.cases):
        span = doc.span(("cases", i))
        out.append(LoadedExample(doc.file, span.line if span else 1, example))
    return out


def _doc_ids(items: Any) -> set[str]:
    out: set[str] = set()
    for item in items or []:
        if isinstance(item, str):
            out.add(item)
        elif "id" in item:
            out.add(item["id"])
        else:
            out.add("|".join(sorted(item["any_of"])))
    return out


def _dig(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return KeyError
        obj = obj[part]
    return obj


def _same_time(expected: Any, got: Any) -> bool:
    if not isinstance(got, str):
        return False
    expected = expected.isoformat() if isinstance(expected, dt.date) else str(expected)
    if len(expected) == 10:
        return bool(got[:10] == expected)
    try:
        g, e = dt.datetime.fromisoformat(got), dt.datetime.fromisoformat(expected)
    except ValueError:
        return False
    return g.tzinfo is not None and g == e and g.utcoffset() == e.utcoffset()


@dataclass(frozen=True)
class Mismatch:
    """One expected part of a result that came out differently."""

    key: str
    expected: Any
    got: Any

    def text(self, lang: str = "en") -> str:
        if lang == "id":
            return f"{self.key}: diharapkan {_show(self.expected)}, didapat {_show(self.got)}"
        return f"{self.key}: expected {_show(self.expected)}, got {_show(self.got)}"


def _show(value: Any) -> str:
    if value is KeyError:
        return "(tidak ada/absent)"
    if isinstance(value, set | frozenset):
        return "[" + ", ".join(sorted(map(str, value))) + "]"
    return repr(value)


def compare(result: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every way ``result`` differs from ``expect``, in English (empty: it matches)."""
    return [m.text("en") for m in mismatches(result, expect)]


def mismatches(result: dict[str, Any], expect: dict[str, Any]) -> list[Mismatch]:
    """Every way ``result`` differs from ``expect`` (empty: it matches)."""
    out: list[Mismatch] = []
    for key, want in expect.items():
        if key == "error":
            out.append(Mismatch(key, want, f"outcome {result.get('outcome')}"))
        elif key.startswith("required_documents"):
            got = _doc_ids(result.get("required_documents"))
            want_set = set(want)
            wrong = (
                (key == "required_documents" and got != want_set)
                or (key.endswith("_include") and not want_set <= got)
                or (key.endswith("_exclude") and bool(want_set & got))
            )
            if wrong:
                out.append(Mismatch(key, want_set, got))
        elif key == "missing_documents":
            got_missing = result.get("missing_documents")
            if want is None:
                if got_missing is not None:
                    out.append(Mismatch(key, None, set(got_missing)))
            elif got_missing is None or set(got_missing) != set(want):
                out.append(Mismatch(key, set(want),
                                    None if got_missing is None else set(got_missing)))
        elif key == "reasons_include":
            codes = {r["code"] for r in result.get("reasons", [])}
            if not set(want) <= codes:
                out.append(Mismatch(key, set(want), codes))
        elif key == "reasons_exclude":
            codes = {r["code"] for r in result.get("reasons", [])}
            if set(want) & codes:
                out.append(Mismatch(key, set(), set(want) & codes))
        elif key == "deadlines_absent":
            present = set(want) & set(result.get("deadlines", {}))
            if present:
                out.append(Mismatch(key, set(), present))
        else:
            got = _dig(result, key)
            if got is KeyError:
                out.append(Mismatch(key, want, KeyError))
            elif key.startswith("deadlines.") or key == "policy.effective_from":
                if not _same_time(want, got):
                    out.append(Mismatch(key, want, got))
            elif got != want:
                out.append(Mismatch(key, want, got))
    return out


@dataclass(frozen=True)
class Outcome:
    """How one example case came out."""

    example: LoadedExample
    problems: tuple[Mismatch, ...]
    error: str | None
    trace: tuple[dict[str, Any], ...]

    @property
    def passed(self) -> bool:
        return not self.problems and self.error is None


def run_example(loaded: LoadedExample, policies: PolicySet) -> Outcome:
    """Evaluate one example and compare it with its expectation."""
    from jknrules.api import evaluate

    ex = loaded.example
    want_error = ex.expect.get("error")
    try:
        result = evaluate(ex.case, policies).to_dict()
    except JknrulesError as exc:
        codes = [d.code for d in exc.diagnostics]
        if want_error is not None and want_error in codes:
            return Outcome(loaded, (), None, ())
        if want_error is not None:
            return Outcome(loaded, (Mismatch("error", want_error, codes),), None, ())
        return Outcome(loaded, (), exc.summary("id"), ())
    return Outcome(loaded, tuple(mismatches(result, ex.expect)), None, tuple(result["trace"]))


def example_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*.yaml") if p.is_file())
        else:
            out.append(path)
    return out
