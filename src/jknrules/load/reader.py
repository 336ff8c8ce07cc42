"""Reading input files with a bound: a policy, a case, a cases or record file never costs
more memory than its limit, whatever the file is (``/dev/zero``, a multi-gigabyte file,
a FIFO that never ends).

- :func:`read_text` reads a whole document (policy, case, example file): at most
  :data:`MAX_FILE_BYTES` bytes; one byte more is ``JKN-Y006``, before anything is parsed.
- :func:`iter_lines` streams a JSON Lines file (``diff --cases``, decision records): one
  line at a time, each at most :data:`MAX_LINE_BYTES`.
- :func:`decode` turns bytes into text: UTF-8 only (a UTF-8 byte order mark is dropped);
  UTF-16/UTF-32, NUL bytes and invalid UTF-8 are ``JKN-F002`` at the line and column of
  the first offending byte, so the officer can find it.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from jknrules.errors import Diagnostic, JknrulesError, Span, diag

#: The largest policy, case or example file read (bytes). The shipped policies are
#: under 100 kB.
MAX_FILE_BYTES = 1_000_000
#: The longest line of a JSON Lines file (bytes): one case or one decision record.
MAX_LINE_BYTES = 1_000_000
#: How much of a file is read to guess what it is (``holds_policies``, ``looks_like_policy``).
SNIFF_BYTES = 65_536

Raise = Callable[[list[Diagnostic]], JknrulesError]

_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)
_SAVE_AS_UTF8 = ("simpan ulang berkas sebagai UTF-8 (tanpa BOM) di penyunting teks",
                 "save the file again as UTF-8 (without a BOM) in the text editor")


def read_text(path: Path, error: Raise, *, limit: int = MAX_FILE_BYTES,
              file: str | None = None) -> str:
    """The text of ``path``: at most ``limit`` bytes of UTF-8. ``file`` names the file in
    messages (default: the path as given)."""
    name = file or str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise error([diag("JKN-F001", f"berkas tidak ditemukan: {path}",
                          f"file not found: {path}", span=Span(name, 1, 1))]) from None
    except (OSError, ValueError) as exc:  # a folder, no permission, a NUL in the name
        why = getattr(exc, "strerror", None) or str(exc)
        raise error([diag("JKN-F003", f"berkas tidak dapat dibaca: {why}",
                          f"cannot read file: {why}", span=Span(name, 1, 1))]) from None
    if len(data) > limit:
        raise error([too_large(name, limit)])
    return decode(data, name, error)


def read_stream(stream: IO[str], file: str, error: Raise, *,
                limit: int = MAX_FILE_BYTES) -> str:
    """At most ``limit`` characters of an already open text stream (``evaluate -``)."""
    text = stream.read(limit + 1)
    if len(text) > limit:
        raise error([too_large(file, limit)])
    return text.removeprefix("\ufeff")


class BoundedText:
    """A text stream read with a bound: ``read()`` returns at most ``limit`` characters
    and raises ``JKN-Y006`` when there are more (``evaluate -`` reading ``/dev/zero``)."""

    def __init__(self, stream: IO[str], file: str, error: Raise, *,
                 limit: int = MAX_FILE_BYTES) -> None:
        self._stream, self._file, self._error, self._limit = stream, file, error, limit

    def read(self, size: int = -1) -> str:
        if 0 <= size <= self._limit:
            return self._stream.read(size)
        return read_stream(self._stream, self._file, self._error, limit=self._limit)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of a file (``b""`` when it cannot be read)."""
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except (OSError, ValueError):
        return b""


