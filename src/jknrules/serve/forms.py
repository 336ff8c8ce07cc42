"""The Loket case form, generated from the case field catalogue.

Every input of the form is a field of :data:`jknrules.language.fields.FIELDS`, shown by
its kind (a list of choices for an enum, Ya/Tidak for a yes-or-no, a date or a date and
time, a number within the field's bounds, text with the field's pattern, a box per
document), labelled with the catalogue's description. A new field in the catalogue is a
new input here without any change to this module.

Reading the form back is the reverse and adds nothing: an empty input leaves the field
out (an unknown fact, never a "no"), and a value the form cannot turn into the field's
type is passed on as text, so that the case model refuses it with its own located
message (``JKN-C002``) instead of the form inventing one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jknrules.errors import Diagnostic
from jknrules.language.fields import BY_NAME, FIELDS, PARTS, CaseField
from jknrules.language.vocab import DOCUMENTS, REGENCIES
from jknrules.serve.words import PART_TITLES, VALUE_LABELS, Say

#: The name of the input saying whether the documents brought are checked
#: (``checked``) or the applicant only asks what to bring (``ask``: ``documents`` left out).
DOCUMENTS_MODE = "documents_mode"
#: The value a nullable number's input sends for ``null`` (``welfare.desil``: not found).
NULL = "null"
#: A range of integers this short is a list of choices rather than a number to type.
_SHORT_RANGE = 20
_INTEGER = re.compile(r"^[+-]?[0-9]{1,16}$")
_DATETIME_MINUTES = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$")

Control = Literal["select", "number", "date", "datetime", "text", "documents"]
#: What the form sends: each input name with its values (an input may repeat).
FormData = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Input:
    """One input of the form, ready for the template."""

    name: str  # the field's dotted name, also the input's name
    control: Control
    label: str
    label_other: str  # the same label in the other language
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    numeric: bool = False  # digits only: a phone shows its number pad
    required: bool = False
    note: str = ""  # e.g. the time zone of a date and time
    suggestions: tuple[str, ...] = ()  # offered while typing (a regency's id)
    value: str = ""
    values: tuple[str, ...] = ()  # the documents ticked
    errors: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    title: str
    title_other: str
    inputs: tuple[Input, ...]


@dataclass(frozen=True, slots=True)
class Form:
    groups: tuple[Group, ...]
    documents_checked: bool
    #: diagnostics no input can show (e.g. no policy for the regency)
    general: tuple[Diagnostic, ...] = field(default=())

    @property
    def has_errors(self) -> bool:
        return bool(self.general) or any(i.errors for g in self.groups for i in g.inputs)


def _label(f: CaseField, say: Say) -> tuple[str, str]:
    text = (f.description_id, f.description_en)
    first, second = (text if say.lang == "id" else (text[1], text[0]))
    return first[:1].upper() + first[1:], second[:1].upper() + second[1:]


def _choices(f: CaseField, say: Say, regencies: Sequence[str]) -> tuple[Choice, ...] | None:
    unset = Choice("", say("loket.unset"))
    if f.kind == "enum":
        return (unset, *(Choice(str(v), say.pick(VALUE_LABELS.get((f.name, str(v)),
                                                                    (str(v), str(v)))))
                         for v in f.values))
    if f.kind == "bool":
        return unset, Choice("true", say("yes")), Choice("false", say("no"))
    if f.kind == "regency" and f.required:  # the regency whose policy decides
        return tuple(Choice(r, f"{r.capitalize()} ({REGENCIES.get(r, '')})") for r in regencies)
    if (f.kind == "int" and f.minimum is not None and f.maximum is not None
            and f.maximum - f.minimum <= _SHORT_RANGE):
        numbers = tuple(Choice(str(n), str(n)) for n in range(f.minimum, f.maximum + 1))
        null = (Choice(NULL, say.pick((f.null_id, f.null_en))),) if f.nullable else ()
        return (unset, *numbers, *null)
    return None


def build_form(values: FormData, say: Say, regencies: Sequence[str], zone_labels: Mapping[str, str],
               errors: Sequence[Diagnostic] = ()) -> Form:
    """The form with ``values`` filled in and each diagnostic beside its input."""
    by_input: dict[str, list[Diagnostic]] = {}
    general: list[Diagnostic] = []
    for d in errors:
        name = input_of(d)
        (by_input.setdefault(name, []) if name else general).append(d)
    groups: dict[str | None, list[Input]] = {None: [], **{p: [] for p in PARTS}}
    for f in FIELDS:
        if f.kind == "documents":
            continue  # the documents have their own box at the end of the form
        label, other = _label(f, say)
        choices = _choices(f, say, regencies)
        given = values.get(f.name, ())
        value = given[0] if given else ""
        if choices is not None and value and value not in {c.value for c in choices}:
            choices = (*choices, Choice(value, value))  # what was sent stays shown, refused
        note = ""
        if f.kind == "datetime":
            note = say("loket.local") + " (" + " · ".join(
                f"{r.capitalize()} {zone_labels.get(r, '')}" for r in regencies) + ")"
        control: Control = "select" if choices is not None else (
            "datetime" if f.kind == "datetime" else "date" if f.kind == "date"
            else "number" if f.kind == "int" else "text")
        groups[f.part].append(Input(
            f.name, control, label, other, choices or (),
            minimum=f.minimum, maximum=f.maximum,
            pattern=f.pattern.strip("^$") if f.pattern and f.kind == "text" else None,
            numeric=bool(f.pattern and f.pattern.startswith("^[0-9]")),
            required=f.required, note=note, value=value,
            suggestions=tuple(REGENCIES) if f.kind == "regency" else (),
            errors=tuple(by_input.get(f.name, ())),
        ))
    docs = BY_NAME["documents"]
    label, other = _label(docs, say)
    documents = Input(
        "documents", "documents", label, other,
        tuple(Choice(d, names.pick(say.lang)) for d, names in DOCUMENTS.items()),
        values=tuple(values.get("documents", ())), errors=tuple(by_input.get("documents", ())))
    out = [Group(*_titles(part, say), tuple(items)) for part, items in groups.items() if items]
    out.append(Group(say("docs.mode"), say.alt("docs.mode"), (documents,)))
    mode = values.get(DOCUMENTS_MODE, ())
    return Form(tuple(out), documents_checked=not mode or mode[0] != "ask", general=tuple(general))


def _titles(part: str | None, say: Say) -> tuple[str, str]:
    pair = PART_TITLES.get(part, (part or "", part or ""))
    return say.pick(pair), say.pick((pair[1], pair[0]))


def input_of(d: Diagnostic) -> str | None:
    """The input a diagnostic is about (its path in the case), if the form has one."""
    names = [p for p in d.path if isinstance(p, str)]
    for size in (2, 1):
        name = ".".join(names[:size])
        if name in BY_NAME:
            return name
    return None


def case_data(values: FormData) -> dict[str, Any]:
    """The case the form describes, as the JSON object an integrator would send."""
    data: dict[str, Any] = {}
    for f in FIELDS:
        given = values.get(f.name, ())
        if f.kind == "documents":
            mode = values.get(DOCUMENTS_MODE, ())
            if not mode or mode[0] != "ask":
                data["documents"] = list(given)
            continue
        raw = given[0].strip() if given else ""
        if raw == "":
            continue
        value = _typed(f, raw)
        if f.part is None:
            data[f.key] = value
        else:
            data.setdefault(f.part, {})[f.key] = value
    return data


def _typed(f: CaseField, raw: str) -> object:
    """The form's text as the field's type; text it cannot be stays text (refused later)."""
    if f.kind == "bool":
        return {"true": True, "false": False}.get(raw, raw)
    if f.kind == "int":
        if f.nullable and raw == NULL:
            return None
        return int(raw) if _INTEGER.match(raw) else raw
    if f.kind == "datetime" and _DATETIME_MINUTES.match(raw):
        return raw + ":00"  # an <input type="datetime-local"> sends minutes only
    return raw


def now_local(zone: str) -> str:
    """The current minute in ``zone``, as an ``<input type="datetime-local">`` value."""
    return dt.datetime.now(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
