"""The semantic diff: what changed in the rules between two policy versions.

Compared after layering (the services in force on each side), element by
element (see :mod:`jknrules.audit.diff.parts`): rules by ``id``, document requirements
by document (then condition), channels by ``id`` with their office, members and
own steps (:mod:`jknrules.audit.diff.channels`), steps by position and content
(:mod:`jknrules.audit.diff.steps`), notices by ``id`` (:mod:`jknrules.audit.diff.notices`),
complaint channels by kind and label (:mod:`jknrules.audit.diff.complaints`), source
documents by id, the versions' own assumption notes by their text (then by what
they are about). Conditions are compared in a canonical form (``all``/
``any`` order, ``in`` order and nesting do not matter), so reordering keys or
list items, reformatting, comments or moving a rule give no change. A change of
the cited clause alone is reported only while the service keeps its document
(when a new document restates a service every citation changes with it, and
the change of document is reported once).

Two files (or revisions of one) are compared on every effective date of either
file: the rules in force from that date before and after the edit. A change
already listed under an earlier date is not repeated.
"""

from __future__ import annotations

import datetime as dt

from jknrules.audit import wording as w
from jknrules.audit.diff.channels import compare_channels
from jknrules.audit.diff.complaints import compare_complaints
from jknrules.audit.diff.model import Change, Comparison, DiffReport, Impact, Side, VersionRef
from jknrules.audit.diff.model import Operand as OperandRef
from jknrules.audit.diff.notices import compare_notices
from jknrules.audit.diff.parts import Pair, canonical, change, compare_services, order, side, summarize
from jknrules.audit.diff.steps import compare_steps
from jknrules.audit.versions import Operand, ServiceView, Snapshot
from jknrules.engine.ir import Citation
from jknrules.errors import JknrulesError, diag
from jknrules.language.policy import Assumption, Office, Policy, SourceDocument
from jknrules.language.text import Bilingual
from jknrules.language.vocab import ROUTES

# --- policy level -----------------------------------------------------------------

