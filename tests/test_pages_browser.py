"""The pages in a real browser: Chromium (the system's, ``/usr/bin/chromium``) driven by
Playwright against a real server on 127.0.0.1.

Scenarios: the Loket for a Karangasem emergency case with a missing letter (without
JavaScript, as a phone), the receipt and its print layout, the Kebijakan page and a diff,
Periksa with a broken YAML showing its line. A screenshot of each page is kept in
``tests/artifacts/pages/`` (git-ignored; the path is printed at the end of the run).

Without the browser the tests skip with the reason; under CI (``CI=true``) a missing
browser is a failure, since ``.ci/run`` installs it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jknrules.audit.diff.compare import build_report
from jknrules.audit.versions import Operand, from_folder

from .conftest import PAGE_SHOTS, POLICY_DIR, ROOT
from .pages_server import Server

CHROMIUM = os.environ.get("JKNRULES_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts" / "pages"
PHONE = {"width": 390, "height": 844}


def _missing_browser() -> str | None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install '.[test]')"
    return None


_REASON = _missing_browser()
if _REASON is not None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {_REASON}", pytrace=False)
    pytest.skip(_REASON, allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    request.config.stash[PAGE_SHOTS] = ARTIFACTS  # printed at the end of the run
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable)
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """A page in the browser that records every request it makes."""

    def __init__(self, browser: Browser, server: Server, *, script: bool = True,
                 viewport: dict[str, int] | None = None) -> None:
        self.context = browser.new_context(java_script_enabled=script,
                                           viewport=viewport or {"width": 1100, "height": 900})
        self.page: Page = self.context.new_page()
        self.server = server
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # a script error; a 422 answer's "failed to load resource" is the page working (and
        # so are the statuses a test adds to ``answered``: a refused key, a refused size)
        self.answered = {422}
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" and not any(f"status of {s}" in m.text
                                                      for s in self.answered) else None)

    def go(self, path: str) -> Page:
        self.page.goto(self.server.url + path)
        return self.page

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        outside = [u for u in self.requests if not u.startswith(self.server.url)
                   and not u.startswith(("data:", "about:"))]
        self.context.close()
        assert outside == [], f"requests to elsewhere: {outside}"
        assert self.errors == [], self.errors


@pytest.fixture
def visit(browser: Browser, server: Server) -> Iterator[Any]:
    opened: list[Visit] = []

    def open_(**kw: Any) -> Visit:
        v = Visit(browser, server, **kw)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.close()


def fill_karangasem_emergency(page: Page) -> None:
    """The counter officer's entries for examples/cases/karangasem-emergency.json: an
    emergency inpatient, desil 3, who brought everything but the Surat Kontrol."""
    page.select_option('[name="regency"]', "karangasem")
    page.fill('[name="submitted_at"]', "2026-02-04T10:00")
    page.select_option('[name="request"]', "register")
    page.fill('[name="applicant.nik"]', "5107014203900001")
    page.fill('[name="applicant.birth_date"]', "1990-03-02")
    page.fill('[name="applicant.domicile_regency"]', "karangasem")
    page.select_option('[name="applicant.has_ktp"]', "true")
    page.select_option('[name="welfare.desil"]', "3")
    page.select_option('[name="health.emergency"]', "true")
    page.select_option('[name="health.inpatient"]', "true")
    page.select_option('[name="household.has_ppu_member"]', "false")
    page.select_option('[name="membership.status"]', "none")
    page.select_option('[name="membership.segment"]', "none")
    page.check('input[name="documents_mode"][value="checked"]')
    for doc in ("kk", "ktp", "surat_rawat_inap", "surat_rujukan"):
        page.check(f'input[name="documents"][value="{doc}"]')


def test_loket_on_a_phone_without_javascript(visit: Any) -> None:
    v = visit(script=False, viewport=PHONE)
    page = v.go("/")
    assert page.locator("h1").inner_text() == "Loket — periksa berkas pemohon"
    fill_karangasem_emergency(page)
    v.shot("loket-form")
    page.click("#periksa")
    outcome = page.locator(".decision .outcome strong")
    assert outcome.inner_text() == "Berkas belum lengkap"
    assert page.locator(".decision .missing li").all_inner_texts() == ["Surat Kontrol"]
    row = page.locator("tr.doc-missing")
    assert row.locator(".docname").inner_text() == "Surat Kontrol"
    assert "kurang" in row.locator(".status").inner_text()
    assert page.locator('[data-deadline="response_due"] time').inner_text() == \
        "Rabu, 4 Februari 2026 pukul 10.33 WITA"
    reasons = page.locator(".reasons li").all_inner_texts()
    assert any("Kurang: Surat Kontrol" in r and "1. Persyaratan d" in r for r in reasons)
    assert "Mall Pelayanan Publik (MPP) Kabupaten Karangasem" in page.locator("dl.route").inner_text()
    # nothing wider than the phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    v.shot("loket-decision-phone")
    # the entries stay in the form, to correct and check again
    assert page.input_value('[name="applicant.nik"]') == "5107014203900001"


def test_loket_bad_input_in_the_browser(visit: Any) -> None:
    v = visit(script=False, viewport=PHONE)
    page = v.go("/")
    fill_karangasem_emergency(page)
    page.fill('[name="submitted_at"]', "2010-01-04T09:00")  # before the first version
    page.click("#periksa")
    summary = page.locator("#kesalahan")
    assert summary.is_visible()
    assert "JKN-C101" in summary.inner_text()
    v.shot("loket-error")


def test_loket_in_english_keeps_the_case(visit: Any) -> None:
    v = visit()
    page = v.go("/")
    fill_karangasem_emergency(page)
    page.click("#periksa")
    page.click("header .lang")  # the switch re-sends the form in the other language
    assert page.locator(".decision .outcome strong").inner_text() == "Incomplete"
    assert page.locator(".decision .missing li").all_inner_texts() == ["Follow-up (control) letter"]
    v.shot("loket-decision-en")


def test_the_receipt_and_its_print_layout(visit: Any) -> None:
    v = visit(viewport=PHONE)
    page = v.go("/")
    fill_karangasem_emergency(page)
    page.click("#cetak")
    sheet = page.locator("article.sheet")
    assert sheet.locator("h1").inner_text() == "TANDA TERIMA"
    assert sheet.locator(".subtitle").inner_text() == "Daftar Kelengkapan Berkas"
    assert sheet.locator(".missing li").all_inner_texts() == ["Surat Kontrol"]
    assert "5107014203900001" not in sheet.inner_text()
    assert page.locator("#print").is_visible()  # the script shows the print button
    v.shot("cetak-screen")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("#kembali").is_visible()
    v.shot("cetak-print")
    page.pdf(path=str(ARTIFACTS / "cetak.pdf"), format="A4")
    page.emulate_media(media="screen")
    page.click("#kembali button[type=submit]")  # back to the counter, entries kept
    assert page.input_value('[name="applicant.nik"]') == "5107014203900001"


def test_kebijakan_and_a_diff(visit: Any) -> None:
    source = from_folder(POLICY_DIR, "karangasem")
    expected = build_report(Operand(source, dt.date(2023, 5, 22), "old"),
                            Operand(source, dt.date(2025, 12, 31), "new")).summary
    v = visit()
    page = v.go("/kebijakan")
    page.click("text=Kabupaten Karangasem")
    page.fill("#as_of", "2026-01-15")
    page.click("text=Tampilkan")
    assert page.locator(".inforce strong").inner_text() == "2025-12-31"
    assert page.locator("#standar-pelayanan h1").inner_text() == \
        "Standar Pelayanan — Kabupaten Karangasem"
    assert page.locator("table.history tbody tr").count() == 2
    v.shot("kebijakan")
    page.select_option("#from", "2023-05-22")
    page.select_option("#to", "2025-12-31")
    page.click("#bandingkan button")
    assert page.locator("p.summary").inner_text() == (
        f"Ringkasan: {expected.total} · Ditambah {expected.added} · Dihapus {expected.removed} · "
        f"Diubah {expected.changed}")
    assert page.locator(".change").count() == expected.total
    v.shot("kebijakan-perbedaan")


def test_the_submission_time_follows_the_regency_until_touched(visit: Any) -> None:
    page = visit().go("/?regency=batang")
    wib = page.input_value('[name="submitted_at"]')
    assert wib == page.get_attribute('option[value="batang"]', "data-now")
    page.select_option('[name="regency"]', "karangasem")
    wita = page.get_attribute('option[value="karangasem"]', "data-now")
    assert page.input_value('[name="submitted_at"]') == wita
    assert wita is not None and (dt.datetime.fromisoformat(wita) - dt.datetime.fromisoformat(wib)
                                 ) % dt.timedelta(days=1) == dt.timedelta(hours=1)
    page.fill('[name="submitted_at"]', "2026-02-04T10:00")  # typed: changing regency keeps it
    page.select_option('[name="regency"]', "malinau")
    assert page.input_value('[name="submitted_at"]') == "2026-02-04T10:00"


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/kebijakan", "/kebijakan/karangasem",
                                  "/kebijakan/karangasem/perbedaan", "/kebijakan/malinau",
                                  "/periksa"])
def test_no_page_is_wider_than_a_phone(visit: Any, path: str) -> None:
    page = visit(viewport=PHONE).go(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_periksa_shows_a_broken_yaml_at_its_line(visit: Any) -> None:
    text = (POLICY_DIR / "batang.yaml").read_text()
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("time_zone:"))
    lines.insert(at + 1, "regency: batang")  # a key written twice
    broken = "\n".join(lines) + "\n"
    v = visit()
    page = v.go("/periksa")
    page.fill("#yaml", broken)
    page.click("form.periksa button[type=submit]")
    diag = page.locator('li.diag[data-code="JKN-Y002"]')
    assert f"baris {at + 2}:1" in diag.inner_text()
    marked = page.locator("ol.source li.marked")
    assert marked.count() == 1 and marked.get_attribute("id") == f"L{at + 2}"
    assert "regency: batang" in marked.inner_text()
    diag.locator("a.where").click()  # the place links to the line in the listing
    assert page.evaluate("location.hash") == f"#L{at + 2}"
    v.shot("periksa")


def test_periksa_checks_an_uploaded_file(visit: Any) -> None:
    v = visit()
    page = v.go("/periksa?lang=en")
    page.set_input_files("#file", str(POLICY_DIR / "karangasem.yaml"))
    page.click("form.periksa button[type=submit]")
    assert page.locator("p.ok[data-valid=true]").inner_text().startswith(
        "✓ Valid: the policy file reads and passes validation.")
    assert "karangasem.yaml" in page.locator("p.ok[data-valid=true]").inner_text()
    # the uploaded text is in the box, ready to be edited and checked again
    assert page.input_value("#yaml").startswith((POLICY_DIR / "karangasem.yaml").read_text()[:40])
    v.shot("periksa-upload-en")


def test_periksa_language_switch_keeps_the_pasted_text(visit: Any) -> None:
    text = (POLICY_DIR / "batang.yaml").read_text()[:400] + "# catatan: belum diperiksa\n"
    v = visit()
    page = v.go("/periksa")
    page.fill("#yaml", text)
    page.click("header .lang")
    assert page.locator("h1").inner_text() == "Check a policy file"
    assert page.input_value("#yaml") == text
    assert page.locator("#hasil").count() == 0  # nothing was checked by switching
    page.click("header .lang")  # and back
    assert page.locator("h1").inner_text().startswith("Periksa")
    assert page.input_value("#yaml") == text
    v.shot("periksa-switch")


def test_loket_language_switch_keeps_the_entries_before_a_decision(visit: Any) -> None:
    v = visit(script=False, viewport=PHONE)
    page = v.go("/")
    fill_karangasem_emergency(page)
    page.click("header .lang")
    assert page.locator("h1").inner_text().startswith("Counter")
    assert page.input_value('[name="applicant.nik"]') == "5107014203900001"
    assert page.input_value('[name="submitted_at"]') == "2026-02-04T10:00"
    assert page.is_checked('input[name="documents"][value="surat_rujukan"]')
    assert not page.is_checked('input[name="documents"][value="surat_kontrol"]')
    assert page.locator(".decision").count() == 0


def test_periksa_a_file_near_and_past_the_limit(visit: Any) -> None:
    v = visit()
    v.answered.add(413)
    page = v.go("/periksa")
    near = b"# komentar\n" * 90_000  # 990 000 bytes: under the 1 MB limit with its framing
    page.set_input_files("#file", {"name": "besar.yaml", "mimeType": "text/yaml",
                                   "buffer": near})
    page.click("form.periksa button[type=submit]")
    assert page.locator("h1").inner_text() == "Periksa berkas kebijakan"  # a page, not JSON
    assert page.locator("[data-valid=false]").count() == 1
    page.go_back()
    page.set_input_files("#file", {"name": "terlalu-besar.yaml", "mimeType": "text/yaml",
                                   "buffer": b"#" * 1_200_000})
    page.click("form.periksa button[type=submit]")
    assert page.locator("h1").inner_text() == "Kiriman terlalu besar"
    assert "request is too large" in page.locator("li.diag").inner_text()
    v.shot("periksa-too-large")


OFFICER_KEY = "p" * 24 + "-siti"
OFFICE_KEY = "q" * 24 + "-office"


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    folder = tmp_path_factory.mktemp("keyed")
    (folder / "keys").write_text(f"{OFFICE_KEY}\nsiti {OFFICER_KEY}\n", encoding="utf-8")
    running = Server("--api-keys-file", str(folder / "keys"),
                     "--record", str(folder / "decisions.jsonl"))
    try:
        yield running, folder / "decisions.jsonl"
    finally:
        running.stop()


def test_sign_in_then_the_loket_and_its_receipt(browser: Browser,
                                                keyed_server: tuple[Server, Path]) -> None:
    server, log = keyed_server
    v = Visit(browser, server, viewport=PHONE)
    v.answered.add(401)
    try:
        page = v.go("/periksa")
        assert page.url.startswith(server.url + "/masuk?next=")
        assert page.locator("h1").inner_text() == "Masuk"
        v.shot("masuk")
        page.fill("#key", OFFICER_KEY[:-1] + "x")
        page.click("#masuk-kirim")
        assert "Kunci tidak dikenal" in page.locator("#salah").inner_text()
        assert not any(c["name"] == "jknrules_sesi" for c in v.context.cookies())
        v.shot("masuk-salah")
        page.fill("#key", OFFICER_KEY)
        page.click("#masuk-kirim")
        assert page.url == server.url + "/periksa"  # where the officer was going
        cookie = next(c for c in v.context.cookies() if c["name"] == "jknrules_sesi")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # no script can read it
        page.click("header nav >> text=Loket")
        assert page.locator("#officer").inner_text() == "siti"
        fill_karangasem_emergency(page)
        page.click("#periksa")
        assert page.locator(".decision .outcome strong").inner_text() == "Berkas belum lengkap"
        shown = page.locator("code.decision-id").inner_text()
        page.click("#cetak")  # the receipt of the same decision: no second record
        assert page.locator("article.sheet h1").inner_text() == "TANDA TERIMA"
        assert shown in page.locator("footer.foot").inner_text()
        records = [json.loads(line) for line in log.read_text().splitlines()]
        assert [r["chain"]["hash"] for r in records if "result" in r] == [shown]
        assert records[0]["key_name"] == "siti" and OFFICER_KEY not in log.read_text()
        v.shot("loket-signed-in")
        page.click("#kembali button[type=submit]")
        page.click("#keluar")
        assert page.url.startswith(server.url + "/masuk")
        assert page.goto(server.url + "/") is not None
        assert page.url.startswith(server.url + "/masuk")  # signed out
    finally:
        v.close()
