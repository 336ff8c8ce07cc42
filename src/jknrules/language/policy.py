"""The policy language: pydantic models of a regency's versioned YAML policy.

``schemas/policy.schema.json`` is generated from these models. Every field has
an Indonesian ``title`` and a ``description`` so that an editor shows help on
hover. Policies are data only: conditions use the small vocabulary in
:class:`Condition`, which a program can enumerate, diff and render.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jknrules.language.checks import CalendarDate, invalid
from jknrules.language.fields import INT_LIMIT
from jknrules.language.policy_help import add_help
from jknrules.language.text import Bilingual, BilingualSchema
from jknrules.language.vocab import ChannelId, DocumentId, RegencyId, RouteId, RuleOutcome, Segment

HOURS_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
BPS_CODE_PATTERN = r"^[0-9]{4}$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]

# Every number of a policy is a strict, bounded integer (``true`` or ``1.0`` is no number
# of minutes, and nothing the model accepts can overflow a date or a duration later).
#: a day of the month
DayOfMonth = Annotated[int, Field(strict=True, ge=1, le=31)]
#: minutes of a step or a duration (100 000 minutes: more than two months)
Minutes = Annotated[int, Field(strict=True, ge=0, le=100_000)]
#: a fee in Rupiah, at most Rp 1 000 000 000 000
AmountIdr = Annotated[int, Field(strict=True, ge=0, le=10**12)]
#: an integer a condition compares a case field with (the bound of every case integer)
Operand = Annotated[int, Field(strict=True, ge=-INT_LIMIT, le=INT_LIMIT)]

#: Each text pattern of the policy language in words, for messages.
PATTERN_WORDS: dict[str, Bilingual] = {
    HOURS_PATTERN: Bilingual("tulis jam sebagai HH:MM-HH:MM, mis. 07:30-10:30",
                             "write hours as HH:MM-HH:MM, e.g. 07:30-10:30"),
    ID_PATTERN: Bilingual("tulis id dengan huruf kecil, angka dan garis bawah, diawali huruf "
                          "(mis. sop_2023)",
                          "write an id in lower-case letters, digits and underscores, starting "
                          "with a letter (e.g. sop_2023)"),
    BPS_CODE_PATTERN: Bilingual('tulis kode BPS sebagai 4 angka dalam tanda kutip, mis. "5107"',
                                'write the BPS code as 4 digits in quotes, e.g. "5107"'),
}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=add_help)


#: A message of the policy to people: a :class:`Bilingual` whose texts are not empty
#: (the ``Text`` definition of the policy schema, with hover help).
Text = Annotated[Bilingual, BilingualSchema(
    "Text", "A message in Bahasa Indonesia with its English translation.", min_length=1,
    help_id="Teks dalam Bahasa Indonesia. / Indonesian text.",
    help_en="Terjemahan bahasa Inggris. / English translation.")]


class Source(Frozen):
    """Where a rule comes from: a document of the policy and a clause of it."""

    document: Id | None = Field(
        None,
        title="Dokumen sumber",
        description="Id dokumen (kunci di `documents` sebuah versi). Bila kosong: dokumen "
        "layanan ini. / Document id; defaults to the service's document.",
    )
    clause: str = Field(
        title="Butir/klausul",
        description="Butir dokumen, mis. 'Persyaratan c' atau 'Langkah 4b'. / The clause.",
        min_length=1,
    )


class Condition(Frozen):
    """A condition over case fields.

    Exactly one form: ``all``/``any`` (a list of conditions), ``not`` (one
    condition), or ``field`` with exactly one test (``equals``, ``in``,
    ``between``, ``below``, ``at_least``, ``is_null``, ``is_missing``).

    A test on a field the case does not give is *unknown*: the case goes to
    ``needs_review`` naming the field, unless ``if_missing`` says what the
    policy decides for an absent field (write an ``assumption`` beside it).
    """

    all: list[Condition] | None = Field(None, title="semua", description="All must hold.")
    any: list[Condition] | None = Field(None, title="salah satu", description="One must hold.")
    not_: Condition | None = Field(None, alias="not", title="bukan", description="Negation.")
    field: str | None = Field(
        None, title="kolom kasus", description="Case field, e.g. `welfare.desil`."
    )
    equals: str | Operand | bool | None = Field(None, title="sama dengan")
    in_: list[str | Operand | bool | None] | None = Field(
        None, alias="in", title="salah satu nilai", description="The field is one of these."
    )
    between: tuple[Operand, Operand] | None = Field(
        None, title="antara (inklusif)", description="[min, max], both included."
    )
    below: Operand | None = Field(None, title="kurang dari", description="Strictly less than.")
    at_least: Operand | None = Field(None, title="paling sedikit", description="Greater or equal.")
    is_null: bool | None = Field(
        None,
        title="bernilai null",
        description="true: the field is given as null (e.g. desil not found in SIKS-NG).",
    )
    is_missing: bool | None = Field(
        None, title="tidak diisi", description="true: the case does not give the field at all."
    )
    if_missing: bool | None = Field(
        None,
        title="bila kolom tidak diisi",
        description="The value of this test when the case omits the field. Default: unknown "
        "(needs_review).",
    )

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              json_schema_extra=add_help)

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        groups = [self.all is not None, self.any is not None, self.not_ is not None,
                  self.field is not None]
        if sum(groups) != 1:
            raise invalid(
                "kondisi harus memakai tepat satu dari: all, any, not, field",
                "a condition needs exactly one of: all, any, not, field",
            )
        tests = [name for name in TESTS if self._test_value(name) is not None]
        if self.field is not None:
            if len(tests) != 1:
                found_id = ", ".join(tests) if tests else "tidak ada"
                found_en = ", ".join(tests) if tests else "none"
                raise invalid(
                    f"'field: {self.field}' perlu tepat satu uji dari {', '.join(TESTS)} "
                    f"(ditemukan: {found_id})",
                    f"'field: {self.field}' needs exactly one test of {', '.join(TESTS)}"
                    f" (found: {found_en})",
                )
        elif tests or self.if_missing is not None:
            raise invalid(
                "uji (equals, in, …) dan if_missing ditulis di samping 'field'",
                "tests (equals, in, …) and if_missing belong next to 'field'",
            )
        if self.all is not None and not self.all or self.any is not None and not self.any:
            raise invalid("'all' dan 'any' perlu paling sedikit satu kondisi",
                          "'all' and 'any' need at least one condition")
        if self.between is not None and self.between[0] > self.between[1]:
            raise invalid("'between' ditulis [min, max] dengan min <= max",
                          "'between' needs [min, max] with min <= max")
        return self

    def _test_value(self, name: str) -> Any:
        if name == "equals":
            return self.equals if "equals" in self.model_fields_set else None
        if name == "in":
            return self.in_
        return getattr(self, name)

    @property
    def test(self) -> tuple[str, Any]:
        """The (operator, operand) of a field condition."""
        for name in TESTS:
            if name == "equals" and "equals" in self.model_fields_set:
                return name, self.equals
            value = self._test_value(name)
            if value is not None and name != "equals":
                return name, value
        raise ValueError("not a field condition")

    def fields(self) -> set[str]:
        """Every case field this condition reads."""
        if self.field is not None:
            return {self.field}
        out: set[str] = set()
        for child in self.children():
            out |= child.fields()
        return out

    def children(self) -> list[Condition]:
        if self.all is not None:
            return list(self.all)
        if self.any is not None:
            return list(self.any)
        if self.not_ is not None:
            return [self.not_]
        return []


TESTS = ("equals", "in", "between", "below", "at_least", "is_null", "is_missing")


class Rule(Frozen):
    """An eligibility rule: when its condition holds, the case gets its outcome."""

    id: Id = Field(title="Id aturan")
    when: Condition = Field(title="Bila")
    outcome: RuleOutcome = Field(title="Hasil", description="Outcome when the rule fires.")
    target_segment: Segment | Literal["current"] | None = Field(
        None,
        title="Segmen tujuan",
        description="Segment the applicant ends up in when the rule fires; `current` keeps "
        "`membership.segment` (e.g. a refused transfer stays in Mandiri).",
    )
    message: Text = Field(title="Pesan untuk pemohon")
    source: Source = Field(title="Sumber")
    assumption: Text | None = Field(None, title="Asumsi", description="Where the seed is silent.")


class Requirement(Frozen):
    """A document requirement: one document (`require`) or one of several (`any_of`)."""

    require: DocumentId | None = Field(None, title="Dokumen wajib")
    any_of: list[DocumentId] | None = Field(None, title="Salah satu dokumen", min_length=2)
    when: Condition | None = Field(None, title="Bila", description="Omitted: always required.")
    why: Text | None = Field(None, title="Alasan", description="Shown to the applicant.")
    source: Source = Field(title="Sumber")
    assumption: Text | None = Field(None, title="Asumsi")

    @model_validator(mode="after")
    def _one_kind(self) -> Requirement:
        if (self.require is None) == (self.any_of is None):
            raise invalid("persyaratan perlu tepat satu dari 'require' atau 'any_of'",
                          "a requirement needs exactly one of 'require' or 'any_of'")
        return self


HourRange = Annotated[str, Field(pattern=HOURS_PATTERN, description="HH:MM-HH:MM, local time")]


class Hours(Frozen):
    """Opening hours per weekday, and on national holidays / cuti bersama / closed days.
    A day not listed is closed."""

    mon: list[HourRange] = Field(default_factory=list, title="Senin")
    tue: list[HourRange] = Field(default_factory=list, title="Selasa")
    wed: list[HourRange] = Field(default_factory=list, title="Rabu")
    thu: list[HourRange] = Field(default_factory=list, title="Kamis")
    fri: list[HourRange] = Field(default_factory=list, title="Jumat")
    sat: list[HourRange] = Field(default_factory=list, title="Sabtu")
    sun: list[HourRange] = Field(default_factory=list, title="Minggu")
    holiday: list[HourRange] = Field(
        default_factory=list,
        title="Hari libur",
        description="Hours on national holidays, cuti bersama and the policy's closed days "
        "(instead of the weekday's hours).",
    )


class Channel(Frozen):
    """A way to be served: the counter (loket) or Karangasem's after-hours group."""

    id: ChannelId = Field(title="Kanal")
    name: str = Field(title="Nama kanal", min_length=1)
    hours: Hours | None = Field(
        None,
        title="Jam pelayanan",
        description="Omitted: the source states no hours; the office's working days apply "
        "(Monday–Friday except holidays), all day.",
    )
    office: Id | None = Field(
        None,
        title="Kantor kanal ini",
        description="Key in the policy's `offices` when this channel is served elsewhere than "
        "the service's office (e.g. the after-hours group). / Office of this channel.",
    )
    members: list[str] = Field(
        default_factory=list,
        title="Anggota",
        description="Who takes part in this channel, as the document lists them (e.g. the "
        "members of the 'Tim Koordinasi JKN' group). / Members of the channel.",
    )
    steps: list[Step] = Field(
        default_factory=list,
        title="Prosedur kanal ini",
        description="Steps when the case is served on this channel, instead of the service's "
        "steps. Omitted: the service's steps. / Steps on this channel.",
    )
    source: Source = Field(title="Sumber")
    assumption: Text | None = Field(None, title="Asumsi")


