"""``jknrules bundle sign|verify|keygen``: signed policy sets.

``sign --key FILE`` writes ``bundle.json`` into the policy folder: the SHA-256 of every
policy file, each version's fingerprint, the engine version and the holiday data,
signed with Ed25519. ``verify`` checks it against the folder as it is now (keys from
``--public-key`` or the folder's ``keys/*.pub``): exit 0 when it verifies, 1 when
something no longer matches, 2 on bad input. ``keygen`` makes a key pair.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import TextIO

from jknrules import __version__
from jknrules.audit import bundle
from jknrules.audit.keys import generate, key_id, load_private_key
from jknrules.audit.records import public_key_table
from jknrules.load.loader import display_name
from jknrules.load.policyset import PolicySet, find_policy_dir

NAME = "bundle"
HELP = ("tanda tangani atau periksa kumpulan kebijakan (manifes sha256, versi mesin, data "
        "hari libur) / sign or verify the policy set (sha256 manifest, engine version, "
        "holiday data)")

_SIGN = ("tulis bundle.json di folder kebijakan: sha256 setiap berkas, sidik jari setiap versi, "
         "versi mesin dan data hari libur, ditandatangani Ed25519 / write bundle.json into the "
         "policy folder: every file's sha256, every version's fingerprint, the engine version "
         "and the holiday data, signed with Ed25519")
_VERIFY = ("periksa bundle.json terhadap folder kebijakan kini; keluar 0 sesuai, 1 ada temuan, "
           "2 masukan tidak valid / check bundle.json against the policy folder as it is now; "
           "exit 0 when it matches, 1 with findings, 2 on bad input")
_KEYGEN = ("buat pasangan kunci Ed25519: kunci privat (simpan rahasia) dan kunci publik "
           "(terbitkan di policies/keys/) / make an Ed25519 key pair: the private key (keep it "
           "secret) and the public key (publish it in policies/keys/)")
_POLICIES = ("folder kebijakan (bawaan: folder kebijakan yang dipakai) / policy folder "
             "(default: the policy folder in use)")


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="AKSI/ACTION",
        help="sign: tanda tangani, verify: periksa, keygen: buat kunci / sign, verify, or "
        "make a key pair")
    sign = actions.add_parser("sign", help="tulis dan tanda tangani bundle.json / write and "
                              "sign bundle.json", description=_SIGN)
    sign.add_argument("--key", type=Path, required=True, metavar="FILE",
                      help="kunci privat Ed25519 (PEM atau 32 bita) / Ed25519 private key "
                      "(PEM or 32 raw bytes)")
    sign.add_argument("--policies", type=Path, default=None, metavar="DIR", help=_POLICIES)
    verify = actions.add_parser("verify", help="periksa bundle.json terhadap folder kini / "
                                "check bundle.json against the folder as it is",
                                description=_VERIFY)
    verify.add_argument("--policies", type=Path, default=None, metavar="DIR", help=_POLICIES)
    verify.add_argument("--public-key", type=Path, action="append", default=None,
                        metavar="FILE", help="kunci publik Ed25519 (bawaan: keys/*.pub di "
                        "folder kebijakan) / Ed25519 public key (default: keys/*.pub in the "
                        "policy folder)")
    verify.add_argument("--format", choices=("text", "json"), default="text",
                        help="format laporan / report format (default text)")
    keygen = actions.add_parser("keygen", help="buat pasangan kunci Ed25519 / make an Ed25519 "
                                "key pair", description=_KEYGEN)
    keygen.add_argument("private", type=Path, metavar="PRIVATE.key",
                        help="berkas kunci privat baru (tidak ditimpa) / new private key file "
                        "(never overwritten)")
    keygen.add_argument("--public", type=Path, required=True, metavar="FILE.pub",
                        help="berkas kunci publik, mis. policies/keys/dinsos.pub / public key "
                        "file, e.g. policies/keys/dinsos.pub")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.action == "keygen":
        kid = generate(args.private, args.public)
        out.write(f"kunci {kid}: privat {args.private} (simpan rahasia), publik {args.public} "
                  f"(terbitkan) / key {kid}: private {args.private} (keep secret), public "
                  f"{args.public} (publish)\n")
        return 0
    found = find_policy_dir(args.policies)
    policies = PolicySet.load(found)
    if args.action == "sign":
        key = load_private_key(args.key)
        bundle.sign_folder(found.path, policies, key, __version__, dt.date.today())
        out.write(f"{display_name(found.path / bundle.BUNDLE_FILE)}: ditandatangani dengan "
                  f"kunci {key_id(key.public_key())} / signed with key "
                  f"{key_id(key.public_key())}\n")
        return 0
    keys = public_key_table(args.public_key, found.path)
    findings = bundle.verify(found.path, policies, keys, __version__)
    if args.format == "json":
        out.write(json.dumps({"folder": display_name(found.path), "verified": not findings,
                              "findings": [f.to_json() for f in findings]},
                             ensure_ascii=False, indent=2) + "\n")
    else:
        where = display_name(found.path)
        for f in findings:
            out.write(f"{where}/{f.file}: {f.code} {f.message.id}\n    (en) {f.message.en}\n")
        if not findings:
            out.write(f"{where}: OK, kumpulan kebijakan sesuai tanda tangan · the policy set "
                      "matches its signature\n")
    return 1 if findings else 0
