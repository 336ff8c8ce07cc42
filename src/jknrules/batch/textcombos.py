"""JSON Lines and CSV text of decision rows in the text form
(:func:`~jknrules.batch.assembly.text_form`): the same bytes as
:mod:`jknrules.batch.textout` writes for the plain columns, built per combination.

In the text form every column but ``row`` and ``deadlines`` is a dictionary column whose
entries are a chunk's distinct combinations (a few hundred) and whose indices are the
same in all of them. The middle of a line — JSON from ``, "policy": …`` to
``"deadlines": `` (or ``, "error": …}`` of an error row), CSV from ``policy.regency`` to
``missing_documents`` — is built once per combination, with the general escaping of
:mod:`jknrules.batch.textout`, and taken per row; per row are built only the row number
and the deadlines. A deadline value of the width every other one has (the ISO text of
the vectorised path: 25 bytes, 32 with microseconds) is put in its key's text with NumPy;
one holding a byte JSON would escape, or CSV quote, goes the general way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jknrules.batch.assembly import COMBINED
from jknrules.batch.textout import (
    NULL,
    SLICE,
    _csv_cell,
    _doc_list,
    _fill,
    _ints,
    _join,
    _json_list,
    _json_text,
    _null_or,
    _object,
    _requirement_json,
    _requirement_text,
    _text,
)
from jknrules.language.vocab import DEADLINES

_STR = pa.string()
T = TypeVar("T")
#: the bytes JSON escapes in a string (besides the control characters below 0x20), and
#: those CSV quotes a cell for
_JSON_SPECIAL = (ord('"'), ord("\\"))
_CSV_SPECIAL = (ord('"'), ord(","), ord("\r"), ord("\n"))


def combined(table: pa.Table) -> bool:
    """Whether ``table`` is in the text form."""
    return bool(table.num_rows) and pa.types.is_dictionary(table.schema.field("outcome").type)


def jsonl_bytes(table: pa.Table) -> Iterator[memoryview]:
    """The JSON Lines text of rows in the text form, a slice of rows at a time."""
    for batch, middles, failed in _batches(table, _jsonl_middles):
        index = batch.column("outcome").indices
        deadlines = batch.column("deadlines")
        rows = _ints(batch.column("row"))
        if failed is None:  # no error row: '{' and the deadlines' '}}\n' go in the line
            yield _text(_join('{"row": ', rows, middles.take(index), "{",
                              _jsonl_deadlines(deadlines), "}}\n"))
            continue
        text = _join("{", _jsonl_deadlines(deadlines), "}}\n")
        text = pc.if_else(pa.array(failed[index.to_numpy(zero_copy_only=False)]),
                          pa.scalar("", _STR), text)
        yield _text(_join('{"row": ', rows, middles.take(index), text))


def csv_bytes(table: pa.Table) -> Iterator[memoryview]:
    """The CSV records (without the header) of rows in the text form."""
    for batch, (middles, ends), failed in _batches(table, _csv_middles):
        index = batch.column("outcome").indices
        cells = _csv_deadlines(batch.column("deadlines"))
        if failed is not None:  # an error row has only its row and error
            mask = pa.array(failed[index.to_numpy(zero_copy_only=False)])
            cells = [pc.if_else(mask, pa.scalar("", _STR), c) for c in cells]
        # a deadline not given is an empty cell
        yield _text(_join(_ints(batch.column("row")), middles.take(index), *cells,
                          ends.take(index), sep=",", null=""))


def _batches(table: pa.Table, middles: Callable[[dict[str, pa.Array]], T]
             ) -> Iterator[tuple[pa.RecordBatch, T, np.ndarray | None]]:
    """Each slice of rows with its combinations' middles (``middles`` of the
    dictionaries) and which combinations are errors (``None``: none)."""
    for whole in table.to_batches():
        whole = _shared(whole)
        combos = {name: whole.column(name).dictionary for name in COMBINED}
        text = middles(combos)
        error = combos["error"]
        failed = error.is_valid().to_numpy(zero_copy_only=False) if error.null_count < len(
            error) else None
        for start in range(0, whole.num_rows, SLICE):
            yield whole.slice(start, SLICE), text, failed


def _shared(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with one index array for all the :data:`COMBINED` columns: as it is when
    they have one (as the assembly gives them), else each of them decoded and taken as a
    dictionary of one entry per row."""
    index = batch.column("outcome").indices
    if all(batch.column(name).indices.equals(index) for name in COMBINED):
        return batch
    rows = np.arange(batch.num_rows, dtype=np.int32)
    columns = [pa.DictionaryArray.from_arrays(pa.array(rows), batch.column(name)
                                              .dictionary_decode())
               if name in COMBINED else batch.column(name) for name in batch.schema.names]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


# --- the middles, per combination -------------------------------------------------------

def _jsonl_middles(col: dict[str, pa.Array]) -> pa.Array:
    """``, "policy": … "deadlines": `` of a decided combination, ``, "error": …}\\n`` of
    an error."""
    policy, route = col["policy"].flatten(), col["route"].flatten()
    decided = _join(
        ', "policy": ', _object(["regency", "version", "effective_from", "sha256"],
                               [_json_text(c) for c in policy], keep_null=True),
        ', "outcome": ', _json_text(col["outcome"]),
        ', "target_segment": ', _json_text(col["target_segment"]),
        ', "route": ', _null_or(col["route"], _object(["id", "channel"],
                                                      [_json_text(c) for c in route],
                                                      keep_null=True)),
        ', "required_documents": ', _fill(_json_list(col["required_documents"],
                                                     _requirement_json), "[]"),
        ', "missing_documents": ', _fill(_json_list(col["missing_documents"], _json_text),
                                          "null"),
        ', "deadlines": ')
    error = col["error"]
    if not error.null_count < len(error):
        return decided
    failed = _join(', "error": ', _json_text(error), "}\n")
    out: pa.Array = pc.if_else(error.is_valid(), failed, decided)
    return out


