"""Reading a JSON Lines batch input (see :mod:`jknrules.batch.readers` for what every
reader promises).

Each block of whole lines (:func:`~jknrules.batch.source.blocks`, 4 MiB) is read by
``pyarrow.json`` with an explicit schema derived from the case-field catalogue
(:func:`~jknrules.batch.schema.case_schema`): nothing is type-inferred, an unknown field,
a value of the wrong type, a key given twice, a control character in a string, an
integer that is not an integer, or text that is not JSON makes pyarrow refuse the block.
The fast reading is taken only when it is known to mean exactly what the per-line
reading (``json.loads`` on each line, then :func:`~jknrules.batch.cases.from_dicts`)
would mean:

- the text is UTF-8, holds no backslash (no escape whose meaning pyarrow and Python could
  read apart: an escaped key, a lone surrogate ``\\ud800``) and no byte-order mark but
  the file's first;
- every line starts with ``{`` and pyarrow read exactly one row per line (an empty line
  is an error row, two objects on a line are not a case);
- every ``null`` in the text is a ``"desil": null`` — pyarrow reads an explicit ``null``
  as it reads a field left out, and only ``welfare.desil`` gives ``null`` a meaning of its
  own (*not found*), which is taken from the text; any other explicit ``null`` is an
  error or an omission the case model must judge, so the per-line reading takes it;
- every integer is within ±2^62 (what :func:`~jknrules.batch.cases.from_dicts` types).

Otherwise the block is halved and each half tried again, down to :data:`SMALLEST` lines,
which are read line by line: one bad line costs the lines around it a second reading,
never the run, and still becomes the error row the per-line reading gives (``JKN-C001``
not JSON or empty, ``JKN-X003`` not UTF-8, ``JKN-X004`` nested too deeply, ``JKN-X002``
longer than :data:`~jknrules.batch.source.MAX_LINE`, with the file and line).
``tests/test_batch_readers.py`` proves the two readings give the same output and error
rows, hostile lines included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from jknrules.batch.cases import Chunk, Problem, from_arrow, from_dicts
from jknrules.batch.scalar import bad_json, too_deep
from jknrules.batch.schema import NULLABLE, case_schema
from jknrules.batch.source import (
    BOM,
    Mark,
    Source,
    TooLong,
    ahead,
    lines_of,
    not_utf8,
    too_long,
)
from jknrules.load.reader import first_line_bom

#: the fewest lines of a block tried again by pyarrow; fewer are read line by line
SMALLEST = 64
#: what :func:`~jknrules.batch.cases.from_dicts` takes as an integer
_INT_LIMIT = 2**62
_PART, _KEY = NULLABLE.split(".")
#: what comes before a ``null`` that is the desil's: as ``json.dumps`` writes it, or with
#: other blanks (at most 64 bytes in all; more is read line by line)
_DESIL_KEY = b'"' + _KEY.encode() + b'": '
_DESIL_BEFORE = re.compile(rb'"' + _KEY.encode() + rb'"[ \t\r]*:[ \t\r]*\Z')
_SCHEMA = case_schema()
_PARSE = pajson.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="error",
                             newlines_in_values=False)


class JsonLines(Source):
    """A JSON Lines file: every line a row (an empty line is an error row).

    ``fast=False`` reads every line with ``json.loads`` (the reference the fast reading
    is tested against)."""

    kind = "jsonl"

    def __init__(self, path: Path, stream: IO[bytes] | None = None, *,
                 fast: bool = True) -> None:
        super().__init__(path, stream)
        self.fast = fast

    def chunks(self, rows: int, start: Mark | None = None) -> Iterator[tuple[Chunk, Mark]]:
        done = start.rows if start else 0
        offset = start.offset if start else 0
        pending = _Pending()
        # pyarrow parses the next blocks in a thread while this one decides and writes
        for segment, ends in ahead(self._parsed(offset, done + 1)):
            pending.add(segment, ends)
            while pending.count >= rows:
                chunk, end = pending.take(rows, done + 1)
                done += rows
                yield chunk, Mark(done, end, done)
        if pending.count:
            count = pending.count
            chunk, end = pending.take(count, done + 1)
            done += count
            yield chunk, Mark(done, end, done)

    def _parsed(self, offset: int, line: int) -> Iterator[tuple[_Fast | _Slow, np.ndarray]]:
        """The rows of each block from byte ``offset`` (line ``line``), with where each
        one's line ends (bytes into the file)."""
        file = str(self.path)
        for item in self.blocks(offset):
            if isinstance(item, TooLong):
                offset += item.length
                yield (_Slow([None], {0: too_long(file, line, item.length)}),
                       np.array([offset], dtype=np.int64))
                line += 1
            else:
                for segment, ends in self._segments(item, line, offset):
                    yield segment, ends
                    line += len(segment)
                offset += len(item)

    def _segments(self, block: bytes, first_line: int, offset: int
                  ) -> Iterator[tuple[_Fast | _Slow, np.ndarray]]:
        """The rows of a block of whole lines, in order, with where each one's line ends
        (bytes into the file)."""
        data = np.frombuffer(block, dtype=np.uint8)
        newlines = np.flatnonzero(data == 10)
        ends = newlines + 1 if block.endswith(b"\n") else np.append(newlines + 1, len(block))
        starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
        ends = ends.astype(np.int64)
        pieces = [(0, len(ends))]
        while pieces:
            a, b = pieces.pop(0)
            fast = self._fast(block, data, starts, ends, a, b, first_line) if self.fast else None
            if fast is not None:
                yield fast, offset + ends[a:b]
            elif b - a > SMALLEST and self.fast:
                middle = (a + b) // 2
                pieces[:0] = [(a, middle), (middle, b)]
            else:
                lines = lines_of(block[starts[a]:ends[b - 1]])
                yield _slow(lines, str(self.path), first_line + a), offset + ends[a:b]

    def _fast(self, block: bytes, data: np.ndarray, starts: np.ndarray, ends: np.ndarray,
              a: int, b: int, first_line: int) -> _Fast | None:
        """pyarrow's reading of lines ``a``–``b`` of the block, when it means exactly what
        the per-line reading means (see the module docstring); else ``None``."""
        begin, end = int(starts[a]), int(ends[b - 1])
        text = block[begin:end]
        firsts = starts[a:b].copy()
        if first_line + a == 1 and text.startswith(BOM):
            text, firsts[0], begin = text[len(BOM):], firsts[0] + len(BOM), begin + len(BOM)
        ascii = text.isascii()  # then neither a byte-order mark nor bad UTF-8
        if (b"\\" in text or (not ascii and BOM in text)
                or not np.all(data[np.minimum(firsts, len(data) - 1)] == 0x7B)
                or not np.all(firsts < ends[a:b])):
            return None
        if not ascii:
            try:
                text.decode("utf-8")
            except UnicodeDecodeError:
                return None
        found = _desil_nulls(text)
        if found is None:
            return None
        desil = np.zeros(b - a, dtype=bool)
        if found:
            lines = np.searchsorted(starts[a:b], begin + np.array(found), side="right") - 1
            if len(np.unique(lines)) != len(lines):  # a key given twice: pyarrow refuses
                return None
            desil[lines] = True
        try:
            table = pajson.read_json(
                pa.py_buffer(text),
                read_options=pajson.ReadOptions(use_threads=False, block_size=len(text) + 1),
                parse_options=_PARSE)
        except Exception:  # noqa: BLE001 - whatever pyarrow refuses is read line by line
            return None
        if table.num_rows != b - a or not _small_ints(table):
            return None
        return _Fast(table, desil)


