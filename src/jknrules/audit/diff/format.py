"""The diff report as Markdown (Indonesian headings, English alongside) or JSON."""

from __future__ import annotations

import json
from itertools import groupby

from jknrules.audit.diff.model import Change, Comparison, DiffReport, Impact, Side, VersionRef
from jknrules.audit.wording import md_escape
from jknrules.language.text import Bilingual

AREA_TITLES: dict[str, Bilingual] = {
    "policy": Bilingual("Kebijakan", "Policy"),
    "office": Bilingual("Kantor", "Offices"),
    "closed_day": Bilingual("Hari tutup", "Closed days"),
    "document": Bilingual("Dokumen sumber", "Source documents"),
    "legal_basis": Bilingual("Dasar hukum", "Legal basis"),
    "version_assumption": Bilingual("Asumsi versi", "Version assumptions"),
    "service": Bilingual("Layanan", "Service"),
    "segment": Bilingual("Segmen tujuan", "Target segment"),
    "applies_when": Bilingual("Berlaku bila", "Applies when"),
    "rule": Bilingual("Aturan kelayakan dan pengalihan", "Eligibility and redirect rules"),
    "requirement": Bilingual("Persyaratan", "Requirements"),
    "notice": Bilingual("Pemberitahuan kepada pemohon", "Notices to the applicant"),
    "channel": Bilingual("Kanal dan waktu pelayanan", "Channels and service hours"),
    "intake_window": Bilingual("Jendela penerimaan berkas", "Intake window"),
    "cutoff": Bilingual("Batas pengajuan ke BPJS", "Cut-off to BPJS"),
    "response_time": Bilingual("Waktu tanggapan", "Response time"),
    "expected_activation": Bilingual("Perkiraan kepesertaan aktif", "Expected activation"),
    "fee": Bilingual("Biaya/Tarif", "Fee"),
    "complaint": Bilingual("Penanganan pengaduan, saran dan masukan", "Complaint channels"),
    "step": Bilingual("Prosedur", "Procedure"),
    "assumption": Bilingual("Asumsi", "Assumptions"),
    "acknowledged_gap": Bilingual("Celah yang diakui", "Acknowledged gaps"),
}
KIND_TITLES: dict[str, Bilingual] = {
    "added": Bilingual("Ditambah", "Added"), "removed": Bilingual("Dihapus", "Removed"),
    "changed": Bilingual("Diubah", "Changed"),
}
IMPACT_TITLES: dict[str, Bilingual] = {
    "outcome": Bilingual("Hasil", "Outcome"), "segment": Bilingual("Segmen tujuan", "Target segment"),
    "route": Bilingual("Layanan/kanal", "Route"), "documents": Bilingual("Dokumen", "Documents"),
    "deadlines": Bilingual("Tenggat", "Deadlines"), "error": Bilingual("Galat", "Error"),
}


def to_json(report: DiffReport) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def to_markdown(report: DiffReport) -> str:
    out = ["# Perbedaan semantik kebijakan · *Semantic policy diff*", ""]
    out += _header(report)
    if report.policy_changes:
        out += ["## Tingkat kebijakan · *Policy level*", ""]
        out += _changes(report.policy_changes, "###")
    many = len(report.comparisons) > 1 or report.comparisons[0].as_of is not None
    for comp in report.comparisons:
        if many:
            out += _comparison_head(comp)
        if not comp.changes:
            if many:
                out += ["Tidak ada perubahan semantik · *No semantic change*.", ""]
            continue
        out += _changes(comp.changes, "###" if many else "##")
    if report.impact is not None:
        out += _impact(report.impact)
    return "\n".join(out).rstrip() + "\n"


def _header(report: DiffReport) -> list[str]:
    refs: list[tuple[str, VersionRef | None, VersionRef | None]] = []
    if len(report.comparisons) == 1:
        comp = report.comparisons[0]
        refs.append(("", comp.old, comp.new))
    lines = ["| | Lama · *Old* | Baru · *New* |", "|---|---|---|",
             f"| Operan · *Operand* | `{report.old.label}` | `{report.new.label}` |",
             f"| Berkas · *File* | `{report.old.file}` | `{report.new.file}` |"]
    if report.old.revision or report.new.revision:
        lines.append(f"| Revisi git · *Git revision* | `{report.old.revision or '-'}` | "
                     f"`{report.new.revision or '-'}` |")
    for _, a, b in refs:
        lines.append(f"| Versi · *Version* | {_v(a, 'effective_from')} | "
                     f"{_v(b, 'effective_from')} |")
        lines.append(f"| sha256 | `{_v(a, 'sha256')[:16]}` | `{_v(b, 'sha256')[:16]}` |")
        lines.append("| Dokumen berlaku · *Documents in force* | "
                     f"{md_escape('; '.join(a.documents)) if a else '-'} | "
                     f"{md_escape('; '.join(b.documents)) if b else '-'} |")
    s = report.summary
    lines += ["", (f"**Ringkasan · *Summary*:** {s.total} perubahan · *changes* — "
                   f"{s.added} ditambah · *added*, {s.removed} dihapus · *removed*, "
                   f"{s.changed} diubah · *changed*.") if report.semantic_change else
              "**Tidak ada perubahan semantik · *No semantic change*.** Urutan kunci, format, "
              "komentar dan letak aturan tidak dihitung · *Key order, formatting, comments and "
              "where a rule sits do not count.*", ""]
    return lines


