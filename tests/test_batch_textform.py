"""The text form of decision rows (``assembly.text_form``: a chunk's combinations as
dictionaries, one index array): the JSON Lines and CSV writers give for it byte for byte
what they give for the plain columns, which is what ``json.dumps`` gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.batch import assembly
from jknrules.batch.assembly import COMBINED, text_form
from jknrules.batch.jsonlines import JsonLines
from jknrules.batch.runner import Summary, decide_chunk
from jknrules.batch.schema import decision_schema
from jknrules.batch.textout import csv_bytes, jsonl_bytes
from jknrules.batch.vectorised import Decider

from .conftest import POLICY_DIR
from .test_batch_output import free_text_rows, reference_jsonl
from .test_batch_readers import json_lines

POLICIES = jknrules.load_policies(POLICY_DIR)


def text(pieces: object) -> bytes:
    return b"".join(bytes(p) for p in pieces)  # type: ignore[attr-defined]


def plain(table: pa.Table) -> pa.Table:
    """The text form decoded: the plain decision columns."""
    columns = [c.combine_chunks().dictionary_decode() if pa.types.is_dictionary(c.type)
               else c for c in table.columns]
    return pa.Table.from_arrays(columns, schema=decision_schema())


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=json_lines(), lookup=st.sampled_from([assembly.LOOKUP_KEYS, 0]))
def test_decided_rows_in_the_text_form_are_written_as_the_plain_ones(
        tmp_path_factory: pytest.TempPathFactory, lines: bytes, lookup: int) -> None:
    """(``lookup``: the combinations found by a table over their keys, or by sorting.)"""
    path = tmp_path_factory.mktemp("out") / "cases.jsonl"
    path.write_bytes(lines)
    decider = Decider(POLICIES)
    old, assembly.LOOKUP_KEYS = assembly.LOOKUP_KEYS, lookup
    try:
        _compare(decider, path)
    finally:
        assembly.LOOKUP_KEYS = old


def _compare(decider: Decider, path: Path) -> None:
    for chunk, _ in JsonLines(path).chunks(16):
        combined = decide_chunk(decider, chunk, False, False, text=True)
        assert combined.table.schema.equals(text_form(decision_schema()))
        table = decide_chunk(decider, chunk, False, False).table
        assert plain(combined.table).equals(table)
        assert text(jsonl_bytes(combined.table)) == reference_jsonl(table)
        assert text(csv_bytes(combined.table)) == text(csv_bytes(table))
        counted, want = Summary(), Summary()
        counted.add(combined.table, 0)
        want.add(table, 0)
        assert counted.outcomes == want.outcomes


def _combined(rows: pa.Table, index: list[int], deadlines: pa.Array,
              shared: bool = True) -> pa.Table:
    """A text form whose combinations are ``rows`` (their row and deadlines left out),
    taken by ``index``; ``shared=False``: each column with indices of its own (its
    dictionary in another order: the same rows, but not the assembly's form)."""
    indices = pa.array(index, pa.int32())
    columns: dict[str, pa.Array] = {"row": pa.array(np.arange(1, len(index) + 1))}
    for k, name in enumerate(COMBINED):
        values = rows.column(name).combine_chunks()
        if shared:
            columns[name] = pa.DictionaryArray.from_arrays(indices, values)
            continue
        order = np.roll(np.arange(len(values)), k)  # entry j of the dictionary: order[j]
        where = np.argsort(order)
        columns[name] = pa.DictionaryArray.from_arrays(
            pa.array(where[index].astype(np.int32)), values.take(pa.array(order)))
    columns["deadlines"] = deadlines
    return pa.Table.from_pydict(columns, schema=text_form(decision_schema()))


_STAMP = st.sampled_from(["2026-01-01T08:00:00+07:00", "2026-01-01T08:00:00.000250+07:00",
                          "2030-12-31T23:59:00+09:00", 'x"y,z\n', None])


@settings(max_examples=60, deadline=None)
@given(index=st.lists(st.integers(0, 2), min_size=1, max_size=12), data=st.data(),
       shared=st.booleans())
def test_texts_that_need_escaping_and_deadlines_of_any_width(
        index: list[int], data: st.DataObject, shared: bool) -> None:
    names = decision_schema().field("deadlines").type
    uniform = data.draw(st.booleans())  # every deadline the same width: the NumPy way
    stamps = st.sampled_from(["2026-01-01T08:00:00+07:00", None]) if uniform else _STAMP
    deadlines = pa.array([{f.name: data.draw(stamps) for f in names} for _ in index], names)
    table = _combined(free_text_rows(), index, deadlines, shared)
    want = plain(table)
    assert text(jsonl_bytes(table)) == reference_jsonl(want)
    assert text(csv_bytes(table)) == text(csv_bytes(want))


def test_a_sliced_text_form_is_written_from_its_own_rows() -> None:
    names = decision_schema().field("deadlines").type
    index = [1, 2, 0, 1, 1, 2, 0]
    deadlines = pa.array([None if i == 0 else {"response_due": f"2026-01-0{k + 1}T08:00:00+07:00"}
                          for k, i in enumerate(index)], names)
    table = _combined(free_text_rows(), index, deadlines).slice(2, 4)
    assert text(jsonl_bytes(table)) == reference_jsonl(plain(table))
    assert text(csv_bytes(table)) == text(csv_bytes(plain(table)))


def test_a_text_form_run_writes_what_it_wrote_before(tmp_path: Path) -> None:
    """The CLI's JSON Lines and CSV outputs are the plain columns' text."""
    import io
    import json

    from jknrules.cli.main import main

    cases = [{"regency": r, "submitted_at": f"2026-02-0{d}T09:00:00", "request": "register",
              "documents": docs} for r in ("batang", "karangasem") for d in (2, 3, 7)
             for docs in (["kk"], ["kk", "ktp"], [])] + [{"regency": "nowhere"}]
    source = tmp_path / "c.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in cases))
    table = plain_run(source)
    for kind, want in (("jsonl", reference_jsonl(table)),
                       ("csv", text(csv_bytes(table)))):
        out = tmp_path / f"o.{kind}"
        assert main(["batch", str(source), "--out", str(out), "--policies", str(POLICY_DIR)],
                    io.StringIO(), io.StringIO()) == 1  # the unknown regency
        written = out.read_bytes()
        assert written.endswith(want)


def plain_run(source: Path) -> pa.Table:
    decider = Decider(POLICIES)
    return pa.concat_tables(decide_chunk(decider, chunk, False, False).table
                            for chunk, _ in JsonLines(source).chunks(1 << 17))
