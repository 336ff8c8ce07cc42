"""``jknrules diff``: the semantic diff between versions, files and git revisions,
its stable JSON, the impact summary, and the Karangasem 2023 -> 2025 worked example."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from jknrules.audit.diff.compare import canonical, compare
from jknrules.audit.versions import from_file
from jknrules.cli.main import main
from jknrules.language.policy import Condition

from .conftest import POLICY_DIR, ROOT
from .golden import assert_golden

KARANGASEM = POLICY_DIR / "karangasem.yaml"
CASES = ROOT / "tests" / "golden" / "diff" / "karangasem-cases.jsonl"
SCHEMA = json.loads((ROOT / "schemas" / "diff.schema.json").read_text(encoding="utf-8"))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def diff_json(*argv: str) -> dict[str, Any]:
    code, out, err = run("diff", *argv, "--format", "json")
    report: dict[str, Any] = json.loads(out)
    assert code == (1 if report["semantic_change"] else 0), err  # like diff(1)
    jsonschema.validate(report, SCHEMA)
    return report


def changes(report: dict[str, Any]) -> list[dict[str, Any]]:
    return report["policy_changes"] + [c for comp in report["comparisons"] for c in comp["changes"]]


def find(report: dict[str, Any], **match: Any) -> list[dict[str, Any]]:
    return [c for c in changes(report) if all(c.get(k) == v for k, v in match.items())]


# --- the real test: Karangasem 2023 -> 2025 --------------------------------------------

@pytest.fixture(scope="module")
def karangasem() -> dict[str, Any]:
    return diff_json("karangasem@2023-05-22", "karangasem@2025-12-31")


@pytest.mark.parametrize("route", ["emergency_registration", "transfer_from_mandiri"])
def test_segment_change_kis_pbi_to_pbpu_bp_pemda(karangasem: dict[str, Any], route: str) -> None:
    [change] = find(karangasem, route=route, area="segment")
    assert change["kind"] == "changed"
    assert "pbi_apbd" in change["old"]["text"]["id"]
    assert "pbpu_bp_pemda" in change["new"]["text"]["id"]
    assert change["old"]["source"].startswith("SOP 460/2032/DINSOS,PPPA,PPKB (2023-05-22)")
    assert change["new"]["source"].startswith("Standar Pelayanan")


def test_new_desil_based_document_rules(karangasem: dict[str, Any]) -> None:
    route = "emergency_registration"
    [emergency] = find(karangasem, route=route, item="documents/surat_keterangan_emergency")
    assert emergency["kind"] == "added"
    assert "welfare.desil 6–10" in emergency["new"]["text"]["id"]
    assert "null (tidak terlacak)" in emergency["new"]["text"]["id"]
    assert emergency["new"]["source"].endswith("1. Persyaratan c")
    for doc in ("surat_rawat_inap", "surat_rujukan", "surat_kontrol"):
        [added] = find(karangasem, route=route, item=f"documents/{doc}")
        assert added["kind"] == "added" and "welfare.desil 1–5" in added["new"]["text"]["en"]
        assert added["new"]["source"].endswith("1. Persyaratan d")
    [doctor] = find(karangasem, route=route, item="documents/surat_keterangan_dokter")
    assert doctor["kind"] == "removed"
    # the 2023 policy now reads Langkah 2's KTP as "for those who have one" too: the same
    # condition and reason on both sides, so the KTP requirement is no change (its new
    # clause and assumption note come with the new document, not reported one by one)
    assert not find(karangasem, route=route, item="documents/ktp")


def test_intake_window_cutoff_and_processing_time_of_transfers(karangasem: dict[str, Any]) -> None:
    route = "transfer_from_mandiri"
    [window] = find(karangasem, route=route, area="intake_window")
    assert window["kind"] == "added" and window["new"]["text"]["id"] == "tanggal 1–10 setiap bulan"
    assert window["new"]["source"].endswith("1. Persyaratan d")
    [cutoff] = find(karangasem, route=route, area="cutoff")
    assert cutoff["kind"] == "added" and "tanggal 20" in cutoff["new"]["text"]["id"]
    [activation] = find(karangasem, route=route, area="expected_activation")
    assert activation["kind"] == "changed"
    assert activation["old"]["text"]["en"] == "3 months from the start of service"
    assert activation["new"]["text"]["en"].startswith("1 month from the monthly submission")
    assert "3 bulan" in activation["old"]["source"] and "satu bulan" in activation["new"]["source"]


def test_new_after_hours_channel(karangasem: dict[str, Any]) -> None:
    [group] = find(karangasem, route="emergency_registration", item="channels/online_group")
    assert group["kind"] == "added"
    assert "Sabtu–Minggu 07.00–21.00 WITA" in group["new"]["text"]["id"]
    assert group["new"]["source"].endswith("3. Waktu Pelayanan b")
    assert group["new"]["assumption"] is not None


def test_nothing_spurious(karangasem: dict[str, Any]) -> None:
    every = changes(karangasem)
    # services carried over unchanged from 2023 give nothing
    assert not [c for c in every if c["route"] in ("regular_registration", "reactivation")]
    # a new document restating a service changes every citation: not reported one by one
    assert not [c for c in every if c["field"] in ("source", "assumption")]
    # the KK requirement is the same requirement; the 'bukan_peserta_mandiri' rule is the
    # same rule (same condition and outcome): only its message to the applicant changed
    assert not find(karangasem, item="documents/kk")
    assert [c["field"] for c in find(karangasem, item="rules/bukan_peserta_mandiri")] == [
        "message"]
    # every side of every change cites its source, and its place in the policy file
    for c in every:
        for side in (c["old"], c["new"]):
            if side is not None:
                assert side["source"] and side["at"].startswith("policies/karangasem.yaml:"), c
    assert karangasem["summary"]["total"] == len(every)
    assert len({json.dumps(c, sort_keys=True) for c in every}) == len(every)


@pytest.mark.parametrize("route", ["emergency_registration", "transfer_from_mandiri"])
def test_complaint_channels_of_the_2025_standards(karangasem: dict[str, Any], route: str) -> None:
    added = find(karangasem, route=route, area="complaint")
    assert [c["kind"] for c in added] == ["added"] * 7
    [phone] = [c for c in added if c["item"].startswith("complaints/phone/")]
    assert phone["new"]["text"]["id"] == "Nomor Telepon Dinas Sosial, PPPA dan PPKB: (0363) 21154"
    assert phone["new"]["source"].endswith("7. Penanganan Pengaduan, Saran dan Masukan 1")
    assert phone["new"]["at"].startswith("policies/karangasem.yaml:")


def _edit_complaints(tmp_path: Path) -> Path:
    """The 2025 emergency standard's complaint channels, edited in a reformatted copy."""
    data = yaml.safe_load(KARANGASEM.read_text(encoding="utf-8"))
    service = next(v for v in data["versions"] if str(v["effective_from"]) == "2025-12-31")[
        "services"]["emergency_registration"]
    channels = service["complaints"]["channels"]
    by_kind = {c["kind"]: c for c in channels}
    by_kind["phone"]["value"] = "(0363) 23456"  # a new number, same label
    by_kind["email"]["label"] = "Surel"  # relabelled, same address
    by_kind["instagram"]["source"] = {"clause": "7. Penanganan Pengaduan 3"}  # clause only
    channels.remove(by_kind["facebook"])
    channels.append({"kind": "sms_wa", "label": "WhatsApp Pengaduan", "value": "081234567890",
                     "source": {"clause": "7. Penanganan Pengaduan, Saran dan Masukan 8"}})
    path = tmp_path / "karangasem-complaints.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_complaint_channel_changes_are_reported_with_sources(tmp_path: Path) -> None:
    report = diff_json(str(KARANGASEM), str(_edit_complaints(tmp_path)))
    every = changes(report)
    assert {(c["route"], c["area"]) for c in every} == {("emergency_registration", "complaint")}
    got = {(c["kind"], c["item"], c["field"]) for c in every}
    assert got == {
        ("changed", "complaints/phone/Nomor Telepon Dinas Sosial, PPPA dan PPKB", "value"),
        ("changed", "complaints/email/Surel", "label"),
        ("changed", "complaints/instagram/Instagram", "source"),
        ("removed", "complaints/facebook/Facebook", None),
        ("added", "complaints/sms_wa/WhatsApp Pengaduan", None),
    }
    [phone] = find(report, field="value")
    assert (phone["old"]["text"]["id"], phone["new"]["text"]["id"]) == (
        "(0363) 21154", "(0363) 23456")
    assert phone["title"]["en"] == (
        "Complaint channel: Nomor Telepon Dinas Sosial, PPPA dan PPKB — number/address/handle")
    for c in every:
        for side in (c["old"], c["new"]):
            if side is not None:
                assert "Standar Pelayanan Pendaftaran Emergency" in side["source"], c
                assert ".yaml:" in side["at"], c
    [clause] = find(report, field="source")
    assert clause["old"]["source"].endswith("Saran dan Masukan 3")
    assert clause["new"]["source"].endswith("7. Penanganan Pengaduan 3")
    code, md, _ = run("diff", str(KARANGASEM), str(_edit_complaints(tmp_path)))
    assert code == 1
    assert "#### Penanganan pengaduan, saran dan masukan · *Complaint channels*" in md
    assert "  - Sesudah · *after*: (0363) 23456" in md


