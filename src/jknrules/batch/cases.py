"""Input rows -> a :class:`Chunk`: typed columns for the vectorised path, and the case of
any single row (as the JSON object the scalar evaluator validates).

A row the column types cannot represent exactly (a wrong type, text that is not a
value of the field, an explicit null where the contract has none) is marked
``fallback``: the scalar evaluator decides it, or reports exactly why it is invalid.
A row that cannot even be read (not UTF-8, a line too long, JSON nested too deeply, a
cell Python cannot represent) carries a :class:`Problem` and becomes an error row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jknrules.batch.schema import ARROW_TYPES, FIELDS, NULLABLE, PARTS
from jknrules.language import fields as catalogue
from jknrules.language.fields import FIRST_YEAR, LAST_YEAR

#: the case's date fields (``applicant.birth_date``): the vectorised path codes them only by
#: whether they are given, so a row whose date is not a plain date in the calendar's range
#: goes to the scalar path, which refuses it
_DATE_FIELDS = tuple(f.name for f in catalogue.FIELDS if f.kind == "date")
#: fields of a few known values (enums, regencies, the documents list): a column of such a
#: field given as a dictionary of texts stays one (the coder reads each distinct value
#: once); the other text fields are decoded
DICTIONARY_FIELDS = frozenset(f.name for f in catalogue.FIELDS
                              if f.kind in ("enum", "regency", "documents"))
#: such a column as the coder takes it
TEXT = pa.dictionary(pa.int32(), pa.string())


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row could not be read: a stable code, the place in the row (``$.welfare``),
    the message in Indonesian and English, and, for text files, the file and line."""

    code: str
    path: str
    message_id: str
    message_en: str
    file: str | None = None
    line: int | None = None


@dataclass
class Chunk:
    """A slice of the input. ``columns`` hold typed values (null = not given); ``bad``
    holds the rows that could not be read (by position in the chunk)."""

    first_row: int
    length: int
    columns: dict[str, pa.Array]
    desil_null: np.ndarray
    fallback: np.ndarray
    raw: dict[str, Any] = field(default_factory=dict)
    dicts: Sequence[Any] | None = None
    bad: dict[int, Problem] = field(default_factory=dict)

    def cases(self, rows: Sequence[int] | np.ndarray) -> list[Any]:
        """:meth:`case` of several rows (one ``take`` per column); a row whose cells Python
        cannot represent (a timestamp beyond year 9999, text that is not UTF-8) is a
        :class:`Problem` in the list, never an exception."""
        if self.dicts is not None:
            return [self.dicts[int(i)] for i in rows]
        try:
            return self._cases(rows)
        except Exception:  # noqa: BLE001 - one unreadable cell: find it row by row
            return [self.case_or_problem(int(i)) for i in rows]

    def case_or_problem(self, i: int) -> Any:
        """:meth:`case` of row ``i``, or the :class:`Problem` that stops it being read."""
        if i in self.bad:
            return self.bad[i]
        try:
            return self.case(i)
        except Exception as exc:  # noqa: BLE001 - any cell Python cannot represent
            for name, column in self.raw.items():  # which one?
                try:
                    column.value(i) if isinstance(column, _Csv) else column[i].as_py()
                except Exception as inner:  # noqa: BLE001 - as above
                    return unreadable(inner, f"$.{name}")
            return unreadable(exc)

    def _cases(self, rows: Sequence[int] | np.ndarray) -> list[Any]:
        index = pa.array(np.asarray(rows, dtype=np.int64))
        out: list[dict[str, Any]] = [{} for _ in range(len(index))]
        for name, column in self.raw.items():
            if isinstance(column, _Csv):  # an empty cell is not given; the text null is null
                given = [column.text[int(i)].is_valid for i in rows]
                values = [column.value(int(i)) for i in rows]
            else:
                values = column.take(index).to_pylist()
                given = [v is not None for v in values]
            part, _, sub = name.partition(".")
            for k, (i, value) in enumerate(zip(rows, values, strict=True)):
                if not given[k] and (name != NULLABLE or not self.desil_null[int(i)]):
                    continue
                if sub:
                    out[k].setdefault(part, {})[sub] = value
                else:
                    out[k][name] = value
        return out

    def case(self, i: int) -> Any:
        """Row ``i`` of the chunk as a case object (what a JSON file would hold)."""
        if self.dicts is not None:
            return self.dicts[i]
        out: dict[str, Any] = {}
        for name, column in self.raw.items():
            value = column[i].as_py()
            if value is None:
                if name != NULLABLE or not self.desil_null[i]:
                    continue
            elif isinstance(column, _Csv):
                value = column.value(i)
            if "." in name:
                part, sub = name.split(".", 1)
                out.setdefault(part, {})[sub] = value
            else:
                out[name] = value
        return out


