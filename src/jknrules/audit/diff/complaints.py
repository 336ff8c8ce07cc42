"""The diff of a service's complaint channels (Penanganan Pengaduan, Saran dan Masukan).

Channels match by kind and label, then (for those left) by kind and value, so a
new number under the same label is one change of its value and a relabelled
channel with the same number one change of its label. Each differing field is
one change citing the clause on each side; the rest are added or removed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jknrules.audit import wording as w
from jknrules.audit.diff.model import Change
from jknrules.audit.diff.parts import Pair, same_document, side
from jknrules.audit.versions import ServiceView
from jknrules.engine.ir import Citation
from jknrules.language.policy import ComplaintChannel
from jknrules.language.text import Bilingual

Entry = tuple[ComplaintChannel, Citation]


def compare_complaints(out: list[Change], a: ServiceView, b: ServiceView) -> None:
    """Append the changes of the complaint channels from service ``a`` to ``b``."""
    olds, news = _entries(a), _entries(b)
    same_doc = same_document(a, b)
    matched: list[tuple[Entry, Entry]] = []
    for key in (_by_label, _by_value):
        for x in list(olds):
            y = next((y for y in news if key(y) == key(x)), None)
            if y is not None:
                olds.remove(x)
                news.remove(y)
                matched.append((x, y))
    values: dict[str, Callable[[Any], Bilingual]] = {
        "value": lambda e: Bilingual.same(e[0].value),
        "label": lambda e: Bilingual.same(e[0].label),
        "note": lambda e: _note(e[0].note),
    }
    for x, y in matched:
        _pair(out, a.route, y[0], same_doc).fields(x, y, values, _cite)
    for x in olds:
        _pair(out, a.route, x[0], same_doc).removed(side(w.complaint(x[0]), x[1], x[0].assumption))
    for y in news:
        _pair(out, a.route, y[0], same_doc).added(side(w.complaint(y[0]), y[1], y[0].assumption))


def _entries(view: ServiceView) -> list[Entry]:
    complaints = view.model.complaints
    return [(ch, view.cite(ch.source, "complaints", "channels", i))
            for i, ch in enumerate(complaints.channels if complaints else ())]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _by_label(entry: Entry) -> tuple[str, str]:
    return entry[0].kind, _norm(entry[0].label)


def _by_value(entry: Entry) -> tuple[str, str]:
    return entry[0].kind, _norm(entry[0].value)


def _cite(entry: Entry) -> tuple[Citation | None, Bilingual | None]:
    return entry[1], entry[0].assumption


def _note(note: Bilingual | None) -> Bilingual:
    return Bilingual.same("-") if note is None else note


def _pair(out: list[Change], route: str, ch: ComplaintChannel, same_doc: bool) -> Pair:
    label = _norm(ch.label)
    title = Bilingual(f"Kanal pengaduan: {label}", f"Complaint channel: {label}")
    return Pair(out, "complaint", route, f"complaints/{ch.kind}/{label}", title, same_doc)
