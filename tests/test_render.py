"""``jknrules render``: the Standar Pelayanan generated from the policy in force."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import yaml

from jknrules.cli.main import main

from .conftest import POLICY_DIR
from .golden import assert_golden

COMPONENTS = ("1. Persyaratan", "2. Sistem, Mekanisme dan Prosedur", "3. Waktu Pelayanan",
              "4. Waktu Tanggapan", "5. Biaya/Tarif", "6. Produk Layanan",
              "7. Penanganan Pengaduan, Saran dan Masukan", "8. Dasar Hukum")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def render(*argv: str) -> str:
    code, out, err = run("render", *argv)
    assert code == 0, err
    return out


def test_every_service_has_the_components_in_order() -> None:
    md = render("karangasem", "--as-of", "2026-01-15")
    sheets = md.split("\n## ")[1:]
    assert [s.splitlines()[0] for s in sheets] == [
        "1. Pengusulan KIS PBI (usulan reguler)",
        "2. Pendaftaran Emergency JKN PBPU BP Pemda Kabupaten Karangasem",
        "3. Peralihan/Mutasi dari BPJS Mandiri ke JKN PBPU BP Pemda Kabupaten Karangasem",
        "4. Reaktivasi kepesertaan KIS PBI yang tidak aktif",
    ]
    for sheet in sheets:
        positions = [sheet.index(f"### {c}") for c in COMPONENTS]
        assert positions == sorted(positions)
        assert sheet.count("```mermaid\nflowchart TD") == 1
        assert "**Ni Made Loba Dwikarini" in sheet or "**Komang Daging" in sheet


def test_the_version_in_force_is_rendered() -> None:
    old = render("karangasem", "--as-of", "2024-06-01")
    new = render("karangasem", "--as-of", "2026-01-15")
    assert "versi · *version* 2023-05-22" in old and "Grup WhatsApp" not in old
    assert "versi · *version* 2025-12-31" in new and "Grup WhatsApp" in new
    assert "Pengajuan diterima tanggal 1–10 setiap bulan" in new
    assert "33 menit" in new and "1 bulan 19 menit" in new


def _assumptions(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("assumption", "note") and isinstance(value, dict) and "id" in value:
                found.append(value["id"])
            else:
                found += _assumptions(value)
    elif isinstance(node, list):
        for item in node:
            found += _assumptions(item)
    return found


@pytest.mark.parametrize("regency", ["karangasem", "batang", "malinau"])
def test_every_assumption_note_is_shown(regency: str) -> None:
    data = yaml.safe_load((POLICY_DIR / f"{regency}.yaml").read_text(encoding="utf-8"))
    md = render(regency, "--as-of", "2026-01-15")
    flat = " ".join(md.split())
    last = data["versions"][-1]
    for version in data["versions"]:  # notes of the services in force (carried over or not)
        for route, service in version.get("services", {}).items():
            if version is not last and route in last.get("services", {}):
                continue
            for note in _assumptions(service):
                assert " ".join(note.split()) in flat, note


def test_every_line_cites_its_clause() -> None:
    md = render("karangasem", "--as-of", "2026-01-15")
    for sheet in md.split("\n## ")[1:]:
        body = sheet.split("### 1. Persyaratan")[1].split("### 5. Biaya/Tarif")[0]
        for line in body.splitlines():
            if line.startswith("- ") and "⚠" not in line:
                assert re.search(r" — \*\[.+\]\*$", line), line


def test_mermaid_labels_are_quoted_and_safe() -> None:
    md = render("karangasem", "--as-of", "2026-01-15")
    for block in re.findall(r"```mermaid\n(.*?)```", md, re.S):
        for line in block.splitlines()[1:]:
            labels = re.findall(r'"([^"]*)"', line)
            assert all("<" not in label and ">" not in label for label in labels)
            assert line.count('"') % 2 == 0


def test_html_is_one_self_contained_printable_page() -> None:
    html = render("karangasem", "--as-of", "2026-01-15", "--format", "html")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    for forbidden in ("<script", "<link", "src=", "@import", "url("):
        assert forbidden not in html, forbidden
    # addresses of complaint channels are text for the reader, never in a tag or attribute
    assert not [tag for tag in re.findall(r"<[^>]*>", html) if "//" in tag]
    assert "@media print" in html and "page-break-before" in html
    assert html.count('<section class="sheet"') == 4
    assert html.count('<ol class="flow">') == 4
    assert "Persyaratan" in html and "Dasar Hukum" in html and "⚠ Asumsi" in html


def _component(sheet: str, number: int) -> str:
    return sheet.split(f"\n### {number}. ")[1].split("\n### ")[0]


def test_complaint_channels_are_shown_with_their_source() -> None:
    md = render("karangasem", "--as-of", "2026-01-15")
    sheets = {s.splitlines()[0]: s for s in md.split("\n## ")[1:]}
    emergency = _component(sheets["2. Pendaftaran Emergency JKN PBPU BP Pemda Kabupaten "
                                  "Karangasem"], 7)
    lines = [line for line in emergency.splitlines() if line.startswith("- ")]
    assert len(lines) == 7
    assert lines[0] == (
        "- 1. Nomor Telepon Dinas Sosial, PPPA dan PPKB: (0363) 21154 — *[Standar Pelayanan "
        "Pendaftaran Emergency PBPU BP Pemda 2025 (2025-12-31), 7. Penanganan Pengaduan, Saran "
        "dan Masukan 1]*")
    assert "SP4N Lapor: https://www.Lapor.go.id" in lines[5]
    # a document without the component says so, and invents nothing
    reactivation = _component(sheets["4. Reaktivasi kepesertaan KIS PBI yang tidak aktif"], 7)
    assert reactivation.splitlines()[2] == "- Tidak disebut dalam dokumen."
    html = render("karangasem", "--as-of", "2026-01-15", "--format", "html")
    assert html.count("Penanganan Pengaduan, Saran dan Masukan <div") == 4
    assert "(0363) 21154 <span class=\"src\">[Standar Pelayanan Pendaftaran Emergency" in html


def test_an_unreadable_complaint_value_shows_its_assumption() -> None:
    md = render("malinau", "--as-of", "2026-01-15")
    assert md.count("- 2. Website: (tidak terbaca pada hasil pindai) — *[") == 2
    assert md.count("⚠ Asumsi: Hasil pindai hanya menampilkan \"Website P\"") == 2


def test_the_after_hours_group_shows_its_office_members_and_steps() -> None:
    md = render("karangasem", "--as-of", "2026-01-15")
    sheets = {s.splitlines()[0]: s for s in md.split("\n## ")[1:]}
    emergency = sheets["2. Pendaftaran Emergency JKN PBPU BP Pemda Kabupaten Karangasem"]
    hours = _component(emergency, 3).splitlines()
    group = hours.index(next(line for line in hours if line.startswith("- b. Grup WhatsApp")))
    assert hours[group + 1] == ('  - Kantor: Grup WhatsApp "Tim Koordinasi JKN" Kabupaten '
                                "Karangasem (pelayanan pendaftaran emergency di luar jam kerja, "
                                "secara online)")
    assert hours[group + 2].startswith("  - Anggota: Dinas Sosial, PPPA dan PPKB; Dinas Kesehatan;")
    assert hours[group + 2].endswith("; RS Kasna; Klinik Pratama Kubu Husada; RS Pratama Kubu")
    # its own steps stand in the procedure, titled by channel, each citing its clause
    procedure = _component(emergency, 2)
    own = procedure.split('**Langkah — Grup WhatsApp "Tim Koordinasi JKN" (di luar jam kerja)')[1]
    assert own.split("\n\n")[1].startswith(
        "- 1. Pemohon atau fasilitas kesehatan yang merawat: Menyampaikan berkas")
    assert "— *[Standar Pelayanan Pendaftaran Emergency PBPU BP Pemda 2025 (2025-12-31), " \
        "3. Waktu Pelayanan b]*" in own
    # and the flowchart asks for the channel, one lane each
    assert 'ch{"Kanal pelayanan?"}' in procedure
    assert 'ch -- "Grup WhatsApp #quot;Tim Koordinasi JKN#quot; (di luar jam kerja)" --> c2s1' \
        in procedure
    html = render("karangasem", "--as-of", "2026-01-15", "--format", "html")
    assert "<li>Anggota: Dinas Sosial, PPPA dan PPKB; Dinas Kesehatan;" in html
    assert html.count('<div class="lanes">') == 1


def test_notices_are_shown_with_condition_source_and_assumption() -> None:
    md = render("karangasem", "--as-of", "2026-01-15")
    sheets = {s.splitlines()[0]: s for s in md.split("\n## ")[1:]}
    regular = _component(sheets["1. Pengusulan KIS PBI (usulan reguler)"], 2)
    notices = regular.split("**Pemberitahuan kepada pemohon · *Notices to the applicant***")[1]
    lines = notices.split("\n\n")[1].splitlines()
    assert lines[0].startswith("- bila applicant.has_ktp = false → pemberitahuan: “Pemohon "
                               "belum ber-KTP: identitas dan domisili ditunjukkan")
    assert lines[0].endswith("— *[SOP 460/2032/DINSOS,PPPA,PPKB (2023-05-22), Langkah 2 "
                             "(fotocopy KK)]*")
    assert lines[1] == ("  - ⚠ Asumsi: SOP 2023 tidak mengatur pemohon tanpa KTP; KK yang wajib "
                        "dilampirkan menjadi bukti identitas.")
    english = render("karangasem", "--as-of", "2026-01-15", "--lang", "en")
    assert "- when applicant.has_ktp = false → notice: “The applicant has no KTP yet" in english


def test_version_assumptions_stand_under_the_heading() -> None:
    md = render("karangasem", "--as-of", "2026-01-15")
    head = md.split("Layanan · *Services*:")[0]
    notes = head.split("**Asumsi versi · *Version assumptions***")[1]
    assert "- ⚠ effective_from: Kedua Standar Pelayanan 2025 tidak memuat \"Tanggal Efektif\"" in notes
    assert "Penutup (Ditetapkan di Amlapura, pada tanggal 31 Desember 2025)]*" in notes
    # the 2023 note still applies to the 2023 services in force, and says which version it is
    assert "- ⚠ membership (versi 2023-05-22): Langkah 3 dan 4 memilah pemohon" in notes
    old = render("karangasem", "--as-of", "2024-06-01").split("Layanan · *Services*:")[0]
    assert "effective_from" not in old and "- ⚠ membership: Langkah 3 dan 4" in old


def test_reactivation_keeps_the_current_segment() -> None:
    md = render("karangasem", "--as-of", "2026-01-15")
    reactivation = md.split("\n## 4. Reaktivasi")[1]
    assert "| Segmen tujuan · *Target segment* | tetap di segmen saat ini |" in reactivation
    assert 'done(["Selesai: Diterima (accepted), tetap di segmen saat ini"])' in reactivation


def test_english_body() -> None:
    md = render("karangasem", "--as-of", "2026-01-15", "--lang", "en")
    assert "required of every applicant" in md and "wajib bagi semua pemohon" not in md
    assert "### 1. Persyaratan · *Requirements*" in md


def test_default_date_is_today() -> None:
    assert render("malinau").startswith("# Standar Pelayanan — Kabupaten Malinau")


@pytest.mark.parametrize(("argv", "code"), [
    (("karangasem", "--as-of", "2023-05-21"), "JKN-A002"),
    (("karangasem", "--as-of", "kemarin"), "JKN-A003"),
])
def test_errors_exit_2(argv: tuple[str, ...], code: str) -> None:
    status, out, err = run("render", *argv)
    assert status == 2 and out == "" and code in err


@pytest.mark.parametrize(("name", "argv"), [
    ("render/karangasem-2026-01-15.md", ("karangasem", "--as-of", "2026-01-15")),
    ("render/karangasem-2024-06-01.md", ("karangasem", "--as-of", "2024-06-01")),
    ("render/karangasem-2026-01-15.html", ("karangasem", "--as-of", "2026-01-15",
                                           "--format", "html")),
    ("render/batang-2026-01-15.md", ("batang", "--as-of", "2026-01-15")),
])
def test_render_golden(name: str, argv: tuple[str, ...]) -> None:
    assert_golden(name, render(*argv))
