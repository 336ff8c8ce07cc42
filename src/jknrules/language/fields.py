"""The one catalogue of case fields: every field a case may give, declared once.

Each :class:`CaseField` says the field's dotted name, kind, enum values or bounds,
whether ``null`` is a value (and what it means), and its Indonesian and English
description. Everything else is derived from :data:`FIELDS`:

- the pydantic :class:`~jknrules.language.case.Case` model (and so
  ``schemas/case.schema.json``): ``language/case.py`` generates it;
- :data:`CASE_FIELDS`, the fields a policy condition may read, which the condition
  checker (``engine/conditions.py``), the ``fact.missing`` reason and ``jknrules check``
  use;
- the batch columns (``batch/schema.py``: Arrow types, the field whose null is a
  value) and the batch codes (``batch/coding.py``: how each condition field becomes a
  small integer).

The names are the contract's (``shared/spec/CONTRACT.md``) and are API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jknrules.language.vocab import DOCUMENTS, REQUESTS, SEGMENTS

#: ``enum``: one of ``values``; ``bool``; ``int`` within ``minimum``–``maximum``;
#: ``date`` and ``datetime`` (ISO 8601 text, years :data:`FIRST_YEAR`–:data:`LAST_YEAR`;
#: never a number or a Unix timestamp); ``text`` (matching ``pattern``);
#: ``regency`` (an id or BPS code); ``documents`` (a list of document ids).
Kind = Literal["enum", "bool", "int", "date", "datetime", "text", "regency", "documents"]


@dataclass(frozen=True, slots=True)
class CaseField:
    """One case field, and what values it can take."""

    #: the dotted name (``welfare.desil``); a name without a dot is a top-level field
    name: str
    kind: Kind
    #: what the field is, in Bahasa Indonesia and English (lower case: it is used inside
    #: sentences such as the ``fact.missing`` reason; the schema title capitalises it)
    description_id: str
    description_en: str
    values: tuple[object, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    #: a regular expression the text must match (``text`` and ``regency`` fields)
    pattern: str | None = None
    #: ``null`` is a value of the field, distinct from leaving the field out
    nullable: bool = False
    #: what ``null`` means, when it is a value (Indonesian, English)
    null_id: str = ""
    null_en: str = ""
    #: how the value is written, for the schema (English, like the other schema notes)
    note: str = ""
    #: the case must give it
    required: bool = False
    #: the value of a field the case leaves out, when it has one (``request``)
    default: object = None
    #: a policy condition may read it (``regency``, ``submitted_at`` and ``documents``
    #: select the policy, the version and the missing documents instead)
    condition: bool = True

    @property
    def part(self) -> str | None:
        """The part of the case holding the field (``welfare``), or ``None`` at the top."""
        return self.name.split(".", 1)[0] if "." in self.name else None

    @property
    def key(self) -> str:
        """The field's name inside its part (``desil``)."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def value_tested(self) -> bool:
        """Conditions may compare its value (``equals``, ``in``, …); on ``text`` and
        ``date`` fields only ``is_missing`` and ``is_null`` apply."""
        return self.kind not in ("text", "date")


#: ASCII digits only: ``\d`` would also take Arabic-Indic, Devanagari, fullwidth … digits
_DIGITS16 = r"^[0-9]{16}$"
#: one line of text: no control characters, starting with a visible character, at most
#: 100 / 200 characters (no look-ahead: pydantic's regex engine has none)
_LINE100 = r"^[^\x00-\x20\x7f][^\x00-\x1f\x7f]{0,99}$"
_LINE200 = r"^[^\x00-\x20\x7f][^\x00-\x1f\x7f]{0,199}$"

#: The calendar's range: a date (birth date, submission time, a policy's dates) before
#: the first or after the last year is an error, so no arithmetic on it can overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2100
#: Every integer of a case, and every integer a condition compares with, lies within
#: ±INT_LIMIT (2^53 - 1: the integers every JSON reader keeps exactly), also for a field
#: whose catalogue entry gives no ``maximum``.
INT_LIMIT = 2**53 - 1

