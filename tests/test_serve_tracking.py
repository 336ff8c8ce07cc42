"""``jknrules serve --track``: POST /v1/events (idempotent, 409 on a reused key, 422
located and bilingual), GET /v1/cases/{id}, GET /v1/alerts; the monitor in its one
thread, ticked by hand; 503 without a store; the API key; no personal data in alerts or
logs; events recorded by the CLI on the same store followed."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jknrules.cli.main import main
from jknrules.serve.app import create_app
from jknrules.serve.config import ServeConfig

from .serve_helpers import KEY, POLICY_DIR, error_codes

CASES = Path(__file__).resolve().parent / "fixtures" / "cases"
NIK = "5107014203900001"
NAME = "Ni Made Ayu"
T_RECEIVED = "2026-03-03T09:00:00+08:00"


class Clock:
    """The server's clock in a test: set by hand."""

    def __init__(self, now: str) -> None:
        self.now = datetime.fromisoformat(now)

    def __call__(self) -> datetime:
        return self.now


def transfer_case(submitted_at: str = T_RECEIVED) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(
        (CASES / "karangasem-2025-transfer-desil2-accepted.json").read_text())["case"]
    case["submitted_at"] = submitted_at
    case["applicant"].update({"name": NAME, "birth_place": "Amlapura", "sex": "P"})
    return case


def received(case_id: str = "K-1", key: str = "K-1/r", **extra: Any) -> dict[str, Any]:
    return {"case_id": case_id, "event": "received", "actor": "loket-1",
            "idempotency_key": key, "case": transfer_case(), **extra}


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "track.db")


def tracked(db: str, now: str = "2026-03-03T10:00:00+08:00", **options: Any) -> TestClient:
    app = create_app(ServeConfig(policies=POLICY_DIR, track=db, track_tick_seconds=None,
                                 **options))
    app.state.tracker.clock = Clock(now)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(db: str) -> Iterator[TestClient]:
    with tracked(db) as c:
        yield c


def test_without_a_store_the_endpoints_say_tracking_is_off() -> None:
    with TestClient(create_app(ServeConfig(policies=POLICY_DIR))) as c:
        for r in (c.post("/v1/events", json=received()), c.get("/v1/cases/K-1"),
                  c.get("/v1/alerts")):
            assert r.status_code == 503
            body = r.json()
            assert error_codes(body) == ["JKN-S040"]
            assert "--track" in body["message"]["id"] and "--track" in body["message"]["en"]
            assert body["message"]["id"] != body["message"]["en"]


def test_received_is_evaluated_by_the_server_and_recorded_once(client: TestClient) -> None:
    first = client.post("/v1/events", json=received())
    assert first.status_code == 201
    body = first.json()
    assert body["recorded"] is True and body["outcome"] == "accepted"
    assert body["regency"] == "karangasem"
    assert body["deadlines"]["submit_to_bpjs_by"] == "2026-03-17T23:59:59+08:00"
    assert body["at"] == T_RECEIVED  # the case's submitted_at
    assert NIK not in first.text and NAME not in first.text
    again = client.post("/v1/events", json=received())
    assert again.status_code == 200
    assert again.json() == {**body, "recorded": False}
    status = client.get("/v1/cases/K-1").json()
    assert [e["event"] for e in status["events"]] == ["received"]


def test_a_key_reused_for_another_event_is_409(client: TestClient) -> None:
    assert client.post("/v1/events", json=received()).status_code == 201
    r = client.post("/v1/events", json={"case_id": "K-1", "event": "letter_signed",
                                         "at": "2026-03-03T09:30:00+08:00", "actor": "kabid",
                                         "idempotency_key": "K-1/r"})
    assert r.status_code == 409
    assert error_codes(r.json()) == ["JKN-K006"]
    assert len(client.get("/v1/cases/K-1").json()["events"]) == 1