def test_notices_and_channels_of_2025_against_2023(karangasem: dict[str, Any]) -> None:
    [group] = find(karangasem, item="channels/online_group")
    lines = group["new"]["text"]["id"].split("\n")
    assert lines[1].startswith('Kantor: Grup WhatsApp "Tim Koordinasi JKN" Kabupaten Karangasem')
    assert lines[2].startswith("Anggota: Dinas Sosial, PPPA dan PPKB; Dinas Kesehatan;")
    assert lines[4].startswith("1. Pemohon atau fasilitas kesehatan yang merawat:")
    [ktp] = find(karangasem, route="emergency_registration", item="notices/identitas_tanpa_ktp")
    assert (ktp["kind"], ktp["field"]) == ("changed", "message")
    assert ktp["old"]["source"] == "SOP 460/2032/DINSOS,PPPA,PPKB (2023-05-22), Langkah 2 (fotocopy KK)"
    assert ktp["new"]["source"].startswith("Standar Pelayanan Pendaftaran Emergency PBPU BP Pemda")
    [added] = find(karangasem, route="transfer_from_mandiri", item="notices/identitas_tanpa_ktp")
    assert added["kind"] == "added"
    assert added["new"]["text"]["en"].startswith("when applicant.has_ktp = false → notice: ")
    # the version's own notes: the 2023 one still applies to the 2023 services in force
    notes = find(karangasem, area="version_assumption")
    assert [(c["kind"], c["item"]) for c in notes] == [
        ("added", "version_assumptions/effective_from"), ("added", "version_assumptions/membership")]
    assert notes[0]["new"]["source"].endswith(
        "Penutup (Ditetapkan di Amlapura, pada tanggal 31 Desember 2025)")


