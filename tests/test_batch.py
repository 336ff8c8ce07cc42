"""``jknrules batch``: formats, order, errors file, summary, the full result."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import jknrules
from jknrules.batch import Decider, evaluate_frame, evaluate_table
from jknrules.batch.cases import from_dicts
from jknrules.batch.io import _clean
from jknrules.batch.schema import case_schema
from jknrules.cli.main import main
from jknrules.engine.compiler import compile_policy
from jknrules.language.fields import CASE_FIELDS, CaseField
from jknrules.load.loader import load_policy_text

from .batch_rows import read_rows
from .conftest import POLICY_DIR, ROOT
from .generated import policy_set
from .test_properties import sample_cases

POLICIES = jknrules.load_policies(POLICY_DIR)
CASES = sample_cases(400, seed=21) + [
    {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00", "welfare": {"desil": "3"}},
    {"regency": "karangasem", "submitted_at": "2019-01-01T09:00:00"},
]
BAD = {401, 402}


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", *args, "--policies", str(POLICY_DIR)], out, err)
    return code, out.getvalue(), err.getvalue()


def write_jsonl(path: Path, objects: list[Any]) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects))
    return path


def scalar_rows(objects: list[Any]) -> list[dict[str, Any]]:
    out = []
    for obj in objects:
        try:
            result = jknrules.evaluate(obj, POLICIES, trace=False).to_dict()
        except jknrules.JknrulesError:
            out.append(None)
            continue
        out.append(result)
    return out


def as_decision(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "policy": {k: result["policy"][k]
                   for k in ("regency", "version", "effective_from", "sha256")},
        "outcome": result["outcome"], "target_segment": result["target_segment"],
        "route": result["route"] and {"id": result["route"]["id"],
                                      "channel": result["route"]["channel"]},
        "required_documents": [{"id": d["id"]} if "id" in d else {"any_of": d["any_of"]}
                               for d in result["required_documents"]],
        "missing_documents": result["missing_documents"], "deadlines": result["deadlines"],
    }


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_every_row_comes_back_in_order(tmp_path: Path, suffix: str) -> None:
    source = write_jsonl(tmp_path / "cases.jsonl", CASES)
    out = tmp_path / f"results{suffix}"
    code, summary, err = run(str(source), "--out", str(out))
    assert code == 1  # two error rows: the run finished, and says how many
    assert "kasus / cases: 402" in summary and "error" in summary
    assert "2 baris galat dari 402" in err and "2 error row(s) of 402" in err
    rows = read_rows(out)
    assert [int(r["row"]) for r in rows] == list(range(1, 403))
    for row, want in zip(rows, scalar_rows(CASES), strict=True):
        if want is None:
            assert int(row["row"]) in BAD and row["error"]
            continue
        row = {k: v for k, v in row.items() if k not in ("row", "error")}
        assert row == as_decision(want)
    errors = [json.loads(line) for line in
              (tmp_path / f"results{suffix}.errors.jsonl").read_text().splitlines()]
    assert [e["row"] for e in errors] == sorted(BAD)
    assert errors[0]["errors"][0]["code"] == "JKN-C002"
    assert errors[0]["errors"][0]["message"]["id"] and errors[0]["errors"][0]["message"]["en"]


def test_csv_and_parquet_inputs_give_the_jsonl_results(tmp_path: Path) -> None:
    cases = sample_cases(200, seed=4)
    write_jsonl(tmp_path / "c.jsonl", cases)
    table = pa.Table.from_pylist(cases, schema=case_schema())
    pq.write_table(table, tmp_path / "c.parquet")
    pq.write_table(table.flatten(), tmp_path / "flat.parquet")
    flat = table.flatten()
    with (tmp_path / "c.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(flat.column_names)
        for row in flat.to_pylist():
            writer.writerow(["" if v is None else json.dumps(v) if isinstance(v, list)
                             else str(v).lower() if isinstance(v, bool) else v
                             for v in row.values()])
    outputs = []
    for name in ("c.jsonl", "c.parquet", "flat.parquet", "c.csv"):
        target = tmp_path / (name + ".out.jsonl")
        assert run(str(tmp_path / name), "--out", str(target))[0] == 0
        outputs.append(target.read_text())
    assert outputs[0] == outputs[1] == outputs[2]
    # CSV cells are text: an empty desil cell is "not given", while the JSON case says null
    differs = [i for i, (a, b) in enumerate(zip(outputs[0].splitlines(),
                                                outputs[3].splitlines(), strict=True)) if a != b]
    assert all(cases[i]["welfare"]["desil"] is None for i in differs)


def test_full_results_are_the_evaluators_json(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "cases.jsonl", CASES[:50])
    out = tmp_path / "full.jsonl"
    assert run(str(source), "--out", str(out), "--full", "--trace")[0] == 0
    for line, case in zip(out.read_text().splitlines(), CASES[:50], strict=True):
        row = json.loads(line)
        assert row.pop("row")
        assert row == jknrules.evaluate(case, POLICIES).to_dict()
    parquet = tmp_path / "full.parquet"
    assert run(str(source), "--out", str(parquet), "--full")[0] == 0
    assert pq.read_table(parquet).num_rows == 50


def test_workers_give_the_same_file(tmp_path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(sample_cases(3000, 8), schema=case_schema()),
                   tmp_path / "c.parquet")
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    assert run(str(tmp_path / "c.parquet"), "--out", str(one), "--workers", "1",
               "--rows", "700")[0] == 0
    assert run(str(tmp_path / "c.parquet"), "--out", str(two), "--workers", "2",
               "--rows", "700")[0] == 0
    assert pq.read_table(one).equals(pq.read_table(two))


def test_bad_lines_are_reported_not_dropped(tmp_path: Path) -> None:
    source = tmp_path / "c.jsonl"
    source.write_text(json.dumps(CASES[0]) + "\n{not json\n\n" + json.dumps(CASES[1]) + "\n")
    out = tmp_path / "o.jsonl"
    code, summary, _ = run(str(source), "--out", str(out), "--summary", "json")
    assert code == 1 and json.loads(summary)["errors"] == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3, 4]
    assert "error" in rows[1] and "error" in rows[2] and "outcome" in rows[3]


def test_unknown_columns_and_types_are_refused(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("regency,submitted_at,welfare.desill\nbatang,2026-01-01T09:00:00,3\n")
    code, _, err = run(str(tmp_path / "c.csv"), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "welfare.desill" in err
    (tmp_path / "c.txt").write_text("")
    code, _, err = run(str(tmp_path / "c.txt"), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "JKN-F005" in err


def test_python_api_for_arrow_and_polars() -> None:
    cases = sample_cases(100, seed=2)
    table = pa.Table.from_pylist(cases, schema=case_schema())
    out, errors = evaluate_table(table, POLICIES)
    assert not errors and out.num_rows == 100
    want = [as_decision(r) for r in scalar_rows(cases)]
    assert [{k: v for k, v in _clean(r).items() if k != "row"} for r in out.to_pylist()] == want
    polars = pytest.importorskip("polars")
    frame = evaluate_frame(polars.from_arrow(table), POLICIES)
    assert frame["outcome"].to_list() == [w["outcome"] for w in want]


# --- conditions on every case field: the batch path never answers differently -----------

MINIMAL = ROOT / "tests" / "fixtures" / "minimal.yaml"
NIK_REQUIREMENT = """          - require: kk
            source: {clause: "Persyaratan 2"}
          - require: ktp
            when: {field: applicant.nik, is_missing: true}
            source: {clause: "Persyaratan 3"}"""


def test_batch_and_evaluate_disagreed_on_a_requirement_when_nik_is_missing(tmp_path: Path
                                                                           ) -> None:
    """Regression: ``when: {field: applicant.nik, is_missing: true}`` on a document
    requirement passed ``jknrules validate``, then ``evaluate`` and ``batch`` disagreed on
    the same row: the batch key did not carry the NIK, so rows with and without one shared
    the decision of whichever row represented them."""
    folder = tmp_path / "policies"
    folder.mkdir()
    text = MINIMAL.read_text().replace(
        """          - require: kk
            source: {clause: "Persyaratan 2"}""", NIK_REQUIREMENT)
    assert "applicant.nik" in text
    (folder / "batang.yaml").write_text(text)
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(folder / "batang.yaml"), "--policies", str(folder)],
                out, err) == 0, err.getvalue()
    base = {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
            "welfare": {"dtks": "registered"}, "documents": ["kk"]}
    cases = [base, {**base, "applicant": {"nik": "3325016504880002"}}, base]
    source = write_jsonl(tmp_path / "cases.jsonl", cases)
    target = tmp_path / "out.jsonl"
    assert main(["batch", str(source), "--out", str(target), "--policies", str(folder)],
                io.StringIO(), io.StringIO()) == 0
    batch = [json.loads(line) for line in target.read_text().splitlines()]
    for i, case in enumerate(cases):
        path = write_jsonl(tmp_path / f"case{i}.json", [case])
        out = io.StringIO()
        assert main(["evaluate", str(path), "--policies", str(folder)], out,
                    io.StringIO()) == 0
        single = json.loads(out.getvalue())
        assert batch[i]["outcome"] == single["outcome"]
        assert batch[i]["missing_documents"] == single["missing_documents"]
        assert batch[i]["required_documents"] == [
            {"id": d["id"]} if "id" in d else {"any_of": d["any_of"]}
            for d in single["required_documents"]]
    assert [r["outcome"] for r in batch] == ["incomplete", "accepted", "incomplete"]


def _value(field: CaseField) -> Any:
    """A valid value of the field."""
    return {"enum": lambda: field.values[0], "bool": lambda: True,
            "int": lambda: field.minimum or 0, "text": lambda: "3325016504880002",
            "date": lambda: "2001-02-03", "regency": lambda: "batang"}[field.kind]()


def _tests(field: CaseField) -> list[dict[str, Any]]:
    """Presence tests (any field), and one value test where the field's kind has one."""
    out: list[dict[str, Any]] = [{"is_missing": True}, {"is_missing": False},
                                 {"is_null": False}, {"is_null": False, "if_missing": True}]
    if field.nullable:
        out.append({"is_null": True})
    if field.value_tested:
        out.append({"equals": _value(field), "if_missing": False})
    return out


