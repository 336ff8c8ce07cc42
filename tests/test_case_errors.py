"""The public case model raises the library's typed error, as ``evaluate`` does.

``jknrules.Case(**data)`` and ``jknrules.Case.model_validate(data)`` called by user code
raise :class:`jknrules.CaseError` with the diagnostics ``jknrules.evaluate(data)`` gives
for the same case (pydantic's ``ValidationError`` is the cause); the paths that place
pydantic's errors in a file (``validate_case``, a case nested in a decision record) still
get the ``ValidationError`` and its ``loc``s."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings

import jknrules
from jknrules.language.case import Case, validate_case
from jknrules.language.record import DecisionRecord
from jknrules.load.loader import load_case_text

from .test_reader import _cases

GOOD = {"regency": "batang", "submitted_at": "2026-02-03T09:00:00+07:00",
        "welfare": {"desil": 3}}
BAD = {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
       "welfare": {"desill": 3, "dtks": "maybe"}, "membership": {"status": "none",
                                                                 "segment": "ppu"}}


def _evaluate_error(data: Any, policies: jknrules.PolicySet) -> jknrules.CaseError | None:
    try:
        jknrules.evaluate(data, policies)
    except jknrules.CaseError as exc:
        return exc
    return None


def _diagnostics(exc: jknrules.JknrulesError) -> list[dict[str, Any]]:
    return [d.to_json() for d in exc.diagnostics]


def test_a_bad_case_built_directly_is_a_case_error(policies: jknrules.PolicySet) -> None:
    expected = _evaluate_error(BAD, policies)
    assert expected is not None
    for build in (lambda: jknrules.Case(**BAD), lambda: jknrules.Case.model_validate(BAD),
                  lambda: jknrules.Case.model_validate_json(json.dumps(BAD))):
        with pytest.raises(jknrules.CaseError) as raised:
            build()
        assert _diagnostics(raised.value) == _diagnostics(expected)
        assert {d.code for d in raised.value.diagnostics} == {"JKN-C002"}
        assert "did you mean 'desil'?" in raised.value.report()
        assert isinstance(raised.value.__cause__, pydantic.ValidationError)
        assert raised.value.total == expected.total == 3


def test_not_a_mapping_is_jkn_c001() -> None:
    for build in (lambda: Case.model_validate(["regency"]),
                  lambda: Case.model_validate_json("[1]")):
        with pytest.raises(jknrules.CaseError) as raised:
            build()
        assert [d.code for d in raised.value.diagnostics] == ["JKN-C001"]
        assert isinstance(raised.value.__cause__, pydantic.ValidationError)


def test_what_users_get_back_is_still_a_case(policies: jknrules.PolicySet) -> None:
    built, validated = Case(**GOOD), Case.model_validate(GOOD)
    parsed = Case.model_validate_json(json.dumps(GOOD))
    for case in (built, validated, parsed, validate_case(GOOD), load_case_text(
            json.dumps(GOOD), "good.json")):
        assert isinstance(case, jknrules.Case) and type(case) is Case
        assert case == built
    assert Case.model_validate(built) is built
    assert jknrules.evaluate(built, policies).to_json() == \
        jknrules.evaluate(GOOD, policies).to_json()


@settings(max_examples=400, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_cases())
def test_the_model_and_evaluate_agree_on_every_case(policies: jknrules.PolicySet,
                                                     data: dict[str, Any]) -> None:
    """Valid for one is valid for the other; an invalid case has the same diagnostics."""
    expected = _evaluate_error(data, policies)
    if expected is not None and expected.diagnostics[0].code == "JKN-C101":
        expected = None  # valid, but dated before the regency's first version
    builds = [lambda: Case.model_validate(data)]
    if all(isinstance(key, str) for key in data):
        builds.append(lambda: Case(**data))
    for build in builds:
        try:
            case = build()
        except jknrules.CaseError as exc:
            assert expected is not None, data
            assert _diagnostics(exc) == _diagnostics(expected)
            assert exc.total == expected.total
            assert isinstance(exc.__cause__, pydantic.ValidationError)
        else:
            assert expected is None, data
            assert isinstance(case, jknrules.Case)


def test_internal_validation_keeps_pydantic_errors_and_places() -> None:
    """The regression of the reverted ``__init__`` override: pydantic must not route its
    own validation through the public model's ``__init__``."""
    assert Case.__pydantic_custom_init__ is False
    with pytest.raises(pydantic.ValidationError) as raw:
        validate_case(BAD)
    assert ("welfare", "desill") in [err["loc"] for err in raw.value.errors()]
    # a case nested in a decision record: pydantic's error, located under ``case``
    with pytest.raises(pydantic.ValidationError) as nested:
        DecisionRecord.model_validate({"case": BAD})
    assert ("case", "welfare", "desill") in [err["loc"] for err in nested.value.errors()]
    # a case file: every error at its line and column
    text = json.dumps(BAD, indent=1)
    with pytest.raises(jknrules.CaseError) as located:
        load_case_text(text, "bad.json")
    lines = text.splitlines()
    desill = next(d for d in located.value.diagnostics if d.path == ("welfare", "desill"))
    assert desill.span is not None and desill.span.file == "bad.json"
    assert '"desill"' in lines[desill.span.line - 1]
