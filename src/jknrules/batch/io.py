"""Reading and writing batches by file extension: JSON Lines, CSV, Parquet.

Readers stream :class:`~jknrules.batch.cases.Chunk` objects of at most ``rows``
rows; writers take Arrow tables of the output schema (and, for the full result in
JSON Lines/CSV, the result objects themselves so the text is the evaluator's).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jknrules.batch.cases import Chunk, from_arrow, from_csv, from_dicts, unknown_columns
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


def count_rows(path: Path) -> int | None:
    """The number of rows when the file says so cheaply (Parquet), else ``None``."""
    if format_of(path) == "parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    return None


def read_chunks(path: Path, rows: int) -> Iterator[Chunk]:
    kind = format_of(path)
    if kind == "parquet":
        yield from _parquet(path, rows)
    elif kind == "csv":
        yield from _csv(path, rows)
    else:
        yield from _jsonl(path, rows)


def _parquet(path: Path, rows: int) -> Iterator[Chunk]:
    file = pq.ParquetFile(path)
    schema = file.schema_arrow
    refuse_unknown(path, schema.names, schema)
    first = 1
    for batch in file.iter_batches(batch_size=rows):
        yield from_arrow(batch, first)
        first += batch.num_rows


def _csv(path: Path, rows: int) -> Iterator[Chunk]:
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), [])
    refuse_unknown(path, header, None)
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False,
            quoted_strings_can_be_null=False),
    )
    first = 1
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        pending.append(batch)
        size += batch.num_rows
        if size >= rows:
            table = pa.Table.from_batches(pending)
            yield from_csv(table, first)
            first += table.num_rows
            pending, size = [], 0
    if pending:
        yield from_csv(pa.Table.from_batches(pending), first)


def _jsonl(path: Path, rows: int) -> Iterator[Chunk]:
    first = 1
    objects: list[Any] = []
    bad: dict[int, str] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                objects.append(json.loads(line))
            except ValueError as exc:
                bad[len(objects)] = str(exc) if line.strip() else "empty line"
                objects.append(None)
            if len(objects) >= rows:
                yield from_dicts(objects, first, bad)
                first += len(objects)
                objects, bad = [], {}
    if objects:
        yield from_dicts(objects, first, bad)


# --- writers -------------------------------------------------------------------------

class Writer:
    """Writes output rows in order; ``close()`` finishes the file."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.kind = format_of(path)
        self.schema = schema
        self._parquet: pq.ParquetWriter | None = None
        self._text: TextIO | None = None
        self._csv: Any = None
        if self.kind == "parquet":
            # dictionary pages only where values repeat (ids, versions, outcomes); the
            # deadline texts are nearly all distinct
            repeated = [leaf for leaf in _leaves(schema) if not leaf.startswith("deadlines.")
                        and leaf != "row"]
            self._parquet = pq.ParquetWriter(path, schema, use_dictionary=repeated,
                                             write_statistics=["row", "outcome"])
        else:
            self._text = path.open("w", encoding="utf-8", newline="")
            if self.kind == "csv":
                self._csv = csv.writer(self._text)
                self._csv.writerow(schema.names)

    def write(self, table: pa.Table, objects: Sequence[dict[str, Any]] | None = None) -> None:
        if self._parquet is not None:
            self._parquet.write_table(table)
            return
        rows = list(objects) if objects is not None else [_clean(r) for r in table.to_pylist()]
        assert self._text is not None
        if self.kind == "jsonl":
            buffer = io.StringIO()
            for row in rows:
                buffer.write(json.dumps(row, ensure_ascii=False))
                buffer.write("\n")
            self._text.write(buffer.getvalue())
        else:
            for row in rows:
                self._csv.writerow([_cell(row.get(name)) for name in self.schema.names])

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._text is not None:
            self._text.close()


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


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


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
