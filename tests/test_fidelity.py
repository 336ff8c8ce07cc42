"""The fidelity principles of the signed documents, as invariants over random cases of all
three regencies (hypothesis): one person, one segment; no one is asked for a document they
cannot have; messages name documents, not ids. Deadlines landing in service hours are
``tests/test_calendar.py``'s property."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.errors import CaseError
from jknrules.language.vocab import DOCUMENTS

from .test_properties import MEMBER_SEGMENTS, POLICIES, cases, to_case

PROCEEDS = ("accepted", "incomplete", "outside_intake_window")
#: a raw document id in a sentence (ids with an underscore cannot be mistaken for words)
RAW_ID = re.compile("|".join(sorted((d for d in DOCUMENTS if "_" in d), key=len, reverse=True)))


def evaluate(raw: dict[str, Any]) -> dict[str, Any]:
    return jknrules.evaluate(to_case(raw), POLICIES).to_dict()


active_members = cases.map(lambda raw: raw | {"membership": None}).flatmap(
    lambda raw: st.builds(
        lambda segment: raw | {"membership": {"status": "active", "segment": segment}},
        st.sampled_from(MEMBER_SEGMENTS)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(active_members)
def test_an_active_member_is_never_accepted_into_a_second_segment(raw: dict[str, Any]) -> None:
    """Principle 1: active coverage in any segment is never joined by a new one. The only
    way out of a segment is the transfer from Mandiri, which moves the membership."""
    result = evaluate(raw)
    current = raw["membership"]["segment"]
    if result["outcome"] not in PROCEEDS:
        return
    route = result["route"]["id"]
    if result["target_segment"] != current:
        assert route == "transfer_from_mandiri" and current == "pbpu_mandiri", result
    assert route not in ("regular_registration", "emergency_registration"), result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases.map(lambda raw: raw | {"request": "reactivate"}))
def test_a_reactivation_keeps_the_members_own_segment(raw: dict[str, Any]) -> None:
    """Principle 2: a reactivation never moves a member to another segment."""
    try:
        result = evaluate(raw)
    except CaseError:
        return
    membership = raw.get("membership") or {}
    if result["outcome"] in PROCEEDS and result["route"]["id"] == "reactivation":
        assert result["target_segment"] == membership.get("segment"), result
        assert membership.get("segment") in ("pbi_apbn", "pbi_apbd", "pbpu_bp_pemda")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases.map(lambda raw: raw | {"applicant": (raw["applicant"] or {}) | {"has_ktp": False}}))
def test_no_ktp_is_asked_of_an_applicant_without_one(raw: dict[str, Any]) -> None:
    """Principle 4: on every route of every version, in what is required and what is missing."""
    try:
        result = evaluate(raw)
    except CaseError:
        return
    required = {d for item in result["required_documents"]
                for d in ([item["id"]] if "id" in item else item["any_of"])}
    assert "ktp" not in required, result["required_documents"]
    assert "ktp" not in (result["missing_documents"] or []), result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_indonesian_messages_name_documents_not_ids(raw: dict[str, Any]) -> None:
    try:
        result = evaluate(raw)
    except CaseError:
        return
    for reason in result["reasons"]:
        assert not RAW_ID.search(reason["message"]["id"]), reason


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_a_result_that_does_not_proceed_says_nothing_of_missing_documents(
        raw: dict[str, Any]) -> None:
    try:
        result = evaluate(raw)
    except CaseError:
        return
    codes = [r["code"] for r in result["reasons"]]
    if result["route"] is None:
        assert "documents.missing" not in codes
        assert not any(c.startswith("notice.") for c in codes)
    # one "come back" date at most
    assert not ("intake.outside_window" in codes and "channel.closed" in codes)


@pytest.mark.parametrize("membership", [
    {"status": "none", "segment": "ppu"},
    {"status": "active", "segment": "none"},
    {"status": "inactive", "segment": "none"},
])
def test_a_contradictory_membership_is_refused(membership: dict[str, str]) -> None:
    case = {"regency": "batang", "submitted_at": "2026-02-03T08:00:00", "membership": membership}
    with pytest.raises(CaseError) as info:
        jknrules.evaluate(case, POLICIES)
    assert "membership" in str(info.value)


def test_the_after_hours_group_names_its_own_office_steps_and_members() -> None:
    """Seed 000 item 3: the group 'Tim Koordinasi JKN' and who is in it."""
    case = {"regency": "karangasem", "submitted_at": "2026-02-03T18:00:00",
            "applicant": {"domicile_regency": "karangasem", "has_ktp": True},
            "welfare": {"desil": 7}, "health": {"emergency": True},
            "household": {"has_ppu_member": False},
            "membership": {"status": "none", "segment": "none"}}
    result = jknrules.evaluate(case, POLICIES).to_dict()
    route = result["route"]
    assert route["channel"] == "online_group"
    assert "Tim Koordinasi JKN" in route["office"] and "MPP" not in route["office"]
    assert "BPJS Kesehatan" in route["members"] and "RS Pratama Kubu" in route["members"]
    assert "Tim Koordinasi JKN" in route["steps"][0]["action"]
    assert not any("Datang ke MPP" in step["action"] for step in route["steps"])
    accepted = next(r for r in result["reasons"] if r["code"] == "accepted")
    assert "MPP" not in accepted["message"]["id"]


# --- Malinau citations follow the Standar's own component numbers ----------------------

MALINAU_COMPONENTS = {1: "Produk", 2: "Persyaratan", 3: "Dasar Hukum", 4: "Sistem",
                      5: "Jangka Waktu", 6: "Biaya", 7: "Penanganan Pengaduan"}


def _sources(node: Any, document: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(the service's default document, source) for every `source` in a policy tree."""
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        document = node.get("document", document) if "applies_when" in node else document
        for key, value in node.items():
            if key == "source" and isinstance(value, dict) and "clause" in value:
                out.append((value.get("document") or document or "", value))
            else:
                out += _sources(value, document)
    elif isinstance(node, list):
        for value in node:
            out += _sources(value, document)
    return out


