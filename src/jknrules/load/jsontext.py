"""Strict JSON text -> plain data plus the place of every value.

Standard JSON (RFC 8259), nothing more and nothing less: whitespace is space, tab, line
feed and carriage return; a trailing comma, ``NaN``/``Infinity``, single quotes, comments,
an unquoted key and text after the value are errors (``JKN-Y001``); a key given twice is
``JKN-Y002`` (Python's ``json`` would keep the last one silently). Every error is placed
at the line and column of the offending character. Nesting, the number of values and the
length of a number are bounded, so hostile text costs bounded time and memory.

The result has the same shape as YAML's (:class:`~jknrules.load.source.SourceText`):
data, and a table of places keyed by path (for a mapping entry, the key's place).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from typing import Any

from jknrules.errors import Diagnostic, Span, diag
from jknrules.language.text import Bilingual

Path = tuple[str | int, ...]

#: The longest number read (digits and signs): far above any value a case or policy
#: holds, far below the text length at which converting it costs time.
MAX_NUMBER_CHARS = 40

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_WS = re.compile(r"[ \t\n\r]*")
#: the standard library's reader of a JSON string (C-accelerated); typeshed omits it
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_NON_JSON_WORDS = ("NaN", "Infinity", "-Infinity", "undefined", "True", "False", "None")


class JsonSyntax(Exception):
    """A syntax error at character ``at`` (0-based), in the project's words."""

    def __init__(self, at: int, message_id: str, message_en: str, hint_id: str = "",
                 hint_en: str = "") -> None:
        super().__init__(message_en)
        self.at = at
        self.message = Bilingual(message_id, message_en)
        self.hint = Bilingual(hint_id, hint_en) if hint_id else None


class JsonLimit(Exception):
    """The text is nested too deeply or holds too many values (at character ``at``)."""

    def __init__(self, at: int, deep: bool) -> None:
        super().__init__("limit")
        self.at = at
        self.deep = deep


