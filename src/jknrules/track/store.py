"""The event store: every event of every application, and the alerts raised on them.

SQLite by default (a file created owner-only, WAL, one transaction per event); PostgreSQL
when given a ``postgresql://`` URL (psycopg 3, the ``track`` extra). Both use the schema
of ``migrations/`` (one file per dialect and step, applied in order and recorded in
``schema_migrations``). Events and alerts carry idempotency keys: recording the same
event twice stores it once; an alert is stored once whatever number of times the
monitor raises it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jknrules.errors import JknrulesError, diag

#: The events of an application, in the order a case normally meets them.
EVENTS: tuple[str, ...] = ("received", "documents_completed", "returned_incomplete",
                           "letter_signed", "submitted_to_bpjs", "activated",
                           "card_delivered", "withdrawn")

#: Indonesian names of the events, for officers.
EVENT_NAMES_ID: dict[str, str] = {
    "received": "berkas diterima", "documents_completed": "berkas dilengkapi",
    "returned_incomplete": "berkas dikembalikan (tidak lengkap)",
    "letter_signed": "surat ditandatangani", "submitted_to_bpjs": "diajukan ke BPJS",
    "activated": "kepesertaan aktif", "card_delivered": "kartu diserahkan",
    "withdrawn": "permohonan dicabut",
}


#: The deadlines followed (by the monitor and the report), and the events that meet each
#: (``withdrawn`` ends every deadline of its case without an alert).
CLOSES: dict[str, tuple[str, ...]] = {
    "response_due": ("returned_incomplete", "letter_signed", "submitted_to_bpjs", "activated"),
    "submit_to_bpjs_by": ("submitted_to_bpjs",),
    "expected_active_by": ("activated",),
}

#: What each alert says, in Bahasa Indonesia and English.
ALERT_WORDS: dict[str, tuple[str, str]] = {
    "due_soon": ("segera jatuh tempo", "due soon"),
    "breached": ("terlambat", "deadline missed"),
    "out_of_order": ("urutan tidak wajar", "out of order"),
    "recap_missing": ("tidak masuk rekap sebelum batas", "missing from the recap by the cut-off"),
}


class TrackError(JknrulesError):
    """Bad input to the tracking store or commands (codes ``JKN-K…``)."""


def track_error(code: str, message_id: str, message_en: str, *, where: str = "",
                hint_id: str = "", hint_en: str = "") -> TrackError:
    return TrackError([diag(code, message_id, message_en, path=(where,) if where else (),
                            hint_id=hint_id, hint_en=hint_en)])


def parse_time(text: str, where: str) -> datetime:
    """An ISO 8601 time with an offset (the store compares instants, never local times)."""
    try:
        t = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise track_error("JKN-K001", f"waktu {text!r} bukan ISO 8601",
                          f"time {text!r} is not ISO 8601", where=where,
                          hint_id="contoh: 2026-03-02T09:15:00+08:00",
                          hint_en="e.g. 2026-03-02T09:15:00+08:00") from None
    if t.tzinfo is None or t.utcoffset() is None:
        raise track_error("JKN-K002", f"waktu {text!r} tanpa zona waktu",
                          f"time {text!r} has no UTC offset", where=where,
                          hint_id="tambahkan +07:00, +08:00 atau +09:00",
                          hint_en="add +07:00, +08:00 or +09:00")
    if not 1900 <= t.year <= 2100:
        raise track_error("JKN-K001", f"waktu {text!r} di luar tahun 1900-2100",
                          f"time {text!r} is outside the years 1900-2100", where=where)
    return t


@dataclass(frozen=True, slots=True)
class Event:
    """One event of one application. ``case`` and ``result`` only on ``received``."""

    case_id: str
    event: str
    at: datetime
    actor: str
    idempotency_key: str
    case: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    seq: int = 0

    @property
    def epoch(self) -> int:
        return int(self.at.timestamp())

    @property
    def regency(self) -> str | None:
        if self.result is None:
            return None
        policy = self.result.get("policy") or {}
        regency = policy.get("regency")
        return regency if isinstance(regency, str) else None


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert. Names no person: the case id, the alert, the deadline or event, times."""

    case_id: str
    alert: str
    #: the deadline (``submit_to_bpjs_by``) or, for ``out_of_order``, the event
    subject: str
    at: datetime
    due: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.case_id}|{self.alert}|{self.subject}"

    def to_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "alert": self.alert, "subject": self.subject,
                "at": self.at.isoformat(), "due": self.due.isoformat() if self.due else None}


