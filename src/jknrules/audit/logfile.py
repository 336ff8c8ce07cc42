"""The record file itself: appending lines atomically, and reading them back as a stream.

Appends (:func:`append_lines`) hold an advisory lock on the file, look at its tail
(the chain's head: :mod:`jknrules.audit.chain`), and add one or more lines with a
single ``os.write`` on a file opened ``O_APPEND``, then ``fsync``. A crash (a killed
process, a power cut) can at worst leave the *last* line incomplete; earlier records
are never touched. The next append keeps those bytes where they are and **seals**
them: it starts on a fresh line and hands the bytes' length and SHA-256
(:class:`Torn`) to the line it writes, which carries them in its chain link, so that
verifying later reports the interrupted write and notices if its bytes are removed or
changed (:mod:`jknrules.audit.chain`). A write that fails or is cut short while the
writer is alive (a full disk, a file-size limit) is undone: the file is truncated back
to its previous length and the caller gets ``JKN-A034``.

Reading (:func:`iter_entries`) goes line by line, so memory stays bounded whatever
the size of the file; a line longer than :data:`MAX_LINE` bytes is reported, not read.
A damaged line is an entry with its problem, and reading goes on with the others.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jknrules.audit.canonical import DuplicateKeyError, canonical, strict_loads
from jknrules.audit.findings import ReplayFinding
from jknrules.errors import JknrulesError, Span, diag
from jknrules.language.record import (
    CHECKPOINT_FORMAT,
    IDENTITY_FIELDS,
    RECORD_FORMAT,
    UNCHAINED_FORMAT,
)
from jknrules.language.text import Bilingual

#: The longest line read; a longer one is reported (``JKN-A031``) and skipped.
MAX_LINE = 64 * 1024 * 1024
_BLOCK = 64 * 1024


# --- reading ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One line of a record file: a decision record, a signed checkpoint, or the problem
    that stops reading it. ``data`` is the line's JSON value and ``raw`` its bytes (for
    the chain check)."""

    line: int
    record: Mapping[str, Any] | None
    problem: ReplayFinding | None = None
    checkpoint: Mapping[str, Any] | None = None
    data: Any = field(default=None, repr=False, compare=False)
    raw: bytes = field(default=b"", repr=False, compare=False)