#: Every case field, in the contract's order.
FIELDS: tuple[CaseField, ...] = (
    CaseField(
        "regency", "regency", "kabupaten", "regency", required=True, condition=False,
        note="karangasem | batang | malinau, or the BPS code",
    ),
    CaseField(
        "submitted_at", "datetime", "waktu pengajuan", "submission time", required=True,
        condition=False, note="ISO 8601; without an offset it is the regency's local time",
    ),
    CaseField(
        "request", "enum", "jenis permohonan", "what the applicant asks for",
        values=REQUESTS, default="register",
    ),
    CaseField(
        "applicant.nik", "text", "NIK", "NIK", pattern=_DIGITS16,
        note="Nomor Induk Kependudukan, 16 digits",
    ),
    CaseField(
        "applicant.kk_number", "text", "nomor KK", "family card number", pattern=_DIGITS16,
        note="16 digits",
    ),
    CaseField("applicant.birth_date", "date", "tanggal lahir", "birth date"),
    CaseField(
        "applicant.domicile_regency", "regency", "domisili (kabupaten)", "domicile regency",
        pattern=r"^([a-z][a-z_]*|[0-9]{4})$", note="regency id or BPS code",
    ),
    CaseField("applicant.has_ktp", "bool", "sudah memiliki KTP", "already holds a KTP"),
    # the applicant's particulars for the monthly recap to BPJS (``jknrules track recap``);
    # no policy condition reads them (condition=False), so they never change a decision,
    # and a decision record written without identity leaves them out
    CaseField(
        "applicant.name", "text", "nama (sesuai KTP/KK)", "name (as on the KTP/KK)",
        pattern=_LINE100, condition=False, note="for the recap to BPJS; no rule reads it",
    ),
    CaseField(
        "applicant.birth_place", "text", "tempat lahir", "place of birth", pattern=_LINE100,
        condition=False, note="for the recap to BPJS; no rule reads it",
    ),
    CaseField(
        "applicant.sex", "enum", "jenis kelamin (L/P)", "sex (L male, P female)",
        values=("L", "P"), condition=False, note="for the recap to BPJS; no rule reads it",
    ),
    CaseField(
        "applicant.address", "text", "alamat", "address", pattern=_LINE200, condition=False,
        note="for the recap to BPJS; no rule reads it",
    ),
    CaseField(
        "applicant.family_status", "text", "status dalam keluarga (mis. Kepala Keluarga, Istri, "
        "Anak)", "status in the family (e.g. Kepala Keluarga, Istri, Anak)", pattern=_LINE100,
        condition=False, note="for the recap to BPJS; no rule reads it",
    ),
    CaseField(
        "applicant.faskes", "text", "faskes tingkat pertama pilihan",
        "chosen first-level health facility (Faskes)", pattern=_LINE100, condition=False,
        note="for the recap to BPJS; no rule reads it",
    ),
    CaseField(
        "welfare.desil", "int", "desil SIKS-NG/DTSEN", "SIKS-NG/DTSEN desil",
        minimum=1, maximum=10, nullable=True,
        null_id="tidak terlacak", null_en="not found in SIKS-NG/DTSEN",
    ),
    CaseField(
        "welfare.dtks", "enum", "status DTKS", "DTKS status",
        values=("registered", "proposed", "none"),
    ),
    CaseField("health.emergency", "bool", "kondisi emergency", "emergency"),
    CaseField("health.inpatient", "bool", "sedang rawat inap", "hospitalised"),
    CaseField(
        "newborn.age_days", "int", "umur bayi (hari)", "newborn age (days)", minimum=0,
    ),
    CaseField(
        "newborn.parents_registered", "bool", "kedua orang tua sudah terdaftar",
        "both parents already registered",
    ),
    CaseField(
        "employment.deactivated_by_employer", "bool", "dinonaktifkan pemberi kerja",
        "deactivated by the employer",
    ),
    CaseField(
        "household.has_ppu_member", "bool", "ada anggota KK peserta PPU",
        "a household member is a wage worker (PPU)",
    ),
    CaseField(
        "membership.status", "enum", "status kepesertaan JKN", "JKN membership status",
        values=("none", "active", "inactive"),
    ),
    CaseField(
        "membership.segment", "enum", "segmen kepesertaan", "current segment", values=SEGMENTS,
    ),
    CaseField(
        "payment.mandiri_paid_current_month", "bool",
        "iuran Mandiri bulan pengajuan sudah dibayar",
        "Mandiri premium paid for the month of application",
    ),
    CaseField(
        "documents", "documents", "dokumen yang dibawa", "documents brought",
        values=tuple(DOCUMENTS), nullable=True, condition=False,
        null_id="sama dengan tidak diisi", null_en="the same as leaving it out",
        note="document ids; omitted: 'what must I bring?'",
    ),
)

#: The fields only the monthly recap to BPJS reads (``jknrules track recap``): optional,
#: beyond the contract's case table, read by no policy condition, identity in records.
RECAP_ONLY: tuple[str, ...] = ("applicant.name", "applicant.birth_place", "applicant.sex",
                               "applicant.address", "applicant.family_status",
                               "applicant.faskes")

#: Every field by dotted name.
BY_NAME: dict[str, CaseField] = {f.name: f for f in FIELDS}
#: Every case field a policy condition may read, with its domain.
CASE_FIELDS: dict[str, CaseField] = {f.name: f for f in FIELDS if f.condition}
#: The parts of a case (``applicant``, ``welfare``, …), in order.
PARTS: tuple[str, ...] = tuple(dict.fromkeys(f.part for f in FIELDS if f.part is not None))


def _check() -> None:
    """The catalogue is consistent with itself (run at import: a mistake here fails fast)."""
    for f in FIELDS:
        assert f.name.count(".") <= 1, f.name
        assert (f.kind in ("enum", "documents")) == bool(f.values), f.name
        assert f.kind == "int" or (f.minimum is None and f.maximum is None), f.name
        assert bool(f.null_id) == bool(f.null_en) == f.nullable, f.name
        assert f.kind != "text" or f.pattern, f.name
        assert not (f.required and (f.nullable or f.default is not None)), f.name
    assert len(BY_NAME) == len(FIELDS)
    assert all(not BY_NAME[n].condition and not BY_NAME[n].required for n in RECAP_ONLY)


_check()
