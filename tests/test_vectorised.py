"""The vectorised batch path gives exactly the scalar evaluator's decision fields."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.batch.assembly import parquet_form
from jknrules.batch.cases import DICTIONARY_FIELDS, Chunk, from_arrow, from_dicts
from jknrules.batch.io import parquet_table
from jknrules.batch.scalar import evaluate_row
from jknrules.batch.schema import case_schema, decision_schema
from jknrules.batch.vectorised import Decider
from jknrules.batch.vtime import iso_bytes, parse_iso
from jknrules.language.case import case_facts
from jknrules.language.vocab import REGENCIES

from .conftest import POLICY_DIR, ROOT
from .generated import FIRST, catalogue_cases, policies, policy_set
from .test_properties import cases, sample_cases, to_case

POLICIES = jknrules.load_policies(POLICY_DIR)
SCHEMA = decision_schema()

#: rows the typed columns cannot carry: they must reach the scalar path and be judged there
ODD: list[Any] = [
    {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00", "welfare": {"desil": "3"}},
    {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00", "welfare": {"desill": 3}},
    {"regency": "karangasem", "submitted_at": "2026-02-30T09:00:00"},
    {"regency": "karangasem", "submitted_at": "2020-01-01T09:00:00"},
    {"regency": "bangli", "submitted_at": "2026-02-03T09:00:00"},
    {"regency": "5107", "submitted_at": "2026-02-03T01:00:00Z", "health": {"emergency": True},
     "welfare": {"desil": 4}, "documents": ["kk"]},
    {"regency": "batang", "submitted_at": "2026-02-03 09:00", "request": "transfer"},
    {"regency": "malinau", "submitted_at": "2026-02-21T09:00:00.5+08:00"},
    {"regency": "malinau", "submitted_at": "2026-02-21T23:59:59.999999-05:30",
     "documents": ["kk", "nope"]},
    {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00",
     "applicant": {"nik": "123", "birth_date": "2020-02-30"}},
    {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00",
     "applicant": {"nik": "1234567890123456", "birth_date": "2020-02-28",
                   "domicile_regency": "6502"}, "newborn": {"age_days": -1}},
    {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00", "health": {"emergency": None}},
    {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00",
     "applicant": {"birth_date": "1850-01-01"}},
    {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
     "applicant": {"birth_date": "2150-06-01"}},
    {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00",
     "membership": {"status": "none", "segment": "pbi_apbn"}},
    {"regency": "malinau", "submitted_at": "2026-02-03T09:00:00",
     "membership": {"status": "active", "segment": "none"}},
    # a field no condition reads (recap to BPJS) still has its value checked
    {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
     "applicant": {"sex": "nope", "address": "0000000000000000"}},
    ["not", "an", "object"],
    "a string",
]


def expected(objects: list[Any]) -> list[dict[str, Any]]:
    rows = [evaluate_row(POLICIES, obj, i + 1)[0] for i, obj in enumerate(objects)]
    return pa.Table.from_pylist(rows, schema=SCHEMA).to_pylist()


def decided(chunk: Any) -> list[dict[str, Any]]:
    decider = Decider(POLICIES)
    table, _ = decider.decide(chunk)
    assert table.schema == SCHEMA
    assert_parquet_form(decider, chunk, table)
    return table.to_pylist()


def assert_parquet_form(decider: Decider, chunk: Chunk, table: pa.Table) -> None:
    """The rows in the Parquet writer's form (instants straight from the moments,
    dictionaries) are what ``io.parquet_table`` makes of the decision columns."""
    written, _ = decider.decide(chunk, parquet=True)
    assert written.schema == parquet_form(SCHEMA)
    assert written.to_pylist() == parquet_table(table, decider.zones).to_pylist()


def dictionary_table(table: pa.Table, index: pa.DataType) -> pa.Table:
    """``table`` with the text columns of a few known values (enums, regencies, the
    documents' items) as dictionaries, as Parquet's ``read_dictionary`` or pandas
    categories give them."""
    text = pa.dictionary(index, pa.string())

    def typ(name: str, t: pa.DataType) -> pa.DataType:
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, typ(f"{name}.{f.name}", f.type)) for f in t])
        if name in DICTIONARY_FIELDS and pa.types.is_string(t):
            return text
        if name in DICTIONARY_FIELDS and pa.types.is_list(t):
            return pa.list_(text)
        return t

    schema = pa.schema([pa.field(f.name, typ(f.name, f.type)) for f in table.schema])
    assert schema != table.schema
    return table.cast(schema)


def assert_dictionaries_decide_alike(decider: Decider, table: pa.Table, decided: pa.Table
                                     ) -> None:
    """The same cases with dictionary text columns (int32 and int8 indices) give the
    same rows, in both forms."""
    for index in (pa.int32(), pa.int8()):
        chunk = from_arrow(dictionary_table(table, index), 1)
        again, _ = decider.decide(chunk)
        assert again.to_pylist() == decided.to_pylist()
        assert_parquet_form(decider, chunk, again)


def assert_same(got: list[dict[str, Any]], want: list[dict[str, Any]],
                objects: list[Any]) -> None:
    assert len(got) == len(want)
    for g, w, obj in zip(got, want, objects, strict=True):
        assert g == w, json.dumps(obj, default=str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases, min_size=1, max_size=40), st.lists(st.sampled_from(ODD), max_size=3))
def test_vectorised_equals_scalar_on_json_objects(raw: list[dict[str, Any]], odd: list[Any]
                                                  ) -> None:
    objects = [to_case(r) for r in raw] + odd
    assert_same(decided(from_dicts(objects, 1)), expected(objects), objects)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases, min_size=1, max_size=40))
def test_vectorised_equals_scalar_on_arrow_tables(raw: list[dict[str, Any]]) -> None:
    """Arrow rows mean what ``Chunk.case`` says (null desil inside a given welfare = null)."""
    objects = [to_case(r) for r in raw]
    table = pa.Table.from_pylist(objects, schema=case_schema())
    chunk = from_arrow(table, 1)
    meant = chunk.cases(np.arange(chunk.length))
    assert_same(decided(chunk), expected(meant), meant)
    decider = Decider(POLICIES)
    assert_dictionaries_decide_alike(decider, table, decider.decide(chunk)[0])


def test_a_large_mixed_set_agrees_across_chunks() -> None:
    objects = sample_cases(3000, seed=5)
    decider = Decider(POLICIES)
    table = pa.Table.from_pylist(objects, schema=case_schema())
    got = []
    for start in range(0, 3000, 700):  # memos carried from chunk to chunk
        out, _ = decider.decide(from_arrow(table.slice(start, 700), start + 1))
        got += out.to_pylist()
    assert_same(got, expected(objects), objects)
    # every row is valid and in the plan's reach: no row went to the scalar path
    assert decider.stats == {"rows_scalar": 0, "rows_uncoded": 0, "rows_calendar": 0}


def test_flat_dotted_columns_mean_the_same_as_structs() -> None:
    objects = sample_cases(300, seed=9)
    nested = pa.Table.from_pylist(objects, schema=case_schema())
    flat = nested.flatten()
    assert "welfare.desil" in flat.column_names
    assert decided(from_arrow(flat, 1)) == decided(from_arrow(nested, 1))


def test_errors_keep_their_row_and_reason() -> None:
    objects = [ODD[0], sample_cases(1, 1)[0], ODD[3]]
    table, errors = Decider(POLICIES).decide(from_dicts(objects, 10))
    rows = table.to_pylist()
    assert [r["row"] for r in rows] == [10, 11, 12]
    assert rows[0]["error"].startswith("JKN-C002") and rows[1]["error"] is None
    assert rows[2]["error"].startswith("JKN-C101")
    assert [e.row for e in errors] == [10, 12]


@pytest.mark.parametrize("text", [
    "2026-02-03T09:00:00", "2026-02-03T09:00:00Z", "2026-02-03T09:00:00+08:00",
    "2026-02-03T09:00:00.000001-07:30", "1999-12-31T23:59:59.999999Z", "2024-02-29T00:00:00",
])
def test_iso_parse_and_format_round_trip(text: str) -> None:
    wall, offset, kind = parse_iso(pa.array([text]))
    assert kind[0] in (1, 2)
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    naive = moment.replace(tzinfo=None)
    assert wall[0] == (naive - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    tz = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if tz < dt.timedelta(0) else "+"
    minutes = abs(int(tz.total_seconds())) // 60
    off = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}".encode()
    out = iso_bytes(wall, np.array([off], dtype="S6"), np.ones(1, dtype=bool))
    assert out[0].as_py() == naive.replace(tzinfo=dt.timezone(tz)).isoformat()
    assert offset[0] == tz // dt.timedelta(microseconds=1)


_ISO_TEXTS = ["2026-02-03T09:00:00", "2026-02-03T09:00:00Z", "2026-02-03T09:00:00+08:00",
              "2026-02-03T09:00:00.000001-07:30", "1999-12-31T23:59:59.999999Z",
              "2024-02-29T00:00:00", "2026-02-03T09:00:00.5+08:00", "2026-02-30T09:00:00",
              "2026-02-03 09:00:00", "x" * 19, "", "2026-02-03T09:00:00+0800"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(_ISO_TEXTS)), min_size=1, max_size=30),
       st.integers(0, 3))
def test_iso_parse_of_a_column_is_that_of_each_text_alone(texts: list[str | None],
                                                          cut: int) -> None:
    """Texts of every length mixed in one (sliced) column: each row parsed as alone."""
    column = pa.array(["2026-01-01T00:00:00"] * cut + texts).slice(cut)
    wall, offset, kind = parse_iso(column)
    for i, text in enumerate(texts):
        if text is None:
            assert kind[i] == 0
            continue
        one = parse_iso(pa.array([text]))
        assert (kind[i], offset[i]) == (one[2][0], one[1][0])
        if kind[i]:
            assert wall[i] == one[0][0]


@pytest.mark.parametrize("text", ["2026-02-30T09:00:00", "2026-13-01T09:00:00",
                                  "2026-02-03T24:00:00", "2026-02-03 09:00:00", "x" * 19])
def test_iso_parse_leaves_other_forms_to_the_scalar_path(text: str) -> None:
    assert parse_iso(pa.array([text]))[2][0] == 0


@settings(max_examples=200, deadline=None)
@given(cases)
def test_case_facts_are_exactly_the_fields_given(raw: dict[str, Any]) -> None:
    """``case_facts`` reads pydantic's internals for speed; compare it with the facts
    rebuilt from the public ``model_dump(exclude_unset=True)``."""
    case = jknrules.api.as_case(to_case(raw))
    given = case.model_dump(exclude_unset=True)
    expected = {"request": case.request}
    for part, values in given.items():
        if isinstance(values, dict):
            expected.update({f"{part}.{name}": value for name, value in values.items()})
    assert case_facts(case) == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases, min_size=1, max_size=20))
def test_memoised_evaluation_equals_a_fresh_one(raw: list[dict[str, Any]]) -> None:
    """The evaluator's memos (facts phase, day-level calendar) never change a result."""
    fresh = jknrules.load_policies(POLICY_DIR)
    for case in (to_case(r) for r in raw):
        warm = jknrules.evaluate(case, POLICIES).to_json()
        assert jknrules.evaluate(case, fresh).to_json() == warm
        assert jknrules.evaluate(case, fresh).to_json() == warm


def test_results_share_no_mutable_data() -> None:
    case = {"regency": "karangasem", "submitted_at": "2026-02-03T20:00:00",
            "health": {"emergency": True}, "welfare": {"desil": 3}, "documents": ["kk"],
            "applicant": {"has_ktp": True}, "membership": {"status": "none", "segment": "none"}}
    first = jknrules.evaluate(case, POLICIES)
    want = jknrules.evaluate(case, POLICIES).to_json()
    for item in first.required_documents:
        item["name"]["id"] = "changed"
        item.clear()
    for entry in first.reasons + first.trace:
        for value in entry.values():
            if isinstance(value, dict | list):
                value.clear()
    assert first.route is not None
    first.route["steps"].clear()
    assert jknrules.evaluate(case, POLICIES).to_json() == want


# --- every fixture policy, and a generated family of small policies -------------------

def _loadable_fixtures() -> list[tuple[Path, jknrules.PolicySet]]:
    """Every policy under tests/fixtures that loads (the invalid ones do not)."""
    out = []
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.yaml")):
        try:
            out.append((path, jknrules.load_policies(path)))
        except jknrules.PolicyError:
            continue
    return out


FIXTURES = _loadable_fixtures()


def differential(policies: jknrules.PolicySet, objects: list[Any], arrow: bool = False
                 ) -> Decider:
    """Decide ``objects`` on both paths under ``policies`` and require the same rows."""
    decider = Decider(policies)
    if arrow:
        cases = pa.Table.from_pylist(objects, schema=case_schema())
        chunk = from_arrow(cases, 1)
        objects = chunk.cases(np.arange(chunk.length))
    else:
        chunk = from_dicts(objects, 1)
    table, _ = decider.decide(chunk)
    assert_parquet_form(decider, chunk, table)
    if arrow:
        assert_dictionaries_decide_alike(decider, cases, table)
    rows = [evaluate_row(policies, obj, i + 1)[0] for i, obj in enumerate(objects)]
    assert_same(table.to_pylist(), pa.Table.from_pylist(rows, schema=SCHEMA).to_pylist(),
                objects)
    return decider


def test_the_differential_test_sees_every_loadable_fixture() -> None:
    names = {path.relative_to(ROOT / "tests" / "fixtures").as_posix() for path, _ in FIXTURES}
    assert "minimal.yaml" in names
    assert {n for n in names if n.startswith("analysis/")} == {
        f"analysis/{p.name}" for p in (ROOT / "tests" / "fixtures" / "analysis").glob("*.yaml")
        if p.name != "expected.yaml"}


@pytest.mark.parametrize(("path", "policies"), FIXTURES,
                         ids=[p.relative_to(ROOT / "tests" / "fixtures").as_posix()
                              for p, _ in FIXTURES])
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_vectorised_equals_scalar_on_fixture_policies(path: Path, policies: jknrules.PolicySet,
                                                      data: st.DataObject) -> None:
    regencies = [p.policy.regency for p in policies]
    first = min(p.versions[0].effective_from for p in policies) - dt.timedelta(days=30)
    objects = data.draw(st.lists(catalogue_cases(
        [*regencies, *(REGENCIES[r] for r in regencies)], first), min_size=1, max_size=30))
    differential(policies, objects)
    valid = data.draw(st.lists(catalogue_cases(regencies, first, bad=False), min_size=1,
                               max_size=20))
    differential(policies, valid, arrow=True)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy=policies(), data=st.data())
