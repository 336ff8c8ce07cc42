"""The compiled form of a policy: frozen types the evaluator, the batch plan and the
analyses read. Only types live here; ``engine.compiler`` builds them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from jknrules.engine.calendar import ServiceCalendar, WeeklyHours
from jknrules.engine.conditions import Compiled
from jknrules.engine.memo import (
    LISTS_LIMIT,
    MISSING_LIMIT,
    REFS_LIMIT,
    SERVICE_LIMIT,
    VERSION_LIMIT,
    Memo,
)
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
)
from jknrules.language.text import Bilingual
from jknrules.language.vocab import RuleOutcome
from jknrules.load.source import SourceText

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
    outcome: RuleOutcome
    target_segment: str | None
    message: Bilingual
    cite: Citation
    when: Compiled
    fields: tuple[str, ...]
    assumption: Bilingual | None


@dataclass(frozen=True, slots=True)
class CRequirement:
    key: str
    documents: tuple[str, ...]
    any_of: bool
    when: Compiled | None
    condition_text: Bilingual | None
    fields: tuple[str, ...]
    why: Bilingual | None
    cite: Citation
    assumption: Bilingual | None
    #: precomputed texts of the result's item: ``name`` and ``why``
    name_text: Bilingual = Bilingual.same("")
    why_text: Bilingual = Bilingual.same("")


@dataclass(frozen=True, slots=True)
class CChannel:
    id: str
    name: str
    #: opening hours; a channel whose source states none has ``WORKING_DAYS_ALL_DAY``
    hours: WeeklyHours
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
    message: Bilingual
    cite: Citation
    assumption: Bilingual | None


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
    #: the hours at which any channel of the service is open: response and activation
    #: times run on them (the counter and the after-hours group cover for each other)
    service_hours: WeeklyHours
    notices: tuple[CNotice, ...] = ()
    #: ``result.route`` by the id of the channel the case goes to (``None``: no channel
    #: opens), built once by the compiler; shared by every result, which hands out copies
    routes: dict[str | None, dict[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False)
    #: the ``accepted`` reason by channel id (as ``routes``), without and with the
    #: documents brought (index ``False``/``True``); shared like ``routes``
    accepted: dict[str | None, tuple[dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict, compare=False, hash=False, repr=False)
    #: the evaluator's memo of day-level calendar values (see ``engine.deadlines``), at
    #: most ``memo.SERVICE_LIMIT`` entries (what was not used lately is dropped)
    memo: Memo[tuple[Any, ...], Any] = field(default_factory=lambda: Memo(SERVICE_LIMIT),
                                             compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class CVersion:
    regency: str
    effective_from: dt.date
    sha256: str
    services: tuple[CService, ...]
    #: every case field a condition of this version reads (with ``request``)
    reads: tuple[str, ...] = ()
    #: the evaluator's memo of what the facts decide, keyed by the values of ``reads``
    #: (entries never mutated; at most ``memo.VERSION_LIMIT``, what was not used lately
    #: is dropped; see ``evaluator._facts_phase``)
    memo: Memo[tuple[Any, ...], Any] = field(default_factory=lambda: Memo(VERSION_LIMIT),
                                             compare=False, hash=False, repr=False)
    #: ``result.policy`` blocks, by (route, effective date, fingerprint, file, regency):
    #: every value it is built from, so a copy of the version with another date
    #: (``dataclasses.replace``) never reads a block of the original (shared by every
    #: result, which hands out copies)
    refs: Memo[tuple[Any, ...], dict[str, str]] = field(
        default_factory=lambda: Memo(REFS_LIMIT), compare=False, hash=False, repr=False)
    #: the distinct lists of required documents of the facts memo, by their JSON text, each
    #: with the bit mask of the documents it names (``evaluator._required_list``): one
    #: list object per content, so the missing documents are memoised per list, not per
    #: combination of facts
    lists: Memo[str, tuple[Any, int]] = field(
        default_factory=lambda: Memo(LISTS_LIMIT), compare=False, hash=False, repr=False)
    #: the missing documents of one of ``lists`` and their reason, by (the list's id, the
    #: bits of the documents it names that were brought, propose): ``evaluator._missing``
    #: (each entry keeps its list, so the id is not reused while the entry stands)
    missing: Memo[tuple[int, int, bool],
                  tuple[list[dict[str, Any]], list[str], dict[str, Any] | None]] = field(
        default_factory=lambda: Memo(MISSING_LIMIT), compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class CompiledPolicy:
    policy: Policy
    file: str
    calendar: ServiceCalendar
    versions: tuple[CVersion, ...]
    source: SourceText | None = None

    def version_at(self, day: dt.date) -> CVersion | None:
        """The version in force on ``day`` (``None`` before the first one)."""
        found = None
        for version in self.versions:
            if version.effective_from <= day:
                found = version
        return found
