"""Loading: policy and case files -> validated models, with every error located.

Stages (each a small function, run in order, all errors collected):
``parse`` (YAML -> data + spans) -> ``validate_schema`` (pydantic) ->
``check_semantics`` (references, dates, hours, conditions).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jknrules.engine.conditions import check_condition
from jknrules.errors import CaseError, Diagnostic, PolicyError
from jknrules.language.case import Case, validate_case
from jknrules.language.policy import Channel, Policy, Service, Version
from jknrules.language.text import Bilingual
from jknrules.language.vocab import REGENCIES
from jknrules.load import reader
from jknrules.load.source import SourceText, parse
from jknrules.load.validation import diagnostics_from, did_you_mean

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    source: SourceText


def read_text(path: Path, error: type[PolicyError] | type[CaseError]) -> str:
    """The UTF-8 text of a policy, case or example file, read with a bound
    (:mod:`jknrules.load.reader`: ``JKN-Y006`` past :data:`~jknrules.load.reader.MAX_FILE_BYTES`,
    ``JKN-F001``–``F003`` when it cannot be read or is not UTF-8)."""
    return reader.read_text(path, error)


def display_name(path: Path) -> str:
    """A short name for messages: relative to the working directory if below it."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path) if not path.is_absolute() else str(absolute)


# --- policies -----------------------------------------------------------------

def load_policy_text(text: str, file: str) -> LoadedPolicy:
    doc = parse(text, file, PolicyError)
    if not isinstance(doc.data, dict):
        raise PolicyError([doc.diag("JKN-P001", "kebijakan harus berupa pemetaan (kunci: nilai)",
                                    "a policy must be a mapping", ())])
    try:
        policy = Policy.model_validate(doc.data)
    except ValidationError as exc:
        raise PolicyError(diagnostics_from(exc, doc, "JKN-P002", Policy)) from None
    problems = check_semantics(policy, doc)
    if problems:
        raise PolicyError(problems)
    return LoadedPolicy(policy, doc)


#: Top-level keys only a policy has (a case or an example file never does).
_POLICY_KEYS = re.compile(r"^[\"']?(versions|bps_code|time_zone|offices)[\"']?\s*:", re.MULTILINE)


def looks_like_policy(path: Path) -> bool:
    """Whether a file that could not be parsed was meant as a policy (it has a policy's
    top-level keys), so its error is reported as a policy error, not a case error."""
    text = reader.head(path, reader.MAX_FILE_BYTES).decode("utf-8", errors="replace")
    return _POLICY_KEYS.search(text) is not None


def load_policy_file(path: Path, display: str | None = None) -> LoadedPolicy:
    """Load one policy file; ``display`` is the name used in messages and results."""
    return load_policy_text(read_text(path, PolicyError), display or display_name(path))


def check_semantics(policy: Policy, doc: SourceText) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if REGENCIES[policy.regency] != policy.bps_code:
        out.append(doc.diag(
            "JKN-P010",
            f"kode BPS {policy.bps_code} bukan milik {policy.regency} "
            f"(seharusnya {REGENCIES[policy.regency]})",
            f"BPS code {policy.bps_code} does not belong to {policy.regency} "
            f"(expected {REGENCIES[policy.regency]})",
            ("bps_code",),
        ))
    seen_days: set[dt.date] = set()
    for i, closed in enumerate(policy.closed_days):
        if closed.date in seen_days:
            out.append(doc.diag("JKN-P011", f"hari tutup {closed.date} ditulis dua kali",
                                f"closed day {closed.date} listed twice", ("closed_days", i)))
        seen_days.add(closed.date)
    defined: set[str] = set()
    for vi, version in enumerate(policy.versions):
        vloc: Loc = ("versions", vi)
        if vi and version.effective_from <= policy.versions[vi - 1].effective_from:
            out.append(doc.diag(
                "JKN-P012",
                f"versi harus berurutan menurut tanggal: {version.effective_from} tidak sesudah "
                f"{policy.versions[vi - 1].effective_from}",
                f"versions must be in strictly increasing date order: {version.effective_from} "
                f"is not after {policy.versions[vi - 1].effective_from}",
                (*vloc, "effective_from"),
            ))
        for wi, route in enumerate(version.withdraws):
            if route not in defined:
                out.append(doc.diag(
                    "JKN-P013", f"layanan '{route}' dicabut padahal belum pernah ditetapkan",
                    f"service '{route}' is withdrawn but no earlier version defines it",
                    (*vloc, "withdraws", wi),
                ))
            if route in version.services:
                out.append(doc.diag(
                    "JKN-P013", f"layanan '{route}' ditetapkan dan dicabut dalam versi yang sama",
                    f"service '{route}' is both defined and withdrawn in one version",
                    (*vloc, "withdraws", wi),
                ))
        for route, service in version.services.items():
            out += _check_service(policy, version, service, (*vloc, "services", route), doc)
            defined.add(route)
        for gi, gap in enumerate(version.acknowledged_gaps):
            gloc: Loc = (*vloc, "acknowledged_gaps", gi)
            out += check_condition(gap.when, (*gloc, "when"), doc.diag)
            if gap.source.document is not None and gap.source.document not in version.documents:
                out.append(doc.diag(
                    "JKN-P014", f"dokumen sumber '{gap.source.document}' tidak ada di versi ini",
                    f"source document '{gap.source.document}' is not in this version",
                    (*gloc, "source", "document"),
                    **_known(gap.source.document, version.documents, _DOCUMENTS),
                ))
    return out