class IntakeWindow(Frozen):
    """The days of each month on which requests are taken."""

    from_day: DayOfMonth = Field(title="Dari tanggal")
    to_day: DayOfMonth = Field(title="Sampai tanggal")
    source: Source = Field(title="Sumber")
    assumption: Text | None = Field(None, title="Asumsi")


class Cutoff(Frozen):
    """The day of the month by which the office sends the month's data to BPJS.
    A cut-off on a closed day moves to the previous working day."""

    day: DayOfMonth = Field(title="Tanggal batas")
    source: Source = Field(title="Sumber")
    assumption: Text | None = Field(None, title="Asumsi")


class Duration(Frozen):
    months: int = Field(0, strict=True, ge=0, le=24, title="bulan")
    days: int = Field(0, strict=True, ge=0, le=366, title="hari kalender")
    working_days: int = Field(0, strict=True, ge=0, le=100, title="hari kerja")
    hours: int = Field(0, strict=True, ge=0, le=1000, title="jam")
    minutes: Minutes = Field(0, title="menit")


class ResponseTime(Duration):
    """Waktu Tanggapan: response_due = start of service + this duration."""

    source: Source = Field(title="Sumber")
    assumption: Text | None = Field(None, title="Asumsi")


class Activation(Duration):
    """When coverage should be active (expected_active_by)."""

    from_: Literal["service_start", "cutoff"] = Field(
        alias="from",
        title="Dihitung dari",
        description="`service_start` (submission or next opening) or `cutoff` (the month's "
        "submission to BPJS).",
    )
    align: Literal["end_of_month"] | None = Field(
        None, title="Dibulatkan", description="`end_of_month`: the last day of the month reached."
    )
    source: Source = Field(title="Sumber")
    assumption: Text | None = Field(None, title="Asumsi")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              json_schema_extra=add_help)