def test_malinau_citations_use_the_standars_component_numbers() -> None:
    """Seed 004: 1 Produk, 2 Persyaratan, 3 Dasar Hukum, 4 Sistem, 5 Jangka Waktu,
    6 Biaya, 7 Pengaduan. Every numbered clause of the Standar names its component."""
    import yaml

    from .conftest import POLICY_DIR

    policy = yaml.safe_load((POLICY_DIR / "malinau.yaml").read_text(encoding="utf-8"))
    checked = 0
    for document, source in _sources(policy["versions"]):
        if document != "sp_2017":
            continue
        for part in source["clause"].split(";"):
            found = re.match(r"\s*(\d)\. (.+)", part)
            if found:
                number, text = int(found[1]), found[2]
                assert text.startswith(MALINAU_COMPONENTS[number]), source["clause"]
                checked += 1
    assert checked > 20


#: the Standar's lettered items per component (seed 004): 2 Persyaratan a-c, 4 Sistem a-k
MALINAU_LETTERED = {2: "abc", 4: "abcdefghijk"}


def test_malinau_notes_and_clause_tests_name_the_standars_components() -> None:
    """A short reference in a note ("butir 4.f", "clause 4.f") or a clause test's label
    ("4. Sistem e") names the component that holds the item: the temporary-card item f is
    4. Sistem, not 3 (Dasar Hukum, which has no lettered items)."""
    from .conftest import POLICY_DIR

    texts = [(POLICY_DIR / "malinau.yaml").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8")
              for p in sorted((POLICY_DIR / "tests" / "malinau").glob("*.yaml"))]
    short = named = 0
    for text in texts:
        for number, letter in re.findall(r"\b(\d{1,2})\.([a-k])\b", text):
            assert letter in MALINAU_LETTERED.get(int(number), ""), f"{number}.{letter}"
            short += 1
        for number, word in re.findall(r"\b(\d)\. (Produk|Persyaratan|Dasar|Sistem|Jangka"
                                       r"|Biaya|Penanganan)\b", text):
            assert MALINAU_COMPONENTS[int(number)].startswith(word), f"{number}. {word}"
            named += 1
    assert short >= 4 and named > 20


def test_malinau_step_minutes_cite_where_they_come_from() -> None:
    """Minutes come from the SOP Mutu Baku or the Alur Pelayanan, not the Standar."""
    for version in POLICIES.get("malinau").policy.versions:
        for service in version.services.values():
            for step in service.steps:
                if step.minutes is not None:
                    assert step.source.document in ("sop_pendaftaran", "alur"), step