def unreadable(exc: BaseException, path: str = "$") -> Problem:
    """The :class:`Problem` of a cell Python cannot represent."""
    if isinstance(exc, UnicodeError):
        return Problem("JKN-X003", path, "teks bukan UTF-8 yang valid",
                       "the text is not valid UTF-8")
    return Problem("JKN-X005", path,
                   f"nilai tidak dapat dibaca: {type(exc).__name__}: {exc}",
                   f"the value cannot be read: {type(exc).__name__}: {exc}")


class _Csv:
    """A CSV text column with the typed value of each cell (raw text where it has none)."""

    def __init__(self, text: pa.Array, kind: str) -> None:
        self.text = text
        self.kind = kind

    def __getitem__(self, i: int) -> pa.Scalar:
        return self.text[i]

    def value(self, i: int) -> Any:
        text = self.text[i].as_py()
        return _csv_value(text, self.kind) if text is not None else None


#: A CSV cell read as a number: JSON's integer form in ASCII digits (``str.isdigit``
#: would also take Arabic-Indic ``٣``, fullwidth ``３`` or superscript ``³``; ``int``
#: would take ``03``, ``+3``, `` 3`` or ``1_0``). Longer than any field's bound allows,
#: it stays text, which the case model refuses as it refuses any other text for a number.
_CSV_INT = re.compile(r"-?(0|[1-9][0-9]{0,17})", re.ASCII)


def _csv_value(text: str, kind: str) -> Any:
    """A CSV cell as the JSON value it spells: ``null``, ``true``/``false`` for a yes/no
    field, an integer (:data:`_CSV_INT`) for a number field, the documents list; any
    other text stays text (and the case model judges it)."""
    if text == "null":
        return None
    if kind == "bool" and text in ("true", "false"):
        return text == "true"
    if kind == "int" and _CSV_INT.fullmatch(text):
        return int(text)
    if kind == "docs":
        return _docs(text)
    return text


def _docs(text: str) -> Any:
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            return json.loads(stripped)
        except (ValueError, RecursionError):  # not JSON, or nested too deeply: as text
            return text
    return [d.strip() for d in stripped.split(";") if d.strip()]


# --- Arrow tables (Parquet, the Python API) -------------------------------------

def unknown_columns(names: Sequence[str], schema: pa.Schema | None = None) -> list[str]:
    """Columns that are not case fields (an error: a typo must not change a decision)."""
    out = []
    for name in names:
        if name in FIELDS:
            continue
        if name in PARTS and schema is not None and pa.types.is_struct(schema.field(name).type):
            typ = schema.field(name).type
            out += [f"{name}.{typ.field(i).name}" for i in range(typ.num_fields)
                    if f"{name}.{typ.field(i).name}" not in FIELDS]
            continue
        out.append(name)
    return out