def compare_policy(old: Policy, new: Policy) -> list[Change]:
    out: list[Change] = []
    for name in ("name", "bps_code", "time_zone"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(change("changed", "policy", None, name, Bilingual.same(name),
                               side(Bilingual.same(str(a))), side(Bilingual.same(str(b))), name))
    for key in sorted(set(old.offices) | set(new.offices)):
        a, b = old.offices.get(key), new.offices.get(key)
        title = Bilingual(f"Kantor {key}", f"Office {key}")
        if a is None or b is None or a != b:
            kind = "added" if a is None else "removed" if b is None else "changed"
            out.append(change(kind, "office", None, f"offices/{key}", title,
                               side(_office(a)) if a else None, side(_office(b)) if b else None))
    days_a = {c.date: c for c in old.closed_days}
    days_b = {c.date: c for c in new.closed_days}
    for day in sorted(set(days_a) | set(days_b)):
        a2, b2 = days_a.get(day), days_b.get(day)
        if a2 != b2:
            kind = "added" if a2 is None else "removed" if b2 is None else "changed"
            out.append(change(
                kind, "closed_day", None, f"closed_days/{day}",
                Bilingual(f"Hari tutup {day}", f"Closed day {day}"),
                side(Bilingual.same(a2.reason), Citation(a2.source, "")) if a2 else None,
                side(Bilingual.same(b2.reason), Citation(b2.source, "")) if b2 else None))
    return sorted(out, key=order)


def _office(office: Office) -> Bilingual:
    return Bilingual.same(office.name + (f", {office.address}" if office.address else ""))


def _doc_cite(doc: SourceDocument, at: str) -> Citation:
    """A document is its own source: cited by its short title and date."""
    date = f" ({doc.date.isoformat()})" if doc.date else ""
    return Citation(f"{doc.short_title or doc.title}{date}", at)


def _doc_field(doc: SourceDocument, name: str) -> Bilingual:
    return w.signatory(doc) if name == "signed_by" else Bilingual.same(str(getattr(doc, name) or "-"))


# --- a version against another ------------------------------------------------------

def compare(old: Snapshot | None, new: Snapshot | None) -> list[Change]:
    """Every semantic change from ``old`` to ``new`` (either may be absent)."""
    out: list[Change] = []
    _documents(out, old.documents() if old else {}, new.documents() if new else {})
    o_services = old.services() if old else {}
    n_services = new.services() if new else {}
    for route in ROUTES:
        a, b = o_services.get(route), n_services.get(route)
        if a is not None and b is not None:
            compare_route(out, a, b)
        elif a is not None or b is not None:
            s = a or b
            assert s is not None
            title = Bilingual(f"Layanan {route}", f"Service {route}")
            text = Bilingual.same(s.model.title + " — ") + Bilingual("segmen tujuan ", "target segment ") \
                + w.segment(s.model.target_segment) + Bilingual.same(f"; {s.compiled.office}")
            pair = Pair(out, "service", route, "service", title, False)
            (pair.removed if b is None else pair.added)(side(text, s.compiled.cite))
    _gaps(out, old, new)
    _version_assumptions(out, old, new)
    return sorted(out, key=order)


def compare_route(out: list[Change], a: ServiceView, b: ServiceView) -> None:
    """Append every change from service ``a`` to service ``b`` (the same route)."""
    compare_services(out, a, b)
    compare_notices(out, a, b)
    compare_channels(out, a, b)
    compare_steps(out, a, b, a.model.steps, b.model.steps, ("steps",), ("steps",))
    compare_complaints(out, a, b)


#: a version's assumption note: (note, citation, the document it cites)
_Note = tuple[Assumption, Citation, SourceDocument | None]


def _version_assumptions(out: list[Change], old: Snapshot | None, new: Snapshot | None) -> None:
    """The notes on the versions in force as a whole (``Version.assumptions``, with
    those of earlier versions whose services are still in force). Equal notes match
    first (then a new clause of the same document is a change); of the rest, the one
    note on each side about the same thing is one change of its text."""
    olds, news = _notes(old), _notes(new)
    matched: list[tuple[_Note, _Note]] = []
    for x in list(olds):
        y = next((y for y in news if _same_note(x, y)), None)
        if y is not None:
            olds.remove(x)
            news.remove(y)
            matched.append((x, y))
    for x in list(olds):
        about = x[0].about
        ys = [y for y in news if y[0].about == about]
        if len(ys) == 1 and [o[0].about for o in olds].count(about) == 1:
            olds.remove(x)
            news.remove(ys[0])
            matched.append((x, ys[0]))
    for x, y in matched:
        _note_pair(out, y, x[2] == y[2]).fields(
            x, y, {"version_assumption": _note_text}, lambda e: (e[1], None))
    for x in olds:
        _note_pair(out, x).removed(side(_note_text(x), x[1]))
    for y in news:
        _note_pair(out, y).added(side(_note_text(y), y[1]))


def _notes(snap: Snapshot | None) -> list[_Note]:
    if snap is None:
        return []
    versions = snap.source.policy.versions
    return [(n, cite, versions[vi].documents.get(n.source.document or next(iter(
        versions[vi].documents)))) for vi, n, cite in snap.assumptions()]


def _same_note(x: _Note, y: _Note) -> bool:
    a, b = x[0], y[0]
    return (a.about, _norm(a.note.id), _norm(a.note.en)) == (b.about, _norm(b.note.id),
                                                             _norm(b.note.en))


def _note_text(e: _Note) -> Bilingual:
    n = e[0]
    return Bilingual(f"{n.about}: {n.note.id}", f"{n.about}: {n.note.en}")


def _note_pair(out: list[Change], e: _Note, same_doc: bool = True) -> Pair:
    about = e[0].about
    return Pair(out, "version_assumption", None, f"version_assumptions/{about}",
                Bilingual(f"Asumsi versi tentang {about}", f"Version assumption about {about}"),
                same_doc)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _gaps(out: list[Change], old: Snapshot | None, new: Snapshot | None) -> None:
    """Acknowledged gaps of the version (situations the documents leave open)."""
    def gaps(snap: Snapshot | None) -> dict[tuple[str, str, str], Side]:
        if snap is None:
            return {}
        version = snap.source.policy.versions[snap.index]
        found: dict[tuple[str, str, str], Side] = {}
        for i, gap in enumerate(getattr(version, "acknowledged_gaps", ())):
            cond = w.condition(gap.when)
            span = snap.source.loaded.source.span(("versions", snap.index, "acknowledged_gaps", i))
            cite = Citation.of(gap.source, next(iter(version.documents)), version.documents, span)
            found[(canonical(gap.when), gap.note.id, gap.note.en)] = side(
                Bilingual("bila ", "when ") + cond + Bilingual(f": {gap.note.id}", f": {gap.note.en}"),
                cite)
        return found

    ga, gb = gaps(old), gaps(new)
    for key in sorted(set(ga) ^ set(gb)):
        side_ = ga.get(key) or gb[key]
        pair = Pair(out, "acknowledged_gap", None, f"acknowledged_gaps/{side_.text.id}",
                     Bilingual("Celah yang diakui", "Acknowledged gap"), True)
        if key in ga:
            pair.removed(ga[key])
        else:
            pair.added(gb[key])


def _documents(out: list[Change], old: dict[str, tuple[SourceDocument, str]],
               new: dict[str, tuple[SourceDocument, str]]) -> None:
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        title = Bilingual(f"Dokumen {key}", f"Document {key}")
        pair = Pair(out, "document", None, f"documents/{key}", title, True)
        if a is None or b is None:
            doc, at = old[key] if a is not None else new[key]
            lines = [w.document(doc)]
            if doc.legal_basis:
                lines.append(Bilingual("Dasar hukum:", "Legal basis:"))
                lines += [Bilingual.same(f"({i}) {law}") for i, law in enumerate(doc.legal_basis, 1)]
            (pair.added if a is None else pair.removed)(side(Bilingual.same("\n").join(lines),
                                                             _doc_cite(doc, at)))
            continue
        (da, at_a), (db, at_b) = a, b
        # not ``seed``: the transcriber's working file is not part of the signed document
        for name in ("title", "short_title", "kind", "number", "date", "signed_by"):
            va, vb = getattr(da, name), getattr(db, name)
            if va != vb:
                out.append(change("changed", "document", None, f"documents/{key}",
                                   title + Bilingual.same(f" — {name}"),
                                   side(_doc_field(da, name), _doc_cite(da, at_a)),
                                   side(_doc_field(db, name), _doc_cite(db, at_b)), name))
        laws_a = {" ".join(x.split()): x for x in da.legal_basis}
        laws_b = {" ".join(x.split()): x for x in db.legal_basis}
        for law in sorted(set(laws_a) ^ set(laws_b)):
            lp = Pair(out, "legal_basis", None, f"documents/{key}/legal_basis/{law}",
                       Bilingual(f"Dasar hukum {key}", f"Legal basis of {key}"), True)
            if law in laws_a:
                lp.removed(side(Bilingual.same(law), _doc_cite(da, at_a)))
            else:
                lp.added(side(Bilingual.same(law), _doc_cite(db, at_b)))


# --- the report ---------------------------------------------------------------------

def version_ref(snap: Snapshot) -> VersionRef:
    return VersionRef(
        regency=snap.source.policy.regency, effective_from=snap.effective_from.isoformat(),
        sha256=snap.version.sha256, file=snap.source.file,
        documents=[doc.short_title or doc.title for doc, _ in snap.documents().values()],
    )


def comparisons(old: Operand, new: Operand) -> list[Comparison]:
    """The versions to compare: the two named (``@DATE``), or every effective date."""
    if old.source.policy.regency != new.source.policy.regency:
        raise JknrulesError([diag(
            "JKN-A004",
            f"tidak dapat membandingkan kabupaten berbeda: {old.source.policy.regency} dan "
            f"{new.source.policy.regency}",
            f"cannot compare different regencies: {old.source.policy.regency} and "
            f"{new.source.policy.regency}",
        )])
    as_old, as_new = old.as_of or new.as_of, new.as_of or old.as_of
    if as_old is not None and as_new is not None:
        a, b = old.source.require_at(as_old), new.source.require_at(as_new)
        return [Comparison(as_of=None, old=version_ref(a), new=version_ref(b),
                           changes=compare(a, b))]
    dates: set[dt.date] = {v.effective_from for v in old.source.policy.versions}
    dates |= {v.effective_from for v in new.source.policy.versions}
    out: list[Comparison] = []
    seen: set[str] = set()
    for day in sorted(dates):
        x, y = old.source.at(day), new.source.at(day)
        found = compare(x, y)
        keys = [c.model_dump_json() for c in found]
        out.append(Comparison(
            as_of=day.isoformat(), old=version_ref(x) if x else None,
            new=version_ref(y) if y else None,
            changes=[c for c, k in zip(found, keys, strict=True) if k not in seen]))
        seen.update(keys)
    return out


def build_report(old: Operand, new: Operand, impact: Impact | None = None) -> DiffReport:
    compared = comparisons(old, new)
    policy_changes = compare_policy(old.source.policy, new.source.policy)
    every = policy_changes + [c for comp in compared for c in comp.changes]
    summary = summarize(every)
    return DiffReport(
        format="jknrules.diff/1", old=_operand(old), new=_operand(new),
        semantic_change=summary.total > 0,
        summary=summary, policy_changes=policy_changes, comparisons=compared, impact=impact,
    )


def _operand(op: Operand) -> OperandRef:
    return OperandRef(label=op.label, file=op.source.file, revision=op.source.revision)
