"""The fast case reader: a valid case mapping straight to the facts the evaluator reads.

:func:`read_case` is generated from the catalogue of case fields (``language/fields.py``),
as the pydantic :class:`~jknrules.language.case.Case` model is, and accepts exactly what
that model accepts (``tests/test_reader.py`` proves it with a differential test over
generated and hostile values). It reads the forms JSON gives — ``str``, ``int``,
``bool``, ``None``, ``list`` and ``dict`` of exactly those types — and ``date`` /
``datetime`` objects (YAML, an API caller), with dates and moments written in the plain
ISO 8601 form (``2026-02-03``, ``2026-02-03T09:00[:00[.ffffff]][Z|±HH:MM]``).

Anything else goes to the pydantic model, which decides: it explains an invalid case
(so the errors, their codes and places are the model's, unchanged) and reads the rare
valid spellings this reader leaves to it (``2026-02-03 09:00``, ``+0800``, bytes, a
``str`` subclass, a part given as a model instance, …). So the reader can only be
faster, never different: a value it is not sure of is never guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from jknrules.language.fields import FIELDS, FIRST_YEAR, INT_LIMIT, LAST_YEAR, CaseField
from jknrules.language.vocab import REGENCIES, normalize_regency


class CaseFacts:
    """A valid case as the evaluator reads it: the regency's id, the submission moment,
    the documents brought (``None``: not said) and the facts the case gives
    (``{"welfare.desil": 3, ...}``: only the fields given, ``null`` included, and
    ``request`` always)."""

    __slots__ = ("documents", "facts", "regency", "submitted_at")

    def __init__(self, regency: str, submitted_at: dt.datetime,
                 documents: Sequence[str] | None, facts: dict[str, Any]) -> None:
        self.regency = regency
        self.submitted_at = submitted_at
        self.documents = documents
        self.facts = facts

    def __repr__(self) -> str:
        return (f"CaseFacts({self.regency!r}, {self.submitted_at!r}, {self.documents!r}, "
                f"{self.facts!r})")


class _Refused(Exception):
    """The reader is not sure of a value: the pydantic model decides."""


_REFUSED = _Refused()
#: A value reader: the value as the model reads it, or raises :data:`_REFUSED`.
_Read = Callable[[Any], Any]

#: the shapes read here (ASCII digits; a time with minutes and optional seconds and
#: fraction; an offset ``Z`` or ``±HH:MM`` within a day): ``fromisoformat`` then reads them
#: as the model does (it reads more shapes than the model, so the shape is checked first)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?")
_UTC_FIRST = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
_UTC_END = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)
_ONLY_STR = {str}
_date_text = dt.date.fromisoformat
_moment_text = dt.datetime.fromisoformat


def _date(value: Any) -> dt.date:
    kind = type(value)
    if kind is str and _DATE.fullmatch(value):
        try:
            day = _date_text(value)
        except ValueError:
            raise _REFUSED from None
    elif kind is dt.date:
        day = value
    else:
        raise _REFUSED
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise _REFUSED
    return day


def _moment(value: Any) -> dt.datetime:
    kind = type(value)
    if kind is str and _MOMENT.fullmatch(value):
        try:
            moment = _moment_text(value)
        except ValueError:
            raise _REFUSED from None
        if FIRST_YEAR < moment.year < LAST_YEAR:
            # a fixed offset of less than a day moves the instant out of the calendar's
            # range only from its first or last year
            return moment
    elif kind is dt.datetime:
        moment = value
    else:
        raise _REFUSED
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise _REFUSED
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        try:
            inside = _UTC_FIRST <= moment.astimezone(dt.UTC) < _UTC_END
        except (OverflowError, ValueError):
            inside = False
        if not inside:
            raise _REFUSED
    return moment


def _reader(f: CaseField) -> _Read:
    """The value reader of a catalogue field (what the model's annotation accepts)."""
    read: _Read
    if f.kind == "enum":
        allowed = frozenset(v for v in f.values if isinstance(v, str))

        def read(value: Any) -> Any:
            if type(value) is str and value in allowed:
                return value
            raise _REFUSED
    elif f.kind == "bool":

        def read(value: Any) -> Any:
            if type(value) is bool:
                return value
            raise _REFUSED
    elif f.kind == "int":
        low = f.minimum if f.minimum is not None else -INT_LIMIT
        high = f.maximum if f.maximum is not None else INT_LIMIT
        null = f.nullable

        def read(value: Any) -> Any:
            if type(value) is int and low <= value <= high or value is None and null:
                return value
            raise _REFUSED

        return read
    elif f.kind == "date":
        read = _date
    elif f.kind == "datetime":
        read = _moment
    elif f.kind == "documents":
        ids = frozenset(v for v in f.values if isinstance(v, str))

        def read(value: Any) -> Any:
            if type(value) is not list:
                raise _REFUSED
            kinds = set(map(type, value))  # nothing of an item's own code runs here
            if kinds and kinds != _ONLY_STR:
                raise _REFUSED
            if ids.issuperset(value):
                return tuple(value)
            raise _REFUSED
    elif f.kind == "regency" and f.pattern is None:  # the case's own regency: a known one

        def read(value: Any) -> Any:
            if type(value) is str:
                if value in REGENCIES:
                    return value
                rid = normalize_regency(value)
                if rid in REGENCIES:
                    return rid
            raise _REFUSED
    else:  # text, and a regency that need not be known (the domicile): the pattern
        # the model's pattern is anchored and matches the whole text (``$`` is the end of
        # the text in pydantic's regex engine, never before a final line break)
        assert f.pattern is not None and f.pattern[0] == "^" and f.pattern[-1] == "$"
        pattern = re.compile(f.pattern[1:-1])
        normalize = f.kind == "regency"
        # a regency id is its own normal form (and matches the pattern)
        known = frozenset(REGENCIES) if normalize else frozenset()
        assert all(pattern.fullmatch(rid) for rid in known)

        def read(value: Any) -> Any:
            if type(value) is str:
                if value in known:
                    return value
                if pattern.fullmatch(value):
                    return normalize_regency(value) if normalize else value
            raise _REFUSED
    if not f.nullable:
        return read
    inner = read

    def nullable(value: Any) -> Any:
        return None if value is None else inner(value)

    return nullable


def _membership(facts: dict[str, Any]) -> None:
    """A membership's status and segment agree (``case._MembershipRules``)."""
    status = facts.get("membership.status")
    segment = facts.get("membership.segment")
    if status is not None and segment is not None and (status == "none") != (segment == "none"):
        raise _REFUSED


#: the top-level fields: name -> reader
_TOP: dict[str, _Read] = {f.name: _reader(f) for f in FIELDS if f.part is None}
#: a part field's check, as ``read_fast`` applies it without a call: ``bool`` (a ``bool``),
#: a frozenset (a ``str`` among these values: an enum), else a value reader
_Check = type[bool] | frozenset[str] | _Read


def _check(f: CaseField) -> _Check:
    if f.kind == "bool" and not f.nullable:
        return bool
    if f.kind == "enum" and not f.nullable:
        return frozenset(v for v in f.values if isinstance(v, str))
    return _reader(f)


#: the parts: part -> {key: (fact name, check)}
_PARTS: dict[str, dict[str, tuple[str, _Check]]] = {}
for _f in FIELDS:
    if _f.part is not None:
        _PARTS.setdefault(_f.part, {})[_f.key] = (_f.name, _check(_f))
_DEFAULTS = {f.name: f.default for f in FIELDS if f.part is None and not f.required}
#: a part's checks beyond its fields' domains (``case._PART_RULES``)
_PART_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {"membership": _membership}
_PART_RULES = tuple(_PART_CHECKS.values())
assert set(_TOP) == {"regency", "submitted_at", "request", "documents"}, \
    "a new top-level field: teach read_case where it goes"


def read_fast(data: dict[str, Any]) -> CaseFacts | None:
    """The case's facts, or ``None`` when the reader leaves the case to the pydantic model
    (an invalid case, or a spelling only the model reads)."""
    try:
        facts: dict[str, Any] = {"request": _DEFAULTS["request"]}
        top: dict[str, Any] = {}
        parts = _PARTS
        for name, value in data.items():
            fields = parts.get(name)
            if fields is not None:
                if type(value) is not dict:
                    raise _REFUSED
                for key, item in value.items():
                    fact, check = fields[key]  # KeyError: an unknown field
                    if check is bool:
                        if type(item) is not bool:
                            raise _REFUSED
                    elif type(check) is frozenset:
                        if type(item) is not str or item not in check:
                            raise _REFUSED
                    else:
                        item = check(item)  # type: ignore[operator]
                    facts[fact] = item
            else:
                top[name] = _TOP[name](value)
        # a part's rules read only that part's facts: checked once, all parts read
        for rule in _PART_RULES:
            rule(facts)
        if "request" in top:
            facts["request"] = top["request"]
        return CaseFacts(top["regency"], top["submitted_at"], top.get("documents"), facts)
    except (_Refused, KeyError):  # KeyError: an unknown field, or a required one not given
        return None