@pytest.mark.parametrize("field", list(CASE_FIELDS.values()), ids=list(CASE_FIELDS))
def test_batch_agrees_with_evaluate_on_every_field_and_test(field: CaseField) -> None:
    """Each condition field under each test it admits, on a requirement, on a rule and in
    ``applies_when``: rows that give the field, leave it out or give ``null`` decide alike."""
    data = yaml.safe_load(MINIMAL.read_text())
    service = data["versions"][0]["services"]["regular_registration"]
    part, _, key = field.name.rpartition(".")
    given = [{}, {part: {key: _value(field)}} if part else {key: _value(field)}]
    if field.nullable:
        given.append({part: {key: None}})
    rows = []
    for test in _tests(field):
        cond = {"field": field.name, **test}
        for where in ("requirement", "rule", "applies"):
            variant = copy.deepcopy(data)
            svc = variant["versions"][0]["services"]["regular_registration"]
            if where == "requirement":
                svc["documents"].append({"require": "ktp", "when": cond,
                                         "source": {"clause": "x"}})
            elif where == "rule":
                svc["rules"].append({"id": "uji", "when": cond, "outcome": "needs_review",
                                     "message": {"id": "uji", "en": "test"},
                                     "source": {"clause": "x"}})
            else:
                svc["applies_when"] = {"all": [service["applies_when"], cond]}
            policies = policy_set(variant)
            objects = [{"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
                        "welfare": {"dtks": "registered"}, "documents": ["kk"], **extra}
                       for extra in given for _ in range(2)]
            decider = Decider(policies)
            table, _ = decider.decide(from_dicts(objects, 1))
            for got, obj in zip(table.to_pylist(), objects, strict=True):
                want = jknrules.evaluate(obj, policies, trace=False).to_dict()
                got = {k: v for k, v in _clean(got).items() if k not in ("row", "error")}
                assert got == as_decision(want), (cond, where, obj)
            rows.append(decider.stats["rows_uncoded"])
    assert not any(rows), "every catalogue field is coded"


