"""Reading a CSV batch input (see :mod:`jknrules.batch.readers` for what every reader
promises).

A CSV record is one line (a line break inside a quoted cell is not supported: each of
its lines is reported). The file is parsed by pyarrow a block of lines at a time, every
cell as text; a block pyarrow refuses, or reads as a different number of records than it
has non-empty lines, or whose text is not UTF-8, is parsed line by line with Python's
``csv`` module, so that one bad record costs only its own row (``JKN-X007`` for the
wrong number of cells or an unbalanced quote, ``JKN-X003`` for text that is not UTF-8,
with the file and line).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from jknrules.batch.cases import Chunk, Problem
from jknrules.batch.csvcolumns import from_csv
from jknrules.batch.files import reading
from jknrules.batch.io import refuse_unknown
from jknrules.batch.source import (
    BOM,
    MAX_LINE,
    Mark,
    Source,
    TooLong,
    ahead,
    damaged,
    lines_of,
    not_utf8,
    refuse_twice,
    too_long,
)

# --- CSV --------------------------------------------------------------------------------

class CsvFile(Source):
    """A CSV file with a header line; every later non-empty line a row."""

    kind = "csv"

    def __init__(self, path: Path, stream: IO[bytes] | None = None) -> None:
        super().__init__(path, stream)
        if stream is not None:
            head = stream.readline(MAX_LINE + 1)
        else:
            with reading(path), path.open("rb") as handle:
                head = handle.readline(MAX_LINE + 1)
        self.data_start = len(head)
        if len(head) > MAX_LINE:
            raise damaged(path, f"baris judul lebih dari {MAX_LINE:,} bita",
                          f"the header line is longer than {MAX_LINE:,} bytes")
        try:
            text = head.removeprefix(BOM).decode("utf-8").rstrip("\r\n")
            self.header = next(csv.reader([text], strict=True), []) if text else []
        except (UnicodeDecodeError, csv.Error) as exc:
            raise damaged(path, f"baris judul tidak terbaca: {exc}",
                          f"the header line cannot be read: {exc}") from exc
        if self.size and not self.header:
            raise damaged(path, "baris judul kosong", "the header line is empty")
        refuse_twice(path, self.header)
        refuse_unknown(path, self.header, None)

    def chunks(self, rows: int, start: Mark | None = None) -> Iterator[tuple[Chunk, Mark]]:
        if not self.header:
            return
        done = start.rows if start else 0
        offset = start.offset if start else self.data_start
        lines = start.lines if start else 1
        pending = _Rows()
        end_offset, end_lines = offset, lines
        # pyarrow parses the next blocks in a thread while this one decides and writes
        for parsed in ahead(self._parsed(offset, lines)):
            table, problems, ends, numbers, end_offset, end_lines = parsed
            pending.add(table, problems, ends, numbers)
            while pending.count >= rows:
                table, bad, end, line = pending.take(rows)
                yield from_csv(table, done + 1, bad), Mark(done + rows, end, line)
                done += rows
        if pending.count:
            count = pending.count
            table, bad, _, _ = pending.take(count)
            yield from_csv(table, done + 1, bad), Mark(done + count, end_offset, end_lines)

    def _parsed(self, offset: int, lines: int) -> Iterator[
            tuple[pa.Table, dict[int, Problem], np.ndarray, np.ndarray, int, int]]:
        """Each block's rows, the rows that could not be read, where each row's line ends
        (bytes into the file) and its number, and the offset and lines after the block."""
        file = str(self.path)
        for item in self.blocks(offset):
            if isinstance(item, TooLong):
                offset, lines = offset + item.length, lines + 1
                yield (self._table([None]), {0: too_long(file, lines, item.length)},
                       np.array([offset]), np.array([lines]), offset, lines)
            else:
                table, problems, ends, numbers, n_lines = self._parse(item, lines + 1)
                yield table, problems, offset + ends, numbers, offset + len(item), lines + n_lines
                offset, lines = offset + len(item), lines + n_lines

    def _table(self, records: list[list[str] | None]) -> pa.Table:
        return pa.table({name: pa.array([None if r is None else r[k] for r in records],
                                        pa.string())
                         for k, name in enumerate(self.header)})

    def _parse(self, block: bytes, first_line: int
               ) -> tuple[pa.Table, dict[int, Problem], np.ndarray, np.ndarray, int]:
        """The rows of a block of whole lines, the rows that could not be read, where each
        row's line ends (bytes into the block) and its line number, and the block's lines."""
        data = np.frombuffer(block, dtype=np.uint8)
        newlines = np.flatnonzero(data == 10)
        index, ends = _record_lines(data, newlines)
        n_lines = len(newlines) + (0 if block.endswith(b"\n") else 1)
        table = self._fast(block, len(index))
        problems: dict[int, Problem] = {}
        if table is None:
            table, problems = self._careful(block, first_line)
        return table, problems, ends, first_line + index, n_lines

    def _fast(self, block: bytes, expected: int) -> pa.Table | None:
        """pyarrow's reading of the block, if it read every line as one good record (a
        wrong number of cells, text that is not UTF-8 … make it refuse the block)."""
        try:
            table = pacsv.read_csv(
                pa.py_buffer(block),
                read_options=pacsv.ReadOptions(column_names=self.header, use_threads=False,
                                               block_size=len(block) + 1),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.binary() for name in self.header},
                    strings_can_be_null=False, quoted_strings_can_be_null=False))
            if table.num_rows != expected:
                return None
            return pa.table({name: table.column(name).cast(pa.string())
                             for name in self.header})
        except (pa.ArrowInvalid, pa.ArrowException):
            return None

    def _careful(self, block: bytes, first_line: int) -> tuple[pa.Table, dict[int, Problem]]:
        """Line by line: every non-empty line one row, good or reported."""
        file = str(self.path)
        records: list[list[str] | None] = []
        bad: dict[int, Problem] = {}
        for k, raw in enumerate(lines_of(block)):
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if not line:
                continue
            number = first_line + k
            cells, trouble = self._record(line, file, number)
            if trouble is not None:
                bad[len(records)] = trouble
            records.append(cells)
        return self._table(records), bad

    def _record(self, line: bytes, file: str, number: int
                ) -> tuple[list[str] | None, Problem | None]:
        text = line.decode("utf-8", "surrogateescape")
        try:
            cells = next(csv.reader([text], strict=True))
        except csv.Error as exc:
            return None, Problem("JKN-X007", "$", f"rekaman CSV rusak: {exc}",
                                 f"malformed CSV record: {exc}", file, number)
        if len(cells) != len(self.header):
            return None, Problem(
                "JKN-X007", "$",
                f"rekaman CSV berisi {len(cells)} sel, judul menyebut {len(self.header)}",
                f"the CSV record has {len(cells)} cells, the header names {len(self.header)}",
                file, number)
        for name, cell in zip(self.header, cells, strict=True):
            try:
                cell.encode("utf-8")
            except UnicodeEncodeError:
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return None, not_utf8(file, number, exc, f"$.{name}")
        return cells, None


def _record_lines(data: np.ndarray, newlines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-empty lines of a block (a lone carriage return is empty), each a row: their
    index in the block, and the offset just past each (its newline included)."""
    if not len(data):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ends = newlines if data[-1] == 10 else np.append(newlines, len(data))
    starts = np.concatenate([[0], ends[:-1] + 1])
    length = ends - starts
    lone_cr = (length == 1) & (data[np.minimum(starts, len(data) - 1)] == 13)
    keep = np.flatnonzero((length > 0) & ~lone_cr)
    past = np.minimum(ends + 1, len(data))
    return keep.astype(np.int64), past[keep].astype(np.int64)