def _desil_nulls(text: bytes) -> list[int] | None:
    """Where each ``null`` of the text is, if every one is a ``"desil": null`` (else
    ``None``)."""
    found = []
    at = text.find(b"null")
    while at >= 0:
        if (text[max(at - len(_DESIL_KEY), 0):at] != _DESIL_KEY
                and not _DESIL_BEFORE.search(text, max(at - 64, 0), at)):
            return None
        found.append(at)
        at = text.find(b"null", at + 4)
    return found


def _small_ints(table: pa.Table) -> bool:
    """Every integer of the table is within what ``from_dicts`` types (±2^62)."""
    for column in table.columns:
        array = column.combine_chunks()
        if not pa.types.is_struct(array.type):
            continue
        for i in range(array.type.num_fields):
            child = array.field(i)
            if pa.types.is_integer(child.type) and child.null_count < len(child):
                low, high = pc.min_max(child).values()
                if high.as_py() >= _INT_LIMIT or low.as_py() <= -_INT_LIMIT:
                    return False
    return True


def _slow(lines: list[bytes], file: str, first_line: int) -> _Slow:
    objects: list[Any] = []
    bad: dict[int, Problem] = {}
    for k, line in enumerate(lines):
        obj, trouble = _parse_line(line, file, first_line + k)
        if trouble is not None:
            bad[k] = trouble
        objects.append(obj)
    return _Slow(objects, bad)


def _parse_line(line: bytes, file: str, number: int) -> tuple[Any, Problem | None]:
    line, stray = first_line_bom(line, number, file)
    if stray is not None:
        return None, Problem(stray.code, "$", stray.message_id, stray.message_en, file, number)
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, not_utf8(file, number, exc)
    if not text.strip():
        return None, bad_json("", file, number)
    try:
        return json.loads(text), None
    except RecursionError:
        return None, too_deep(file, number)
    except ValueError as exc:
        return None, bad_json(str(exc), file, number)


# --- rows read but not yet given out as a chunk ------------------------------------------