def _csv_middles(col: dict[str, pa.Array]) -> tuple[pa.Array, pa.Array]:
    """The cells ``policy.regency`` … ``missing_documents`` of each combination (empty of
    an error), and its last cell, ``error``, with the line's end."""
    policy, route = col["policy"].flatten(), col["route"].flatten()
    cells = [*[_csv_cell(c) for c in policy], _csv_cell(col["outcome"]),
             _csv_cell(col["target_segment"]), *[_csv_cell(c) for c in route],
             _csv_cell(_fill(_doc_list(col["required_documents"], _requirement_text), "")),
             _csv_cell(_fill(_doc_list(col["missing_documents"], lambda v: v), NULL))]
    middles = _join(*cells, sep=",")
    error = col["error"]
    if error.null_count < len(error):
        middles = pc.if_else(error.is_valid(), pa.scalar("," * (len(cells) - 1), _STR),
                             middles)
    return middles, _join(_csv_cell(error), "\r\n")


# --- the deadlines, per row --------------------------------------------------------------

def _jsonl_deadlines(deadlines: pa.Array) -> pa.Array:
    """The ``"name": "…"`` pairs of the deadlines a row has, joined by ``", "`` (empty
    for none)."""
    values = deadlines.flatten()
    if any(_special(v, _JSON_SPECIAL) for v in values):
        body = _object(list(DEADLINES), [_json_text(v, null=None) for v in values])
        return pc.utf8_slice_codeunits(body, 1, -1)  # without its braces
    pairs = [_wrapped(f'"{name}": "', v, '"') for name, v in zip(DEADLINES, values,
                                                                     strict=True)]
    # pyarrow's null_handling="skip" drops a row whose parts are all null: a row without
    # deadlines has an empty text as a part of its own, a row with some has a null there
    none = np.ones(len(deadlines), dtype=bool)
    for v in values:
        if v.null_count != len(v):
            none &= ~v.is_valid().to_numpy(zero_copy_only=False)
    empty = pa.StringArray.from_buffers(
        len(deadlines), pa.py_buffer(np.zeros(len(deadlines) + 1, dtype=np.int32)),
        pa.py_buffer(b""), pa.py_buffer(np.packbits(none, bitorder="little")),
        len(deadlines) - int(none.sum()))
    out: pa.Array = pc.binary_join_element_wise(*pairs, empty, ", ", null_handling="skip")
    return out


def _csv_deadlines(deadlines: pa.Array) -> list[pa.Array]:
    """Each deadline's cells (null where not given: an empty cell in the line)."""
    values = deadlines.flatten()
    return [_csv_cell(v) if _special(v, _CSV_SPECIAL) else v for v in values]


def _special(values: pa.Array, special: tuple[int, ...]) -> bool:
    """Whether a byte of the values' text is one of ``special`` (JSON's: or a control
    character)."""
    if values.null_count == len(values):
        return False
    offsets, data = _parts(values)
    text = data[offsets[0]:offsets[-1]]
    if special is _JSON_SPECIAL and (text < 0x20).any():
        return True
    return any((text == byte).any() for byte in special)


def _wrapped(before: str, values: pa.Array, after: str) -> pa.Array:
    """``before + value + after`` of each value (null stays null): with NumPy when every
    value has the same width (and a null none), else with Arrow."""
    offsets, data = _parts(values)
    valid = values.is_valid().to_numpy(zero_copy_only=False) if values.null_count else None
    count = len(values) - values.null_count
    width = int(offsets[1] - offsets[0]) if valid is None else 0
    if valid is not None and count:
        first = int(np.argmax(valid))
        width = int(offsets[first + 1] - offsets[first])
    if not count or int(offsets[-1] - offsets[0]) != count * width or not (
            (np.diff(offsets) == np.where(valid, width, 0)).all() if valid is not None
            else True):
        return _join(before, values, after)
    head, tail = before.encode(), after.encode()
    size = len(head) + width + len(tail)
    out = np.empty((count, size), dtype=np.uint8)
    out[:, :len(head)] = np.frombuffer(head, dtype=np.uint8)
    out[:, len(head):len(head) + width] = data[offsets[0]:offsets[-1]].reshape(count, width)
    out[:, len(head) + width:] = np.frombuffer(tail, dtype=np.uint8)
    ends = np.zeros(len(values) + 1, dtype=np.int32)
    if valid is None:
        ends[1:] = size * np.arange(1, len(values) + 1, dtype=np.int32)
        bitmap = None
    else:
        np.cumsum(np.where(valid, size, 0), out=ends[1:])
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(ends),
                                       pa.py_buffer(out.tobytes()), bitmap,
                                       values.null_count)


def _parts(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's offsets (its own rows) and its data bytes."""
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[
        values.offset:values.offset + len(values) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else \
        np.zeros(0, dtype=np.uint8)
    return offsets, data
