"""Version history of a regency's policy: which version was in force when, who signed
it, on what legal basis, and how much changed from the version before.

The count of changes is the semantic diff (:mod:`jknrules.audit.diff.compare`) between each
version and the previous one, after layering.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from jknrules.audit.diff.compare import compare
from jknrules.audit.diff.parts import summarize
from jknrules.audit.versions import PolicySource
from jknrules.audit.wording import ZONES, md_escape
from jknrules.language.policy import SourceDocument


@dataclass(frozen=True)
class VersionEntry:
    effective_from: dt.date
    until: dt.date | None  # the last day in force; None: still in force
    sha256: str
    documents: tuple[tuple[str, SourceDocument], ...]  # the version's own documents
    defines: tuple[str, ...]  # routes this version (re)defines
    carries: tuple[tuple[str, dt.date], ...]  # routes carried over, with their version
    withdraws: tuple[str, ...]
    changes: dict[str, int] | None  # added/removed/changed/total; None for the first
    routes_changed: tuple[str, ...]

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.until is None or day <= self.until)


def history(source: PolicySource) -> list[VersionEntry]:
    policy = source.policy
    snaps = source.snapshots()
    out: list[VersionEntry] = []
    for i, snap in enumerate(snaps):
        version = policy.versions[i]
        nxt = policy.versions[i + 1].effective_from if i + 1 < len(snaps) else None
        layer = source.layers[i]
        changes = compare(snaps[i - 1], snap) if i else None
        out.append(VersionEntry(
            effective_from=version.effective_from,
            until=nxt - dt.timedelta(days=1) if nxt else None,
            sha256=snap.version.sha256,
            documents=tuple(version.documents.items()),
            defines=tuple(r for r, (vi, _) in layer.items() if vi == i),
            carries=tuple((r, policy.versions[vi].effective_from)
                          for r, (vi, _) in layer.items() if vi != i),
            withdraws=tuple(version.withdraws),
            changes=None if changes is None else summarize(changes).model_dump(),
            routes_changed=() if changes is None else tuple(dict.fromkeys(
                c.route for c in changes if c.route is not None)),
        ))
    return out


def in_force(entries: list[VersionEntry], day: dt.date) -> VersionEntry | None:
    return next((e for e in entries if e.in_force_on(day)), None)


def change_line(entry: VersionEntry, lang: str = "id") -> str:
    """One line: how much changed from the previous version."""
    c = entry.changes
    if c is None:
        return "versi pertama" if lang == "id" else "first version"
    if not c["total"]:
        return "tidak ada perubahan semantik" if lang == "id" else "no semantic change"
    routes = ", ".join(entry.routes_changed) or "-"
    if lang == "id":
        return (f"{c['total']} perubahan: {c['added']} ditambah, {c['removed']} dihapus, "
                f"{c['changed']} diubah (layanan: {routes})")
    return (f"{c['total']} changes: {c['added']} added, {c['removed']} removed, "
            f"{c['changed']} changed (services: {routes})")


def _period(entry: VersionEntry) -> str:
    return f"{entry.effective_from} – {entry.until or 'kini · *now*'}"


def to_markdown(source: PolicySource, entries: list[VersionEntry],
                as_of: dt.date | None = None) -> str:
    policy = source.policy
    out = [f"# Riwayat versi · *Version history* — {md_escape(policy.name)} (`{policy.regency}`)", "",
           f"Berkas · *file*: `{source.file}` · zona waktu · *time zone*: {policy.time_zone} "
           f"({ZONES.get(policy.time_zone, '')})", ""]
    shown = entries
    if as_of is not None:
        current = in_force(entries, as_of)
        assert current is not None  # the command refuses a date before the first version
        out += [f"**Berlaku pada {as_of} · *In force on {as_of}*: versi · *version* "
                f"{current.effective_from}** (sha256 `{current.sha256}`)", ""]
        shown = [current]
    out += ["| Berlaku · *In force* | Dokumen · *Documents* | Perubahan dari versi sebelumnya · "
            "*Changes from the previous version* |", "|---|---|---|"]
    for e in entries:
        docs = "; ".join(md_escape(d.short_title or d.title) for _, d in e.documents)
        out.append(f"| {_period(e)} | {docs} | {change_line(e, 'id')} · *{change_line(e, 'en')}* |")
    out.append("")
    for e in shown:
        out += _entry(e)
    return "\n".join(out).rstrip() + "\n"


def _entry(e: VersionEntry) -> list[str]:
    out = [f"## {_period(e)}", "", f"- sha256: `{e.sha256}`",
           f"- Perubahan · *changes*: {change_line(e, 'id')} · *{change_line(e, 'en')}*"]
    if e.defines:
        out.append("- Layanan yang ditetapkan · *services defined*: "
                   + ", ".join(f"`{r}`" for r in e.defines))
    if e.carries:
        out.append("- Layanan yang tetap berlaku dari versi sebelumnya · *carried over*: "
                   + ", ".join(f"`{r}` ({d})" for r, d in e.carries))
    if e.withdraws:
        out.append("- Layanan dicabut · *withdrawn*: " + ", ".join(f"`{r}`" for r in e.withdraws))
    out.append("")
    for doc_id, doc in e.documents:
        out += [f"### {md_escape(doc.title)}", "",
                f"- Id: `{doc_id}` · Jenis · *kind*: {doc.kind} · Nomor · *number*: "
                f"{md_escape(doc.number or '-')} · Ditetapkan · *signed*: "
                f"{doc.date.isoformat() if doc.date else 'tidak terbaca · *not legible*'}",
                f"- Ditandatangani · *signed by*: {md_escape(doc.signed_by.name)}, "
                f"{md_escape(doc.signed_by.position)}"
                + (f", NIP {md_escape(doc.signed_by.nip)}" if doc.signed_by.nip else "")]
        if doc.legal_basis:
            out.append("- Dasar hukum · *legal basis*:")
            out += [f"  {i}. {md_escape(law)}" for i, law in enumerate(doc.legal_basis, 1)]
        out.append("")
    return out


def to_json(source: PolicySource, entries: list[VersionEntry],
            as_of: dt.date | None = None) -> str:
    current = in_force(entries, as_of) if as_of else None
    data: dict[str, Any] = {
        "regency": source.policy.regency, "name": source.policy.name, "file": source.file,
        "as_of": as_of.isoformat() if as_of else None,
        "in_force": current.effective_from.isoformat() if current else None,
        "versions": [_entry_json(e) for e in entries],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _entry_json(e: VersionEntry) -> dict[str, Any]:
    return {
        "effective_from": e.effective_from.isoformat(),
        "until": e.until.isoformat() if e.until else None,
        "sha256": e.sha256,
        # documents by title, number and date; not the transcriber's working file (``seed``)
        "documents": [{"id": k, **d.model_dump(mode="json", exclude={"seed"})}
                      for k, d in e.documents],
        "defines": list(e.defines),
        "carries_over": [{"route": r, "from": d.isoformat()} for r, d in e.carries],
        "withdraws": list(e.withdraws),
        "changes": None if e.changes is None else {**e.changes,
                                                   "routes": list(e.routes_changed)},
        "summary": {"id": change_line(e, "id"), "en": change_line(e, "en")},
    }
