"""``jknrules batch``: one bad row never stops a run.

Hostile rows in JSON Lines, CSV and Parquet (dates at the ends of the calendar, JSON
nested 5,000 deep, wrong types, huge strings, NUL bytes, text that is not UTF-8) each
become an error row — row number, a located bilingual message, an entry in the errors
file — and the rows around them are decided as if they were alone. The run exits 1 and
says how many rows are error rows.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jknrules
from jknrules.batch import Decider, evaluate_table
from jknrules.batch import runner as batch_runner
from jknrules.batch.cases import from_dicts
from jknrules.batch.io import _clean
from jknrules.batch.scalar import evaluate_row, safe_text
from jknrules.batch.schema import case_schema
from jknrules.cli.main import main

from .batch_rows import read_rows
from .conftest import POLICY_DIR
from .test_properties import sample_cases

POLICIES = jknrules.load_policies(POLICY_DIR)
GOOD = {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
        "welfare": {"dtks": "registered", "desil": 3}, "documents": ["kk"]}
CODE = re.compile(r"^JKN-[A-Z][0-9]{3}$")


def line(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def deep(n: int) -> Any:
    out: Any = []
    for _ in range(n):
        out = [out]
    return out


#: (name, the line, the code it must give, or None: an error row of any code)
HOSTILE_JSONL: list[tuple[str, bytes, str | None]] = [
    ("date_9999", line({**GOOD, "submitted_at": "9999-12-31T23:59:59"}), None),
    ("date_9999_west", line({**GOOD, "submitted_at": "9999-12-31T23:59:59.999999-12:00"}),
     None),
    ("date_9999_east", line({**GOOD, "submitted_at": "9999-12-30T23:59:59+14:00"}), None),
    ("date_year_1", line({**GOOD, "submitted_at": "0001-01-01T00:00:00"}), None),
    ("deep_array", b"[" * 5000 + b"]" * 5000, "JKN-X004"),
    ("deep_object", b'{"a":' * 5000 + b"1" + b"}" * 5000, "JKN-X004"),
    ("deep_field", line({**GOOD, "documents": deep(900)}), None),
    ("regency_number", line({**GOOD, "regency": 5}), None),
    ("part_text", line({**GOOD, "welfare": "x"}), None),
    ("documents_text", line({**GOOD, "documents": "kk"}), None),
    ("documents_nested", line({**GOOD, "documents": [["kk"]]}), None),
    ("time_number", line({**GOOD, "submitted_at": 12}), None),
    ("top_list", b"[1, 2]", None),
    ("top_null", b"null", None),
    ("top_text", b'"batang"', None),
    ("huge_int", line({**GOOD, "welfare": {"desil": 10 ** 30}}), None),
    ("too_many_digits", b'{"welfare": {"desil": ' + b"9" * 5000 + b"}}", "JKN-C001"),
    ("nan", b'{"regency": "batang", "submitted_at": "2026-02-03T09:00:00", '
            b'"welfare": {"desil": NaN}}', None),
    ("huge_string", line({**GOOD, "regency": "x" * 500_000}), None),
    ("huge_line", line({**GOOD, "regency": "x" * 2_000_000}), "JKN-X002"),
    ("nul_in_text", line({**GOOD, "submitted_at": "2026-02-03T09:00:00\u0000"}), None),
    ("nul_byte", line(GOOD)[:-1] + b"\x00}", "JKN-C001"),
    ("not_utf8", line(GOOD).replace(b"batang", b"bat\xffang"), "JKN-X003"),
    ("lone_surrogate", line(GOOD).replace(b"batang", b"bat\\ud800ang"), None),
    ("empty_line", b"", "JKN-C001"),
    ("blank_line", b"   \t", "JKN-C001"),
]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", *args, "--policies", str(POLICY_DIR)], out, err)
    return code, out.getvalue(), err.getvalue()


def good_decision() -> dict[str, Any]:
    table, errors = evaluate_table(pa.Table.from_pylist([GOOD], schema=case_schema()), POLICIES)
    assert not errors
    return {k: v for k, v in _clean(table.to_pylist()[0]).items() if k != "row"}


def check_run(source: Path, out: Path, bad: dict[int, str | None], total: int,
              *extra: str) -> list[dict[str, Any]]:
    """Run the batch; every row comes back in order, the bad ones as located error rows,
    the others decided as ``GOOD`` alone is."""
    code, summary, err = run(str(source), "--out", str(out), "--summary", "json", *extra)
    assert code == 1, err
    assert f"{len(bad)} error row(s) of {total}" in err
    counts = json.loads(summary)
    assert counts["cases"] == total and counts["errors"] == len(bad)
    rows = read_rows(out)
    assert [int(r["row"]) for r in rows] == list(range(1, total + 1))
    want = good_decision()
    for r in rows:
        number = int(r["row"])
        if number in bad:
            assert r["error"] and len(r["error"]) < 2000, number
            continue
        assert not r.get("error"), (number, r.get("error"))
        assert {k: v for k, v in r.items() if k not in ("row", "error")} == want, number
    errors = [json.loads(text) for text in
              out.with_name(out.name + ".errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["row"] for e in errors] == sorted(bad)
    for entry in errors:
        first = entry["errors"][0]
        assert CODE.match(first["code"]) and first["path"].startswith("$")
        assert first["message"]["id"] and first["message"]["en"]
        assert first["message"]["id"] != first["message"]["en"]
        wanted = bad[entry["row"]]
        if wanted is not None:
            assert first["code"] == wanted, (entry["row"], first)
        if first["code"] in ("JKN-X002", "JKN-X003", "JKN-X004", "JKN-X007", "JKN-C001") \
                and first["file"]:
            assert first["file"] == str(source) and first["line"]
    return rows


# --- JSON Lines --------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "hostile", "code"), HOSTILE_JSONL,
                         ids=[h[0] for h in HOSTILE_JSONL])
def test_a_hostile_jsonl_line_is_one_error_row(tmp_path: Path, name: str, hostile: bytes,
                                               code: str | None) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_bytes(b"\n".join([line(GOOD), hostile, line(GOOD), line(GOOD)]) + b"\n")
    rows = check_run(source, tmp_path / "out.jsonl", {2: code}, 4, "--rows", "2")
    assert rows[1]["error"].split()[0] == (code or rows[1]["error"].split()[0])


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_every_hostile_jsonl_line_at_once(tmp_path: Path, suffix: str) -> None:
    """All of them in one file, in every output format, over several chunks."""
    lines, bad = [], {}
    for _, hostile, code in HOSTILE_JSONL:
        lines += [line(GOOD), hostile]
        bad[len(lines)] = code
    lines.append(line(GOOD))
    source = tmp_path / "cases.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    check_run(source, tmp_path / f"out{suffix}", bad, len(lines), "--rows", "7")


def test_a_byte_order_mark_and_crlf_are_read(tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + line(GOOD) + b"\r\n" + line(GOOD) + b"\r\n" + line(GOOD))
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"))
    assert code == 0, err
    assert len(read_rows(tmp_path / "o.jsonl")) == 3


# --- CSV ---------------------------------------------------------------------------------

CSV_HEADER = b"regency,submitted_at,welfare.dtks,welfare.desil,documents"
CSV_GOOD = b'batang,2026-02-03T09:00:00,registered,3,"[""kk""]"'
HOSTILE_CSV: list[tuple[str, bytes, str | None]] = [
    ("date_9999", CSV_GOOD.replace(b"2026-02-03", b"9999-12-31"), None),
    ("date_year_1", CSV_GOOD.replace(b"2026-02-03T09:00:00", b"0001-01-01T00:00:00"), None),
    ("deep_documents", CSV_GOOD.replace(b'"[""kk""]"', b"[" * 5000 + b"]" * 5000), None),
    ("desil_text", CSV_GOOD.replace(b",3,", b",abc,"), None),
    ("emergency_text", CSV_GOOD.replace(b"registered", b"yes please"), None),
    ("desil_huge", CSV_GOOD.replace(b",3,", b"," + b"9" * 40 + b","), None),
    ("too_many_cells", CSV_GOOD + b",extra", "JKN-X007"),
    ("too_few_cells", b"batang,2026-02-03T09:00:00", "JKN-X007"),
    ("unbalanced_quote", b'batang,"2026-02-03T09:00:00,registered,3,', "JKN-X007"),
    ("huge_cell", CSV_GOOD.replace(b"batang", b"x" * 500_000), None),
    ("huge_line", CSV_GOOD.replace(b"batang", b"x" * 2_000_000), "JKN-X002"),
    ("nul", CSV_GOOD.replace(b"batang", b"bat\x00ang"), None),
    ("not_utf8", CSV_GOOD.replace(b"batang", b"bat\xffang"), "JKN-X003"),
    ("whitespace", b"  ", "JKN-X007"),
]


@pytest.mark.parametrize(("name", "hostile", "code"), HOSTILE_CSV, ids=[h[0] for h in HOSTILE_CSV])
def test_a_hostile_csv_record_is_one_error_row(tmp_path: Path, name: str, hostile: bytes,
                                               code: str | None) -> None:
    source = tmp_path / "cases.csv"
    source.write_bytes(b"\n".join([CSV_HEADER, CSV_GOOD, hostile, CSV_GOOD, CSV_GOOD]) + b"\n")
    check_run(source, tmp_path / "out.jsonl", {2: code}, 4, "--rows", "2")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_every_hostile_csv_record_at_once(tmp_path: Path, suffix: str) -> None:
    lines, bad = [CSV_HEADER], {}
    for _, hostile, code in HOSTILE_CSV:
        lines += [CSV_GOOD, hostile]
        bad[len(lines) - 1] = code
    lines += [CSV_GOOD, b"", b"\r", CSV_GOOD + b"\r"]  # empty lines are not rows
    source = tmp_path / "cases.csv"
    source.write_bytes(b"\n".join(lines))
    rows = check_run(source, tmp_path / f"out{suffix}", bad, len(lines) - 3, "--rows", "5")
    assert len(rows) == len(HOSTILE_CSV) * 2 + 2


def test_a_line_break_inside_a_quoted_cell_costs_its_lines_only(tmp_path: Path) -> None:
    """A CSV record is a line: a quoted cell with a line break is reported, not guessed."""
    source = tmp_path / "cases.csv"
    source.write_bytes(b"\n".join([CSV_HEADER, CSV_GOOD, b'batang,"2026-02-03', b'T09:00:00",'
                                   b'registered,3,', CSV_GOOD]) + b"\n")
    check_run(source, tmp_path / "out.jsonl", {2: "JKN-X007", 3: "JKN-X007"}, 4)


def test_a_csv_header_that_cannot_be_read_is_bad_input(tmp_path: Path) -> None:
    for name, data in (("binary.csv", b"\xff\xfe\x00garbage\x00\n" + CSV_GOOD),
                       ("twice.csv", b"regency,regency,submitted_at\n"),
                       ("long.csv", b"x" * 2_000_000)):
        (tmp_path / name).write_bytes(data)
        code, out, err = run(str(tmp_path / name), "--out", str(tmp_path / "o.jsonl"))
        assert code == 2 and not out, err
        assert "JKN-X013" in err and name in err
        assert not (tmp_path / "o.jsonl").exists()


def test_binary_garbage_after_a_good_header_is_error_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    junk = rng.integers(0, 256, 20_000, dtype=np.uint8).tobytes().replace(b"\n", b"")
    source = tmp_path / "cases.csv"
    source.write_bytes(CSV_HEADER + b"\n" + CSV_GOOD + b"\n" + junk + b"\n" + CSV_GOOD + b"\n")
    check_run(source, tmp_path / "out.jsonl", {2: None}, 3)


# --- Parquet -----------------------------------------------------------------------------

def test_hostile_parquet_cells_are_error_rows(tmp_path: Path) -> None:
    texts = [b"batang", b"bat\xffang", b"batang", b"batang", b"x" * 2_000_000, b"bat\x00ang",
             b"batang"]
    times = ["2026-02-03T09:00:00", "2026-02-03T09:00:00", "9999-12-31T23:59:59",
             "0001-01-01T00:00:00", "2026-02-03T09:00:00", "2026-02-03T09:00:00",
             "2026-02-03T09:00:00"]
    n = len(texts)
    table = pa.table({
        # Parquet does not check UTF-8: a string column can hold bytes that are not text
        "regency": pa.array(texts, pa.binary()).view(pa.string()),
        "submitted_at": pa.array(times),
        "welfare": pa.array([{"dtks": "registered", "desil": 3}] * n),
        "documents": pa.array([["kk"]] * n),
    })
    pq.write_table(table, tmp_path / "cases.parquet", row_group_size=3)
    for suffix in (".jsonl", ".parquet"):
        rows = check_run(tmp_path / "cases.parquet", tmp_path / f"out{suffix}",
                         {2: "JKN-X003", 3: None, 4: None, 5: None, 6: None}, n, "--rows", "2")
        assert rows[1]["error"].startswith("JKN-X003 $.regency")


def test_text_that_is_not_utf8_in_dictionary_leaves_is_an_error_row(tmp_path: Path) -> None:
    """The documents' items and the welfare's DTKS status are read as dictionaries
    (``readers.dictionary_leaves``): an entry that is not UTF-8 makes the rows using it
    error rows, whichever chunk and row group they are in, and no other."""
    n = 7
    items = [[b"kk"], [b"kk", b"k\xffk"], [b"kk"], [b"kk"], [b"k\xffk"], [b"kk"], [b"kk"]]
    dtks = [b"registered"] * n
    dtks[5] = b"regis\xfftered"
    flat = pa.array([d for row in items for d in row], pa.binary()).view(pa.string())
    offsets = pa.array(np.cumsum([0] + [len(r) for r in items]), pa.int32())
    table = pa.table({
        "regency": pa.array(["batang"] * n),
        "submitted_at": pa.array(["2026-02-03T09:00:00"] * n),
        "welfare": pa.StructArray.from_arrays(
            [pa.array([3] * n), pa.array(dtks, pa.binary()).view(pa.string())],
            names=["desil", "dtks"]),
        "documents": pa.ListArray.from_arrays(offsets, flat),
    })
    pq.write_table(table, tmp_path / "cases.parquet", row_group_size=3)
    rows = check_run(tmp_path / "cases.parquet", tmp_path / "out.jsonl",
                     {2: "JKN-X003", 5: "JKN-X003", 6: "JKN-X003"}, n, "--rows", "2")
    assert rows[1]["error"].startswith("JKN-X003 $.documents")
    assert rows[5]["error"].startswith("JKN-X003 $.welfare.dtks")


def test_parquet_columns_of_the_wrong_type_are_error_rows(tmp_path: Path) -> None:
    """Timestamps Python cannot represent, text where a number belongs, lists of numbers,
    structs nested 60 deep: every row an error row, none a crash."""
    nested: pa.DataType = pa.bool_()
    value: Any = True
    for _ in range(60):
        nested, value = pa.struct([("x", nested)]), {"x": value}
    table = pa.table({
        "regency": ["batang"] * 3,
        "submitted_at": pa.array([1_700_000_000, 10 ** 15, -10 ** 15], pa.timestamp("s")),
        "documents": pa.array([[1], [2], None], pa.list_(pa.int64())),
        "welfare.desil": pa.array(["3", "x", None]),
        "health": pa.array([{"emergency": value}] * 3, pa.struct([("emergency", nested)])),
    })
    pq.write_table(table, tmp_path / "cases.parquet")
    code, summary, err = run(str(tmp_path / "cases.parquet"), "--out",
                             str(tmp_path / "o.jsonl"), "--summary", "json")
    assert code == 1 and json.loads(summary)["errors"] == 3, err
    rows = read_rows(tmp_path / "o.jsonl")
    assert [r["row"] for r in rows] == [1, 2, 3] and all(r["error"] for r in rows)
    assert rows[1]["error"].startswith("JKN-X005 $.submitted_at")


def test_garbage_parquet_is_bad_input_naming_the_file(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(pa.Table.from_pylist(sample_cases(300, 5), schema=case_schema()), good,
                   row_group_size=50)
    data = good.read_bytes()
    rng = np.random.default_rng(1)
    for name, content in (("random.parquet", rng.integers(0, 256, 5000, np.uint8).tobytes()),
                          ("empty.parquet", b""),
                          ("cut.parquet", data[: len(data) // 2]),
                          ("json.parquet", line(GOOD))):
        (tmp_path / name).write_bytes(content)
        code, out, err = run(str(tmp_path / name), "--out", str(tmp_path / "o.parquet"))
        assert code == 2 and not out, (name, err)
        assert "JKN-X013" in err and name in err and "internal" not in err
        assert not (tmp_path / "o.parquet").exists()


def test_a_parquet_file_damaged_inside_is_bad_input_not_an_internal_error(tmp_path: Path
                                                                          ) -> None:
    good = tmp_path / "cases.parquet"
    pq.write_table(pa.Table.from_pylist(sample_cases(3000, 5), schema=case_schema()), good,
                   row_group_size=500, compression="snappy")
    data = bytearray(good.read_bytes())
    meta = pq.ParquetFile(good).metadata
    column = meta.row_group(4).column(1)  # submitted_at of the fifth row group
    start = column.data_page_offset
    data[start + 20: start + column.total_compressed_size - 20] = \
        b"\xff" * (column.total_compressed_size - 40)
    good.write_bytes(bytes(data))
    code, out, err = run(str(good), "--out", str(tmp_path / "o.jsonl"), "--rows", "500")
    assert code == 2 and not out, err
    assert "cases.parquet" in err and "internal" not in err
    assert not (tmp_path / "o.jsonl").exists()


# --- the defences, one by one ------------------------------------------------------------

def test_far_dates_are_left_to_the_scalar_path() -> None:
    """One row at 9999-12-31 must not make the vectorised path build eight thousand years
    of calendar (nor overflow): rows beyond the horizon go to the scalar path."""
    cases = [GOOD, {**GOOD, "submitted_at": "9999-12-30T23:59:59"},
             {**GOOD, "submitted_at": "2150-01-01T09:00:00"},
             {**GOOD, "submitted_at": "0001-01-01T00:00:00"}]
    decider = Decider(POLICIES)
    chunk = from_dicts(cases, 1)
    keys = decider.coder.keys(chunk, chunk.fallback.copy())
    assert keys is not None
    fallback = chunk.fallback.copy()
    decider.coder.keys(chunk, fallback)
    assert fallback.tolist() == [False, True, True, True]
    table, errors = decider.decide(chunk)
    assert table.num_rows == 4 and table.column("error")[0].as_py() is None
    assert {e.row for e in errors} >= {2, 4}


def test_an_overflow_in_the_evaluator_is_a_located_row_error(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    from jknrules.batch import scalar

    def overflow(*_: Any, **__: Any) -> Any:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(scalar, "evaluate_compiled", overflow)
    row, error = evaluate_row(POLICIES, GOOD, 7)
    assert error is not None and row["error"]
    (first,) = error.errors
    assert (first["code"], first["path"]) == ("JKN-X006", "$.submitted_at")
    assert "9999" in first["message"]["id"] and "9999" in first["message"]["en"]


def test_a_failure_of_the_vectorised_path_costs_speed_not_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the vectorised path raise on a chunk (a bug), that chunk is decided one row
    at a time by the scalar evaluator, and the summary says so."""
    cases = sample_cases(300, 11)
    source = tmp_path / "cases.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in cases))
    code, _, err = run(str(source), "--out", str(tmp_path / "plain.jsonl"), "--rows", "100")
    assert code in (0, 1), err
    calls = {"n": 0}
    decide = Decider.decide

    def flaky(self: Decider, chunk: Any, *form: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise IndexError("a bug in the vectorised path")
        return decide(self, chunk, *form)

    monkeypatch.setattr(Decider, "decide", flaky)
    monkeypatch.delenv("JKNRULES_DEBUG", raising=False)
    summary = batch_runner.run(source, tmp_path / "rescued.jsonl", loaded=POLICIES, rows=100)
    assert summary.rescued_chunks == 1 and summary.cases == 300
    assert "please report it" in summary.text()
    assert (tmp_path / "rescued.jsonl").read_text() == (tmp_path / "plain.jsonl").read_text()


def test_error_texts_are_safe_to_write() -> None:
    assert safe_text("bat\ud800ang") == "bat\\ud800ang"
    assert safe_text("a\x00b") == "a\\x00b"
    long = safe_text("x" * 10_000)
    assert len(long) < 600 and long.endswith("(+9,500)")
    "".join(safe_text(chr(c)) for c in range(0x10000)).encode("utf-8")


def test_the_api_reports_text_that_is_not_utf8_as_a_row_error() -> None:
    table = pa.table({"regency": pa.array([b"batang", b"\xff"], pa.binary()).view(pa.string()),
                      "submitted_at": ["2026-02-03T09:00:00"] * 2})
    out, errors = evaluate_table(table, POLICIES)
    assert out.num_rows == 2 and [e.row for e in errors] == [2]
    assert errors[0].errors[0]["code"] == "JKN-X003"


def test_rows_must_be_positive() -> None:
    code, out, err = run("x.jsonl", "--out", "y.jsonl", "--rows", "0")
    assert code == 2 and not out and "positive" in err