class Step(Frozen):
    """One row of the procedure (actor, action, minutes) as the seed's table gives it."""

    actor: str = Field(title="Pelaksana", min_length=1)
    action: str = Field(title="Kegiatan", min_length=1)
    minutes: Minutes | None = Field(None, title="Waktu (menit)")
    source: Source = Field(title="Sumber")


class Fee(Frozen):
    """Biaya/Tarif of the service as the document states it."""

    amount_idr: AmountIdr = Field(0, title="Jumlah (Rupiah)")
    text: str = Field(title="Bunyi dokumen", min_length=1)
    source: Source = Field(title="Sumber")


class Notice(Frozen):
    """Information for the applicant, shown as a reason when the case proceeds along the
    service (e.g. how an applicant without a KTP shows their identity, a caveat of the
    document such as "sesuai kuota"). A notice never decides an outcome; a `when` the case
    cannot answer hides the notice."""

    id: Id = Field(title="Id pemberitahuan")
    when: Condition | None = Field(None, title="Bila", description="Omitted: always shown.")
    message: Text = Field(title="Pesan untuk pemohon")
    source: Source = Field(title="Sumber")
    assumption: Text | None = Field(None, title="Asumsi")


ComplaintKind = Literal[
    "phone", "sms_wa", "email", "website", "facebook", "instagram", "sp4n_lapor", "form",
    "in_person",
]


