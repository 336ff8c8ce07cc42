"""The Pemantauan page (``/pemantauan``) and its recap download: counts per office and
month, the overdue list, the alerts — no NIK or name anywhere on the page —, the
monthly recap (CSV and XLSX, the one place with personal data, behind the API key when
the server has keys); 503 without ``--track``; Indonesian first, ``?lang=en``."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jknrules.serve.app import create_app
from jknrules.serve.config import ServeConfig

from .serve_helpers import KEY, POLICY_DIR
from .test_serve_tracking import NAME, NIK, Clock, received, tracked


def populate(c: TestClient) -> None:
    """K-1 accepted and never sent to BPJS (overdue); K-2 sent and activated on time."""
    assert c.post("/v1/events", json=received()).status_code == 201
    assert c.post("/v1/events", json=received("K-2", "K-2/r")).status_code == 201
    for kind, at, key in (("submitted_to_bpjs", "2026-03-03T09:40:00+08:00", "K-2/s"),
                          ("activated", "2026-03-03T09:50:00+08:00", "K-2/a")):
        assert c.post("/v1/events", json={"case_id": "K-2", "event": kind, "at": at,
                                          "actor": "kasi", "idempotency_key": key}
                      ).status_code == 201
    tracker = c.app.state.tracker  # type: ignore[attr-defined]
    tracker.clock = Clock("2026-03-18T20:00:00+08:00")
    tracker.tick()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with tracked(str(tmp_path / "t.db")) as c:
        populate(c)
        yield c


def test_the_page_shows_counts_overdue_and_alerts_without_personal_data(client: TestClient) -> None:
    r = client.get("/pemantauan")
    assert r.status_code == 200
    page = r.text
    assert "<h1>Pemantauan permohonan</h1>" in page
    assert 'data-regency="karangasem" data-month="2026-03"' in page
    assert 'data-count="received">2<' in page and 'data-count="accepted">2<' in page
    assert 'data-count="submit_to_bpjs_by.on_time">1<' in page
    assert 'data-count="submit_to_bpjs_by.late">1<' in page
    overdue = page[page.index('class="tracking overdue"'):page.index('id="h-alerts"')]
    assert "<code>K-1</code>" in overdue and "K-2" not in overdue
    assert "Diajukan ke BPJS paling lambat" in overdue and "20 jam" in overdue
    assert "Selasa, 17 Maret 2026 pukul 23.59 WITA" in overdue
    alerts = page[page.index('class="tracking alerts"'):]
    assert 'data-alert="recap_missing"' in alerts and "segera jatuh tempo" in alerts
    assert NIK not in page and NAME not in page and "Amlapura" not in page
    assert 'href="/pemantauan" aria-current="page"' in page

    en = client.get("/pemantauan", params={"lang": "en"}).text
    assert "<h1>Tracking the applications</h1>" in en and "Sent to BPJS by" in en
    assert "20 hours" in en and "Tuesday, 17 March 2026, 23:59 WITA" in en
    assert 'href="/pemantauan?lang=en" aria-current="page"' in en

    only = client.get("/pemantauan", params={"regency": "batang", "month": "2026-03"}).text
    assert "Belum ada permohonan tercatat." in only and "Tidak ada tenggat yang terlewat." in only
    assert client.get("/pemantauan", params={"month": "2026-13"}).status_code == 422
    assert client.get("/pemantauan", params={"regency": "atlantis"}).status_code == 422


def test_the_recap_is_the_only_download_with_personal_data(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jknrules.serve")
    r = client.get("/pemantauan/rekap", params={"regency": "karangasem", "month": "2026-03"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="rekap-karangasem-2026-03.csv"'
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["No KK", "NIK", "Nama"]
    assert [(row[1], row[2]) for row in rows[1:]] == [(NIK, NAME), (NIK, NAME)]
    assert "recap downloaded: karangasem 2026-03, 2 rows, csv" in caplog.text
    assert NIK not in caplog.text and NAME not in caplog.text

    x = client.get("/pemantauan/rekap", params={"regency": "karangasem", "month": "2026-03",
                                                "format": "xlsx"})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None and sheet["B2"].value == NIK and sheet["C3"].value == NAME

    for params in ({"regency": "karangasem"}, {"month": "2026-03"},
                   {"regency": "karangasem", "month": "2026-03", "format": "pdf"}):
        bad = client.get("/pemantauan/rekap", params=params)
        assert bad.status_code == 422 and NIK not in bad.text


def test_the_recap_needs_a_key_when_the_server_has_keys(tmp_path: Path) -> None:
    with tracked(str(tmp_path / "t.db"), api_keys=(KEY,)) as c:
        params = {"regency": "karangasem", "month": "2026-03"}
        for path in ("/pemantauan", "/pemantauan/rekap"):  # the pages' sign-in first
            refused = c.get(path, params=params, follow_redirects=False)
            assert refused.status_code == 303
            assert refused.headers["location"].startswith("/masuk?next=")
        ok = c.get("/pemantauan/rekap", params=params, headers={"Authorization": f"Bearer {KEY}"})
        assert ok.status_code == 200
        wrong = c.get("/pemantauan/rekap", params=params, follow_redirects=False,
                      headers={"Authorization": f"Bearer {KEY[:-1]}x"})
        assert wrong.status_code == 303
        assert c.post("/masuk", data={"key": KEY, "next": "/pemantauan"}).status_code == 200
        assert c.get("/pemantauan").status_code == 200  # signed in: the page and the recap
        assert c.get("/pemantauan/rekap", params=params).status_code == 200


def test_without_a_store_the_page_says_how_to_turn_tracking_on() -> None:
    with TestClient(create_app(ServeConfig(policies=POLICY_DIR))) as c:
        r = c.get("/pemantauan")
        assert r.status_code == 503
        assert "Pemantauan tidak aktif" in r.text and "--track" in r.text
        assert c.get("/pemantauan/rekap", params={"regency": "karangasem",
                                                  "month": "2026-03"}).status_code == 503
        assert "Tracking is off" in c.get("/pemantauan", params={"lang": "en"}).text


def test_the_store_time_is_shown_in_the_regency_zone(client: TestClient) -> None:
    page = client.get("/pemantauan", params={"regency": "karangasem"}).text
    assert "Keadaan pada: Rabu, 18 Maret 2026 pukul 20.00 WITA." in page
    page = client.get("/pemantauan").text
    assert "Keadaan pada: Rabu, 18 Maret 2026 pukul 12.00 UTC." in page