def test_vectorised_equals_scalar_on_generated_policies(policy: dict[str, Any],
                                                        data: st.DataObject) -> None:
    """Random services whose conditions read random catalogue fields, random requirements,
    hours, windows, cut-offs and durations: the batch path gives the scalar answer."""
    generated = policy_set(policy)
    regency = policy["regency"]
    objects = data.draw(st.lists(catalogue_cases([regency, REGENCIES[regency]], FIRST),
                                 min_size=1, max_size=30))
    differential(generated, objects, arrow=False)
    valid = data.draw(st.lists(catalogue_cases([regency], FIRST, bad=False), min_size=1,
                               max_size=15))
    decider = differential(generated, valid, arrow=True)
    # the plan decided every valid row, but those whose deadlines lie past its calendar arrays
    assert decider.stats["rows_uncoded"] == 0
    assert decider.stats["rows_scalar"] == decider.stats["rows_calendar"]


# --- the plan decides; the scalar path only what the plan cannot express ---------------

def test_valid_rows_never_reach_the_scalar_evaluator(monkeypatch: pytest.MonkeyPatch) -> None:
    from jknrules.batch import assembly

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the scalar path decided a row the plan can express")

    objects = sample_cases(500, seed=11)
    want = expected(objects)
    monkeypatch.setattr(assembly, "evaluate_row", refuse)
    chunk = from_arrow(pa.Table.from_pylist(objects, schema=case_schema()), 1)
    assert_same(decided(chunk), want, objects)


