"""The version in force rendered as the Standar Pelayanan an officer recognises.

Per service: Persyaratan, Sistem/Mekanisme/Prosedur (with a flowchart), Waktu
Pelayanan, Waktu Tanggapan, Biaya/Tarif, Produk Layanan, Dasar Hukum, then the
signature block. Every line cites its clause and shows its ``assumption`` note.
:func:`build` makes the document as data; :func:`to_markdown` and
:func:`jknrules.render_html.to_html` draw it. Headings are bilingual; the body
is in the language asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import wording as w
from .compiler import Citation
from .model.policy import SourceDocument, Text
from .render_flow import Flow, build_flow, mermaid
from .snapshot import ServiceView, Snapshot
from .wording import Words, md_escape


@dataclass(frozen=True, slots=True)
class Line:
    text: Words
    source: str | None = None
    assumption: Words | None = None


@dataclass(frozen=True, slots=True)
class Group:
    title: Words | None
    lines: tuple[Line, ...]
    marker: str = "a"  # "a": a., b., c.; "1": 1., 2.; "-": bullets


@dataclass(frozen=True, slots=True)
class Component:
    number: int
    title: Words
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
    segment: Words
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


GAPS = Words("Hal yang tidak diatur dokumen (diakui)", "Acknowledged gaps in the documents")
NOT_ENCODED = Words("Tidak dicatat dalam kebijakan ini; lihat dokumen sumber.",
                    "Not recorded in this policy; see the source document.")


def _note(text: Text | None) -> Words | None:
    return None if text is None else Words(text.id, text.en)


def build(snapshot: Snapshot, as_of: dt.date) -> Rendered:
    policy = snapshot.source.policy
    sheets = tuple(_sheet(view, policy.time_zone) for view in snapshot.services().values())
    version = policy.versions[snapshot.index]
    first_doc = next(iter(version.documents))
    gaps = tuple(
        Line(Words("Bila ", "When ") + w.condition(g.when) + Words(f": {g.note.id}", f": {g.note.en}"),
             Citation.of(g.source, first_doc, version.documents, None).text)
        for g in getattr(version, "acknowledged_gaps", ()))
    return Rendered(policy.regency, policy.name, snapshot.source.file, policy.time_zone, as_of,
                    snapshot.effective_from, snapshot.version.sha256, sheets, gaps)


def _sheet(view: ServiceView, zone: str) -> Sheet:
    s, c = view.model, view.compiled
    doc = c.document
    requirements = tuple(Line(w.requirement(q), cq.cite.text, _note(q.assumption))
                         for q, cq in zip(s.documents, c.requirements, strict=True))
    rules = tuple(Line(w.rule(r), cr.cite.text, _note(r.assumption))
                  for r, cr in zip(s.rules, c.rules, strict=True))
    steps = tuple(Line(w.step(st), view.cite(st.source, "steps", i).text)
                  for i, st in enumerate(s.steps))
    hours = [Line(w.same(ch.name + ": ") + w.hours(ch.hours, zone), cc.cite.text,
                  _note(ch.assumption)) for ch, cc in zip(s.channels, c.channels, strict=True)]
    if c.window is not None:
        hours.append(Line(Words("Pengajuan diterima ", "Requests taken on ") + w.window(c.window[0]),
                          c.window[1].text, _note(c.window[0].assumption)))
    if c.cutoff is not None:
        hours.append(Line(Words("Diajukan ke BPJS ", "Sent to BPJS ") + w.cutoff(c.cutoff[0]),
                          c.cutoff[1].text, _note(c.cutoff[0].assumption)))
    response = (Line(w.duration(c.response[0]), c.response[1].text, _note(c.response[0].assumption)),) \
        if c.response else (Line(Words("Tidak disebut dalam dokumen.", "Not stated in the document.")),)
    product = [Line(w.same(s.title), c.cite.text),
               Line(Words("Segmen tujuan: ", "Target segment: ") + w.segment(s.target_segment),
                    c.cite.text)]
    if c.activation is not None:
        product.append(Line(Words("Kepesertaan aktif: ", "Coverage active: ")
                            + w.activation(c.activation[0]), c.activation[1].text,
                            _note(c.activation[0].assumption)))
    laws = tuple(Line(w.same(law)) for law in doc.legal_basis) or (
        Line(Words("Tidak disebut dalam dokumen.", "Not stated in the document.")),)
    components = (
        Component(1, Words("Persyaratan", "Requirements"), (Group(None, requirements),)),
        Component(2, Words("Sistem, Mekanisme dan Prosedur", "System, mechanism and procedure"), (
            Group(Words("Berlaku bila", "Applies when"),
                  (Line(w.condition(s.applies_when), c.cite.text),), "-"),
            Group(Words("Ketentuan kelayakan dan pengalihan", "Eligibility and redirect rules"),
                  rules, "-"),
            Group(Words("Langkah", "Steps"), steps, "1"))),
        Component(3, Words("Waktu Pelayanan", "Service hours"), (Group(None, tuple(hours)),)),
        Component(4, Words("Waktu Tanggapan", "Response time"), (Group(None, response, "-"),)),
        Component(5, Words("Biaya/Tarif", "Fees"), (Group(None, (
            Line(w.same(s.fee.text), view.cite(s.fee.source, "fee").text)
            if s.fee is not None else Line(NOT_ENCODED),), "-"),)),
        Component(6, Words("Produk Layanan", "Service product"), (Group(None, tuple(product)),)),
        Component(7, Words("Dasar Hukum", "Legal basis"), (Group(None, laws, "1"),)),
    )
    notes = tuple(Line(Words(f"{n.about}: {n.note.id}", f"{n.about}: {n.note.en}"),
                       view.cite(n.source, "assumptions", i).text)
                  for i, n in enumerate(s.assumptions))
    return Sheet(view.route, s.title, s.document, doc, c.defined_in, c.office,
                 w.segment(s.target_segment), c.cite.text, components, build_flow(c), notes)


# --- Markdown -------------------------------------------------------------------------

def _h(words: Words) -> str:
    return f"{words.id} · *{words.en}*"


def marker(group: Group, i: int) -> str:
    if group.marker == "a":
        return f"{chr(ord('a') + i) if i < 26 else i + 1}."
    return f"{i + 1}." if group.marker == "1" else "-"


def to_markdown(doc: Rendered, lang: str = "id") -> str:
    zone = w.ZONES.get(doc.time_zone, "")
    out = [f"# Standar Pelayanan — {doc.name}", "",
           f"Dihasilkan dari kebijakan · *Generated from the policy* `{doc.file}`: versi · *version* "
           f"{doc.effective_from}, berlaku per · *in force on* {doc.as_of}; sha256 `{doc.sha256}`. "
           f"Waktu · *times*: {zone} ({doc.time_zone}).", "",
           "> Setiap butir menyebut klausul dokumen yang ditandatangani; ⚠ menandai asumsi "
           "kebijakan di tempat dokumen diam atau bertentangan. · *Each line cites the clause of "
           "the signed document; ⚠ marks the policy's assumption where the document is silent or "
           "contradicts itself.*", "",
           "Layanan · *Services*:", ""]
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
            out += [f"**{_h(Words('Alur', 'Flowchart'))}**", "", "```mermaid",
                    mermaid(sheet.flow, lang).rstrip(), "```", ""]
    if sheet.notes:
        out += [f"### {_h(Words('Asumsi', 'Assumptions'))}", ""]
        out += [line for item in sheet.notes for line in _line_md(item, "- ⚠", lang)]
        out.append("")
    s = d.signed_by
    out += [f"Ditetapkan · *Signed* {d.date.isoformat() if d.date else '-'}  ",
            f"{md_escape(s.position)}  ", "", f"**{md_escape(s.name)}**  "]
    if s.nip:
        out.append(f"NIP {s.nip}")
    out += ["", "---", ""]
    return out


def _line_md(line: Line, mark: str, lang: str) -> list[str]:
    source = f" — *[{md_escape(line.source)}]*" if line.source else ""
    out = [f"- {mark} {md_escape(line.text.pick(lang))}{source}" if mark != "-" and not
           mark.startswith("-") else f"{mark} {md_escape(line.text.pick(lang))}{source}"]
    if line.assumption is not None:
        out.append(f"  - ⚠ {'Asumsi' if lang == 'id' else 'Assumption'}: "
                   f"{md_escape(line.assumption.pick(lang))}")
    return out
