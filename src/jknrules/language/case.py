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
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

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
    """What a case checks beyond its fields' domains (the fields come from the catalogue),
    and the typed errors of the public model.

    ``Case(**data)`` and ``Case.model_validate(data)`` (and ``model_validate_json``), as
    user code calls them, raise :class:`~jknrules.errors.CaseError` with the diagnostics
    ``jknrules.evaluate(data)`` gives for the same case, pydantic's ``ValidationError`` as
    its ``__cause__``. Pydantic itself never calls these methods: its validator is built
    as for :class:`~pydantic.BaseModel`'s own ``__init__`` (the marker below), so a case
    nested in another model (a decision record) and :func:`validate_case`, which the
    loaders use to place each error in its file, still see the ``ValidationError`` and
    its ``loc``s, and validation costs what it did."""

    def __init__(self, /, **data: Any) -> None:
        try:
            self.__pydantic_validator__.validate_python(data, self_instance=self)
        except ValidationError as exc:
            raise _case_error(data, exc) from exc

    # BaseModel.__init__ carries this marker; without it pydantic would route every
    # validation of the model (model_validate, a nested case) through the __init__ above
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise _case_error(obj, exc) from exc

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, *args: Any,
                            **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise _case_error(None, exc) from exc

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

        def __init__(self, /, **data: Any) -> None:
            """Any field by keyword (mypy would otherwise take the fields of ``_Typed`` for
            the only ones); an invalid case raises :class:`~jknrules.errors.CaseError`."""

else:
    Case = _CASE


def validate_case(data: Any) -> Case:
    """``data`` validated by the generated model, for code that places pydantic's errors
    itself (``load.loader.case_from_data``): an invalid case raises pydantic's
    ``ValidationError``, not the :class:`~jknrules.errors.CaseError` of ``Case.model_validate``."""
    return cast("Case", _VALIDATE(data))


_VALIDATE = _CASE.__pydantic_validator__.validate_python


def _case_error(data: Any, exc: ValidationError) -> Exception:
    """The :class:`~jknrules.errors.CaseError` of an invalid case given to the public model:
    what ``jknrules.evaluate(data)`` raises for it (the diagnostics are made in the load
    layer, which places pydantic's errors; imported here only on this error path)."""
    from jknrules.load.loader import case_error

    return case_error(data, exc)


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