class _Rows:
    """Rows read but not yet given out as a chunk, with where each one's line ends."""

    def __init__(self) -> None:
        self.tables: list[pa.Table] = []
        self.bad: dict[int, Problem] = {}
        self.ends: list[np.ndarray] = []
        self.lines: list[np.ndarray] = []
        self.count = 0

    def add(self, table: pa.Table, bad: dict[int, Problem], ends: np.ndarray,
            lines: np.ndarray) -> None:
        self.bad.update({self.count + k: p for k, p in bad.items()})
        self.tables.append(table)
        self.ends.append(ends)
        self.lines.append(lines)
        self.count += table.num_rows

    def take(self, n: int) -> tuple[pa.Table, dict[int, Problem], int, int]:
        """The first ``n`` rows, those of them that could not be read, and the offset
        and line number at the end of the last."""
        table = pa.concat_tables(self.tables)
        ends, lines = np.concatenate(self.ends), np.concatenate(self.lines)
        bad = {k: p for k, p in self.bad.items() if k < n}
        self.bad = {k - n: p for k, p in self.bad.items() if k >= n}
        rest = table.slice(n)
        self.tables = [rest] if rest.num_rows else []
        self.ends, self.lines = [ends[n:]], [lines[n:]]
        self.count -= n
        return table.slice(0, n), bad, int(ends[n - 1]), int(lines[n - 1])
