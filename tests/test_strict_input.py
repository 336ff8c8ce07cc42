"""Strict input: YAML 1.1's surprises are errors, not values (``load/source.py``); strict
JSON with places (``load/jsontext.py``); bounded, located reading (``load/reader.py``)."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from jknrules.errors import CaseError, PolicyError
from jknrules.load import reader
from jknrules.load.loader import load_policy_text
from jknrules.load.source import parse
from jknrules.load.yaml11 import surprise

MINIMAL = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
STEP_AT = '            source: {clause: "Waktu"}\n'


def with_step_minutes(value: str) -> str:
    return MINIMAL.replace(STEP_AT, STEP_AT + "        steps:\n          - {actor: a, action: b, "
                           f"minutes: {value}, source: {{clause: x}}}}\n", 1)


def first(text: str, file: str = "p.yaml") -> tuple[str, int, int, str, str]:
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, file)
    d = info.value.diagnostics[0]
    assert d.span is not None and d.message_id and d.message_en
    return d.code, d.span.line, d.span.column, d.message_en, d.hint_en


# --- YAML 1.1 ---------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "code", "words", "hint"), [
    ("030", "JKN-Y008", "octal number (24), not 30", "write 30, or quote it"),
    ("-030", "JKN-Y008", "octal number (-24)", "write -30"),
    ("00", "JKN-Y008", "octal", "write 0"),
    ("1:30", "JKN-Y008", "base-60 number (90)", "write 90 (minutes)"),
    ("190:20:30", "JKN-Y008", "base-60 number (685230)", "write the number"),
    ("0x1F", "JKN-Y008", "hexadecimal number (31)", "write 31 in decimal"),
    ("0b101", "JKN-Y008", "binary number (5)", "write 5 in decimal"),
    ("1_000", "JKN-Y008", "1000 (underscores are dropped)", "write 1000 without underscores"),
    (".inf", "JKN-Y008", "infinity", "quote it"),
    ("-.inf", "JKN-Y008", "infinity", "quote it"),
    (".NaN", "JKN-Y008", "not-a-number", "quote it"),
    ("1_0.5", "JKN-Y008", "unusual YAML 1.1 form", "quote it"),
    ("3.", "JKN-Y008", "unusual YAML 1.1 form", "quote it"),
    ("1:30.5", "JKN-Y008", "base-60", "quote it"),
    ("1" * 19, "JKN-Y008", "too long (more than 18 digits)", "is text"),
    ("yes", "JKN-Y009", "reads yes as true", "write true, or quote it"),
    ("Off", "JKN-Y009", "reads Off as false", "write false"),
    ("NO", "JKN-Y009", "reads NO as false", '"NO"'),
    ('!!int "030"', "JKN-Y008", "octal", "write 30"),
    ('!!float "nan"', "JKN-Y008", "not-a-number", "quote it"),
    ('!!bool "on"', "JKN-Y009", "as true", "write true"),
    ("true", "JKN-P002", "whole number, not true", "not true/false"),
    ("7.5", "JKN-P002", "whole number, not 7.5", "whole number"),
    ('"30"', "JKN-P002", "whole number, not '30'", "write 30 without quotes"),
    ("100001", "JKN-P002", "too large", ""),
])
def test_yaml_1_1_surprises_are_located_errors(written: str, code: str, words: str,
                                               hint: str) -> None:
    found = first(with_step_minutes(written))
    assert found[0] == code, found
    assert found[1] == 40, found
    assert words in found[3], found
    assert hint in found[4], found


@pytest.mark.parametrize("written", ["!!int 1:x", "!!int abc", "!!int 1.5", "!!int 1:30:x"])
def test_an_int_tag_on_text_that_is_no_number_is_a_located_error(written: str) -> None:
    # ``!!int 1:x`` was a ValueError out of the loader, not a PolicyError
    code, line, _column, message, hint = first(with_step_minutes(written))
    assert (code, message) == ("JKN-Y008", f"{written[6:]} is tagged !!int but is not a "
                                           "whole number")
    assert line > 1 and "remove the !!int tag" in hint


@pytest.mark.parametrize("written", ["30", "+30", "0", "-0", "true", "True", "FALSE", "1.5",
                                     "-0.25", "1.0e+3", "null", "~", "2022-09-28", '"030"',
                                     "'1:30'", '"yes"', "y", "n", "0o17", "1e3"])
def test_what_yaml_1_2_and_json_read_the_same_way_is_accepted(written: str) -> None:
    """Only the forms YAML 1.1 reads differently from YAML 1.2/JSON are refused; quoted
    text is text, and y/n, 0o17, 1e3 are already text in PyYAML."""
    doc = parse(f"a: {written}\n", "p.yaml", PolicyError)
    assert "a" in doc.data


def test_surprise_is_none_for_plain_text_tags() -> None:
    assert surprise("tag:yaml.org,2002:str", "030") is None
    assert surprise("tag:yaml.org,2002:int", "30") is None
    assert surprise("tag:yaml.org,2002:bool", "true") is None


@pytest.mark.parametrize(("key", "code"), [
    ("!!str name", "JKN-Y004"), ("!!python/name:os.system name", "JKN-Y004"),
    ("on", "JKN-Y009"), ("030", "JKN-Y008"),
])
def test_keys_with_tags_or_yaml_1_1_values_are_refused(key: str, code: str) -> None:
    text = MINIMAL.replace("name: Kabupaten Batang", f"{key}: Kabupaten Batang", 1)
    found = first(text)
    assert (found[0], found[1], found[2]) == (code, 3, 1), found


def test_text_fields_keep_quoted_look_alikes() -> None:
    text = MINIMAL.replace('source: {clause: "A"}', 'source: {clause: "1:30"}', 1)
    loaded = load_policy_text(text, "p.yaml")
    service = loaded.policy.versions[0].services["regular_registration"]
    assert service.source.clause == "1:30"
    unquoted = MINIMAL.replace('source: {clause: "A"}', "source: {clause: 1:30}", 1)
    assert first(unquoted)[0] == "JKN-Y008"


@pytest.mark.parametrize("value", ["1664323200", '"1664323200"', "9999-12-31", "1899-12-31"])
def test_policy_dates_are_dates_in_the_calendar(value: str) -> None:
    text = MINIMAL.replace("  - effective_from: 2022-09-28", f"  - effective_from: {value}")
    code, line, *_ = first(text)
    assert (code, line) == ("JKN-P002", 10)


@pytest.mark.parametrize(("old", "new"), [
    ("when: {field: welfare.dtks, equals: none}",
     "when: {field: welfare.desil, at_least: 9007199254740992}"),
    ("when: {field: welfare.dtks, equals: none}",
     "when: {field: welfare.desil, between: [true, 3]}"),
    ("office: dinkes\n", "office: dinkes\n        fee: {amount_idr: 1000000000001, text: x, "
                         "source: {clause: A}}\n"),
    ("office: dinkes\n", "office: dinkes\n        cutoff: {day: 32, source: {clause: A}}\n"),
])
def test_numbers_of_a_policy_are_bounded(old: str, new: str) -> None:
    assert old in MINIMAL
    assert first(MINIMAL.replace(old, new, 1))[0] == "JKN-P002"


# --- strict JSON --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ('{"a": 1,}', 1, 9, "trailing comma"),
    ('[1, 2,\n]', 2, 1, "trailing comma"),
    ('{"a": NaN}', 1, 7, "NaN is not a JSON value"),
    ('{"a": -Infinity}', 1, 7, "-Infinity is not a JSON value"),
    ("{'a': 1}", 1, 2, "double quotes"),
    ('// x\n{"a": 1}', 1, 1, "no comments"),
    ('{"a": 1} {"b": 2}', 1, 10, "text after the end"),
    ('{"a": 1', 1, 8, "the JSON text ends"),
    ('{"a": 1e400}', 1, 7, "out of range"),
    ('{"a": 1' + "0" * 50 + "}", 1, 7, "number too long"),
    ('{"a": "x\ty"}', 1, 9, "invalid quoted text"),
    ('{"a": "\\ud800"}', 1, 7, "lone surrogate"),
    ("{a: 1}", 1, 2, "a key in double quotes"),
])
def test_strict_json_errors_are_located(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(CaseError) as info:
        parse(text, "case.json", CaseError)
    [d] = info.value.diagnostics
    assert d.code == "JKN-Y001" and d.span is not None
    assert (d.span.line, d.span.column) == (line, column), d
    assert words in d.message_en, d
    assert d.message_id != d.message_en


def test_json_places_and_tabs() -> None:
    doc = parse('{\t"a":\t{"b": [1,\n\t2]}}', "case.json", CaseError)
    assert doc.data == {"a": {"b": [1, 2]}}
    assert str(doc.marks[("a",)]) == "case.json:1:3"
    assert str(doc.marks[("a", "b", 1)]) == "case.json:2:2"


def test_json_duplicate_keys_are_all_reported() -> None:
    with pytest.raises(CaseError) as info:
        parse('{"a": 1,\n "a": 2,\n "b": {"c": 1, "c": 2}}', "case.json", CaseError)
    found = [(d.code, d.span.line, d.span.column) for d in info.value.diagnostics if d.span]
    assert found == [("JKN-Y002", 2, 2), ("JKN-Y002", 3, 16)]


def test_json_nesting_is_bounded() -> None:
    with pytest.raises(CaseError) as info:
        parse("[" * 100_000 + "]" * 100_000, "case.json", CaseError)
    assert info.value.diagnostics[0].code == "JKN-Y006"


@pytest.mark.parametrize(("file", "text", "syntax"), [
    ("case.json", "a: 1", "json"), ("case.yaml", '{"a": 1,}', "yaml"),
    ("<stdin>", ' \n{"a": 1}', "json"), ("<stdin>", "a: 1", "yaml"), ("case.txt", "[1]", "json"),
])
def test_the_syntax_follows_the_name_then_the_first_character(file: str, text: str,
                                                              syntax: str) -> None:
    from jknrules.load.source import syntax_of

    assert syntax_of(file, text) == syntax


# --- bounded, located reading -----------------------------------------------------------

def read(tmp_path: Path, data: bytes, **kw: int) -> str:
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    return reader.read_text(path, PolicyError, **kw)


def read_error(tmp_path: Path, data: bytes, **kw: int) -> tuple[str, int, int, str]:
    with pytest.raises(PolicyError) as info:
        read(tmp_path, data, **kw)
    d = info.value.diagnostics[0]
    assert d.span is not None
    return d.code, d.span.line, d.span.column, d.message_en


def test_reading_stops_one_byte_past_the_limit(tmp_path: Path) -> None:
    assert read(tmp_path, b"a" * 10, limit=10) == "a" * 10
    assert read_error(tmp_path, b"a" * 11, limit=10)[0] == "JKN-Y006"


@pytest.mark.parametrize(("data", "line", "column", "words"), [
    (codecs.BOM_UTF16_LE + "a: 1".encode("utf-16-le"), 1, 1, "UTF-16"),
    (codecs.BOM_UTF32_BE + "a: 1".encode("utf-32-be"), 1, 1, "UTF-32"),
    ("a: 1\nb: 2".encode("utf-16-be"), 1, 1, "looks like UTF-16"),
    (b"a: 1\nb: caf\xe9\n", 2, 7, "byte 0xe9"),
    ("a: é\nb: ✓".encode() + b"x\xff", 2, 6, "byte 0xff"),  # columns count characters
    (b"a: 1\n\nb: x\x00y", 3, 5, "NUL"),
])
def test_bytes_that_are_not_utf8_text_are_located(tmp_path: Path, data: bytes, line: int,
                                                 column: int, words: str) -> None:
    code, *place, message = read_error(tmp_path, data)
    assert (code, *place) == ("JKN-F002", line, column), message
    assert words in message


def test_a_utf8_bom_is_dropped(tmp_path: Path) -> None:
    assert read(tmp_path, codecs.BOM_UTF8 + b"a: 1") == "a: 1"


def test_lines_are_streamed_and_each_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + b'{"a": 1}\r\n\n' + b"x" * 50 + b"\n")
    lines = reader.iter_lines(path, CaseError, max_line=20)
    assert next(lines) == (1, '{"a": 1}')
    assert next(lines) == (2, "")
    with pytest.raises(CaseError) as info:
        next(lines)
    d = info.value.diagnostics[0]
    assert d.code == "JKN-Y006" and d.span is not None and d.span.line == 3


def test_a_missing_or_unreadable_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        reader.read_text(tmp_path / "nope.yaml", PolicyError)
    assert info.value.diagnostics[0].code == "JKN-F001"
    with pytest.raises(PolicyError) as info:
        reader.read_text(tmp_path, PolicyError)
    assert info.value.diagnostics[0].code == "JKN-F003"
    with pytest.raises(CaseError) as info:
        reader.iter_lines(tmp_path / "nope.jsonl", CaseError)
    assert info.value.diagnostics[0].code == "JKN-F001"


def test_bounded_text_reads_at_most_the_limit() -> None:
    stream = reader.BoundedText(io.StringIO("x" * 30), "<stdin>", CaseError, limit=20)
    with pytest.raises(CaseError):
        stream.read()
    assert reader.BoundedText(io.StringIO("\ufeffabc"), "<stdin>", CaseError).read() == "abc"


def test_a_byte_order_mark_only_on_the_first_line(tmp_path: Path) -> None:
    """The rule jknrules batch and /v1/batch share (reader.first_line_bom) holds for
    ``diff --cases`` too: a BOM starting a later line is refused, not read."""
    path = tmp_path / "cases.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + b'{"a": 1}\n' + codecs.BOM_UTF8 + b'{"a": 2}\n')
    lines = reader.iter_lines(path, CaseError)
    assert next(lines) == (1, '{"a": 1}')
    with pytest.raises(CaseError) as info:
        next(lines)
    d = info.value.diagnostics[0]
    assert d.code == "JKN-C001" and d.span is not None and d.span.line == 2
    assert "BOM" in d.message_en