def iter_lines(path: Path, error: Raise, *, file: str | None = None,
               max_line: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each line of a JSON Lines file, streamed: a line longer
    than ``max_line`` bytes stops the reading with ``JKN-Y006`` at that line. Opening
    errors are raised before the first line."""
    name = file or str(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise error([diag("JKN-F001", f"berkas tidak ditemukan: {path}",
                          f"file not found: {path}", span=Span(name, 1, 1))]) from None
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise error([diag("JKN-F003", f"berkas tidak dapat dibaca: {why}",
                          f"cannot read file: {why}", span=Span(name, 1, 1))]) from None
    return _lines(handle, name, error, max_line)


def _lines(handle: IO[bytes], name: str, error: Raise, max_line: int
           ) -> Iterator[tuple[int, str]]:
    with handle:
        number = 0
        while True:
            try:
                raw = handle.readline(max_line + 1)
            except OSError as exc:
                raise error([diag("JKN-F003", f"berkas tidak dapat dibaca: {exc.strerror}",
                                  f"cannot read file: {exc.strerror}",
                                  span=Span(name, number + 1, 1))]) from None
            if not raw:
                return
            number += 1
            body = raw.rstrip(b"\r\n")
            if len(body) > max_line:
                raise error([diag(
                    "JKN-Y006",
                    f"baris {number} terlalu panjang (lebih dari {max_line} bita)",
                    f"line {number} is too long (more than {max_line} bytes)",
                    span=Span(name, number, 1),
                    hint_id="satu objek JSON per baris; periksa apakah ini berkas yang benar",
                    hint_en="one JSON object per line; check that this is the right file",
                )])
            body, stray = first_line_bom(body, number, name)
            if stray is not None:
                raise error([stray])
            yield number, decode(body, name, error, first_line=number)


def first_line_bom(line: bytes, number: int, file: str) -> tuple[bytes, Diagnostic | None]:
    """The one rule for a UTF-8 byte order mark in a stream of lines (the JSON Lines of
    ``jknrules batch``, ``POST /v1/batch``, ``diff --cases``): the first line may start
    with one (an editor saved the file so) and it is dropped; any other line that starts
    with one is refused with the diagnostic returned (``JKN-C001``) — a BOM inside the
    stream is two files put together, or a damaged row, never silently read."""
    if not line.startswith(codecs.BOM_UTF8):
        return line, None
    if number == 1:
        return line[len(codecs.BOM_UTF8):], None
    return line, diag(
        "JKN-C001",
        f"baris {number} dimulai dengan tanda urutan bita (BOM, U+FEFF): hanya baris "
        "pertama yang boleh",
        f"line {number} starts with a byte order mark (BOM, U+FEFF): only the first line "
        "may",
        span=Span(file, number, 1),
        hint_id="dua berkas yang disambung? hapus BOM di awal baris ini",
        hint_en="two files joined together? remove the BOM at the start of this line")


def too_large(file: str, limit: int) -> Diagnostic:
    return diag(
        "JKN-Y006",
        f"berkas terlalu besar (lebih dari {limit} bita); pembacaan dihentikan",
        f"file too large (more than {limit} bytes); reading stopped",
        span=Span(file, 1, 1),
        hint_id="periksa apakah ini berkas yang benar (kebijakan atau kasus, bukan data lain)",
        hint_en="check that this is the right file (a policy or a case, not other data)",
    )


def decode(data: bytes, file: str, error: Raise, *, first_line: int = 1) -> str:
    """UTF-8 text of ``data`` (a UTF-8 byte order mark is dropped); anything else is
    ``JKN-F002`` at the first offending byte."""
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            raise error([diag(
                "JKN-F002", f"berkas disimpan sebagai {name}, bukan UTF-8",
                f"the file is saved as {name}, not UTF-8",
                span=Span(file, first_line, 1), hint_id=_SAVE_AS_UTF8[0],
                hint_en=_SAVE_AS_UTF8[1],
            )])
    data = data.removeprefix(codecs.BOM_UTF8)
    nul = data.find(b"\x00")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if 0 <= nul < exc.start:
            raise error([_nul(data, nul, file, first_line)]) from None
        line, column = _place(data, exc.start, first_line)
        raise error([diag(
            "JKN-F002",
            f"berkas bukan teks UTF-8: bita 0x{data[exc.start]:02x} tidak valid ({exc.reason})",
            f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} is invalid "
            f"({exc.reason})",
            span=Span(file, line, column), hint_id=_SAVE_AS_UTF8[0], hint_en=_SAVE_AS_UTF8[1],
        )]) from None
    if nul >= 0:
        raise error([_nul(data, nul, file, first_line)])
    return text


def _nul(data: bytes, at: int, file: str, first_line: int) -> Diagnostic:
    line, column = _place(data, at, first_line)
    wide = data[1::2].count(0) > len(data) // 4 or data[::2].count(0) > len(data) // 4
    return diag(
        "JKN-F002",
        "berkas memuat bita NUL" + (" (tampaknya UTF-16)" if wide else " (bukan teks?)"),
        "the file contains NUL bytes" + (" (it looks like UTF-16)" if wide else
                                         " (not a text file?)"),
        span=Span(file, line, column), hint_id=_SAVE_AS_UTF8[0], hint_en=_SAVE_AS_UTF8[1],
    )


def _place(data: bytes, at: int, first_line: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``at``."""
    start = data.rfind(b"\n", 0, at) + 1
    column = len(data[start:at].decode("utf-8", errors="replace")) + 1
    return first_line + data.count(b"\n", 0, at), column
