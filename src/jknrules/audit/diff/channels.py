"""The diff of a service's channels (Waktu Pelayanan): name, hours, the office that
serves the channel, who takes part, and the channel's own steps.

Channels match by ``id``. Each differing field is one change citing the channel's
clause on each side; members are compared as a set (the order a document lists
them in is no rule) and the title says who came and who went. A channel's own
steps are compared like the service's (:mod:`jknrules.audit.diff.steps`), as items
``channels/ID/steps/NNN``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jknrules.audit import wording as w
from jknrules.audit.diff.model import Change
from jknrules.audit.diff.parts import Pair, same_document, side
from jknrules.audit.diff.steps import compare_steps, steps_text
from jknrules.audit.versions import ServiceView
from jknrules.engine.ir import CChannel, Citation
from jknrules.language.policy import Channel
from jknrules.language.text import Bilingual

#: a channel on one side: (model, compiled, time zone, index in the service's list)
Entry = tuple[Channel, CChannel, str, int]


def compare_channels(out: list[Change], a: ServiceView, b: ServiceView) -> None:
    """Append the changes of the channels from service ``a`` to ``b`` (the same route)."""
    same_doc = same_document(a, b)
    ca, cb = _entries(a), _entries(b)
    values: dict[str, Callable[[Any], Bilingual]] = {
        "name": lambda e: Bilingual.same(e[0].name),
        "hours": lambda e: w.hours(e[0].hours, e[2]),
        "office": _office,
        "members": lambda e: w.members(e[0].members, "\n"),
    }
    keys: dict[str, Callable[[Any], Any]] = {
        "office": lambda e: (e[0].office, e[1].office),
        "members": lambda e: sorted(_names(e[0])),
    }
    for cid in sorted(set(ca) | set(cb)):
        pair = Pair(out, "channel", a.route, f"channels/{cid}",
                    Bilingual(f"Kanal {cid}", f"Channel {cid}"), same_doc)
        x, y = ca.get(cid), cb.get(cid)
        if x is None or y is None:
            e = x if x is not None else cb[cid]
            (pair.added if x is None else pair.removed)(side(_whole(e), e[1].cite, e[0].assumption))
            continue
        pair.fields(x, y, values, _cite, keys, detail={"members": _members_delta})
        compare_steps(out, a, b, x[0].steps, y[0].steps, ("channels", x[3], "steps"),
                      ("channels", y[3], "steps"), area="channel", item=f"channels/{cid}/steps",
                      label=Bilingual(f"Kanal {cid} — langkah", f"Channel {cid} — step"),
                      whole=Bilingual(f"Kanal {cid} — prosedur", f"Channel {cid} — procedure"))


def _entries(view: ServiceView) -> dict[str, Entry]:
    zone = view.source.policy.time_zone
    return {m.id: (m, c, zone, i) for i, (m, c) in
            enumerate(zip(view.model.channels, view.compiled.channels, strict=True))}


def _cite(entry: Entry) -> tuple[Citation | None, Bilingual | None]:
    return entry[1].cite, entry[0].assumption


def _office(entry: Entry) -> Bilingual:
    channel, compiled = entry[0], entry[1]
    if channel.office is None:
        return Bilingual("- (kantor layanan)", "- (the service's office)")
    return Bilingual.same(f"{channel.office}: {compiled.office}")


def _names(channel: Channel) -> list[str]:
    return [" ".join(n.split()) for n in channel.members]


def _members_delta(old: Entry, new: Entry) -> Bilingual:
    """' (ditambah: X; dihapus: Y)': who came and who went, in the documents' order."""
    a, b = _names(old[0]), _names(new[0])
    came, went = [n for n in b if n not in a], [n for n in a if n not in b]
    parts = ([Bilingual(f"ditambah: {'; '.join(came)}", f"added: {'; '.join(came)}")] if came
             else []) + ([Bilingual(f"dihapus: {'; '.join(went)}", f"removed: {'; '.join(went)}")]
                         if went else [])
    if not parts:
        return Bilingual.same("")
    return Bilingual.same(" (") + Bilingual.same("; ").join(parts) + Bilingual.same(")")


def _whole(entry: Entry) -> Bilingual:
    """An added or removed channel: its hours, office, members and own steps, one a line."""
    channel, compiled, zone, _ = entry
    lines = [Bilingual.same(channel.name + ": ") + w.hours(channel.hours, zone)]
    if compiled.office is not None:
        lines.append(Bilingual("Kantor: ", "Office: ") + Bilingual.same(compiled.office))
    if channel.members:
        lines.append(Bilingual("Anggota: ", "Members: ") + w.members(channel.members))
    if channel.steps:
        lines.append(Bilingual("Prosedur kanal ini:", "Procedure on this channel:"))
        lines += steps_text(channel.steps)
    return Bilingual.same("\n").join(lines)
