"""The parts of the semantic diff: change records, and one service against another.

Rules match by ``id``, document requirements by document (then by condition),
assumption notes by their text (channels: :mod:`jknrules.audit.diff.channels`; steps:
:mod:`jknrules.audit.diff.steps`; notices: :mod:`jknrules.audit.diff.notices`). Each
differing field is one :class:`Change` citing the clause on each side; an
element whose rule content is the same gives no change, except a new source
clause or assumption note while the service keeps its document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from jknrules.audit import wording as w
from jknrules.audit.diff.model import AREAS, Change, Side, Summary
from jknrules.audit.versions import ServiceView
from jknrules.engine.ir import Citation
from jknrules.language.policy import Condition
from jknrules.language.text import Bilingual
from jknrules.language.vocab import ROUTES

_ROUTE_ORDER = {r: i + 1 for i, r in enumerate(ROUTES)}


def canonical(cond: Condition | None) -> str:
    """A condition as text that is equal exactly when the conditions are the same
    test, whatever the order of ``all``/``any`` parts or ``in`` values."""
    return json.dumps(_canon(cond), sort_keys=True, ensure_ascii=False)


def _canon(cond: Condition | None) -> Any:
    if cond is None:
        return None
    if cond.all is not None or cond.any is not None:
        op = "all" if cond.all is not None else "any"
        parts: list[Any] = []
        for child in cond.children():
            c = _canon(child)
            parts += c[op] if isinstance(c, dict) and op in c else [c]
        unique = sorted({json.dumps(p, sort_keys=True): p for p in parts}.items())
        return unique[0][1] if len(unique) == 1 else {op: [p for _, p in unique]}
    if cond.not_ is not None:
        return {"not": _canon(cond.not_)}
    name, operand = cond.test
    if name == "in":
        operand = sorted(set(map(json.dumps, operand)))
    return {"field": cond.field, name: operand, "if_missing": cond.if_missing}


# --- building changes -------------------------------------------------------------

def side(words: Bilingual, cite: Citation | None = None, assumption: Bilingual | None = None,
         at: str | None = None) -> Side:
    return Side(
        text=words, source=cite.text if cite else None,
        at=(cite.at if cite else at) or None, assumption=assumption,
    )


def change(kind: str, area: str, route: str | None, item: str, title: Bilingual,
            old: Side | None, new: Side | None, field: str | None = None) -> Change:
    return Change.model_validate({
        "kind": kind, "area": area, "route": route, "item": item, "field": field,
        "title": title, "old": old, "new": new,
    })


def order(change: Change) -> tuple[int, int, str, int, str, str]:
    field = _FIELD_ORDER.index(change.field) if change.field in _FIELD_ORDER else len(_FIELD_ORDER)
    return (_ROUTE_ORDER.get(change.route or "", 0), AREAS.index(change.area), change.item,
            field, change.kind, change.model_dump_json())


def summarize(changes: Iterable[Change]) -> Summary:
    kinds = [c.kind for c in changes]
    return Summary(added=kinds.count("added"), removed=kinds.count("removed"),
                   changed=kinds.count("changed"), total=len(kinds))


_FIELD = {
    "title": Bilingual("nama", "name"), "document": Bilingual("dokumen penetap", "defining document"),
    "office": Bilingual("kantor", "office"), "target_segment": Bilingual("segmen", "segment"),
    "when": Bilingual("syarat", "condition"), "outcome": Bilingual("hasil", "outcome"),
    "message": Bilingual("pesan", "message"), "why": Bilingual("alasan", "reason"),
    "name": Bilingual("nama", "name"), "hours": Bilingual("jam pelayanan", "service hours"),
    "steps": Bilingual("seluruh prosedur", "whole procedure"),
    "source": Bilingual("klausul sumber", "source clause"), "assumption": Bilingual("asumsi", "assumption"),
    "label": Bilingual("label", "label"), "value": Bilingual("nomor/alamat/akun", "number/address/handle"),
    "note": Bilingual("keterangan", "remark"), "members": Bilingual("anggota", "members"),
}
_FIELD_ORDER = (*_FIELD, "short_title", "kind", "number", "date", "signed_by")


class Pair:
    """Two sides of one element: emits the changes between them."""

    def __init__(self, out: list[Change], area: str, route: str | None, item: str,
                 title: Bilingual, same_doc: bool) -> None:
        self.out, self.area, self.route, self.item = out, area, route, item
        self.title, self.same_doc = title, same_doc

    def added(self, new: Side) -> None:
        self.out.append(change("added", self.area, self.route, self.item, self.title, None, new))

    def removed(self, old: Side) -> None:
        self.out.append(change("removed", self.area, self.route, self.item, self.title, old,
                               None))

    def fields(self, old: Any, new: Any, values: dict[str, Callable[[Any], Bilingual]],
               cite: Callable[[Any], tuple[Citation | None, Bilingual | None]],
               keys: dict[str, Callable[[Any], Any]] | None = None, *,
               exclusive: bool = False,
               detail: dict[str, Callable[[Any, Any], Bilingual]] | None = None) -> None:
        """One change per differing field (compared by ``keys`` where given, else by
        the words with whitespace normalised; with ``exclusive`` only the first; a
        ``detail`` adds to the title, e.g. which members came and went); if none
        differs, the provenance (when the document is the same)."""
        (oc, oa), (nc, na) = cite(old), cite(new)
        found = False
        for name, value in values.items():
            key = (keys or {}).get(name)
            differs = key(old) != key(new) if key else _norm(value(old)) != _norm(value(new))
            if differs:
                found = True
                title = self.title if name == self.area else \
                    self.title + Bilingual(" — ", " — ") + _FIELD.get(name, Bilingual.same(name))
                if detail and name in detail:
                    title += detail[name](old, new)
                self.out.append(change("changed", self.area, self.route, self.item, title,
                                       side(value(old), oc, oa), side(value(new), nc, na), name))
                if exclusive:
                    break
        if found or not self.same_doc:
            return
        text = next(iter(values.values()))
        if _norm_text(oa) != _norm_text(na):
            self.out.append(change("changed", self.area, self.route, self.item,
                                   self.title + Bilingual(" — asumsi", " — assumption"),
                                   side(text(old), oc, oa), side(text(new), nc, na),
                                   "assumption"))
        if oc is not None and nc is not None and oc.text != nc.text:
            self.out.append(change("changed", self.area, self.route, self.item,
                                   self.title + Bilingual(" — klausul sumber", " — source clause"),
                                   side(text(old), oc, oa), side(text(new), nc, na), "source"))


def _norm(words: Bilingual) -> tuple[str, str]:
    return " ".join(words.id.split()), " ".join(words.en.split())


def _norm_text(text: Bilingual | None) -> tuple[str, str] | None:
    return None if text is None else _norm(text)


def same_document(a: ServiceView, b: ServiceView) -> bool:
    """Both sides are defined by the same document (then a new clause alone is a change)."""
    return a.model.document == b.model.document and a.compiled.document == b.compiled.document


def compare_services(out: list[Change], a: ServiceView, b: ServiceView) -> None:
    """Append every change from service ``a`` to service ``b`` (the same route)."""
    if a.model == b.model and a.docs.get(a.model.document) == b.docs.get(b.model.document) \
            and a.compiled.office == b.compiled.office:
        return
    route = a.route
    same_doc = same_document(a, b)
    title = Bilingual(f"Layanan {route}", f"Service {route}")
    svc = Pair(out, "service", route, "service", title, same_doc)
    svc.fields(a, b, {
        "title": lambda s: Bilingual.same(s.model.title),
        "document": lambda s: Bilingual.same(f"{s.model.document}: ") + w.document(s.compiled.document),
        "office": lambda s: Bilingual.same(f"{s.model.office}: {s.compiled.office}"),
    }, lambda s: (s.compiled.cite, None), {"document": lambda s: s.model.document})
    # these cite the service's own clause: its provenance is reported once, above
    Pair(out, "segment", route, "target_segment", Bilingual("Segmen tujuan", "Target segment"),
         False).fields(a, b, {"target_segment": lambda s: w.segment(s.model.target_segment)},
                       lambda s: (s.compiled.cite, None))
    words, key = when_words(lambda s: s.model.applies_when)
    Pair(out, "applies_when", route, "applies_when", Bilingual("Berlaku bila", "Applies when"),
         False).fields(a, b, {"when": words}, lambda s: (s.compiled.cite, None), {"when": key})
    _rules(out, a, b, same_doc)
    _requirements(out, a, b, same_doc)
    _singles(out, a, b, same_doc)
    _assumptions(out, a, b)


def when_words(get: Callable[[Any], Condition | None]) -> tuple[Callable[[Any], Bilingual],
                                                        Callable[[Any], str]]:
    """A condition's words, and its canonical form for comparing."""
    return (lambda x: w.condition(get(x))), (lambda x: canonical(get(x)))


