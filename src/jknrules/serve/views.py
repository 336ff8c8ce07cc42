"""A decision as the Loket page and the receipt show it.

Everything here is read from the :class:`~jknrules.Result` (the contract's object) and
the regency's time zone; nothing is decided again. Document names come from the result
(never raw ids in a sentence), deadlines are shown in the regency's local time in words,
and every reason keeps its clause.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from jknrules.audit.wording import SEGMENT_NAMES, ZONES
from jknrules.engine.result import Result
from jknrules.language.text import Bilingual
from jknrules.language.vocab import CHANNEL_LABELS, DEADLINE_LABELS, DOCUMENTS, OUTCOME_LABELS
from jknrules.serve.words import MONTHS, WEEKDAYS, Say

Status = Literal["brought", "missing", "unchecked"]


@dataclass(frozen=True, slots=True)
class DocumentLine:
    name: str
    why: str
    source: str
    status: Status
    assumption: str = ""


@dataclass(frozen=True, slots=True)
class DeadlineLine:
    key: str
    label: str
    when: str  # in words, local time
    iso: str  # as the result gives it (with the regency's offset)


@dataclass(frozen=True, slots=True)
class ReasonLine:
    code: str
    message: str
    message_other: str
    source: str
    assumption: str = ""


@dataclass(frozen=True, slots=True)
class StepLine:
    actor: str
    action: str
    minutes: int | None


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str
    outcome_label: str
    outcome_other: str
    segment: str
    route_name: str
    route_id: str
    office: str
    channel: str
    route_source: str
    steps: tuple[StepLine, ...]
    documents: tuple[DocumentLine, ...]
    checked: bool  # the documents brought were given: each line is brought or missing
    missing: tuple[str, ...]  # names of the missing documents
    deadlines: tuple[DeadlineLine, ...]
    reasons: tuple[ReasonLine, ...]
    policy: str  # "karangasem @ 2025-12-31 — <document>"
    sha256: str
    zone: str  # WIB, WITA, WIT
    decision_id: str = ""  # the record's id, when the server records decisions (--record)


_NO_CHANNEL = Bilingual.same("")


def decision(result: Result, time_zone: str, say: Say, decision_id: str = "") -> Decision:
    lang = say.lang
    zone = ZONES.get(time_zone, time_zone)
    missing_ids = result.missing_documents
    checked = missing_ids is not None
    documents = []
    for item in result.required_documents:
        ids = item["any_of"] if "any_of" in item else [item["id"]]
        status: Status = "unchecked" if missing_ids is None else (
            "missing" if all(d in missing_ids for d in ids) else "brought")
        documents.append(DocumentLine(
            name=item["name"][lang_key(lang)], why=item["why"][lang_key(lang)],
            source=item["source"], status=status,
            assumption=item["assumption"][lang_key(lang)] if "assumption" in item else ""))
    route = result.route
    deadlines = tuple(
        DeadlineLine(key, DEADLINE_LABELS[key].pick(lang), when_in_words(value, zone, lang), value)
        for key, value in result.deadlines.items() if isinstance(value, str))
    reasons = tuple(
        ReasonLine(r["code"], r["message"][lang_key(lang)],
                   r["message"][lang_key(say.other)], r.get("source") or "",
                   r["assumption"][lang_key(lang)] if "assumption" in r else "")
        for r in result.reasons)
    p = result.policy
    return Decision(
        outcome=result.outcome,
        outcome_label=OUTCOME_LABELS[result.outcome].pick(lang),
        outcome_other=OUTCOME_LABELS[result.outcome].pick(say.other),
        segment=SEGMENT_NAMES.get(result.target_segment or "", "") if result.target_segment
        and result.target_segment != "none" else "",
        route_name=route["name"] if route else "",
        route_id=route["id"] if route else "",
        office=route["office"] if route else "",
        channel=CHANNEL_LABELS.get(route.get("channel") or "", _NO_CHANNEL).pick(lang)
        if route else "",
        route_source=route["source"] if route else "",
        steps=tuple(StepLine(s["actor"], s["action"], s["minutes"])
                    for s in (route["steps"] if route else [])),
        documents=tuple(documents),
        checked=checked,
        missing=tuple(DOCUMENTS[d].pick(lang) for d in (missing_ids or [])),
        deadlines=deadlines,
        reasons=reasons,
        policy=f"{p['regency']} @ {p['effective_from']} — {p['document']}",
        sha256=p["sha256"],
        zone=zone,
        decision_id=decision_id,
    )


def lang_key(lang: str) -> Literal["id", "en"]:
    return "en" if lang == "en" else "id"


def when_in_words(value: str, zone: str, lang: str) -> str:
    """``2026-02-04T10:33:00+08:00`` → ``Rabu, 4 Februari 2026 pukul 10.33 WITA``
    (``Wednesday, 4 February 2026, 10:33 WITA``): the moment as the result gives it, in
    the regency's own offset, never converted to the server's zone."""
    moment = dt.datetime.fromisoformat(value)
    i = 0 if lang == "id" else 1
    day = f"{WEEKDAYS[moment.weekday()][i]}, {moment.day} {MONTHS[moment.month - 1][i]} {moment.year}"
    if lang == "id":
        return f"{day} pukul {moment:%H.%M} {zone}".rstrip()
    return f"{day}, {moment:%H:%M} {zone}".rstrip()


def date_in_words(day: dt.date, lang: str) -> str:
    i = 0 if lang == "id" else 1
    return f"{day.day} {MONTHS[day.month - 1][i]} {day.year}"


def masked_nik(nik: str) -> str:
    """A NIK on a printed receipt: the last four digits only."""
    return "•" * 12 + nik[-4:] if len(nik) == 16 else ""