def test_a_result_sent_by_the_client_is_kept(client: TestClient) -> None:
    result = {"policy": {"regency": "karangasem", "version": "2025-12-31"},
              "outcome": "accepted", "deadlines": {"submit_to_bpjs_by": "2026-03-05T12:00:00+08:00"}}
    r = client.post("/v1/events", json=received(result=result))
    assert r.status_code == 201
    assert r.json()["deadlines"] == result["deadlines"]
    bad = client.post("/v1/events", json=received("K-2", "K-2/r", result={
        "policy": {"regency": "batang"}, "outcome": "accepted",
        "deadlines": {"submit_to_bpjs_by": "2026-03-05"}}))
    assert bad.status_code == 422
    assert [d["path"] for d in bad.json()["diagnostics"]] == ["$.result.policy",
                                                             "$.result.deadlines.submit_to_bpjs_by"]


def test_bad_input_is_422_located_and_bilingual(client: TestClient) -> None:
    event = received()
    event["case"]["applicant"]["nik"] = "12"
    text = json.dumps(event, indent=1)
    r = client.post("/v1/events", content=text)
    assert r.status_code == 422
    [d] = r.json()["diagnostics"]
    assert d["code"] == "JKN-C002" and d["path"] == "$.case.applicant.nik"
    assert '"nik": "12"' in text.splitlines()[d["line"] - 1]
    assert d["message"]["id"] and d["message"]["en"]

    r = client.post("/v1/events", content=json.dumps(
        {"case_id": "", "event": "posted", "at": "yesterday", "actor": "x",
         "idempotency_key": "k", "extra": 1}, indent=1))
    assert r.status_code == 422
    found = {(d["code"], d["path"]) for d in r.json()["diagnostics"]}
    assert found == {("JKN-K008", "$.extra"), ("JKN-K003", "$.event"),
                     ("JKN-K004", "$.case_id"), ("JKN-K001", "$.at")}
    assert all(d["line"] for d in r.json()["diagnostics"])

    for body, code in ((b"[1]", "JKN-K008"), (b"{", "JKN-Y001"), (b"\xff", "JKN-F002")):
        r = client.post("/v1/events", content=body)
        assert r.status_code == 422 and error_codes(r.json()) == [code], body
    r = client.post("/v1/events", json={"case_id": "K-1", "event": "activated",
                                        "actor": "x", "idempotency_key": "k"})
    assert r.status_code == 422 and error_codes(r.json()) == ["JKN-K043"]
    r = client.post("/v1/events", json={"case_id": "K-1", "event": "activated",
                                        "at": "2027-01-01T00:00:00+08:00", "actor": "x",
                                        "idempotency_key": "k"})
    assert r.status_code == 422 and error_codes(r.json()) == ["JKN-K007"]  # in the future
    r = client.get("/v1/alerts", params={"as_of": "2026-03-03"})
    assert r.status_code == 422 and error_codes(r.json()) == ["JKN-K002"]
    r = client.get("/v1/alerts", params={"regency": "atlantis"})
    assert r.status_code == 422 and error_codes(r.json()) == ["JKN-K045"]
    assert client.get("/v1/cases/nobody").status_code == 404


