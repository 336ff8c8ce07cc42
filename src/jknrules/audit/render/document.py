"""The version in force rendered as the Standar Pelayanan an officer recognises.

Per service: Persyaratan, Sistem/Mekanisme/Prosedur (with the notices to the
applicant, each channel's own steps and a flowchart), Waktu Pelayanan (each
channel with its office and members), Waktu Tanggapan, Biaya/Tarif, Produk
Layanan, Penanganan Pengaduan (complaint channels), Dasar Hukum, then the
signature block. The version's own assumption notes stand under the heading.
Every line cites its clause and shows its ``assumption`` note.
:func:`build` makes the document as data; :func:`to_markdown` and
:func:`jknrules.audit.render.html.to_html` draw it. Headings are bilingual; the body
is in the language asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jknrules.audit import wording as w
from jknrules.audit.render.flow import Flow, build_flow, mermaid
from jknrules.audit.versions import ServiceView, Snapshot
from jknrules.audit.wording import md_escape
from jknrules.engine.ir import CChannel, Citation
from jknrules.language.policy import Channel, SourceDocument
from jknrules.language.text import Bilingual


@dataclass(frozen=True, slots=True)
class Line:
    text: Bilingual
    source: str | None = None
    assumption: Bilingual | None = None
    details: tuple[Bilingual, ...] = ()  # sub-lines under the text (same source)


@dataclass(frozen=True, slots=True)
class Group:
    title: Bilingual | None
    lines: tuple[Line, ...]
    marker: str = "a"  # "a": a., b., c.; "1": 1., 2.; "-": bullets


@dataclass(frozen=True, slots=True)
class Component:
    number: int
    title: Bilingual
    groups: tuple[Group, ...]


@dataclass(frozen=True, slots=True)
class Sheet:
    """One service's Standar Pelayanan."""

    route: str
    title: str
    document_id: str
    document: SourceDocument
    defined_in: dt.date
    office: str
    segment: Bilingual
    source: str
    components: tuple[Component, ...]
    flow: Flow
    notes: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Rendered:
    regency: str
    name: str
    file: str
    time_zone: str
    as_of: dt.date
    effective_from: dt.date
    sha256: str
    sheets: tuple[Sheet, ...]
    gaps: tuple[Line, ...] = ()  # situations the documents leave open, acknowledged
    assumptions: tuple[Line, ...] = ()  # notes on the versions in force as a whole


VERSION_NOTES = Bilingual("Asumsi versi", "Version assumptions")


GAPS = Bilingual("Hal yang tidak diatur dokumen (diakui)", "Acknowledged gaps in the documents")
NOT_ENCODED = Bilingual("Tidak dicatat dalam kebijakan ini; lihat dokumen sumber.",
                        "Not recorded in this policy; see the source document.")


def build(snapshot: Snapshot, as_of: dt.date) -> Rendered:
    policy = snapshot.source.policy
    sheets = tuple(_sheet(view, policy.time_zone) for view in snapshot.services().values())
    version = policy.versions[snapshot.index]
    first_doc = next(iter(version.documents))
    gaps = tuple(
        Line(Bilingual("Bila ", "When ") + w.condition(g.when) + Bilingual.same(": ") + g.note,
             Citation.of(g.source, first_doc, version.documents, None).text)
        for g in getattr(version, "acknowledged_gaps", ()))
    return Rendered(policy.regency, policy.name, snapshot.source.file, policy.time_zone, as_of,
                    snapshot.effective_from, snapshot.version.sha256, sheets, gaps,
                    _version_notes(snapshot))


def _version_notes(snapshot: Snapshot) -> tuple[Line, ...]:
    """The version's assumption notes, then those of earlier versions still in force
    (labelled with their date)."""
    out = []
    for vi, n, cite in snapshot.assumptions():
        day = snapshot.source.policy.versions[vi].effective_from
        label = Bilingual("", "") if vi == snapshot.index else Bilingual(f" (versi {day})",
                                                                 f" (version {day})")
        out.append(Line(Bilingual.same(f"{n.about}") + label + Bilingual.same(": ") + n.note,
                        cite.text))
    return tuple(out)