def iter_entries(path: Path) -> Iterator[Entry]:
    """The lines of a record file, one at a time (blank lines are skipped)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        code = "JKN-F001" if isinstance(exc, FileNotFoundError) else "JKN-F003"
        raise JknrulesError([diag(
            code, f"berkas catatan tidak dapat dibaca: {path} ({exc.strerror})",
            f"cannot read the record file: {path} ({exc.strerror})", span=Span(str(path), 1, 1),
        )]) from None
    with handle:
        regular = stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
        number = 0
        while raw := handle.readline(MAX_LINE + 1):
            number += 1
            complete = raw.endswith(b"\n")
            if not complete and len(raw) > MAX_LINE:
                if not regular:  # /dev/zero, a pipe: the line may never end
                    yield Entry(number, None, ReplayFinding(number, "JKN-A031", Bilingual(
                        f"baris lebih panjang dari {MAX_LINE} bita dan berkas ini bukan "
                        "berkas biasa (perangkat atau pipa): pembacaan dihentikan",
                        f"the line is longer than {MAX_LINE} bytes and this is not a "
                        "regular file (a device or a pipe): reading stopped")))
                    return
                while (rest := handle.readline(_BLOCK)) and not rest.endswith(b"\n"):
                    pass
                yield Entry(number, None, ReplayFinding(number, "JKN-A031", Bilingual(
                    f"baris lebih panjang dari {MAX_LINE} bita; tidak dibaca",
                    f"the line is longer than {MAX_LINE} bytes; not read")))
                continue
            body = raw[:-1] if complete else raw
            if body.strip():
                yield _entry(number, body, last=not complete)


def read_records(path: Path) -> list[Entry]:
    """Every line of a record file (see :func:`iter_entries`), as a list."""
    return list(iter_entries(path))


def _entry(number: int, body: bytes, *, last: bool) -> Entry:
    try:
        data = strict_loads(body)
    except DuplicateKeyError as exc:
        return Entry(number, None, ReplayFinding(number, "JKN-A033", Bilingual(
            f"kunci '{exc}' muncul dua kali dalam satu baris",
            f"the key '{exc}' appears twice in one line")), raw=body)
    except ValueError:
        code, why = ("JKN-A032", Bilingual(
            "baris terakhir tidak lengkap (penulisan terputus); catatan sebelumnya utuh",
            "the last line is incomplete (an interrupted write); earlier records are intact",
        )) if last else ("JKN-A031", Bilingual(
            "baris bukan catatan JSON yang utuh (mungkin penulisan terputus)",
            "the line is not a complete JSON record (perhaps an interrupted write)"))
        return Entry(number, None, ReplayFinding(number, code, why), raw=body)
    if isinstance(data, dict) and data.get("format") == CHECKPOINT_FORMAT:
        return Entry(number, None, checkpoint=data, data=data, raw=body)
    problem = _shape(data)
    if problem is not None:
        return Entry(number, None, ReplayFinding(number, "JKN-A033", problem), data=data,
                     raw=body)
    return Entry(number, data, data=data, raw=body)


def _shape(data: Any) -> Bilingual | None:
    if not isinstance(data, dict) or data.get("format") not in (RECORD_FORMAT,
                                                                UNCHAINED_FORMAT):
        return Bilingual(f"bukan catatan keputusan ({RECORD_FORMAT})",
                         f"not a decision record ({RECORD_FORMAT})")
    policy = data.get("policy")
    if not isinstance(data.get("case"), dict) or not isinstance(data.get("result"), dict) \
            or not isinstance(policy, dict) or not isinstance(policy.get("sha256"), str):
        return Bilingual("catatan tidak memuat case, result dan policy.sha256",
                         "the record lacks case, result or policy.sha256")
    redacted = data.get("redacted")
    if redacted is not None and (not isinstance(redacted, list) or any(
            not isinstance(name, str) or name not in IDENTITY_FIELDS for name in redacted)):
        return Bilingual("'redacted' harus berupa daftar kolom identitas",
                         "'redacted' must be a list of identity fields")
    return None


# --- the tail, read backwards (for the chain's head) -------------------------------------

def lines_backwards(fd: int, size: int) -> Iterator[bytes]:
    """The complete, non-blank lines of the open file ``fd`` (``size`` bytes long), last
    first, read in blocks from the end; text after the final newline (a cut-short write)
    is skipped."""
    if size == 0:
        return
    partial = _last_byte(fd, size) != b"\n"
    end, tail = size, b""
    while end > 0:
        start = max(0, end - _BLOCK)
        os.lseek(fd, start, os.SEEK_SET)
        block = os.read(fd, end - start) + tail
        end = start
        tail, *whole = block.split(b"\n")
        for line in reversed(whole):
            if partial:
                partial = False  # the text after the final newline
            elif line.strip():
                yield line
    if not partial and tail.strip():
        yield tail


# --- writing -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Torn:
    """The bytes an interrupted write left after the file's last newline: how many, and
    their SHA-256. The next line written carries them (``chain.torn``): it seals them."""

    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"bytes": self.size, "sha256": self.sha256}


def torn_tail(fd: int, size: int) -> Torn | None:
    """The bytes after the last newline of the open file ``fd`` (``size`` bytes long), or
    ``None`` when it ends with a newline (or after it holds only white space). Read in
    blocks: memory does not grow with the length of the torn line."""
    if size == 0 or _last_byte(fd, size) == b"\n":
        return None
    start, end = 0, size
    while end > 0:
        begin = max(0, end - _BLOCK)
        os.lseek(fd, begin, os.SEEK_SET)
        newline = os.read(fd, end - begin).rfind(b"\n")
        if newline >= 0:
            start = begin + newline + 1
            break
        end = begin
    digest, blank, position = hashlib.sha256(), True, start
    os.lseek(fd, start, os.SEEK_SET)
    while position < size and (block := os.read(fd, min(_BLOCK, size - position))):
        digest.update(block)
        blank = blank and not block.strip()
        position += len(block)
    return None if blank else Torn(size - start, digest.hexdigest())


def append_record(path: Path, record: Mapping[str, Any]) -> None:
    """Append one JSON value as one canonical line (no chain; see
    :func:`jknrules.audit.chain.append_chained` for decision records)."""
    append_lines(path, lambda fd, size, torn: canonical(dict(record)) + b"\n")


def append_lines(path: Path, build: Callable[[int, int, Torn | None], bytes]) -> None:
    """Append the bytes ``build(fd, size, torn)`` returns (whole lines), atomically.

    ``build`` runs under the lock and may read the file (``fd``, ``size`` bytes long);
    ``torn`` describes what an interrupted earlier write left at the end of the file
    (:func:`torn_tail`), which the new lines start after, on a line of their own. Nothing
    is written when ``build`` returns no bytes. One ``os.write`` on an ``O_APPEND`` file,
    then ``fsync``; a failed or short write, or a failed ``fsync``, truncates the file
    back to ``size`` and raises ``JKN-A034``.
    """
    try:
        # O_BINARY (Windows only): no newline translation, so one record is one line
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0),
                     0o644)
    except OSError as exc:
        raise _write_error(path, exc.strerror or str(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # /dev/null, a pipe: the record is lost
            raise OSError(0, "not a regular file (a device or a pipe) / bukan berkas biasa")
        _lock(fd)
        size = os.fstat(fd).st_size  # under the lock: what other writers appended counts
        data = build(fd, size, torn_tail(fd, size))
        if not data:
            return
        if size and _last_byte(fd, size) != b"\n":
            data = b"\n" + data  # an earlier write was cut short: do not glue onto it
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(0, f"only {written} of {len(data)} bytes written")
            os.fsync(fd)
        except OSError as exc:
            _roll_back(fd, size)
            raise _write_error(path, exc.strerror or str(exc), rolled_back=True) from None
    except OSError as exc:
        raise _write_error(path, exc.strerror or str(exc)) from None
    finally:
        os.close(fd)


def _roll_back(fd: int, size: int) -> None:
    """Undo a failed append: cut the file back to ``size`` bytes (what it held before)."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError:  # pragma: no cover - the write error is reported all the same
        pass


def _last_byte(fd: int, size: int) -> bytes:
    """The file's last byte, by a seek and a read, which every platform has (a positioned read
    is POSIX only); the write that follows still goes to the end (``O_APPEND``)."""
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1)


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: O_APPEND alone orders the writes
        return
    fcntl.flock(fd, fcntl.LOCK_EX)  # released by close


def _write_error(path: Path, why: str, *, rolled_back: bool = False) -> JknrulesError:
    back_id = "; berkas dikembalikan ke panjangnya semula" if rolled_back else ""
    back_en = "; the file was truncated back to its previous length" if rolled_back else ""
    return JknrulesError([diag(
        "JKN-A034", f"catatan keputusan tidak dapat ditulis ke {path}: {why}{back_id}",
        f"cannot write the decision record to {path}: {why}{back_en}",
        span=Span(str(path), 1, 1),
        hint_id="keputusan ini tidak tercatat; periksa ruang disk dan izin berkas, lalu ulangi",
        hint_en="this decision was not recorded; check the disk space and the file's "
                "permissions, then try again",
    )])
