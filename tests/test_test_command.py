"""`jknrules test`: officers' example cases, a readable diff, and coverage."""

from __future__ import annotations

import io
from pathlib import Path

from jknrules.cli.main import main

from .conftest import POLICY_DIR


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def test_shipped_examples_pass_with_full_coverage() -> None:
    code, out, err = run("test", "--coverage", "-q")
    assert code == 0, out + err
    assert " 0 gagal" in out
    assert "aturan 100%, persyaratan 100%, kanal 100%, jendela 100%" in out


FAILING = """\
cases:
  - name: desil 3 wrongly expected to need the emergency letter
    clause: "1. Persyaratan c"
    case:
      regency: karangasem
      submitted_at: "2026-02-03T09:00:00+08:00"
      applicant: {has_ktp: true}
      welfare: {desil: 3}
      health: {emergency: true}
      household: {has_ppu_member: false}
      membership: {status: none, segment: none}
      documents: [kk, ktp, surat_keterangan_emergency]
    expect:
      outcome: accepted
      required_documents: [kk, ktp, surat_keterangan_emergency]
"""


def test_failing_example_shows_an_indonesian_diff(tmp_path: Path) -> None:
    path = tmp_path / "gagal.yaml"
    path.write_text(FAILING)
    code, out, _ = run("test", str(path), "--policies", str(POLICY_DIR))
    assert code == 1
    assert "GAGAL  desil 3 wrongly expected" in out
    assert "outcome: diharapkan 'accepted', didapat 'incomplete'" in out
    assert "0 lulus, 1 gagal" in out


def test_failing_example_in_english(tmp_path: Path) -> None:
    path = tmp_path / "fail.yaml"
    path.write_text(FAILING)
    code, out, _ = run("test", str(path), "--lang", "en")
    assert code == 1 and "expected 'accepted', got 'incomplete'" in out


def test_coverage_lists_what_was_not_exercised(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(FAILING.replace("outcome: accepted", "outcome: incomplete").replace(
        "required_documents: [kk, ktp, surat_keterangan_emergency]", "missing_documents: "
        "[surat_rawat_inap, surat_rujukan, surat_kontrol]"))
    code, out, _ = run("test", str(path), "--coverage", "--lang", "en")
    assert code == 1
    assert "1 passed, 0 failed" in out
    assert "not exercised: rule 'anggota_keluarga_ppu'" in out
    assert "policies/karangasem.yaml:" in out


def test_bad_example_file_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("cases:\n  - name: x\n    case: {}\n")
    code, _, err = run("test", str(path))
    assert code == 2 and "bad.yaml:2:5" in err
