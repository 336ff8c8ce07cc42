"""``jknrules check``: does each version decide every possible case exactly once?

For every version, over the equivalence classes of the fields it reads
(:mod:`.domains`), this enumerates every combination of facts and reports:

- **gap**: a combination no service takes (the version decides nothing), unless
  an ``acknowledged_gaps`` entry covers it; explicit ``needs_review`` rules are
  listed as acknowledged gaps;
- **overlap**: two services both claim a case, or two rules give the same
  outcome with different target segments (the outcome precedence does not
  settle it);
- **dead rule / dead requirement**: a rule or requirement that never fires
  inside its service, or a rule that only fires together with a more binding one;
- **unreachable channel**: hours that never open, or always inside an earlier
  channel's hours;
- **calendar**: an extra closed day before the policy's first version;
- **active member accepted**: an active JKN member's case proceeds into a segment other
  than the member's own (one person, one segment; :mod:`.membership`). Every service is
  enumerated over ``membership.status`` × ``membership.segment`` even when no condition
  reads them, and ``acknowledged_gaps`` never hide it.

Missing facts are not gaps: a fact a rule needs but the case lacks goes to
``needs_review`` by design. Fields with ``if_missing`` get an "absent" class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jknrules.analysis.domains import (
    ABSENT,
    FieldClasses,
    build_classes,
    describe_pattern,
    enumerate_facts,
    minimal_pattern,
)
from jknrules.analysis.membership import second_segments
from jknrules.engine.conditions import compile_condition
from jknrules.engine.ir import Citation, CompiledPolicy, CService, CVersion
from jknrules.language.policy import Condition
from jknrules.language.text import Bilingual
from jknrules.language.vocab import OUTCOME_PRECEDENCE

_RANK = {name: i for i, name in enumerate(OUTCOME_PRECEDENCE)}
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Finding:
    #: gap | acknowledged_gap | overlap | dead_rule | dead_requirement | unreachable_channel
    #: | calendar | active_member_accepted
    kind: str
    regency: str
    version: str
    message: Bilingual
    example: dict[str, Any] = field(default_factory=dict)
    at: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    note: Bilingual | None = None

    @property
    def blocking(self) -> bool:
        return self.kind != "acknowledged_gap"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "regency": self.regency,
            "version": self.version,
            "message": self.message.as_dict(),
            "example": {k: ("<absent>" if v is ABSENT else v)
                        for k, v in sorted(self.example.items())},
            "at": list(self.at),
            "sources": list(self.sources),
            "note": self.note.as_dict() if self.note else None,
        }


@dataclass
class _Ctx:
    policy: CompiledPolicy
    version: CVersion
    vi: int  # index of ``version`` in the policy (compiled versions follow the file's order)
    findings: list[Finding] = field(default_factory=list)

    def add(self, kind: str, mid: str, men: str, *, example: dict[str, Any] | None = None,
            at: Iterable[str] = (), sources: Iterable[str] = (),
            note: Bilingual | None = None) -> None:
        """A finding of this version; its message is ``mid`` in Indonesian, ``men`` in
        English."""
        self.findings.append(Finding(
            kind, self.policy.policy.regency, self.version.effective_from.isoformat(),
            Bilingual(mid, men), dict(example or {}), tuple(a for a in at if a),
            tuple(sources), note))

    def span(self, service: CService, *path: str | int) -> str:
        doc = self.policy.source
        if doc is None:
            return ""
        vi = next(i for i, v in enumerate(self.policy.policy.versions)
                  if v.effective_from == service.defined_in)
        found = doc.span(("versions", vi, "services", service.route, *path))
        return str(found) if found else ""


def check_policy(policy: CompiledPolicy) -> list[Finding]:
    """Every finding for every version of one compiled policy."""
    out: list[Finding] = []
    for vi, version in enumerate(policy.versions):
        ctx = _Ctx(policy, version, vi)
        _check_routes(ctx)
        for service in version.services:
            _check_rules(ctx, service)
            _check_requirements(ctx, service)
            _check_channels(ctx, service)
            _check_membership(ctx, service)
        out += ctx.findings
    first = policy.versions[0].effective_from
    for i, closed in enumerate(policy.policy.closed_days):
        if closed.date < first:
            doc = policy.source
            span = doc.span(("closed_days", i)) if doc else None
            out.append(Finding(
                "calendar", policy.policy.regency, first.isoformat(),
                Bilingual(f"hari tutup {closed.date} jatuh sebelum versi pertama ({first})",
                          f"closed day {closed.date} falls before the first version ({first})"),
                at=(str(span),) if span else ()))
    return _dedupe(out)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.kind, f.regency, f.at, f.message.en, tuple(sorted(f.example.items(), key=str)))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- routes -------------------------------------------------------------------

def _check_routes(ctx: _Ctx) -> None:
    services = ctx.version.services
    vmodel = ctx.policy.policy.versions[ctx.vi]
    acks = [(compile_condition(a.when), a) for a in vmodel.acknowledged_gaps]
    conds: list[Condition | None] = [s.model.applies_when for s in services]
    conds += [a.when for a in vmodel.acknowledged_gaps]
    classes = build_classes(conds)
    if not any(c.field == "request" for c in classes):
        classes = build_classes(
            [*conds, Condition.model_validate({"field": "request", "equals": "register"})])

    def verdict(facts: dict[str, Any]) -> tuple[str, ...]:
        return tuple(s.route for s in services if s.applies(facts)[0])

    table = {_key(classes, f): verdict(f) for f in enumerate_facts(classes)}
    reported: set[tuple[str, ...]] = set()
    for facts in enumerate_facts(classes):
        routes = table[_key(classes, facts)]
        if len(routes) == 1:
            continue
        def same_routes(f: dict[str, Any], r: tuple[str, ...] = routes) -> bool:
            return table[_key(classes, f)] == r

        pattern = minimal_pattern(classes, facts, same_routes)
        key = tuple(sorted(f"{k}={v!r}" for k, v in pattern.items())) + routes
        if key in reported:
            continue
        reported.add(key)
        words = describe_pattern(classes, pattern)
        if not routes:
            found = next((i for i, (when, _) in enumerate(acks) if when(facts)[0]), None)
            if found is not None:
                ack = acks[found][1]
                span = ctx.policy.source.span(("versions", ctx.vi, "acknowledged_gaps", found)) \
                    if ctx.policy.source else None
                cite = Citation.of(ack.source, next(iter(vmodel.documents)), vmodel.documents, span)
                ctx.add("acknowledged_gap", f"{words} → tidak ada layanan (diakui)",
                        f"{words} → no service (acknowledged)", example=pattern,
                        note=ack.note, sources=(cite.text,), at=(cite.at,))
            else:
                ctx.add("gap", f"{words} → tidak ada layanan yang memutuskan; dokumen sumber diam",
                        f"{words} → nothing decides; the documents are silent", example=pattern,
                        at=[ctx.span(s, "applies_when") for s in services])
        else:
            involved = [s for s in services if s.route in routes]
            ctx.add("overlap",
                    f"{words} → beberapa layanan berlaku sekaligus: {', '.join(routes)}",
                    f"{words} → several services apply at once: {', '.join(routes)}",
                    example=pattern, at=[ctx.span(s, "applies_when") for s in involved],
                    sources=[s.cite.text for s in involved])


def _key(classes: Sequence[FieldClasses], facts: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(facts.get(c.field, ABSENT) for c in classes)


# --- rules --------------------------------------------------------------------

def _check_rules(ctx: _Ctx, service: CService) -> None:
    if not service.rules:
        return
    conds = [service.model.applies_when, *(r.when for r in service.model.rules)]
    classes = build_classes(conds)
    fired_ever: set[str] = set()
    decisive: set[str] = set()
    explicit_review: dict[str, dict[str, Any]] = {}
    overlaps: dict[tuple[str, str], dict[str, Any]] = {}
    for facts in enumerate_facts(classes):
        if not service.applies(facts)[0]:
            continue
        fired = [r for r in service.rules if r.when(facts)[0]]
        if not fired:
            continue
        best = min(_RANK[r.outcome] for r in fired)
        for r in fired:
            fired_ever.add(r.id)
            if _RANK[r.outcome] == best:
                decisive.add(r.id)
            if r.outcome == "needs_review" and _RANK[r.outcome] == best:
                explicit_review.setdefault(r.id, facts)
        top = [r for r in fired if _RANK[r.outcome] == best]
        segments = {_segment(r.target_segment, facts) for r in top}
        if len(segments) > 1:
            pair = (top[0].id, top[1].id)
            overlaps.setdefault(pair, facts)
    for rule in service.rules:
        at = ctx.span(service, "rules", service.rules.index(rule))
        if rule.id not in fired_ever:
            ctx.add("dead_rule",
                    f"aturan '{rule.id}' ({service.route}) tidak pernah berlaku: syaratnya "
                    "bertentangan atau tidak mungkin di dalam layanan ini",
                    f"rule '{rule.id}' ({service.route}) never fires: its condition is "
                    "contradictory or impossible inside this service",
                    at=[at], sources=[rule.cite.text])
        elif rule.id not in decisive:
            ctx.add("dead_rule",
                    f"aturan '{rule.id}' ({service.route}) selalu tertutup aturan yang lebih "
                    "mengikat; tidak pernah menentukan hasil",
                    f"rule '{rule.id}' ({service.route}) is always shadowed by a more binding "
                    "rule; it never decides the outcome",
                    at=[at], sources=[rule.cite.text])
    for rule_id, facts in explicit_review.items():
        rule = next(r for r in service.rules if r.id == rule_id)
        note = rule.assumption or rule.message
        words = describe_pattern(classes, {k: facts.get(k, ABSENT) for k in rule.fields})
        ctx.add("acknowledged_gap",
                f"{service.route}: {words} → needs_review (aturan '{rule.id}')",
                f"{service.route}: {words} → needs_review (rule '{rule.id}')",
                example={k: facts[k] for k in rule.fields if k in facts},
                at=[ctx.span(service, "rules", service.rules.index(rule))],
                sources=[rule.cite.text], note=note)
    for (a, b), facts in overlaps.items():
        ra = next(r for r in service.rules if r.id == a)
        rb = next(r for r in service.rules if r.id == b)
        fields = sorted(set(ra.fields) | set(rb.fields))
        words = describe_pattern(classes, {k: facts.get(k, ABSENT) for k in fields})
        ctx.add("overlap",
                f"{service.route}: {words} → aturan '{a}' dan '{b}' memberi hasil yang sama "
                "dengan segmen tujuan berbeda",
                f"{service.route}: {words} → rules '{a}' and '{b}' give the same outcome with "
                "different target segments",
                example={k: facts[k] for k in fields if k in facts},
                at=[ctx.span(service, "rules", service.rules.index(r)) for r in (ra, rb)],
                sources=[ra.cite.text, rb.cite.text])


def _segment(target: str | None, facts: dict[str, Any]) -> Any:
    return facts.get("membership.segment") if target == "current" else target


# --- requirements and channels --------------------------------------------------

def _check_requirements(ctx: _Ctx, service: CService) -> None:
    seen: dict[tuple[str, ...], int] = {}
    for i, (req, model) in enumerate(zip(service.requirements, service.model.documents,
                                         strict=True)):
        at = ctx.span(service, "documents", i)
        if req.when is None:
            if req.documents in seen:
                ctx.add("dead_requirement",
                        f"persyaratan {'/'.join(req.documents)} ({service.route}) sama dengan "
                        f"persyaratan #{seen[req.documents] + 1}",
                        f"requirement {'/'.join(req.documents)} ({service.route}) repeats "
                        f"requirement #{seen[req.documents] + 1}",
                        at=[at], sources=[req.cite.text])
            seen.setdefault(req.documents, i)
            continue
        classes = build_classes([service.model.applies_when, model.when])
        when = req.when
        if not any(service.applies(f)[0] and when(f)[0] for f in enumerate_facts(classes)):
            ctx.add("dead_requirement",
                    f"persyaratan {'/'.join(req.documents)} ({service.route}) tidak pernah "
                    "berlaku di dalam layanan ini",
                    f"requirement {'/'.join(req.documents)} ({service.route}) never applies "
                    "inside this service",
                    at=[at], sources=[req.cite.text])


def _check_channels(ctx: _Ctx, service: CService) -> None:
    for i, channel in enumerate(service.channels):
        at = ctx.span(service, "channels", i)
        if not any(channel.hours.days):
            ctx.add("unreachable_channel",
                    f"kanal '{channel.id}' ({service.route}) tidak pernah buka",
                    f"channel '{channel.id}' ({service.route}) never opens",
                    at=[at], sources=[channel.cite.text])
            continue
        for earlier in service.channels[:i]:
            if all(_covered(day, big) for day, big in zip(channel.hours.days,
                                                          earlier.hours.days, strict=True)):
                ctx.add("unreachable_channel",
                        f"kanal '{channel.id}' ({service.route}) tidak pernah dipilih: jamnya "
                        f"selalu di dalam jam kanal '{earlier.id}' yang disebut lebih dulu",
                        f"channel '{channel.id}' ({service.route}) is never chosen: its hours "
                        f"always fall inside those of '{earlier.id}', listed before it",
                        at=[at], sources=[channel.cite.text])
                break


def _covered(small: tuple[tuple[int, int], ...], big: tuple[tuple[int, int], ...]) -> bool:
    return all(any(a2 <= a and b <= b2 for a2, b2 in big) for a, b in small)


# --- membership: one person, one segment ------------------------------------------

def _check_membership(ctx: _Ctx, service: CService) -> None:
    version = service.defined_in.isoformat()
    for found in second_segments(service):
        words = describe_pattern(found.classes, found.example)
        current = ", ".join(found.current)
        ctx.add("active_member_accepted",
                f"versi {version}, layanan {service.route}: peserta JKN aktif segmen "
                f"{current} diproses masuk segmen kedua {found.target} (diterima, belum "
                f"lengkap atau di luar jendela penerimaan); satu orang, satu segmen: peserta "
                f"aktif tidak didaftarkan ke segmen baru. Contoh: {words}",
                f"version {version}, route {service.route}: an active JKN member of segment "
                f"{current} proceeds into a second segment, {found.target} (accepted, "
                f"incomplete or outside the intake window); one person, one segment: an "
                f"active member is never registered into a new segment. Example: {words}",
                example=found.example, at=[ctx.span(service, "applies_when")],
                sources=[service.cite.text])
