"""YAML (and JSON) text -> plain data plus the place of every node.

Parsing goes through PyYAML's SafeLoader ``compose`` step so that every node
keeps its ``start_mark``. On the way to plain data we refuse what a policy must
never contain: duplicate keys (PyYAML would silently keep the last one),
anchors/aliases (alias bombs; and an officer reading line by line would miss a
shared rule), and any tag beyond the YAML core types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import yaml

from jknrules.errors import Diagnostic, JknrulesError, Span, diag
from jknrules.language.text import Bilingual
from jknrules.load.composer import (
    MAX_DEPTH,
    MAX_NODES,
    Fallback,
    FastLoader,
    Limit,
    PureLoader,
    fast_fits,
)
from jknrules.load.jsontext import JsonLimit, JsonReader, JsonSyntax
from jknrules.load.yaml11 import surprise

Path = tuple[str | int, ...]

MAX_BYTES = 1_000_000

_STR = "tag:yaml.org,2002:str"
_CORE_TAGS = frozenset(
    {
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:timestamp",
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq",
    }
)


@dataclass(frozen=True)
class SourceText:
    """Parsed data with a table of places keyed by YAML path."""

    file: str
    data: Any
    marks: dict[Path, Span]
    lines: tuple[str, ...]

    def span(self, path: Sequence[str | int]) -> Span | None:
        """The place of ``path``, or of its nearest ancestor that exists."""
        p = tuple(path)
        while True:
            if p in self.marks:
                return self.marks[p]
            if not p:
                return None
            p = p[:-1]

    def line_text(self, span: Span | None) -> str:
        if span is None or not 0 < span.line <= len(self.lines):
            return ""
        return self.lines[span.line - 1].rstrip()

    def diag(
        self, code: str, message_id: str, message_en: str, path: Sequence[str | int], **kw: str
    ) -> Diagnostic:
        span = self.span(path)
        return diag(
            code, message_id, message_en, span=span, path=path,
            source_line=self.line_text(span), **kw,
        )


class _Builder:
    def __init__(self, file: str, loader: yaml.constructor.SafeConstructor) -> None:
        self.file = file
        self.loader = loader
        self.marks: dict[Path, Span] = {}
        self.errors: list[Diagnostic] = []
        self.visited: set[int] = set()

    def span(self, node: yaml.Node) -> Span:
        return Span(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: yaml.Node, path: Path, code: str, mid: str, men: str, **kw: str) -> None:
        self.errors.append(diag(code, mid, men, span=self.span(node), path=path, **kw))

    def build(self, node: yaml.Node, path: Path) -> Any:
        if id(node) in self.visited:  # only an alias makes the composer hand out a node twice
            self.fail(
                node, path, "JKN-Y003",
                "alias/anchor YAML (&, *) tidak diizinkan; tulis ulang isinya di sini",
                "YAML aliases/anchors (&, *) are not allowed; write the content out here",
            )
            return None
        if node.tag not in _CORE_TAGS:
            self.fail(
                node, path, "JKN-Y004",
                f"tag YAML '{node.tag}' tidak diizinkan; kebijakan hanya berisi data biasa",
                f"YAML tag '{node.tag}' is not allowed; policies hold plain data only",
            )
            return None
        self.visited.add(id(node))
        self.marks[path] = self.span(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(
                    key_node, path, "JKN-Y005",
                    "kunci harus berupa teks sederhana (tanpa '<<' atau kunci majemuk)",
                    "keys must be plain scalars (no '<<' merges or complex keys)",
                )
                continue
            if getattr(key_node, "explicit_tag", None):
                self.fail(
                    key_node, (*path, key_node.value), "JKN-Y004",
                    f"tag YAML '{key_node.tag}' pada kunci tidak diizinkan",
                    f"a YAML tag ('{key_node.tag}') on a key is not allowed",
                    hint_id="tulis kuncinya sebagai teks biasa", hint_en="write the key as plain text",
                )
                continue
            errors = len(self.errors)
            key = self.scalar(key_node, (*path, key_node.value))
            if len(self.errors) > errors:  # a key YAML 1.1 misreads (``on:``, ``030:``)
                continue
            if not isinstance(key, str | int | bool) or key is None:
                key = str(key)
            if key in out:
                first = self.marks.get((*path, key))
                where = f" (pertama di baris {first.line})" if first else ""
                where_en = f" (first at line {first.line})" if first else ""
                self.fail(
                    key_node, (*path, key), "JKN-Y002",
                    f"kunci '{key}' ditulis dua kali{where}; YAML hanya menyimpan yang terakhir",
                    f"duplicate key '{key}'{where_en}; YAML would keep only the last one",
                    hint_id="gabungkan kedua isi di bawah satu kunci",
                    hint_en="merge both entries under one key",
                )
                continue
            key_path, key_span = (*path, key), self.span(key_node)
            self.marks[key_path] = key_span
            out[key] = self.build(value_node, key_path)
            # the key's own place is more useful than the value's for messages
            self.marks[key_path] = key_span
        return out


    def scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        """The scalar's value; one that only looks like a date or number but is not
        (``2022-13-28``) stays text, so the schema check can say what was expected. A
        scalar YAML 1.1 reads as something other than it looks (``030``, ``1:30``,
        ``yes``, ``.inf``) is an error (:func:`surprise`)."""
        problem = surprise(node.tag, node.value)
        if problem is not None:
            code, message_id, message_en, hint_id, hint_en = problem
            self.fail(node, path, code, message_id, message_en, hint_id=hint_id, hint_en=hint_en)
            return None
        if node.tag == _STR:  # what the safe constructor gives for text, without its bookkeeping
            value = node.value
        else:
            try:
                value = self.loader.construct_object(node, deep=True)
            except (ValueError, OverflowError, yaml.constructor.ConstructorError):
                return node.value
        if isinstance(value, str) and not value.isascii() and not _encodable(value):
            self.fail(node, path, "JKN-Y001",
                      "teks memuat surrogate tunggal (\\ud800–\\udfff), bukan karakter",
                      "the text holds a lone surrogate (\\ud800–\\udfff), not a character")
            return None
        return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: The YAML parser's usual complaints, said for an officer: (start of the parser's
#: text, its meaning). The parser's own text is kept beside them.
_SYNTAX_WORDS: tuple[tuple[str, Bilingual], ...] = (
    ("expected <block end>, but found '-'", Bilingual(
        "butir daftar '-' tidak sejajar dengan baris di atasnya",
        "a list item '-' does not line up with the lines above")),
    ("expected <block end>, but found '<scalar>'", Bilingual(
        "ada teks sesudah nilai yang sudah selesai (mis. sesudah tanda kutip penutup), atau "
        "indentasi tidak sejajar",
        "text after a finished value (e.g. after a closing quote), or indentation that does "
        "not line up")),
    ("expected <block end>", Bilingual(
        "indentasi tidak sejajar dengan baris di atasnya",
        "the indentation does not line up with the lines above")),
    ("mapping values are not allowed here", Bilingual(
        "titik dua di dalam nilai: beri tanda kutip pada teks yang memuat ': '",
        "a colon inside a value: put text that contains ': ' in quotes")),
    ("could not find expected ':'", Bilingual(
        "tanda ':' tidak ditemukan (kunci tanpa titik dua, atau tanda kutip yang tidak ditutup)",
        "a ':' is missing (a key without a colon, or a quote that is not closed)")),
    ("found character '\\t' that cannot start any token", Bilingual(
        "tab tidak boleh dipakai untuk indentasi; pakai spasi",
        "tabs cannot indent YAML; use spaces")),
    ("found unexpected end of stream", Bilingual(
        "berkas berakhir sebelum tanda kutip atau kurung ditutup",
        "the file ends before a quote or bracket is closed")),
    ("expected ',' or ']'", Bilingual(
        "daftar dalam kurung [ ] tidak ditutup atau butirnya tidak dipisah koma",
        "a [ ] list is not closed, or its items are not separated by commas")),
    ("expected ',' or '}'", Bilingual(
        "pemetaan dalam kurung { } tidak ditutup atau isinya tidak dipisah koma",
        "a { } mapping is not closed, or its entries are not separated by commas")),
)


def _syntax_in_words(problem: str) -> Bilingual:
    for start, words in _SYNTAX_WORDS:
        if problem.startswith(start):
            return words
    return _SYNTAX_ERROR


_SYNTAX_ERROR = Bilingual("kesalahan penulisan", "syntax error")


Syntax = Literal["yaml", "json"]


def syntax_of(file: str, text: str) -> Syntax:
    """How a document is read: ``*.json``/``*.jsonl`` as strict JSON, ``*.yaml``/``*.yml``
    as YAML; anything else (``<stdin>``, another suffix) as JSON when its first
    character (after white space) is ``{`` or ``[``, else as YAML."""
    suffix = file.rsplit(".", 1)[-1].lower() if "." in file else ""
    if suffix in ("json", "jsonl"):
        return "json"
    if suffix in ("yaml", "yml"):
        return "yaml"
    return "json" if text.lstrip(" \t\r\n\ufeff")[:1] in ("{", "[") else "yaml"


def parse(
    text: str,
    file: str,
    error: Callable[[list[Diagnostic]], JknrulesError],
    *,
    syntax: Syntax | None = None,
) -> SourceText:
    """Parse one YAML or JSON document (``syntax``, default :func:`syntax_of`); raise
    ``error(diagnostics)`` on any problem. A leading byte order mark is dropped."""
    if len(text) > MAX_BYTES:
        raise error([diag(
            "JKN-Y006",
            f"berkas terlalu besar ({len(text)} karakter; batas {MAX_BYTES})",
            f"file too large ({len(text)} characters; limit {MAX_BYTES})",
            span=Span(file, 1, 1),
        )])
    text = text.removeprefix("\ufeff")
    if (syntax or syntax_of(file, text)) == "json":
        return parse_json(text, file, error)
    lines = tuple(text.splitlines())
    return _parse_yaml(text, file, error, lines)


def _parse_yaml(text: str, file: str, error: Callable[[list[Diagnostic]], JknrulesError],
                lines: tuple[str, ...], *, fast: bool = True) -> SourceText:
    """A YAML document read with libyaml's parser (:data:`FastLoader`) when ``fast`` and
    present; when that finds anything wrong, or without it, read again with PyYAML's
    pure-Python parser, whose diagnostics are the ones given."""
    if fast:
        read = _read_fast(text, file, lines)
        if read is not None:
            return read
    try:
        loader = PureLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (NUL, a control code)
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        span = Span(file, line, column)
        raise error([diag(
            "JKN-Y001",
            f"YAML tidak valid: karakter U+{exc.character:04X} tidak diizinkan",
            f"invalid YAML: character U+{exc.character:04X} is not allowed",
            span=span, source_line=_line(lines, span),
            hint_id="hapus karakter kendali ini; simpan berkas sebagai teks UTF-8",
            hint_en="remove this control character; save the file as UTF-8 text",
        )]) from None
    except yaml.YAMLError as exc:
        raise error([diag(
            "JKN-Y001", f"YAML tidak valid: {exc}", f"invalid YAML: {exc}", span=Span(file, 1, 1)
        )]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise error([diag(
                "JKN-Y007", "berkas kosong", "the file is empty", span=Span(file, 1, 1)
            )])
        builder = _Builder(file, loader)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file, 1, 1)
        problem = exc.problem or exc.context or "syntax error"
        said = _syntax_in_words(problem)
        raise error([diag(
            "JKN-Y001",
            f"YAML tidak valid: {said.id} (pengurai: {problem})",
            f"invalid YAML: {said.en} (parser: {problem})",
            span=span,
            source_line=_line(lines, span),
            hint_id="periksa indentasi, titik dua dan tanda kutip di baris ini",
            hint_en="check indentation, colons and quotes on this line",
        )]) from None
    except yaml.YAMLError as exc:
        raise error([diag(
            "JKN-Y001", f"YAML tidak valid: {exc}", f"invalid YAML: {exc}", span=Span(file, 1, 1)
        )]) from None
    except Limit as exc:
        what = ("dalam", "deeply nested", MAX_DEPTH) if exc.deep else ("besar", "large", MAX_NODES)
        raise error([diag(
            "JKN-Y006",
            f"dokumen terlalu {what[0]} (batas {what[2]} simpul/tingkat)",
            f"document too {what[1]} (limit {what[2]})",
            span=Span(file, exc.mark.line + 1, exc.mark.column + 1),
        )]) from None
    except RecursionError:
        raise error([diag(
            "JKN-Y006", "dokumen terlalu dalam", "document nested too deeply", span=Span(file, 1, 1)
        )]) from None
    finally:
        loader.dispose()
    if builder.errors:
        lines_errs = [
            replace(
                d, source_line=lines[d.span.line - 1]
                if d.span and 0 < d.span.line <= len(lines) else "",
            )
            for d in builder.errors
        ]
        raise error(lines_errs)
    return SourceText(file, data, builder.marks, lines)


def _read_fast(text: str, file: str, lines: tuple[str, ...]) -> SourceText | None:
    """The document as :class:`FastLoader` reads it, or ``None`` when anything is wrong
    with it (then the pure-Python parser reads it again to say what), or when it is
    written in a way libyaml reads differently (:func:`fast_fits`)."""
    if FastLoader is None or not fast_fits(text):
        return None
    try:
        loader = FastLoader(text)
        try:
            node = loader.get_single_node()
            if node is None or (isinstance(node, yaml.ScalarNode) and not node.value):
                return None  # an empty document: libyaml places it differently
            builder = _Builder(file, loader)
            data = builder.build(node, ())
        finally:
            loader.dispose()
    except (yaml.YAMLError, UnicodeError, Limit, Fallback, RecursionError):
        return None
    if builder.errors:
        return None
    return SourceText(file, data, builder.marks, lines)


def _line(lines: Sequence[str], span: Span) -> str:
    return lines[span.line - 1] if 0 < span.line <= len(lines) else ""


def parse_json(
    text: str,
    file: str,
    error: Callable[[list[Diagnostic]], JknrulesError],
    *,
    first_line: int = 1,
) -> SourceText:
    """Parse one strict JSON document (:mod:`jknrules.load.jsontext`); ``first_line``
    is the line the text starts on (a line of a JSON Lines file)."""
    if not text.strip(" \t\r\n"):
        raise error([diag(
            "JKN-Y007", "berkas kosong", "the file is empty", span=Span(file, first_line, 1)
        )])
    lines = tuple(text.split("\n"))
    reader = JsonReader(text, file, max_depth=MAX_DEPTH, max_nodes=MAX_NODES,
                        first_line=first_line)
    try:
        data = reader.read()
    except JsonSyntax as exc:
        span = reader.span(exc.at)
        raise error([diag(
            "JKN-Y001", f"JSON tidak valid: {exc.message.id}", f"invalid JSON: {exc.message.en}",
            span=span, source_line=_line(lines, Span(file, span.line - first_line + 1, 1)),
            hint_id=exc.hint.id if exc.hint else "", hint_en=exc.hint.en if exc.hint else "",
        )]) from None
    except JsonLimit as exc:
        what = ("dalam", "deeply nested", MAX_DEPTH) if exc.deep else ("besar", "large", MAX_NODES)
        raise error([diag(
            "JKN-Y006",
            f"dokumen terlalu {what[0]} (batas {what[2]} simpul/tingkat)",
            f"document too {what[1]} (limit {what[2]})",
            span=reader.span(exc.at),
        )]) from None
    if reader.errors:
        raise error([
            replace(d, source_line=_line(lines, Span(file, d.span.line - first_line + 1, 1)))
            if d.span else d for d in reader.errors
        ])
    return SourceText(file, data, reader.marks, lines)
