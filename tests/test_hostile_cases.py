"""Hostile cases: whatever a case holds, ``jknrules.evaluate`` returns a result valid
against ``schemas/result.schema.json`` or raises a ``JknrulesError`` — over the whole case
schema (hypothesis, 20 000 examples), over case texts (strict JSON and YAML), and over the
hostile-case files of ``fixtures/hostile-cases/`` through ``evaluate`` and ``validate``."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.errors import CaseError
from jknrules.load.loader import case_from_data, load_case_source

from .conftest import POLICY_DIR
from .hostile import (
    CASE_COMMANDS,
    CASE_CORPUS,
    SMALL_CASE,
    corpus,
    describe,
    hostile_cases,
    judge_case,
    random_case,
    run_case_file,
)

POLICIES = jknrules.load_policies(POLICY_DIR)
EXPECTED = corpus(CASE_CORPUS)


@settings(max_examples=20_000, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(hostile_cases())
def test_evaluate_gives_a_valid_result_or_a_jknrules_error(case: Any) -> None:
    """The whole case schema, every field free (generated from ``language/fields.py``),
    values in and out of their domains: 20 000 examples in about 40 s (trace off; a
    seeded generator, one hypothesis draw per example)."""
    outcome, detail = judge_case(case, POLICIES)
    assert outcome == "clean", f"{outcome}: {detail}\ncase: {describe(case)}"


def _as_text(case: Any, rng: random.Random) -> tuple[str, str]:
    """A generated case written as a file would hold it: JSON (now and then with a
    trailing comma, a tab, a repeated key, NaN) or YAML."""
    if rng.random() < 0.25:
        import yaml

        try:
            return yaml.safe_dump(case, allow_unicode=rng.random() < 0.5), "case.yaml"
        except (yaml.YAMLError, ValueError):
            return "{}", "case.yaml"
    try:
        text = json.dumps(case, ensure_ascii=rng.random() < 0.5, default=str,
                          indent=rng.choice((None, 2, "\t")))
    except ValueError:  # an integer too long to write
        text = '{"regency": 1' + "0" * 5000 + "}"
    edit = rng.randrange(6)
    if edit == 0 and text.endswith("}") and len(text) > 2:
        text = text[:-1] + ",}"
    elif edit == 1 and text.startswith("{") and len(text) > 2:
        text = '{"regency": "batang", ' + text[1:]
    elif edit == 2:
        text = text.replace(": ", ":\t")
    return text, rng.choice(("case.json", "<stdin>"))


@settings(max_examples=2_000, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=True))
def test_case_text_gives_a_case_or_a_located_case_error(rng: random.Random) -> None:
    text, file = _as_text(random_case(rng), rng)
    try:
        case, _ = load_case_source(text, file)
    except CaseError as exc:
        assert exc.diagnostics and all(d.span is not None for d in exc.diagnostics), text[:500]
        exc.report()
        return
    outcome, detail = judge_case(case, POLICIES)
    assert outcome == "clean", f"{outcome}: {detail}\ntext: {text[:2000]}"


def test_every_hostile_case_has_an_expectation() -> None:
    files = {p.name for p in CASE_CORPUS.iterdir()} - {"expected.yaml"}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("command", CASE_COMMANDS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_case_file(name: str, command: str, tmp_path: Path) -> None:
    run = run_case_file(name, command, tmp_path, POLICY_DIR, limit=30)
    assert run.outcome == "clean", (run.outcome, run.exit_code, run.code, run.expected,
                                    run.stderr[:2000])


# --- what the corpora stand for, one rule at a time -----------------------------------

def _code(data: Any) -> str:
    with pytest.raises(jknrules.JknrulesError) as info:
        jknrules.evaluate(data, POLICIES)
    return info.value.diagnostics[0].code


@pytest.mark.parametrize("digits", ["٣٣٢٥٠١٢٣٤٥٦٧٨٩٠١", "３３２５０１２３４５６７８９０１",
                                    "३३२५०१२३४५६७८९०१", "৩৩২৫০১২৩৪৫৬৭৮৯০১"])
@pytest.mark.parametrize("field", ["nik", "kk_number"])
def test_regression_identity_numbers_are_ascii_digits_only(field: str, digits: str) -> None:
    """``\\d`` took digits of every script; NIK and KK numbers are 0–9 only."""
    assert _code({**SMALL_CASE, "applicant": {field: digits}}) == "JKN-C002"


@pytest.mark.parametrize("code", ["٣٣٢٥", "３３２５"])
def test_regency_codes_are_ascii_digits_only(code: str) -> None:
    assert _code({**SMALL_CASE, "regency": code}) == "JKN-C002"
    assert _code({**SMALL_CASE, "applicant": {"domicile_regency": code}}) == "JKN-C002"


@pytest.mark.parametrize("value", [642902400, "642902400", 642902400.0, " 642902400 ", True])
def test_regression_a_date_is_never_read_from_a_number(value: Any) -> None:
    """pydantic read ``642902400`` (and the same in text) as a Unix timestamp."""
    with pytest.raises(CaseError) as info:
        case_from_data({**SMALL_CASE, "applicant": {"birth_date": value}})
    [d] = info.value.diagnostics
    assert d.path == ("applicant", "birth_date")
    assert "stempel waktu Unix" in d.message_id and "Unix timestamp" in d.message_en
    with pytest.raises(CaseError):
        case_from_data({**SMALL_CASE, "submitted_at": value})


@pytest.mark.parametrize("moment", [
    "1899-12-31T23:59:59", "2101-01-01T00:00:00", "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59", "2100-12-31T23:00:00-12:00", "1900-01-01T05:00:00+08:00",
    dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-20))),
    dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
])
def test_regression_moments_outside_the_calendar_are_case_errors(moment: Any) -> None:
    """A moment whose conversion to the regency's time overflowed raised ``OverflowError``."""
    with pytest.raises(CaseError) as info:
        jknrules.evaluate({**SMALL_CASE, "submitted_at": moment}, POLICIES)
    [d] = info.value.diagnostics
    assert d.code == "JKN-C002" and d.path == ("submitted_at",)
    assert "1900–2100" in d.message_id and "1900–2100" in d.message_en