def _sheet(view: ServiceView, zone: str) -> Sheet:
    s, c = view.model, view.compiled
    doc = c.document
    requirements = tuple(Line(w.requirement(q), cq.cite.text, q.assumption)
                         for q, cq in zip(s.documents, c.requirements, strict=True))
    rules = tuple(Line(w.rule(r), cr.cite.text, r.assumption)
                  for r, cr in zip(s.rules, c.rules, strict=True))
    steps = tuple(Line(w.step(st), view.cite(st.source, "steps", i).text)
                  for i, st in enumerate(s.steps))
    notices = tuple(Line(w.notice(n), cn.cite.text, n.assumption)
                    for n, cn in zip(s.notices, c.notices, strict=True))
    hours = [Line(Bilingual.same(ch.name + ": ") + w.hours(ch.hours, zone), cc.cite.text,
                  ch.assumption, _channel_details(ch, cc))
             for ch, cc in zip(s.channels, c.channels, strict=True)]
    if c.window is not None:
        hours.append(Line(Bilingual("Pengajuan diterima ", "Requests taken on ") + w.window(c.window[0]),
                          c.window[1].text, c.window[0].assumption))
    if c.cutoff is not None:
        hours.append(Line(Bilingual("Diajukan ke BPJS ", "Sent to BPJS ") + w.cutoff(c.cutoff[0]),
                          c.cutoff[1].text, c.cutoff[0].assumption))
    response = (Line(w.duration(c.response[0]), c.response[1].text, c.response[0].assumption),) \
        if c.response else (Line(Bilingual("Tidak disebut dalam dokumen.", "Not stated in the document.")),)
    product = [Line(Bilingual.same(s.title), c.cite.text),
               Line(Bilingual("Segmen tujuan: ", "Target segment: ") + w.segment(s.target_segment),
                    c.cite.text)]
    if c.activation is not None:
        product.append(Line(Bilingual("Kepesertaan aktif: ", "Coverage active: ")
                            + w.activation(c.activation[0]), c.activation[1].text,
                            c.activation[0].assumption))
    laws = tuple(Line(Bilingual.same(law)) for law in doc.legal_basis) or (
        Line(Bilingual("Tidak disebut dalam dokumen.", "Not stated in the document.")),)
    complaints = Group(None, tuple(
        Line(w.complaint(ch), view.cite(ch.source, "complaints", "channels", i).text,
             ch.assumption) for i, ch in enumerate(s.complaints.channels)), "1") \
        if s.complaints else Group(None, (
            Line(Bilingual("Tidak disebut dalam dokumen.", "Not stated in the document.")),), "-")
    components = (
        Component(1, Bilingual("Persyaratan", "Requirements"), (Group(None, requirements),)),
        Component(2, Bilingual("Sistem, Mekanisme dan Prosedur", "System, mechanism and procedure"), (
            Group(Bilingual("Berlaku bila", "Applies when"),
                  (Line(w.condition(s.applies_when), c.cite.text),), "-"),
            Group(Bilingual("Ketentuan kelayakan dan pengalihan", "Eligibility and redirect rules"),
                  rules, "-"),
            *([Group(NOTICES, notices, "-")] if notices else []),
            *_step_groups(view, steps))),
        Component(3, Bilingual("Waktu Pelayanan", "Service hours"), (Group(None, tuple(hours)),)),
        Component(4, Bilingual("Waktu Tanggapan", "Response time"), (Group(None, response, "-"),)),
        Component(5, Bilingual("Biaya/Tarif", "Fees"), (Group(None, (
            Line(Bilingual.same(s.fee.text), view.cite(s.fee.source, "fee").text)
            if s.fee is not None else Line(NOT_ENCODED),), "-"),)),
        Component(6, Bilingual("Produk Layanan", "Service product"), (Group(None, tuple(product)),)),
        Component(7, Bilingual("Penanganan Pengaduan, Saran dan Masukan",
                               "Complaints, suggestions and feedback"),
                  (complaints,)),
        Component(8, Bilingual("Dasar Hukum", "Legal basis"), (Group(None, laws, "1"),)),
    )
    notes = tuple(Line(Bilingual(f"{n.about}: {n.note.id}", f"{n.about}: {n.note.en}"),
                       view.cite(n.source, "assumptions", i).text)
                  for i, n in enumerate(s.assumptions))
    return Sheet(view.route, s.title, s.document, doc, c.defined_in, c.office,
                 w.segment(s.target_segment), c.cite.text, components, build_flow(c), notes)


NOTICES = Bilingual("Pemberitahuan kepada pemohon", "Notices to the applicant")


def _channel_details(channel: Channel, compiled: CChannel) -> tuple[Bilingual, ...]:
    """The office serving a channel, who takes part, and where its own steps are."""
    out: list[Bilingual] = []
    if compiled.office is not None:
        out.append(Bilingual("Kantor: ", "Office: ") + Bilingual.same(compiled.office))
    if channel.members:
        out.append(Bilingual("Anggota: ", "Members: ") + w.members(channel.members))
    if channel.steps:
        out.append(Bilingual("Prosedur kanal ini: lihat 2. Sistem, Mekanisme dan Prosedur",
                             "Procedure on this channel: see 2. System, mechanism and procedure"))
    return tuple(out)


def _step_groups(view: ServiceView, steps: tuple[Line, ...]) -> list[Group]:
    """The service's steps; when a channel has its own, one group per channel, titled."""
    model = view.model
    own = [(i, ch) for i, ch in enumerate(model.channels) if ch.steps]
    if not own:
        return [Group(Bilingual("Langkah", "Steps"), steps, "1")]
    others = [ch.name for ch in model.channels if not ch.steps]
    out = [Group(Bilingual("Langkah — ", "Steps — ") + Bilingual.same(" / ".join(others)), steps, "1")] \
        if others else []
    for ci, ch in own:
        out.append(Group(Bilingual("Langkah — ", "Steps — ") + Bilingual.same(ch.name), tuple(
            Line(w.step(st), view.cite(st.source, "channels", ci, "steps", i).text)
            for i, st in enumerate(ch.steps)), "1"))
    return out


