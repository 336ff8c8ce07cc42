"""``jknrules replay FILE.jsonl [--policies DIR | --git REV] [--verify [--public-key FILE]]``:
re-evaluate recorded decisions against the policy content that decided them (found by
fingerprint in DIR, or in DIR's git history up to REV) and against the rules in force
today (DIR), and check the file's hash chain; ``--verify`` also checks every
checkpoint's signature (keys from ``--public-key`` or DIR's ``keys/*.pub``) and that
every record is covered by one. Exit 0 when every decision is reproduced and
unchanged and the file is intact; 1 with findings (a decision that comes out
differently, content that can no longer be found, a damaged, altered, moved, missing
or unsigned record); 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from jknrules.audit import gitrev
from jknrules.audit.chain import ChainCheck
from jknrules.audit.logfile import iter_entries
from jknrules.audit.records import public_key_table
from jknrules.audit.replay import ContentIndex, ReplayReport, replay
from jknrules.load.loader import display_name
from jknrules.load.policyset import PolicySet, find_policy_dir

NAME = "replay"
HELP = ("ulangi keputusan yang tercatat terhadap isi kebijakan yang memutuskannya / "
        "replay recorded decisions against the policy content that decided them")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("records", type=Path,
                        help="catatan keputusan (dari evaluate --record) / decision records "
                        "(from evaluate --record)")
    parser.add_argument("--policies", type=Path, default=None, metavar="DIR",
                        help="folder kebijakan: aturan yang berlaku hari ini, dan tempat mencari "
                        "isi yang memutuskan (bawaan: folder kebijakan yang dipakai) / policy "
                        "folder: the rules in force today, and where to look for the deciding "
                        "content (default: the policy folder in use)")
    parser.add_argument("--git", metavar="REV", default=None,
                        help="cari juga di riwayat git folder kebijakan sampai REV / also look "
                        "in the git history of the policy folder up to REV")
    parser.add_argument("--verify", action="store_true",
                        help="periksa juga tanda tangan setiap checkpoint, dan bahwa setiap "
                        "catatan dilindunginya / also verify every checkpoint's signature, and "
                        "that every record is covered by one")
    parser.add_argument("--public-key", type=Path, action="append", default=None,
                        metavar="FILE", help="kunci publik Ed25519 untuk --verify (bisa "
                        "berulang; bawaan: keys/*.pub di folder kebijakan) / Ed25519 public "
                        "key for --verify (repeatable; default: keys/*.pub in the policy "
                        "folder)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="format laporan / report format (default text)")
    parser.add_argument("--lang", choices=("id", "en"), default="id",
                        help="bahasa laporan / report language (default id)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    found = find_policy_dir(args.policies)
    folder = found.path
    keys = public_key_table(args.public_key, folder) if args.verify else {}
    current = PolicySet.load(found)
    index = ContentIndex()
    for compiled in current:
        index.add(compiled, compiled.file)
    searched = display_name(folder)
    if args.git is not None:
        for blob in gitrev.history(folder, args.git):
            index.add_text(blob.text, f"{display_name(folder)}/{blob.path}@{blob.commit[:12]}")
        searched += f" + git {args.git}"
    report = replay(iter_entries(args.records), display_name(args.records), index,
                    {p.policy.regency: p for p in current}, searched,
                    chain=ChainCheck(keys, signatures=args.verify))
    out.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
              if args.format == "json" else to_text(report, args.lang))
    return 0 if report.clean else 1


def to_text(report: ReplayReport, lang: str) -> str:
    other = "en" if lang == "id" else "id"
    if lang == "id":
        head = (f"jknrules replay {report.file}: {report.records} catatan, {report.reproduced} "
                f"dapat diulang dengan hasil sama, {len(report.findings)} temuan "
                f"(dicari di {report.searched}: {report.contents} isi kebijakan)")
    else:
        head = (f"jknrules replay {report.file}: {report.records} records, {report.reproduced} "
                f"reproduced, {len(report.findings)} findings "
                f"(searched {report.searched}: {report.contents} policy contents)")
    lines = [head, _integrity(report, lang)]
    for f in report.findings:
        lines.append(f"{report.file}:{f.line}: {f.code} {f.message.pick(lang)}")
        lines.append(f"    ({other}) {f.message.pick(other)}")
        for d in f.differences:
            lines.append(f"    {d.field}: {_show(d.recorded)} → {_show(d.replayed)}")
    if report.clean:
        lines.append("OK: setiap keputusan sama · every decision reproduced"
                     if lang == "id" else "OK: every decision reproduced")
    return "\n".join(lines) + "\n"


def _integrity(report: ReplayReport, lang: str) -> str:
    """One line on the chain: how many records are chained, checkpoints, signatures."""
    info = report.integrity
    chained, unchained = info.get("chained", 0), info.get("unchained", 0)
    checkpoints, verified = info.get("checkpoints", 0), info.get("signatures_verified")
    interrupted = info.get("interrupted_writes", 0)
    if lang == "id":
        text = f"rantai hash: {chained} catatan berantai, {checkpoints} checkpoint"
        if unchained:
            text += f", {unchained} catatan tidak berantai (format lama, tidak dapat diperiksa)"
        if interrupted:
            text += f", {interrupted} penulisan terputus"
        text += (f"; {verified} tanda tangan sah" if verified is not None
                 else "; tanda tangan tidak diperiksa (pakai --verify)")
    else:
        text = f"hash chain: {chained} chained records, {checkpoints} checkpoints"
        if unchained:
            text += f", {unchained} records not chained (old format, cannot be checked)"
        if interrupted:
            text += f", {interrupted} interrupted write" + ("s" if interrupted != 1 else "")
        text += (f"; {verified} signatures verified" if verified is not None
                 else "; signatures not checked (use --verify)")
    return text


def _show(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