@pytest.mark.parametrize("moment", ["1900-01-01T00:00:00", "2100-12-31T23:59:59",
                                    "2100-12-31T14:00:00-09:00"])
def test_the_ends_of_the_calendar_are_evaluated(moment: str) -> None:
    """The first and last moments of the range are cases like any other (1900 is before
    every version: JKN-C101; the end of 2100 gets a result)."""
    try:
        result = jknrules.evaluate({**SMALL_CASE, "submitted_at": moment}, POLICIES)
    except CaseError as exc:
        assert exc.diagnostics[0].code == "JKN-C101"
    else:
        assert result.outcome


@pytest.mark.parametrize("value", [2**53, -(2**53), 10**5000], ids=["2^53", "-2^53", "10^5000"])
def test_integers_past_2_53_are_refused(value: int) -> None:
    with pytest.raises(CaseError) as info:
        jknrules.evaluate({**SMALL_CASE, "newborn": {"age_days": value}}, POLICIES)
    info.value.report()  # a 5000-digit number is shown by its size, never printed


def test_strict_json_cases(tmp_path: Path) -> None:
    good = json.dumps(SMALL_CASE).replace(", ", ",\t")
    assert load_case_source(good, "case.json")[0].regency == "batang"
    for text, code, column in (
        ('{"regency": "batang",}', "JKN-Y001", 22),
        ('{"regency": "batang", "regency": "batang"}', "JKN-Y002", 23),
        ('{"welfare": {"desil": NaN}}', "JKN-Y001", 23),
        ('{"welfare":\n  {"desil": Infinity}}', "JKN-Y001", 13),
    ):
        with pytest.raises(CaseError) as info:
            load_case_source(text, "case.json")
        d = info.value.diagnostics[0]
        assert (d.code, d.span and d.span.column) == (code, column), d


def test_policies_must_be_a_policy_set_and_the_error_is_a_jknrules_error() -> None:
    with pytest.raises(jknrules.JknrulesError) as info:
        jknrules.evaluate(SMALL_CASE, str(POLICY_DIR))  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)  # still a TypeError for older callers


@pytest.mark.parametrize("policies", ["a\x00b", 5, object(), [b"x"], "/dev/null"])
def test_load_policies_raises_only_jknrules_errors(policies: Any) -> None:
    with pytest.raises(jknrules.JknrulesError):
        jknrules.load_policies(policies)