# --- Where a seed is silent, the policy says how it reads it (CONTRACT, Provenance) --------

def _services() -> list[tuple[str, Any, str, Any]]:
    """(regency, effective_from, route, service) of every service of every shipped version."""
    out = []
    for regency in ("karangasem", "batang", "malinau"):
        for version in POLICIES.get(regency).policy.versions:
            for route, service in version.services.items():
                out.append((regency, version.effective_from, route, service))
    return out


def test_every_deadline_and_channel_states_how_it_is_read() -> None:
    """No seed says from when a duration runs, whether it counts service minutes, what happens
    when a window's last day or a cut-off day is closed, or that an office is shut on cuti
    bersama: each response time, activation, cut-off, intake window and channel carries an
    assumption (policy guide 2.8: "every response_time and expected_activation carries an
    assumption where the way it is read is not written in the document")."""
    silent = []
    for regency, since, route, service in _services():
        for key in ("response_time", "expected_activation", "cutoff", "intake_window"):
            part = getattr(service, key)
            if part is not None and part.assumption is None:
                silent.append(f"{regency} {since} {route} {key}")
        silent += [f"{regency} {since} {route} channel {channel.id}"
                   for channel in service.channels if channel.assumption is None]
    assert not silent, silent


def test_a_cutoff_says_it_moves_to_the_previous_working_day() -> None:
    """Karangasem 2025 (001, 2.f "maksimal tanggal 20") and Malinau (004, 4.e "tanggal 20
    mengantar"): no seed covers a 20th that is a Saturday, Sunday or holiday; the policy says
    the delivery moves to the previous working day, as the engine does (cutoff.moved)."""
    cutoffs = [(regency, route, service.cutoff) for regency, _, route, service in _services()
               if service.cutoff is not None]
    assert len(cutoffs) == 3
    for regency, route, cutoff in cutoffs:
        assert cutoff.assumption is not None, (regency, route)
        assert "hari kerja sebelumnya" in cutoff.assumption.id, (regency, route)
        assert "previous working day" in cutoff.assumption.en, (regency, route)


#: Seed 000, 3. Waktu Pelayanan b: "yang terlibat di dalam grup adalah …"
SEED_000_GROUP = ("Dinas Kesehatan", "Disdukcapil", "BPJS Kesehatan",
                  "Puskesmas se-Kabupaten Karangasem", "RSUD", "RS Balimed", "RS Kasna",
                  "Klinik Pratama Kubu Husada", "RS Pratama Kubu")


def test_the_after_hours_groups_members_are_the_seeds_or_declared() -> None:
    """Seed 000, 3.b lists who is in "Tim Koordinasi JKN"; a member the list does not name is
    declared in the channel's assumption, never added silently."""
    version = POLICIES.get("karangasem").policy.versions[-1]
    group = next(c for c in version.services["emergency_registration"].channels
                 if c.id == "online_group")
    assert set(SEED_000_GROUP) <= set(group.members)
    for member in set(group.members) - set(SEED_000_GROUP):
        assert group.assumption is not None and member in group.assumption.id, member


#: Versions whose signed documents give a "Tanggal Efektif" equal to effective_from (seed 002:
#: 22 Mei 2023; seed 003: 28 September 2022). The others (000/001: "Ditetapkan … 31 Desember
#: 2025"; 004: "Ditetapkan … 01 Februari 2017") only give the day they were adopted.
EFFECTIVE_DATE_IN_SEED = {("karangasem", "2023-05-22"), ("batang", "2022-09-28")}


def test_a_version_without_an_effective_date_in_its_seed_says_so() -> None:
    """A version taken to start on the day its document was adopted states that reading."""
    for regency in ("karangasem", "batang", "malinau"):
        for version in POLICIES.get(regency).policy.versions:
            if (regency, version.effective_from.isoformat()) in EFFECTIVE_DATE_IN_SEED:
                continue
            about = [a for a in version.assumptions if a.about == "effective_from"]
            assert about, (regency, version.effective_from)
            assert "Tanggal Efektif" in about[0].note.id, (regency, version.effective_from)
