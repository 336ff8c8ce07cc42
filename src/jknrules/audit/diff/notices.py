"""The diff of a service's notices (information shown to the applicant as a reason
``notice.<id>``; a notice never decides an outcome).

Notices match by ``id``. A changed condition (compared in canonical form) or
message is one change citing the notice's clause on each side; a new clause or
assumption note alone is reported while the service keeps its document.
"""

from __future__ import annotations

from jknrules.audit import wording as w
from jknrules.audit.diff.model import Change
from jknrules.audit.diff.parts import Pair, same_document, side, when_words
from jknrules.audit.versions import ServiceView
from jknrules.language.text import Bilingual


def compare_notices(out: list[Change], a: ServiceView, b: ServiceView) -> None:
    """Append the changes of the notices from service ``a`` to ``b`` (the same route)."""
    same_doc = same_document(a, b)
    na = {n.id: (n, c) for n, c in zip(a.model.notices, a.compiled.notices, strict=True)}
    nb = {n.id: (n, c) for n, c in zip(b.model.notices, b.compiled.notices, strict=True)}
    words, key = when_words(lambda p: p[0].when)
    for nid in sorted(set(na) | set(nb)):
        pair = Pair(out, "notice", a.route, f"notices/{nid}",
                    Bilingual(f"Pemberitahuan {nid}", f"Notice {nid}"), same_doc)
        x, y = na.get(nid), nb.get(nid)
        if x is None or y is None:
            n, c = x if x is not None else nb[nid]
            (pair.added if x is None else pair.removed)(side(w.notice(n), c.cite, n.assumption))
            continue
        pair.fields(x, y, {
            "when": words,
            "message": lambda p: Bilingual(p[0].message.id, p[0].message.en),
        }, lambda p: (p[1].cite, p[0].assumption), {"when": key})
