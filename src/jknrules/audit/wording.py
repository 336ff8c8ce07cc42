"""Policy elements in words, in Bahasa Indonesia and English.

One room for the phrases that ``diff``, ``history`` and ``render`` share, so an
auditor reads a requirement, an hour table or a deadline the same way in a diff
as in the rendered Standar Pelayanan. Every function returns a :class:`Words`
pair; nothing here reads a case or a clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
from jknrules.language.vocab import DOCUMENTS, OUTCOME_LABELS


@dataclass(frozen=True, slots=True)
class Words:
    """The same statement in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str
    en: str

    def pick(self, lang: str) -> str:
        return self.id if lang == "id" else self.en

    def __add__(self, other: Words) -> Words:
        return Words(self.id + other.id, self.en + other.en)


def same(text: str) -> Words:
    """Text that reads the same in both languages (names, numbers, ids)."""
    return Words(text, text)


def join(parts: list[Words], sep: Words) -> Words:
    return Words(sep.id.join(p.id for p in parts), sep.en.join(p.en for p in parts))


ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
_DAYS = (("mon", "Senin", "Mon"), ("tue", "Selasa", "Tue"), ("wed", "Rabu", "Wed"),
         ("thu", "Kamis", "Thu"), ("fri", "Jumat", "Fri"), ("sat", "Sabtu", "Sat"),
         ("sun", "Minggu", "Sun"))
_UNITS = (("months", "bulan", "month"), ("days", "hari", "day"),
          ("working_days", "hari kerja", "working day"), ("hours", "jam", "hour"),
          ("minutes", "menit", "minute"))
SEGMENT_NAMES = {
    "pbi_apbn": "PBI APBN", "pbi_apbd": "KIS PBI APBD", "pbpu_bp_pemda": "PBPU BP Pemda",
    "pbpu_mandiri": "PBPU Mandiri", "ppu": "PPU", "none": "-",
}


def condition(cond: Condition | None) -> Words:
    if cond is None:
        return Words("selalu (tanpa syarat)", "always (unconditional)")
    return Words(describe(cond, "id"), describe(cond, "en"))


def outcome(name: str) -> Words:
    label = OUTCOME_LABELS.get(name, (name, name))
    return Words(f"{label[0]} ({name})", f"{label[1]} ({name})")


def segment(name: str | None) -> Words:
    if name is None:
        return Words("(tidak ditentukan)", "(none)")
    if name == "current":
        return Words("tetap di segmen saat ini", "stays in the current segment")
    return same(f"{SEGMENT_NAMES.get(name, name)} ({name})")


def documents(ids: Sequence[str], any_of: bool) -> Words:
    sep = Words(" atau ", " or ") if any_of else Words(", ", ", ")
    return join([Words(*DOCUMENTS[d]) if d in DOCUMENTS else same(d) for d in ids], sep)


def requirement(req: Requirement) -> Words:
    ids = [req.require] if req.require else list(req.any_of or ())
    text = documents(ids, req.any_of is not None)
    if req.when is None:
        text += Words(" — wajib bagi semua pemohon", " — required of every applicant")
    else:
        text += Words(" — bila ", " — when ") + condition(req.when)
    if req.why is not None:
        text += Words(f" ({req.why.id})", f" ({req.why.en})")
    return text


def rule(r: Rule, *, with_message: bool = True) -> Words:
    text = Words("bila ", "when ") + condition(r.when) + Words(" → ", " → ") + outcome(r.outcome)
    if r.target_segment is not None:
        text += Words(", segmen: ", ", segment: ") + segment(r.target_segment)
    if with_message:
        text += Words(f". Pesan: “{r.message.id}”", f". Message: “{r.message.en}”")
    return text


def duration(d: Duration) -> Words:
    parts = []
    for attr, word_id, word_en in _UNITS:
        n = getattr(d, attr)
        if n:
            parts.append(Words(f"{n} {word_id}", f"{n} {word_en}{'' if n == 1 else 's'}"))
    if not parts:
        return Words("seketika", "immediately")
    return join(parts, same(" "))


