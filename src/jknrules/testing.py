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
``_exclude``, ``missing_documents`` (exact set, or null), ``reasons_include``
(reason codes), ``deadlines_absent`` (names that must not be present), and
``error`` (a ``JKN-…`` code: the case must be refused with it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import PolicyError
from .loader import read_text
from .source import parse
from .validation import diagnostics_from


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
    doc = parse(read_text(path, PolicyError), str(path), PolicyError)
    try:
        parsed = ExampleFile.model_validate(doc.data)
    except ValidationError as exc:
        raise PolicyError(diagnostics_from(exc, doc, "JKN-T001", ExampleFile)) from None
    out = []
    for i, example in enumerate(parsed.cases):
        span = doc.span(("cases", i))
        out.append(LoadedExample(str(path), span.line if span else 1, example))
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


def compare(result: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every way ``result`` differs from ``expect`` (empty: it matches)."""
    errors: list[str] = []
    for key, want in expect.items():
        if key == "error":
            errors.append(f"expected error {want}, got outcome {result.get('outcome')}")
        elif key.startswith("required_documents"):
            got = _doc_ids(result.get("required_documents"))
            want_set = set(want)
            if key == "required_documents" and got != want_set:
                errors.append(f"required_documents {sorted(got)} != {sorted(want_set)}")
            elif key.endswith("_include") and not want_set <= got:
                errors.append(f"required_documents lacks {sorted(want_set - got)}")
            elif key.endswith("_exclude") and want_set & got:
                errors.append(f"required_documents has {sorted(want_set & got)}")
        elif key == "missing_documents":
            got_missing = result.get("missing_documents")
            if want is None:
                if got_missing is not None:
                    errors.append(f"missing_documents should be null, got {got_missing!r}")
            elif got_missing is None or set(got_missing) != set(want):
                errors.append(f"missing_documents {got_missing!r} != {sorted(want)}")
        elif key == "reasons_include":
            codes = {r["code"] for r in result.get("reasons", [])}
            if not set(want) <= codes:
                errors.append(f"reasons lack {sorted(set(want) - codes)} (have {sorted(codes)})")
        elif key == "deadlines_absent":
            present = set(want) & set(result.get("deadlines", {}))
            if present:
                errors.append(f"deadlines should not have {sorted(present)}")
        else:
            got = _dig(result, key)
            if got is KeyError:
                errors.append(f"{key} is absent, expected {want!r}")
            elif key.startswith("deadlines.") or key == "policy.effective_from":
                if not _same_time(want, got):
                    errors.append(f"{key} {got!r} != {want!r}")
            elif got != want:
                errors.append(f"{key} {got!r} != {want!r}")
    return errors
