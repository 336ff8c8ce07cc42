"""Bad cases get a typed error naming the field; the contract's input rules."""

from __future__ import annotations

from typing import Any

import pytest

import jknrules
from jknrules.language.case import case_facts
from jknrules.load.loader import load_case_text

GOOD: dict[str, Any] = {
    "regency": "batang",
    "submitted_at": "2026-02-03T08:00:00+07:00",
    "applicant": {"nik": "3325016504880002", "domicile_regency": "batang", "has_ktp": True},
    "welfare": {"dtks": "registered"},
    "membership": {"status": "none", "segment": "none"},
}


def with_(path: str, value: Any) -> dict[str, Any]:
    case = {k: (dict(v) if isinstance(v, dict) else v) for k, v in GOOD.items()}
    *parents, last = path.split(".")
    node = case
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
    return case


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("applicant.nik", "332501650488000", "nik"),  # 15 digits
        ("applicant.nik", "33250165048800021", "nik"),
        ("welfare.desil", 11, "desil"),
        ("welfare.desil", 0, "desil"),
        ("welfare.desil", "3", "desil"),
        ("documents", ["kk", "kartu_keluarga"], "documents"),
        ("regency", "bangli", "regency"),
        ("request", "daftar", "request"),
        ("submitted_at", "kemarin", "submitted_at"),
        ("health.emergency", "ya", "emergency"),
        ("membership.segment", "kis_pbi", "segment"),
        ("welfare.dtks", "yes", "dtks"),
        ("newborn.age_days", -1, "age_days"),
        ("applicant.namee", "Made", "namee"),
        ("extra_field", 1, "extra_field"),
    ],
)
def test_bad_case_is_refused_naming_the_field(path: str, value: Any, field: str,
                                              policies: jknrules.PolicySet) -> None:
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate(with_(path, value), policies)
    diag = info.value.diagnostics[0]
    assert diag.code == "JKN-C002"
    assert field in diag.yaml_path
    assert diag.message_id and diag.message_en


def test_typo_gets_a_suggestion(policies: jknrules.PolicySet) -> None:
    case = dict(GOOD, welfare={"desill": 3})
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate(case, policies)
    assert "desil" in info.value.diagnostics[0].hint_en


def test_missing_required_fields() -> None:
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate({"regency": "batang"})
    assert "submitted_at" in info.value.diagnostics[0].yaml_path


def test_yaml_case_errors_carry_line_and_column() -> None:
    text = "regency: batang\nsubmitted_at: 2026-02-03T08:00:00+07:00\nwelfare:\n  desil: 11\n"
    with pytest.raises(jknrules.CaseError) as info:
        load_case_text(text, "case.yaml")
    span = info.value.diagnostics[0].span
    assert (span.file, span.line, span.column) == ("case.yaml", 4, 3)


def test_duplicate_keys_in_a_case_are_an_error() -> None:
    text = '{"regency": "batang", "regency": "malinau", "submitted_at": "2026-02-03T08:00:00"}'
    with pytest.raises(jknrules.CaseError) as info:
        load_case_text(text, "case.json")
    assert info.value.diagnostics[0].code == "JKN-Y002"


def test_before_first_version_is_an_error(policies: jknrules.PolicySet) -> None:
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate(dict(GOOD, submitted_at="2021-01-04T08:00:00+07:00"), policies)
    assert info.value.diagnostics[0].code == "JKN-C101"


def test_bps_code_selects_the_regency(policies: jknrules.PolicySet) -> None:
    result = jknrules.evaluate(dict(GOOD, regency="3325"), policies)
    assert result.policy["regency"] == "batang"


def test_null_desil_differs_from_absent_desil() -> None:
    from jknrules.language.case import Case

    null = Case.model_validate({**GOOD, "welfare": {"desil": None}})
    absent = Case.model_validate({**GOOD, "welfare": {}})
    assert case_facts(null)["welfare.desil"] is None
    assert "welfare.desil" not in case_facts(absent)


def test_naive_datetime_is_local_time(policies: jknrules.PolicySet) -> None:
    naive = jknrules.evaluate(dict(GOOD, submitted_at="2026-02-03T08:00:00"), policies)
    aware = jknrules.evaluate(GOOD, policies)
    assert naive.deadlines == aware.deadlines
    assert naive.deadlines["response_due"].endswith("+07:00")


def test_api_accepts_a_path(tmp_path: Any, policies: jknrules.PolicySet) -> None:
    import json

    path = tmp_path / "case.json"
    path.write_text(json.dumps(GOOD))
    assert jknrules.evaluate(path, policies).outcome == jknrules.evaluate(GOOD, policies).outcome


def test_null_is_only_a_value_for_desil(policies: jknrules.PolicySet) -> None:
    """An explicit null for a yes/no fact must not silently become "no"."""
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate(with_("health.emergency", None), policies)
    assert info.value.diagnostics[0].yaml_path == "$.health.emergency"
    assert "null" in info.value.diagnostics[0].hint_id
    assert jknrules.evaluate(with_("welfare.desil", None), policies).outcome
    assert jknrules.evaluate(dict(GOOD, documents=None), policies).missing_documents is None
