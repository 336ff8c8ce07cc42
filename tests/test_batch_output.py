"""Batch outputs built over columns: JSON Lines byte for byte what ``json.dumps`` of each
row gives, flat CSV and Parquet (timestamps and ``timezone``) holding the same rows."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings

import jknrules
from jknrules.batch.io import INSTANT, Writer, _clean, parquet_schema
from jknrules.batch.jsonlines import JsonLines
from jknrules.batch.runner import decide_chunk
from jknrules.batch.schema import decision_schema
from jknrules.batch.textout import csv_bytes, jsonl_bytes
from jknrules.batch.vectorised import Decider
from jknrules.cli.main import main

from .batch_rows import csv_row, read_rows
from .conftest import POLICY_DIR
from .test_batch_readers import json_lines

POLICIES = jknrules.load_policies(POLICY_DIR)


def reference_jsonl(table: pa.Table) -> bytes:
    """What the writer wrote before it was built over columns."""
    return "".join(json.dumps(_clean(r), ensure_ascii=False) + "\n"
                   for r in table.to_pylist()).encode("utf-8")


def reference_rows(table: pa.Table) -> list[Any]:
    # not splitlines(): it would also split at U+2028
    return [json.loads(x) for x in reference_jsonl(table).decode().split("\n")[:-1]]


def decided(path: Path, rows: int = 16) -> pa.Table:
    decider = Decider(POLICIES)
    return pa.concat_tables(decide_chunk(decider, chunk, False, False).table
                            for chunk, _ in JsonLines(path).chunks(rows))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=json_lines())
def test_jsonl_is_byte_for_byte_what_json_dumps_gives(
        tmp_path_factory: pytest.TempPathFactory, text: bytes) -> None:
    path = tmp_path_factory.mktemp("out") / "cases.jsonl"
    path.write_bytes(text)
    table = decided(path)
    assert b"".join(bytes(p) for p in jsonl_bytes(table)) == reference_jsonl(table)
    # and the flat CSV holds the same rows
    import csv
    records = list(csv.DictReader(io.StringIO(
        b"".join(bytes(p) for p in csv_bytes(table)).decode(), newline=""),
        fieldnames=_header()))
    assert [csv_row(r) for r in records] == reference_rows(table)


def _header() -> list[str]:
    from jknrules.batch.textout import csv_header
    return csv_header()


def free_text_rows() -> pa.Table:
    """Decision rows whose texts need escaping or quoting (JSON and CSV)."""
    rows: list[dict[str, Any]] = [
        {"row": 1, "error": 'JKN-C002 $.regency: "a,b"\n\\ \u0000 \u2028 é / x'},
        {"row": 2, "policy": {"regency": 'we"ird', "version": "v,1", "effective_from": "a\nb",
                              "sha256": "x\\y"},
         "outcome": "accepted", "target_segment": None, "route": {"id": "r", "channel": "c"},
         "required_documents": [{"id": "kk"}, {"any_of": ["a\"b", "c,d"]}],
         "missing_documents": ["é", 'q"'], "deadlines": {"response_due": "2026-01-01T00:00:00+08:00"},
         "error": None},
        {"row": 3, "policy": {"regency": "b", "version": "v", "effective_from": "e",
                              "sha256": "s"}, "outcome": "needs_review", "target_segment": "none",
         "route": None, "required_documents": [], "missing_documents": None, "deadlines": None,
         "error": None},
    ]
    return pa.Table.from_pylist(rows, schema=decision_schema())


def test_free_text_is_escaped_as_json_dumps_and_quoted_as_csv_writer() -> None:
    table = free_text_rows()
    assert b"".join(bytes(p) for p in jsonl_bytes(table)) == reference_jsonl(table)
    import csv
    text = b"".join(bytes(p) for p in csv_bytes(table)).decode()
    records = list(csv.DictReader(io.StringIO(text, newline=""), fieldnames=_header()))
    assert [csv_row(r) for r in records] == reference_rows(table)
    assert records[2]["missing_documents"] == "null" and records[2]["route.id"] == ""
    assert records[1]["required_documents"] == 'kk;a"b|c,d'


def test_parquet_deadlines_are_instants_with_the_regencys_zone(tmp_path: Path) -> None:
    cases = [{"regency": r, "submitted_at": "2026-02-03T09:00:00", "request": "register",
              "health": {"emergency": True, "inpatient": True},
              "welfare": {"desil": 3}, "documents": ["kk"]} for r in ("karangasem", "batang")]
    source = tmp_path / "c.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in cases))
    for suffix in (".jsonl", ".parquet"):
        assert main(["batch", str(source), "--out", str(tmp_path / f"o{suffix}"),
                     "--policies", str(POLICY_DIR)], io.StringIO(), io.StringIO()) == 0
    table = pq.read_table(tmp_path / "o.parquet")
    # plain text columns (the writer takes dictionaries, the file does not say so)
    assert table.schema.equals(parquet_schema(decision_schema()))
    assert table.schema.field("deadlines").type.field("response_due").type == INSTANT
    assert table.column("timezone").to_pylist() == ["Asia/Makassar", "Asia/Jakarta"]
    due = table.column("deadlines").to_pylist()[1]["response_due"]
    text = json.loads((tmp_path / "o.jsonl").read_text().splitlines()[1])["deadlines"]
    assert due == dt.datetime.fromisoformat(text["response_due"])
    assert read_rows(tmp_path / "o.parquet") == read_rows(tmp_path / "o.jsonl")


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_a_writer_writes_to_a_stream(tmp_path: Path, kind: str) -> None:
    table = free_text_rows()
    sink = io.BytesIO()
    writer = Writer(Path("-"), kind, decision_schema(), stream=sink)
    writer.write(table)
    writer.close()
    target = tmp_path / f"o.{kind}"
    writer = Writer(target, kind, decision_schema())
    writer.write(table)
    writer.close()
    assert sink.getvalue() == target.read_bytes()


def test_full_csv_has_flat_columns_and_json_only_for_lists_of_objects(tmp_path: Path) -> None:
    import csv

    cases = [{"regency": "batang", "submitted_at": "2026-02-03T09:00:00", "documents": ["kk"]},
             {"regency": "batang", "submitted_at": "2026-02-03T09:00:00"}]
    source = tmp_path / "c.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in cases))
    out = tmp_path / "o.csv"
    assert main(["batch", str(source), "--out", str(out), "--full", "--policies",
                 str(POLICY_DIR)], io.StringIO(), io.StringIO()) == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    full = [jknrules.evaluate(c, POLICIES, trace=False).to_dict() for c in cases]
    for row, want in zip(rows, full, strict=True):
        assert row["policy.sha256"] == want["policy"]["sha256"]
        assert row["outcome"] == want["outcome"]
        assert row["route.id"] == (want["route"] or {}).get("id", "")
        assert json.loads(row["reasons"]) == want["reasons"]
        assert json.loads(row["required_documents"] or "[]") == want["required_documents"]
    assert rows[0]["missing_documents"] == ";".join(full[0]["missing_documents"])
    assert rows[1]["missing_documents"] == "null"  # no documents given: nothing can be said
