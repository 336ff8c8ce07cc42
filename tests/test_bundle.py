"""Signed policy sets: ``jknrules bundle sign|verify|keygen``, ``evaluate --require-signed``
and ``load_policies(require_signed=True)``."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import jknrules
from jknrules.audit import keys as keymod
from jknrules.audit.canonical import canonical
from jknrules.cli.main import main

from .conftest import POLICY_DIR

CASE = {
    "regency": "karangasem",
    "submitted_at": "2026-02-03T09:00:00+08:00",
    "applicant": {"has_ktp": True},
    "welfare": {"desil": None},
    "health": {"emergency": True},
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def folder(signed_policies: Path) -> Path:
    """A copy of the shipped policies with a published key and a signed bundle (the
    private key is ``tmp_path/office.key``; ``conftest.signed_policies``)."""
    return signed_policies


def case_file(tmp_path: Path) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    return str(path)


def verify(folder: Path, *extra: str) -> tuple[int, list[tuple[str, str]]]:
    code, out, err = run("bundle", "verify", "--policies", str(folder), "--format", "json",
                         *extra)
    assert code in (0, 1), err
    return code, [(f["code"], f["file"]) for f in json.loads(out)["findings"]]


def resign(folder: Path, key: Path, change: Any) -> None:
    """Change the manifest and sign it again with ``key`` (as the office would have signed
    it under other circumstances)."""
    path = folder / "bundle.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    change(bundle["manifest"])
    private = keymod.load_private_key(key)
    bundle["signature"] = {"algorithm": "ed25519", "key_id": keymod.key_id(private.public_key()),
                           "value": keymod.sign(private, canonical(bundle["manifest"]))}
    path.write_text(json.dumps(bundle), encoding="utf-8")


def test_the_manifest_names_files_versions_engine_and_holidays(folder: Path) -> None:
    bundle = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    manifest = bundle["manifest"]
    assert manifest["format"] == "jknrules.bundle/1"
    assert manifest["engine"] == {"name": "jknrules", "version": jknrules.__version__}
    assert [p["file"] for p in manifest["policies"]] == ["batang.yaml", "karangasem.yaml",
                                                         "malinau.yaml"]
    karangasem = manifest["policies"][1]
    policies = jknrules.load_policies(folder)
    assert [v["sha256"] for v in karangasem["versions"]] == [
        v.sha256 for v in policies.get("karangasem").versions]
    holidays = manifest["holidays"]
    assert holidays["package"] == "holidays" and holidays["version"]
    first = min(v.effective_from.year for p in policies for v in p.versions)
    assert holidays["years"][0] == first and str(first) in holidays["closed_days"]
    assert ["2026-02-17", "Tahun Baru Imlek"] in holidays["closed_days"]["2026"]
    assert bundle["signature"]["key_id"] == keymod.key_id(
        keymod.load_public_key(folder / "keys" / "office.pub"))


def test_a_signed_set_verifies_and_evaluates(folder: Path, tmp_path: Path) -> None:
    assert verify(folder) == (0, [])
    code, out, _ = run("bundle", "verify", "--policies", str(folder))
    assert code == 0 and "OK" in out
    code, out, err = run("evaluate", case_file(tmp_path), "--policies", str(folder),
                         "--require-signed")
    assert code == 0, err
    assert json.loads(out)["outcome"] == "needs_review"
    assert jknrules.load_policies(folder, require_signed=True).regencies() == [
        "batang", "karangasem", "malinau"]


def test_an_unsigned_set_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    shutil.copy(POLICY_DIR / "karangasem.yaml", folder)
    (folder / "keys").mkdir()
    keymod.generate(tmp_path / "k.key", folder / "keys" / "k.pub")
    code, _, err = run("evaluate", case_file(tmp_path), "--policies", str(folder),
                       "--require-signed")
    assert code == 2 and "JKN-A060" in err
    assert "kumpulan kebijakan belum ditandatangani" in err
    code, out, _ = run("evaluate", case_file(tmp_path), "--policies", str(folder))
    assert code == 0  # without --require-signed nothing changes


def test_an_edited_policy_file_is_refused(folder: Path, tmp_path: Path) -> None:
    path = folder / "karangasem.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert verify(folder) == (1, [("JKN-A061", "karangasem.yaml")])
    code, _, err = run("evaluate", case_file(tmp_path), "--policies", str(folder),
                       "--require-signed")
    assert code == 2 and "JKN-A061" in err and "karangasem.yaml" in err
    with pytest.raises(jknrules.JknrulesError) as exc:
        jknrules.load_policies(folder, require_signed=True)
    assert [d.code for d in exc.value.diagnostics] == ["JKN-A061"]


def test_added_and_removed_files_are_refused(folder: Path) -> None:
    (folder / "malinau.yaml").rename(folder / "malinau.yaml.bak")
    shutil.copy(Path(__file__).parent / "fixtures" / "minimal.yaml", folder / "zz.yaml")
    (folder / "batang.yaml").unlink()  # minimal.yaml is a Batang policy: one file each
    assert verify(folder) == (1, [("JKN-A061", "batang.yaml"), ("JKN-A061", "malinau.yaml"),
                                  ("JKN-A061", "zz.yaml")])


def test_an_edited_manifest_fails_its_signature(folder: Path) -> None:
    path = folder / "bundle.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    bundle["manifest"]["policies"][1]["sha256"] = "0" * 64
    path.write_text(json.dumps(bundle), encoding="utf-8")
    code, found = verify(folder)
    assert code == 1 and ("JKN-A062", "bundle.json") in found


def test_a_bundle_signed_with_an_unpublished_key_is_refused(folder: Path,
                                                            tmp_path: Path) -> None:
    keymod.generate(tmp_path / "other.key", tmp_path / "other.pub")
    resign(folder, tmp_path / "other.key", lambda m: None)
    assert verify(folder) == (1, [("JKN-A062", "bundle.json")])
    # ... unless that key is the one the auditor names
    assert verify(folder, "--public-key", str(tmp_path / "other.pub")) == (0, [])


def test_another_engine_version_is_refused(folder: Path, tmp_path: Path) -> None:
    resign(folder, tmp_path / "office.key", lambda m: m["engine"].update(version="0.0.1"))
    assert verify(folder) == (1, [("JKN-A063", "bundle.json")])


def test_other_holiday_data_is_refused_and_named(folder: Path, tmp_path: Path) -> None:
    """As if the set had been signed under a `holidays` release without the 2026 Imlek cuti
    bersama: the installed data now has one closed day more."""
    def older(manifest: dict[str, Any]) -> None:
        manifest["holidays"]["version"] = "0.60"
        manifest["holidays"]["closed_days"]["2026"] = [
            d for d in manifest["holidays"]["closed_days"]["2026"] if d[0] != "2026-02-16"]
    resign(folder, tmp_path / "office.key", older)
    code, out, _ = run("bundle", "verify", "--policies", str(folder))
    assert code == 1 and "JKN-A064" in out
    assert "holidays 0.60 →" in out and "+ 2026-02-16 Cuti Bersama Tahun Baru Imlek" in out
    code, _, err = run("evaluate", case_file(tmp_path), "--policies", str(folder),
                       "--require-signed")
    assert code == 2 and "JKN-A064" in err


def test_a_garbled_bundle_file_is_reported(folder: Path) -> None:
    (folder / "bundle.json").write_text("{not json", encoding="utf-8")
    assert verify(folder) == (1, [("JKN-A065", "bundle.json")])


def test_verify_needs_a_public_key(folder: Path) -> None:
    shutil.rmtree(folder / "keys")
    code, _, err = run("bundle", "verify", "--policies", str(folder))
    assert code == 2 and "JKN-A036" in err


def test_keygen_never_overwrites_a_private_key(tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    key.write_text("precious", encoding="utf-8")
    code, _, err = run("bundle", "keygen", str(key), "--public", str(tmp_path / "k.pub"))
    assert code == 2 and "JKN-A035" in err
    assert key.read_text(encoding="utf-8") == "precious"


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    import os
    import stat
    import sys

    code, _, _ = run("bundle", "keygen", str(tmp_path / "k.key"), "--public",
                     str(tmp_path / "k.pub"))
    assert code == 0
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(tmp_path / "k.key").st_mode) == 0o600
    assert (tmp_path / "k.pub").read_text(encoding="ascii").startswith("-----BEGIN PUBLIC KEY")
