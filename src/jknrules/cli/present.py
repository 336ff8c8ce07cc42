"""A short human summary of a result, in Bahasa Indonesia (or English)."""

from __future__ import annotations

from jknrules.engine.result import RequiredDocument, Result
from jknrules.language.text import Bilingual
from jknrules.language.vocab import CHANNEL_LABELS, DEADLINE_LABELS, DOCUMENTS, OUTCOME_LABELS

_NO_CHANNEL = Bilingual.same("-")
_OUTCOME = Bilingual("Hasil", "Outcome")
_SEGMENT = Bilingual("Segmen tujuan", "Target segment")
_ROUTE = Bilingual("Layanan", "Route")
_REQUIRED = Bilingual("Dokumen wajib", "Required documents")
_MISSING = Bilingual("Dokumen kurang", "Missing documents")
_DEADLINES = Bilingual("Jadwal", "Deadlines")
_REASONS = Bilingual("Alasan", "Reasons")
_POLICY = Bilingual("Kebijakan", "Policy")


def _doc_line(item: RequiredDocument, lang: str) -> str:
    ids = item["any_of"] if "any_of" in item else [item["id"]]
    name = Bilingual(" atau ", " or ").join(DOCUMENTS[d] for d in ids).pick(lang)
    why = item["why"]["id"] if lang == "id" else item["why"]["en"]
    return f"  - {name}" + (f" — {why}" if why else "") + f" [{item['source']}]"


def render_text(result: Result, lang: str = "id") -> str:
    lines = [f"{_OUTCOME.pick(lang)}: {OUTCOME_LABELS[result.outcome].pick(lang)} "
             f"({result.outcome})"]
    if result.target_segment:
        lines.append(f"{_SEGMENT.pick(lang)}: {result.target_segment}")
    route = result.route
    if route is not None:
        channel = CHANNEL_LABELS.get(route.get("channel") or "", _NO_CHANNEL).pick(lang)
        lines.append(f"{_ROUTE.pick(lang)}: {route['name']} ({route['id']}) — "
                     f"{route['office']}, {channel}")
    if result.required_documents:
        lines.append(f"{_REQUIRED.pick(lang)}:")
        lines += [_doc_line(item, lang) for item in result.required_documents]
    if result.missing_documents:
        lines.append(f"{_MISSING.pick(lang)}: " + ", ".join(
            DOCUMENTS[d].pick(lang) for d in result.missing_documents))
    if result.deadlines:
        lines.append(f"{_DEADLINES.pick(lang)}:")
        for key, value in result.deadlines.items():
            lines.append(f"  - {DEADLINE_LABELS[key].pick(lang)}: {value}")
    if result.reasons:
        lines.append(f"{_REASONS.pick(lang)}:")
        for r in result.reasons:
            source = f" [{r['source']}]" if r.get("source") else ""
            lines.append(f"  - {r['message']['id' if lang == 'id' else 'en']}{source}")
    p = result.policy
    lines.append(f"{_POLICY.pick(lang)}: {p['regency']} @ {p['effective_from']} — "
                 f"{p['document']} (sha256 {p['sha256'][:12]})")
    return "\n".join(lines) + "\n"