def _rules(out: list[Change], a: ServiceView, b: ServiceView, same_doc: bool) -> None:
    ra = {r.id: (r, c) for r, c in zip(a.model.rules, a.compiled.rules, strict=True)}
    rb = {r.id: (r, c) for r, c in zip(b.model.rules, b.compiled.rules, strict=True)}
    for rid in sorted(set(ra) | set(rb)):
        pair = Pair(out, "rule", a.route, f"rules/{rid}", Bilingual(f"Aturan {rid}", f"Rule {rid}"),
                     same_doc)
        x, y = ra.get(rid), rb.get(rid)
        if x is None or y is None:
            r, c = x if x is not None else rb[rid]
            (pair.added if x is None else pair.removed)(side(w.rule(r), c.cite, r.assumption))
            continue
        words, key = when_words(lambda p: p[0].when)
        pair.fields(x, y, {
            "when": words,
            "outcome": lambda p: w.outcome(p[0].outcome),
            "target_segment": lambda p: w.segment(p[0].target_segment),
            "message": lambda p: Bilingual(p[0].message.id, p[0].message.en),
        }, lambda p: (p[1].cite, p[0].assumption), {"when": key})


def _requirements(out: list[Change], a: ServiceView, b: ServiceView, same_doc: bool) -> None:
    def groups(s: ServiceView) -> dict[tuple[bool, tuple[str, ...]], list[Any]]:
        found: dict[tuple[bool, tuple[str, ...]], list[Any]] = {}
        for q, c in zip(s.model.documents, s.compiled.requirements, strict=True):
            found.setdefault((q.any_of is not None, tuple(sorted(c.documents))), []).append((q, c))
        return found

    ga, gb = groups(a), groups(b)
    _, key = when_words(lambda p: p[0].when)
    values: dict[str, Callable[[Any], Bilingual]] = {
        "when": lambda p: w.condition(p[0].when) + _why(p[0].why),
        "why": lambda p: p[0].why or Bilingual.same("-"),
    }
    keys = {"when": key}

    def cite(p: Any) -> tuple[Citation | None, Bilingual | None]:
        return p[1].cite, p[0].assumption

    for group in sorted(set(ga) | set(gb)):
        olds, news = list(ga.get(group, [])), list(gb.get(group, []))
        label = ("|" if group[0] else "+").join(group[1])
        title = Bilingual("Persyaratan ", "Requirement ") + w.documents(group[1], group[0])
        pair = Pair(out, "requirement", a.route, f"documents/{label}", title, same_doc)
        for x in list(olds):
            match = next((y for y in news if canonical(y[0].when) == canonical(x[0].when)), None)
            if match is not None:
                olds.remove(x)
                news.remove(match)
                pair.fields(x, match, values, cite, keys, exclusive=True)
        if len(olds) == 1 and len(news) == 1:
            pair.fields(olds[0], news[0], values, cite, keys, exclusive=True)
            continue
        for x in olds:
            pair.removed(side(w.requirement(x[0]), x[1].cite, x[0].assumption))
        for y in news:
            pair.added(side(w.requirement(y[0]), y[1].cite, y[0].assumption))