_DOCUMENTS = Bilingual("dokumen yang ada", "known documents")
_OFFICES = Bilingual("kantor yang ada", "known offices")


def _known(written: str, known: Iterable[str], listed: Bilingual) -> dict[str, str]:
    """The hint for a reference to an id the policy does not declare (a source document,
    an office): "maksud Anda …?" for a close one, else the ids it does declare."""
    ids = list(known)
    close = get_close_matches(written, ids, n=1)
    hint = did_you_mean(close[0]) if close else listed + Bilingual.same(": " + ", ".join(ids))
    return {"hint_id": hint.id, "hint_en": hint.en}


def _check_service(
    policy: Policy, version: Version, service: Service, loc: Loc, doc: SourceText
) -> list[Diagnostic]:
    out: list[Diagnostic] = []

    def make(code: str, mid: str, men: str, path: Loc, **kw: str) -> Diagnostic:
        return doc.diag(code, mid, men, path, **kw)

    if service.document not in version.documents:
        out.append(make(
            "JKN-P014", f"dokumen '{service.document}' tidak ada di 'documents' versi ini",
            f"document '{service.document}' is not in this version's 'documents'",
            (*loc, "document"), **_known(service.document, version.documents, _DOCUMENTS),
        ))
    if service.office not in policy.offices:
        out.append(make(
            "JKN-P015", f"kantor '{service.office}' tidak ada di 'offices'",
            f"office '{service.office}' is not in 'offices'", (*loc, "office"),
            **_known(service.office, policy.offices, _OFFICES),
        ))
    for path, source in _sources(service, loc):
        if source.document is not None and source.document not in version.documents:
            out.append(make(
                "JKN-P014", f"dokumen sumber '{source.document}' tidak ada di versi ini",
                f"source document '{source.document}' is not in this version",
                (*path, "document"), **_known(source.document, version.documents, _DOCUMENTS),
            ))
    out += check_condition(service.applies_when, (*loc, "applies_when"), make)
    rule_ids: set[str] = set()
    for ri, rule in enumerate(service.rules):
        rloc = (*loc, "rules", ri)
        if rule.id in rule_ids:
            out.append(make("JKN-P016", f"id aturan '{rule.id}' dipakai dua kali",
                            f"rule id '{rule.id}' is used twice", (*rloc, "id")))
        rule_ids.add(rule.id)
        out += check_condition(rule.when, (*rloc, "when"), make)
        if rule.outcome == "redirected" and rule.target_segment in (None, "current"):
            out.append(make(
                "JKN-P017", "aturan 'redirected' harus menyebut target_segment tujuan",
                "a 'redirected' rule needs the target_segment it redirects to", rloc,
            ))
    for ni, notice in enumerate(service.notices):
        if notice.when is not None:
            out += check_condition(notice.when, (*loc, "notices", ni, "when"), make)
    for qi, req in enumerate(service.documents):
        qloc = (*loc, "documents", qi)
        if req.when is not None:
            out += check_condition(req.when, (*qloc, "when"), make)
        if req.any_of is not None and len(set(req.any_of)) != len(req.any_of):
            out.append(make("JKN-P018", "dokumen dalam 'any_of' ditulis dua kali",
                            "a document is listed twice in 'any_of'", (*qloc, "any_of")))
    channel_ids: set[str] = set()
    for ci, channel in enumerate(service.channels):
        cloc = (*loc, "channels", ci)
        if channel.id in channel_ids:
            out.append(make("JKN-P019", f"kanal '{channel.id}' ditulis dua kali",
                            f"channel '{channel.id}' listed twice", (*cloc, "id")))
        channel_ids.add(channel.id)
        if channel.office is not None and channel.office not in policy.offices:
            out.append(make(
                "JKN-P015", f"kantor '{channel.office}' tidak ada di 'offices'",
                f"office '{channel.office}' is not in 'offices'", (*cloc, "office"),
                **_known(channel.office, policy.offices, _OFFICES),
            ))
        out += _check_hours(channel, cloc, make)
    window, cutoff = service.intake_window, service.cutoff
    if window is not None and window.from_day > window.to_day:
        out.append(make(
            "JKN-P022", f"jendela penerimaan tanggal {window.from_day}–{window.to_day} terbalik",
            f"intake window {window.from_day}–{window.to_day} is reversed",
            (*loc, "intake_window"),
        ))
    if window is not None and cutoff is not None and cutoff.day < window.to_day:
        out.append(make(
            "JKN-P023",
            f"batas pengajuan ke BPJS (tanggal {cutoff.day}) jatuh sebelum jendela penerimaan "
            f"ditutup (tanggal {window.to_day})",
            f"the cut-off (day {cutoff.day}) falls before the intake window closes "
            f"(day {window.to_day})",
            (*loc, "cutoff", "day"),
        ))
    activation = service.expected_activation
    if activation is not None and activation.from_ == "cutoff" and cutoff is None:
        out.append(make(
            "JKN-P024", "perkiraan aktif dihitung dari 'cutoff' padahal layanan tidak punya cutoff",
            "expected_activation counts from 'cutoff' but the service has no cutoff",
            (*loc, "expected_activation", "from"),
        ))
    return out


