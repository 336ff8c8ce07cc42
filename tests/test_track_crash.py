"""Crash test of the tracking store and monitor: the writing process (a subprocess) is
killed with SIGKILL while events stream in; after reopening, every event it reported
committed is there, none twice; re-sending the whole stream (idempotency keys) stores
the rest; and the alerts after the rebuild equal those of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from jknrules.track.monitor import rebuild, run
from jknrules.track.store import Store
from tests import track_helpers
from tests.track_writer import stream

store_url = track_helpers.store_url  # the fixture, on SQLite and on PostgreSQL
ROOT = Path(__file__).resolve().parents[1]
END = datetime.fromisoformat("2026-06-01T00:00:00+08:00")


def brief(alerts: list) -> list[tuple[str, str, str, str]]:  # type: ignore[type-arg]
    return sorted((a.case_id, a.alert, a.subject, a.at.isoformat()) for a in alerts)


def test_sigkill_mid_stream_loses_and_repeats_nothing(store_url: str) -> None:
    events = stream()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-m", "tests.track_writer", store_url, "0",
                              str(len(events))], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env=env)
    assert child.stdout is not None
    committed: list[str] = []
    for line in child.stdout:
        committed.append(line.strip())
        if len(committed) == len(events) // 2:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    with Store(store_url) as store:
        stored = [e.idempotency_key for e in store.events()]
        # every event the writer saw committed is there, each once, in the stream's order
        assert stored[:len(committed)] == committed
        assert len(stored) == len(set(stored)) < len(events)
        for e in events:  # the client sends the whole stream again after the crash
            store.record(e)
        assert [e.idempotency_key for e in store.events()] == \
            [e.idempotency_key for e in events]
        rebuild(store, END)
        after_crash = store.alerts()
    with Store(store_url) as store:  # one more restart: nothing new, nothing repeated
        assert rebuild(store, END) == []
        assert brief(store.alerts()) == brief(after_crash)
    uninterrupted = run(events, END)
    assert brief(after_crash) == brief(uninterrupted)
    kinds = {a.alert for a in uninterrupted}
    assert {"due_soon", "recap_missing", "out_of_order"} <= kinds


def test_the_stream_is_what_the_writer_writes(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    done = subprocess.run([sys.executable, "-m", "tests.track_writer", str(db), "0", "5"],
                          capture_output=True, text=True, cwd=ROOT, check=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.stdout.split() == [e.idempotency_key for e in stream()[:5]]
