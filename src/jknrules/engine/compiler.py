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
from dataclasses import replace
from typing import Any

from jknrules.engine.calendar import WORKING_DAYS_ALL_DAY, ServiceCalendar, WeeklyHours
from jknrules.engine.conditions import compile_condition, describe
from jknrules.engine.ir import (
    CChannel,
    Citation,
    CNotice,
    CompiledPolicy,
    CRequirement,
    CRule,
    CService,
    CVersion,
)
from jknrules.engine.result import Shared
from jknrules.engine.state import reason
from jknrules.language.policy import Policy, Service, Source
from jknrules.language.text import Bilingual
from jknrules.language.vocab import DOCUMENTS, ROUTES
from jknrules.load.loader import LoadedPolicy


def requirement_texts(documents: tuple[str, ...], why: Bilingual | None,
                      condition_text: Bilingual | None) -> tuple[Bilingual, Bilingual]:
    """The document names and the reason a requirement applies."""
    name = Bilingual.same(" / ").join(DOCUMENTS[d] for d in documents)
    if why is not None:
        return name, why
    if condition_text is not None:
        return name, Bilingual("karena ", "because ") + condition_text
    return name, _EVERY_APPLICANT


_EVERY_APPLICANT = Bilingual("wajib bagi semua pemohon layanan ini",
                             "required of every applicant for this service")


def route_blocks(route: str, service: Service, office: str, channels: tuple[CChannel, ...],
                 cite: Citation) -> dict[str | None, dict[str, Any]]:
    """``result.route`` for a case going to each channel (by id; ``None``: none opens)."""
    out: dict[str | None, dict[str, Any]] = {}
    for channel in (None, *channels):
        steps = channel.steps if channel is not None and channel.steps is not None \
            else service.steps
        block: dict[str, Any] = {
            "id": route,
            "channel": channel.id if channel is not None else None,
            "office": _office(office, channel),
            "name": service.title,
            "source": cite.text,
            "steps": [{"actor": s.actor, "action": s.action, "minutes": s.minutes}
                      for s in steps],
        }
        if channel is not None and channel.members:
            block["members"] = list(channel.members)
        out[channel.id if channel is not None else None] = Shared(block)
    return out


def accepted_reasons(route: str, service: Service, office: str,
                     channels: tuple[CChannel, ...], cite: Citation
                     ) -> dict[str | None, tuple[dict[str, Any], dict[str, Any]]]:
    """The ``accepted`` reason for a case going to each channel: without the documents
    brought (what to bring, and where), and with them."""
    out: dict[str | None, tuple[dict[str, Any], dict[str, Any]]] = {}
    for channel in (None, *channels):
        at = _office(office, channel)
        out[channel.id if channel is not None else None] = (
            Shared(reason("accepted", Bilingual(
                f"Tidak ada aturan yang menolak; bawa dokumen wajib ke {at}.",
                f"No rule refuses the request; bring the required documents to {at}."), cite)),
            Shared(reason("accepted", Bilingual(
                f"Berkas lengkap; permohonan diproses melalui {service.title}.",
                f"Complete; the request proceeds along {route}."), cite)),
        )
    return out


def _office(office: str, channel: CChannel | None) -> str:
    """The office serving a case on ``channel``: the channel's own, else the service's."""
    return (channel.office if channel is not None and channel.office else None) or office


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
            condition_text=Bilingual(describe(q.when, "id"), describe(q.when, "en"))
            if q.when else None,
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

    office = policy.offices[service.office].name
    return CService(
        route=route, model=service, defined_in=version.effective_from,
        document=docs[service.document], office=office,
        applies=compile_condition(service.applies_when),
        applies_fields=tuple(sorted(service.applies_when.fields())),
        cite=cite(service.source), rules=rules, requirements=requirements, channels=channels,
        window=pair("intake_window"), cutoff=pair("cutoff"), response=pair("response_time"),
        activation=pair("expected_activation"), steps=tuple(service.steps),
        assumptions=tuple(service.assumptions), notices=notices,
        service_hours=WeeklyHours.union([c.hours for c in channels]),
        routes=route_blocks(route, service, office, channels, cite(service.source)),
        accepted=accepted_reasons(route, service, office, channels, cite(service.source)),
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
