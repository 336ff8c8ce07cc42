"""The Pemantauan page in a real browser (the system's Chromium, driven by Playwright)
against ``jknrules serve --track`` on 127.0.0.1: a store with an overdue application and
one handled on time, the page in Indonesian and in English, the filter form, the recap
downloaded as the officer would. Screenshots in ``tests/artifacts/pages/``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jknrules.cli.main import main

from .pages_server import Server
from .test_pages_browser import ARTIFACTS, Visit, browser  # noqa: F401 - the browser fixture
from .test_serve_tracking import CASES, NAME, NIK

WITA = timezone(timedelta(hours=8))


def _record(db: str, *argv: str) -> None:
    err = io.StringIO()
    assert main(["track", "record", *argv, "--db", db], io.StringIO(), err) == 0, err.getvalue()


def populated(folder: Path) -> tuple[str, str]:
    """A store with two transfer applications received on the 3rd two months ago (every
    deadline past by now, whenever the test runs): K-1 never sent to BPJS, K-2 sent and
    activated. Returns the store and the month of receipt."""
    db = str(folder / "track.db")
    today = datetime.now(WITA)
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month's 1st
    start = (first - timedelta(days=1)).replace(day=3, hour=9, minute=0, second=0, microsecond=0)
    case: dict[str, Any] = json.loads(
        (CASES / "karangasem-2025-transfer-desil2-accepted.json").read_text())["case"]
    case["submitted_at"] = start.isoformat()
    case["applicant"].update({"name": NAME, "birth_place": "Amlapura", "sex": "P"})
    path = folder / "case.json"
    path.write_text(json.dumps(case))
    for cid in ("K-1", "K-2"):
        _record(db, "received", "--case-id", cid, "--actor", "loket-1", "--key", f"{cid}/r",
                "--case", str(path))
    for kind, hours in (("submitted_to_bpjs", 2), ("activated", 48)):
        _record(db, kind, "--case-id", "K-2", "--actor", "kasi", "--key", f"K-2/{kind}",
                "--at", (start + timedelta(hours=hours)).isoformat())
    return db, f"{start.year:04d}-{start.month:02d}"


@pytest.fixture(scope="module")
def tracked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db, month = populated(tmp_path_factory.mktemp("pemantauan"))
    running = Server("--track", db)
    running.month = month  # type: ignore[attr-defined]
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def visit(browser: Any, tracked_server: Server) -> Iterator[Any]:  # noqa: F811 - the fixture
    opened: list[Visit] = []

    def open_(**kw: Any) -> Visit:
        v = Visit(browser, tracked_server, **kw)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.close()


def test_pemantauan_in_the_browser(visit: Any, tracked_server: Server) -> None:
    v = visit()
    page = v.go("/")
    page.click("text=Pemantauan")
    assert page.locator("h1").inner_text() == "Pemantauan permohonan"
    month = tracked_server.month  # type: ignore[attr-defined]
    row = page.locator(f'tr[data-regency="karangasem"][data-month="{month}"]')
    assert row.locator('[data-count="received"]').inner_text() == "2"
    assert row.locator('[data-count="submit_to_bpjs_by.on_time"]').inner_text() == "1"
    assert row.locator('[data-count="submit_to_bpjs_by.late"]').inner_text() == "1"
    overdue = page.locator("table.overdue tbody tr")
    assert overdue.count() >= 1
    assert set(overdue.locator("code").all_inner_texts()) == {"K-1"}
    assert "hari" in overdue.first.inner_text()  # late by days
    assert page.locator('table.alerts tr[data-alert="recap_missing"]').count() == 1
    text = page.locator("main").inner_text()
    assert NIK not in text and NAME not in text
    v.shot("pemantauan")

    page.select_option("#f-regency", "batang")
    page.click("form.inline >> text=Tampilkan")
    assert "regency=batang" in page.url
    assert "Belum ada permohonan tercatat." in page.locator("main").inner_text()

    page.click("text=English")
    assert page.locator("h1").inner_text() == "Tracking the applications"
    page.select_option("#f-regency", "karangasem")
    page.click("form.inline >> text=Show")
    assert "lang=en" in page.url
    assert "Sent to BPJS by" in page.locator("table.overdue").inner_text()
    v.shot("pemantauan-en")


def test_the_recap_downloads_from_the_page(visit: Any, tracked_server: Server) -> None:
    v = visit()
    page = v.go("/pemantauan")
    month = tracked_server.month  # type: ignore[attr-defined]
    # the recap's month is that of the cut-off to BPJS: the 20th of the month of receipt
    page.fill("#r-month", month)
    page.select_option("#r-regency", "karangasem")
    with page.expect_download() as caught:
        page.click("text=Unduh rekap")
    download = caught.value
    assert download.suggested_filename == f"rekap-karangasem-{month}.csv"
    saved = Path(download.path())
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0][1:3] == ["NIK", "Nama"] and [r[1] for r in rows[1:]] == [NIK, NIK]
    assert ARTIFACTS.exists()


KEY = "r" * 24 + "-kasi"


def test_with_keys_the_page_and_the_recap_follow_the_sign_in(
        browser: Any, tmp_path_factory: pytest.TempPathFactory) -> None:  # noqa: F811
    folder = tmp_path_factory.mktemp("pemantauan-keys")
    db, month = populated(folder)
    (folder / "keys").write_text(f"kasi {KEY}\n", encoding="utf-8")
    server = Server("--track", db, "--api-keys-file", str(folder / "keys"))
    v = Visit(browser, server)
    try:
        page = v.go("/pemantauan")
        assert page.url.startswith(server.url + "/masuk?next=")
        page.fill("#key", KEY)
        page.click("#masuk-kirim")
        assert page.url == server.url + "/pemantauan"
        assert page.locator("h1").inner_text() == "Pemantauan permohonan"
        assert set(page.locator("table.overdue code").all_inner_texts()) == {"K-1"}
        page.fill("#r-month", month)
        page.select_option("#r-regency", "karangasem")
        with page.expect_download() as caught:
            page.click("text=Unduh rekap")
        saved = Path(caught.value.path())
        assert NIK in saved.read_text(encoding="utf-8-sig")
        v.shot("pemantauan-signed-in")
    finally:
        v.close()
        server.stop()
