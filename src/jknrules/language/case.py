"""The case (input) as the contract defines it.

Unknown fields are an error. A field the case does not give is *absent*, which
is not the same as ``null``: ``welfare.desil: null`` means "not found in
SIKS-NG" (tidak terlacak), an absent desil means "unknown".
"""

# Fields are typed without ``| None`` so that an explicit null is refused, while their
# default stays None (never read: only fields in ``model_fields_set`` are facts).
# mypy: disable-error-code="assignment, arg-type"
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jknrules.language.vocab import REGENCIES, DocumentId, Request, Segment, normalize_regency

Digits16 = Annotated[str, Field(pattern=r"^\d{16}$", description="16 digits")]


class Part(BaseModel):
    """Strict: ``"3"`` is not a desil and ``"yes"`` is not a boolean (a typo must not
    silently become a fact). Dates and datetimes are read from ISO 8601 text.

    Fields default to ``None`` but do not accept an explicit ``null`` (except
    ``welfare.desil``, where null means "not found in SIKS-NG", and ``documents``):
    an unknown fact is left out, never sent as null, so it cannot pass for "no".
    Only the fields a case gives are read (``model_fields_set``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Applicant(Part):
    nik: Digits16 = Field(None, title="NIK", description="Nomor Induk Kependudukan")
    kk_number: Digits16 = Field(None, title="Nomor KK")
    birth_date: dt.date = Field(None, title="Tanggal lahir", strict=False)
    domicile_regency: Annotated[str, Field(pattern=r"^([a-z][a-z_]*|\d{4})$")] = Field(
        None, title="Domisili (kabupaten)", description="Regency id or BPS code"
    )
    has_ktp: bool = Field(None, title="Sudah memiliki KTP")

    @field_validator("domicile_regency")
    @classmethod
    def _normalize(cls, value: str | None) -> str | None:
        return None if value is None else normalize_regency(value)


class Welfare(Part):
    desil: Annotated[int, Field(ge=1, le=10)] | None = Field(
        None, title="Desil", description="1-10, or null = not found in SIKS-NG (tidak terlacak)"
    )
    dtks: Annotated[str, Field(pattern=r"^(registered|proposed|none)$")] = Field(
        None, title="Status DTKS"
    )


class Health(Part):
    emergency: bool = Field(None, title="Emergency")
    inpatient: bool = Field(None, title="Rawat inap")


class Newborn(Part):
    age_days: Annotated[int, Field(ge=0)] = Field(None, title="Umur bayi (hari)")
    parents_registered: bool = Field(None, title="Orang tua terdaftar PBPU BP Pemda")


class Employment(Part):
    deactivated_by_employer: bool = Field(None, title="Dinonaktifkan pemberi kerja")


class Household(Part):
    has_ppu_member: bool = Field(None, title="Ada anggota keluarga PPU")


class Membership(Part):
    status: Annotated[str, Field(pattern=r"^(none|active|inactive)$")] = Field(
        None, title="Status kepesertaan"
    )
    segment: Segment = Field(None, title="Segmen saat ini")

    @model_validator(mode="after")
    def _consistent(self) -> Membership:
        given = self.__pydantic_fields_set__
        if "status" in given and "segment" in given:
            if self.status == "none" and self.segment != "none":
                raise ValueError(
                    f"status 'none' (belum pernah terdaftar / never registered) cannot have "
                    f"segment '{self.segment}'; expected segment 'none'")
            if self.status != "none" and self.segment == "none":
                raise ValueError(
                    f"status '{self.status}' needs the member's segment, not 'none'")
        return self


class Payment(Part):
    mandiri_paid_current_month: bool = Field(None, title="Iuran Mandiri bulan ini lunas")


class Case(Part):
    """An applicant's case. Only ``regency`` and ``submitted_at`` are required."""

    regency: str = Field(title="Kabupaten", description="karangasem | batang | malinau, or BPS code")
    submitted_at: dt.datetime = Field(
        strict=False,
        title="Waktu pengajuan",
        description="ISO 8601; without an offset it is the regency's local time",
    )
    request: Request = Field("register", title="Permohonan")
    applicant: Applicant = Field(None)
    welfare: Welfare = Field(None)
    health: Health = Field(None)
    newborn: Newborn = Field(None)
    employment: Employment = Field(None)
    household: Household = Field(None)
    membership: Membership = Field(None)
    payment: Payment = Field(None)
    documents: list[DocumentId] | None = Field(
        None, title="Dokumen yang dibawa", description="Omitted: 'what must I bring?'"
    )

    @field_validator("submitted_at", mode="before")
    @classmethod
    def _iso_text(cls, value: Any) -> Any:
        if isinstance(value, bool | int | float):
            raise ValueError("expected an ISO 8601 datetime such as 2026-02-03T09:00:00+08:00")
        return value

    @field_validator("regency")
    @classmethod
    def _known_regency(cls, value: str) -> str:
        rid = normalize_regency(value)
        if rid not in REGENCIES:
            known = ", ".join(f"{k} ({v})" for k, v in REGENCIES.items())
            raise ValueError(f"unknown regency {value!r}; expected one of {known}")
        return rid


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
    name: {sub: f"{name}.{sub}" for sub in annotation.model_fields}
    for name, info in Case.model_fields.items()
    for annotation in getattr(info.annotation, "__args__", (info.annotation,))
    if isinstance(annotation, type) and issubclass(annotation, Part)
}