# --- Markdown -------------------------------------------------------------------------

def _h(words: Bilingual) -> str:
    return f"{md_escape(words.id)} · *{md_escape(words.en)}*"


def marker(group: Group, i: int) -> str:
    if group.marker == "a":
        return f"{chr(ord('a') + i) if i < 26 else i + 1}."
    return f"{i + 1}." if group.marker == "1" else "-"


def to_markdown(doc: Rendered, lang: str = "id") -> str:
    zone = w.ZONES.get(doc.time_zone, "")
    out = [f"# Standar Pelayanan — {md_escape(doc.name)}", "",
           f"Dihasilkan dari kebijakan · *Generated from the policy* `{doc.file}`: versi · *version* "
           f"{doc.effective_from}, berlaku per · *in force on* {doc.as_of}; sha256 `{doc.sha256}`. "
           f"Waktu · *times*: {zone} ({doc.time_zone}).", "",
           "> Setiap butir menyebut klausul dokumen yang ditandatangani; ⚠ menandai asumsi "
           "kebijakan di tempat dokumen diam atau bertentangan. · *Each line cites the clause of "
           "the signed document; ⚠ marks the policy's assumption where the document is silent or "
           "contradicts itself.*", ""]
    if doc.assumptions:
        out += [f"**{_h(VERSION_NOTES)}**", ""]
        out += [line for item in doc.assumptions for line in _line_md(item, "- ⚠", lang)]
        out.append("")
    out += ["Layanan · *Services*:", ""]
    out += [f"{i}. {md_escape(s.title)} (`{s.route}`) — "
            f"{md_escape(s.document.short_title or s.document.title)}"
            for i, s in enumerate(doc.sheets, 1)]
    out.append("")
    for i, sheet in enumerate(doc.sheets, 1):
        out += _sheet_md(i, sheet, lang)
    if doc.gaps:
        out += [f"## {_h(GAPS)}", ""]
        out += [line for item in doc.gaps for line in _line_md(item, "- ⚠", lang)]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _sheet_md(number: int, sheet: Sheet, lang: str) -> list[str]:
    d = sheet.document
    out = [f"## {number}. {md_escape(sheet.title)}", "", "| | |", "|---|---|",
           f"| Layanan · *Route* | `{sheet.route}` |",
           f"| Dokumen · *Document* | {md_escape(d.title)} ({d.kind}) |",
           f"| Nomor · *Number* | {md_escape(d.number or '-')} |",
           f"| Ditetapkan · *Signed* | {d.date.isoformat() if d.date else '-'} |",
           f"| Berlaku sejak · *In force from* | {sheet.defined_in} |",
           f"| Kantor · *Office* | {md_escape(sheet.office)} |",
           f"| Segmen tujuan · *Target segment* | {md_escape(sheet.segment.pick(lang))} |", ""]
    for comp in sheet.components:
        out += [f"### {comp.number}. {_h(comp.title)}", ""]
        for group in comp.groups:
            if group.title is not None:
                out += [f"**{_h(group.title)}**", ""]
            if not group.lines:
                out += ["- –", ""]
                continue
            out += [line for i, item in enumerate(group.lines)
                    for line in _line_md(item, marker(group, i), lang)]
            out.append("")
        if comp.number == 2:
            out += [f"**{_h(Bilingual('Alur', 'Flowchart'))}**", "", "```mermaid",
                    mermaid(sheet.flow, lang).rstrip(), "```", ""]
    if sheet.notes:
        out += [f"### {_h(Bilingual('Asumsi', 'Assumptions'))}", ""]
        out += [line for item in sheet.notes for line in _line_md(item, "- ⚠", lang)]
        out.append("")
    s = d.signed_by
    out += [f"Ditetapkan · *Signed* {d.date.isoformat() if d.date else '-'}  ",
            f"{md_escape(s.position, line_start=True)}  ", "", f"**{md_escape(s.name)}**  "]
    if s.nip:
        out.append(f"NIP {md_escape(s.nip)}")
    out += ["", "---", ""]
    return out


def _line_md(line: Line, mark: str, lang: str) -> list[str]:
    source = f" — *[{md_escape(line.source)}]*" if line.source else ""
    out = [f"- {mark} {md_escape(line.text.pick(lang))}{source}" if mark != "-" and not
           mark.startswith("-") else f"{mark} {md_escape(line.text.pick(lang))}{source}"]
    out += [f"  - {md_escape(detail.pick(lang))}" for detail in line.details]
    if line.assumption is not None:
        out.append(f"  - ⚠ {'Asumsi' if lang == 'id' else 'Assumption'}: "
                   f"{md_escape(line.assumption.pick(lang))}")
    return out