def _edit_notices_and_group(tmp_path: Path) -> Path:
    """The 2025 emergency standard with a notice, the group's members and one of its steps
    edited, and the version's effective-date note rewritten, in a reformatted copy."""
    data = yaml.safe_load(KARANGASEM.read_text(encoding="utf-8"))
    version = next(v for v in data["versions"] if str(v["effective_from"]) == "2025-12-31")
    service = version["services"]["emergency_registration"]
    notice = next(n for n in service["notices"] if n["id"] == "identitas_tanpa_ktp")
    notice["message"] = {"id": "Pemohon belum ber-KTP: tunjukkan Kartu Keluarga (KK).",
                         "en": "The applicant has no KTP yet: show the Family Card (KK)."}
    group = next(c for c in service["channels"] if c["id"] == "online_group")
    group["members"].remove("RS Kasna")
    group["members"].insert(0, "RSUD Bali Mandara")
    group["members"].reverse()  # the order a document lists members in is no rule
    group["steps"][2]["action"] = "Berkas lengkap diterima; tidak lengkap dikembalikan"
    note = next(n for n in version["assumptions"] if n["about"] == "effective_from")
    note["note"] = {"id": "Berlaku sejak tanggal penetapan (31 Desember 2025).",
                    "en": "In force from the date of adoption (31 December 2025)."}
    path = tmp_path / "karangasem-notices.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_notice_and_channel_member_changes_are_reported_with_sources(tmp_path: Path) -> None:
    path = _edit_notices_and_group(tmp_path)
    report = diff_json(str(KARANGASEM), str(path))
    every = changes(report)
    assert {(c["kind"], c["area"], c["item"], c["field"]) for c in every} == {
        ("changed", "notice", "notices/identitas_tanpa_ktp", "message"),
        ("changed", "channel", "channels/online_group", "members"),
        ("changed", "channel", "channels/online_group/steps/003", None),
        ("changed", "version_assumption", "version_assumptions/effective_from",
         "version_assumption"),
    }
    assert report["comparisons"][0]["changes"] == []  # 2023 is untouched
    [members] = find(report, field="members")
    assert members["title"]["id"] == (
        "Kanal online_group — anggota (ditambah: RSUD Bali Mandara; dihapus: RS Kasna)")
    assert members["title"]["en"] == (
        "Channel online_group — members (added: RSUD Bali Mandara; removed: RS Kasna)")
    assert "RS Kasna" in members["old"]["text"]["id"].split("\n")
    assert "RSUD Bali Mandara" in members["new"]["text"]["id"].split("\n")
    [notice] = find(report, area="notice")
    assert notice["old"]["text"]["id"].startswith("Pemohon belum ber-KTP (mis. anak atau bayi)")
    assert notice["new"]["text"]["en"] == "The applicant has no KTP yet: show the Family Card (KK)."
    [step] = find(report, item="channels/online_group/steps/003")
    assert step["title"]["en"] == "Channel online_group — step 3"
    assert step["new"]["text"]["id"].endswith("Berkas lengkap diterima; tidak lengkap dikembalikan")
    for c in every:
        for side in (c["old"], c["new"]):
            assert side is not None and "2025-12-31" in side["source"], c
            assert ".yaml:" in side["at"], c
    [note] = find(report, area="version_assumption")
    assert note["old"]["source"] == note["new"]["source"] == (
        "Standar Pelayanan Pendaftaran Emergency PBPU BP Pemda 2025 (2025-12-31), Penutup "
        "(Ditetapkan di Amlapura, pada tanggal 31 Desember 2025)")
    code, md, _ = run("diff", str(KARANGASEM), str(path))
    assert code == 1
    assert "### Asumsi versi · *Version assumptions*" in md
    assert "#### Pemberitahuan kepada pemohon · *Notices to the applicant*" in md