def test_alerts_raised_by_the_monitor_thread_when_ticked(
        db: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from jknrules.track.monitor import Monitor

    threads: set[str] = set()
    for name in ("feed", "tick"):
        original = getattr(Monitor, name)

        def spy(self: Monitor, *a: Any, _original: Any = original) -> Any:
            threads.add(threading.current_thread().name)
            return _original(self, *a)

        monkeypatch.setattr(Monitor, name, spy)
    caplog.set_level(logging.DEBUG)
    with tracked(db) as c:
        assert c.post("/v1/events", json=received()).status_code == 201
        assert c.post("/v1/events", json=received("K-2", "K-2/r")).status_code == 201
        assert c.post("/v1/events", json={
            "case_id": "K-2", "event": "submitted_to_bpjs", "at": "2026-03-03T09:40:00+08:00",
            "actor": "kasi", "idempotency_key": "K-2/s"}).status_code == 201
        assert c.get("/v1/alerts").json()["alerts"] == []
        tracker = c.app.state.tracker  # type: ignore[attr-defined]
        raised = tracker.tick(datetime(2026, 3, 18, 12, tzinfo=UTC))
        assert {(a.case_id, a.alert, a.subject) for a in raised} == {
            ("K-1", "due_soon", "submit_to_bpjs_by"), ("K-1", "recap_missing", "submit_to_bpjs_by")}
        tracker.clock = Clock("2026-03-18T20:00:00+08:00")
        r = c.get("/v1/alerts", params={"regency": "karangasem"})
        assert r.status_code == 200
        alerts = r.json()["alerts"]
        assert [(a["case_id"], a["alert"]) for a in alerts] == [("K-1", "due_soon"),
                                                                ("K-1", "recap_missing")]
        assert r.json()["monitor_time"] == "2026-03-18T12:00:00+00:00"
        early = c.get("/v1/alerts", params={"as_of": "2026-03-16T00:00:00+08:00"}).json()
        assert [a["alert"] for a in early["alerts"]] == ["due_soon"]
        assert c.get("/v1/alerts", params={"regency": "batang"}).json()["alerts"] == []
        status = c.get("/v1/cases/K-1").json()
        assert [a["alert"] for a in status["alerts"]] == ["due_soon", "recap_missing"]
        assert status["deadlines"]["submit_to_bpjs_by"]["met_at"] is None
        k2 = c.get("/v1/cases/K-2").json()
        assert k2["deadlines"]["submit_to_bpjs_by"]["on_time"] is True and k2["alerts"] == []
        for text in (r.text, json.dumps(status), caplog.text):
            assert NIK not in text and NAME not in text
    assert threads == {"jknrules-monitor"}


def test_a_restart_rebuilds_the_monitor_and_repeats_no_alert(db: str) -> None:
    with tracked(db) as c:
        assert c.post("/v1/events", json=received()).status_code == 201
        first = c.app.state.tracker.tick(datetime(2026, 3, 18, 12, tzinfo=UTC))  # type: ignore[attr-defined]
        assert len(first) == 2
    with tracked(db, now="2026-03-18T20:00:00+08:00") as c:
        tracker = c.app.state.tracker  # type: ignore[attr-defined]
        assert tracker.tick() == []  # rebuilt at start: nothing new
        assert len(c.get("/v1/alerts").json()["alerts"]) == 2


def test_events_recorded_by_the_cli_on_the_same_store_are_followed(db: str, tmp_path: Path) -> None:
    with tracked(db) as c:
        assert c.post("/v1/events", json=received()).status_code == 201
        out, err = io.StringIO(), io.StringIO()
        assert main(["track", "record", "submitted_to_bpjs", "--db", db, "--case-id", "K-1",
                     "--actor", "kasi", "--key", "K-1/s", "--at", "2026-03-03T09:30:00+08:00"],
                    out, err) == 0, err.getvalue()
        tracker = c.app.state.tracker  # type: ignore[attr-defined]
        raised = tracker.tick(datetime(2026, 3, 18, 12, tzinfo=UTC))
        assert raised == []  # met by the CLI's event: no recap_missing
        # an event recorded late (before the last one fed): applied when recorded
        assert c.post("/v1/events", json={"case_id": "K-1", "event": "letter_signed",
                                          "at": "2026-03-03T09:10:00+08:00", "actor": "kabid",
                                          "idempotency_key": "K-1/l"}).status_code == 201
        served = c.get("/v1/alerts", params={"as_of": "2026-03-18T20:00:00+08:00"}).json()
    out = io.StringIO()
    assert main(["track", "alerts", "--db", db, "--as-of", "2026-03-18T20:00:00+08:00",
                 "--format", "json"], out, io.StringIO()) == 0
    assert [(a["case_id"], a["alert"], a["subject"]) for a in json.loads(out.getvalue())] == \
        [(a["case_id"], a["alert"], a["subject"]) for a in served["alerts"]]


def test_the_monitor_ticks_by_itself(db: str) -> None:
    app = create_app(ServeConfig(policies=POLICY_DIR, track=db, track_tick_seconds=0.05))
    clock = Clock("2026-03-03T10:00:00+08:00")
    app.state.tracker.clock = clock
    with TestClient(app) as c:
        assert c.post("/v1/events", json=received()).status_code == 201
        clock.now = datetime(2026, 3, 18, 12, tzinfo=UTC)
        found: list[Any] = []
        for _ in range(400):  # bounded: the thread ticks every 0.05 s
            found = c.get("/v1/alerts").json()["alerts"]
            if len(found) == 2:
                break
            threading.Event().wait(0.05)
        assert [a["alert"] for a in found] == ["due_soon", "recap_missing"]


def test_writes_need_a_key_when_the_server_has_keys(db: str) -> None:
    with tracked(db, api_keys=(KEY,)) as c:
        r = c.post("/v1/events", json=received())
        assert r.status_code == 401
        assert c.get("/v1/alerts").status_code == 401
        r = c.post("/v1/events", json=received(), headers={"Authorization": f"Bearer {KEY}"})
        assert r.status_code == 201


def test_one_monitor_per_process_and_one_worker(db: str, tmp_path: Path) -> None:
    from jknrules.errors import JknrulesError

    with tracked(db):
        other = create_app(ServeConfig(policies=POLICY_DIR, track=str(tmp_path / "b.db"),
                                       track_tick_seconds=None))
        with pytest.raises(JknrulesError) as caught, TestClient(other):
            pass
        assert caught.value.diagnostics[0].code == "JKN-K060"
    with pytest.raises(JknrulesError) as caught:
        create_app(ServeConfig(policies=POLICY_DIR, track=db, workers=2))
    assert caught.value.diagnostics[0].code == "JKN-K062"


def test_any_sequence_of_posts_stores_each_key_once(db: str) -> None:
    """Invariant: whatever the order and repetition of posts, a key is stored once with
    its first content (201), the same content again is 200 with the same event, other
    content under that key is 409, and the case holds one event per key."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    kinds = ("letter_signed", "submitted_to_bpjs", "activated")
    runs = iter(range(10_000))
    with tracked(db) as c:

        @settings(max_examples=30, deadline=None)
        @given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(kinds)), max_size=12))
        def check(posts: list[tuple[int, str]]) -> None:
            case_id = f"H-{next(runs)}"
            first: dict[int, tuple[str, dict[str, Any]]] = {}
            for key, kind in posts:
                event = {"case_id": case_id, "event": kind, "actor": "kasi",
                         "at": "2026-03-03T09:30:00+08:00", "idempotency_key": f"{case_id}/{key}"}
                r = c.post("/v1/events", json=event)
                if key not in first:
                    assert r.status_code == 201
                    first[key] = (kind, r.json())
                elif first[key][0] == kind:
                    assert r.status_code == 200
                    assert r.json() == {**first[key][1], "recorded": False}
                else:
                    assert r.status_code == 409
            stored = c.get(f"/v1/cases/{case_id}")
            if first:
                assert sorted(e["event"] for e in stored.json()["events"]) == \
                    sorted(kind for kind, _ in first.values())
            else:
                assert stored.status_code == 404

        check()


def test_the_cli_refuses_a_webhook_without_a_store(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["serve", "--alert-webhook", "http://127.0.0.1:9/x"], io.StringIO(), err) == 2
    assert "JKN-K063" in err.getvalue() and "--track" in err.getvalue()
    err = io.StringIO()
    assert main(["serve", "--track", str(tmp_path / "t.db"), "--workers", "2"],
                io.StringIO(), err) == 2
    assert "JKN-K062" in err.getvalue()
