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

#: the shapes read here, every ASCII digit written ``9`` (a text's bytes through
#: :data:`_NINES`): a date; a date, ``T``, a time with minutes and optional seconds and
#: fraction (1-6 digits), and an optional offset ``Z`` or ``±HH:MM``. ``fromisoformat``
#: then reads them as the model does (it reads more shapes than the model, so the shape
#: is checked first). A literal character of a shape matches only itself, a ``9`` only
#: an ASCII digit: the same texts as the regular expressions the test compares with.
_NINES = bytes.maketrans(b"0123456789", b"9" * 10)
_DATE_SHAPE = b"9999-99-99"
_TIMES = (b"T99:99", b"T99:99:99", *(b"T99:99:99." + b"9" * n for n in range(1, 7)))
#: a moment's shape -> whether it ends with an offset ``±HH:MM`` (whose hours must be
#: 00-23 and minutes 00-59: ``fromisoformat`` reads ``+08:60`` as nine hours)
_MOMENT_SHAPES: dict[bytes, bool] = {_DATE_SHAPE: False, **{
    _DATE_SHAPE + time + offset: offset[:1] in (b"+", b"-")
    for time in _TIMES for offset in (b"", b"Z", b"+99:99", b"-99:99")}}
_UTC_FIRST = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
_UTC_END = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)
_ONLY_STR = {str}
_date_text = dt.date.fromisoformat
_moment_text = dt.datetime.fromisoformat


def _date(value: Any) -> dt.date:
    kind = type(value)
    if kind is str and value.isascii() and value.encode().translate(_NINES) == _DATE_SHAPE:
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
    if kind is str and value.isascii():
        offset = _MOMENT_SHAPES.get(value.encode().translate(_NINES))
        if offset is None or offset and (value[-5:-3] > "23" or value[-2:] > "59"):
            raise _REFUSED
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


def _membership(facts: dict[str, Any]) -> None:
    """A membership's status and segment agree (``case._MembershipRules``)."""
    status = facts.get("membership.status")
    segment = facts.get("membership.segment")
    if status is not None and segment is not None and (status == "none") != (segment == "none"):
        raise _REFUSED


#: a part's checks beyond its fields' domains (``case._PART_RULES``): run after the part
#: is read (they read only that part's facts)
_PART_RULES: dict[str, Callable[[dict[str, Any]], None]] = {"membership": _membership}
#: the top-level fields that are not facts: :class:`CaseFacts`' own slots
_SLOTS = ("regency", "submitted_at", "documents")


def _test(f: CaseField, var: str, env: dict[str, Any]) -> list[str]:
    """The lines that check ``var`` against the catalogue field ``f`` (what the model's
    annotation accepts): ``return None`` when the reader is not sure, else ``var`` holds
    the value as the model reads it. Constants the lines use are added to ``env``."""
    lines: list[str]
    known = "{" + ", ".join(map(repr, sorted(REGENCIES))) + "}"  # ids: their own normal form
    if f.kind == "enum":
        values = ", ".join(repr(v) for v in sorted(v for v in f.values if isinstance(v, str)))
        lines = [f"if type({var}) is not str or {var} not in {{{values}}}:", "    return None"]
    elif f.kind == "bool":  # bool has two instances and no subclass
        lines = [f"if {var} is not True and {var} is not False:", "    return None"]
    elif f.kind == "int":
        low = f.minimum if f.minimum is not None else -INT_LIMIT
        high = f.maximum if f.maximum is not None else INT_LIMIT
        lines = [f"if type({var}) is not int or not {low} <= {var} <= {high}:",
                 "    return None"]
    elif f.kind in ("date", "datetime"):
        lines = [f"{var} = {'_date' if f.kind == 'date' else '_moment'}({var})"]
    elif f.kind == "documents":
        env["_DOCUMENT_IDS"] = frozenset(v for v in f.values if isinstance(v, str))
        lines = [f"if type({var}) is not list:",
                 "    return None",
                 # nothing of an item's own code runs before its type is known
                 f"kinds = set(map(type, {var}))",
                 f"if kinds and kinds != _ONLY_STR or not _DOCUMENT_IDS.issuperset({var}):",
                 "    return None",
                 f"{var} = tuple({var})"]
    elif f.kind == "regency" and f.pattern is None:  # the case's own regency: a known one
        lines = [f"if type({var}) is not str:",
                 "    return None",
                 f"if {var} not in {known}:",
                 f"    {var} = _normalize_regency({var})",
                 f"    if {var} not in {known}:",
                 "        return None"]
    else:  # text, and a regency that need not be known (the domicile): the pattern
        # the model's pattern is anchored and matches the whole text (``$`` is the end of
        # the text in pydantic's regex engine, never before a final line break)
        assert f.pattern is not None and f.pattern[0] == "^" and f.pattern[-1] == "$"
        match = f"_match_{f.name.replace('.', '_')}"
        env[match] = re.compile(f.pattern[1:-1]).fullmatch
        if f.kind == "text":
            lines = [f"if type({var}) is not str or {match}({var}) is None:",
                     "    return None"]
        else:
            assert all(env[match](rid) for rid in REGENCIES)
            lines = [f"if type({var}) is not str:",
                     "    return None",
                     f"if {var} not in {known}:",
                     f"    if {match}({var}) is None:",
                     "        return None",
                     f"    {var} = _normalize_regency({var})"]
    if f.nullable:
        lines = [f"if {var} is not None:", *("    " + line for line in lines)]
    return lines