def _check_hours(channel: Channel, loc: Loc, make: Any) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if channel.hours is None:
        return out
    for key in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"):
        ranges = getattr(channel.hours, key)
        spans = []
        for i, text in enumerate(ranges):
            a, b = text.split("-")
            if b <= a:
                out.append(make(
                    "JKN-P025",
                    f"jam '{text}' tidak valid: jam tutup harus sesudah jam buka (tidak melewati "
                    "tengah malam; pakai 24:00 untuk tengah malam)",
                    f"hours '{text}' are invalid: closing must be after opening (no running past "
                    "midnight; write 24:00 for midnight)",
                    (*loc, "hours", key, i),
                ))
            spans.append((a, b, i))
        spans.sort()
        for (_, b1, _), (a2, _, i2) in zip(spans, spans[1:], strict=False):
            if a2 < b1:
                out.append(make("JKN-P026", f"jam pelayanan '{key}' saling tumpang tindih",
                                f"service hours on '{key}' overlap", (*loc, "hours", key, i2)))
    return out


def _sources(service: Service, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    yield (*loc, "source"), service.source
    for i, rule in enumerate(service.rules):
        yield (*loc, "rules", i, "source"), rule.source
    for i, req in enumerate(service.documents):
        yield (*loc, "documents", i, "source"), req.source
    for i, ch in enumerate(service.channels):
        yield (*loc, "channels", i, "source"), ch.source
        for j, step in enumerate(ch.steps):
            yield (*loc, "channels", i, "steps", j, "source"), step.source
    for i, notice in enumerate(service.notices):
        yield (*loc, "notices", i, "source"), notice.source
    for i, step in enumerate(service.steps):
        yield (*loc, "steps", i, "source"), step.source
    for i, note in enumerate(service.assumptions):
        yield (*loc, "assumptions", i, "source"), note.source
    for i, complaint in enumerate(service.complaints.channels if service.complaints else ()):
        yield (*loc, "complaints", "channels", i, "source"), complaint.source
    for name in ("intake_window", "cutoff", "response_time", "expected_activation", "fee"):
        item = getattr(service, name)
        if item is not None:
            yield (*loc, name, "source"), item.source


# --- cases --------------------------------------------------------------------

def load_case_text(text: str, file: str) -> Case:
    return load_case_source(text, file)[0]


def load_case_source(text: str, file: str) -> tuple[Case, SourceText]:
    """The case and its parsed source (to place later errors, e.g. on ``submitted_at``)."""
    doc = parse(text, file, CaseError)
    return case_from_data(doc.data, doc), doc


def case_from_data(data: Any, doc: SourceText | None = None) -> Case:
    """Validate case data (from a file with places, or from an API caller)."""
    if doc is None:
        doc = SourceText("<case>", data, {}, ())
    if not isinstance(data, dict):
        raise _not_a_mapping(doc)
    try:
        return validate_case(data)
    except ValidationError as exc:
        raise CaseError(diagnostics_from(exc, doc, "JKN-C002", Case)) from None


def _not_a_mapping(doc: SourceText) -> CaseError:
    return CaseError([doc.diag("JKN-C001", "kasus harus berupa objek JSON/pemetaan YAML",
                               "a case must be a JSON object / YAML mapping", ())])


def case_error(data: Any, exc: ValidationError) -> CaseError:
    """What :func:`case_from_data` raises for ``data`` without a file: the error of
    ``jknrules.Case(**data)``, ``Case.model_validate(data)`` and, ``data`` ``None``,
    ``Case.model_validate_json``. A whole case of the wrong type is ``JKN-C001``."""
    doc = SourceText("<case>", data, {}, ())
    if any(not err["loc"] and err["type"] in _NOT_A_MAPPING for err in exc.errors()):
        return _not_a_mapping(doc)
    return CaseError(diagnostics_from(exc, doc, "JKN-C002", Case))


#: pydantic's error types for a model given something that is not a mapping
_NOT_A_MAPPING = frozenset({"model_type", "model_attributes_type", "dict_type"})


def load_case_file(path: Path) -> Case:
    return load_case_text(read_text(path, CaseError), display_name(path))
