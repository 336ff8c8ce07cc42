"""Replay: re-evaluate recorded decisions, and check the file they are recorded in.

For each record, :func:`replay` finds the policy content that decided it by
fingerprint (in the policy folder or its git history: :class:`ContentIndex`),
re-evaluates the recorded case against exactly that content with today's engine,
then against the rules in force today, and compares the decisions (not the wording,
nor the trace). Alongside, a :class:`~jknrules.audit.chain.ChainCheck` follows the
hash chain line by line. Entries are consumed one at a time, so a file of any size
is replayed in bounded memory (besides the findings). See ``docs/audit-guide.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jknrules.audit import holidaydata
from jknrules.audit.chain import ChainCheck
from jknrules.audit.findings import Difference, ReplayFinding
from jknrules.audit.logfile import Entry
from jknrules.engine.calendar import ServiceCalendar
from jknrules.engine.compiler import compile_policy
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.ir import CompiledPolicy, CVersion
from jknrules.errors import CaseError, PolicyError
from jknrules.language.case import Case
from jknrules.language.text import Bilingual
from jknrules.load.loader import case_from_data, load_policy_text

__all__ = ["DECISION_FIELDS", "ContentIndex", "Difference", "ReplayFinding", "ReplayReport",
           "decision", "differences", "replay"]

#: The parts of a result that make the decision (the wording and trace do not).
DECISION_FIELDS = ("outcome", "target_segment", "route", "required_documents",
                   "missing_documents", "deadlines")


def decision(result: Mapping[str, Any]) -> dict[str, Any]:
    """A result reduced to its decision, in a form that compares equal when equal."""
    route = result.get("route")
    missing = result.get("missing_documents")
    return {
        "outcome": result.get("outcome"),
        "target_segment": result.get("target_segment"),
        "route": None if route is None else f"{route.get('id')}/{route.get('channel')}",
        "required_documents": sorted(
            "|".join(d["any_of"]) if "any_of" in d else str(d.get("id"))
            for d in result.get("required_documents") or []),
        "missing_documents": None if missing is None else sorted(missing),
        "deadlines": dict(sorted((result.get("deadlines") or {}).items())),
    }


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Difference]:
    a, b = decision(old), decision(new)
    return [Difference(name, a[name], b[name]) for name in DECISION_FIELDS if a[name] != b[name]]


@dataclass
class ContentIndex:
    """Policy contents by fingerprint: sha256 -> (compiled policy, version, where)."""

    by_sha: dict[str, tuple[CompiledPolicy, CVersion, str]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def add(self, compiled: CompiledPolicy, where: str) -> None:
        for version in compiled.versions:
            self.by_sha.setdefault(version.sha256, (compiled, version, where))

    def add_text(self, text: str, where: str) -> None:
        try:
            self.add(compile_policy(load_policy_text(text, where)), where)
        except PolicyError:
            self.unreadable.append(where)


@dataclass(frozen=True)
class ReplayReport:
    file: str
    records: int
    reproduced: int
    findings: tuple[ReplayFinding, ...]
    contents: int
    searched: str
    #: what the chain check saw: chained and unchained records, checkpoints, and the
    #: signatures verified (``None`` without ``--verify``)
    integrity: Mapping[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "records": self.records, "reproduced": self.reproduced,
                "contents_searched": self.contents, "searched": self.searched,
                "integrity": dict(self.integrity),
                "findings": [f.to_json() for f in self.findings]}


def replay(entries: Iterable[Entry], file: str, index: ContentIndex,
           current: Mapping[str, CompiledPolicy], searched: str, *,
           chain: ChainCheck | None = None) -> ReplayReport:
    """Replay every record of ``entries`` (consumed one at a time) and check their chain
    (``chain``: default hashes and links only, no signatures)."""
    check = chain if chain is not None else ChainCheck()
    calendar = holidaydata.new_calendar()
    findings: list[ReplayFinding] = []
    records = reproduced = 0
    for entry in entries:
        findings += check.feed(entry)  # a line that is no JSON value: reported there
        if entry.problem is not None:
            if entry.data is not None:
                findings.append(entry.problem)
            continue
        if entry.record is None:
            continue  # a checkpoint
        records += 1
        found, ok = _replay_one(entry.line, entry.record, index, current, calendar)
        findings += found
        reproduced += ok
    findings += check.finish()
    findings.sort(key=lambda f: f.line)
    return ReplayReport(file, records, reproduced, tuple(findings), len(index.by_sha), searched,
                        check.summary())


def _replay_one(line: int, record: Mapping[str, Any], index: ContentIndex,
                current: Mapping[str, CompiledPolicy], calendar: ServiceCalendar
                ) -> tuple[list[ReplayFinding], bool]:
    sha = str(record["policy"]["sha256"])
    recorded = record["result"]
    try:
        case = case_from_data(record["case"])
    except CaseError as exc:
        return [ReplayFinding(line, "JKN-A033", Bilingual(
            f"kasus dalam catatan tidak valid: {exc.summary('id')}",
            f"the recorded case is invalid: {exc.summary('en')}"), sha)], False
    out: list[ReplayFinding] = []
    ok = False
    hit = index.by_sha.get(sha)
    if hit is None:
        engine = (record.get("engine") or {}).get("version", "?")
        out.append(ReplayFinding(line, "JKN-A040", Bilingual(
            f"isi kebijakan yang memutuskan (sha256 {sha[:12]}…) tidak ditemukan lagi; "
            f"mesin saat itu {engine}",
            f"the policy content that decided (sha256 {sha[:12]}…) can no longer be found; "
            f"engine then {engine}"), sha))
    redacted = set(record.get("redacted") or ())
    blind = redacted & set(hit[1].reads) if hit is not None else set()
    if hit is not None and blind:
        out.append(_needs_identity(line, sha, blind, f"({hit[2]})", f"({hit[2]})"))
    elif hit is not None:
        compiled, version, where = hit
        replayed = _evaluate(dataclasses.replace(compiled, versions=(version,)), case)
        diffs = _diff(recorded, replayed)
        if diffs:
            message = Bilingual(
                f"dengan isi kebijakan yang sama ({where}) keputusan kini berbeda dari catatan",
                f"with the same policy content ({where}) the decision now differs from the "
                "record")
            message, diffs = _with_holidays(record, message, diffs, calendar)
            out.append(ReplayFinding(line, "JKN-A041", message, sha, tuple(diffs)))
        ok = not diffs
    today = current.get(case.regency)
    in_force = today.version_at(today.calendar.local(case.submitted_at).date()) \
        if today is not None else None
    today_blind = redacted & set(in_force.reads) if in_force is not None else set()
    if today_blind and not blind:
        out.append(_needs_identity(line, sha, today_blind, "yang berlaku kini",
                                   "in force today"))
    elif today is not None and not blind:
        result = _evaluate(today, case)
        today_sha = (result or {}).get("policy", {}).get("sha256")
        diffs = _diff(recorded, result) if today_sha != sha else []
        if diffs:
            label = (result or {}).get("policy", {}).get("effective_from", "-")
            message = Bilingual(
                f"menurut aturan yang berlaku kini ({case.regency} versi {label}, sha256 "
                f"{str(today_sha)[:12]}…) keputusan akan berbeda",
                f"under the rules in force today ({case.regency} version {label}, sha256 "
                f"{str(today_sha)[:12]}…) the decision would differ")
            message, diffs = _with_holidays(record, message, diffs, calendar)
            out.append(ReplayFinding(line, "JKN-A042", message, sha, tuple(diffs)))
    return out, ok


def _with_holidays(record: Mapping[str, Any], message: Bilingual, diffs: list[Difference],
                   calendar: ServiceCalendar) -> tuple[Bilingual, list[Difference]]:
    """When a deadline moved and the national closed days of the decision's window are not
    what the record lists, say so: a new cuti bersama (a ``holidays`` release) moved it."""
    recorded = record.get("holidays")
    if not isinstance(recorded, dict) or not any(d.field == "deadlines" for d in diffs):
        return message, diffs
    changed = holidaydata.changed_days(recorded, calendar)
    if changed is None:
        return message, diffs
    then, now = changed
    added = [f"{d} {n}" for d, n in now if [d, n] not in then]
    removed = [f"{d} {n}" for d, n in then if [d, n] not in now]
    versions = f"holidays {recorded.get('version', '?')} → {holidaydata.holidays_version()}"
    listed = "; ".join([*(f"+ {a}" for a in added), *(f"− {r}" for r in removed)])
    note = Bilingual(f"; data hari libur nasional berubah ({versions}: {listed})",
                     f"; the national holiday data changed ({versions}: {listed})")
    return message + note, [*diffs, Difference("holidays", then, now)]


def _needs_identity(line: int, sha: str, fields: set[str], which_id: str,
                    which_en: str) -> ReplayFinding:
    """A record written without identity, replayed against content whose conditions
    read an identity field: the decision cannot be reproduced without it."""
    names = ", ".join(sorted(fields))
    return ReplayFinding(line, "JKN-A043", Bilingual(
        f"catatan ditulis tanpa identitas, tetapi isi kebijakan {which_id} membaca {names}: "
        "keputusan tidak dapat diulang tanpa data itu",
        f"the record was written without identity, but the policy content {which_en} reads "
        f"{names}: the decision cannot be replayed without it"), sha)


def _evaluate(policy: CompiledPolicy, case: Case) -> dict[str, Any] | None:
    try:
        return evaluate_compiled(policy, case, trace=False).to_dict()
    except CaseError:
        return None


def _diff(recorded: Mapping[str, Any], replayed: Mapping[str, Any] | None) -> list[Difference]:
    if replayed is None:
        return [Difference("outcome", recorded.get("outcome"), "error")]
    return differences(recorded, replayed)
