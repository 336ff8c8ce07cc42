"""The decision columns as JSON Lines and as flat CSV, built over columns (no Python
object per row).

JSON Lines: each line is what ``json.dumps(row, ensure_ascii=False)`` gives for the row
the evaluator's result would make (``io._clean``: deadlines and document items carry only
the keys they have; an error row is ``{"row": …, "error": …}``), byte for byte
(``tests/test_batch_output.py``). Texts are quoted with Arrow compute; only a text that
holds a quote, a backslash or a control character (which JSON escapes) goes through
``json.dumps``, and in the decision columns only an error message can.

CSV (``csv.writer``'s dialect: minimal quoting, ``\\r\\n``): one column per leaf —
``row``, ``policy.regency`` … ``policy.sha256``, ``outcome``, ``target_segment``,
``route.id``, ``route.channel``, ``required_documents``, ``missing_documents``,
``deadlines.response_due`` … ``deadlines.next_service_opening``, ``error`` — with document
lists joined by :data:`DOC_SEP` and the alternatives of an ``any_of`` item by
:data:`ANY_SEP` (``kk;ktp|surat_keterangan_lahir``). An empty cell is a value not given
(no route, a deadline the policy does not define); ``missing_documents`` is empty when
nothing is missing and :data:`NULL` when the case gave no documents (nothing can be said).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jknrules.language.vocab import DEADLINES

#: documents in a CSV cell
DOC_SEP = ";"
#: the alternatives of one ``any_of`` requirement in a CSV cell
ANY_SEP = "|"
#: a CSV cell whose value is JSON ``null`` (``missing_documents`` of a case without documents)
NULL = "null"
#: rows built at a time (bounds the intermediate arrays, keeps string offsets 32-bit)
SLICE = 1 << 16

_JSON_ESCAPED = r'["\\\x00-\x1f]'
_CSV_QUOTED = r'[",\r\n]'
_STR = pa.string()


def csv_header() -> list[str]:
    """The flat CSV columns of the decision columns."""
    return (["row", "policy.regency", "policy.version", "policy.effective_from",
             "policy.sha256", "outcome", "target_segment", "route.id", "route.channel",
             "required_documents", "missing_documents"]
            + [f"deadlines.{name}" for name in DEADLINES] + ["error"])


def jsonl_bytes(table: pa.Table) -> Iterator[memoryview]:
    """The JSON Lines text of decision rows (plain or in the text form), a slice of rows
    at a time."""
    from jknrules.batch import textcombos  # it builds on this module's pieces

    if textcombos.combined(table):
        yield from textcombos.jsonl_bytes(table)
        return
    for start in range(0, table.num_rows, SLICE):
        yield _text(_jsonl_lines(table.slice(start, SLICE)))


def csv_bytes(table: pa.Table) -> Iterator[memoryview]:
    """The flat CSV records (without the header) of decision rows (plain or in the text
    form)."""
    from jknrules.batch import textcombos  # it builds on this module's pieces

    if textcombos.combined(table):
        yield from textcombos.csv_bytes(table)
        return
    for start in range(0, table.num_rows, SLICE):
        yield _text(_csv_lines(table.slice(start, SLICE)))


def csv_record(cells: list[str]) -> bytes:
    """One CSV record of texts (the header)."""
    return _text(_join(*[_csv_cell(pa.array([c], _STR)) for c in cells],
                       sep=",", end="\r\n")).tobytes()


# --- JSON Lines -----------------------------------------------------------------------

def _jsonl_lines(table: pa.Table) -> pa.Array:
    col = {name: _array(table.column(name)) for name in table.column_names}
    policy = col["policy"].flatten()
    route = col["route"].flatten()
    required, missing = col["required_documents"], col["missing_documents"]
    texts = [*policy, col["outcome"], col["target_segment"], *route,
             required.values.flatten()[0], required.values.flatten()[1].values, missing.values,
             *col["deadlines"].flatten()]
    if all(_plain(t) for t in texts):
        decided = _join(
            '{"row": ', _ints(col["row"]),
            ', "policy": {"regency": "', _fill(policy[0], ""),
            '", "version": "', _fill(policy[1], ""),
            '", "effective_from": "', _fill(policy[2], ""),
            '", "sha256": "', _fill(policy[3], ""),
            '"}, "outcome": "', _fill(col["outcome"], ""),
            '", "target_segment": ', _fill(_join('"', col["target_segment"], '"'), "null"),
            ', "route": ', _null_or(col["route"], _join(
                '{"id": "', _fill(route[0], ""), '", "channel": "', _fill(route[1], ""), '"}')),
            ', "required_documents": ', _fill(_json_list(required, _plain_requirement), "[]"),
            ', "missing_documents": ', _fill(_ids_json(missing), "null"),
            ', "deadlines": ', _plain_deadlines(col["deadlines"]),
            "}\n")
    else:  # a text that JSON escapes: every text through _json_text
        decided = _join(
            '{"row": ', _ints(col["row"]),
            ', "policy": ', _object(["regency", "version", "effective_from", "sha256"],
                                   [_json_text(c) for c in policy], keep_null=True),
            ', "outcome": ', _json_text(col["outcome"]),
            ', "target_segment": ', _json_text(col["target_segment"]),
            ', "route": ', _null_or(col["route"], _object(["id", "channel"],
                                                          [_json_text(c) for c in route],
                                                          keep_null=True)),
            ', "required_documents": ', _fill(_json_list(required, _requirement_json), "[]"),
            ', "missing_documents": ', _fill(_json_list(missing, _json_text), "null"),
            ', "deadlines": ', _object(list(DEADLINES),
                                       [_json_text(c, null=None)
                                        for c in col["deadlines"].flatten()]),
            "}\n")
    error = col["error"]
    if not error.null_count < len(error):
        return decided
    failed = _join('{"row": ', _ints(col["row"]), ', "error": ', _json_text(error), "}\n")
    out: pa.Array = pc.if_else(error.is_valid(), failed, decided)
    return out


def _plain(array: pa.Array) -> bool:
    """No value of the column needs escaping in JSON (checked on its distinct values: the
    ids, versions and outcomes of the decision columns repeat)."""
    if not len(array) or array.null_count == len(array):
        return True
    return not pc.any(pc.match_substring_regex(pc.unique(array), _JSON_ESCAPED)).as_py()


def _ids_json(lists: pa.Array) -> pa.Array:
    """``["a", "b"]`` of lists of plain texts (null stays null)."""
    text = _join('["', pc.binary_join(lists, '", "'), '"]')
    out: pa.Array = pc.if_else(pc.equal(pc.list_value_length(lists), 0),
                               pa.scalar("[]", _STR), text)
    return out


def _plain_requirement(items: pa.Array) -> pa.Array:
    """``{"id": …}`` or ``{"any_of": […]}`` of requirement items of plain texts."""
    ident, alternatives = items.flatten()
    by_id = _join('{"id": "', ident, '"}')
    by_any = _join('{"any_of": ', _ids_json(alternatives), "}")
    if not (ident.is_valid().to_numpy(zero_copy_only=False)
            & alternatives.is_valid().to_numpy(zero_copy_only=False)).any():
        out: pa.Array = pc.coalesce(by_id, by_any, pa.scalar("{}", _STR))
        return out
    return _requirement_json(items)  # both keys on one item: the general way


def _plain_deadlines(deadlines: pa.Array) -> pa.Array:
    """``{"name": "…", …}`` of the deadlines a row has (texts that need no escaping)."""
    parts = [_fill(_join(f', "{name}": "', value, '"'), "")
             for name, value in zip(DEADLINES, deadlines.flatten(), strict=True)]
    return _join("{", pc.utf8_slice_codeunits(_join(*parts), 2), "}")


def _requirement_json(items: pa.Array) -> pa.Array:
    children = items.flatten()
    return _object(["id", "any_of"], [_json_text(children[0], null=None),
                                      _json_list(children[1], _json_text)])


def _json_text(array: pa.Array, null: str | None = "null") -> pa.Array:
    """Each text as JSON (as ``json.dumps(text, ensure_ascii=False)``); null as ``null``
    (or left null)."""
    quoted = _join('"', array, '"')
    escaped = pc.fill_null(pc.match_substring_regex(array, _JSON_ESCAPED), False)
    if pc.any(escaped).as_py():
        texts = array.filter(escaped).to_pylist()
        quoted = pc.replace_with_mask(quoted, escaped, pa.array(
            [json.dumps(t, ensure_ascii=False) for t in texts], _STR))
    return _fill(quoted, null)


def _json_list(lists: pa.Array, item: object) -> pa.Array:
    """``[a, b]`` of each list (null stays null), its items' JSON by ``item``."""
    values = item(lists.values)  # type: ignore[operator]
    rebuilt = _relist(lists, values)
    return _join("[", pc.binary_join(rebuilt, ", "), "]")


