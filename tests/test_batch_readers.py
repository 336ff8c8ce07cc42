"""The JSON Lines reader's fast reading (pyarrow, a block at a time) means exactly what
the per-line reading (``json.loads`` on each line) means: the same decided rows, the
same error rows with the same located diagnostics, the same chunk ends — hostile lines,
explicit nulls, odd spacing and wrong types included (hypothesis)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.batch import jsonlines
from jknrules.batch.jsonlines import JsonLines, _Fast
from jknrules.batch.runner import decide_chunk
from jknrules.batch.vectorised import Decider
from jknrules.language.fields import FIELDS
from jknrules.language.vocab import DOCUMENTS

from .conftest import POLICY_DIR
from .test_batch_hostile import HOSTILE_JSONL

POLICIES = jknrules.load_policies(POLICY_DIR)

#: valid values of each kind of field (drawn mostly), then invalid ones
_GOOD: dict[str, list[Any]] = {
    "bool": [True, False],
    "int": [0, 1, 3, 5, 6, 10],
    "enum": ["register", "transfer", "reactivate", "none", "active", "inactive",
             "registered", "proposed", "pbi_apbd", "pbpu_mandiri", "ppu"],
    "regency": ["karangasem", "batang", "malinau", "5107"],
    "date": ["2000-01-31", "2025-12-31"],
    "datetime": ["2026-02-03T09:00:00", "2024-07-01T21:30:00+08:00", "2025-12-31T08:00:00.5",
                 "2023-05-22T07:59:00+07:00", "2026-01-05T16:10:00"],
    "text": ["1234567890123456", "5107012345678901"],
}
_BAD: dict[str, list[Any]] = {
    "bool": [None, 1, "true"],
    "int": [11, -1, None, 2**62, -(2**62), 2**53, 1.0, "3", True],
    "enum": ["x", "", None, 3],
    "regency": ["bangli", "X", None, 3],
    "date": ["1899-12-31", "2000-02-30", "x", None, 20000131],
    "datetime": ["2026-13-01T00:00:00", "9999-12-31T23:59:59", "x", None, 12],
    "text": ["123", "\u0661" * 16, None, 5],
}


def _value(kind: str) -> st.SearchStrategy[Any]:
    if kind == "documents":
        return st.one_of(st.lists(st.sampled_from(sorted(DOCUMENTS)), max_size=4),
                         st.none(), st.just("kk"),
                         st.lists(st.sampled_from([*sorted(DOCUMENTS), "paspor", 3]),
                                  max_size=4))
    return st.one_of(*[st.sampled_from(_GOOD[kind])] * 12, st.sampled_from(_BAD[kind]))


#: a case whose decision turns on ``welfare.desil`` (given, ``null`` = not found, left out)
BASE = {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00", "request": "register",
        "health": {"emergency": True, "inpatient": True},
        "applicant": {"domicile_regency": "karangasem", "has_ktp": True},
        "membership": {"status": "none", "segment": "none"},
        "household": {"has_ppu_member": False}, "documents": ["kk", "ktp"]}


@st.composite
def case_objects(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        welfare = draw(st.sampled_from([{"desil": None}, {}, {"desil": 3}, {"desil": 7},
                                        {"desil": None, "dtks": "none"}]))
        return {**json.loads(json.dumps(BASE)), "welfare": welfare}
    case: dict[str, Any] = {}
    for f in FIELDS:
        if f.name in ("regency", "submitted_at"):
            if draw(st.integers(0, 20)) == 0:
                continue  # a required field left out
        elif not draw(st.booleans()):
            continue
        value = draw(_value(f.kind))
        if f.name == "welfare.desil" and draw(st.integers(0, 3)) == 0:
            value = None  # not found
        if f.name == "regency" and isinstance(value, str) and value == "X":
            value = "karangasem"
        if f.part:
            part = case.setdefault(f.part, {})
            if isinstance(part, dict):
                part[f.key] = value
        else:
            case[f.name] = value
    extra = draw(st.integers(0, 30))
    if extra == 0:
        case["welfare"] = None
    elif extra == 1:
        case["newborn"] = {}
    elif extra == 2:
        case["unknown"] = 1
    elif extra == 3:
        case.setdefault("applicant", {})["desil"] = None
    return case


@st.composite
def json_lines(draw: st.DrawFn) -> bytes:
    out = []
    for _ in range(draw(st.integers(1, 40))):
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from([h[1] for h in HOSTILE_JSONL
                                             if len(h[1]) < 100_000])))
            continue
        obj = draw(case_objects())
        separators = draw(st.sampled_from([(", ", ": "), (",", ":"), (" , ", " :  ")]))
        text = json.dumps(obj, separators=separators, ensure_ascii=draw(st.booleans()))
        out.append(text.encode())
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    text = ending.join(out) + (ending if draw(st.booleans()) else b"")
    if draw(st.integers(0, 8)) == 0:
        text = b"\xef\xbb\xbf" + text
    return text


def decided(path: Path, rows: int, fast: bool) -> tuple[pa.Table, list[Any], list[Any]]:
    decider = Decider(POLICIES)
    tables, errors, marks = [], [], []
    for chunk, mark in JsonLines(path, fast=fast).chunks(rows):
        done = decide_chunk(decider, chunk, False, False)
        tables.append(done.table)
        errors += [e.to_json() for e in done.errors]
        marks.append(mark)
    return pa.concat_tables(tables), errors, marks


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=json_lines(), rows=st.integers(1, 50), smallest=st.sampled_from([1, 4, 64]))
def test_the_fast_reading_means_what_the_per_line_reading_means(
        tmp_path_factory: pytest.TempPathFactory, text: bytes, rows: int, smallest: int) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "cases.jsonl"
    path.write_bytes(text)
    old = jsonlines.SMALLEST
    jsonlines.SMALLEST = smallest
    try:
        fast = decided(path, rows, True)
    finally:
        jsonlines.SMALLEST = old
    slow = decided(path, rows, False)
    assert fast[0].equals(slow[0]), (fast[0].to_pylist(), slow[0].to_pylist())
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]


def fast_rows(path: Path) -> int:
    source = JsonLines(path)
    return sum(len(segment) for block in __import__("jknrules.batch.source", fromlist=["x"])
               .blocks(path, 0) if isinstance(block, bytes)
               for segment, _ in source._segments(block, 1, 0) if isinstance(segment, _Fast))


def test_clean_lines_are_read_by_pyarrow_and_a_bad_one_costs_its_neighbours_only(
        tmp_path: Path) -> None:
    cases = [{**BASE, "submitted_at": f"2026-02-{d:02d}T09:00:00",
              "welfare": [{"desil": None}, {}, {"desil": d % 10 + 1}][d % 3]}
             for d in range(1, 29)] * 40
    lines = [json.dumps(c).encode() for c in cases]
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert fast_rows(path) == len(lines)
    lines[500] = b'{"regency": "batang", "welfare": {"desil": null, "dtks": null}}'
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert len(lines) - 2 * jsonlines.SMALLEST <= fast_rows(path) < len(lines)
    fast, slow = decided(path, 100, True), decided(path, 100, False)
    assert fast[0].equals(slow[0]) and fast[1] == slow[1] and fast[2] == slow[2]
    assert [e["row"] for e in fast[1]] == [501]


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.none() | st.text(alphabet=' ;[]",\tk\u00e9\u3000\x1fa1', max_size=12),
                      max_size=30))
def test_csv_documents_split_over_columns_as_one_by_one(cells: list[str | None]) -> None:
    """A CSV ``documents`` cell: the columnar split gives what ``_docs`` gives each cell
    (a list of ids, or the row left to the scalar path)."""
    from jknrules.batch.cases import _docs
    from jknrules.batch.csvcolumns import _parse_docs

    text = pa.array(cells, pa.string())
    value, wrong = _parse_docs(text)
    for cell, got, bad in zip(cells, value.to_pylist(), wrong.tolist(), strict=True):
        want = None if cell is None else _docs(cell)
        ok = want is None or (isinstance(want, list) and all(isinstance(x, str) for x in want))
        assert bad == (not ok)
        assert got == (want if ok else None)


def test_reading_ahead_keeps_the_order_and_raises_in_place() -> None:
    from jknrules.batch.source import ahead

    def items() -> Any:
        yield from range(5)
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for x in ahead(items()):
            got.append(x)
    assert got == [0, 1, 2, 3, 4]
    closed = []

    def endless() -> Any:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.append(True)

    stream = ahead(endless())
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()  # the consumer stops early: the reading thread ends, its source closed
    assert closed == [True]


@settings(max_examples=300, deadline=None)
@given(lengths=st.lists(st.integers(0, 40), min_size=1, max_size=30),
       max_line=st.integers(1, 30), ending=st.booleans())
def test_over_long_lines_are_cut_out_of_a_block_however_it_is_checked(
        lengths: list[int], max_line: int, ending: bool) -> None:
    """``_split_long`` trusts a quick search (a newline in every half ``max_line``) before
    it measures lines: it gives what measuring every line gives."""
    from jknrules.batch.source import TooLong, _split_long

    block = b"\n".join(b"x" * n for n in lengths) + (b"\n" if ending else b"")
    if not block:
        return
    want: list[bytes | TooLong] = []
    lines = block.split(b"\n")
    for k, line in enumerate(lines):
        whole = line + (b"\n" if k < len(lines) - 1 else b"")
        if not whole:
            continue
        if len(whole) > max_line and len(block) > max_line:
            want.append(TooLong(len(whole)))
        elif want and isinstance(want[-1], bytes):
            want[-1] += whole
        else:
            want.append(whole)
    assert list(_split_long(block, max_line)) == want


_FRAGMENTS = [b'"desil": null', b'"desil":null', b'"desil" :  null', b'"desil":\tnull',
              b'"name": null', b'"null"', b'null', b' "desil": ', b', ', b'{', b'}', b'x',
              b'"desil"' + b" " * 70 + b": null"]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(_FRAGMENTS), max_size=12))
def test_desil_nulls_are_found_as_the_regular_expression_finds_them(
        parts: list[bytes]) -> None:
    import re

    text = b"".join(parts)
    every = re.compile(rb'"desil"[ \t\r]*:[ \t\r]*null')
    found = jsonlines._desil_nulls(text)
    matches = list(every.finditer(text))
    if len(matches) == text.count(b"null") and all(m.end() - m.start() < 64 + 11
                                                    for m in matches):
        assert found == [m.end() - 4 for m in matches]
    elif len(matches) != text.count(b"null"):
        assert found is None