def _part(part: str, env: dict[str, Any]) -> list[str]:
    """The lines that read the part held in ``value`` into ``facts``: a branch per field,
    in the catalogue's order, then the part's own rule."""
    lines = ["if type(value) is not dict:",
             "    return None",
             "for key, item in value.items():"]
    branch = "if"
    for f in FIELDS:
        if f.part == part:
            lines.append(f"    {branch} key == {f.key!r}:")
            lines += ["        " + line for line in _test(f, "item", env)]
            lines.append(f"        facts[{f.name!r}] = item")
            branch = "elif"
    lines += ["    else:", "        return None"]
    if part in _PART_RULES:
        env[f"_rule_{part}"] = _PART_RULES[part]
        lines.append(f"_rule_{part}(facts)")
    return lines


def _generate() -> tuple[str, dict[str, Any]]:
    """The text of :func:`read_fast`, written out from the catalogue, and the constants it
    refers to. Each top-level field and part is looked up by name (and a case with
    more names than were found has an unknown one), each part's fields found by a branch
    per field, each field's check inline (no look-up of the check, no dispatch on its kind,
    no call but for dates, moments and patterns)."""
    env: dict[str, Any] = {
        "CaseFacts": CaseFacts, "_Refused": _Refused, "_date": _date, "_moment": _moment,
        "_normalize_regency": normalize_regency, "_ONLY_STR": _ONLY_STR, "_ABSENT": object()}
    tops = [f for f in FIELDS if f.part is None]
    assert {f.name for f in tops if not f.condition} == set(_SLOTS), \
        "a new top-level field: teach the reader where it goes"
    initial = {f.name: f.default for f in tops if f.condition and f.default is not None}
    required = sum(f.required for f in tops)
    assert all(f.part is None for f in FIELDS if f.required)
    body = ["get = data.get",
            f"given = {required}",  # the names found: all of them, or one is unknown
            "facts = {" + ", ".join(f"{k!r}: {v!r}" for k, v in initial.items()) + "}",
            "documents = None"]
    done: set[str] = set()
    for f in FIELDS:
        name = f.part or f.name
        if name in done:
            continue
        done.add(name)
        if f.part is not None:
            lines = _part(f.part, env)
        else:
            lines = _test(f, "value", env)
            lines.append(f"{f.name} = value" if f.name in _SLOTS else f"facts[{f.name!r}] = value")
        if f.required:  # KeyError when not given
            body += [f"value = data[{name!r}]", *lines]
        else:
            body += [f"value = get({name!r}, _ABSENT)",
                     "if value is not _ABSENT:", "    given += 1",
                     *("    " + line for line in lines)]
    body += ["if given != len(data):",
             "    return None",
             "return CaseFacts(regency, submitted_at, documents, facts)"]
    text = ["def read_fast(data):",
            "    try:",
            *("        " + line for line in body),
            "    except (_Refused, KeyError):  # KeyError: a required field not given",
            "        return None"]
    return "\n".join(text) + "\n", env


def source() -> str:
    """The text of :func:`read_fast`, generated from the case-field catalogue."""
    return _generate()[0]


def _compile() -> Callable[[dict[str, Any]], CaseFacts | None]:
    text, namespace = _generate()
    exec(compile(text, "<jknrules.language.reader: read_fast, generated from FIELDS>", "exec"),
         namespace)
    read: Callable[[dict[str, Any]], CaseFacts | None] = namespace["read_fast"]
    read.__doc__ = """The case's facts, or ``None`` when the reader leaves the case to the
    pydantic model (an invalid case, or a spelling only the model reads)."""
    return read


read_fast = _compile()