def test_a_new_channel_office_is_reported(tmp_path: Path) -> None:
    data = yaml.safe_load(KARANGASEM.read_text(encoding="utf-8"))
    data["offices"]["pusat_panggilan"] = {"name": "Pusat Panggilan Dinas Sosial"}
    version = next(v for v in data["versions"] if str(v["effective_from"]) == "2025-12-31")
    group = next(c for c in version["services"]["emergency_registration"]["channels"]
                 if c["id"] == "online_group")
    group["office"] = "pusat_panggilan"
    path = tmp_path / "karangasem-office.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    report = diff_json(str(KARANGASEM), str(path))
    assert [(c["area"], c["kind"]) for c in report["policy_changes"]] == [("office", "added")]
    [office] = find(report, item="channels/online_group")
    assert office["field"] == "office"
    assert office["old"]["text"]["id"].startswith('tim_koordinasi_jkn: Grup WhatsApp "Tim')
    assert office["new"]["text"]["id"] == "pusat_panggilan: Pusat Panggilan Dinas Sosial"
    assert office["new"]["source"].endswith("3. Waktu Pelayanan b")


def test_karangasem_golden(karangasem: dict[str, Any]) -> None:
    code, md, _ = run("diff", "karangasem@2023-05-22", "karangasem@2025-12-31")
    assert code == 1
    assert_golden("diff/karangasem-2023-2025.md", md)
    assert_golden("diff/karangasem-2023-2025.json",
                  json.dumps(karangasem, ensure_ascii=False, indent=2) + "\n")


def test_worked_example_in_docs_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, md, err = run("diff", "karangasem@2023-05-22", "karangasem@2025-12-31",
                        "--cases", "tests/golden/diff/karangasem-cases.jsonl")
    assert code == 1, err
    assert_golden(ROOT / "docs" / "diff-karangasem-2023-2025.md", md)


