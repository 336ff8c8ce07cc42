"""The alert webhook against a real receiver on 127.0.0.1: each alert POSTed once (by
its key) with retries and backoff, signed with HMAC-SHA256 when a secret is set, no
personal data in the body; ``jknrules track alerts --alert-webhook``; on the server the
delivery never holds up the recording of an event."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from jknrules.cli.main import main
from jknrules.errors import JknrulesError
from jknrules.track.store import Alert, Event, Store, parse_time
from jknrules.track.webhook import SIGNATURE, Webhook, deliver_pending, webhook

T0 = parse_time("2026-03-03T09:00:00+08:00", "at")
NIK = "5107014203900001"
SECRET = "s" * 24


class Receiver:
    """An HTTP receiver on loopback: answers the statuses it is given in turn (then 200),
    and waits for ``gate`` before answering when it is closed."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                receiver.arrived.set()
                receiver.gate.wait(30)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def keys(self) -> list[str]:
        return [h["idempotency-key"] for h, _ in self.got]

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def store_with_alerts(path: Path) -> str:
    url = str(path / "track.db")
    with Store(url) as s:
        s.record(Event("K-1", "received", T0, "loket", "K-1/r",
                       {"regency": "karangasem", "applicant": {"nik": NIK, "name": "Ni Made Ayu"}},
                       {"policy": {"regency": "karangasem"}, "outcome": "accepted",
                        "deadlines": {}}))
        s.add_alerts([Alert("K-1", "breached", "submit_to_bpjs_by", T0 + timedelta(days=14),
                            T0 + timedelta(days=14)),
                      Alert("K-1", "out_of_order", "activated", T0 + timedelta(days=2))])
    return url


def test_each_alert_is_delivered_once_signed_after_retries(tmp_path: Path) -> None:
    url = store_with_alerts(tmp_path)
    r = Receiver([500, 503])  # two failures, then the receiver answers 200
    waits: list[float] = []
    try:
        hook = Webhook(r.url, SECRET.encode(), attempts=5, backoff=0.5, max_backoff=1.0)
        with Store(url) as s:
            delivered, failed = deliver_pending(s, hook,
                                                wait=lambda sec: bool(waits.append(sec)))
            assert (delivered, failed) == (2, 0)
            assert deliver_pending(s, hook) == (0, 0)  # noted: never sent again
        first_key = "K-1|out_of_order|activated"  # alerts in time order
        assert r.keys() == [first_key] * 3 + ["K-1|breached|submit_to_bpjs_by"]
        assert [w for w in waits if w] == [0.5, 1.0]  # doubled, up to max_backoff
        for headers, body in r.got:
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            assert headers[SIGNATURE.lower()] == expected
            assert headers["content-type"] == "application/json"
            data = json.loads(body)
            assert data["key"] == headers["x-jknrules-alert-key"] == headers["idempotency-key"]
            assert set(data) == {"key", "case_id", "alert", "subject", "at", "due", "message"}
            assert data["message"]["id"] and data["message"]["en"]
            assert NIK.encode() not in body and b"Made" not in body
        assert len({body for _, body in r.got[:3]}) == 1  # a retry sends the same body
    finally:
        r.close()


def test_an_unreachable_receiver_leaves_the_alert_for_the_next_round(tmp_path: Path) -> None:
    url = store_with_alerts(tmp_path)
    r = Receiver([500] * 6)
    try:
        hook = Webhook(r.url, None, attempts=3, backoff=0.01)
        with Store(url) as s:
            assert deliver_pending(s, hook) == (0, 2)
            assert len(r.got) == 6 and SIGNATURE.lower() not in r.got[0][0]
            assert deliver_pending(s, hook) == (2, 0)  # the receiver is back
    finally:
        r.close()
    gone = Webhook(r.url, None, attempts=2, backoff=0.01)  # nothing listens any more
    with Store(url) as s:
        s.add_alerts([Alert("K-1", "due_soon", "expected_active_by", T0, T0)])
        assert deliver_pending(s, gone) == (0, 1)
        assert [a.alert for a in s.alerts(undelivered_to=gone.target)] == ["due_soon"]


def test_the_url_and_the_secret_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ("ftp://example.org/x", "alerts", "http://"):
        with pytest.raises(JknrulesError) as caught:
            webhook(bad)
        assert caught.value.diagnostics[0].code == "JKN-K050"
    short = tmp_path / "secret"
    short.write_text("abc\n")
    with pytest.raises(JknrulesError) as caught:
        webhook("http://127.0.0.1:9/x", short)
    assert caught.value.diagnostics[0].code == "JKN-K051"
    monkeypatch.setenv("JKNRULES_ALERT_WEBHOOK_SECRET", SECRET)
    assert webhook("https://127.0.0.1/x").secret == SECRET.encode()
    assert webhook("https://127.0.0.1/x").target != webhook("https://127.0.0.1/y").target


def test_track_alerts_posts_the_new_alerts(tmp_path: Path, receiver: Receiver) -> None:
    url = store_with_alerts(tmp_path)
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    for _ in range(2):
        err = io.StringIO()
        code = main(["track", "alerts", "--db", url, "--as-of", "2026-03-20T00:00:00+08:00",
                     "--alert-webhook", receiver.url, "--alert-webhook-secret-file", str(secret)],
                    io.StringIO(), err)
        assert code == 0, err.getvalue()
    assert sorted(receiver.keys()) == ["K-1|breached|submit_to_bpjs_by",
                                       "K-1|out_of_order|activated"]  # the second run sent none
    err = io.StringIO()
    assert main(["track", "alerts", "--db", url, "--alert-webhook", "nowhere"],
                io.StringIO(), err) == 2
    assert "JKN-K050" in err.getvalue()


def test_on_the_server_delivery_never_holds_up_recording(tmp_path: Path, receiver: Receiver) -> None:
    from fastapi.testclient import TestClient

    from jknrules.serve.app import create_app
    from jknrules.serve.config import ServeConfig

    from .serve_helpers import POLICY_DIR
    from .test_serve_tracking import Clock, received

    app = create_app(ServeConfig(policies=POLICY_DIR, track=str(tmp_path / "t.db"),
                                 track_tick_seconds=None, alert_webhook=receiver.url))
    app.state.tracker.clock = Clock("2026-03-03T10:00:00+08:00")
    receiver.gate.clear()  # the receiver hangs until told
    with TestClient(app) as c:
        assert c.post("/v1/events", json=received()).status_code == 201
        tracker = app.state.tracker
        assert len(tracker.tick(datetime(2026, 3, 18, 12, tzinfo=UTC))) == 2
        assert receiver.arrived.wait(30)  # the first alert is on its way, unanswered
        r = c.post("/v1/events", json=received("K-2", "K-2/r"))
        assert r.status_code == 201  # recorded while the delivery waits
        rounds = tracker.deliverer.rounds
        receiver.gate.set()
        assert tracker.deliverer.wait_rounds(rounds + 1)
        assert sorted(receiver.keys()) == ["K-1|due_soon|submit_to_bpjs_by",
                                           "K-1|recap_missing|submit_to_bpjs_by"]
