"""What the batch readers share: a :class:`Source` (an input file and its chunks), the
:class:`Mark` after each chunk, and a text file as blocks of whole lines, an over-long
line never held whole in memory.

The readers (:mod:`jknrules.batch.readers` for JSON Lines and Parquet,
:mod:`jknrules.batch.csvinput` for CSV) give every line or record one row, whatever it
holds; see :mod:`jknrules.batch.readers`.
"""

from __future__ import annotations

import queue
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

import numpy as np

from jknrules.batch.cases import Chunk, Problem
from jknrules.batch.files import BatchFileError, problem, reading

T = TypeVar("T")

#: the longest line (JSON Lines) or record (CSV), in bytes; a case is well under 2 KB
MAX_LINE = 1 << 20
#: bytes read at a time
BLOCK = 1 << 22
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Mark:
    """Where the input stands after a chunk: ``rows`` read, the ``offset`` (bytes) of the
    prefix of the file holding them, and the ``lines`` in it (text files)."""

    rows: int = 0
    offset: int = 0
    lines: int = 0


class Source:
    """An input file: its kind, size, rows (when the file says so cheaply) and chunks.
    ``stream``: read this binary stream (stdin) instead; ``path`` only names it."""

    kind = ""

    def __init__(self, path: Path, stream: IO[bytes] | None = None) -> None:
        self.path = path
        self.stream = stream
        self.total: int | None = None
        #: SHA-256 of what describes the whole file (Parquet: the footer)
        self.footer = ""
        if stream is not None:
            self.size = 0
            return
        with reading(path):
            if path.is_dir():
                raise IsADirectoryError(21, "Is a directory")
            status = path.stat()
            with path.open("rb"):  # readable?
                pass
        if not stat.S_ISREG(status.st_mode):  # /dev/zero, a pipe: no end, no size to resume
            raise damaged(path, "bukan berkas biasa (perangkat atau pipa); batch membaca "
                          "berkas yang ukurannya diketahui, agar --resume dapat memeriksanya "
                          "(untuk stdin: jknrules batch - --out …)",
                          "not a regular file (a device or a pipe); batch reads a file whose "
                          "size is known, so that --resume can check it (for stdin: "
                          "jknrules batch - --out …)")
        self.size = status.st_size

    def chunks(self, rows: int, start: Mark | None = None) -> Iterator[tuple[Chunk, Mark]]:
        raise NotImplementedError

    def blocks(self, start: int) -> Iterator[bytes | TooLong]:
        """The text from byte ``start`` (a stream: from where it stands) as :func:`blocks`."""
        if self.stream is not None:
            return blocks_of(self.stream)
        return blocks(self.path, start)


# --- reading ahead -------------------------------------------------------------------

_DONE = object()


@dataclass(frozen=True, slots=True)
class _Raised:
    error: BaseException


def ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` in order, the next one read by a thread while this one is used: pyarrow's
    parsing lets go of the GIL, so reading overlaps deciding and writing. One item waits
    at most (memory stays bounded); an exception while reading is raised here, in order."""
    waiting: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
            put(_Raised(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=read, name="jknrules-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        # a thread reading a file ends within a block; one waiting on stdin for more input
        # cannot be interrupted, and is left to end with the process (a daemon)
        thread.join(timeout=5)


# --- lines ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TooLong:
    """A line longer than :data:`MAX_LINE`: only its length (newline included) is kept."""

    length: int


def blocks(path: Path, start: int, max_line: int = MAX_LINE,
           size: int = BLOCK) -> Iterator[bytes | TooLong]:
    """The file from byte ``start`` as blocks of whole lines (each line ends with a
    newline but perhaps the file's last) and over-long lines, in order."""
    with reading(path), path.open("rb") as handle:
        handle.seek(start)
        yield from blocks_of(handle, max_line, size)


def blocks_of(handle: IO[bytes], max_line: int = MAX_LINE,
              size: int = BLOCK) -> Iterator[bytes | TooLong]:
    """:func:`blocks` of an open binary stream (stdin), from where it stands."""
    carry = b""
    skipped = 0  # > 0: inside an over-long line, this many bytes of it passed
    while True:
        data = handle.read(size)
        if not data:
            break
        if skipped:
            end = data.find(b"\n")
            if end < 0:
                skipped += len(data)
                continue
            yield TooLong(skipped + end + 1)
            skipped, data = 0, data[end + 1:]
        buffer = carry + data if carry else data
        last = buffer.rfind(b"\n")
        if last < 0:
            carry = buffer
        else:
            yield from _split_long(buffer[:last + 1], max_line)
            carry = buffer[last + 1:]
        if len(carry) > max_line:
            skipped, carry = len(carry), b""
    if skipped:
        yield TooLong(skipped)
    elif carry:
        yield from _split_long(carry, max_line)


def _split_long(block: bytes, max_line: int) -> Iterator[bytes | TooLong]:
    if len(block) <= max_line or _short_lines(block, max_line):
        yield block
        return
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
    if not len(ends) or ends[-1] != len(block) - 1:
        ends = np.append(ends, len(block) - 1)
    starts = np.concatenate([[0], ends[:-1] + 1])
    long = np.flatnonzero(ends - starts + 1 > max_line)
    if not len(long):
        yield block
        return
    at = 0
    for k in map(int, long):
        if starts[k] > at:
            yield block[at:int(starts[k])]
        yield TooLong(int(ends[k] - starts[k] + 1))
        at = int(ends[k]) + 1
    if at < len(block):
        yield block[at:]


def _short_lines(block: bytes, max_line: int) -> bool:
    """Whether every line of the block is surely at most ``max_line`` bytes: each stretch
    of ``max_line // 2`` bytes holds a newline (a few searches, not a scan of the block).
    ``False`` may still be true (then the lines are measured)."""
    step = max(max_line // 2, 1)
    return all(block.find(b"\n", at, at + step) >= 0 for at in range(0, len(block), step))


def lines_of(block: bytes) -> list[bytes]:
    """The lines of a block, without their newlines."""
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()
    return lines


def each_line(items: Iterator[bytes | TooLong]) -> Iterator[tuple[bytes | TooLong, int]]:
    """Each line (without its newline) and its length in the file (with it)."""
    for item in items:
        if isinstance(item, TooLong):
            yield item, item.length
            continue
        lines = lines_of(item)
        for line in lines[:-1]:
            yield line, len(line) + 1
        if lines:
            yield lines[-1], len(lines[-1]) + item.endswith(b"\n")


def too_long(file: str, line: int, length: int) -> Problem:
    return Problem("JKN-X002", "$",
                   f"baris terlalu panjang ({length:,} bita; paling banyak {MAX_LINE:,})",
                   f"the line is too long ({length:,} bytes; at most {MAX_LINE:,})", file, line)


def not_utf8(file: str, line: int, exc: UnicodeDecodeError, where: str = "$") -> Problem:
    return Problem("JKN-X003", where, f"baris bukan UTF-8 yang valid (bita ke-{exc.start + 1})",
                   f"the line is not valid UTF-8 (byte {exc.start + 1})", file, line)


def damaged(path: Path, what_id: str, what_en: str) -> BatchFileError:
    return problem("JKN-X013", path, f"berkas '{path}' tidak dapat dibaca: {what_id}",
                   f"the file '{path}' cannot be read: {what_en}")


def refuse_twice(path: Path, names: list[str]) -> None:
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise damaged(path, f"kolom disebut dua kali: {', '.join(twice)}",
                      f"column(s) named twice: {', '.join(twice)}")
