"""The fast case reader accepts and refuses exactly what the pydantic ``Case`` model does,
and reads the same facts (a differential test over generated and hostile values)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.api import read_case
from jknrules.errors import CaseError
from jknrules.language import reader
from jknrules.language.case import Case, case_facts
from jknrules.language.fields import FIELDS, INT_LIMIT, PARTS, CaseField
from jknrules.language.reader import read_fast
from jknrules.load.loader import case_from_data


class Text(str):
    """A ``str`` subclass (the model reads it; the fast reader leaves it to the model)."""


class Number(int):
    pass


_HOSTILE: list[Any] = [
    None, True, False, 0, 1, -1, 3, 10, 11, INT_LIMIT, INT_LIMIT + 1, -INT_LIMIT - 1, 2**64,
    3.0, float("nan"), "", " ", "3", "yes", "none", "٣", "３", b"2026-02-03", [], {}, (),
    ["kk"], Text("none"), Number(3), "karangasem", "KARANGASEM ", "5107", "bangli",
    "bangli\n", "karangasem\n", "3325016504880002", "3325016504880002\n",
    "33250165048800021", "٣٣٢٥٠١٦٥٠٤٨٨٠٠٠٢", "2000-01-01", "2000-01-01\n",
    "2000-01-01T00:00:00", "2000-02-30", "1899-12-31", "2100-12-31", "2101-01-01",
    "2026-02-03T09:00:00", "2026-02-03T09:00", "2026-02-03", "2026-02-03 09:00:00",
    "2026-02-03t09:00:00", "2026-02-03T09:00:00Z", "2026-02-03T09:00:00z",
    "2026-02-03T09:00:00.5", "2026-02-03T09:00:00.1234567", "2026-02-03T09:00:00+08:00",
    "2026-02-03T09:00:00+0800", "2026-02-03T09:00:00+23:59", "2026-02-03T09:00:00-23:59",
    "2026-02-03T09:00:00+24:00", "2026-02-03T09:00:00+08:60", "2026-02-03T24:00:00",
    "2026-02-03T09:00:60", "1900-01-01T00:30:00+01:00", "2100-12-31T23:30:00-01:00",
    "1900-01-01T00:00:00", "2100-12-31T23:59:59.999999", "1700000000", 1700000000,
    dt.date(2000, 1, 1), dt.datetime(2026, 2, 3, 9), dt.date(1899, 12, 31),
    dt.datetime(2026, 2, 3, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    dt.datetime(1900, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
]


def _valid(f: CaseField) -> st.SearchStrategy[Any]:
    """Values the field takes (in the forms JSON gives)."""
    if f.kind == "enum":
        return st.sampled_from(f.values)
    if f.kind == "bool":
        return st.booleans()
    if f.kind == "int":
        low = f.minimum if f.minimum is not None else -INT_LIMIT
        high = f.maximum if f.maximum is not None else INT_LIMIT
        ints = st.integers(low - 2, high + 2) if f.maximum is not None else st.one_of(
            st.integers(low - 2, low + 100), st.integers(high - 2, high + 2))
        return st.one_of(st.none(), ints) if f.nullable else ints
    if f.kind == "date":
        return st.dates(dt.date(1890, 1, 1), dt.date(2110, 12, 31)).map(dt.date.isoformat)
    if f.kind == "datetime":
        offsets = st.one_of(st.just(""), st.just("Z"), st.builds(
            lambda sign, h, m: f"{sign}{h:02d}:{m:02d}", st.sampled_from("+-"),
            st.integers(0, 23), st.integers(0, 59)))
        return st.builds(
            lambda moment, spec, offset: moment.isoformat(timespec=spec) + offset,
            st.datetimes(dt.datetime(1899, 12, 30), dt.datetime(2101, 1, 2)),
            st.sampled_from(["minutes", "seconds", "microseconds", "milliseconds"]), offsets)
    if f.kind == "documents":
        ids = st.sampled_from((*f.values, "kartu_keluarga"))
        return st.one_of(st.none(), st.lists(ids, max_size=4))
    if f.kind == "regency":
        return st.sampled_from(["karangasem", "batang", "malinau", "3325", "6502", "bangli",
                                "Batang", " malinau ", "karang asem", "9999", "x_y"])
    return st.sampled_from(["3325016504880002", "1234567890123456", "123", "abcdefghijklmnop"])


def _value(f: CaseField) -> st.SearchStrategy[Any]:
    """Mostly a value of the field's domain (so most cases are otherwise valid and the one
    hostile value decides), sometimes a hostile one."""
    return st.integers(0, 7).flatmap(
        lambda pick: st.sampled_from(_HOSTILE) if pick == 0 else _valid(f))


@st.composite
def _cases(draw: st.DrawFn) -> dict[str, Any]:
    case: dict[str, Any] = {}
    for f in FIELDS:
        if f.part is None and (f.required and draw(st.integers(0, 30)) or draw(st.booleans())):
            case[f.name] = draw(_value(f))
    for part in PARTS:
        if not draw(st.booleans()):
            continue
        if draw(st.integers(0, 20)) == 0:
            case[part] = draw(st.sampled_from([None, [], "x", {"unknown": 1}]))
            continue
        members = [f for f in FIELDS if f.part == part]
        chosen = draw(st.lists(st.sampled_from(members), unique=True, max_size=len(members)))
        case[part] = {f.key: draw(_value(f)) for f in chosen}
    if draw(st.integers(0, 20)) == 0:
        case[draw(st.sampled_from(["extra", "Regency", "welfare.desil", 1]))] = 1
    if case and draw(st.integers(0, 20)) == 0:  # a name given as a ``str`` subclass
        name = draw(st.sampled_from(sorted(map(str, case))))
        case = {Text(k) if k == name else k: v for k, v in case.items()}
    return case


def _model(data: dict[str, Any]) -> tuple[Any, ...] | None:
    try:
        case = Case.model_validate(data)
    except CaseError:
        return None
    return case.regency, case.submitted_at, case.documents, case_facts(case)


def _same_moment(a: dt.datetime, b: dt.datetime) -> bool:
    return a.replace(tzinfo=None) == b.replace(tzinfo=None) and a.utcoffset() == b.utcoffset()


_CANONICAL_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?)?")


def _canonical(f: CaseField, value: Any) -> bool:
    """A value in the forms the fast reader covers itself (JSON's types, plain ISO 8601)."""
    if f.kind == "date":
        return type(value) is dt.date or (
            type(value) is str and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) is not None)
    if f.kind == "datetime":
        return type(value) is dt.datetime or (
            type(value) is str and _CANONICAL_MOMENT.fullmatch(value) is not None)
    if f.kind == "documents":
        return value is None or type(value) is list and all(type(v) is str for v in value)
    return value is None or type(value) in (str, int, bool)


