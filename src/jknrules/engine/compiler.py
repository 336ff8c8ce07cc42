"""Compiling: validated policies -> frozen, indexed structures evaluated many times.

Stages, in order: ``layer_versions`` (a later version restates the services
its documents define; the others carry over), ``fingerprint`` (sha256 of the
layered content that decides), ``compile_service`` (conditions to closures,
hours to minute tables, sources to citations with their file:line).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from jknrules.engine.calendar import WORKING_DAYS_ALL_DAY, ServiceCalendar, WeeklyHours
from jknrules.engine.conditions import Compiled, compile_condition, describe
from jknrules.errors import Span
from jknrules.language.policy import (
    Activation,
    Assumption,
    Cutoff,
    IntakeWindow,
    Policy,
    ResponseTime,
    Service,
    Source,
    SourceDocument,
    Step,
    Text,
)
from jknrules.language.vocab import DOCUMENTS, ROUTES
from jknrules.load.loader import LoadedPolicy
from jknrules.load.source import SourceDocument as SourceDoc

SEGMENT_CURRENT = "current"


@dataclass(frozen=True, slots=True)
class Citation:
    """A clause of a signed document, and where the policy encodes it."""

    text: str
    at: str

    @staticmethod
    def of(source: Source, default_doc: str, docs: dict[str, SourceDocument],
           span: Span | None) -> Citation:
        doc_id = source.document or default_doc
        meta = docs.get(doc_id)
        if meta is None:
            title = doc_id
        else:
            title = meta.short_title or (
                f"{meta.kind} {meta.number}" if meta.number else meta.title)
            if meta.date is not None:
                title += f" ({meta.date.isoformat()})"
        return Citation(f"{title}, {source.clause}", str(span) if span else "")


@dataclass(frozen=True, slots=True)
class CRule:
    key: str
    id: str
    outcome: str
    target_segment: str | None
    message: Text
    cite: Citation
    when: Compiled
    fields: tuple[str, ...]
    assumption: Text | None


@dataclass(frozen=True, slots=True)
class CRequirement:
    key: str
    documents: tuple[str, ...]
    any_of: bool
    when: Compiled | None
    condition_text: tuple[str, str] | None
    fields: tuple[str, ...]
    why: Text | None
    cite: Citation
    assumption: Text | None
    #: precomputed texts of the result's item: ``name`` (id, en) and ``why`` (id, en)
    name_text: tuple[str, str] = ("", "")
    why_text: tuple[str, str] = ("", "")


def requirement_texts(documents: tuple[str, ...], why: Text | None,
                      condition_text: tuple[str, str] | None) -> tuple[tuple[str, str],
                                                                        tuple[str, str]]:
    """The document names and the reason a requirement applies, in both languages."""
    name = (" / ".join(DOCUMENTS[d][0] for d in documents),
            " / ".join(DOCUMENTS[d][1] for d in documents))
    if why is not None:
        return name, (why.id, why.en)
    if condition_text is not None:
        return name, ("karena " + condition_text[0], "because " + condition_text[1])
    return name, ("wajib bagi semua pemohon layanan ini",
                  "required of every applicant for this service")


@dataclass(frozen=True, slots=True)
class CChannel:
    id: str
    name: str
    hours: WeeklyHours | None
    cite: Citation
    #: the office serving this channel (its name), when not the service's own
    office: str | None = None
    members: tuple[str, ...] = ()
    #: the steps on this channel, when they differ from the service's
    steps: tuple[Step, ...] | None = None


@dataclass(frozen=True, slots=True)
class CNotice:
    key: str
    id: str
    when: Compiled | None
    fields: tuple[str, ...]
    message: Text
    cite: Citation
    assumption: Text | None


@dataclass(frozen=True, slots=True)
class CService:
    route: str
    model: Service
    defined_in: dt.date
    document: SourceDocument
    office: str
    applies: Compiled
    applies_fields: tuple[str, ...]
    cite: Citation
    rules: tuple[CRule, ...]
    requirements: tuple[CRequirement, ...]
    channels: tuple[CChannel, ...]
    window: tuple[IntakeWindow, Citation] | None
    cutoff: tuple[Cutoff, Citation] | None
    response: tuple[ResponseTime, Citation] | None
    activation: tuple[Activation, Citation] | None
    steps: tuple[Step, ...]
    assumptions: tuple[Assumption, ...]
    notices: tuple[CNotice, ...] = ()
    #: the hours at which any channel of the service is open: response and activation
    #: times run on them (the counter and the after-hours group cover for each other)
    service_hours: WeeklyHours | None = None
    #: the evaluator's memo of day-level calendar values (see ``evaluator._calendar``)
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, hash=False,
                                             repr=False)


@dataclass(frozen=True, slots=True)
class CVersion:
    regency: str
    effective_from: dt.date
    sha256: str
    services: tuple[CService, ...]
    #: every case field a condition of this version reads (with ``request``)
    reads: tuple[str, ...] = ()
    #: the evaluator's memo of what the facts decide, keyed by the values of ``reads``
    #: (filled on first use, never mutated after; see ``evaluator._facts_phase``)
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, hash=False,
                                             repr=False)


@dataclass(frozen=True)
class CompiledPolicy:
    policy: Policy
    file: str
    calendar: ServiceCalendar
    versions: tuple[CVersion, ...]
    source: SourceDoc | None = None

    def version_at(self, day: dt.date) -> CVersion | None:
        """The version in force on ``day`` (``None`` before the first one)."""
        found = None
        for version in self.versions:
            if version.effective_from <= day:
                found = version
        return found


# --- stages -------------------------------------------------------------------

def layer_versions(policy: Policy) -> list[dict[str, tuple[int, Service]]]:
    """For each version, route -> (index of the version that defines it, service)."""
    layered: list[dict[str, tuple[int, Service]]] = []
    current: dict[str, tuple[int, Service]] = {}
    for vi, version in enumerate(policy.versions):
        current = {r: s for r, s in current.items() if r not in version.withdraws}
        current.update({route: (vi, service) for route, service in version.services.items()})
        layered.append({r: current[r] for r in ROUTES if r in current})
    return layered


def fingerprint(policy: Policy, effective_from: dt.date,
                services: dict[str, tuple[int, Service]]) -> str:
    """sha256 of everything that decides a case under this version (not comments, not
    formatting, not line numbers)."""
    content: dict[str, Any] = {
        "regency": policy.regency,
        "time_zone": policy.time_zone,
        "closed_days": [c.date.isoformat() for c in policy.closed_days],
        "effective_from": effective_from.isoformat(),
        "offices": {k: v.model_dump(mode="json") for k, v in policy.offices.items()},
        "services": {},
    }
    for route, (vi, service) in services.items():
        version = policy.versions[vi]
        content["services"][route] = {
            "defined_in": version.effective_from.isoformat(),
            "documents": {k: v.model_dump(mode="json") for k, v in version.documents.items()},
            "service": service.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def compile_service(loaded: LoadedPolicy, vi: int, route: str, service: Service) -> CService:
    policy, doc = loaded.policy, loaded.source
    version = policy.versions[vi]
    docs = version.documents
    base = ("versions", vi, "services", route)
    default_doc = service.document

    def cite(source: Source, *path: str | int) -> Citation:
        return Citation.of(source, default_doc, docs, doc.span((*base, *path)))

    rules = tuple(
        CRule(
            key=f"{route}/rules/{r.id}", id=r.id, outcome=r.outcome,
            target_segment=r.target_segment, message=r.message,
            cite=cite(r.source, "rules", i), when=compile_condition(r.when),
            fields=tuple(sorted(r.when.fields())), assumption=r.assumption,
        )
        for i, r in enumerate(service.rules)
    )
    requirements = tuple(
        CRequirement(
            key=f"{route}/documents/{i}",
            documents=(q.require,) if q.require else tuple(q.any_of or ()),
            any_of=q.any_of is not None,
            when=compile_condition(q.when) if q.when else None,
            condition_text=(describe(q.when, "id"), describe(q.when, "en")) if q.when else None,
            fields=tuple(sorted(q.when.fields())) if q.when else (),
            why=q.why, cite=cite(q.source, "documents", i), assumption=q.assumption,
        )
        for i, q in enumerate(service.documents)
    )
    requirements = tuple(
        replace(r, name_text=texts[0], why_text=texts[1]) for r in requirements
        for texts in [requirement_texts(r.documents, r.why, r.condition_text)]
    )
    channels = tuple(
        CChannel(c.id, c.name, WeeklyHours.from_model(c.hours) if c.hours else WORKING_DAYS_ALL_DAY,
                 cite(c.source, "channels", i),
                 office=policy.offices[c.office].name if c.office else None,
                 members=tuple(c.members), steps=tuple(c.steps) if c.steps else None)
        for i, c in enumerate(service.channels)
    )
    notices = tuple(
        CNotice(key=f"{route}/notices/{n.id}", id=n.id,
                when=compile_condition(n.when) if n.when else None,
                fields=tuple(sorted(n.when.fields())) if n.when else (),
                message=n.message, cite=cite(n.source, "notices", i), assumption=n.assumption)
        for i, n in enumerate(service.notices)
    )

    def pair(name: str) -> Any:
        item = getattr(service, name)
        return None if item is None else (item, cite(item.source, name))

    return CService(
        route=route, model=service, defined_in=version.effective_from,
        document=docs[service.document], office=policy.offices[service.office].name,
        applies=compile_condition(service.applies_when),
        applies_fields=tuple(sorted(service.applies_when.fields())),
        cite=cite(service.source), rules=rules, requirements=requirements, channels=channels,
        window=pair("intake_window"), cutoff=pair("cutoff"), response=pair("response_time"),
        activation=pair("expected_activation"), steps=tuple(service.steps),
        assumptions=tuple(service.assumptions), notices=notices,
        service_hours=WeeklyHours.union([c.hours for c in channels if c.hours is not None])
        if all(c.hours is not None for c in channels) else None,
    )


def compile_policy(loaded: LoadedPolicy) -> CompiledPolicy:
    policy = loaded.policy
    calendar = ServiceCalendar(policy.time_zone, [c.date for c in policy.closed_days])
    compiled_services: dict[tuple[int, str], CService] = {}
    versions = []
    for vi, services in enumerate(layer_versions(policy)):
        effective = policy.versions[vi].effective_from
        out = []
        for route, (defining, service) in services.items():
            key = (defining, route)
            if key not in compiled_services:
                compiled_services[key] = compile_service(loaded, defining, route, service)
            out.append(compiled_services[key])
        reads = {"request"}
        for cs in out:
            reads.update(cs.applies_fields)
            for rule in cs.rules:
                reads.update(rule.fields)
            for req in cs.requirements:
                reads.update(req.fields)
            for notice in cs.notices:
                reads.update(notice.fields)
        versions.append(CVersion(
            policy.regency, effective, fingerprint(policy, effective, services), tuple(out),
            reads=tuple(sorted(reads)),
        ))
    return CompiledPolicy(policy, loaded.source.file, calendar, tuple(versions), loaded.source)