def test_a_version_the_plan_cannot_express_goes_to_the_scalar_path_counted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from jknrules.batch import plan, vectorised

    real = plan.plan_service

    def no_emergency(service: Any, number: int, tables: Any) -> Any:
        if service.route == "emergency_registration":
            raise plan.Unsupported("for the test")
        return real(service, number, tables)

    monkeypatch.setattr(vectorised, "plan_service", no_emergency)
    objects = sample_cases(400, seed=12)
    decider = Decider(POLICIES)
    table, _ = decider.decide(from_dicts(objects, 1))
    assert_same(table.to_pylist(), expected(objects), objects)
    unplanned = sum(1 for o in objects if o["regency"] == "karangasem"
                    and o["submitted_at"] >= "2025-12-31")
    assert unplanned > 0
    assert decider.stats["rows_uncoded"] == decider.stats["rows_scalar"] > 0


def test_each_missing_fact_gives_the_scalar_answer() -> None:
    """Unknown (three-valued) conditions: every case of a sample, then again without each
    of its fields in turn."""
    objects = []
    for case in sample_cases(60, seed=13):
        objects.append(case)
        for part, values in case.items():
            if isinstance(values, dict):
                for name in values:
                    objects.append({**case, part: {k: v for k, v in values.items()
                                                   if k != name}})
            elif part not in ("regency", "submitted_at"):
                objects.append({k: v for k, v in case.items() if k != part})
    differential(POLICIES, objects)
    differential(POLICIES, objects, arrow=True)


