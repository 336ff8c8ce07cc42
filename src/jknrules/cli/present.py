"""A short human summary of a result, in Bahasa Indonesia (or English)."""

from __future__ import annotations

from jknrules.engine.result import RequiredDocument, Result
from jknrules.language.vocab import CHANNEL_LABELS, DEADLINE_LABELS, DOCUMENTS, OUTCOME_LABELS


def _doc_line(item: RequiredDocument, lang: int) -> str:
    ids = item["any_of"] if "any_of" in item else [item["id"]]
    joiner = " atau " if lang == 0 else " or "
    name = joiner.join(DOCUMENTS[d][lang] for d in ids)
    why = item["why"]["id"] if lang == 0 else item["why"]["en"]
    return f"  - {name}" + (f" — {why}" if why else "") + f" [{item['source']}]"


def render_text(result: Result, lang: str = "id") -> str:
    i = 0 if lang == "id" else 1
    label = ("Hasil", "Outcome"), ("Segmen tujuan", "Target segment"), ("Layanan", "Route"), (
        "Dokumen wajib", "Required documents"), ("Dokumen kurang", "Missing documents"), (
        "Jadwal", "Deadlines"), ("Alasan", "Reasons"), ("Kebijakan", "Policy")
    lines = [f"{label[0][i]}: {OUTCOME_LABELS[result.outcome][i]} ({result.outcome})"]
    if result.target_segment:
        lines.append(f"{label[1][i]}: {result.target_segment}")
    route = result.route
    if route is not None:
        channel = CHANNEL_LABELS.get(route.get("channel") or "", ("-", "-"))[i]
        lines.append(f"{label[2][i]}: {route['name']} ({route['id']}) — {route['office']}, "
                     f"{channel}")
    if result.required_documents:
        lines.append(f"{label[3][i]}:")
        lines += [_doc_line(item, i) for item in result.required_documents]
    if result.missing_documents:
        lines.append(f"{label[4][i]}: " + ", ".join(
            DOCUMENTS[d][i] for d in result.missing_documents))
    if result.deadlines:
        lines.append(f"{label[5][i]}:")
        for key, value in result.deadlines.items():
            lines.append(f"  - {DEADLINE_LABELS[key][i]}: {value}")
    if result.reasons:
        lines.append(f"{label[6][i]}:")
        for r in result.reasons:
            source = f" [{r['source']}]" if r.get("source") else ""
            lines.append(f"  - {r['message']['id' if i == 0 else 'en']}{source}")
    p = result.policy
    lines.append(f"{label[7][i]}: {p['regency']} @ {p['effective_from']} — {p['document']} "
                 f"(sha256 {p['sha256'][:12]})")
    return "\n".join(lines) + "\n"
