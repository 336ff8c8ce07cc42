"""Signed policy sets: a manifest of what decides, signed with Ed25519.

``jknrules bundle sign`` writes ``bundle.json`` into the policy folder (:data:`BUNDLE_FILE`):
a **manifest** — every policy file's SHA-256 (of its bytes) and the fingerprint of each
of its versions, the engine version, and the holiday data (the ``holidays`` release and
the national closed days it gives for every year the policies cover) — and the
**signature** of the manifest's canonical JSON (:func:`jknrules.audit.canonical.canonical`).

:func:`verify` says what no longer matches: no bundle (``JKN-A060``), a policy file
changed, missing or added, or a version whose fingerprint moved (``JKN-A061``), a
signature that fails or a key that is not published (``JKN-A062``), another engine
version (``JKN-A063``), other closed days from the installed ``holidays`` release
(``JKN-A064``), a bundle file that cannot be read (``JKN-A065``). ``evaluate
--require-signed`` and ``load_policies(require_signed=True)`` refuse such a set.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jknrules.audit import holidaydata
from jknrules.audit.canonical import canonical, sha256_hex
from jknrules.audit.keys import (
    ALGORITHM,
    Ed25519PrivateKey,
    Ed25519PublicKey,
    PublicKeyInput,
    key_id,
    public_key_table,
    sign,
)
from jknrules.audit.keys import verify as verify_signature
from jknrules.engine.ir import CompiledPolicy
from jknrules.errors import Diagnostic, JknrulesError, Span, diag
from jknrules.language.text import Bilingual
from jknrules.load.policyset import PolicySet, find_policy_dir, policy_files

BUNDLE_FILE = "bundle.json"
BUNDLE_FORMAT = "jknrules.bundle/1"


@dataclass(frozen=True, slots=True)
class BundleFinding:
    code: str
    message: Bilingual
    file: str = BUNDLE_FILE

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "file": self.file,
                "message": {"id": self.message.id, "en": self.message.en}}

    def diagnostic(self, folder: Path) -> Diagnostic:
        return diag(self.code, self.message.id, self.message.en,
                    span=Span(str(folder / self.file), 1, 1),
                    hint_id="periksa perubahannya, lalu tanda tangani ulang: jknrules bundle "
                            "sign --key KUNCI", hint_en="review the change, then sign again: "
                            "jknrules bundle sign --key KEY")


def years_covered(policies: Iterable[CompiledPolicy], today: dt.date) -> list[int]:
    """From the first version's year to the year after the last version or ``today``."""
    starts = [v.effective_from.year for p in policies for v in p.versions] or [today.year]
    return list(range(min(starts), max(*starts, today.year) + 2))


def manifest(folder: Path, policies: PolicySet, engine: str, today: dt.date
             ) -> dict[str, Any]:
    """What a signature vouches for (see the module docstring)."""
    by_file = {Path(p.file).name: p for p in policies}
    files = []
    for path in policy_files([folder]):
        compiled = by_file.get(path.name)
        files.append({
            "file": path.name, "sha256": sha256_hex(path.read_bytes()),
            "regency": compiled.policy.regency if compiled else None,
            "versions": [{"effective_from": v.effective_from.isoformat(), "sha256": v.sha256}
                         for v in (compiled.versions if compiled else ())]})
    years = years_covered(policies, today)
    return {"format": BUNDLE_FORMAT, "engine": {"name": "jknrules", "version": engine},
            "signed_on": today.isoformat(), "policies": files,
            "holidays": {"package": "holidays", "version": holidaydata.holidays_version(),
                         "years": years, "closed_days": holidaydata.closed_days(years)}}


