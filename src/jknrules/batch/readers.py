"""Reading a batch input in chunks, from its start or from where a killed run stopped.

Every line of a JSON Lines file and every record of a CSV file is one row, whatever it
holds: a line that is not UTF-8, not JSON, nested too deeply or longer than
:data:`~jknrules.batch.source.MAX_LINE` bytes (never held whole in memory), a CSV record with the wrong number
of cells or an unbalanced quote, becomes a row with a :class:`~jknrules.batch.cases.Problem`
(an error row, with the file and line), and the rows after it are read as usual. What
stops a run is only what concerns the whole file: it cannot be read (``JKN-X011``), its
header or Parquet footer is unreadable or names a column twice (``JKN-X013``), or it has
unknown columns (``JKN-C003``).

A CSV record is one line (see :mod:`jknrules.batch.csvinput`).

Each chunk comes with a :class:`Mark`: the rows read so far and the byte length of the
prefix of the file that holds them, what ``--resume`` verifies and starts from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jknrules.batch.cases import DICTIONARY_FIELDS, Chunk, from_arrow
from jknrules.batch.csvinput import CsvFile
from jknrules.batch.files import reading
from jknrules.batch.io import format_of, refuse_unknown
from jknrules.batch.jsonlines import JsonLines
from jknrules.batch.schema import FIELDS
from jknrules.batch.source import (
    MAX_LINE,
    Mark,
    Source,
    damaged,
    refuse_twice,
)

__all__ = ["MAX_LINE", "Mark", "Source", "open_source", "read_chunks"]


def open_source(path: Path) -> Source:
    """The input at ``path``; its header or footer is read and checked now."""
    kind = format_of(path)
    kinds: dict[str, type[Source]] = {"jsonl": JsonLines, "csv": CsvFile,
                                      "parquet": ParquetInput}
    return kinds[kind](path)


def read_chunks(path: Path, rows: int) -> Iterator[Chunk]:
    for chunk, _ in open_source(path).chunks(rows):
        yield chunk


# --- Parquet ----------------------------------------------------------------------------

class ParquetInput(Source):
    """A Parquet file, read a row group at a time."""

    kind = "parquet"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        with reading(path):
            try:
                self.file = pq.ParquetFile(path)
                meta = self.file.metadata
                schema = self.file.schema_arrow
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowException) as exc:
                if isinstance(exc, OSError):
                    raise
                raise damaged(path, f"bukan berkas Parquet atau rusak ({exc})",
                              f"not a Parquet file, or damaged ({exc})") from exc
            self.footer = _footer_sha256(path, self.size)
        refuse_twice(path, schema.names)
        refuse_unknown(path, schema.names, schema)
        #: the file read for its rows: the text columns of a few known values as
        #: dictionaries (:func:`dictionary_leaves`)
        self.rows_file = self.file
        leaves = dictionary_leaves(self.file.schema)
        if leaves:
            with reading(path):
                self.rows_file = pq.ParquetFile(path, read_dictionary=leaves)
        self.total = int(meta.num_rows)
        sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
        #: rows before each row group and after the last, and where each group ends
        self.starts = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        self.ends = np.maximum.accumulate(np.array(
            [_group_end(meta.row_group(g)) for g in range(meta.num_row_groups)] or [0],
            dtype=np.int64))

    def chunks(self, rows: int, start: Mark | None = None) -> Iterator[tuple[Chunk, Mark]]:
        done = start.rows if start else 0
        groups = len(self.starts) - 1
        if done >= int(self.starts[-1]) or not groups:
            return
        first_group = int(np.searchsorted(self.starts, done, side="right")) - 1
        skip = done - int(self.starts[first_group])
        batches = self._batches(rows, first_group)
        while True:
            try:
                with reading(self.path):
                    batch = next(batches, None)
            except (pa.ArrowInvalid, pa.ArrowException) as exc:
                raise damaged(self.path, f"baris sesudah {done:,} rusak ({exc})",
                              f"the rows after {done:,} are damaged ({exc})") from exc
            if batch is None:
                return
            if skip:
                cut = min(skip, batch.num_rows)
                batch, skip = batch.slice(cut), skip - cut
                if not batch.num_rows:
                    continue
            chunk = from_arrow(batch, done + 1)
            done += batch.num_rows
            group = int(np.searchsorted(self.starts, done - 1, side="right")) - 1
            yield chunk, Mark(done, int(self.ends[group]), 0)


    def _batches(self, rows: int, first_group: int) -> Iterator[pa.Table]:
        """The rows from ``first_group`` on, ``rows`` at a time, as ``iter_batches`` of the
        plain file gives them (a batch may span row groups), read a row group at a time
        with dictionaries: a dictionary may change from one row group to the next, and the
        pieces of a batch that spans them are joined with their dictionaries unified."""
        pieces: list[pa.Table] = []
        held = 0
        for group in range(first_group, len(self.starts) - 1):
            for batch in self._group_batches(group, rows):
                while batch.num_rows:
                    part = batch.slice(0, rows - held)
                    batch = batch.slice(part.num_rows)
                    pieces.append(part)
                    held += part.num_rows
                    if held == rows:
                        yield _joined(pieces)
                        pieces, held = [], 0
        if pieces:
            yield _joined(pieces)

    def _group_batches(self, group: int, rows: int) -> Iterator[pa.Table]:
        """A row group's rows, read with dictionaries; should the reader refuse them so
        (a dictionary that changes inside a nested column), the rest plainly."""
        given = 0
        if self.rows_file is not self.file:
            try:
                for batch in self.rows_file.iter_batches(batch_size=rows, row_groups=[group]):
                    given += batch.num_rows
                    yield pa.Table.from_batches([batch])
                return
            except pa.ArrowNotImplementedError:
                pass
        for batch in self.file.iter_batches(batch_size=rows, row_groups=[group]):
            if given >= batch.num_rows:
                given -= batch.num_rows
                continue
            yield pa.Table.from_batches([batch.slice(given)])
            given = 0


def _joined(pieces: list[pa.Table]) -> pa.Table:
    """The pieces of a batch as one table of one chunk per column (dictionaries unified;
    plain text where one piece was read plainly)."""
    if len(pieces) == 1:
        return pieces[0]
    schemas = {piece.schema for piece in pieces}
    if len(schemas) > 1:
        plain = pa.schema([pa.field(f.name, _plain_type(f.type)) for f in pieces[0].schema])
        pieces = [piece.cast(plain) for piece in pieces]
    return pa.concat_tables(pieces).combine_chunks()


def _plain_type(typ: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(typ):
        return typ.value_type
    if pa.types.is_struct(typ):
        return pa.struct([pa.field(f.name, _plain_type(f.type), f.nullable) for f in typ])
    if pa.types.is_list(typ):
        return pa.list_(pa.field(typ.value_field.name, _plain_type(typ.value_type)))
    return typ


def dictionary_leaves(schema: pq.ParquetSchema) -> list[str]:
    """The text leaves of a Parquet file that hold a field of a few known values (an enum,
    a regency, the documents: :data:`~jknrules.batch.cases.DICTIONARY_FIELDS`), read as
    dictionary columns: Parquet stores such a column as a dictionary page and indices, so
    reading it so skips making a text per row, and the coder looks each distinct text up
    once. The values are the same (a dictionary column is decoded wherever plain text is
    needed)."""
    out = []
    for i in range(len(schema)):
        leaf = schema.column(i)
        if leaf.physical_type != "BYTE_ARRAY" or str(leaf.logical_type) != "String":
            continue
        path, repeated = leaf.path, leaf.max_repetition_level
        field = path if repeated == 0 else path.split(".", 1)[0]
        if field in DICTIONARY_FIELDS and (
                repeated == 0 or (repeated == 1 and path.count(".") == 2
                                  and FIELDS.get(field) == "docs")):
            out.append(path)
    return out


def _group_end(group: Any) -> int:
    """The byte just past a row group's column chunks."""
    end = 0
    for c in range(group.num_columns):
        col = group.column(c)
        offsets = [col.data_page_offset]
        if col.has_dictionary_page and col.dictionary_page_offset:
            offsets.append(col.dictionary_page_offset)
        begin = min(int(x) for x in offsets if x is not None)
        end = max(end, begin + int(col.total_compressed_size))
    return end


def _footer_sha256(path: Path, size: int) -> str:
    """SHA-256 of a Parquet file's footer (its last 8 bytes give the footer's length)."""
    with path.open("rb") as handle:
        handle.seek(max(size - 8, 0))
        tail = handle.read(8)
        length = int.from_bytes(tail[:4], "little") if len(tail) == 8 else 0
        handle.seek(max(size - 8 - length, 0))
        return hashlib.sha256(handle.read(length + 8)).hexdigest()
