"""The public API: its exported members, the typed result, and what ``evaluate`` accepts."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any, get_args

import pytest

import jknrules
from jknrules.engine import result as typed
from jknrules.language import result as models
from jknrules.language.vocab import (
    CHANNELS,
    DEADLINES,
    DOCUMENTS,
    OUTCOME_PRECEDENCE,
    ROUTES,
    SEGMENTS,
)

from .conftest import POLICY_DIR, ROOT
from .golden import assert_golden

CASE: dict[str, Any] = {
    "regency": "batang",
    "submitted_at": "2026-02-03T08:00:00+07:00",
    "applicant": {"domicile_regency": "batang", "has_ktp": True},
    "welfare": {"dtks": "registered"},
    "membership": {"status": "none", "segment": "none"},
}


# --- the exported members (change deliberately: these names are API) --------------------

def test_exported_members() -> None:
    assert jknrules.__all__ == [
        "Case", "CaseError", "DecisionLog", "Diagnostic", "JknrulesError", "PolicyError",
        "PolicySet", "Result", "__version__", "evaluate", "load_policies",
    ]
    for name in jknrules.__all__:
        assert hasattr(jknrules, name), name


def test_import_leaves_what_loading_needs_not_until_used() -> None:
    # the audit layer (DecisionLog, cryptography), the holidays package and the
    # distribution's metadata are a third of ``import jknrules``; none is needed to load
    code = ("import sys, jknrules; jknrules.load_policies(); "
            "print(sorted(m for m in sys.modules if m.startswith(('jknrules.audit', "
            "'holidays', 'jknrules.serve', 'jknrules.batch', 'jknrules.track'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"


def test_lazy_members_are_the_real_ones() -> None:
    from importlib.metadata import version

    from jknrules.audit.records import DecisionLog

    assert jknrules.DecisionLog is DecisionLog
    assert jknrules.__version__ == version("jknrules")
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        jknrules.nope  # type: ignore[attr-defined]  # noqa: B018


def test_exception_tree() -> None:
    assert issubclass(jknrules.PolicyError, jknrules.JknrulesError)
    assert issubclass(jknrules.CaseError, jknrules.JknrulesError)
    assert issubclass(jknrules.JknrulesError, Exception)


# --- the typed result ---------------------------------------------------------------------

def _values(annotation: Any) -> set[Any]:
    """The values a Literal (or a union of Literals and None) allows."""
    args = get_args(annotation)
    if not args:
        return {annotation}
    return {v for a in args for v in (_values(a) if get_args(a) else {a})}


def test_contract_enums_are_literal_types() -> None:
    hints = {name: typing.get_type_hints(getattr(typed.Result, name).fget)["return"]
             for name in ("outcome", "target_segment")}
    assert get_args(hints["outcome"]) == OUTCOME_PRECEDENCE
    assert _values(hints["target_segment"]) == {*SEGMENTS, type(None)}
    route = typing.get_type_hints(typed.Route)
    assert _values(route["id"]) == set(ROUTES)
    assert _values(route["channel"]) == {*CHANNELS, type(None)}
    item = typing.get_type_hints(typed.RequiredDocument)
    assert _values(item["id"]) == set(DOCUMENTS)
    assert set(typing.get_type_hints(typed.Deadlines)) == set(DEADLINES)


@pytest.mark.parametrize(("shape", "model"), [
    (typed.PolicyRef, models.PolicyRef), (typed.Route, models.RouteOut),
    (typed.Step, models.StepOut), (typed.RequiredDocument, models.RequiredDocument),
    (typed.Deadlines, models.Deadlines), (typed.Reason, models.Reason),
    (typed.TraceEntry, models.TraceEntry),
], ids=lambda x: x.__name__)
def test_typed_parts_agree_with_the_result_schema_models(shape: Any, model: Any) -> None:
    """The TypedDicts integrators type-check against and the models the result schema is
    generated from describe the same keys, and agree on which are always present."""
    assert set(shape.__annotations__) == set(model.model_fields)
    always = {name for name, f in model.model_fields.items() if f.is_required()}
    assert always == set(shape.__required_keys__)


def test_result_parts_have_their_typed_shape(policies: jknrules.PolicySet) -> None:
    case = dict(CASE, documents=["kk"])
    result = jknrules.evaluate(case, policies)
    assert result.outcome in OUTCOME_PRECEDENCE
    assert result.route is not None
    assert set(result.route) <= set(typed.Route.__annotations__)
    assert typed.Route.__required_keys__ <= set(result.route)
    for item in result.required_documents:
        assert set(item) <= set(typed.RequiredDocument.__annotations__)
    for reason in result.reasons:
        assert typed.Reason.__required_keys__ <= set(reason) <= set(typed.Reason.__annotations__)
    for entry in result.trace:
        assert set(entry) <= set(typed.TraceEntry.__annotations__)
        assert entry["kind"] in get_args(typed.TraceKind)


@pytest.mark.parametrize("name", ["karangasem-emergency.json", "batang-what-to-bring.yaml"])
def test_json_output_is_byte_identical(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The typed ``Result`` prints exactly what the untyped one did (golden files written
    before the types were added)."""
    monkeypatch.chdir(ROOT)
    policies = jknrules.load_policies(Path("policies"))
    text = jknrules.evaluate(ROOT / "examples" / "cases" / name, policies).to_json() + "\n"
    assert_golden(f"result/{Path(name).stem}.json", text)