def _object(keys: list[str], values: list[pa.Array], keep_null: bool = False) -> pa.Array:
    """``{"key": value, …}`` of each row; a null value is ``null`` (``keep_null``) or its
    key is left out."""
    # each present pair with its ", " before it, the first one's cut off (pyarrow's
    # null_handling="skip" drops a row whose parts are all null)
    parts = [_fill(_join(f', "{key}": ', value if not keep_null else _fill(value, "null")), "")
             for key, value in zip(keys, values, strict=True)]
    body = pc.utf8_slice_codeunits(_join(*parts), 2)
    return _join("{", body, "}")


def _null_or(array: pa.Array, text: pa.Array) -> pa.Array:
    out: pa.Array = pc.if_else(array.is_valid(), text, pa.scalar("null", _STR))
    return out


# --- CSV --------------------------------------------------------------------------------

def _csv_lines(table: pa.Table) -> pa.Array:
    col = {name: _array(table.column(name)) for name in table.column_names}
    policy = col["policy"].flatten()
    route = col["route"].flatten()
    cells = [_ints(col["row"]), *[_csv_cell(c) for c in policy], _csv_cell(col["outcome"]),
             _csv_cell(col["target_segment"]), *[_csv_cell(c) for c in route],
             _csv_cell(_fill(_doc_list(col["required_documents"], _requirement_text), "")),
             _csv_cell(_fill(_doc_list(col["missing_documents"], lambda v: v), NULL)),
             *[_csv_cell(c) for c in col["deadlines"].flatten()], _csv_cell(col["error"])]
    error = col["error"]
    if error.null_count < len(error):  # an error row has only its row and error
        failed = error.is_valid()
        cells = [cells[0]] + [pc.if_else(failed, pa.scalar("", _STR), c) for c in cells[1:-1]] \
            + [cells[-1]]
    return _join(*cells, sep=",", end="\r\n")