def test_two_runs_are_byte_identical() -> None:
    argv = ("diff", "karangasem@2023-05-22", "karangasem@2025-12-31", "--format", "json",
            "--cases", str(CASES))
    assert run(*argv)[1] == run(*argv)[1]


def test_a_date_names_the_version_in_force() -> None:
    a = diff_json("karangasem@2024-01-01", "karangasem@2026-03-01")
    assert a["comparisons"][0]["old"]["effective_from"] == "2023-05-22"
    assert a["comparisons"][0]["new"]["effective_from"] == "2025-12-31"
    same = diff_json("karangasem@2025-12-31", "karangasem@2026-03-01")
    assert same["semantic_change"] is False and same["summary"]["total"] == 0


# --- files: reformatting is no semantic change -------------------------------------------

_REORDER = ("rules", "documents", "channels", "all", "any", "in", "assumptions", "notices",
            "members")


def _shuffle(node: Any, key: str = "") -> Any:
    """Reorder every mapping's keys and the order-free lists; keep versions and steps."""
    if isinstance(node, dict):
        return {k: _shuffle(v, str(k)) for k, v in reversed(list(node.items()))}
    if isinstance(node, list):
        items = [_shuffle(v) for v in node]
        return list(reversed(items)) if key in _REORDER else items
    return node


def reformatted(tmp_path: Path, edit: tuple[str, str] | None = None) -> Path:
    data = yaml.safe_load(KARANGASEM.read_text(encoding="utf-8"))
    text = "# diformat ulang: urutan kunci, gaya dan komentar berbeda\n" + yaml.safe_dump(
        _shuffle(data), sort_keys=False, allow_unicode=True, width=70, default_flow_style=False)
    if edit is not None:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    path = tmp_path / "karangasem-reformatted.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pure_reformat_is_no_semantic_change(tmp_path: Path) -> None:
    path = reformatted(tmp_path)
    assert path.read_text() != KARANGASEM.read_text()
    report = diff_json(str(KARANGASEM), str(path))
    assert report["semantic_change"] is False
    assert [c["as_of"] for c in report["comparisons"]] == ["2023-05-22", "2025-12-31"]
    code, md, _ = run("diff", str(KARANGASEM), str(path))
    assert code == 0 and "Tidak ada perubahan semantik · *No semantic change*" in md


def test_one_edit_in_a_reformatted_file_is_the_only_change(tmp_path: Path) -> None:
    path = reformatted(tmp_path, ("to_day: 10", "to_day: 15"))
    report = diff_json(str(KARANGASEM), str(path))
    [change] = changes(report)
    assert (change["kind"], change["route"], change["area"]) == (
        "changed", "transfer_from_mandiri", "intake_window")
    assert change["old"]["text"]["en"] == "days 1–10 of each month"
    assert change["new"]["text"]["en"] == "days 1–15 of each month"
    assert "karangasem.yaml:" in change["old"]["at"]
    assert "karangasem-reformatted.yaml:" in change["new"]["at"]
    assert report["comparisons"][0]["changes"] == []  # 2023 is untouched


def test_condition_changes_are_shown_in_words(tmp_path: Path) -> None:
    path = reformatted(tmp_path, ("- 6\n", "- 7\n"))  # desil 6–10 becomes 7–10 somewhere
    report = diff_json(str(KARANGASEM), str(path))
    found = [c for c in changes(report) if c["field"] == "when"]
    assert found, changes(report)
    assert all("6–10" in c["old"]["text"]["id"] and "7–10" in c["new"]["text"]["id"]
               for c in found)


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = KARANGASEM.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "karangasem-edited.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_new_source_clause_alone_is_a_provenance_change(tmp_path: Path) -> None:
    path = edited(tmp_path, "4. Waktu Tanggapan (33 Menit)", "4. Waktu Tanggapan")
    [change] = changes(diff_json(str(KARANGASEM), str(path)))
    assert (change["area"], change["field"]) == ("response_time", "source")
    assert change["old"]["text"] == change["new"]["text"]
    assert change["old"]["source"].endswith("(33 Menit)")
    assert change["new"]["source"].endswith("4. Waktu Tanggapan")


