"""Policy elements in words, in Bahasa Indonesia and English.

One room for the phrases that ``diff``, ``history`` and ``render`` share, so an
auditor reads a requirement, an hour table or a deadline the same way in a diff
as in the rendered Standar Pelayanan. Every function returns a :class:`Bilingual`
pair; nothing here reads a case or a clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jknrules.engine.conditions import describe
from jknrules.language.policy import (
    Activation,
    ComplaintChannel,
    Condition,
    Cutoff,
    Duration,
    Hours,
    IntakeWindow,
    Notice,
    Requirement,
    Rule,
    SourceDocument,
    Step,
)
from jknrules.language.text import Bilingual
from jknrules.language.vocab import DOCUMENTS, OUTCOME_LABELS

ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
_DAYS = {"mon": Bilingual("Senin", "Mon"), "tue": Bilingual("Selasa", "Tue"),
         "wed": Bilingual("Rabu", "Wed"), "thu": Bilingual("Kamis", "Thu"),
         "fri": Bilingual("Jumat", "Fri"), "sat": Bilingual("Sabtu", "Sat"),
         "sun": Bilingual("Minggu", "Sun")}
_DAY_ORDER = tuple(_DAYS.values())
#: a duration's units, singular (English adds an "s" for more than one)
_UNITS = {"months": Bilingual("bulan", "month"), "days": Bilingual("hari", "day"),
          "working_days": Bilingual("hari kerja", "working day"), "hours": Bilingual("jam", "hour"),
          "minutes": Bilingual("menit", "minute")}
SEGMENT_NAMES = {
    "pbi_apbn": "PBI APBN", "pbi_apbd": "KIS PBI APBD", "pbpu_bp_pemda": "PBPU BP Pemda",
    "pbpu_mandiri": "PBPU Mandiri", "ppu": "PPU", "none": "-",
}


def condition(cond: Condition | None) -> Bilingual:
    if cond is None:
        return Bilingual("selalu (tanpa syarat)", "always (unconditional)")
    return Bilingual(describe(cond, "id"), describe(cond, "en"))


def outcome(name: str) -> Bilingual:
    return OUTCOME_LABELS.get(name, Bilingual.same(name)) + Bilingual.same(f" ({name})")


def segment(name: str | None) -> Bilingual:
    if name is None:
        return Bilingual("(tidak ditentukan)", "(none)")
    if name == "current":
        return Bilingual("tetap di segmen saat ini", "stays in the current segment")
    return Bilingual.same(f"{SEGMENT_NAMES.get(name, name)} ({name})")


def documents(ids: Sequence[str], any_of: bool) -> Bilingual:
    sep = Bilingual(" atau ", " or ") if any_of else Bilingual(", ", ", ")
    return sep.join(DOCUMENTS.get(d) or Bilingual.same(d) for d in ids)


def requirement(req: Requirement) -> Bilingual:
    ids = [req.require] if req.require else list(req.any_of or ())
    text = documents(ids, req.any_of is not None)
    if req.when is None:
        text += Bilingual(" — wajib bagi semua pemohon", " — required of every applicant")
    else:
        text += Bilingual(" — bila ", " — when ") + condition(req.when)
    if req.why is not None:
        text += Bilingual(f" ({req.why.id})", f" ({req.why.en})")
    return text


def rule(r: Rule, *, with_message: bool = True) -> Bilingual:
    text = Bilingual("bila ", "when ") + condition(r.when) + Bilingual(" → ", " → ") + outcome(r.outcome)
    if r.target_segment is not None:
        text += Bilingual(", segmen: ", ", segment: ") + segment(r.target_segment)
    if with_message:
        text += Bilingual(f". Pesan: “{r.message.id}”", f". Message: “{r.message.en}”")
    return text


def duration(d: Duration) -> Bilingual:
    parts = []
    for attr, word in _UNITS.items():
        n = getattr(d, attr)
        if n:
            parts.append(Bilingual(f"{n} {word.id}", f"{n} {word.en}{'' if n == 1 else 's'}"))
    if not parts:
        return Bilingual("seketika", "immediately")
    return Bilingual.same(" ").join(parts)


def activation(a: Activation) -> Bilingual:
    base = duration(a)
    if a.from_ == "cutoff":
        text = base + Bilingual(" sejak pengajuan ke BPJS (batas bulanan)",
                                " from the monthly submission to BPJS (cut-off)")
    else:
        text = base + Bilingual(" sejak pelayanan dimulai", " from the start of service")
    if a.align == "end_of_month":
        text += Bilingual(", dibulatkan ke akhir bulan", ", at the end of that month")
    return text


def window(w: IntakeWindow) -> Bilingual:
    return Bilingual(f"tanggal {w.from_day}–{w.to_day} setiap bulan",
                     f"days {w.from_day}–{w.to_day} of each month")


def cutoff(c: Cutoff) -> Bilingual:
    return Bilingual(f"paling lambat tanggal {c.day} setiap bulan (hari tutup: hari kerja sebelumnya)",
                     f"by day {c.day} of each month (closed day: the previous working day)")


def hours(h: Hours | None, zone: str = "") -> Bilingual:
    """Opening hours, consecutive days with the same hours grouped: 'Senin–Kamis 08.00–14.00'."""
    if h is None:
        return Bilingual("jam pelayanan tidak disebut", "no service hours stated")
    groups: list[tuple[list[Bilingual], tuple[str, ...]]] = []
    for key, day in _DAYS.items():
        ranges = tuple(sorted(getattr(h, key)))
        if not ranges:
            continue
        if groups and groups[-1][1] == ranges and _next_day(groups[-1][0][-1], day):
            groups[-1][0].append(day)
        else:
            groups.append(([day], ranges))
    suffix = f" {ZONES.get(zone, '')}".rstrip()
    parts = []
    for days, ranges in groups:
        first, last = days[0], days[-1]
        span = first if len(days) == 1 else first + Bilingual.same("–") + last
        parts.append(span + Bilingual.same(" " + ", ".join(_range(r) for r in ranges) + suffix))
    if h.holiday:
        parts.append(Bilingual("hari libur ", "holidays ")
                     + Bilingual.same(", ".join(_range(r) for r in sorted(h.holiday)) + suffix))
    if not parts:
        return Bilingual("tutup setiap hari", "closed every day")
    return Bilingual.same("; ").join(parts)


def _next_day(prev: Bilingual, day: Bilingual) -> bool:
    return _DAY_ORDER.index(day) == _DAY_ORDER.index(prev) + 1


def _range(text: str) -> str:
    start, end = text.split("-")
    return f"{start.replace(':', '.')}–{end.replace(':', '.')}"


def step(s: Step, number: int | None = None) -> Bilingual:
    minutes = Bilingual(f" ({s.minutes} menit)", f" ({s.minutes} min)") if s.minutes is not None \
        else Bilingual.same("")
    prefix = f"{number}. " if number is not None else ""
    return Bilingual.same(f"{prefix}{s.actor}: {s.action}") + minutes


def complaint(ch: ComplaintChannel) -> Bilingual:
    """A complaint channel as the document lists it: 'label: value', then its remark."""
    text = Bilingual.same(f"{ch.label}: {ch.value}")
    if ch.note is not None:
        text += Bilingual(f" ({ch.note.id})", f" ({ch.note.en})")
    return text


def notice(n: Notice) -> Bilingual:
    """A notice to the applicant: when it is shown, then its message."""
    when = Bilingual("bila ", "when ") + condition(n.when) if n.when is not None \
        else Bilingual("selalu", "always")
    return when + Bilingual(f" → pemberitahuan: “{n.message.id}”", f" → notice: “{n.message.en}”")


def members(names: Sequence[str], sep: str = "; ") -> Bilingual:
    """Who takes part in a channel, as the document lists them ('-' when none)."""
    return Bilingual.same(sep.join(" ".join(n.split()) for n in names) or "-")


def document(doc: SourceDocument) -> Bilingual:
    """A signed document in one line: title, kind, number, date, signatory."""
    number = f", Nomor {doc.number}" if doc.number else ""
    date = Bilingual(f", ditetapkan {doc.date.isoformat()}", f", signed {doc.date.isoformat()}") \
        if doc.date else Bilingual(", tanggal tidak terbaca", ", date not legible")
    return Bilingual.same(f"{doc.title} ({doc.kind}{number}") + date + Bilingual.same(")") + Bilingual(
        "; ditandatangani ", "; signed by ") + signatory(doc)


def signatory(doc: SourceDocument) -> Bilingual:
    s = doc.signed_by
    nip = f", NIP {s.nip}" if s.nip else ""
    return Bilingual.same(f"{s.name} ({s.position}{nip})")


_MD_SPECIAL = re.compile(r"[\\`*|~]|\](?=[(\[:])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_MD_BLOCK_START = re.compile(r"^(\d*)([#>+=.)-])")


def md_escape(text: str, *, line_start: bool = False) -> str:
    """Officer-written text safe in Markdown: no HTML tag (a ``<`` that would open one is
    written ``&lt;``, so a ``<script>`` in a policy name is shown, never run), no
    emphasis, code span, strike-through, link or table cell break, and no line break
    that would start a new block. ``line_start``: the text begins a line, so a heading,
    quote, list or rule marker at its start is escaped too."""
    text = " ".join(text.splitlines())
    text = _TAG.sub("&lt;", _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text))
    block = _MD_BLOCK_START.match(text) if line_start else None
    if block is not None and (block.group(1) == "") == (block.group(2) in "#>+=-"):
        text = block.group(1) + "\\" + text[block.end(1):]
    return text