@dataclass
class _Fast:
    """Rows pyarrow read, and which of them say ``"desil": null``."""

    table: pa.Table
    desil_null: np.ndarray

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def slice(self, a: int, b: int) -> _Fast:
        return _Fast(self.table.slice(a, b - a), self.desil_null[a:b])


@dataclass
class _Slow:
    """Rows read line by line: their JSON values, and the lines that could not be read."""

    objects: list[Any]
    bad: dict[int, Problem]

    def __len__(self) -> int:
        return len(self.objects)

    def slice(self, a: int, b: int) -> _Slow:
        return _Slow(self.objects[a:b], {k - a: p for k, p in self.bad.items() if a <= k < b})


class _Pending:
    def __init__(self) -> None:
        self.segments: list[tuple[_Fast | _Slow, np.ndarray]] = []
        self.count = 0

    def add(self, segment: _Fast | _Slow, ends: np.ndarray) -> None:
        if len(segment):
            self.segments.append((segment, ends))
            self.count += len(segment)

    def take(self, n: int, first_row: int) -> tuple[Chunk, int]:
        """A chunk of the first ``n`` rows, and the byte offset just past its last line."""
        taken: list[_Fast | _Slow] = []
        left = n
        end = 0
        while left:
            segment, ends = self.segments[0]
            k = min(left, len(segment))
            taken.append(segment.slice(0, k))
            end = int(ends[k - 1])
            if k == len(segment):
                self.segments.pop(0)
            else:
                self.segments[0] = (segment.slice(k, len(segment)), ends[k:])
            left -= k
        self.count -= n
        return _chunk(taken, first_row), end


def _chunk(segments: list[_Fast | _Slow], first_row: int) -> Chunk:
    """One chunk of rows read by pyarrow and rows read line by line, in order."""
    if all(isinstance(s, _Slow) for s in segments):
        objects = [o for s in segments for o in s.objects]  # type: ignore[union-attr]
        bad: dict[int, Problem] = {}
        at = 0
        for s in segments:
            bad.update({at + k: p for k, p in s.bad.items()})  # type: ignore[union-attr]
            at += len(s)
        return from_dicts(objects, first_row, bad)
    tables = [s.table if isinstance(s, _Fast) else _nulls(len(s)) for s in segments]
    table = pa.concat_tables(tables)
    # every text pyarrow read is a piece of text checked to be UTF-8 without escapes
    chunk = from_arrow(table, first_row, utf8=True)
    chunk.desil_null = np.concatenate(
        [s.desil_null if isinstance(s, _Fast) else np.zeros(len(s), dtype=bool)
         for s in segments])
    slow = [(at, s) for at, s in zip(np.cumsum([0] + [len(s) for s in segments[:-1]]),
                                     segments, strict=True) if isinstance(s, _Slow)]
    if not slow:
        return chunk
    positions = np.concatenate([np.arange(at, at + len(s)) for at, s in slow]).astype(np.int64)
    objects = [o for _, s in slow for o in s.objects]
    bad = {}
    k = 0
    for _, s in slow:
        bad.update({k + j: p for j, p in s.bad.items()})
        k += len(s)
    read = from_dicts(objects, 0, bad)
    n = chunk.length
    take = np.arange(n, dtype=np.int64)
    take[positions] = n + np.arange(len(positions))
    indices = pa.array(take)
    columns = dict(chunk.columns)
    for name, column in read.columns.items():
        mine = columns.get(name, pa.nulls(n, column.type))
        columns[name] = pa.concat_arrays([mine, column.cast(mine.type)]).take(indices)
    fallback = chunk.fallback.copy()
    fallback[positions] = read.fallback
    desil_null = chunk.desil_null.copy()
    desil_null[positions] = read.desil_null
    problems = dict(chunk.bad)
    problems.update({int(positions[j]): p for j, p in read.bad.items()})
    given = {int(positions[j]): o for j, o in enumerate(objects) if j not in read.bad}
    return JsonChunk(chunk.first_row, n, columns, desil_null, fallback, raw=chunk.raw,
                     bad=problems, given=given)


def _nulls(n: int) -> pa.Table:
    return pa.table([pa.nulls(n, f.type) for f in _SCHEMA], schema=_SCHEMA)


@dataclass
class JsonChunk(Chunk):
    """A chunk some of whose rows were read line by line: ``given`` holds their JSON
    values (by position), which :meth:`cases` gives as they are."""

    given: dict[int, Any] = field(default_factory=dict)

    def cases(self, rows: Any) -> list[Any]:
        rows = [int(i) for i in rows]
        others = [i for i in rows if i not in self.given]
        found = dict(zip(others, super().cases(others), strict=True)) if others else {}
        return [self.given[i] if i in self.given else found[i] for i in rows]

    def case_or_problem(self, i: int) -> Any:
        if i in self.bad:
            return self.bad[i]
        return self.given[i] if i in self.given else super().case_or_problem(i)

    def case(self, i: int) -> Any:
        return self.given[i] if i in self.given else super().case(i)
