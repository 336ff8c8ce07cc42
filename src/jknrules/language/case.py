"""The case (input) as the contract defines it.

Unknown fields are an error. A field the case does not give is *absent*, which
is not the same as ``null``: ``welfare.desil: null`` means "not found in
SIKS-NG" (tidak terlacak), an absent desil means "unknown".

The models are generated from the catalogue of case fields (``language/fields.py``):
one part model per part (``Applicant``, ``Welfare``, …) and :class:`Case`. What the
catalogue cannot say (a membership's status and segment agree; ``regency`` names a
known regency) is checked by the base classes here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from jknrules.language.checks import calendar_text, in_calendar
from jknrules.language.fields import FIELDS, INT_LIMIT, PARTS, CaseField
from jknrules.language.reader import CaseFacts
from jknrules.language.vocab import REGENCIES, DocumentId, Request, normalize_regency


class Part(BaseModel):
    """Strict: ``"3"`` is not a desil and ``"yes"`` is not a boolean (a typo must not
    silently become a fact). Dates and datetimes are read from ISO 8601 text.

    Fields default to ``None`` but do not accept an explicit ``null`` (except
    ``welfare.desil``, where null means "not found in SIKS-NG", and ``documents``):
    an unknown fact is left out, never sent as null, so it cannot pass for "no".
    Only the fields a case gives are read (``model_fields_set``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class _MembershipRules(Part):
    """What a membership part checks beyond its fields' domains."""

    @model_validator(mode="after")
    def _consistent(self) -> _MembershipRules:
        given, values = self.__pydantic_fields_set__, self.__dict__
        if "status" in given and "segment" in given:
            status, segment = values["status"], values["segment"]
            if status == "none" and segment != "none":
                raise ValueError(
                    f"status 'none' (belum pernah terdaftar / never registered) cannot have "
                    f"segment '{segment}'; expected segment 'none'")
            if status != "none" and segment == "none":
                raise ValueError(
                    f"status '{status}' needs the member's segment, not 'none'")
        return self


class _CaseRules(Part):
    """What a case checks beyond its fields' domains (the fields come from the catalogue)."""

    @field_validator("regency", check_fields=False)
    @classmethod
    def _known_regency(cls, value: str) -> str:
        rid = normalize_regency(value)
        if rid not in REGENCIES:
            known = ", ".join(f"{k} ({v})" for k, v in REGENCIES.items())
            raise ValueError(f"unknown regency {value!r}; expected one of {known}")
        return rid


class _Typed:
    """The fields typed code reads from a case directly (``tests/test_fields.py`` checks
    them against the generated model)."""

    regency: str
    submitted_at: dt.datetime
    request: Request
    documents: list[DocumentId] | None


_CASE_DOC = "An applicant's case. Only ``regency`` and ``submitted_at`` are required."
#: A part's extra checks, by part name (a part without any is a plain :class:`Part`)
_PART_RULES: dict[str, type[Part]] = {"membership": _MembershipRules}


def _annotation(f: CaseField) -> Any:
    """The pydantic type of a catalogue field."""
    ann: Any
    if f.kind == "enum":
        ann = Literal[f.values]
    elif f.kind == "bool":
        ann = bool
    elif f.kind == "int":
        low = f.minimum if f.minimum is not None else -INT_LIMIT
        ann = Annotated[int, Field(ge=low, le=f.maximum if f.maximum is not None else INT_LIMIT)]
    elif f.kind == "date":
        ann = dt.date
    elif f.kind == "datetime":
        ann = dt.datetime
    elif f.kind == "documents":
        ann = list.__class_getitem__(Literal[f.values])  # list[Literal[...]]
    else:  # text, regency
        ann = Annotated[str, Field(pattern=f.pattern)] if f.pattern else str
    return ann | None if f.nullable else ann


def _field(f: CaseField) -> tuple[Any, Any]:
    """(type, ``Field``) of a catalogue field. A field that is not nullable is typed
    without ``None`` so that an explicit null is refused, while its default stays
    ``None`` (never read: only fields in ``model_fields_set`` are facts)."""
    description = f.description_en + (f": {f.note}" if f.note else "")
    if f.nullable:
        description += f"; null = {f.null_en} ({f.null_id})"
    info = Field(
        ... if f.required else f.default,
        title=f.description_id[:1].upper() + f.description_id[1:],
        description=description,
        strict=False if f.kind in ("date", "datetime") else None,
    )
    return _annotation(f), info


def _normalized(value: str | None) -> str | None:
    return None if value is None else normalize_regency(value)


def _validators(fields: list[CaseField]) -> dict[str, Any]:
    """Regency ids and BPS codes are read as the regency id; dates and datetimes are read
    from ISO 8601 text only and lie in the calendar's range."""
    out: dict[str, Any] = {}
    names = [f.key for f in fields if f.kind == "regency"]
    if names:
        out["_normalize"] = field_validator(*names)(_normalized)
    dates = [f.key for f in fields if f.kind in ("date", "datetime")]
    if dates:
        out["_calendar_text"] = field_validator(*dates, mode="before")(calendar_text)
        out["_calendar_range"] = field_validator(*dates)(in_calendar)
    return out


def _build() -> tuple[type[_CaseRules], dict[str, type[Part]]]:
    parts: dict[str, type[Part]] = {}
    for part in PARTS:
        members = [f for f in FIELDS if f.part == part]
        definitions: dict[str, Any] = {f.key: _field(f) for f in members}
        parts[part] = create_model(
            part.capitalize(), __base__=_PART_RULES.get(part, Part), __module__=__name__,
            __validators__=_validators(members), **definitions)
    top: dict[str, Any] = {}
    for f in FIELDS:
        if f.part is None:
            top[f.name] = _field(f)
        elif f.part not in top:
            top[f.part] = (parts[f.part], Field(None))
    case = create_model(
        "Case", __base__=_CaseRules, __module__=__name__,
        __doc__=_CASE_DOC,
        __validators__=_validators([f for f in FIELDS if f.part is None]), **top)
    return case, parts


_CASE, PART_MODELS = _build()
# the generated models are module attributes, so they pickle and have a name to cite
globals().update({model.__name__: model for model in PART_MODELS.values()})

if TYPE_CHECKING:

    class Case(_CaseRules, _Typed):
        """The generated model as typed code sees it (:data:`_CASE_DOC`)."""

else:
    Case = _CASE


def case_facts(case: Case) -> dict[str, Any]:
    """The facts a case gives, as ``{"welfare.desil": 3, ...}``.

    Only fields the case actually gives appear (``null`` included); an absent
    field is absent here too, so rules can tell "unknown" from "not found".
    (Reads pydantic's stored values directly: this runs once per evaluation.)
    """
    facts: dict[str, Any] = {"request": case.request}
    given = case.__dict__
    for name in case.__pydantic_fields_set__:
        part = given[name]
        if isinstance(part, Part):
            values = part.__dict__
            names = _FACT_NAMES[name]
            for sub in part.__pydantic_fields_set__:
                facts[names[sub]] = values[sub]
    return facts


#: "part" -> {"field": "part.field"} for every part of a case (constant)
_FACT_NAMES: dict[str, dict[str, str]] = {
    part: {f.key: f.name for f in FIELDS if f.part == part} for part in PARTS
}


def facts_of(case: Case) -> CaseFacts:
    """What the evaluator reads of a validated :class:`Case` (as :func:`~jknrules.language.
    reader.read_fast` gives it for a mapping)."""
    return CaseFacts(case.regency, case.submitted_at, case.documents, case_facts(case))