def _requirement_text(items: pa.Array) -> pa.Array:
    children = items.flatten()
    alternatives = pc.binary_join(children[1], ANY_SEP)
    out: pa.Array = pc.coalesce(children[0], alternatives, pa.scalar("", _STR))
    return out


def _doc_list(lists: pa.Array, item: object) -> pa.Array:
    values = item(lists.values)  # type: ignore[operator]
    rebuilt = _relist(lists, values)
    out: pa.Array = pc.binary_join(rebuilt, DOC_SEP)
    return out


def _csv_cell(array: pa.Array) -> pa.Array:
    """Each text as ``csv.writer`` writes a cell (quoted when it holds a quote, a comma or
    a line break); null as an empty cell."""
    text = _fill(array, "")
    quote = pc.match_substring_regex(text, _CSV_QUOTED)
    if pc.any(quote).as_py():
        doubled = pc.replace_substring(text, '"', '""')
        text = pc.if_else(quote, _join('"', doubled, '"'), text)
    return text


# --- shared ----------------------------------------------------------------------------

def _relist(lists: pa.Array, values: pa.Array) -> pa.Array:
    """``lists`` with ``values`` in place of its items (``lists.values``)."""
    offsets = pa.array(lists.offsets.to_numpy(zero_copy_only=False))
    return pa.ListArray.from_arrays(offsets, values,
                                    mask=lists.is_null() if lists.null_count else None)


def _array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def _ints(array: pa.Array) -> pa.Array:
    out: pa.Array = pc.cast(array, _STR)
    return out


def _fill(array: pa.Array, text: str | None) -> pa.Array:
    if text is None or not array.null_count:
        return array
    out: pa.Array = pc.fill_null(array, pa.scalar(text, _STR))
    return out


def _join(*parts: pa.Array | str, sep: str = "", end: str = "",
          null: str | None = None) -> pa.Array:
    """The parts joined element-wise (a text part is the same in every row); null if any
    array part is null (``null``: a null part is that text instead)."""
    items: list[pa.Array | pa.Scalar] = [pa.scalar(p, _STR) if isinstance(p, str) else p
                                        for p in parts]
    if end:
        if sep:
            last = pc.binary_join_element_wise(items[-1], pa.scalar(end, _STR), "")
            items = [*items[:-1], last]
        else:
            items.append(pa.scalar(end, _STR))
    if null is None:
        out: pa.Array = pc.binary_join_element_wise(*items, sep)
    else:
        out = pc.binary_join_element_wise(*items, sep, null_handling="replace",
                                          null_replacement=null)
    return out


def _text(lines: pa.Array) -> memoryview:
    """The bytes of a string array's values, end to end."""
    if not len(lines):
        return memoryview(b"")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[
        lines.offset:lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    return memoryview(data)[int(offsets[0]):int(offsets[-1])]