def test_a_new_assumption_note_alone_is_reported(tmp_path: Path) -> None:
    path = edited(tmp_path, 'tidak dianggap "tidak"', 'tidak pernah dianggap "tidak"')
    [change] = changes(diff_json(str(KARANGASEM), str(path)))
    assert (change["item"], change["field"]) == ("documents/surat_berhenti_bekerja", "assumption")
    assert 'tidak pernah dianggap "tidak"' in change["new"]["assumption"]["id"]


@pytest.mark.parametrize(("a", "b"), [
    ({"all": [{"field": "request", "equals": "register"},
              {"field": "health.emergency", "equals": True}]},
     {"all": [{"field": "health.emergency", "equals": True},
              {"field": "request", "equals": "register"}]}),
    ({"field": "membership.segment", "in": ["none", "ppu"]},
     {"field": "membership.segment", "in": ["ppu", "none"]}),
    ({"all": [{"field": "request", "equals": "transfer"}]}, {"field": "request", "equals": "transfer"}),
    ({"any": [{"any": [{"field": "welfare.desil", "is_null": True}]},
              {"field": "welfare.desil", "between": [6, 10]}]},
     {"any": [{"field": "welfare.desil", "between": [6, 10]},
              {"field": "welfare.desil", "is_null": True}]}),
])
def test_canonical_conditions_ignore_order_and_nesting(a: Any, b: Any) -> None:
    assert canonical(Condition.model_validate(a)) == canonical(Condition.model_validate(b))


def test_canonical_conditions_see_real_differences() -> None:
    a = Condition.model_validate({"field": "welfare.desil", "between": [6, 10]})
    b = Condition.model_validate({"field": "welfare.desil", "between": [7, 10]})
    c = Condition.model_validate({"field": "welfare.desil", "between": [6, 10], "if_missing": False})
    assert len({canonical(a), canonical(b), canonical(c)}) == 3


# --- git revisions ---------------------------------------------------------------------

def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Auditor", "-c", "user.email=a@example.invalid",
         "-c", "commit.gpgsign=false", *args],
        check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "policies").mkdir(parents=True)
    git(root, "init", "-q")
    policy = root / "policies" / "karangasem.yaml"
    shutil.copy(KARANGASEM, policy)
    git(root, "add", ".")
    git(root, "commit", "-qm", "Karangasem as shipped")
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("to_day: 10", "to_day: 15").replace("day: 20", "day: 25"),
                      encoding="utf-8")
    git(root, "commit", "-qam", "transfers: intake 1-15, cut-off 25")
    policy.write_text(policy.read_text(encoding="utf-8").replace("minutes: 33", "minutes: 45"),
                      encoding="utf-8")  # uncommitted
    return root


def test_two_revisions_of_a_file(repo: Path) -> None:
    file = str(repo / "policies" / "karangasem.yaml")
    report = diff_json("--git", "HEAD~1", "--git", "HEAD", file)
    assert report["old"]["revision"] == git(repo, "rev-parse", "HEAD~1")
    assert report["new"]["revision"] == git(repo, "rev-parse", "HEAD")
    assert sorted((c["area"], c["kind"]) for c in changes(report)) == [
        ("cutoff", "changed"), ("intake_window", "changed")]
    [cutoff] = find(report, area="cutoff")
    assert "tanggal 20" in cutoff["old"]["text"]["id"] and "tanggal 25" in cutoff["new"]["text"]["id"]
    assert cutoff["old"]["at"].split(":")[0].endswith("karangasem.yaml@HEAD~1")


def test_a_revision_against_the_working_copy(repo: Path) -> None:
    report = diff_json("--git", "HEAD", str(repo / "policies" / "karangasem.yaml"))
    assert report["new"]["revision"] is None
    [change] = changes(report)
    assert (change["route"], change["area"]) == ("emergency_registration", "response_time")
    assert (change["old"]["text"]["en"], change["new"]["text"]["en"]) == ("33 minutes", "45 minutes")


@pytest.mark.parametrize(("rev", "path", "code"), [
    ("no-such-rev", "policies/karangasem.yaml", "JKN-A011"),
    ("HEAD", "policies/batang.yaml", "JKN-A012"),
])
def test_git_errors_are_clean(repo: Path, rev: str, path: str, code: str) -> None:
    status, out, err = run("diff", "--git", rev, str(repo / path))
    assert status == 2 and out == ""
    assert code in err and "Traceback" not in err


