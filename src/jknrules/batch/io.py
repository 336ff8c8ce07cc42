"""Batch files by extension (JSON Lines, CSV, Parquet), the input's columns, and writing
output rows.

Writers take Arrow tables of the output schema (and, for the full result in JSON
Lines/CSV, the result objects themselves so the text is the evaluator's). They write
the file they are given (a run gives them ``OUTPUT.partial``, see
:mod:`jknrules.batch.files`) or a binary stream (stdout); a text writer can continue a
partial file from a given length (``--resume``). Reading is :mod:`jknrules.batch.readers`.

- JSON Lines: the decision columns are built over columns (:mod:`jknrules.batch.textout`),
  the same bytes ``json.dumps`` gives; ``--full`` rows are the evaluator's objects.
- CSV: one column per leaf (``route.id``, ``deadlines.response_due`` …), document lists
  joined (:mod:`jknrules.batch.textout`); with ``--full`` a list of objects (steps,
  reasons, document texts) is a JSON text in its cell.
- Parquet: the deadlines are timestamps, UTC instants (``timestamp[us, UTC]``), and a
  ``timezone`` column names the regency's zone (see :func:`parquet_table`). The writer
  takes text leaves as dictionary columns (:mod:`jknrules.batch.parquetform`; the batch
  path gives its rows in that form already) and the file holds plain text columns.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jknrules.batch.cases import unknown_columns
from jknrules.batch.files import writing
from jknrules.batch.parquetform import dictionary_schema, with_dictionaries
from jknrules.batch.textout import DOC_SEP, NULL, csv_bytes, csv_header, csv_record, jsonl_bytes
from jknrules.errors import CaseError, Span, diag

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet",
           ".pq": "parquet"}


def format_of(path: Path) -> str:
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise CaseError([diag(
            "JKN-F005",
            f"jenis berkas tidak dikenal: '{path.name}' (pakai .jsonl, .csv atau .parquet)",
            f"unknown file type: '{path.name}' (use .jsonl, .csv or .parquet)",
            span=Span(str(path), 1, 1),
        )])
    return found


def refuse_unknown(path: Path, names: Sequence[str], schema: pa.Schema | None) -> None:
    unknown = unknown_columns(names, schema)
    if unknown:
        raise CaseError([diag(
            "JKN-C003",
            f"kolom tidak dikenal: {', '.join(unknown)} (kolom kasus ditulis seperti "
            "'welfare.desil' atau sebagai struct 'welfare')",
            f"unknown column(s): {', '.join(unknown)} (case columns are named like "
            "'welfare.desil' or given as a 'welfare' struct)",
            span=Span(str(path), 1, 1),
        )])


# --- writers -------------------------------------------------------------------------

class Writer:
    """Writes output rows in order to ``path``, as ``kind``; ``close()`` finishes the file.
    ``length``: continue a partial text file from that many bytes (the rest is cut).
    ``stream``: write to this binary stream instead (``path`` only names it).
    ``zones``: each regency's zone, for Parquet's ``timezone`` column."""

    def __init__(self, path: Path, kind: str, schema: pa.Schema, *,
                 length: int | None = None, stream: IO[bytes] | None = None,
                 zones: Mapping[str, str] | None = None) -> None:
        self.path = path
        #: regency id -> IANA zone (Parquet's ``timezone`` column)
        self.zones = dict(zones or {})
        self.kind = kind
        self.schema = schema
        self.full = schema.get_field_index("reasons") >= 0
        self._parquet: pq.ParquetWriter | None = None
        #: what the Parquet writer takes (``parquetform``)
        self.written: pa.Schema | None = None
        self._text: IO[bytes] | None = None
        self._own = stream is None
        with writing(path):
            if self.kind == "parquet":
                out_schema = parquet_schema(schema)
                # dictionary pages only where values repeat (ids, versions, outcomes); the
                # deadlines are nearly all distinct
                repeated = [leaf for leaf in _leaves(out_schema)
                            if not leaf.startswith("deadlines.") and leaf != "row"]
                sink: Any = stream if stream is not None else path
                # the Arrow schema is not stored: a reader gets plain text, not dictionaries
                self.written = dictionary_schema(out_schema)
                self._parquet = pq.ParquetWriter(sink, self.written, use_dictionary=repeated,
                                                 write_statistics=["row", "outcome"],
                                                 store_schema=False)
            elif stream is not None:
                self._text = stream
                self._header()
            elif length is not None:
                self._text = path.open("r+b")
                self._text.truncate(length)
                self._text.seek(length)
            else:
                self._text = path.open("wb")
                self._header()

    def _header(self) -> None:
        if self.kind == "csv":
            assert self._text is not None
            names = _flat_names(self.schema) if self.full else csv_header()
            self._text.write(csv_record(names))

    def write(self, table: pa.Table, objects: Sequence[dict[str, Any]] | None = None) -> None:
        with writing(self.path):
            if self._parquet is not None:
                self._parquet.write_table(self.parquet_rows(table))
                return
            assert self._text is not None
            if objects is None:
                pieces = jsonl_bytes(table) if self.kind == "jsonl" else csv_bytes(table)
                for piece in pieces:
                    self._text.write(piece)
            elif self.kind == "jsonl":
                buffer = io.StringIO()
                for row in objects:
                    buffer.write(json.dumps(row, ensure_ascii=False))
                    buffer.write("\n")
                self._text.write(_encode(buffer.getvalue()))
            else:
                names = _flat_names(self.schema)
                self._text.write(_csv_text([_flat_cells(row, names) for row in objects]))

    def parquet_rows(self, table: pa.Table) -> pa.Table:
        """``table`` (output rows, or rows already in the written form) as the Parquet
        writer takes them."""
        assert self.written is not None
        if table.schema.equals(self.written):
            return table
        return with_dictionaries(parquet_table(table, self.zones), self.written)

    def flush(self) -> int:
        """Push what was written to the operating system (it survives a killed process);
        the length of a text file so far (0 for Parquet)."""
        if self._text is None:
            return 0
        with writing(self.path):
            self._text.flush()
            return self._text.tell() if self._own else 0

    def close(self, *, sync: bool = False) -> None:
        """Finish the file; ``sync``: wait until it is on the disk."""
        with writing(self.path):
            if self._parquet is not None:
                parquet, self._parquet = self._parquet, None
                parquet.close()
            if self._text is not None:
                text, self._text = self._text, None
                if not self._own:
                    text.flush()
                    return
                try:
                    text.flush()
                    if sync:
                        os.fsync(text.fileno())
                finally:
                    text.close()


def _csv_text(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return _encode(buffer.getvalue())


def _encode(text: str) -> bytes:
    # a result holds only text that was validated; should one ever hold a lone surrogate,
    # write it as an escape rather than stop the run
    return text.encode("utf-8", "backslashreplace")


def _leaves(schema: pa.Schema) -> list[str]:
    """Parquet column paths of the schema's leaves (``a.b``, ``a.list.element.c``)."""
    out: list[str] = []

    def walk(prefix: str, typ: pa.DataType) -> None:
        if pa.types.is_struct(typ):
            for i in range(typ.num_fields):
                walk(f"{prefix}.{typ.field(i).name}", typ.field(i).type)
        elif pa.types.is_list(typ):
            walk(f"{prefix}.list.element", typ.value_type)
        else:
            out.append(prefix)

    for field in schema:
        walk(field.name, field.type)
    return out