def test_outside_the_window_drops_the_segment_of_a_less_binding_rule() -> None:
    """Regression: a rule giving ``incomplete`` with a target segment, and a case whose
    service starts after the one-day window (2024-01-01 is a holiday): the outcome is
    ``outside_intake_window`` and the segment the service's, not the rule's."""
    source = {"clause": "uji"}
    service = {
        "title": "t", "document": "sop", "applies_when": {"field": "request", "equals": "register"},
        "source": source, "target_segment": "pbi_apbn", "office": "kantor",
        "rules": [{"id": "r0", "when": {"field": "request", "in": ["register"]},
                   "outcome": "incomplete", "message": {"id": "aturan", "en": "rule"},
                   "source": source, "target_segment": "pbi_apbd"}],
        "documents": [], "channels": [{"id": "counter", "name": "counter", "source": source}],
        "intake_window": {"from_day": 1, "to_day": 1, "source": source},
    }
    policy = {
        "regency": "batang", "name": "Kabupaten batang", "bps_code": "3325",
        "time_zone": "Asia/Jakarta", "offices": {"kantor": {"name": "Kantor uji"}},
        "closed_days": [], "versions": [{
            "effective_from": FIRST, "services": {"regular_registration": service},
            "documents": {"sop": {"title": "SOP uji", "kind": "SOP", "signed_by": {
                "name": "Kepala", "position": "Kepala Dinas"}}}}],
    }
    objects = [{"regency": "batang", "submitted_at": f"2024-01-0{d}T00:00:00"} for d in (1, 2)]
    decider = differential(policy_set(policy), objects)
    assert decider.stats["rows_scalar"] == 0


