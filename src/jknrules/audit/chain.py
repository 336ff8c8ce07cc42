"""The hash chain of a record file, and its signed checkpoints.

Every line written since ``jknrules.record/2`` carries ``chain``: its position
``seq`` (0, 1, 2, … from the first line of the chain), ``prev`` — the ``hash`` of the
line before it (:data:`GENESIS` for the first) — and ``hash``, the SHA-256 of the
line's own canonical JSON (:func:`jknrules.audit.canonical.canonical`) without
``chain.hash`` and without ``signature``. A **checkpoint** line
(``jknrules.checkpoint/1``) is a link like the others and also carries ``key_id`` and
``signature``: the Ed25519 signature of its canonical JSON without ``signature``.
Because each hash covers the previous one, a valid signature on a checkpoint vouches
for every line before it.

A line written after an interrupted write (a writer killed in the middle of its
``write``) also carries ``chain.torn``: the length and SHA-256 of the bytes that write
left (:class:`jknrules.audit.logfile.Torn`). The bytes stay in the file, on a line of
their own, and the chain goes on from the last complete line; the seal is covered by
the line's hash and so by the next signature.

:class:`ChainCheck` reads the lines one at a time (memory does not grow with the file)
and reports, by line number: a line whose hash does not match its content
(``JKN-A051``), a broken link — a line deleted, repeated, moved or inserted, a chain
that starts again (``JKN-A052``), a line not in canonical form (``JKN-A053``), and,
when verifying signatures, a checkpoint whose signature fails (``JKN-A054``) or whose
key is not published (``JKN-A055``), records no valid checkpoint covers (``JKN-A056``)
and records written before the chain (``JKN-A050``). An interrupted write is always a
finding (``JKN-A032``, saying which line of the chain it was to be and whether a later
append sealed it): nothing can tell a write cut by a crash from a record cut short
afterwards, so it never passes as clean. A seal whose bytes are gone or changed is
``JKN-A057``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jknrules.audit.canonical import canonical, sha256_hex, strict_loads
from jknrules.audit.findings import ReplayFinding
from jknrules.audit.keys import (
    ALGORITHM,
    Ed25519PrivateKey,
    Ed25519PublicKey,
    key_id,
    sign,
    verify,
)
from jknrules.audit.logfile import Entry, Torn, append_lines, lines_backwards
from jknrules.language.record import CHECKPOINT_FORMAT, RECORD_FORMAT, UNCHAINED_FORMAT
from jknrules.language.text import Bilingual

#: The ``prev`` of the first line of a chain.
GENESIS = "0" * 64
#: How many lines back a writer looks for the chain's head before starting a new chain.
SCAN_LINES = 10_000
_CHECKPOINT_MARK = canonical({"format": CHECKPOINT_FORMAT})[1:-1]  # "format":"jknrules.checkpoint/1"


def body_hash(line: Mapping[str, Any]) -> str:
    """The hash of a chained line: its canonical JSON without ``chain.hash`` and
    ``signature``."""
    body = {k: v for k, v in line.items() if k != "signature"}
    chain = body.get("chain")
    if isinstance(chain, dict):
        body["chain"] = {k: v for k, v in chain.items() if k != "hash"}
    return sha256_hex(canonical(body))


def signed_bytes(checkpoint: Mapping[str, Any]) -> bytes:
    """What a checkpoint's signature signs: its canonical JSON without ``signature``."""
    return canonical({k: v for k, v in checkpoint.items() if k != "signature"})


def link(line: Mapping[str, Any], seq: int, prev: str, torn: Torn | None = None
         ) -> dict[str, Any]:
    """``line`` placed in the chain after the line whose hash is ``prev`` (sealing the
    bytes of an interrupted write between them, ``torn``)."""
    out = {k: v for k, v in line.items() if k != "chain"}
    out["chain"] = {"seq": seq, "prev": prev}
    if torn is not None:
        out["chain"]["torn"] = torn.to_json()
    out["chain"]["hash"] = body_hash(out)
    return out