def test_git_outside_a_repository(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    outside = tmp_path / "plain"
    outside.mkdir()
    shutil.copy(KARANGASEM, outside / "karangasem.yaml")
    status, _, err = run("diff", "--git", "HEAD", str(outside / "karangasem.yaml"))
    assert status == 2 and "JKN-A010" in err


# --- impact ----------------------------------------------------------------------------

def test_impact_summary() -> None:
    report = diff_json("karangasem@2023-05-22", "karangasem@2025-12-31", "--cases", str(CASES))
    impact = report["impact"]
    assert (impact["cases"], impact["skipped"]) == (11, 1)
    kinds = {k["kind"]: k for k in impact["kinds"]}
    assert list(kinds) == ["outcome", "segment", "route", "documents", "deadlines", "error"]
    assert kinds["segment"]["count"] == impact["affected"] == 8
    assert kinds["error"]["count"] == 0
    assert all(len(k["examples"]) == min(3, k["count"]) for k in impact["kinds"])
    assert [e["line"] for e in kinds["outcome"]["examples"]] == sorted(
        e["line"] for e in kinds["outcome"]["examples"])


def test_impact_of_the_desil_rule_on_a_transfer(tmp_path: Path) -> None:
    cases = tmp_path / "one.jsonl"
    cases.write_text(CASES.read_text().splitlines()[5] + "\n")  # desil 8, Mandiri member
    report = diff_json("karangasem@2023-05-22", "karangasem@2025-12-31", "--cases", str(cases))
    kinds = {k["kind"]: k for k in report["impact"]["kinds"]}
    [outcome] = kinds["outcome"]["examples"]
    assert (outcome["old"], outcome["new"]) == ("accepted", "ineligible")
    [segment] = kinds["segment"]["examples"]
    assert (segment["old"], segment["new"]) == ("pbi_apbd", "pbpu_mandiri")


def test_impact_counts_the_after_hours_channel_as_a_route_change() -> None:
    report = diff_json("karangasem@2023-05-22", "karangasem@2025-12-31", "--cases", str(CASES))
    route = next(k for k in report["impact"]["kinds"] if k["kind"] == "route")
    assert any(e["new"] == "emergency_registration/online_group" for e in route["examples"])


def test_impact_of_a_file_edit_uses_each_case_date(tmp_path: Path) -> None:
    path = reformatted(tmp_path, ("to_day: 10", "to_day: 15"))
    report = diff_json(str(KARANGASEM), str(path), "--cases", str(CASES))
    kinds = {k["kind"]: k for k in report["impact"]["kinds"]}
    # the transfer on 12 February is outside 1–10 but inside 1–15
    assert kinds["outcome"]["count"] == 1
    [example] = kinds["outcome"]["examples"]
    assert (example["line"], example["old"], example["new"]) == (7, "outside_intake_window", "accepted")


def test_a_bad_case_line_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "cases.jsonl"
    bad.write_text(CASES.read_text().splitlines()[0] + "\n{\"regency\": \"karangasem\"}\n")
    status, _, err = run("diff", "karangasem@2023-05-22", "karangasem@2025-12-31",
                         "--cases", str(bad))
    assert status == 2 and "JKN-A020" in err and ":2:1:" in err


# --- operands --------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "code"), [
    (("nowhere.yaml", "karangasem@2025-12-31"), "JKN-A001"),
    (("karangasem", "karangasem@2025-12-31"), "JKN-A001"),
    (("karangasem@2020-01-01", "karangasem@2025-12-31"), "JKN-A002"),
    (("karangasem@2025-13-01", "karangasem@2025-12-31"), "JKN-A003"),
    (("batang@2025-01-01", "karangasem@2025-12-31"), "JKN-A004"),
    (("karangasem@2025-12-31",), "JKN-A005"),
    (("--git", "HEAD", "a.yaml", "b.yaml"), "JKN-A005"),
])
def test_bad_operands_exit_2(argv: tuple[str, ...], code: str) -> None:
    status, out, err = run("diff", *argv)
    assert status == 2 and out == "", err
    assert code in err and "Traceback" not in err