def activation(a: Activation) -> Words:
    base = duration(a)
    if a.from_ == "cutoff":
        text = base + Words(" sejak pengajuan ke BPJS (batas bulanan)",
                            " from the monthly submission to BPJS (cut-off)")
    else:
        text = base + Words(" sejak pelayanan dimulai", " from the start of service")
    if a.align == "end_of_month":
        text += Words(", dibulatkan ke akhir bulan", ", at the end of that month")
    return text


def window(w: IntakeWindow) -> Words:
    return Words(f"tanggal {w.from_day}–{w.to_day} setiap bulan",
                 f"days {w.from_day}–{w.to_day} of each month")


def cutoff(c: Cutoff) -> Words:
    return Words(f"paling lambat tanggal {c.day} setiap bulan (hari tutup: hari kerja sebelumnya)",
                 f"by day {c.day} of each month (closed day: the previous working day)")


def hours(h: Hours | None, zone: str = "") -> Words:
    """Opening hours, consecutive days with the same hours grouped: 'Senin–Kamis 08.00–14.00'."""
    if h is None:
        return Words("jam pelayanan tidak disebut", "no service hours stated")
    groups: list[tuple[list[tuple[str, str]], tuple[str, ...]]] = []
    for key, day_id, day_en in _DAYS:
        ranges = tuple(sorted(getattr(h, key)))
        if not ranges:
            continue
        if groups and groups[-1][1] == ranges and _next_day(groups[-1][0][-1], day_id):
            groups[-1][0].append((day_id, day_en))
        else:
            groups.append(([(day_id, day_en)], ranges))
    suffix = f" {ZONES.get(zone, '')}".rstrip()
    parts = []
    for days, ranges in groups:
        first, last = days[0], days[-1]
        span = Words(first[0], first[1]) if len(days) == 1 else Words(
            f"{first[0]}–{last[0]}", f"{first[1]}–{last[1]}")
        parts.append(span + same(" " + ", ".join(_range(r) for r in ranges) + suffix))
    if h.holiday:
        parts.append(Words("hari libur ", "holidays ")
                     + same(", ".join(_range(r) for r in sorted(h.holiday)) + suffix))
    if not parts:
        return Words("tutup setiap hari", "closed every day")
    return join(parts, same("; "))


def _next_day(prev: tuple[str, str], day_id: str) -> bool:
    names = [d[1] for d in _DAYS]
    return names.index(day_id) == names.index(prev[0]) + 1


def _range(text: str) -> str:
    start, end = text.split("-")
    return f"{start.replace(':', '.')}–{end.replace(':', '.')}"


def step(s: Step, number: int | None = None) -> Words:
    minutes = Words(f" ({s.minutes} menit)", f" ({s.minutes} min)") if s.minutes is not None \
        else same("")
    prefix = f"{number}. " if number is not None else ""
    return same(f"{prefix}{s.actor}: {s.action}") + minutes


def complaint(ch: ComplaintChannel) -> Words:
    """A complaint channel as the document lists it: 'label: value', then its remark."""
    text = same(f"{ch.label}: {ch.value}")
    if ch.note is not None:
        text += Words(f" ({ch.note.id})", f" ({ch.note.en})")
    return text


def notice(n: Notice) -> Words:
    """A notice to the applicant: when it is shown, then its message."""
    when = Words("bila ", "when ") + condition(n.when) if n.when is not None \
        else Words("selalu", "always")
    return when + Words(f" → pemberitahuan: “{n.message.id}”", f" → notice: “{n.message.en}”")


def members(names: Sequence[str], sep: str = "; ") -> Words:
    """Who takes part in a channel, as the document lists them ('-' when none)."""
    return same(sep.join(" ".join(n.split()) for n in names) or "-")


def document(doc: SourceDocument) -> Words:
    """A signed document in one line: title, kind, number, date, signatory."""
    number = f", Nomor {doc.number}" if doc.number else ""
    date = Words(f", ditetapkan {doc.date.isoformat()}", f", signed {doc.date.isoformat()}") \
        if doc.date else Words(", tanggal tidak terbaca", ", date not legible")
    return same(f"{doc.title} ({doc.kind}{number}") + date + same(")") + Words(
        "; ditandatangani ", "; signed by ") + signatory(doc)


def signatory(doc: SourceDocument) -> Words:
    s = doc.signed_by
    nip = f", NIP {s.nip}" if s.nip else ""
    return same(f"{s.name} ({s.position}{nip})")


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