def test_a_version_the_plan_cannot_express_sends_its_rows_to_the_scalar_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A version whose conditions the batch plan cannot express (here: a field it is told
    it does not support) has its rows decided one by one (and counted in the summary),
    never by a guess."""
    from jknrules.batch import plan, runner

    text = MINIMAL.read_text().replace(
        """          - require: kk
            source: {clause: "Persyaratan 2"}""", NIK_REQUIREMENT)
    policies = jknrules.PolicySet([compile_policy(load_policy_text(text, "batang.yaml"))])
    monkeypatch.setattr(plan, "_KINDS", plan._KINDS - {"text"})  # as if NIK were new
    base = {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
            "welfare": {"dtks": "registered"}, "documents": ["kk"]}
    cases = [base, {**base, "applicant": {"nik": "3325016504880002"}}] * 3
    decider = Decider(policies)
    assert all(p is None for p in decider.plans)
    table, _ = decider.decide(from_dicts(cases, 1))
    assert decider.stats["rows_uncoded"] == len(cases)
    assert table.column("outcome").to_pylist() == ["incomplete", "accepted"] * 3
    summary = runner.run(write_jsonl(tmp_path / "c.jsonl", cases), tmp_path / "o.jsonl",
                         loaded=policies)
    assert summary.uncoded_rows == summary.scalar_rows == len(cases)
    assert "one by one" in summary.text() and summary.to_json()["uncoded_rows"] == 6