class ComplaintChannel(Frozen):
    """One complaint channel as the document lists it (telephone, e-mail, SP4N LAPOR!, …)."""

    kind: ComplaintKind = Field(
        title="Jenis kanal",
        description="phone, sms_wa, email, website, facebook, instagram, sp4n_lapor, form "
        "(formulir pengaduan) atau in_person (datang langsung). / The kind of channel.",
    )
    label: str = Field(
        title="Label",
        description="Label sebagaimana tertulis di dokumen, mis. 'Nomor Telepon Dinas Sosial, "
        "PPPA dan PPKB'. / The label as the document writes it.",
        min_length=1,
    )
    value: str = Field(
        title="Nomor/alamat/akun",
        description="Nomor, alamat atau akun sebagaimana tertulis; bila hasil pindai tidak "
        "terbaca tulis '(tidak terbaca pada hasil pindai)' dan beri asumsi, jangan ditebak. / "
        "The number, address or handle as written; an unreadable scan is written as unreadable "
        "with an assumption, never guessed.",
        min_length=1,
    )
    note: Text | None = Field(
        None,
        title="Keterangan",
        description="Keterangan dokumen, mis. 'selama jam pelayanan'. / The document's remark.",
    )
    source: Source = Field(
        title="Sumber",
        description="Butir Penanganan Pengaduan, Saran dan Masukan. / The complaints clause.",
    )
    assumption: Text | None = Field(
        None,
        title="Asumsi",
        description="Asumsi bila dokumen atau hasil pindai tidak jelas. / Where the document or "
        "its scan is unclear.",
    )


class Complaints(Frozen):
    """Penanganan Pengaduan, Saran dan Masukan: where an applicant complains or gives
    feedback. Shown and diffed only; no outcome depends on it."""

    channels: list[ComplaintChannel] = Field(
        title="Kanal pengaduan",
        description="Kanal pengaduan dalam urutan dokumen. / The channels, in the "
        "document's order.",
        min_length=1,
    )


class Assumption(Frozen):
    """A note where the seed is silent, ambiguous or contradicts itself."""

    about: str = Field(title="Tentang", min_length=1)
    note: Text = Field(title="Catatan")
    source: Source = Field(title="Sumber")


class Service(Frozen):
    """A service (route) of a version."""

    title: str = Field(title="Nama layanan", min_length=1)
    document: Id = Field(title="Dokumen", description="Id of the document defining it.")
    applies_when: Condition = Field(title="Berlaku bila")
    source: Source = Field(title="Sumber")
    target_segment: Segment | Literal["current"] = Field(
        title="Segmen tujuan",
        description="Segment the applicant ends up in on this route; `current` keeps "
        "`membership.segment` (a reactivation keeps the member's own segment).",
    )
    office: Id = Field(title="Kantor", description="Key in the policy's `offices`.")
    rules: list[Rule] = Field(default_factory=list, title="Aturan kelayakan")
    documents: list[Requirement] = Field(default_factory=list, title="Persyaratan dokumen")
    channels: list[Channel] = Field(title="Kanal dan jam pelayanan", min_length=1)
    intake_window: IntakeWindow | None = Field(None, title="Jendela penerimaan berkas")
    cutoff: Cutoff | None = Field(None, title="Batas pengajuan ke BPJS")
    response_time: ResponseTime | None = Field(None, title="Waktu tanggapan")
    expected_activation: Activation | None = Field(None, title="Perkiraan aktif")
    steps: list[Step] = Field(default_factory=list, title="Prosedur")
    complaints: Complaints | None = Field(
        None,
        title="Penanganan Pengaduan, Saran dan Masukan",
        description="Kanal pengaduan, saran dan masukan; kosong bila dokumen tidak memuat "
        "komponen ini. / Complaint and feedback channels; omitted when the document has no "
        "such component.",
    )
    fee: Fee | None = Field(None, title="Biaya/Tarif")
    notices: list[Notice] = Field(
        default_factory=list,
        title="Pemberitahuan",
        description="Information shown as reasons when the case proceeds along this route.",
    )
    assumptions: list[Assumption] = Field(default_factory=list, title="Asumsi")


