"""The diff of a procedure: the service's steps, or a channel's own steps.

Steps match by position and content (difflib over actor, action and minutes), so
an inserted step is one step added, not every later step changed. When no step
is left in common the whole procedure is one change, each side listing its steps
with their clauses.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from jknrules.audit import wording as w
from jknrules.audit.diff.model import Change, Side
from jknrules.audit.diff.parts import change, side
from jknrules.audit.versions import ServiceView
from jknrules.language.policy import Source, Step
from jknrules.language.text import Bilingual

Path = tuple[str | int, ...]
STEP = Bilingual("Langkah", "Step")
PROCEDURE = Bilingual("Prosedur", "Procedure")


def compare_steps(out: list[Change], a: ServiceView, b: ServiceView,
                  sa: Sequence[Step], sb: Sequence[Step], where_a: Path, where_b: Path, *,
                  area: str = "step", item: str = "steps",
                  label: Bilingual = STEP, whole: Bilingual = PROCEDURE) -> None:
    """Append the changes from steps ``sa`` (at ``where_a`` in service ``a``'s entry) to
    ``sb``; items are ``{item}/NNN`` titled ``{label} N``."""
    matcher = SequenceMatcher(None, [_key(s) for s in sa], [_key(s) for s in sb],
                              autojunk=False)
    blocks = [m for m in matcher.get_matching_blocks() if m.size]
    if not blocks and sa and sb:
        out.append(change("changed", area, a.route, item,
                          whole + Bilingual(" — seluruh langkah diganti", " — every step replaced"),
                          _whole(a, sa, where_a), _whole(b, sb, where_b), "steps"))
        return
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            x = side(w.step(sa[i]), a.cite(sa[i].source, *where_a, i)) if i < i2 else None
            y = side(w.step(sb[j]), b.cite(sb[j].source, *where_b, j)) if j < j2 else None
            number = (j if y is not None else i) + 1
            kind = "changed" if x and y else "removed" if x else "added"
            out.append(change(kind, area, a.route, f"{item}/{number:03d}",
                              label + Bilingual.same(f" {number}"), x, y))


def _key(s: Step) -> tuple[str, str, int | None]:
    return (" ".join(s.actor.split()), " ".join(s.action.split()), s.minutes)


def steps_text(steps: Sequence[Step]) -> list[Bilingual]:
    """Every step, numbered, each with its clause."""
    return [w.step(s, i) + Bilingual.same(f" [{s.source.clause}]") for i, s in enumerate(steps, 1)]


def _whole(view: ServiceView, steps: Sequence[Step], where: Path) -> Side:
    """Every step, numbered, each with its clause; cited as the document's step clauses."""
    first = steps[0].source.document
    cite = view.cite(Source(document=first, clause=_clauses([s.source.clause for s in steps])),
                     *where)
    return side(Bilingual.same("\n").join(steps_text(steps)), cite)


def _clauses(clauses: list[str]) -> str:
    """'Langkah 1', 'Langkah 2', 'Langkah 4b' -> 'Langkah 1, 2, 4b'."""
    unique = list(dict.fromkeys(clauses))
    heads = {c.rsplit(" ", 1)[0] for c in unique if " " in c}
    if len(heads) == 1 and all(" " in c for c in unique) and len(unique) > 1:
        return f"{heads.pop()} " + ", ".join(c.rsplit(" ", 1)[1] for c in unique)
    return "; ".join(unique)
