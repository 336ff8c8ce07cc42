"""``jknrules render``: the Standar Pelayanan generated from the policy in force."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import yaml

from jknrules.cli import main

from .conftest import POLICY_DIR
from .golden import assert_golden

COMPONENTS = ("1. Persyaratan", "2. Sistem, Mekanisme dan Prosedur", "3. Waktu Pelayanan",
              "4. Waktu Tanggapan", "5. Biaya/Tarif", "6. Produk Layanan", "7. Dasar Hukum")


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
    for forbidden in ("http://", "https://", "<script", "<link", "src=", "@import", "url("):
        assert forbidden not in html, forbidden
    assert "@media print" in html and "page-break-before" in html
    assert html.count('<section class="sheet"') == 4
    assert html.count('<ol class="flow">') == 4
    assert "Persyaratan" in html and "Dasar Hukum" in html and "⚠ Asumsi" in html


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