class Signatory(Frozen):
    name: str = Field(title="Nama", min_length=1)
    position: str = Field(title="Jabatan", min_length=1)
    nip: str | None = Field(None, title="NIP")


class SourceDocument(Frozen):
    """A signed source document (SOP or Standar Pelayanan)."""

    title: str = Field(title="Judul", min_length=1)
    short_title: str | None = Field(
        None, title="Judul singkat", description="Used in citations, e.g. 'SP Emergency 2025'."
    )
    kind: Literal["SOP", "Standar Pelayanan", "Alur Pelayanan"] = Field(title="Jenis")
    number: str | None = Field(None, title="Nomor")
    date: CalendarDate | None = Field(
        None, title="Tanggal ditetapkan", description="Omitted only when the scan does not show it."
    )
    signed_by: Signatory = Field(title="Ditandatangani oleh")
    legal_basis: list[str] = Field(default_factory=list, title="Dasar hukum")
    seed: str | None = Field(None, title="Berkas sumber", description="File in shared/seeds.")


class AcknowledgedGap(Frozen):
    """A situation the signed documents leave open, known and accepted: ``jknrules check``
    lists the gaps it matches separately and still passes."""

    when: Condition = Field(title="Bila", description="The cases this acknowledgement covers.")
    note: Text = Field(title="Catatan")
    source: Source = Field(title="Sumber")


class Version(Frozen):
    """One version of the regency's rules, in force from `effective_from`."""

    effective_from: CalendarDate = Field(title="Berlaku sejak")
    documents: dict[Id, SourceDocument] = Field(title="Dokumen sumber", min_length=1)
    services: dict[RouteId, Service] = Field(
        default_factory=dict,
        title="Layanan",
        description="Services this version (re)defines; others carry over from earlier versions.",
    )
    acknowledged_gaps: list[AcknowledgedGap] = Field(
        default_factory=list,
        title="Celah yang diakui",
        description="Situations the documents leave open, acknowledged with a note and source.",
    )
    withdraws: list[RouteId] = Field(
        default_factory=list,
        title="Layanan dicabut",
        description="Services of earlier versions that no longer apply from this version.",
    )
    assumptions: list[Assumption] = Field(
        default_factory=list,
        title="Asumsi versi",
        description="Notes on the version as a whole, e.g. how `effective_from` was read "
        "when the document gives no 'Tanggal Efektif'.",
    )


class Office(Frozen):
    name: str = Field(title="Nama kantor", min_length=1)
    address: str | None = Field(None, title="Alamat")


class ClosedDay(Frozen):
    """An extra day the offices are closed (besides national holidays and cuti bersama)."""

    date: CalendarDate = Field(title="Tanggal")
    reason: str = Field(title="Alasan", min_length=1)
    source: str = Field(title="Dasar", min_length=1)


class Policy(Frozen):
    """One regency's policy file."""

    regency: RegencyId = Field(title="Kabupaten (id)")
    name: str = Field(title="Nama kabupaten", min_length=1)
    bps_code: Annotated[str, Field(pattern=BPS_CODE_PATTERN)] = Field(title="Kode BPS")
    time_zone: Literal["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"] = Field(
        title="Zona waktu"
    )
    offices: dict[Id, Office] = Field(title="Kantor pelayanan", min_length=1)
    closed_days: list[ClosedDay] = Field(default_factory=list, title="Hari tutup tambahan")
    versions: list[Version] = Field(title="Versi", min_length=1)


Condition.model_rebuild()
Channel.model_rebuild()
