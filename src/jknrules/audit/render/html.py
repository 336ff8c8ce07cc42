"""The rendered Standar Pelayanan as one self-contained HTML page.

No external fetch of any kind (no script, font, image or stylesheet link): the
flowchart is drawn with HTML boxes, and its Mermaid source is kept in a
``<details>`` block for tools. Each service starts on a new page when printed.
"""

from __future__ import annotations

from html import escape

from jknrules.audit import wording as w
from jknrules.audit.render.document import GAPS, VERSION_NOTES, Group, Line, Rendered, Sheet, marker
from jknrules.audit.render.flow import CHANNEL_QUESTION, Flow, mermaid
from jknrules.language.text import Bilingual

#: The page's style sheet (print rules included).
CSS = """
:root { --ink: #111; --muted: #555; --line: #999; }
* { box-sizing: border-box; }
body { font-family: "Times New Roman", Times, serif; color: var(--ink); margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.4rem; text-align: center; margin-bottom: .2rem; }
.sub { text-align: center; color: var(--muted); font-size: .9rem; }
.en { color: var(--muted); font-style: italic; font-size: .85em; }
.src { color: var(--muted); font-size: .8em; }
.asm { border-left: 3px solid #b8860b; padding-left: .5rem; margin: .2rem 0; font-size: .9em; }
.sheet { margin-top: 2.5rem; }
.sheet h2 { text-align: center; font-size: 1.15rem; text-transform: uppercase; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; text-align: left; }
th { background: #eee; }
table.sp td:first-child { width: 2.5rem; text-align: center; }
table.sp td:nth-child(2) { width: 12rem; font-weight: bold; }
table.meta td:first-child { width: 14rem; }
ol, ul { margin: .2rem 0; padding-left: 1.4rem; }
h4 { margin: .5rem 0 .2rem; font-size: 1em; }
ol.flow { list-style: none; padding: 0; margin: .5rem auto; max-width: 40rem; }
ol.flow > li { border: 1px solid var(--ink); border-radius: 4px; padding: .35rem .6rem;
               margin: 0 auto 1.4rem; position: relative; text-align: center; }
ol.flow > li:not(:last-child)::after { content: "↓"; position: absolute; left: 50%;
               bottom: -1.35rem; transform: translateX(-50%); }
ol.flow > li.start, ol.flow > li.end { border-radius: 1.2rem; font-weight: bold; }
ol.flow > li.decision { border-style: double; border-width: 3px; }
ol.flow .exit { display: block; font-size: .85em; color: var(--muted); }
ol.flow .lanes { display: flex; gap: .6rem; margin-top: .4rem; text-align: left; }
ol.flow .lane { flex: 1; border: 1px dashed var(--line); padding: .3rem .4rem; }
ol.flow .lane > b { display: block; font-size: .85em; }
ol.flow .lane ol { list-style: none; padding: 0; }
ol.flow .lane li { border: 1px solid var(--ink); border-radius: 4px; margin: .3rem 0;
                   padding: .2rem .4rem; }
ul.details { font-size: .9em; }
.sign { margin: 1.5rem 0 0 55%; }
.sign .name { font-weight: bold; text-decoration: underline; margin-top: 3rem; }
details { margin: .5rem 0; font-size: .85em; }
@media print {
  body { margin: 0; max-width: none; }
  .sheet { page-break-before: always; }
  details { display: none; }
  tr, li { page-break-inside: avoid; }
}
"""


def _bi(words: Bilingual, tag: str = "span") -> str:
    return f"{escape(words.id)} <{tag} class=\"en\">{escape(words.en)}</{tag}>"


def to_html(doc: Rendered, lang: str = "id") -> str:
    """The whole page: ``<head>`` with :data:`CSS`, then :func:`body_html`."""
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{"id" if lang == "id" else "en"}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Standar Pelayanan — {escape(doc.name)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        body_html(doc, lang),
        "</body>",
        "</html>",
    ]) + "\n"


def body_html(doc: Rendered, lang: str = "id") -> str:
    """What the page's ``<body>`` holds (the policy pages of ``jknrules serve`` embed it)."""
    zone = w.ZONES.get(doc.time_zone, "")
    out = [
        f"<h1>Standar Pelayanan — {escape(doc.name)}</h1>",
        f'<p class="sub">Dihasilkan dari kebijakan <code>{escape(doc.file)}</code>, versi '
        f"{doc.effective_from}, berlaku per {doc.as_of}; sha256 <code>{doc.sha256}</code>; "
        f'waktu {zone}.<br><span class="en">Generated from the policy; each line cites the '
        "clause of the signed document; ⚠ marks the policy's assumptions.</span></p>",
    ]
    if doc.assumptions:
        out.append(f'<section class="version-notes"><h3>{_bi(VERSION_NOTES)}</h3><ul>')
        out += [f"<li>{_line_body(n, lang, warn=True)}</li>" for n in doc.assumptions]
        out.append("</ul></section>")
    out += [
        "<ol>",
    ]
    out += [f'<li><a href="#{s.route}">{escape(s.title)}</a> <code>{s.route}</code></li>'
            for s in doc.sheets]
    out.append("</ol>")
    for sheet in doc.sheets:
        out += _sheet(sheet, lang)
    if doc.gaps:
        out.append(f'<section class="gaps"><h2>{_bi(GAPS)}</h2><ul>')
        out += [f"<li>{_line_body(g, lang, warn=True)}</li>" for g in doc.gaps]
        out.append("</ul></section>")
    return "\n".join(out)