class JsonReader:
    """One JSON document. :meth:`read` returns the data; :attr:`marks` and
    :attr:`errors` (duplicate keys) are filled on the way."""

    def __init__(self, text: str, file: str, *, max_depth: int, max_nodes: int,
                 first_line: int = 1) -> None:
        self.text = text
        self.file = file
        self.max_depth, self.max_nodes = max_depth, max_nodes
        self.first_line = first_line
        self.marks: dict[Path, Span] = {}
        self.errors: list[Diagnostic] = []
        self._nodes = 0
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def span(self, at: int) -> Span:
        line = bisect.bisect_right(self._line_starts, at) - 1
        return Span(self.file, self.first_line + line, at - self._line_starts[line] + 1)

    def read(self) -> Any:
        at = self._skip(0)
        if at == len(self.text):
            raise JsonSyntax(at, "teks JSON kosong", "empty JSON text")
        value, at = self._value(at, (), 0)
        at = self._skip(at)
        if at != len(self.text):
            raise JsonSyntax(at, "ada teks sesudah nilai JSON yang sudah selesai",
                             "text after the end of the JSON value",
                             "satu berkas berisi tepat satu objek JSON",
                             "a file holds exactly one JSON object")
        return value

    def _skip(self, at: int) -> int:
        match = _WS.match(self.text, at)
        return match.end() if match else at

    def _value(self, at: int, path: Path, depth: int) -> tuple[Any, int]:
        self._nodes += 1
        if depth > self.max_depth or self._nodes > self.max_nodes:
            raise JsonLimit(at, depth > self.max_depth)
        if path not in self.marks:
            self.marks[path] = self.span(at)
        text = self.text
        char = text[at] if at < len(text) else ""
        if char == "{":
            return self._object(at, path, depth)
        if char == "[":
            return self._array(at, path, depth)
        if char == '"':
            return self._string(at)
        if char == "-" or char.isascii() and char.isdigit():
            return self._number(at)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, at):
                return value, at + len(word)
        raise self._unexpected(at, "sebuah nilai", "a value")

    def _object(self, at: int, path: Path, depth: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        at = self._skip(at + 1)
        if self.text.startswith("}", at):
            return out, at + 1
        while True:
            if not self.text.startswith('"', at):
                if self.text.startswith("}", at):
                    raise _trailing_comma(at)
                raise self._unexpected(at, "kunci dalam tanda kutip ganda",
                                       "a key in double quotes")
            key_at = at
            key, at = self._string(at)
            at = self._skip(at)
            if not self.text.startswith(":", at):
                raise self._unexpected(at, "':' sesudah kunci", "':' after the key")
            at = self._skip(at + 1)
            if key in out:
                first = self.marks.get((*path, key))
                where = f" (pertama di baris {first.line})" if first else ""
                where_en = f" (first at line {first.line})" if first else ""
                self.errors.append(diag(
                    "JKN-Y002", f"kunci '{key}' ditulis dua kali{where}",
                    f"duplicate key '{key}'{where_en}", span=self.span(key_at),
                    path=(*path, key), hint_id="hapus salah satunya",
                    hint_en="remove one of them",
                ))
                _, at = self._value(at, (*path, key, "#duplicate"), depth + 1)
            else:
                self.marks[(*path, key)] = self.span(key_at)
                out[key], at = self._value(at, (*path, key), depth + 1)
            at = self._skip(at)
            if self.text.startswith(",", at):
                at = self._skip(at + 1)
                continue
            if self.text.startswith("}", at):
                return out, at + 1
            raise self._unexpected(at, "',' atau '}'", "',' or '}'")

    def _array(self, at: int, path: Path, depth: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        at = self._skip(at + 1)
        if self.text.startswith("]", at):
            return out, at + 1
        while True:
            if self.text.startswith("]", at):
                raise _trailing_comma(at)
            value, at = self._value(at, (*path, len(out)), depth + 1)
            out.append(value)
            at = self._skip(at)
            if self.text.startswith(",", at):
                at = self._skip(at + 1)
                continue
            if self.text.startswith("]", at):
                return out, at + 1
            raise self._unexpected(at, "',' atau ']'", "',' or ']'")

    def _string(self, at: int) -> tuple[str, int]:
        try:
            value, end = _scanstring(self.text, at + 1, True)
        except json.JSONDecodeError as exc:
            raise JsonSyntax(exc.pos, f"teks dalam tanda kutip tidak valid ({exc.msg})",
                             f"invalid quoted text ({exc.msg})",
                             "karakter kendali (mis. tab) ditulis sebagai \\t, \\n, \\u0009",
                             "write control characters (e.g. a tab) as \\t, \\n, \\u0009"
                             ) from None
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise JsonSyntax(at, f"teks memuat surrogate tunggal ({exc.reason})",
                                 f"the text holds a lone surrogate ({exc.reason})") from None
        return value, end

    def _number(self, at: int) -> tuple[int | float, int]:
        match = _NUMBER.match(self.text, at)
        if match is None:
            if self.text.startswith("-Infinity", at):
                raise _not_json(at, "-Infinity")
            raise self._unexpected(at, "sebuah angka", "a number")
        written = match.group()
        if len(written) > MAX_NUMBER_CHARS:
            raise JsonSyntax(at, f"angka terlalu panjang ({len(written)} karakter; batas "
                             f"{MAX_NUMBER_CHARS})",
                             f"number too long ({len(written)} characters; limit "
                             f"{MAX_NUMBER_CHARS})")
        if match.group(1) is None and match.group(2) is None:
            return int(written), match.end()
        number = float(written)
        if number in (float("inf"), float("-inf")):
            raise JsonSyntax(at, f"angka {written} di luar jangkauan",
                             f"number {written} is out of range")
        return number, match.end()

    def _unexpected(self, at: int, wanted_id: str, wanted_en: str) -> JsonSyntax:
        text = self.text
        if at >= len(text):
            return JsonSyntax(at, f"teks JSON berakhir; diharapkan {wanted_id}",
                              f"the JSON text ends; expected {wanted_en}",
                              "kurung atau tanda kutip belum ditutup",
                              "a bracket or quote is not closed")
        for word in _NON_JSON_WORDS:
            if text.startswith(word, at):
                return _not_json(at, word)
        char = text[at]
        if char == "'":
            return JsonSyntax(at, "JSON memakai tanda kutip ganda (\"), bukan tunggal (')",
                              "JSON uses double quotes (\"), not single quotes (')")
        if text.startswith(("//", "/*", "#"), at):
            return JsonSyntax(at, "JSON tidak mengenal komentar", "JSON has no comments")
        shown = repr(char)
        return JsonSyntax(at, f"diharapkan {wanted_id}, ditemukan {shown}",
                          f"expected {wanted_en}, found {shown}")


def _trailing_comma(at: int) -> JsonSyntax:
    return JsonSyntax(at, "koma sebelum kurung tutup (koma di akhir) tidak diizinkan di JSON",
                      "a comma before a closing bracket (trailing comma) is not allowed in JSON",
                      "hapus koma terakhir", "remove the last comma")


def _not_json(at: int, word: str) -> JsonSyntax:
    return JsonSyntax(at, f"{word} bukan nilai JSON", f"{word} is not a JSON value",
                      "JSON hanya mengenal angka terhingga, true, false dan null",
                      "JSON knows only finite numbers, true, false and null")