def from_arrow(table: pa.Table | pa.RecordBatch, first_row: int, *,
               utf8: bool = False) -> Chunk:
    """``utf8``: the caller knows every text cell is valid UTF-8 (the JSON Lines reader's
    text was checked before pyarrow read it); otherwise each text column is checked."""
    n = table.num_rows
    raw: dict[str, pa.Array] = {}
    desil_null = np.zeros(n, dtype=bool)
    bad: dict[int, Problem] = {}
    for name in table.column_names:
        column = _array(table.column(name))
        if name in PARTS and pa.types.is_struct(column.type):
            children = column.flatten()
            for i in range(column.type.num_fields):
                sub = f"{name}.{column.type.field(i).name}"
                if sub in FIELDS:
                    raw[sub] = children[i]
                    if sub == NULLABLE:
                        desil_null = (column.is_valid() if column.null_count else
                                      pa.array(np.ones(n, dtype=bool))).to_numpy(
                            zero_copy_only=False) & _null_mask(children[i])
        elif name in FIELDS:
            raw[name] = column
            if name == NULLABLE:
                desil_null = _null_mask(column)
    columns: dict[str, pa.Array] = {}
    fallback = np.zeros(n, dtype=bool)
    for name in list(raw):
        if not utf8:
            raw[name] = _valid_text(raw[name], name, bad)
    for name, column in raw.items():
        typed, wrong = _typed(column, name, FIELDS[name])
        if typed is not None:
            columns[name] = typed
        if wrong is not None:
            fallback |= wrong
    for i in bad:
        fallback[i] = True
    _check_dates(columns, fallback)
    return Chunk(first_row, n, columns, desil_null, fallback, raw=raw, bad=bad)


def _check_dates(columns: dict[str, pa.Array], fallback: np.ndarray) -> None:
    """Mark the rows whose date field is not a plain ``YYYY-MM-DD`` in the calendar's range
    (1900–2100) for the scalar path. Regression: a birth date of 1899-12-31 in a later chunk
    was decided with the group of an earlier row, and so accepted."""
    for name in _DATE_FIELDS:
        column = columns.get(name)
        if column is None or column.null_count == len(column):
            continue
        encoded = column.dictionary_encode()
        good = [_plain_date(v) for v in encoded.dictionary.to_pylist()] + [True]
        indices = pc.fill_null(encoded.indices, len(good) - 1).to_numpy(zero_copy_only=False)
        fallback |= ~np.array(good, dtype=bool)[indices]


def _plain_date(value: Any) -> bool:
    if not (isinstance(value, str) and len(value) == 10 and value.isascii()):
        return False
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return False
    return FIRST_YEAR <= day.year <= LAST_YEAR and day.isoformat() == value


def _valid_text(column: pa.Array, name: str, bad: dict[int, Problem]) -> pa.Array:
    """The column with any cell that is not valid UTF-8 (Parquet does not check) made null,
    and its row marked ``bad``: no compute kernel or ``as_py`` ever sees such a cell."""
    for decode in (False, True):
        # a dictionary may hold an entry that is not UTF-8 which no row uses: decoded,
        # only the rows are checked, and no such entry stays behind
        if decode:
            column = _plain(column)
        try:
            column.validate(full=True)
            return column
        except (pa.ArrowInvalid, pa.ArrowException):
            pass
    mask = np.zeros(len(column), dtype=bool)
    for i in range(len(column)):
        try:
            column[i].as_py()
        except Exception as exc:  # noqa: BLE001 - whatever stops the cell being read
            mask[i] = True
            bad.setdefault(i, unreadable(exc, f"$.{name}"))
    if not mask.any():  # invalid for another reason: every row of the column
        mask[:] = True
        for i in range(len(column)):
            bad.setdefault(i, unreadable(ValueError("invalid column data"), f"$.{name}"))
    out: pa.Array = pc.if_else(pa.array(mask), pa.scalar(None, column.type), column)
    return out


def _plain(column: pa.Array) -> pa.Array:
    """A dictionary column (or a list of one) decoded into plain values."""
    typ = column.type
    if pa.types.is_dictionary(typ):
        return column.dictionary_decode()
    if pa.types.is_list(typ) and pa.types.is_dictionary(typ.value_type):
        return column.cast(pa.list_(typ.value_type.value_type))
    return column


def _array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def _null_mask(array: pa.Array) -> np.ndarray:
    if array.null_count == 0:
        return np.zeros(len(array), dtype=bool)
    out: np.ndarray = array.is_null().to_numpy(zero_copy_only=False)
    return out


def _text_dictionary(typ: pa.DataType) -> bool:
    """``typ`` is a dictionary of ``string`` values (as Parquet's ``read_dictionary`` and
    pandas categories give them)."""
    return bool(pa.types.is_dictionary(typ) and pa.types.is_string(typ.value_type)
                and pa.types.is_integer(typ.index_type))