def _flat_names(schema: pa.Schema) -> list[str]:
    """The CSV columns of a schema: a struct's fields become ``part.field`` columns."""
    out: list[str] = []
    for field in schema:
        if pa.types.is_struct(field.type):
            typ = field.type
            out += [f"{field.name}.{typ.field(i).name}" for i in range(typ.num_fields)]
        else:
            out.append(field.name)
    return out


def _flat_cells(row: dict[str, Any], names: list[str]) -> list[Any]:
    """The CSV cells of one result object (``--full``): texts as they are, lists of texts
    joined by ``;``, lists of objects as JSON, ``missing_documents`` ``null`` when the case
    gave no documents."""
    cells: list[Any] = []
    for name in names:
        part, _, key = name.partition(".")
        value = row.get(part)
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            cells.append(NULL if name == "missing_documents" and "error" not in row else "")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            cells.append(DOC_SEP.join(value))
        elif isinstance(value, dict | list):
            cells.append(json.dumps(value, ensure_ascii=False))
        else:
            cells.append(value)
    return cells


# --- Parquet: deadlines as timestamps -----------------------------------------------------

INSTANT = pa.timestamp("us", tz="UTC")


def parquet_schema(schema: pa.Schema) -> pa.Schema:
    """The Parquet schema of output rows: the deadlines as UTC instants, then ``timezone``."""
    fields = []
    for field in schema:
        if field.name == "deadlines":
            typ = field.type
            fields.append(pa.field("deadlines", pa.struct(
                [(typ.field(i).name, INSTANT) for i in range(typ.num_fields)])))
            fields.append(pa.field("timezone", pa.string()))
        else:
            fields.append(field)
    return pa.schema(fields)


def parquet_table(table: pa.Table, zones: Mapping[str, str]) -> pa.Table:
    """Output rows as written to Parquet: each deadline (ISO 8601 text with the regency's
    offset) as its UTC instant, and ``timezone`` the IANA zone of the row's regency
    (``zones``: regency id -> zone; null for an error row):
    ``2026-03-07T10:33:00+08:00`` is ``2026-03-07 02:33:00 UTC`` in ``Asia/Makassar``."""
    deadlines = table.column("deadlines").combine_chunks()
    instants = [pc.cast(c, INSTANT) for c in deadlines.flatten()]
    regency = table.column("policy").combine_chunks().field("regency")
    keys = list(zones)
    zone = pc.take(pa.array([zones[k] for k in keys], pa.string()),
                   pc.index_in(regency, value_set=pa.array(keys, pa.string())))
    index = table.schema.get_field_index("deadlines")
    struct = pa.StructArray.from_arrays(
        instants, fields=[pa.field(c, INSTANT) for c in deadlines.type.names],
        mask=deadlines.is_null() if deadlines.null_count else None)
    out = table.set_column(index, "deadlines", struct)
    return out.add_column(index + 1, "timezone", zone)


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """Decision columns as the evaluator writes them: deadlines and document items carry
    only the keys they have (Arrow structs give every key, null where absent)."""
    if row.get("error") is not None:
        return {"row": row["row"], "error": row["error"]}
    out = dict(row)
    out.pop("error", None)
    out["deadlines"] = {k: v for k, v in (row["deadlines"] or {}).items() if v is not None}
    out["required_documents"] = [{k: v for k, v in item.items() if v is not None}
                                 for item in row["required_documents"] or []]
    return out