# --- layering ----------------------------------------------------------------------------

WITHDRAWING_VERSION = """
  - effective_from: 2026-06-01
    documents:
      sk_2026:
        title: Keputusan Kepala Dinas tentang Pencabutan Layanan Reaktivasi (uji)
        kind: SOP
        number: 000/UJI/2026
        date: 2026-05-20
        signed_by: {name: Pejabat Uji, position: Kepala Dinas}
        legal_basis: [Peraturan Uji Nomor 1 Tahun 2026]
    withdraws: [reactivation]
"""


def test_a_withdrawn_service_and_a_new_document(tmp_path: Path) -> None:
    path = tmp_path / "karangasem.yaml"
    path.write_text(KARANGASEM.read_text(encoding="utf-8") + WITHDRAWING_VERSION, encoding="utf-8")
    report = diff_json(f"{path}@2025-12-31", f"{path}@2026-06-01")
    assert sorted((c["kind"], c["area"], c["route"]) for c in changes(report)) == [
        ("added", "document", None), ("removed", "service", "reactivation")]
    [doc] = find(report, area="document")
    assert "Pejabat Uji" in doc["new"]["text"]["id"] and "Peraturan Uji" in doc["new"]["text"]["id"]
    code, out, _ = run("history", str(path), "--format", "json")
    third = json.loads(out)["versions"][2]
    assert third["withdraws"] == ["reactivation"] and third["defines"] == []
    assert third["changes"]["total"] == 2


@pytest.mark.parametrize("name", ["karangasem", "batang", "malinau"])
def test_every_version_against_itself_is_no_change(name: str) -> None:
    source = from_file(POLICY_DIR / f"{name}.yaml")
    for snap in source.snapshots():
        assert compare(snap, snap) == []


def test_exit_code_is_1_for_a_semantic_change_and_0_for_none(tmp_path: Path) -> None:
    """Like diff(1): a script can ask "did the rules change?" by the exit code alone."""
    assert run("diff", "karangasem@2023-05-22", "karangasem@2025-12-31")[0] == 1
    assert run("diff", "karangasem@2025-12-31", "karangasem@2026-03-01")[0] == 0
    assert run("diff", str(KARANGASEM), str(reformatted(tmp_path)))[0] == 0
    assert run("diff", str(KARANGASEM), str(KARANGASEM), "--format", "json")[0] == 0
    status, out, err = run("diff", "karangasem@2023-05-22")  # usage: still 2
    assert status == 2 and out == "" and "JKN-A005" in err


def test_a_changed_seed_file_name_is_no_semantic_change(tmp_path: Path) -> None:
    """``seed`` names the transcriber's working file, not part of the signed document."""
    text = KARANGASEM.read_text(encoding="utf-8")
    seed = next(line for line in text.splitlines() if line.strip().startswith("seed:"))
    path = tmp_path / "karangasem.yaml"
    path.write_text(text.replace(seed, seed.split("seed:")[0] + "seed: renamed.txt"),
                    encoding="utf-8")
    code, md, err = run("diff", str(KARANGASEM), str(path))
    assert code == 0, err
    assert "Tidak ada perubahan semantik" in md and "renamed.txt" not in md


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO (POSIX)")
def test_diff_cases_are_read_as_a_stream(tmp_path: Path) -> None:
    """``diff --cases`` reads one line at a time: from a pipe whose writer has not finished,
    the first case comes before the second is written (a reader that took the whole file
    would wait for the writer to close)."""
    import threading

    from jknrules.audit.diff.impact import read_cases

    fifo = tmp_path / "cases.jsonl"
    os.mkfifo(fifo)
    line = CASES.read_text(encoding="utf-8").splitlines()[0] + "\n"
    released = threading.Event()
    waited: list[bool] = []

    def writer() -> None:
        with fifo.open("w", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            waited.append(not released.wait(20))  # True: nobody read before the end
            handle.write(line)

    thread = threading.Thread(target=writer)
    thread.start()
    cases = read_cases(fifo)
    number, _ = next(cases)
    released.set()
    rest = list(cases)
    thread.join()
    assert waited == [False], "the first case waited for the whole file"
    assert number == 1 and [n for n, _ in rest] == [2]