# --- dictionary columns (Parquet's read_dictionary, pandas categories) ------------------

def test_parquet_is_read_with_dictionaries_and_decided_as_plain_text(tmp_path: Path) -> None:
    """``ParquetInput`` reads enum, regency and documents leaves as dictionaries (chunks
    that cross row groups, whose dictionaries differ): the same rows as the plain table."""
    import pyarrow.parquet as pq

    from jknrules.batch.readers import ParquetInput

    objects = sample_cases(2000, seed=11)
    table = pa.Table.from_pylist(objects, schema=case_schema())
    path = tmp_path / "cases.parquet"
    pq.write_table(table, path, row_group_size=300)
    source = ParquetInput(path)
    membership = source.rows_file.schema_arrow.field("membership").type
    assert pa.types.is_dictionary(membership.field("status").type)
    decider, plain = Decider(POLICIES), Decider(POLICIES)
    for chunk, _ in source.chunks(700):
        assert pa.types.is_dictionary(chunk.columns["regency"].type)
        assert pa.types.is_dictionary(chunk.columns["documents"].type.value_type)
        start = chunk.first_row - 1
        want = plain.decide(from_arrow(table.slice(start, chunk.length), chunk.first_row))
        got = decider.decide(chunk)
        assert got[0].to_pylist() == want[0].to_pylist()
        assert decider.decide(chunk, parquet=True)[0].to_pylist() == plain.decide(
            from_arrow(table.slice(start, chunk.length), chunk.first_row),
            parquet=True)[0].to_pylist()
    assert decider.stats == plain.stats


