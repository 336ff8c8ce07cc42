"""Evaluation: a pure function of (compiled policy, case) -> result.

Order of work: select the version in force, select the service (route), run
its eligibility rules, its document requirements, then the calendar (channel,
intake window, cut-off, response and activation). Every outcome a step finds
is a candidate; the contract's precedence picks the one that binds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import reduce
from itertools import repeat
from operator import or_
from typing import Any

from jknrules.engine.deadlines import calendar_phase
from jknrules.engine.ir import SEGMENT_CURRENT, CChannel, CompiledPolicy, CService, CVersion
from jknrules.engine.result import (
    Result,
    Shared,
    SharedList,
)
from jknrules.engine.state import Work, reason
from jknrules.errors import CaseError, diag
from jknrules.language.case import Case, facts_of
from jknrules.language.reader import CaseFacts
from jknrules.language.text import Bilingual
from jknrules.language.vocab import DOCUMENTS, OUTCOME_PRECEDENCE

_RANK = {name: i for i, name in enumerate(OUTCOME_PRECEDENCE)}


def _rank_of(candidate: tuple[str, str | None, dict[str, Any]]) -> int:
    return _RANK[candidate[0]]


_PROCEEDS = ("accepted", "incomplete", "outside_intake_window", "needs_review")
#: Reasons that only matter when the case proceeds along its route (and notices,
#: whose codes start with ``notice.``).
_PROCEDURAL = ("documents.not_checked", "channel.closed", "documents.missing", "cutoff.moved")
#: Outcomes whose reasons only make sense along the route (e.g. "attach this month's
#: receipt"), dropped when a more binding outcome stops the case.
_ALONG_THE_ROUTE = ("incomplete", "outside_intake_window")
_CHOOSING_ROUTE = Bilingual("menentukan jalur layanan", "choosing the service route")
#: What a rule whose condition the case cannot answer would have judged, by its outcome
#: (the ``fact.missing`` reason names this, and the rule's clause as its source, never the
#: rule's id, which means nothing to an applicant)
_JUDGING: dict[str, Bilingual] = {
    "ineligible": Bilingual("menilai apakah pemohon memenuhi syarat",
                            "judging whether the applicant is eligible"),
    "needs_review": Bilingual("menilai apakah petugas harus memutuskan",
                              "judging whether an officer must decide"),
    "already_registered": Bilingual("menilai apakah pemohon sudah terdaftar",
                                    "judging whether the applicant is already registered"),
    "redirected": Bilingual("menilai apakah pemohon dialihkan ke segmen lain",
                            "judging whether the applicant goes to another segment"),
    "incomplete": Bilingual("menilai kelengkapan berkas", "judging whether the file is complete"),
}


def evaluate_compiled(policy: CompiledPolicy, case: Case | CaseFacts, *,
                      trace: bool = True) -> Result:
    """The result of ``case`` (a validated :class:`Case`, or the facts
    :func:`~jknrules.language.reader.read_fast` read) under ``policy``."""
    if not isinstance(case, CaseFacts):
        case = facts_of(case)
    cal = policy.calendar
    submitted = cal.local(case.submitted_at)
    version = policy.version_at(submitted.date())
    if version is None:
        first = policy.versions[0].effective_from
        raise CaseError([diag(
            "JKN-C101",
            f"tanggal pengajuan {submitted.date()} sebelum versi pertama kebijakan "
            f"{policy.policy.regency} (berlaku sejak {first}); tidak ada aturan yang berlaku",
            f"submitted_at {submitted.date()} is before the first version of the "
            f"{policy.policy.regency} policy (in force from {first}); no rules apply",
            path=("submitted_at",),
        )])
    work = Work(case.facts, trace)
    service, required, named = _facts_phase(version, work)
    missing: list[str] | None = None
    deadlines: dict[str, str] = {}
    channel: CChannel | None = None
    if service is not None:
        missing = _missing(version, required, named, case.documents, work)
        channel, deadlines = calendar_phase(policy, service, submitted, work)
        if service.window is not None and any(
                c[0] == "outside_intake_window" for c in work.candidates):
            # one "come back" date: the window's opening, not the channel's next opening
            work.candidates = [c for c in work.candidates if c[2]["code"] != "channel.closed"]
    else:
        # no route (yet): the documents every route still possible asks for, if any
        missing = _missing(version, required, named, case.documents, work, propose=False)
    # stable: the first of the highest precedence wins (as ``min`` would pick it)
    ranked = sorted(work.candidates, key=_rank_of) if len(work.candidates) > 1 \
        else work.candidates
    outcome, segment, _ = ranked[0] if ranked else ("accepted", None, {})
    if outcome == "accepted" and service is not None:
        # the compiler's (compiler.accepted_reasons), shared: a Result hands out copies
        accepted = service.accepted[channel.id if channel is not None else None][
            case.documents is not None]
        # every candidate ranks as "accepted" or after it: the inserted one comes first
        ranked = [("accepted", None, accepted), *ranked]
    target = _target_segment(outcome, segment, service, work.facts)
    proceeds = service is not None and outcome in _PROCEEDS
    if not proceeds and not (service is None and outcome == "needs_review"):
        required, deadlines = [], {}
        missing = None if case.documents is None else []
    # a case that does not proceed is told why, not what to bring or when to come back
    reasons = [c[2] for c in ranked
               if proceeds or not (_procedural(c[2]["code"]) or c[0] in _ALONG_THE_ROUTE)]
    # the parts are built as plain dicts (see state.py); their shapes are the TypedDicts
    # of engine/result.py (Result's parameters, in this order), checked against the
    # result schema by the tests
    return Result.of_parts((
        _policy_ref(policy, version, service), outcome, target,
        service.routes[channel.id if channel is not None else None]
        if proceeds and service is not None else None,
        required, missing, deadlines, reasons, work.trace))


_ABSENT = object()
#: a bit per document id (the documents a list names, or a case brought, as one int)
_BIT = {doc: 1 << i for i, doc in enumerate(DOCUMENTS)}
#: shared by every result (never changed: a Result hands out copies)
_NOT_CHECKED = Shared(reason("documents.not_checked", Bilingual(
    "Kasus tidak menyebut dokumen yang dibawa; daftar dokumen wajib ditampilkan, "
    "kelengkapan belum diperiksa.",
    "The case lists no documents brought; the required documents are shown, "
    "completeness is not checked.",
)))


def _facts_phase(version: CVersion, work: Work
                 ) -> tuple[CService | None, list[dict[str, Any]], int]:
    """Service selection, eligibility rules and document requirements.

    They read only the facts in ``version.reads``, so their effect on ``work`` (candidates,
    missing facts, trace) is recorded once per combination of those values (``CVersion.memo``,
    bounded) and replayed by reference: the recorded dicts are never changed, and a
    :class:`Result` hands out its own copy of a part (``engine/result.py``), so no
    integrator's change reaches the policy or another result. The required documents come
    with the bit mask of the documents they name (:func:`_required_list`).
    """
    key = tuple(map(work.facts.get, version.reads, repeat(_ABSENT)))
    found = version.memo.young.get(key) or version.memo.get(key)
    if found is None:
        record = Work(work.facts, True)
        service, possible = select_service(version, record)
        required: list[dict[str, Any]] = []
        if service is not None:
            run_rules(service, record)
            required = requirements(service, record)
            _notices(service, record)
        elif possible:
            required = _common_requirements(possible, record)
        # the facts missing become their needs_review reasons now (the calendar phase
        # adds no unknown facts, and the precedence keeps candidates of one outcome in
        # the order they came)
        record.settle_unknowns()
        found = version.memo.put(key, (
            service, *_required_list(version, required),
            [(o, s, Shared(r)) for o, s, r in record.candidates],
            [Shared(entry) for entry in record.trace]))
    # shared with the memo, never changed: a Result hands out copies (engine/result.py)
    work.candidates.extend(found[3])
    if work.with_trace:
        work.trace.extend(found[4])
    return found[0], found[1], found[2]


def _required_list(version: CVersion, items: list[dict[str, Any]]
                   ) -> tuple[SharedList, int]:
    """The version's one list with the content of ``items`` (``CVersion.lists``, by its
    JSON text) and the bit mask of the documents it names: the missing documents are then
    memoised per list (:func:`_missing`), not per combination of facts."""
    shared = SharedList([Shared(item) for item in items])
    text = shared.json_line()
    found = version.lists.get(text)
    if found is None:
        named = 0
        for item in items:
            for doc in [item["id"]] if "id" in item else item["any_of"]:
                named |= _BIT[doc]
        found = version.lists.put(text, (shared, named))
    return found


def _policy_ref(policy: CompiledPolicy, version: CVersion, service: CService | None
                ) -> dict[str, str]:
    """``result.policy``, built once per version, service and file (``CVersion.refs``;
    shared: a Result hands out copies)."""
    key = (service.route if service is not None else None, version.effective_from,
           version.sha256, policy.file, policy.policy.regency)
    found = version.refs.young.get(key) or version.refs.get(key)
    if found is None:
        found = version.refs.put(key, Shared({
            "regency": policy.policy.regency,
            "version": version.effective_from.isoformat(),
            "effective_from": version.effective_from.isoformat(),
            "sha256": version.sha256,
            "document": _document_title(service, version),
            "file": policy.file,
        }))
    return found


def _document_title(service: CService | None, version: CVersion) -> str:
    """The deciding service's document; without one, that of the version's newest service."""
    if service is None:
        if not version.services:
            return ""
        service = max(version.services, key=lambda s: s.defined_in)
    doc = service.document
    return f"{doc.title}" + (f" Nomor {doc.number}" if doc.number else "")


def select_service(version: CVersion, work: Work
                    ) -> tuple[CService | None, list[CService]]:
    """The route the case takes; when facts it needs are missing, no route and the routes
    the case could still take."""
    unknown: set[str] = set()
    possible: list[CService] = []
    for service in version.services:
        value, missing = service.applies(work.facts)
        if work.with_trace:
            work.note("route", f"{service.route}/applies_when", value, service.applies_fields,
                      service.cite)
        if value is None:
            unknown |= missing
            possible.append(service)
        elif value:
            if unknown:
                possible.append(service)
                break
            return service, []
    if unknown:
        # cited by the clauses of the routes still open (each route's applies_when)
        for candidate in possible:
            work.unknown(unknown, _CHOOSING_ROUTE, candidate.cite)
    else:
        request = work.facts.get("request")
        work.propose("not_covered", reason("route.not_covered", Bilingual(
            f"Versi kebijakan ini tidak menetapkan layanan untuk permohonan '{request}'.",
            f"This policy version defines no route for the request '{request}'.",
        )))
    return None, possible


def _common_requirements(possible: list[CService], work: Work) -> list[dict[str, Any]]:
    """The documents that every route the case could still take asks for, whatever the
    missing facts turn out to be (so "what must I bring?" is answered as far as it can be).
    Nothing here decides: conditions the case cannot answer only leave a document out."""
    lists = []
    for service in possible:
        probe = Work(work.facts, False)
        lists.append(requirements(service, probe))
    first, *others = lists
    keep = [item for item in first
            if all(any(_doc_key(item) == _doc_key(o) for o in other) for other in others)]
    if keep and work.with_trace:
        work.note("document", "common_documents", True, (), None,
                  routes=[s.route for s in possible],
                  documents=[d for i in keep for d in ([i["id"]] if "id" in i else i["any_of"])])
    return keep


def _doc_key(item: dict[str, Any]) -> str:
    return item["id"] if "id" in item else "|".join(item["any_of"])


def _notices(service: CService, work: Work) -> None:
    """Information for the applicant; an unanswerable condition hides a notice, it never
    sends the case to review."""
    for notice in service.notices:
        value = True if notice.when is None else notice.when(work.facts)[0]
        if work.with_trace:
            work.note("notice", notice.key, value, notice.fields, notice.cite)
        if value:
            r = reason(f"notice.{notice.id}", notice.message, notice.cite)
            if notice.assumption is not None:
                r["assumption"] = notice.assumption.as_dict()
            work.propose("accepted", r)


def run_rules(service: CService, work: Work) -> None:
    for rule in service.rules:
        value, missing = rule.when(work.facts)
        if work.with_trace:
            work.note("rule", rule.key, value, rule.fields, rule.cite, outcome=rule.outcome)
        if value is None:
            work.unknown(missing, _JUDGING[rule.outcome], rule.cite)
        elif value:
            r = reason(f"rule.{rule.id}", rule.message, rule.cite)
            if rule.assumption is not None:
                r["assumption"] = rule.assumption.as_dict()
            work.propose(rule.outcome, r, rule.target_segment)


def requirements(service: CService, work: Work) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, ...]] = set()
    for req in service.requirements:
        if req.when is None:
            value: bool | None = True
        else:
            value, missing = req.when(work.facts)
            if value is None:
                work.unknown(missing, Bilingual(
                    "menentukan apakah " + req.name_text.id + " wajib",
                    "deciding whether " + req.name_text.en + " is required"), req.cite)
        if work.with_trace:
            work.note("document", req.key, value, req.fields, req.cite,
                      documents=list(req.documents))
        if not value or req.documents in seen:
            continue
        seen.add(req.documents)
        item: dict[str, Any] = (
            {"any_of": list(req.documents)} if req.any_of else {"id": req.documents[0]}
        )
        # the texts are the compiler's (compiler.requirement_texts): computed once per policy
        item["name"] = req.name_text.as_dict()
        item["why"] = req.why_text.as_dict()
        item["source"] = req.cite.text
        item["at"] = req.cite.at
        if req.assumption is not None:
            item["assumption"] = req.assumption.as_dict()
        out.append(item)
    return out


def _missing(version: CVersion, required: list[dict[str, Any]], named: int,
             brought: Sequence[str] | None, work: Work, *, propose: bool = True
             ) -> list[str] | None:
    """The documents of ``required`` (one of ``version.lists``, naming the documents of
    the bit mask ``named``) not ``brought``, and the reason saying so: memoised per list
    and the documents it names that were brought (``CVersion.missing``: (that list, the
    missing documents, the reason proposed))."""
    if brought is None:
        if not propose:
            return None
        work.propose("accepted", _NOT_CHECKED)
        return None
    key = (id(required), reduce(or_, map(_BIT.get, brought, repeat(0)), 0) & named, propose)
    memo = version.missing
    known = memo.young.get(key) or memo.get(key)
    if known is not None and known[0] is required:  # the same list, not a reused id
        if known[2] is not None:
            work.propose("incomplete", known[2])
        return known[1]
    have = set(brought)
    missing: list[str] = []
    clauses: list[str] = []
    for item in required:
        ids = [item["id"]] if "id" in item else item["any_of"]
        if have.isdisjoint(ids):
            missing += [d for d in ids if d not in missing]
            if item["source"] not in clauses:
                clauses.append(item["source"])
    proposed: dict[str, Any] | None = None
    if missing and propose:
        names_id = ", ".join(DOCUMENTS[d].id for d in missing)
        names_en = ", ".join(DOCUMENTS[d].en for d in missing)
        proposed = Shared(reason("documents.missing", Bilingual(
            f"Berkas belum lengkap, dikembalikan kepada pemohon. Kurang: {names_id}.",
            f"The file is incomplete and goes back to the applicant. Missing: {names_en}.",
        )) | {"source": "; ".join(clauses), "documents": missing})
        work.propose("incomplete", proposed)
    # shared by the results of the same required list and documents brought (never
    # changed: a Result hands out copies); the entry keeps ``required`` alive, so its id
    # is not reused while the entry stands
    shared = SharedList(missing)
    memo.put(key, (required, shared, proposed))
    return shared


def _target_segment(outcome: str, segment: str | None, service: CService | None,
                    facts: Mapping[str, Any]) -> str | None:
    current = facts.get("membership.segment")
    if outcome in ("not_covered", "needs_review"):
        return None
    if segment == SEGMENT_CURRENT or (segment is None and outcome in
                                      ("ineligible", "already_registered")):
        return current if isinstance(current, str) else None
    if segment is not None:
        return segment
    if service is None:
        return None
    if service.model.target_segment == SEGMENT_CURRENT:
        return current if isinstance(current, str) else None
    return service.model.target_segment


def _procedural(code: str) -> bool:
    return code in _PROCEDURAL or code.startswith("notice.")
