"""YAML (and JSON) text -> plain data plus the place of every node.

Parsing goes through PyYAML's SafeLoader ``compose`` step so that every node
keeps its ``start_mark``. On the way to plain data we refuse what a policy must
never contain: duplicate keys (PyYAML would silently keep the last one),
anchors/aliases (alias bombs; and an officer reading line by line would miss a
shared rule), and any tag beyond the YAML core types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from jknrules.errors import Diagnostic, JknrulesError, Span, diag

Path = tuple[str | int, ...]

MAX_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_NODES = 50_000

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
    def __init__(self, file: str, loader: _BoundedLoader) -> None:
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
            return self.scalar(node)
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
            key = self.scalar(key_node)
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
            self.marks[(*path, key)] = self.span(key_node)
            out[key] = self.build(value_node, (*path, key))
            # the key's own place is more useful than the value's for messages
            self.marks[(*path, key)] = self.span(key_node)
        return out


    def scalar(self, node: yaml.ScalarNode) -> Any:
        """The scalar's value; one that only looks like a date or number but is not
        (``2022-13-28``) stays text, so the schema check can say what was expected."""
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.constructor.ConstructorError):
            return node.value


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that stops composing once a document is too large or too deep, so a
    hostile file costs bounded time and memory."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._nodes += 1
        self._depth += 1
        try:
            if self._nodes > MAX_NODES or self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _Limit(event.start_mark, self._depth > MAX_DEPTH)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Limit(Exception):
    def __init__(self, mark: yaml.Mark, deep: bool) -> None:
        self.mark = mark
        self.deep = deep


#: The YAML parser's usual complaints, said for an officer: (start of the parser's
#: text, Indonesian, English). The parser's own text is kept beside them.
_SYNTAX_WORDS: tuple[tuple[str, str, str], ...] = (
    ("expected <block end>, but found '-'",
     "butir daftar '-' tidak sejajar dengan baris di atasnya",
     "a list item '-' does not line up with the lines above"),
    ("expected <block end>, but found '<scalar>'",
     "ada teks sesudah nilai yang sudah selesai (mis. sesudah tanda kutip penutup), atau "
     "indentasi tidak sejajar",
     "text after a finished value (e.g. after a closing quote), or indentation that does "
     "not line up"),
    ("expected <block end>",
     "indentasi tidak sejajar dengan baris di atasnya",
     "the indentation does not line up with the lines above"),
    ("mapping values are not allowed here",
     "titik dua di dalam nilai: beri tanda kutip pada teks yang memuat ': '",
     "a colon inside a value: put text that contains ': ' in quotes"),
    ("could not find expected ':'",
     "tanda ':' tidak ditemukan (kunci tanpa titik dua, atau tanda kutip yang tidak ditutup)",
     "a ':' is missing (a key without a colon, or a quote that is not closed)"),
    ("found character '\\t' that cannot start any token",
     "tab tidak boleh dipakai untuk indentasi; pakai spasi",
     "tabs cannot indent YAML; use spaces"),
    ("found unexpected end of stream",
     "berkas berakhir sebelum tanda kutip atau kurung ditutup",
     "the file ends before a quote or bracket is closed"),
    ("expected ',' or ']'",
     "daftar dalam kurung [ ] tidak ditutup atau butirnya tidak dipisah koma",
     "a [ ] list is not closed, or its items are not separated by commas"),
    ("expected ',' or '}'",
     "pemetaan dalam kurung { } tidak ditutup atau isinya tidak dipisah koma",
     "a { } mapping is not closed, or its entries are not separated by commas"),
)


def _syntax_in_words(problem: str) -> tuple[str, str]:
    for start, words_id, words_en in _SYNTAX_WORDS:
        if problem.startswith(start):
            return words_id, words_en
    return "kesalahan penulisan", "syntax error"


def parse(
    text: str,
    file: str,
    error: Callable[[list[Diagnostic]], JknrulesError],
) -> SourceText:
    """Parse one YAML/JSON document; raise ``error(diagnostics)`` on any problem."""
    lines = tuple(text.splitlines())
    if len(text) > MAX_BYTES:
        raise error([diag(
            "JKN-Y006",
            f"berkas terlalu besar ({len(text)} karakter; batas {MAX_BYTES})",
            f"file too large ({len(text)} characters; limit {MAX_BYTES})",
            span=Span(file, 1, 1),
        )])
    try:
        loader = _BoundedLoader(text)
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
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
        said_id, said_en = _syntax_in_words(problem)
        raise error([diag(
            "JKN-Y001",
            f"YAML tidak valid: {said_id} (pengurai: {problem})",
            f"invalid YAML: {said_en} (parser: {problem})",
            span=span,
            source_line=lines[span.line - 1] if 0 < span.line <= len(lines) else "",
            hint_id="periksa indentasi, titik dua dan tanda kutip di baris ini",
            hint_en="check indentation, colons and quotes on this line",
        )]) from None
    except yaml.YAMLError as exc:
        raise error([diag(
            "JKN-Y001", f"YAML tidak valid: {exc}", f"invalid YAML: {exc}", span=Span(file, 1, 1)
        )]) from None
    except _Limit as exc:
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
            Diagnostic(
                d.code, d.message_id, d.message_en, d.span, d.path, d.hint_id, d.hint_en,
                lines[d.span.line - 1] if d.span and 0 < d.span.line <= len(lines) else "",
            )
            for d in builder.errors
        ]
        raise error(lines_errs)
    return SourceText(file, data, builder.marks, lines)
