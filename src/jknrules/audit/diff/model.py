"""The semantic diff report: what ``jknrules diff --format json`` prints.

``schemas/diff.schema.json`` is generated from these models (``python -m
jknrules.language.schemas schemas``). The report is ordered deterministically: policy-level
changes first, then each route in the contract's route order, each area in
:data:`AREAS` order, then by ``item`` and ``field``. Two runs over the same
inputs give byte-identical JSON.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from jknrules.language.text import Bilingual, BilingualSchema

FORMAT = "jknrules.diff/1"

Area = Literal[
    "policy", "office", "closed_day", "document", "legal_basis", "version_assumption",
    "service", "segment", "applies_when", "rule", "requirement", "notice", "channel",
    "intake_window", "cutoff", "response_time", "expected_activation", "fee", "complaint",
    "step", "assumption", "acknowledged_gap",
]
#: Display and sort order of the areas (the order of :data:`Area`).
AREAS: tuple[str, ...] = get_args(Area)
ChangeKind = Literal["added", "removed", "changed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


#: A statement in both languages (:class:`Bilingual`, described as the diff report's own).
Statement = Annotated[Bilingual, BilingualSchema(
    description="A statement in Bahasa Indonesia and English.")]


class Side(_Frozen):
    """One side (before or after) of a change: the rule in words and its source."""

    text: Statement = Field(title="Isi", description="The element on this side, in words.")
    source: str | None = Field(
        title="Sumber", description="Citation: 'document (date), clause'; null for metadata.")
    at: str | None = Field(
        title="Letak", description="file:line:column of the element in the policy file.")
    assumption: Statement | None = Field(
        None, title="Asumsi", description="The policy's assumption note on this element.")


class Change(_Frozen):
    """One semantic change: an element added, removed, or one of its fields changed."""

    kind: ChangeKind = Field(title="Jenis perubahan")
    area: Area = Field(title="Bagian")
    route: str | None = Field(title="Layanan", description="Route id; null for policy-level.")
    item: str = Field(title="Unsur", description="Stable key, e.g. 'rules/desil_6_10'.")
    field: str | None = Field(None, title="Atribut", description="The field that changed.")
    title: Statement = Field(title="Judul", description="What changed, in words.")
    old: Side | None = Field(title="Sebelum")
    new: Side | None = Field(title="Sesudah")


class VersionRef(_Frozen):
    """A version of a policy, after layering."""

    regency: str = Field(title="Kabupaten")
    effective_from: str = Field(title="Berlaku sejak")
    sha256: str = Field(title="Sidik isi", description="Fingerprint of the deciding content.")
    file: str = Field(title="Berkas")
    documents: list[str] = Field(title="Dokumen", description="Documents in force (titles).")


class Comparison(_Frozen):
    """The rules in force on one side against the other."""

    as_of: str | None = Field(
        title="Per tanggal",
        description="The date compared (file diffs compare every effective date of both "
        "files); null when two versions were named.",
    )
    old: VersionRef | None = Field(title="Versi lama", description="Null: no version in force.")
    new: VersionRef | None = Field(title="Versi baru", description="Null: no version in force.")
    changes: list[Change] = Field(title="Perubahan")


class Summary(_Frozen):
    added: int = Field(title="Ditambah")
    removed: int = Field(title="Dihapus")
    changed: int = Field(title="Diubah")
    total: int = Field(title="Jumlah")


class Operand(_Frozen):
    label: str = Field(title="Nama", description="As given on the command line.")
    file: str = Field(title="Berkas")
    revision: str | None = Field(None, title="Revisi git", description="Commit id, if any.")


class ImpactExample(_Frozen):
    line: int = Field(title="Baris", description="Line of the case in the cases file.")
    case: str = Field(title="Kasus", description="A short label of the case.")
    old: str = Field(title="Sebelum")
    new: str = Field(title="Sesudah")


ImpactKindName = Literal["outcome", "segment", "route", "documents", "deadlines", "error"]


class ImpactKind(_Frozen):
    kind: ImpactKindName = Field(
        title="Jenis", description="What differs: outcome, target segment, route/channel, "
        "documents (required or missing), deadlines, or an error on one side.")
    count: int = Field(title="Jumlah kasus")
    examples: list[ImpactExample] = Field(title="Contoh")


class Impact(_Frozen):
    """Cases evaluated under both sides: who is affected, and how."""

    file: str = Field(title="Berkas kasus")
    cases: int = Field(title="Jumlah kasus")
    skipped: int = Field(title="Dilewati", description="Cases of another regency.")
    affected: int = Field(title="Terdampak", description="Cases with any difference.")
    kinds: list[ImpactKind] = Field(title="Menurut jenis")


class DiffReport(_Frozen):
    """``jknrules diff``: semantic changes between two policy versions or files."""

    format: Literal["jknrules.diff/1"] = Field("jknrules.diff/1", title="Format")
    old: Operand = Field(title="Lama")
    new: Operand = Field(title="Baru")
    semantic_change: bool = Field(title="Ada perubahan semantik")
    summary: Summary = Field(title="Ringkasan")
    policy_changes: list[Change] = Field(
        title="Perubahan tingkat kebijakan",
        description="Regency metadata, offices, closed days (not tied to a version).")
    comparisons: list[Comparison] = Field(title="Perbandingan versi")
    impact: Impact | None = Field(None, title="Dampak")