def _all_canonical(data: dict[str, Any]) -> bool:
    by_part = {(f.part, f.key): f for f in FIELDS}
    for name, value in data.items():
        if name in PARTS:
            if type(value) is not dict:
                return False
            if not all((name, k) in by_part and _canonical(by_part[name, k], v)
                       for k, v in value.items()):
                return False
        elif (None, name) in by_part and not _canonical(by_part[None, name], value):
            return False
    return True


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases())
def test_fast_reader_equals_the_model(data: dict[str, Any]) -> None:
    expected = _model(data)
    fast = read_fast(data)
    if fast is not None:
        # never accepts what the model refuses, and reads the same facts
        assert expected is not None, data
        regency, moment, documents, facts = expected
        assert fast.regency == regency
        assert _same_moment(fast.submitted_at, moment)
        assert fast.documents == (None if documents is None else tuple(documents))
        assert fast.facts == facts
        for name, value in facts.items():
            assert type(fast.facts[name]) is type(value), name
    elif expected is not None:
        # a valid case the reader leaves to the model has a value outside the JSON forms
        assert not _all_canonical(data), data
    # the API's reader (fast, then the model) accepts and refuses as the model does
    try:
        read = read_case(data)
    except jknrules.CaseError:
        assert expected is None
    else:
        assert expected is not None
        assert read.facts == expected[3]
        assert _same_moment(read.submitted_at, expected[1])


@pytest.mark.parametrize("value", _HOSTILE, ids=repr)
@pytest.mark.parametrize("name", [f.name for f in FIELDS])
def test_every_hostile_value_in_every_field(name: str, value: Any) -> None:
    data: dict[str, Any] = {"regency": "batang", "submitted_at": "2026-02-03T09:00:00"}
    part, _, key = name.rpartition(".")
    if part:
        data[part] = {key: value}
    else:
        data[name] = value
    expected = _model(data)
    fast = read_fast(data)
    if fast is not None:
        assert expected is not None
        assert fast.facts == expected[3]
        assert fast.regency == expected[0]
        assert _same_moment(fast.submitted_at, expected[1])
    elif expected is not None:
        assert not _all_canonical(data)


