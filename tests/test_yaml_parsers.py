"""libyaml's parser against PyYAML's pure-Python one (``load/composer.py``): a document
reads the same way, to the type of every value and the line and column of every node,
and every problem is said in the same words at the same place, whichever reads first.

The inputs: the shipped policies, every YAML fixture under ``tests/``, generated
documents (``yaml.dump`` of generated data in every style), token soup that is mostly
broken YAML, and the shipped policies with small edits (a token put in, a character
taken out, a line indented differently).
"""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jknrules.errors import Diagnostic, PolicyError
from jknrules.load import source
from jknrules.load.composer import FastLoader

pytestmark = pytest.mark.skipif(FastLoader is None, reason="PyYAML built without libyaml")

ROOT = Path(__file__).parent.parent
POLICIES = sorted((ROOT / "policies").glob("*.yaml"))


def _fixture_texts() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "tests").rglob("*")):
        name = path.name
        if not name.endswith((".yaml", ".yml", ".yaml.gz")):
            continue
        data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # refused by the reader before any parser sees it
            continue
        out.append((str(path.relative_to(ROOT)), text))
    return out


FIXTURES = _fixture_texts()


def typed(value: Any) -> Any:
    """``value`` with the type of every part, so that ``1``, ``1.0`` and ``True`` differ."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, repr(value))


def outcome(text: str, fast: bool) -> tuple[Any, ...]:
    """What a reader of ``text`` is given: the data, with its types and places, or the
    diagnostics (code, place, both messages, hints, the source line shown)."""
    lines = tuple(text.splitlines())
    try:
        read = source._parse_yaml(text, "p.yaml", PolicyError, lines, fast=fast)
    except PolicyError as exc:
        return ("error", tuple(exc.diagnostics))
    return ("ok", typed(read.data), read.marks, read.lines)


def fast_only(text: str) -> tuple[Any, ...] | None:
    """The document as libyaml's parser reads it, before any fallback; ``None`` when it
    finds something wrong."""
    read = source._read_fast(text, "p.yaml", tuple(text.splitlines()))
    return None if read is None else ("ok", typed(read.data), read.marks, read.lines)


def same(text: str) -> tuple[Any, ...]:
    pure = outcome(text, fast=False)
    fast = fast_only(text)
    if fast is not None:  # libyaml read it: the pure parser must read the very same
        assert fast == pure, text
    assert outcome(text, fast=True) == pure, text
    return pure


# --- the files --------------------------------------------------------------------------

@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_shipped_policy_reads_the_same_and_through_libyaml(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = fast_only(text)
    assert fast is not None, "libyaml's parser must read a shipped policy (the fast path)"
    assert fast == outcome(text, fast=False)
    assert len(fast[2]) > 200  # places of every node, not of the top only


@pytest.mark.parametrize(("name", "text"), FIXTURES, ids=[n for n, _ in FIXTURES])
def test_every_fixture_reads_or_fails_the_same(name: str, text: str) -> None:
    same(text)


def test_the_fixtures_cover_both_outcomes() -> None:
    kinds = {same(text)[0] for _, text in FIXTURES}
    assert kinds == {"ok", "error"}
    codes = {d.code for _, text in FIXTURES if (o := same(text))[0] == "error" for d in o[1]}
    assert {"JKN-Y001", "JKN-Y002", "JKN-Y003", "JKN-Y004", "JKN-Y005", "JKN-Y006",
            "JKN-Y008", "JKN-Y009"} <= codes


# --- what is said about bad YAML: the pure parser's words, places and source lines ----

@pytest.mark.parametrize(("text", "code", "line", "column", "words"), [
    ("a: 1\na: 2\n", "JKN-Y002", 2, 1, "duplicate key 'a' (first at line 1)"),
    ("a:\n\tb: 1\n", "JKN-Y001", 2, 1, "tabs cannot indent YAML"),
    ("a: 'x\n", "JKN-Y001", 2, 1, "the file ends before a quote or bracket is closed"),
    ("a: [1, 2\n", "JKN-Y001", 2, 1, "a [ ] list is not closed"),
    ("a: &x 1\nb: *x\n", "JKN-Y003", 1, 4, "aliases/anchors"),  # the anchored node's place
    ("a: !!python/name:os.system 1\n", "JKN-Y004", 1, 4, "YAML tag"),
    ("<<: {a: 1}\n", "JKN-Y005", 1, 1, "keys must be plain scalars"),
    ("? [a]\n: 1\n", "JKN-Y005", 1, 3, "keys must be plain scalars"),
    ("a: 030\n", "JKN-Y008", 1, 4, "octal number (24)"),
    ("on: 1\n", "JKN-Y009", 1, 1, "YAML 1.1 reads on as true"),
    ("a: b: c\n", "JKN-Y001", 1, 5, "a colon inside a value"),
    ("a: 1\n---\nb: 2\n", "JKN-Y001", 2, 1, "(parser: but found another document)"),
    ("a:\n  - b\n c: 1\n", "JKN-Y001", 3, 2, "invalid YAML"),
    ("a: |#\n  x\n", "JKN-Y001", 1, 5, "expected chomping or indentation indicators"),
    ("{a? b: 1}\n", "JKN-Y001", 1, 3, "a { } mapping is not closed"),
    ("a: b\t\n", "JKN-Y001", 1, 5, "tabs cannot indent YAML"),
    ("a: !!int 1:x\n", "JKN-Y008", 1, 4, "is tagged !!int but is not a whole number"),
    ("a: \x07\n", "JKN-Y001", 1, 4, "character U+0007 is not allowed"),
    ("a: \ud800\n", "JKN-Y001", 1, 4, "character U+D800 is not allowed"),
])
def test_a_problem_is_said_as_the_pure_parser_says_it(
        text: str, code: str, line: int, column: int, words: str) -> None:
    kind, diagnostics = same(text)
    assert kind == "error"
    first: Diagnostic = diagnostics[0]
    assert first.span is not None
    assert (first.code, first.span.line, first.span.column) == (code, line, column)
    assert words in first.message_en
    assert fast_only(text) is None  # libyaml's path gave way to the pure parser


@pytest.mark.parametrize("text", [
    "a: 1\n\ufeffb: 2\n", "a: '\tx'\n", "a: 'x?'\n", "a: \"\u2028\"\n", "--- # c", "---",
    "a: &x 1\n", "a: &x 1\nb: &x 2\n", "&k a: 1\n*k : 2\n", "a: 1\n---\nb: 2\n",
])
def test_what_libyaml_reads_differently_is_left_to_the_pure_parser(text: str) -> None:
    same(text)
    assert fast_only(text) is None


def test_without_libyaml_the_pure_parser_reads_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    text = POLICIES[0].read_text(encoding="utf-8")
    monkeypatch.setattr(source, "FastLoader", None)
    assert fast_only(text) is None
    assert outcome(text, fast=True) == outcome(text, fast=False)
    assert outcome(text, fast=True)[0] == "ok"


# --- generated documents ----------------------------------------------------------------

_KEYS = st.one_of(st.text(max_size=8), st.sampled_from(
    ["on", "yes", "030", "1:30", "null", "~", "2024-01-31", "a b", "-x", "?", "#", "&a"]))
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.sampled_from(["030", "0x1F", "1_000", "1:30", "yes", "No", "on", ".inf", "2022-13-28",
                     "a: b", "- x", "'q'", '"q"', "\t", " lead", "trail ", "\u2028", "\x85",
                     "é ü 中", "\U0001f600", "\\", "line\nbreak", "%", "@", "`", "!tag"]))
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=20)
_STYLES = st.sampled_from([None, "", "'", '"', "|", ">"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_DATA, flow=st.sampled_from([None, True, False]), style=_STYLES,
       width=st.sampled_from([8, 40, 80]), indent=st.sampled_from([2, 4]),
       unicode=st.booleans())
def test_dumped_data_reads_the_same(data: Any, flow: bool | None, style: str | None,
                                    width: int, indent: int, unicode: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, default_style=style, width=width,
                          indent=indent, allow_unicode=unicode)
    read = same(text)
    if read[0] == "ok":  # the values are PyYAML's own, keys made text as the builder does
        assert read[1] == typed(_keys_as_built(yaml.safe_load(text)))


def _keys_as_built(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k if isinstance(k, str | int | bool) and k is not None else str(k)):
                _keys_as_built(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys_as_built(v) for v in value]
    return value


_TOKENS = st.sampled_from([
    "a", "key", "b c", ":", ": ", "- ", "-", "\n", "  ", "    ", "\t", "'", '"', "[", "]",
    "{", "}", ",", "#", " # c", "&a ", "*a", "!!str ", "!!int ", "!x ", "<<", "? ", "|", ">",
    "|-", "---", "...", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "yes", "030", "1:30", "0x1F",
    ".nan", "2022-13-28", "2024-01-31", "12:00", "é", "中", "\U0001f600", "\\", "\\x41",
    "\\u00e9", "\\/", "\r\n", "\u2028", "\x85", "\ufeff", "\x07", "~", "null", "1e3", "0.5",
])


@settings(max_examples=600, deadline=None)
@given(st.lists(_TOKENS, max_size=40))
def test_token_soup_reads_or_fails_the_same(tokens: list[str]) -> None:
    same("".join(tokens))


_POLICY_TEXTS = [p.read_text(encoding="utf-8") for p in POLICIES]


@st.composite
def _edited_policy(draw: st.DrawFn) -> str:
    """A run of lines from a shipped policy with a few small edits."""
    lines = draw(st.sampled_from(_POLICY_TEXTS)).splitlines(keepends=True)
    start = draw(st.integers(0, len(lines) - 1))
    lines = lines[start:start + draw(st.integers(1, 60))]
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["insert", "delete", "indent", "dedent", "repeat"]))
        line = lines[i]
        at = draw(st.integers(0, len(line)))
        if edit == "insert":
            lines[i] = line[:at] + draw(_TOKENS) + line[at:]
        elif edit == "delete":
            lines[i] = line[:at] + line[at + 1:]
        elif edit == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + line
        elif edit == "dedent":
            lines[i] = line.lstrip(" ")
        else:
            lines.insert(i, line)
    return "".join(lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_edited_policy())
def test_edited_policies_read_or_fail_the_same(text: str) -> None:
    same(text)
