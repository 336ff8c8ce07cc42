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

:class:`ChainCheck` reads the lines one at a time (memory does not grow with the file)
and reports, by line number: a line whose hash does not match its content
(``JKN-A051``), a broken link — a line deleted, repeated, moved or inserted, a chain
that starts again (``JKN-A052``), a line not in canonical form (``JKN-A053``), and,
when verifying signatures, a checkpoint whose signature fails (``JKN-A054``) or whose
key is not published (``JKN-A055``), records no valid checkpoint covers (``JKN-A056``)
and records written before the chain (``JKN-A050``).
"""

from __future__ import annotations

import datetime as dt
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
from jknrules.audit.logfile import Entry, append_lines, lines_backwards
from jknrules.audit.wording import Words
from jknrules.language.record import CHECKPOINT_FORMAT, RECORD_FORMAT, UNCHAINED_FORMAT

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


def link(line: Mapping[str, Any], seq: int, prev: str) -> dict[str, Any]:
    """``line`` placed in the chain after the line whose hash is ``prev``."""
    out = {k: v for k, v in line.items() if k != "chain"}
    out["chain"] = {"seq": seq, "prev": prev}
    out["chain"]["hash"] = body_hash(out)
    return out


def make_checkpoint(seq: int, prev: str, key: Ed25519PrivateKey,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """A signed checkpoint after the line whose hash is ``prev``."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    line = link({"format": CHECKPOINT_FORMAT, "algorithm": ALGORITHM,
                 "key_id": key_id(key.public_key()),
                 "signed_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z")},
                seq, prev)
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

    def build(fd: int, size: int) -> bytes:
        head = find_head(fd, size, max(1, checkpoint_every))
        record = link(entry, head.seq + 1, head.hash)
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

    def build(fd: int, size: int) -> bytes:
        head = find_head(fd, size, 1)
        if head.seq < 0 or head.unsigned == 0:
            return b""
        line = make_checkpoint(head.seq + 1, head.hash, key, now)
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
    _prev: tuple[int, int, str] | None = None  # (line, seq, hash) of the last chained line
    _loose: list[int] = field(default_factory=list)  # first line, last line, count
    _uncovered: list[int] = field(default_factory=list)

    def feed(self, entry: Entry) -> list[ReplayFinding]:
        data = entry.data
        if not isinstance(data, dict):
            return []  # a damaged line: reported by the reader
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
            out.append(_finding(entry.line, "JKN-A051", Words(
                "baris tidak memuat rantai (chain.seq, chain.prev, chain.hash) yang utuh",
                "the line lacks a whole chain (chain.seq, chain.prev, chain.hash)")))
            self._uncover(entry, checkpoint)
            return loose + out
        seq, prev, stated = int(chain["seq"]), str(chain["prev"]), str(chain["hash"])
        self.chained += not checkpoint
        self.checkpoints += checkpoint
        if body_hash(data) != stated:
            out.append(_finding(entry.line, "JKN-A051", Words(
                "isi baris tidak cocok dengan hash-nya: baris ini diubah setelah ditulis",
                "the line's content does not match its hash: it was changed after it was "
                "written")))
        elif canonical(data) != entry.raw:
            out.append(_finding(entry.line, "JKN-A053", Words(
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
        out = self._flush_loose()
        if self.signatures and self._uncovered:
            first, last, count = self._uncovered
            out.append(_finding(first, "JKN-A056", Words(
                f"{count} catatan (baris {first}–{last}) tidak dilindungi checkpoint yang "
                "ditandatangani: catatan itu dapat ditambahkan atau diubah tanpa kunci",
                f"{count} records (lines {first}–{last}) are not covered by a signed "
                "checkpoint: they could have been added or changed without the key")))
        return out

    def summary(self) -> dict[str, Any]:
        return {"chained": self.chained, "unchained": self.unchained,
                "checkpoints": self.checkpoints,
                "signatures_verified": self.signed if self.signatures else None}

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
        return [_finding(first, "JKN-A050", Words(
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
            why = Words(f"{gap} baris hilang antara {where_id} dan baris ini "
                        f"(urutan {last_seq} → {seq})",
                        f"{gap} lines are missing between {where_en} and this line "
                        f"(sequence {last_seq} → {seq})")
        elif seq <= last_seq:
            why = Words(f"urutan mundur atau berulang ({last_seq} lalu {seq}): baris "
                        "dipindah, digandakan atau disisipkan",
                        f"the sequence goes back or repeats ({last_seq} then {seq}): a line "
                        "was moved, duplicated or inserted")
        else:
            why = Words(f"'prev' tidak sama dengan hash {where_id}",
                        f"'prev' does not match the hash of {where_en}")
        return [_finding(line, "JKN-A052", Words("rantai putus: ", "broken link: ") + why)]

    def _signature(self, line: int, data: Mapping[str, Any]) -> ReplayFinding | None:
        kid = data.get("key_id")
        public = self.keys.get(kid) if isinstance(kid, str) else None
        if public is None:
            return _finding(line, "JKN-A055", Words(
                f"checkpoint ditandatangani dengan kunci yang tidak diterbitkan ({kid})",
                f"the checkpoint is signed with a key that is not published ({kid})"))
        if data.get("algorithm") != ALGORITHM or not verify(public, data.get("signature"),
                                                              signed_bytes(data)):
            return _finding(line, "JKN-A054", Words(
                f"tanda tangan checkpoint tidak sah (kunci {kid})",
                f"the checkpoint's signature does not verify (key {kid})"))
        return None


def _finding(line: int, code: str, message: Words) -> ReplayFinding:
    return ReplayFinding(line, code, message)
