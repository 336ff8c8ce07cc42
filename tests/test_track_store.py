"""The tracking event store, on SQLite and on a real PostgreSQL: events stored once per
idempotency key, a reused key refused, alerts stored once, the SQLite file owner-only
and in WAL mode, migrations applied once."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from jknrules.errors import JknrulesError
from jknrules.track.store import Alert, Event, Store, parse_time
from tests import track_helpers

store_url = track_helpers.store_url  # the fixture, on SQLite and on PostgreSQL

T0 = parse_time("2026-03-02T09:00:00+08:00", "at")
CASE = {"regency": "karangasem", "submitted_at": "2026-03-02T09:00:00+08:00"}
RESULT = {"policy": {"regency": "karangasem"}, "outcome": "accepted", "deadlines": {}}


def received(case_id: str, key: str) -> Event:
    return Event(case_id, "received", T0, "loket-1", key, CASE, RESULT)


def test_events_stored_once_per_key_and_read_back(store_url: str) -> None:
    with Store(store_url) as s:
        first, new = s.record(received("c1", "k1"))
        assert new and first.seq >= 1
        again, new2 = s.record(received("c1", "k1"))
        assert not new2 and again.seq == first.seq
        s.record(Event("c1", "letter_signed", T0 + timedelta(hours=1), "kabid", "k2"))
    with Store(store_url) as s:  # reopened: the migrations are not applied twice
        events = list(s.events())
        assert [(e.event, e.idempotency_key) for e in events] == [("received", "k1"),
                                                                  ("letter_signed", "k2")]
        assert events[0].case == CASE and events[0].result == RESULT
        assert events[0].regency == "karangasem"
        assert events[1].at == T0 + timedelta(hours=1)
        assert [e.event for e in s.events("c1")] == ["received", "letter_signed"]
        assert list(s.events("other")) == []


def test_a_reused_key_with_other_content_is_refused(store_url: str) -> None:
    with Store(store_url) as s:
        s.record(Event("c1", "letter_signed", T0, "kabid", "k1"))
        with pytest.raises(JknrulesError) as info:
            s.record(Event("c2", "letter_signed", T0, "kabid", "k1"))
        assert info.value.diagnostics[0].code == "JKN-K006"
        assert s.count_events() == 1


@pytest.mark.parametrize("bad", [
    Event("c1", "approved", T0, "a", "k"),            # unknown event
    Event("", "activated", T0, "a", "k"),             # no case id
    Event("c1", "activated", T0, "", "k"),            # no actor
    Event("c1", "received", T0, "a", "k"),            # received without case and result
    Event("c1", "activated", T0, "a", "k", CASE, RESULT),  # a case on another event
])
def test_bad_events_are_refused_and_nothing_is_stored(tmp_path: Path, bad: Event) -> None:
    with Store(tmp_path / "t.db") as s:
        with pytest.raises(JknrulesError) as info:
            s.record(bad)
        assert info.value.diagnostics[0].code.startswith("JKN-K")
        assert s.count_events() == 0


def test_alerts_stored_once(store_url: str) -> None:
    a = Alert("c1", "breached", "submit_to_bpjs_by", T0, T0)
    with Store(store_url) as s:
        assert s.add_alerts([a, a]) == [a]
        assert s.add_alerts([a]) == []
        assert s.alerts() == [a]
        assert s.alerts(as_of=T0 - timedelta(seconds=1)) == []
        assert s.alerts(case_id="c1") == [a]


def test_sqlite_file_is_owner_only_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    old = os.umask(0o022)
    try:
        with Store(path) as s:
            s.record(received("c1", "k1"))
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
                if extra.exists():
                    assert stat.S_IMODE(extra.stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("text", ["2026-03-02", "2026-03-02T09:00:00", "kemarin", "1800-01-01T00:00+07:00"])
def test_times_need_an_offset(text: str) -> None:
    with pytest.raises(JknrulesError) as info:
        parse_time(text, "at")
    assert info.value.diagnostics[0].code in ("JKN-K001", "JKN-K002")


def test_a_folder_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(JknrulesError) as info:
        Store(tmp_path)
    assert info.value.diagnostics[0].code == "JKN-K012"


def test_alerts_by_regency_and_deliveries_noted_once_per_target(store_url: str) -> None:
    with Store(store_url) as s:
        s.record(received("c1", "k1"))
        s.record(Event("c2", "letter_signed", T0, "kabid", "k2"))  # no received: no regency
        a1 = Alert("c1", "breached", "submit_to_bpjs_by", T0, T0)
        a2 = Alert("c2", "out_of_order", "letter_signed", T0)
        s.add_alerts([a1, a2])
        assert s.alerts(regency="karangasem") == [a1]
        assert s.alerts(regency="batang") == []
        assert s.event_by_key("k1") is not None and s.event_by_key("k1").case_id == "c1"  # type: ignore[union-attr]
        assert s.event_by_key("nope") is None
        assert [e.idempotency_key for e in s.events(after_seq=s.event_by_key("k1").seq)] == ["k2"]  # type: ignore[union-attr]
        assert s.alerts(undelivered_to="t1") == [a1, a2]
        assert s.delivered(a1, "t1", 200, 1) is True
        assert s.delivered(a1, "t1", 200, 2) is False  # once per alert key and target
        assert s.alerts(undelivered_to="t1") == [a2]
        assert s.alerts(undelivered_to="t2") == [a1, a2]


def test_a_cases_alerts_are_read_by_index_and_old_stores_get_the_index(store_url: str) -> None:
    """Migration 0003: alerts by case (``track status``) through an index on both
    databases; a store made before it gets the index when next opened."""
    with Store(store_url) as s:
        s.add_alerts([Alert(f"c{i}", "breached", "response_due", T0 + timedelta(minutes=i))
                      for i in range(50)])
        assert [a.case_id for a in s.alerts(case_id="c7")] == ["c7"]
        if s.postgres:
            names = {r[0] for r in s._query("SELECT indexname FROM pg_indexes "
                                            "WHERE tablename = 'alerts'")}
            assert "alerts_case" in names
        else:
            plan = " ".join(str(r) for r in s._query(
                "EXPLAIN QUERY PLAN SELECT case_id, alert, subject, at, due FROM alerts "
                "WHERE 1 = 1 AND case_id = ? ORDER BY at_epoch, case_id, alert, subject",
                ["c7"]))
            assert "alerts_case" in plan
        # as a store of schema 2: no index, no record of step 0003
        s._conn.execute("DROP INDEX alerts_case")
        s._conn.execute("DELETE FROM schema_migrations WHERE name = '0003_alert_case_index'")
        if s.postgres:
            s._conn.commit()
    with Store(store_url) as s:
        steps = [r[0] for r in s._query("SELECT name FROM schema_migrations ORDER BY name")]
        assert steps == ["0001_events_alerts", "0002_alert_deliveries", "0003_alert_case_index",
                         "0004_events_time_index"]
        assert [a.case_id for a in s.alerts(case_id="c7")] == ["c7"]


def test_events_in_time_order_as_the_monitor_takes_them(store_url: str) -> None:
    """``rebuild`` reads the events by time, then by the order recorded (the order
    ``monitor.run`` sorts them in), instead of sorting them all in memory."""
    with Store(store_url) as s:
        s.record(received("c1", "k1"))
        s.record(Event("c1", "activated", T0 + timedelta(days=2), "bpjs", "k2"))
        s.record(Event("c1", "submitted_to_bpjs", T0 + timedelta(days=1), "kasi", "k3"))
        s.record(Event("c2", "letter_signed", T0 + timedelta(days=1), "kabid", "k4"))
        by_time = [e.idempotency_key for e in s.events(in_time_order=True)]
        assert by_time == ["k1", "k3", "k4", "k2"]
        assert by_time == [e.idempotency_key for e in sorted(s.events(),
                                                             key=lambda e: (e.epoch, e.seq))]


def test_events_read_a_page_at_a_time_are_the_whole_history(store_url: str) -> None:
    """Keyset pages (``page`` rows each) give every event once, in the same order as one
    read, for either order, with ties in time, and with ``case_id``, ``after_seq`` and
    ``upto_seq``; the time order is read through its index (migration 0004)."""
    with Store(store_url) as s:
        for i in range(41):  # times with many ties, recorded out of time order
            at = T0 + timedelta(hours=(i * 7) % 5)
            s.record(Event(f"c{i % 3}", "letter_signed", at, "kabid", f"k{i}"))
        last = s.last_seq()
        first_seq = next(iter(s.events())).seq
        for in_time_order in (False, True):
            for kw in ({}, {"case_id": "c1"}, {"after_seq": first_seq + 5},
                       {"upto_seq": last - 4}, {"after_seq": first_seq + 2, "case_id": "c2"}):
                whole = [e.idempotency_key for e in s.events(in_time_order=in_time_order,
                                                             page=10_000, **kw)]  # type: ignore[arg-type]
                for page in (1, 2, 3, 7, 40, 41):
                    paged = [e.idempotency_key for e in s.events(
                        in_time_order=in_time_order, page=page, **kw)]  # type: ignore[arg-type]
                    assert paged == whole, (in_time_order, kw, page)
        assert len(list(s.events(page=4))) == 41
        by_time = list(s.events(in_time_order=True, page=4))
        assert [(e.epoch, e.seq) for e in by_time] == sorted((e.epoch, e.seq) for e in by_time)
        if not s.postgres:
            plan = " ".join(str(r) for r in s._query(
                "EXPLAIN QUERY PLAN SELECT seq FROM events WHERE seq > ? "
                "AND (at_epoch, seq) > (?, ?) ORDER BY at_epoch, seq LIMIT ?", [0, 0, 0, 5]))
            assert "events_time" in plan and "TEMP B-TREE" not in plan