def _why(why: Bilingual | None) -> Bilingual:
    return Bilingual(f" ({why.id})", f" ({why.en})") if why else Bilingual.same("")


def _singles(out: list[Change], a: ServiceView, b: ServiceView, same_doc: bool) -> None:
    items: list[tuple[str, str, Bilingual, Callable[[Any], Bilingual]]] = [
        ("intake_window", "window", Bilingual("Jendela penerimaan berkas", "Intake window"),
         w.window),
        ("cutoff", "cutoff", Bilingual("Batas pengajuan ke BPJS", "Cut-off to BPJS"), w.cutoff),
        ("response_time", "response", Bilingual("Waktu tanggapan", "Response time"), w.duration),
        ("expected_activation", "activation", Bilingual("Perkiraan aktif", "Expected activation"),
         w.activation),
    ]
    for name, attr, title, words in items:
        x, y = getattr(a.compiled, attr), getattr(b.compiled, attr)
        pair = Pair(out, name, a.route, name, title, same_doc)
        if x is None and y is None:
            continue
        if x is None or y is None:
            model, cite = x or y
            (pair.added if x is None else pair.removed)(side(words(model), cite, model.assumption))
            continue
        pair.fields(x, y, {name: _first(words)}, lambda p: (p[1], p[0].assumption))
    _fee(out, a, b, same_doc)


def _fee(out: list[Change], a: ServiceView, b: ServiceView, same_doc: bool) -> None:
    fa, fb = a.model.fee, b.model.fee
    if fa is None and fb is None:
        return

    def words(fee: Any) -> Bilingual:
        return Bilingual.same(f"{fee.text} (Rp {fee.amount_idr})")

    pair = Pair(out, "fee", a.route, "fee", Bilingual("Biaya/Tarif", "Fee"), same_doc)
    x = (fa, a.cite(fa.source, "fee")) if fa is not None else None
    y = (fb, b.cite(fb.source, "fee")) if fb is not None else None
    if x is None or y is None:
        model, cite = x or y  # type: ignore[misc]
        (pair.added if x is None else pair.removed)(side(words(model), cite))
        return
    pair.fields(x, y, {"fee": _first(words)}, lambda p: (p[1], None))


def _first(words: Callable[[Any], Bilingual]) -> Callable[[Any], Bilingual]:
    return lambda pair: words(pair[0])


def _assumptions(out: list[Change], a: ServiceView, b: ServiceView) -> None:
    def notes(s: ServiceView) -> dict[tuple[str, str, str], Side]:
        return {(n.about, n.note.id, n.note.en): side(
            Bilingual(f"{n.about}: {n.note.id}", f"{n.about}: {n.note.en}"),
            s.cite(n.source, "assumptions", i)) for i, n in enumerate(s.model.assumptions)}

    na, nb = notes(a), notes(b)
    for key in sorted(set(na) ^ set(nb)):
        pair = Pair(out, "assumption", a.route, f"assumptions/{key[0]}",
                     Bilingual(f"Asumsi tentang {key[0]}", f"Assumption about {key[0]}"), True)
        if key in na:
            pair.removed(na[key])
        else:
            pair.added(nb[key])
