"""Text and JSON reports of ``check`` findings and ``test --coverage``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from jknrules.analysis.check import Finding
from jknrules.analysis.coverage import Coverage
from jknrules.language.text import Bilingual

_KIND: dict[str, Bilingual] = {
    "gap": Bilingual("celah", "gap"),
    "acknowledged_gap": Bilingual("celah diakui", "acknowledged gap"),
    "overlap": Bilingual("tumpang tindih", "overlap"),
    "dead_rule": Bilingual("aturan mati", "dead rule"),
    "dead_requirement": Bilingual("persyaratan mati", "dead requirement"),
    "unreachable_channel": Bilingual("kanal tak terjangkau", "unreachable channel"),
    "calendar": Bilingual("kalender", "calendar"),
    "active_member_accepted": Bilingual("peserta aktif ke segmen kedua", "active member, second segment"),
}


def _line(f: Finding, lang: str) -> list[str]:
    where = f.at[0] + ": " if f.at else ""
    head = f"{where}{_KIND[f.kind].pick(lang)} [{f.regency} @ {f.version}] "
    head += f.message.pick(lang)
    lines = [head]
    for extra in f.at[1:]:
        lines.append(f"    {'juga di' if lang == 'id' else 'also at'} {extra}")
    for source in f.sources:
        lines.append(f"    {'sumber' if lang == 'id' else 'source'}: {source}")
    if f.note:
        lines.append(f"    {'catatan' if lang == 'id' else 'note'}: {f.note.pick(lang)}")
    return lines


def findings_text(findings: Sequence[Finding], lang: str = "id") -> str:
    blocking = [f for f in findings if f.blocking]
    known = [f for f in findings if not f.blocking]
    out: list[str] = []
    for f in blocking:
        out += _line(f, lang)
    if known:
        out.append("")
        out.append("Celah yang diakui (tidak menggagalkan):" if lang == "id"
                   else "Acknowledged gaps (not failures):")
        for f in known:
            out += ["  " + line for line in _line(f, lang)]
    out.append("")
    if lang == "id":
        out.append(f"Ringkasan: {len(blocking)} temuan, {len(known)} celah diakui.")
    else:
        out.append(f"Summary: {len(blocking)} findings, {len(known)} acknowledged gaps.")
    return "\n".join(out).lstrip("\n") + "\n"


def findings_json(findings: Sequence[Finding]) -> str:
    body = {
        "findings": [f.to_json() for f in findings if f.blocking],
        "acknowledged": [f.to_json() for f in findings if not f.blocking],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


_COVERED = {"rule": Bilingual("aturan", "rules"), "requirement": Bilingual("persyaratan", "requirements"),
            "channel": Bilingual("kanal", "channels"), "window": Bilingual("jendela", "windows")}


def coverage_text(cov: Coverage, lang: str = "id") -> str:
    parts = [f"{name.pick(lang)} {cov.percent(kind):.0f}%" for kind, name in _COVERED.items()]
    out = [("Cakupan: " if lang == "id" else "Coverage: ") + ", ".join(parts)]
    for item in cov.missed:
        label = "belum diuji" if lang == "id" else "not exercised"
        out.append(f"  {item.at}: {label}: {item.kind} '{item.name}' "
                   f"({item.regency} {item.route} @ {item.defined_in})")
    return "\n".join(out) + "\n"