INTEGRATOR = '''\
import jknrules

policies = jknrules.load_policies()
result = jknrules.evaluate({"regency": "batang", "submitted_at": "2026-02-03T08:00:00"}, policies)
if result.outcome == "acepted":
    print("typo")
if result.route is not None and result.route["channell"] == "counter":
    print("typo")
for item in result.required_documents:
    print(item["name"]["id"])
case = jknrules.Case(regency="batang", submitted_at="2026-02-03T08:00:00")
try:
    case = jknrules.Case.model_validate({"regency": "batang"})
except jknrules.CaseError as exc:
    print(exc.diagnostics[0].code, case.regency)
'''


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_strict_catches_an_integrators_typo(tmp_path: Path) -> None:
    """An integrator's ``mypy --strict`` reports a misspelt outcome and route key."""
    snippet = tmp_path / "integrator.py"
    snippet.write_text(INTEGRATOR, encoding="utf-8")
    env = dict(os.environ, MYPYPATH=str(ROOT / "src"))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent",
         "--config-file", os.devnull, str(snippet)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert 'Non-overlapping equality check' in out and "Literal['acepted']" in out, out
    assert '"channell"' in out, out
    assert out.count("error:") == 2, out  # the correct lines type-check


# --- what evaluate() accepts ---------------------------------------------------------------

def test_evaluate_takes_a_case_a_mapping_or_a_path(tmp_path: Path,
                                                   policies: jknrules.PolicySet) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    expected = jknrules.evaluate(CASE, policies).to_json()
    assert jknrules.evaluate(jknrules.Case.model_validate(CASE), policies).to_json() == expected
    assert jknrules.evaluate(path, policies).to_json() == expected
    assert jknrules.evaluate(str(path), policies).to_json() == expected


def test_a_str_that_is_no_file_is_a_case_error(policies: jknrules.PolicySet) -> None:
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate("no/such/case.json", policies)
    d = info.value.diagnostics[0]
    assert d.code == "JKN-F001"
    assert "no/such/case.json" in d.message_id and "no/such/case.json" in d.message_en
    assert "evaluate() menerima Case" in d.hint_id and "evaluate() takes a Case" in d.hint_en


def test_json_text_as_a_str_says_to_parse_it(policies: jknrules.PolicySet) -> None:
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate(json.dumps(CASE), policies)
    d = info.value.diagnostics[0]
    assert d.code == "JKN-F001"
    assert "json.loads" in d.hint_id and "json.loads" in d.hint_en
    assert len(d.message_en) < 120  # the text is shortened, not repeated whole


@pytest.mark.parametrize("value", [None, 42, 3.5, b'{"regency": "batang"}', ["batang"],
                                   ("batang",), object()], ids=repr)
def test_any_other_type_is_a_case_error(value: object, policies: jknrules.PolicySet) -> None:
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate(value, policies)  # type: ignore[arg-type]
    d = info.value.diagnostics[0]
    assert d.code == "JKN-C001"
    assert type(value).__name__ in d.message_id and type(value).__name__ in d.message_en
    assert d.hint_id and d.hint_en


@pytest.mark.parametrize("text", ["", "   ", "a\x00b"], ids=repr)
def test_odd_strings_are_case_errors(text: str, policies: jknrules.PolicySet) -> None:
    with pytest.raises(jknrules.CaseError):
        jknrules.evaluate(text, policies)


def test_policies_must_be_a_policy_set() -> None:
    with pytest.raises(TypeError, match="PolicySet"):
        jknrules.evaluate(CASE, str(POLICY_DIR))  # type: ignore[arg-type]


def test_regression_a_date_fact_in_the_trace_is_json(tmp_path: Path) -> None:
    """A policy whose condition reads ``applicant.birth_date`` put a ``datetime.date`` in
    the trace's facts, and ``to_json()`` failed (the CLI exited 3)."""
    minimal = (ROOT / "tests" / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
    (tmp_path / "batang.yaml").write_text(minimal.replace(
        "when: {field: welfare.dtks, equals: none}",
        "when: {field: applicant.birth_date, is_missing: true}"), encoding="utf-8")
    policies = jknrules.load_policies(tmp_path)
    result = jknrules.evaluate(dict(CASE, applicant={"birth_date": "1990-03-02"}), policies)
    rule = next(e for e in result.trace if e["kind"] == "rule")
    assert rule["facts"] == {"applicant.birth_date": "1990-03-02"}
    assert json.loads(result.to_json())["trace"] == result.trace


@pytest.mark.parametrize("make", [
    lambda: jknrules.DecisionLog(5),  # type: ignore[arg-type]
    lambda: jknrules.DecisionLog("d.jsonl", key=5),  # type: ignore[arg-type]
    lambda: jknrules.DecisionLog("d.jsonl", checkpoint_every=0),
    lambda: jknrules.DecisionLog("d.jsonl", checkpoint_every=1.5),  # type: ignore[arg-type]
    lambda: jknrules.DecisionLog("d.jsonl").append(
        {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00"}, 5),  # type: ignore[arg-type]
    lambda: jknrules.DecisionLog("d.jsonl").replay(5),  # type: ignore[arg-type]
    lambda: jknrules.load_policies(POLICY_DIR).get(5),  # type: ignore[arg-type]
], ids=["path", "key", "checkpoint_every", "checkpoint_every_float", "result", "policies",
        "regency"])
def test_regression_every_api_argument_error_is_a_jknrules_error(
        make: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """These raised a bare TypeError, ValueError or AttributeError."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(jknrules.JknrulesError) as exc:
        make()
    assert exc.value.diagnostics[0].code == "JKN-F003"
    assert isinstance(exc.value, TypeError | ValueError)
    assert not (tmp_path / "d.jsonl").exists()