def _sheet(sheet: Sheet, lang: str) -> list[str]:
    d = sheet.document
    out = [f'<section class="sheet" id="{sheet.route}">',
           f"<h2>Standar Pelayanan<br>{escape(d.title)}</h2>",
           '<table class="meta">',
           f"<tr><td>{_bi(Bilingual('Layanan', 'Route'))}</td><td>{escape(sheet.title)} "
           f"<code>{sheet.route}</code></td></tr>",
           f"<tr><td>{_bi(Bilingual('Jenis, nomor', 'Kind, number'))}</td><td>{escape(d.kind)}"
           f"{', Nomor ' + escape(d.number) if d.number else ''}</td></tr>",
           f"<tr><td>{_bi(Bilingual('Ditetapkan', 'Signed'))}</td>"
           f"<td>{d.date.isoformat() if d.date else '-'}</td></tr>",
           f"<tr><td>{_bi(Bilingual('Berlaku sejak', 'In force from'))}</td>"
           f"<td>{sheet.defined_in}</td></tr>",
           f"<tr><td>{_bi(Bilingual('Kantor', 'Office'))}</td><td>{escape(sheet.office)}</td></tr>",
           "</table>",
           '<table class="sp">',
           f"<thead><tr><th>No</th><th>{_bi(Bilingual('Komponen', 'Component'))}</th>"
           f"<th>{_bi(Bilingual('Uraian', 'Description'))}</th></tr></thead>",
           "<tbody>"]
    for comp in sheet.components:
        cell = "".join(_group(g, lang) for g in comp.groups)
        out.append(f"<tr><td>{comp.number}.</td><td>{_bi(comp.title, 'div')}</td>"
                   f"<td>{cell}</td></tr>")
    out += ["</tbody>", "</table>",
            f"<h3>{_bi(Bilingual('Bagan alur', 'Flowchart'))}</h3>", _flow(sheet.flow, lang),
            "<details><summary>Mermaid</summary><pre>"
            f"{escape(mermaid(sheet.flow, lang))}</pre></details>"]
    if sheet.notes:
        out.append(f"<h3>{_bi(Bilingual('Asumsi', 'Assumptions'))}</h3><ul>")
        out += [f"<li>{_line_body(n, lang, warn=True)}</li>" for n in sheet.notes]
        out.append("</ul>")
    s = d.signed_by
    out += ['<div class="sign">',
            f"Ditetapkan {d.date.isoformat() if d.date else ''}<br>{escape(s.position)}",
            f'<div class="name">{escape(s.name)}</div>',
            f"NIP {escape(s.nip)}" if s.nip else "",
            "</div>", "</section>"]
    return out


def _group(group: Group, lang: str) -> str:
    head = f"<h4>{_bi(group.title)}</h4>" if group.title is not None else ""
    if not group.lines:
        return head + "<p>–</p>"
    if group.marker == "-":
        items = "".join(f"<li>{_line_body(line, lang)}</li>" for line in group.lines)
        return f"{head}<ul>{items}</ul>"
    kind = "a" if group.marker == "a" else "1"
    items = "".join(f'<li value="{i + 1}" data-mark="{marker(group, i)}">'
                    f"{_line_body(line, lang)}</li>" for i, line in enumerate(group.lines))
    return f'{head}<ol type="{kind}">{items}</ol>'


def _line_body(line: Line, lang: str, warn: bool = False) -> str:
    text = ("⚠ " if warn else "") + escape(line.text.pick(lang))
    if line.source:
        text += f' <span class="src">[{escape(line.source)}]</span>'
    if line.details:
        text += '<ul class="details">' + "".join(
            f"<li>{escape(d.pick(lang))}</li>" for d in line.details) + "</ul>"
    if line.assumption is not None:
        label = "Asumsi" if lang == "id" else "Assumption"
        text += f'<div class="asm">⚠ {label}: {escape(line.assumption.pick(lang))}</div>'
    return text


def _flow(flow: Flow, lang: str) -> str:
    yes, no = ("ya", "tidak") if lang == "id" else ("yes", "no")
    items = [f'<li class="start">{escape(flow.start.pick(lang))}</li>']
    for d in flow.decisions:
        exit_word = yes if d.yes_ends else no
        go_on = no if d.yes_ends else yes
        items.append(f'<li class="decision">◇ {escape(d.question.pick(lang))}'
                     f'<span class="exit">{exit_word} → {escape(d.outcome.pick(lang))}; '
                     f"{go_on} ↓</span></li>")
    if len(flow.lanes) == 1:
        items += [f'<li class="step">{escape(s.pick(lang))}</li>' for s in flow.lanes[0].steps]
    else:
        lanes = "".join(
            f'<div class="lane"><b>{escape(lane.label.pick(lang) if lane.label else "-")}</b>'
            "<ol>" + "".join(f"<li>{escape(s.pick(lang))}</li>" for s in lane.steps) + "</ol></div>"
            for lane in flow.lanes)
        items.append(f'<li class="decision">◇ {escape(CHANNEL_QUESTION.pick(lang))}'
                     f'<div class="lanes">{lanes}</div></li>')
    items.append(f'<li class="end">{escape(flow.end.pick(lang))}</li>')
    return '<ol class="flow">' + "".join(items) + "</ol>"
