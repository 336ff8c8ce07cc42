"""Impact of a policy change: evaluate cases under both sides, summarise who is affected.

The cases file is JSON Lines, one case per line (the contract's case object), read as
a stream: its size is not bounded, each line is.
Each case is evaluated under the old and the new side and the decisions are
compared field by field (:func:`jknrules.audit.records.decision`): outcome and target
segment, route, documents (required and missing), deadlines. A case that one
side refuses with an error counts under ``error``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jknrules.audit.diff.model import Impact, ImpactExample, ImpactKind, ImpactKindName
from jknrules.audit.records import decision
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.ir import CompiledPolicy
from jknrules.errors import CaseError, JknrulesError, Span, diag
from jknrules.language.case import Case
from jknrules.load.loader import case_from_data, display_name
from jknrules.load.reader import iter_lines
from jknrules.load.source import parse_json

#: How many examples to show for each kind of change.
EXAMPLES = 3
KINDS: tuple[ImpactKindName, ...] = ("outcome", "segment", "route", "documents", "deadlines",
                                     "error")

Decide = Callable[[Case], dict[str, Any]]


def decider(policy: CompiledPolicy) -> Decide:
    """Evaluate a case under ``policy``: its decision, or ``{"error": code}``."""
    def decide(case: Case) -> dict[str, Any]:
        try:
            return decision(evaluate_compiled(policy, case, trace=False).to_dict())
        except CaseError as exc:
            return {"error": exc.diagnostics[0].code if exc.diagnostics else "error"}
    return decide


def read_cases(path: Path) -> Iterator[tuple[int, Case]]:
    """Cases of a JSON Lines file with their line numbers, streamed (one line in memory at
    a time, each at most :data:`~jknrules.load.reader.MAX_LINE_BYTES`); a bad line is an
    error (exit 2) at its line and column. Each line is strict JSON."""
    name = display_name(path)
    for number, line in iter_lines(path, JknrulesError, file=name):
        if not line.strip():
            continue
        try:
            doc = parse_json(line, name, CaseError, first_line=number)
            yield number, case_from_data(doc.data, doc)
        except CaseError as exc:
            first = exc.diagnostics[0] if exc.diagnostics else None
            column = first.span.column if first is not None and first.span else 1
            raise _bad(name, number, column, exc.summary("id"), exc.summary("en")) from None


def _bad(file: str, line: int, column: int, why_id: str, why_en: str) -> JknrulesError:
    return JknrulesError([diag(
        "JKN-A020", f"kasus di baris {line} tidak valid: {why_id}",
        f"the case on line {line} is invalid: {why_en}", span=Span(file, line, column),
        hint_id="satu objek kasus JSON per baris (JSON Lines)",
        hint_en="one JSON case object per line (JSON Lines)",
    )])


def impact(path: Path, regency: str, old: Decide, new: Decide) -> Impact:
    counts: dict[str, int] = dict.fromkeys(KINDS, 0)
    examples: dict[str, list[ImpactExample]] = {k: [] for k in KINDS}
    total = skipped = affected = 0
    for line, case in read_cases(path):
        total += 1
        if case.regency != regency:
            skipped += 1
            continue
        a, b = old(case), new(case)
        kinds = _kinds(a, b)
        affected += bool(kinds)
        for kind in kinds:
            counts[kind] += 1
            if len(examples[kind]) < EXAMPLES:
                before, after = _show(kind, a, b)
                examples[kind].append(ImpactExample(line=line, case=_label(case), old=before,
                                                    new=after))
    return Impact(
        file=display_name(path), cases=total, skipped=skipped, affected=affected,
        kinds=[ImpactKind(kind=k, count=counts[k], examples=examples[k]) for k in KINDS],
    )


def _kinds(a: dict[str, Any], b: dict[str, Any]) -> list[ImpactKindName]:
    if "error" in a or "error" in b:
        return ["error"] if a != b else []
    found: list[ImpactKindName] = []
    if a["outcome"] != b["outcome"]:
        found.append("outcome")
    if a["target_segment"] != b["target_segment"]:
        found.append("segment")
    if a["route"] != b["route"]:
        found.append("route")
    if (a["required_documents"], a["missing_documents"]) != \
            (b["required_documents"], b["missing_documents"]):
        found.append("documents")
    if a["deadlines"] != b["deadlines"]:
        found.append("deadlines")
    return found


def _show(kind: str, a: dict[str, Any], b: dict[str, Any]) -> tuple[str, str]:
    if kind == "error":
        return _outcome(a), _outcome(b)
    if kind == "outcome":
        return str(a["outcome"]), str(b["outcome"])
    if kind == "segment":
        return str(a["target_segment"] or "-"), str(b["target_segment"] or "-")
    if kind == "route":
        return str(a["route"] or "-"), str(b["route"] or "-")
    if kind == "documents":
        return _docs(a), _docs(b)
    keys = sorted(k for k in set(a["deadlines"]) | set(b["deadlines"])
                  if a["deadlines"].get(k) != b["deadlines"].get(k))
    return (", ".join(f"{k}={a['deadlines'].get(k, '-')}" for k in keys),
            ", ".join(f"{k}={b['deadlines'].get(k, '-')}" for k in keys))


def _outcome(d: dict[str, Any]) -> str:
    if "error" in d:
        return f"error {d['error']}"
    return f"{d['outcome']} ({d['target_segment'] or '-'})"


def _docs(d: dict[str, Any]) -> str:
    text = "required: " + (", ".join(d["required_documents"]) or "-")
    if d["missing_documents"] is not None:
        text += "; missing: " + (", ".join(d["missing_documents"]) or "-")
    return text


def _label(case: Case) -> str:
    return f"{case.request} {case.submitted_at.isoformat()}"