def sign_folder(folder: Path, policies: PolicySet, key: Ed25519PrivateKey, engine: str,
                today: dt.date) -> dict[str, Any]:
    """Write ``bundle.json`` (manifest and signature) into ``folder``; returns it."""
    body = manifest(folder, policies, engine, today)
    bundle = {"manifest": body, "signature": {
        "algorithm": ALGORITHM, "key_id": key_id(key.public_key()),
        "value": sign(key, canonical(body))}}
    (folder / BUNDLE_FILE).write_text(
        json.dumps(bundle, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8")
    return bundle


def verify(folder: Path, policies: PolicySet, keys: Mapping[str, Ed25519PublicKey],
           engine: str) -> list[BundleFinding]:
    """What no longer matches the signed bundle of ``folder`` (nothing: it verifies)."""
    path = folder / BUNDLE_FILE
    if not path.is_file():
        return [BundleFinding("JKN-A060", Bilingual(
            f"kumpulan kebijakan belum ditandatangani: tidak ada {BUNDLE_FILE} di {folder}",
            f"the policy set is not signed: no {BUNDLE_FILE} in {folder}"))]
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        body, signature = bundle["manifest"], bundle["signature"]
        if body.get("format") != BUNDLE_FORMAT or not isinstance(signature, dict):
            raise ValueError(body.get("format"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return [BundleFinding("JKN-A065", Bilingual(
            f"{BUNDLE_FILE} tidak dapat dibaca sebagai bundel {BUNDLE_FORMAT}",
            f"{BUNDLE_FILE} cannot be read as a {BUNDLE_FORMAT} bundle"))]
    out = _signature(body, signature, keys)
    out += _files(folder, body, policies)
    signed_engine = (body.get("engine") or {}).get("version")
    if signed_engine != engine:
        out.append(BundleFinding("JKN-A063", Bilingual(
            f"ditandatangani untuk jknrules {signed_engine}, yang berjalan {engine}",
            f"signed for jknrules {signed_engine}, running {engine}")))
    out += _holidays(body.get("holidays") or {})
    return out


def _signature(body: Any, signature: Mapping[str, Any],
               keys: Mapping[str, Ed25519PublicKey]) -> list[BundleFinding]:
    kid = signature.get("key_id")
    public = keys.get(kid) if isinstance(kid, str) else None
    if public is None:
        return [BundleFinding("JKN-A062", Bilingual(
            f"bundel ditandatangani dengan kunci yang tidak diterbitkan ({kid})",
            f"the bundle is signed with a key that is not published ({kid})"))]
    if signature.get("algorithm") != ALGORITHM or not verify_signature(
            public, signature.get("value"), canonical(body)):
        return [BundleFinding("JKN-A062", Bilingual(
            f"tanda tangan bundel tidak sah (kunci {kid}): manifesnya diubah",
            f"the bundle's signature does not verify (key {kid}): its manifest was changed"))]
    return []


def _files(folder: Path, body: Mapping[str, Any], policies: PolicySet) -> list[BundleFinding]:
    out: list[BundleFinding] = []
    signed = {str(f.get("file")): f for f in body.get("policies") or []}
    present = {p.name: p for p in policy_files([folder])}
    compiled = {Path(p.file).name: p for p in policies}
    for name in sorted(set(signed) | set(present)):
        entry, path = signed.get(name), present.get(name)
        if entry is None:
            out.append(BundleFinding("JKN-A061", Bilingual(
                "berkas kebijakan ditambahkan setelah penandatanganan",
                "a policy file was added after signing"), name))
        elif path is None:
            out.append(BundleFinding("JKN-A061", Bilingual(
                "berkas kebijakan yang ditandatangani tidak ada lagi",
                "a signed policy file is missing"), name))
        elif sha256_hex(path.read_bytes()) != entry.get("sha256"):
            out.append(BundleFinding("JKN-A061", Bilingual(
                "berkas kebijakan diubah setelah penandatanganan (sha256 berbeda)",
                "the policy file was changed after signing (its sha256 differs)"), name))
        elif name in compiled:
            now = [{"effective_from": v.effective_from.isoformat(), "sha256": v.sha256}
                   for v in compiled[name].versions]
            if now != entry.get("versions"):
                out.append(BundleFinding("JKN-A061", Bilingual(
                    "berkas sama, tetapi sidik jari versinya kini berbeda",
                    "the same file now gives other version fingerprints"), name))
    return out


def _holidays(signed: Mapping[str, Any]) -> list[BundleFinding]:
    years = [y for y in signed.get("years") or [] if isinstance(y, int)]
    now = holidaydata.closed_days(years)
    then = signed.get("closed_days")
    if now == then:
        return []
    then = then if isinstance(then, dict) else {}
    changes = []
    for year in map(str, years):
        a = {tuple(d) for d in then.get(year) or []}
        b = {tuple(d) for d in now.get(year) or []}
        changes += [f"+ {d} {n}" for d, n in sorted(b - a)]
        changes += [f"− {d} {n}" for d, n in sorted(a - b)]
    shown = "; ".join(changes[:6]) + (f"; … ({len(changes)})" if len(changes) > 6 else "")
    versions = f"holidays {signed.get('version')} → {holidaydata.holidays_version()}"
    return [BundleFinding("JKN-A064", Bilingual(
        f"data hari libur nasional berbeda dari yang ditandatangani ({versions}: {shown})",
        f"the national holiday data differs from what was signed ({versions}: {shown})"))]


def refuse_unless_signed(folder: Path, policies: PolicySet,
                         keys: Mapping[str, Ed25519PublicKey], engine: str) -> None:
    """Raise ``JknrulesError`` (exit 2) unless ``folder``'s bundle verifies."""
    found = verify(folder, policies, keys, engine)
    if found:
        raise JknrulesError([f.diagnostic(folder) for f in found])


def load_signed(policies: str | os.PathLike[str] | None,
                public_keys: Iterable[PublicKeyInput] | None, engine: str) -> PolicySet:
    """The policy folder's set, loaded only if its signed bundle verifies (public keys:
    those given, else the folder's ``keys/*.pub``); otherwise ``JknrulesError``."""
    found = find_policy_dir(policies)
    if not found.path.is_dir():
        raise JknrulesError([diag(
            "JKN-A060", f"kebijakan bertanda tangan harus dimuat dari folder, bukan {found.path}",
            f"a signed policy set is loaded from a folder, not {found.path}",
            span=Span(str(found.path), 1, 1))])
    loaded = PolicySet.load(found)
    refuse_unless_signed(found.path, loaded, public_key_table(public_keys, found.path), engine)
    return loaded