def _check_event(e: Event) -> None:
    if e.event not in EVENTS:
        raise track_error("JKN-K003", f"peristiwa {e.event!r} tidak dikenal",
                          f"unknown event {e.event!r}", where="event",
                          hint_id="salah satu dari: " + ", ".join(EVENTS),
                          hint_en="one of: " + ", ".join(EVENTS))
    for name, value in (("case_id", e.case_id), ("actor", e.actor),
                        ("idempotency_key", e.idempotency_key)):
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise track_error("JKN-K004", f"{name} harus diisi (teks 1-200 karakter)",
                              f"{name} must be given (text of 1-200 characters)", where=name)
    if (e.event == "received") != (e.case is not None and e.result is not None):
        raise track_error("JKN-K005", "kasus dan hasil evaluasi hanya (dan wajib) pada 'received'",
                          "the case and its result go with 'received' only (and always)",
                          where="case")


class Store:
    """An open event store. Not shared between threads."""

    def __init__(self, url: str | os.PathLike[str]) -> None:
        text = os.fspath(url)
        self.url = text
        self.postgres = text.startswith(("postgresql://", "postgres://"))
        self._conn: Any
        if self.postgres:
            try:
                import psycopg
            except ImportError:
                raise track_error("JKN-K010", "PostgreSQL memerlukan paket psycopg",
                                  "PostgreSQL needs the psycopg package", where="--db",
                                  hint_id="pip install 'jknrules[track]'",
                                  hint_en="pip install 'jknrules[track]'") from None
            try:
                self._conn = psycopg.connect(text, autocommit=False)
            except psycopg.Error as exc:
                raise track_error("JKN-K011", "tidak dapat terhubung ke PostgreSQL",
                                  f"cannot connect to PostgreSQL ({type(exc).__name__})",
                                  where="--db") from None
            self._ph = "%s"
        else:
            path = Path(text.removeprefix("sqlite:///") if text.startswith("sqlite:///") else text)
            if path.exists() and not path.is_file():
                raise track_error("JKN-K012", f"{path} bukan berkas biasa",
                                  f"{path} is not a regular file", where="--db")
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except FileExistsError:
                pass
            except OSError as exc:
                raise track_error("JKN-K012", f"tidak dapat membuat {path}: {exc.strerror}",
                                  f"cannot create {path}: {exc.strerror}", where="--db") from None
            self._conn = sqlite3.connect(path, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._ph = "?"
        self._migrate()

    # -- plumbing -----------------------------------------------------------------------
    def _sql(self, text: str) -> str:
        return text.replace("?", self._ph)

    def _begin(self) -> None:
        if not self.postgres:
            self._conn.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self._conn.commit() if self.postgres else self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self.postgres:
            self._conn.rollback()
        elif self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cur = self._conn.execute(self._sql(sql), tuple(params))
        rows = cur.fetchall()
        if self.postgres:
            self._conn.commit()
        return list(rows)

    def _migrate(self) -> None:
        dialect = "postgresql" if self.postgres else "sqlite"
        self._begin()
        try:
            if self.postgres:
                self._conn.execute("SELECT pg_advisory_xact_lock(727311)")
            self._conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                               "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {r[0] for r in self._conn.execute("SELECT name FROM schema_migrations")}
            folder = resources.files("jknrules.track") / "migrations"
            names = sorted(p.name for p in folder.iterdir() if p.name.endswith(f".{dialect}.sql"))
            for name in names:
                step = name.removesuffix(f".{dialect}.sql")
                if step in done:
                    continue
                for stmt in (folder / name).read_text(encoding="utf-8").split(";"):
                    body = "\n".join(line for line in stmt.splitlines()
                                     if not line.strip().startswith("--")).strip()
                    if body:
                        self._conn.execute(body)
                self._conn.execute(self._sql("INSERT INTO schema_migrations VALUES (?, ?)"),
                                   (step, _now()))
            self._commit()
        except BaseException:
            self._rollback()
            raise

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- events -------------------------------------------------------------------------
    def record(self, e: Event) -> tuple[Event, bool]:
        """Store an event in its own transaction; return it (with its sequence number) and
        whether it is new. The same idempotency key again with the same content is the
        stored event; with other content it is an error (JKN-K006)."""
        _check_event(e)
        case_json = json.dumps(e.case, ensure_ascii=False, sort_keys=True) if e.case else None
        result_json = json.dumps(e.result, ensure_ascii=False, sort_keys=True) if e.result else None
        self._begin()
        try:
            old = self._conn.execute(self._sql(
                "SELECT seq, case_id, event, at, actor, case_json, result_json FROM events "
                "WHERE idempotency_key = ?"), (e.idempotency_key,)).fetchone()
            if old is None:
                cur = self._conn.execute(self._sql(
                    "INSERT INTO events (idempotency_key, case_id, event, at, at_epoch, actor, "
                    "regency, case_json, result_json, recorded_at) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq"),
                    (e.idempotency_key, e.case_id, e.event, e.at.isoformat(), e.epoch, e.actor,
                     e.regency, case_json, result_json, _now()))
                seq = int(cur.fetchone()[0])
                self._commit()
                return _replace_seq(e, seq), True
            self._commit()
        except BaseException:
            self._rollback()
            raise
        same = (old[1], old[2], parse_time(old[3], "at"), old[4], old[5], old[6]) == \
            (e.case_id, e.event, e.at, e.actor, case_json, result_json)
        if not same:
            raise track_error(
                "JKN-K006", f"kunci idempoten {e.idempotency_key!r} sudah dipakai untuk "
                "peristiwa lain", f"idempotency key {e.idempotency_key!r} was already used for "
                "another event", where="idempotency_key",
                hint_id="pakai kunci baru untuk peristiwa baru",
                hint_en="use a new key for a new event")
        return _replace_seq(e, int(old[0])), False

    def events(self, case_id: str | None = None, after_seq: int = 0, *,
               in_time_order: bool = False, upto_seq: int | None = None,
               page: int = 2000) -> Iterator[Event]:
        """The stored events in the order they were recorded (one case's, or all; those
        recorded after the sequence number ``after_seq`` and, with ``upto_seq``, up to
        it); ``in_time_order``: by their time, then the order recorded (as the monitor
        takes them). Read ``page`` rows at a time (keyset pagination on the index of
        that order), each parsed only when reached: the whole history is never in
        memory at once, whatever the database driver fetches."""
        where = "seq > ?"
        params: list[object] = [after_seq]
        if upto_seq is not None:
            where += " AND seq <= ?"
            params.append(upto_seq)
        if case_id is not None:
            where += " AND case_id = ?"
            params.append(case_id)
        sql = ("SELECT seq, case_id, event, at, actor, idempotency_key, case_json, result_json, "
               "at_epoch FROM events WHERE " + where)
        order = " ORDER BY at_epoch, seq" if in_time_order else " ORDER BY seq"
        after: list[object] = []
        while True:
            if not after:
                rows = self._query(sql + order + " LIMIT ?", [*params, page])
            elif in_time_order:
                rows = self._query(sql + " AND (at_epoch, seq) > (?, ?)" + order + " LIMIT ?",
                                   [*params, *after, page])
            else:
                rows = self._query(sql + " AND seq > ?" + order + " LIMIT ?",
                                   [*params, after[1], page])
            for row in rows:
                yield _event_of(row)
            if len(rows) < page:
                return
            after = [rows[-1][8], rows[-1][0]]

    def last_seq(self) -> int:
        """The sequence number of the last event recorded (0 for none)."""
        return int(self._query("SELECT coalesce(max(seq), 0) FROM events")[0][0])

    def event_by_key(self, key: str) -> Event | None:
        """The event stored under this idempotency key, if any."""
        rows = self._query("SELECT seq, case_id, event, at, actor, idempotency_key, case_json, "
                           "result_json FROM events WHERE idempotency_key = ?", (key,))
        return _event_of(rows[0]) if rows else None

    def count_events(self) -> int:
        return int(self._query("SELECT count(*) FROM events")[0][0])

    # -- alerts -------------------------------------------------------------------------
    def add_alerts(self, alerts: Iterable[Alert]) -> list[Alert]:
        """Store alerts not stored yet (by key), in one transaction; return the new ones."""
        new: list[Alert] = []
        self._begin()
        try:
            for a in alerts:
                cur = self._conn.execute(self._sql(
                    "INSERT INTO alerts (idempotency_key, case_id, alert, subject, at, at_epoch, "
                    "due, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (idempotency_key) DO NOTHING"),
                    (a.key, a.case_id, a.alert, a.subject, a.at.isoformat(), int(a.at.timestamp()),
                     a.due.isoformat() if a.due else None, _now()))
                if cur.rowcount == 1:
                    new.append(a)
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return new

    def alerts(self, as_of: datetime | None = None, case_id: str | None = None,
               regency: str | None = None, undelivered_to: str | None = None) -> list[Alert]:
        """Stored alerts up to ``as_of``: of one case, of the cases a regency received, or
        those not yet delivered to a webhook target (:meth:`delivered`)."""
        sql = "SELECT case_id, alert, subject, at, due FROM alerts WHERE 1 = 1"
        params: list[object] = []
        if regency is not None:
            sql += " AND case_id IN (SELECT case_id FROM events WHERE regency = ?)"
            params.append(regency)
        if undelivered_to is not None:
            sql += (" AND idempotency_key NOT IN (SELECT idempotency_key FROM alert_deliveries "
                    "WHERE target = ?)")
            params.append(undelivered_to)
        if as_of is not None:
            sql += " AND at_epoch <= ?"
            params.append(int(as_of.timestamp()))
        if case_id is not None:
            sql += " AND case_id = ?"
            params.append(case_id)
        rows = self._query(sql + " ORDER BY at_epoch, case_id, alert, subject", params)
        return [Alert(r[0], r[1], r[2], datetime.fromisoformat(r[3]),
                      datetime.fromisoformat(r[4]) if r[4] else None) for r in rows]


    def delivered(self, alert: Alert, target: str, status: int, attempts: int) -> bool:
        """Note that ``alert`` reached the webhook ``target`` (a digest naming it); False
        when it was noted already (delivery is once per alert key and target)."""
        self._begin()
        try:
            cur = self._conn.execute(self._sql(
                "INSERT INTO alert_deliveries (idempotency_key, target, status, attempts, "
                "delivered_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (idempotency_key, target) "
                "DO NOTHING"), (alert.key, target, status, attempts, _now()))
            added = bool(cur.rowcount == 1)
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return added


def _event_of(row: Sequence[Any]) -> Event:
    """An event from a row (seq, case_id, event, at, actor, key, case_json, result_json)."""
    return Event(row[1], row[2], datetime.fromisoformat(row[3]), row[4], row[5],
                 json.loads(row[6]) if row[6] else None,
                 json.loads(row[7]) if row[7] else None, int(row[0]))


def _replace_seq(e: Event, seq: int) -> Event:
    return Event(e.case_id, e.event, e.at, e.actor, e.idempotency_key, e.case, e.result, seq)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def open_store(url: str | os.PathLike[str] | None) -> Store:
    """The store named by ``--db`` / ``$JKNRULES_TRACK_DB``, else ``jknrules-track.db``."""
    return Store(url or os.environ.get("JKNRULES_TRACK_DB") or "jknrules-track.db")