def test_odd_dictionary_entries_go_where_their_plain_values_go() -> None:
    """A dictionary with a null entry, values outside the vocabulary and entries no row
    uses: each row decided (or refused) as the same row in plain text."""
    rows = [
        {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
         "membership": {"status": "active", "segment": "ppu"}, "documents": ["kk", "nope"]},
        {"regency": "bangli", "submitted_at": "2026-02-03T09:00:00", "documents": ["kk"]},
        {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00",
         "membership": {"status": "none", "segment": "pbi_apbn"}, "documents": []},
        {"regency": "malinau", "submitted_at": "2026-02-03T09:00:00",
         "membership": {"status": "inactive", "segment": "pbpu_mandiri"}},
        {"regency": "batang", "submitted_at": "2026-02-03T09:00:00", "request": "transfer",
         "applicant": {"sex": "nope"}},
    ]
    plain = pa.Table.from_pylist(rows, schema=case_schema())
    want, _ = Decider(POLICIES).decide(from_arrow(plain, 1))
    want_rows = want.to_pylist()
    assert want_rows == expected(rows)
    assert_dictionaries_decide_alike(Decider(POLICIES), plain, want)
    # entries no row uses, and a null entry (decoded: a null entry is not a value)
    regency = plain.column("regency").combine_chunks()
    words = pa.array(["unused", "batang", "bangli", "karangasem", "malinau", None])
    index = pa.array([words.to_pylist().index(v) for v in regency.to_pylist()], pa.int16())
    odd = plain.set_column(0, "regency", pa.DictionaryArray.from_arrays(index, words))
    chunk = from_arrow(odd, 1)
    assert not pa.types.is_dictionary(chunk.columns["regency"].type)  # decoded
    assert Decider(POLICIES).decide(chunk)[0].to_pylist() == want_rows
    clean = pa.DictionaryArray.from_arrays(index, pa.array(["unused", "batang", "bangli",
                                                             "karangasem", "malinau", "x"]))
    chunk = from_arrow(plain.set_column(0, "regency", clean), 1)
    assert pa.types.is_dictionary(chunk.columns["regency"].type)  # kept
    assert Decider(POLICIES).decide(chunk)[0].to_pylist() == want_rows