def _v(ref: VersionRef | None, name: str) -> str:
    return "-" if ref is None else str(getattr(ref, name))


def _comparison_head(comp: Comparison) -> list[str]:
    head = f"## Berlaku per {comp.as_of} · *In force from {comp.as_of}*"
    old = f"{comp.old.effective_from} (`{comp.old.sha256[:12]}`)" if comp.old else "-"
    new = f"{comp.new.effective_from} (`{comp.new.sha256[:12]}`)" if comp.new else "-"
    return [head, "", f"Versi lama · *old version*: {old}; versi baru · *new version*: {new}.",
            ""]


def _changes(changes: list[Change], level: str) -> list[str]:
    out: list[str] = []
    for route, by_route in groupby(changes, key=lambda c: c.route):
        sub = level
        if route is not None:
            out += [f"{level} Layanan · *Service* `{route}`", ""]
            sub = level + "#"
        for area, items in groupby(by_route, key=lambda c: c.area):
            out += [f"{sub} {_both(AREA_TITLES[area])}", ""]
            for change in items:
                out += _change(change)
            out.append("")
    return out


#: Areas whose text is the signed document's own (Indonesian) wording: no English line.
_NO_EN = ("policy", "office", "closed_day", "document", "legal_basis", "step")


def _change(change: Change) -> list[str]:
    kind = KIND_TITLES[change.kind]
    lines = [f"- **{kind.id}** · *{kind.en}* — {_bi(change.title)}"]
    english = change.area not in _NO_EN and change.field != "document"
    for label, side in ((_BEFORE, change.old), (_AFTER, change.new)):
        if side is not None:
            lines += _side(label, side, english)
    return lines


_BEFORE, _AFTER = Bilingual("Sebelum", "before"), Bilingual("Sesudah", "after")


def _side(label: Bilingual, side: Side, english: bool) -> list[str]:
    text_id, text_en = side.text.id.split("\n"), side.text.en.split("\n")
    lines = [f"  - {_both(label)}:" + (f" {md_escape(text_id[0])}" if len(text_id) == 1
                                       else "")]
    if len(text_id) > 1:
        lines += [f"    - {md_escape(t)}" for t in text_id]
    if english and side.text.en != side.text.id:
        if len(text_en) == 1:
            lines.append(f"    - *en:* {md_escape(text_en[0])}")
        else:
            lines += ["    - *en:*"] + [f"      - {md_escape(t)}" for t in text_en]
    if side.source:
        lines.append(f"    - Sumber · *source*: {md_escape(side.source)}")
    if side.assumption is not None:
        lines.append(f"    - Asumsi · *assumption*: {_bi(side.assumption)}")
    return lines


def _bi(text: Bilingual) -> str:
    """Officer-written text in both languages, escaped (once when both read the same)."""
    if text.id == text.en:
        return md_escape(text.id)
    return f"{md_escape(text.id)} · *{md_escape(text.en)}*"


def _both(title: Bilingual) -> str:
    """One of the report's own titles: Indonesian, then English in italics."""
    return f"{title.id} · *{title.en}*"


def _impact(impact: Impact) -> list[str]:
    out = ["## Dampak · *Impact*", "",
           f"Berkas kasus · *cases file*: `{impact.file}` — {impact.cases} kasus · *cases*, "
           f"{impact.skipped} dilewati (kabupaten lain) · *skipped (other regency)*, "
           f"**{impact.affected} terdampak · *affected***.", "",
           "| Jenis · *Kind* | Kasus · *Cases* |", "|---|---:|"]
    for kind in impact.kinds:
        out.append(f"| {_both(IMPACT_TITLES[kind.kind])} | {kind.count} |")
    out.append("")
    for kind in impact.kinds:
        if not kind.examples:
            continue
        out += [f"### {_both(IMPACT_TITLES[kind.kind])} — contoh · *examples*", ""]
        for ex in kind.examples:
            out.append(f"- baris · *line* {ex.line} (`{ex.case}`): {md_escape(ex.old)} → {md_escape(ex.new)}")
        out.append("")
    return out
