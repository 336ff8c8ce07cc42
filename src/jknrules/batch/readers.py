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

from jknrules.batch.cases import Chunk, from_arrow
from jknrules.batch.csvinput import CsvFile
from jknrules.batch.files import reading
from jknrules.batch.io import format_of, refuse_unknown
from jknrules.batch.jsonlines import JsonLines
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
        batches = self.file.iter_batches(batch_size=rows,
                                         row_groups=list(range(first_group, groups)))
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
