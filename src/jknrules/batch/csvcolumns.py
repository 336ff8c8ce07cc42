"""Typed columns from the text columns of a CSV input (every cell read as text, see
:mod:`jknrules.batch.csvinput`): a :class:`~jknrules.batch.cases.Chunk` whose rows mean
what :func:`~jknrules.batch.cases._csv_value` makes of each cell.

An empty cell is a value not given; the text ``null`` is JSON's ``null`` (the meaning of
its own only for ``welfare.desil``; elsewhere the row goes to the scalar path, which
judges it); ``true``/``false`` a yes/no, JSON's integer form a number, ``kk;ktp`` the
documents. A cell that spells none of what its field takes leaves the row to the scalar
path. The common cells are found over the string arrays' offsets and bytes with NumPy
(no copy of the text); only a column that holds something else takes the general way.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jknrules.batch.cases import (
    _CSV_INT,
    Chunk,
    Problem,
    _array,
    _check_dates,
    _Csv,
    _docs,
)
from jknrules.batch.schema import FIELDS, NULLABLE

_NULL = np.frombuffer(b"null", dtype=np.uint8)


def from_csv(table: pa.Table | pa.RecordBatch, first_row: int,
             bad: dict[int, Problem] | None = None) -> Chunk:
    """Typed columns from CSV text columns; ``bad``: the rows that could not be read
    (their cells are null)."""
    n = table.num_rows
    raw: dict[str, _Csv] = {}
    columns: dict[str, pa.Array] = {}
    fallback = np.zeros(n, dtype=bool)
    desil_null = np.zeros(n, dtype=bool)
    for name in table.column_names:
        if name not in FIELDS:
            continue
        kind = FIELDS[name]
        text, null_text = _cells(_array(table.column(name)).cast(pa.string()))
        raw[name] = _Csv(text, kind)
        if name == NULLABLE:
            desil_null = null_text
        else:
            fallback |= null_text
        given = _valid_only(text, ~null_text) if null_text.any() else text
        typed, wrong = _parse_text(given, kind)
        columns[name] = typed
        fallback |= wrong
    bad = bad or {}
    for i in bad:
        fallback[i] = True
    _check_dates(columns, fallback)
    return Chunk(first_row, n, columns, desil_null, fallback,
                 raw=dict(raw), bad=bad)


def _cells(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The column with its empty cells null, and which cells spell ``null``."""
    offsets, data = _parts(text)
    lengths = np.diff(offsets)
    valid = text.is_valid().to_numpy(zero_copy_only=False) if text.null_count else \
        np.ones(len(text), dtype=bool)
    empty = valid & (lengths == 0)
    null_text = np.zeros(len(text), dtype=bool)
    four = np.flatnonzero(valid & (lengths == 4))
    if len(four):
        words = data[offsets[four][:, None] + np.arange(4)]
        null_text[four[(words == _NULL).all(axis=1)]] = True
    if empty.any():
        text = _valid_only(text, ~empty)
    return text, null_text


def _valid_only(text: pa.Array, keep: np.ndarray) -> pa.Array:
    """``text`` with the cells not in ``keep`` null (the same offsets and bytes)."""
    offsets, _ = _parts(text)
    valid = keep & text.is_valid().to_numpy(zero_copy_only=False) if text.null_count else keep
    return pa.StringArray.from_buffers(
        len(text), pa.py_buffer(np.ascontiguousarray(offsets)), text.buffers()[2],
        pa.py_buffer(np.packbits(valid, bitorder="little")), len(text) - int(valid.sum()))


def _parts(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's offsets (its own rows) and its bytes."""
    buffers = text.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[text.offset:text.offset + len(text) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else \
        np.zeros(0, dtype=np.uint8)
    return offsets, data


def _parse_text(text: pa.Array, kind: str) -> tuple[pa.Array, np.ndarray]:
    if kind == "str":
        return text, np.zeros(len(text), dtype=bool)
    if kind == "docs":
        return _parse_docs(text)
    if kind == "bool":
        ok = pc.is_in(text, pa.array(["true", "false"]))
        value = pc.equal(text, "true")
    else:  # int
        ok = pc.match_substring_regex(text, f"^{_CSV_INT.pattern}$")
        if pc.all(ok).as_py() is not False:  # every cell given is a number (or none is given)
            return pc.cast(text, pa.int64()), np.zeros(len(text), dtype=bool)
        value = pc.cast(pc.if_else(ok, text, pa.scalar(None, pa.string())), pa.int64())
    if pc.all(ok).as_py() is not False:
        return value, np.zeros(len(text), dtype=bool)
    bad = pc.and_(text.is_valid(), pc.invert(pc.fill_null(ok, False)))
    value = pc.if_else(pc.fill_null(ok, False), value, pa.scalar(None, value.type))
    return value, bad.to_numpy(zero_copy_only=False)


def _parse_docs(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """:func:`~jknrules.batch.cases._docs` of every cell: a cell of printable ASCII that
    is not a JSON list is split at ``;`` over columns (what ``_docs`` does to it); any
    other, in Python."""
    offsets, data = _parts(text)
    body = data[offsets[0]:offsets[-1]]
    if len(body) and body.min() >= 0x20 and body.max() <= 0x7E and not (
            (body == ord("[")).any() or (body == ord(" ")).any()):
        # printable, no list, nothing to trim: the split is the value if no item is empty
        parts = pc.split_pattern(text, ";")
        ends = np.frombuffer(parts.buffers()[1], dtype=np.int32)[
            parts.offset:parts.offset + len(parts) + 1]
        items = parts.values
        item_ends, _ = _parts(items)
        if (np.diff(item_ends[ends[0]:ends[-1] + 1]) > 0).all():
            return parts, np.zeros(len(text), dtype=bool)
    return _general_docs(text)


def _general_docs(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    n = len(text)
    plain = pc.fill_null(pc.and_(pc.match_substring_regex(text, r"^[\x20-\x7e]*$"),
                                 pc.invert(pc.match_substring_regex(text, r"^ *\["))), False)
    parts = pc.split_pattern(pc.if_else(plain, text, pa.scalar(None, pa.string())), ";")
    items = pc.utf8_trim(parts.flatten(), " ")
    keep = pc.not_equal(items, "")
    parents = pc.list_parent_indices(parts).filter(keep).to_numpy(zero_copy_only=False)
    offsets = np.searchsorted(parents, np.arange(n + 1), side="left").astype(np.int32)
    plain_mask = plain.to_numpy(zero_copy_only=False)
    value: pa.Array = pa.ListArray.from_arrays(pa.array(offsets), items.filter(keep),
                                               mask=pa.array(~plain_mask))
    wrong = np.zeros(n, dtype=bool)
    other = np.flatnonzero(~plain_mask & text.is_valid().to_numpy(zero_copy_only=False))
    if len(other):
        values = [_docs(t) for t in text.take(pa.array(other)).to_pylist()]
        good = [isinstance(v, list) and all(isinstance(x, str) for x in v) for v in values]
        extra = pa.array([v if g else None for v, g in zip(values, good, strict=True)],
                         pa.list_(pa.string()))
        index = np.arange(n, dtype=np.int64)
        index[other] = n + np.arange(len(other))
        value = pa.concat_arrays([value, extra]).take(pa.array(index))
        wrong[other] = ~np.array(good, dtype=bool)
    return value, wrong
