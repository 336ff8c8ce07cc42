"""The scratch state of one evaluation: candidate outcomes, missing facts, the trace.

A :class:`Work` belongs to one call of the evaluator and is never shared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from jknrules.engine.ir import Citation
from jknrules.language.fields import CASE_FIELDS
from jknrules.language.text import Bilingual
from jknrules.language.vocab import Outcome


class Work:
    """Scratch state of one evaluation (never shared between cases)."""

    __slots__ = ("candidates", "facts", "trace", "unknowns", "with_trace")

    def __init__(self, facts: Mapping[str, Any], with_trace: bool) -> None:
        self.facts = facts
        self.with_trace = with_trace
        self.candidates: list[tuple[Outcome, str | None, dict[str, Any]]] = []
        self.trace: list[dict[str, Any]] = []
        self.unknowns: dict[tuple[str, ...], list[tuple[Bilingual, Citation | None]]] = {}

    def propose(self, outcome: Outcome, reason: dict[str, Any], segment: str | None = None) -> None:
        self.candidates.append((outcome, segment, reason))

    def unknown(self, fields: frozenset[str] | set[str], what: Bilingual,
                cite: Citation | None) -> None:
        """A decision (``what``) needs facts the case lacks; one reason per set of missing
        fields."""
        self.unknowns.setdefault(tuple(sorted(fields)), []).append((what, cite))

    def settle_unknowns(self) -> None:
        for names, uses in self.unknowns.items():
            self.propose("needs_review", unknown_reason(names, uses))
        self.unknowns = {}

    def note(self, kind: str, key: str, fired: bool | None, fields: tuple[str, ...],
             cite: Citation | None, **extra: Any) -> None:
        if not self.with_trace:
            return
        entry: dict[str, Any] = {"rule": key, "kind": kind, "fired": fired}
        # JSON values: a date fact (applicant.birth_date) is written as ISO text
        entry["facts"] = {f: _json_value(self.facts[f]) for f in fields if f in self.facts}
        absent = [f for f in fields if f not in self.facts]
        if absent:
            entry["absent"] = absent
        entry.update(extra)
        if cite is not None:
            entry["source"] = cite.text
            entry["at"] = cite.at
        self.trace.append(entry)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def reason(code: str, message: Bilingual, cite: Citation | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message.as_dict()}
    out["source"] = cite.text if cite else None
    if cite is not None and cite.at:
        out["at"] = cite.at
    return out


def unknown_reason(names: tuple[str, ...],
                    uses: list[tuple[Bilingual, Citation | None]]) -> dict[str, Any]:
    desc_id = ", ".join(f"{f} ({CASE_FIELDS[f].description_id})" for f in names)
    desc_en = ", ".join(f"{f} ({CASE_FIELDS[f].description_en})" for f in names)
    what = Bilingual(" dan ", " and ").join(dict.fromkeys(u[0] for u in uses))
    sources = list(dict.fromkeys(u[1].text for u in uses if u[1] is not None))
    out = reason("fact.missing", Bilingual(
        f"Data {desc_id} diperlukan untuk {what.id}, tetapi tidak diisi; petugas memutuskan.",
        f"{desc_en} {'are' if len(names) > 1 else 'is'} needed for {what.en}, but the case "
        "does not give it; an officer decides.",
    )) | {"fields": list(names)}
    out["source"] = "; ".join(sources) if sources else None
    ats = [u[1].at for u in uses if u[1] is not None and u[1].at]
    if ats:
        out["at"] = ats[0]
    return out