def make_checkpoint(seq: int, prev: str, key: Ed25519PrivateKey,
                    now: dt.datetime | None = None, torn: Torn | None = None
                    ) -> dict[str, Any]:
    """A signed checkpoint after the line whose hash is ``prev``."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    line = link({"format": CHECKPOINT_FORMAT, "algorithm": ALGORITHM,
                 "key_id": key_id(key.public_key()),
                 "signed_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z")},
                seq, prev, torn)
    line["signature"] = sign(key, signed_bytes(line))
    return line


# --- writing -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Head:
    """The end of the chain in a file: the last line's ``seq`` and ``hash`` (``-1`` and
    :data:`GENESIS` when there is none) and how many records follow the last checkpoint."""

    seq: int = -1
    hash: str = GENESIS
    unsigned: int = 0


def _chain_of(raw: bytes) -> tuple[dict[str, Any] | None, Mapping[str, Any] | None]:
    try:
        data = strict_loads(raw)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    chain = data.get("chain")
    if isinstance(chain, dict) and isinstance(chain.get("seq"), int) \
            and isinstance(chain.get("hash"), str):
        return data, chain
    return data, None


def find_head(fd: int, size: int, enough: int) -> Head:
    """The chain's head in the open file, scanning back from its end (past damaged lines)
    until a checkpoint or ``enough`` records after the head. A file that ends in records
    written before the chain (or nothing readable) starts a new chain.

    Only the head line is parsed; the lines before it are only looked at for the
    checkpoint format (every line is written in canonical form, so its bytes are
    known), which keeps an append cheap with a large ``checkpoint_every``.
    """
    head: Head | None = None
    unsigned = 0
    for scanned, raw in enumerate(lines_backwards(fd, size)):
        if scanned >= SCAN_LINES:
            break
        if head is None:
            data, chain = _chain_of(raw)
            if data is None:
                continue  # a damaged line: the chain goes on from the last good one
            if chain is None:
                break  # a record from before the chain
            head = Head(int(chain["seq"]), str(chain["hash"]))
            if data.get("format") == CHECKPOINT_FORMAT:
                break
        elif _CHECKPOINT_MARK in raw:
            break
        unsigned += 1
        if unsigned >= enough:
            break
    return Head() if head is None else Head(head.seq, head.hash, unsigned)


def append_chained(path: Path, entry: Mapping[str, Any], *,
                   key: Ed25519PrivateKey | None = None, checkpoint_every: int = 1,
                   now: dt.datetime | None = None) -> dict[str, Any]:
    """Append ``entry`` linked to the chain's head; with ``key``, also a signed checkpoint
    once ``checkpoint_every`` records follow the last one (in the same write). Returns the
    record as written."""
    written: dict[str, Any] = {}

    def build(fd: int, size: int, torn: Torn | None) -> bytes:
        head = find_head(fd, size, max(1, checkpoint_every))
        record = link(entry, head.seq + 1, head.hash, torn)
        written.update(record)
        data = canonical(record) + b"\n"
        if key is not None and head.unsigned + 1 >= checkpoint_every:
            data += canonical(make_checkpoint(head.seq + 2, record["chain"]["hash"], key,
                                              now)) + b"\n"
        return data

    append_lines(path, build)
    return written


def append_checkpoint(path: Path, key: Ed25519PrivateKey,
                      now: dt.datetime | None = None) -> dict[str, Any] | None:
    """Sign the chain's head now (``None`` when the last line is already a checkpoint or
    the file holds no chained line)."""
    written: dict[str, Any] = {}

    def build(fd: int, size: int, torn: Torn | None) -> bytes:
        head = find_head(fd, size, 1)
        if head.seq < 0 or head.unsigned == 0:
            return b""
        line = make_checkpoint(head.seq + 1, head.hash, key, now, torn)
        written.update(line)
        return canonical(line) + b"\n"

    append_lines(path, build)
    return written or None


# --- checking ----------------------------------------------------------------------------

@dataclass
class ChainCheck:
    """Checks the lines of one file in order, one at a time.

    With ``signatures`` (``replay --verify``), checkpoints are verified against ``keys``
    (by key id), records must be covered by a valid checkpoint, and records from before
    the chain are findings; without, hashes, links and canonical form are checked.
    """

    keys: Mapping[str, Ed25519PublicKey] = field(default_factory=dict)
    signatures: bool = False
    chained: int = 0
    unchained: int = 0
    checkpoints: int = 0
    signed: int = 0
    interrupted: int = 0
    _prev: tuple[int, int, str] | None = None  # (line, seq, hash) of the last chained line
    _loose: list[int] = field(default_factory=list)  # first line, last line, count
    _uncovered: list[int] = field(default_factory=list)
    _damaged: _Damaged | None = None  # a line that is not JSON, until the next link

    def feed(self, entry: Entry) -> list[ReplayFinding]:
        """The findings about ``entry`` (and about a damaged line before it). A line that
        is no JSON value at all is reported here, not by the caller: whether it is a
        sealed interrupted write is known only at the next link."""
        data = entry.data
        if data is None:
            return self._damage(entry)
        if not isinstance(data, dict):
            return []  # a JSON value that is no record: reported by the reader
        if data.get("format") == UNCHAINED_FORMAT and "chain" not in data:
            self.unchained += 1
            self._loose = [self._loose[0], entry.line, self._loose[2] + 1] if self._loose \
                else [entry.line, entry.line, 1]
            self._prev = None  # a chain after old records starts afresh
            return []
        if data.get("format") not in (RECORD_FORMAT, CHECKPOINT_FORMAT):
            return []  # not a line of ours: reported by the reader
        loose = self._flush_loose()
        out: list[ReplayFinding] = []
        checkpoint = data.get("format") == CHECKPOINT_FORMAT
        chain = data.get("chain")
        if not (isinstance(chain, dict) and isinstance(chain.get("seq"), int)
                and isinstance(chain.get("prev"), str) and isinstance(chain.get("hash"), str)):
            out.append(_finding(entry.line, "JKN-A051", Bilingual(
                "baris tidak memuat rantai (chain.seq, chain.prev, chain.hash) yang utuh",
                "the line lacks a whole chain (chain.seq, chain.prev, chain.hash)")))
            self._uncover(entry, checkpoint)
            return loose + self._unsealed() + out
        out += self._seal(entry.line, chain.get("torn"))
        seq, prev, stated = int(chain["seq"]), str(chain["prev"]), str(chain["hash"])
        self.chained += not checkpoint
        self.checkpoints += checkpoint
        if body_hash(data) != stated:
            out.append(_finding(entry.line, "JKN-A051", Bilingual(
                "isi baris tidak cocok dengan hash-nya: baris ini diubah setelah ditulis",
                "the line's content does not match its hash: it was changed after it was "
                "written")))
        elif canonical(data) != entry.raw:
            out.append(_finding(entry.line, "JKN-A053", Bilingual(
                "baris tidak dalam bentuk kanonis (spasi, urutan kunci atau penulisan angka "
                "diubah)", "the line is not in canonical form (spacing, key order or number "
                "format changed)")))
        out += self._link(entry.line, seq, prev)
        self._prev = (entry.line, seq, stated)
        if checkpoint and self.signatures:
            problem = self._signature(entry.line, data)
            if problem is None and not out:
                self.signed += 1
                self._uncovered = []
            out += [problem] if problem is not None else []
        elif not checkpoint:
            self._uncover(entry, checkpoint)
        return loose + out

    def finish(self) -> list[ReplayFinding]:
        out = self._flush_loose() + self._unsealed()
        if self.signatures and self._uncovered:
            first, last, count = self._uncovered
            out.append(_finding(first, "JKN-A056", Bilingual(
                f"{count} catatan (baris {first}–{last}) tidak dilindungi checkpoint yang "
                "ditandatangani: catatan itu dapat ditambahkan atau diubah tanpa kunci",
                f"{count} records (lines {first}–{last}) are not covered by a signed "
                "checkpoint: they could have been added or changed without the key")))
        return out

    def summary(self) -> dict[str, Any]:
        return {"chained": self.chained, "unchained": self.unchained,
                "checkpoints": self.checkpoints, "interrupted_writes": self.interrupted,
                "signatures_verified": self.signed if self.signatures else None}

    # --- damaged lines and interrupted writes --------------------------------------------

    def _damage(self, entry: Entry) -> list[ReplayFinding]:
        problem = entry.problem
        if problem is None:  # pragma: no cover - the reader gives every such line one
            return []
        if problem.code not in ("JKN-A031", "JKN-A032") or not entry.raw:
            return [problem]
        out = self._unsealed()
        self._damaged = _Damaged(entry.line, problem, entry.raw, self._prev)
        return out

    def _unsealed(self) -> list[ReplayFinding]:
        """The damaged line no link sealed: an interrupted write at the end of the file
        (``JKN-A032``, which the next append seals), or a damaged line in the middle."""
        damaged, self._damaged = self._damaged, None
        if damaged is None:
            return []
        if damaged.problem.code == "JKN-A032":
            return [self._interrupted(damaged, None)]
        return [damaged.problem]

    def _seal(self, line: int, torn: Any) -> list[ReplayFinding]:
        """Check the seal ``chain.torn`` of the line ``line`` against the damaged line
        before it (if any)."""
        if torn is None:
            return self._unsealed()
        damaged, self._damaged = self._damaged, None
        size = torn.get("bytes") if isinstance(torn, dict) else None
        digest = torn.get("sha256") if isinstance(torn, dict) else None
        if damaged is not None and size == len(damaged.raw) and digest == damaged.sha256:
            return [self._interrupted(damaged, line)]
        named = f"{size} bita, sha256 {str(digest)[:12]}…"
        named_en = f"{size} bytes, sha256 {str(digest)[:12]}…"
        if damaged is None:
            why = Bilingual(
                f"baris ini menyegel penulisan terputus ({named}) tepat sebelumnya, tetapi "
                "baris sebelumnya utuh: bita penulisan terputus itu dihapus",
                f"this line seals an interrupted write ({named_en}) just before it, but the "
                "line before it is complete: the bytes of that write were removed")
            return [_finding(line, "JKN-A057", why)]
        why = Bilingual(
            f"baris ini menyegel penulisan terputus ({named}) pada baris {damaged.line}, "
            f"tetapi baris itu kini berisi bita lain ({len(damaged.raw)} bita): bita itu "
            "diubah", f"this line seals an interrupted write ({named_en}) at line "
            f"{damaged.line}, but that line now holds other bytes ({len(damaged.raw)} "
            "bytes): they were changed")
        return [damaged.problem, _finding(line, "JKN-A057", why)]

    def _interrupted(self, damaged: _Damaged, sealed_by: int | None) -> ReplayFinding:
        """What an interrupted write is: how long, what it was to be, where in the
        chain, and whether it is sealed."""
        self.interrupted += 1
        size = len(damaged.raw)
        after_line, after_seq, _ = damaged.after if damaged.after else (0, -1, GENESIS)
        where_id = f"setelah baris {after_line}" if after_line else "di awal berkas"
        where_en = f"after line {after_line}" if after_line else "at the start of the file"
        if damaged.raw.startswith(b'{"algorithm":'):
            what = Bilingual("checkpoint", "checkpoint")
            lost = Bilingual("catatan sebelumnya tidak dilindungi oleh tanda tangan ini",
                             "the records before it are not covered by this signature")
        else:
            what = Bilingual("catatan keputusan", "decision record")
            lost = Bilingual("keputusan di dalamnya tidak tercatat (evaluate tidak mencetaknya)",
                             "the decision it held was not recorded (evaluate did not print it)")
        head = Bilingual(
            f"penulisan terputus: {size} bita dari sebuah {what.id} yang tidak selesai "
            f"ditulis (urutan {after_seq + 1} dalam rantai, {where_id}); {lost.id}; ",
            f"an interrupted write: {size} bytes of a {what.en} that was never completed "
            f"(seq {after_seq + 1} of the chain, {where_en}); {lost.en}; ")
        if sealed_by is None:
            tail = Bilingual("belum disegel: penambahan berikutnya menyimpan bita ini dan "
                             "menyegelnya", "not sealed yet: the next append keeps these bytes "
                             "and seals them")
        else:
            tail = Bilingual(f"disegel oleh baris {sealed_by} (chain.torn), rantai berlanjut "
                             f"dari {'baris ' + str(after_line) if after_line else 'awal berkas'}",
                             f"sealed by line {sealed_by} (chain.torn); the chain goes on from "
                             f"{'line ' + str(after_line) if after_line else 'the start'}")
        return _finding(damaged.line, "JKN-A032", head + tail)

    def _uncover(self, entry: Entry, checkpoint: bool) -> None:
        if checkpoint:
            return
        self._uncovered = [self._uncovered[0], entry.line, self._uncovered[2] + 1] \
            if self._uncovered else [entry.line, entry.line, 1]

    def _flush_loose(self) -> list[ReplayFinding]:
        if not self._loose:
            return []
        first, last, count = self._loose
        self._loose = []
        if not self.signatures:
            return []
        return [_finding(first, "JKN-A050", Bilingual(
            f"{count} catatan (baris {first}–{last}) ditulis sebelum rantai hash "
            f"({UNCHAINED_FORMAT}): keutuhannya tidak dapat diperiksa",
            f"{count} records (lines {first}–{last}) were written before the hash chain "
            f"({UNCHAINED_FORMAT}): their integrity cannot be checked"))]

    def _link(self, line: int, seq: int, prev: str) -> list[ReplayFinding]:
        last_line, last_seq, last_hash = self._prev if self._prev else (0, -1, GENESIS)
        if prev == last_hash and seq == last_seq + 1:
            return []
        where_id = f"baris {last_line}" if last_line else "awal berkas"
        where_en = f"line {last_line}" if last_line else "the start of the file"
        if seq > last_seq + 1 and prev != last_hash:
            gap = seq - last_seq - 1
            why = Bilingual(f"{gap} baris hilang antara {where_id} dan baris ini "
                            f"(urutan {last_seq} → {seq})",
                            f"{gap} lines are missing between {where_en} and this line "
                            f"(sequence {last_seq} → {seq})")
        elif seq <= last_seq:
            why = Bilingual(f"urutan mundur atau berulang ({last_seq} lalu {seq}): baris "
                            "dipindah, digandakan atau disisipkan",
                            f"the sequence goes back or repeats ({last_seq} then {seq}): a line "
                            "was moved, duplicated or inserted")
        else:
            why = Bilingual(f"'prev' tidak sama dengan hash {where_id}",
                            f"'prev' does not match the hash of {where_en}")
        return [_finding(line, "JKN-A052", Bilingual("rantai putus: ", "broken link: ") + why)]

    def _signature(self, line: int, data: Mapping[str, Any]) -> ReplayFinding | None:
        kid = data.get("key_id")
        public = self.keys.get(kid) if isinstance(kid, str) else None
        if public is None:
            return _finding(line, "JKN-A055", Bilingual(
                f"checkpoint ditandatangani dengan kunci yang tidak diterbitkan ({kid})",
                f"the checkpoint is signed with a key that is not published ({kid})"))
        if data.get("algorithm") != ALGORITHM or not verify(public, data.get("signature"),
                                                              signed_bytes(data)):
            return _finding(line, "JKN-A054", Bilingual(
                f"tanda tangan checkpoint tidak sah (kunci {kid})",
                f"the checkpoint's signature does not verify (key {kid})"))
        return None


@dataclass(frozen=True, slots=True)
class _Damaged:
    """A line that is no JSON value, held until the next link says whether it seals it."""

    line: int
    problem: ReplayFinding
    raw: bytes
    after: tuple[int, int, str] | None  # the last chained line before it

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


def _finding(line: int, code: str, message: Bilingual) -> ReplayFinding:
    return ReplayFinding(line, code, message)