def _typed(column: pa.Array, name: str, kind: str
           ) -> tuple[pa.Array | None, np.ndarray | None]:
    """The column in its field's Arrow type, and the rows whose value it cannot carry.
    A field of :data:`DICTIONARY_FIELDS` given as a dictionary of texts (a list of them,
    for the documents) without null entries is kept as it is: its values are those of the
    field's type, each stored once."""
    want = ARROW_TYPES[kind]
    typ = column.type
    if pa.types.is_null(typ):
        return None, None
    if _text_dictionary(typ):
        if name in DICTIONARY_FIELDS and kind == "str" and not column.dictionary.null_count:
            return column.cast(TEXT) if typ != TEXT else column, None
        column = column.dictionary_decode()
        typ = column.type
    elif pa.types.is_dictionary(typ):
        column = column.dictionary_decode()
        typ = column.type
    elif (kind == "docs" and pa.types.is_list(typ) and _text_dictionary(typ.value_type)
          and name in DICTIONARY_FIELDS):
        if not column.values.dictionary.null_count:
            return column.cast(pa.list_(TEXT)) if typ.value_type != TEXT else column, None
        return _typed(column.cast(want), name, kind)
    if typ == want:
        return column, None
    ok = (
        (kind == "str" and (pa.types.is_large_string(typ) or pa.types.is_string_view(typ)))
        or (kind == "int" and pa.types.is_integer(typ))
        or (kind == "docs" and (pa.types.is_large_list(typ) or pa.types.is_list_view(typ))
            and pa.types.is_string(typ.value_type))
    )
    if ok:
        try:
            return column.cast(want), None
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return None, column.is_valid().to_numpy(zero_copy_only=False)


# --- JSON objects (JSON Lines, lists of dicts from the API) -----------------------------

def from_dicts(objects: Sequence[Any], first_row: int,
               bad: dict[int, Problem] | None = None) -> Chunk:
    """Typed columns from case objects; anything unusual falls back to the scalar path.
    ``bad``: the rows that could not be read (their object is ``None``)."""
    n = len(objects)
    values: dict[str, list[Any]] = {name: [None] * n for name in FIELDS}
    fallback = np.zeros(n, dtype=bool)
    desil_null = np.zeros(n, dtype=bool)
    parts = set(PARTS)
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict):
            fallback[i] = True
            continue
        for key, value in obj.items():
            if key in parts and isinstance(value, dict):
                for sub, v in value.items():
                    name = f"{key}.{sub}"
                    if name not in FIELDS:
                        fallback[i] = True
                    elif v is None and name == NULLABLE:
                        desil_null[i] = True
                    elif _fits(v, FIELDS[name]):
                        values[name][i] = v
                    else:
                        fallback[i] = True
            elif key in FIELDS and "." not in key and _fits(value, FIELDS[key]):
                values[key][i] = value
            elif value is None and key in parts:
                continue
            else:
                fallback[i] = True
    columns = {name: _column(vals, ARROW_TYPES[FIELDS[name]], fallback)
               for name, vals in values.items() if any(v is not None for v in vals)}
    bad = bad or {}
    for i in bad:
        fallback[i] = True
    _check_dates(columns, fallback)
    return Chunk(first_row, n, columns, desil_null, fallback, dicts=objects, bad=bad)


def _column(values: list[Any], typ: pa.DataType, fallback: np.ndarray) -> pa.Array:
    """The values as an Arrow column; a text Arrow cannot hold (a lone surrogate such as
    JSON's ``"\\ud800"``) is left to the scalar path, which reports it."""
    try:
        return pa.array(values, typ)
    except (UnicodeError, pa.ArrowException):
        pass
    for i, value in enumerate(values):
        if value is not None and not _encodable(value):
            values[i] = None
            fallback[i] = True
    return pa.array(values, typ)


def _encodable(value: Any) -> bool:
    try:
        for text in value if isinstance(value, list) else [value]:
            text.encode("utf-8")
    except UnicodeError:
        return False
    return True


def _fits(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