def test_errors_are_the_models(policies: jknrules.PolicySet) -> None:
    """An invalid case is explained by the model: the same code, place and words."""
    bad = {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
           "welfare": {"desil": "3"}, "membership": {"status": "none", "segment": "ppu"}}
    with pytest.raises(jknrules.CaseError) as fast:
        jknrules.evaluate(bad, policies)
    with pytest.raises(jknrules.CaseError) as model:
        case_from_data(bad)
    assert [d.code for d in fast.value.diagnostics] == ["JKN-C002", "JKN-C002"]
    assert fast.value.diagnostics == model.value.diagnostics


def test_result_is_the_same_from_a_dict_and_from_a_case(policies: jknrules.PolicySet) -> None:
    data = {"regency": "5107", "submitted_at": "2026-02-03T19:00:00+08:00",
            "welfare": {"desil": None, "dtks": "none"}, "health": {"emergency": True},
            "documents": ["kk", "ktp"]}
    assert read_fast(data) is not None
    from_dict = jknrules.evaluate(data, policies).to_json()
    from_case = jknrules.evaluate(Case.model_validate(data), policies).to_json()
    assert from_dict == from_case


#: the shapes of dates and moments the fast reader reads itself (``reader._MOMENT_SHAPES``
#: and the offset's range are checked against these)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?")
#: the characters of those shapes, and their neighbours (other digits, separators, cases)
_SHAPE_CHARS = "0123456789-T:.Z+-tz ,/٣３\n\x00é"


def _shape_texts() -> st.SearchStrategy[str]:
    """Moments as ISO text, then mutated: a character replaced, inserted or dropped."""
    valid = _valid(reader_fields["submitted_at"])
    edit = st.tuples(st.integers(0, 40), st.sampled_from(_SHAPE_CHARS), st.integers(0, 2))

    def mutate(text: str, edits: list[tuple[int, str, int]]) -> str:
        for at, char, how in edits:
            at %= len(text) + 1
            text = (text[:at] + char + text[at + 1:] if how == 0 else
                    text[:at] + char + text[at:] if how == 1 else text[:at] + text[at + 1:])
        return text

    offsets = st.builds(lambda moment, sign, h, m: f"{moment}{sign}{h:02d}:{m:02d}",
                        st.sampled_from(["2026-02-03T09:00", "2026-02-03T09:00:00.5"]),
                        st.sampled_from("+-"), st.integers(0, 99), st.integers(0, 99))
    return st.one_of(
        st.builds(mutate, valid, st.lists(edit, max_size=3)), offsets,
        st.text(st.sampled_from(_SHAPE_CHARS), max_size=34))


reader_fields = {f.name: f for f in FIELDS}


def _read(read: Any, value: Any) -> Any:
    try:
        return read(value)
    except reader._Refused:
        return None


@settings(max_examples=3000, deadline=None)
@given(_shape_texts())
def test_shapes_are_the_regular_expressions(text: str) -> None:
    """The reader's shape tables read the texts of the ISO 8601 regular expressions it
    replaced, no more and no fewer (the model decides on every other text)."""
    moment = _read(reader._moment, text)
    if _MOMENT_TEXT.fullmatch(text):
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            assert moment is None
        else:  # read, but for an instant outside the calendar's range (its edge years)
            assert moment == parsed if 1900 < parsed.year < 2100 else moment in (None, parsed)
    else:
        assert moment is None, text
    day = _read(reader._date, text)
    if _DATE_TEXT.fullmatch(text):
        try:
            parsed_day = dt.date.fromisoformat(text)
        except ValueError:
            assert day is None
        else:
            assert day == (parsed_day if 1900 <= parsed_day.year <= 2100 else None)
    else:
        assert day is None, text


def test_the_generated_reader_names_every_field() -> None:
    """``read_fast`` is written out from the catalogue: every field has its branch, and
    the text is the same from one import to the next (no set's order in it)."""
    text = reader.source()
    for f in FIELDS:
        assert repr(f.name) in text or repr(f.key) in text, f.name
    assert text == reader.source()
    compile(text, "<generated>", "exec")
