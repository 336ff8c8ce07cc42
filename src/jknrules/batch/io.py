"""Batch files by extension (JSON Lines, CSV, Parquet), the input's columns, and writing
output rows.

Writers take Arrow tables of the output schema (and, for the full result in JSON
Lines/CSV, the result objects themselves so the text is the evaluator's). They write
the file they are given (a run gives them ``OUTPUT.partial``, see
:mod:`jknrules.batch.files`); a text writer can continue a partial file from a given
length (``--resume``). Reading is :mod:`jknrules.batch.readers`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from jknrules.batch.cases import unknown_columns
from jknrules.batch.files import writing
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
    ``length``: continue a partial text file from that many bytes (the rest is cut)."""

    def __init__(self, path: Path, kind: str, schema: pa.Schema, *,
                 length: int | None = None) -> None:
        self.path = path
        self.kind = kind
        self.schema = schema
        self._parquet: pq.ParquetWriter | None = None
        self._text: IO[bytes] | None = None
        with writing(path):
            if self.kind == "parquet":
                # dictionary pages only where values repeat (ids, versions, outcomes); the
                # deadline texts are nearly all distinct
                repeated = [leaf for leaf in _leaves(schema)
                            if not leaf.startswith("deadlines.") and leaf != "row"]
                self._parquet = pq.ParquetWriter(path, schema, use_dictionary=repeated,
                                                 write_statistics=["row", "outcome"])
            elif length is not None:
                self._text = path.open("r+b")
                self._text.truncate(length)
                self._text.seek(length)
            else:
                self._text = path.open("wb")
                if self.kind == "csv":
                    self._text.write(_csv_text([list(schema.names)]))

    def write(self, table: pa.Table, objects: Sequence[dict[str, Any]] | None = None) -> None:
        with writing(self.path):
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
                self._text.write(_encode(buffer.getvalue()))
            else:
                self._text.write(_csv_text([[_cell(row.get(name)) for name in self.schema.names]
                                            for row in rows]))

    def flush(self) -> int:
        """Push what was written to the operating system (it survives a killed process);
        the length of a text file so far (0 for Parquet)."""
        if self._text is None:
            return 0
        with writing(self.path):
            self._text.flush()
            return self._text.tell()

    def close(self, *, sync: bool = False) -> None:
        """Finish the file; ``sync``: wait until it is on the disk."""
        with writing(self.path):
            if self._parquet is not None:
                parquet, self._parquet = self._parquet, None
                parquet.close()
            if self._text is not None:
                text, self._text = self._text, None
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
