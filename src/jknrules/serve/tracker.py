"""The monitor thread of ``jknrules serve --track``: :class:`Tracker`.

durable-rules is not safe under threads, so the monitor (:mod:`jknrules.track.monitor`)
lives in ONE thread, the tracker's: every request hands it a job through a queue and
awaits the answer; the thread also reads and writes the store (its own connection) and
ticks the monitor's clock every ``tick_seconds`` (a minute; tests tick by hand). A
process runs at most one such thread (:data:`_ONE_MONITOR`), and ``--track`` needs
``--workers 1``.

The monitor follows the store: at start it is rebuilt from every stored event (as
``jknrules track alerts`` does), then after each recorded event and at each tick the
thread feeds it the events recorded since (by this server or by ``jknrules track
record`` on the same store), in time order. The clock is the wall clock, so an event
recorded late (its time before the clock) is applied when it is recorded: a deadline
already past then is ``breached`` at once, even if the event meeting it is recorded a
minute later, and an event whose predecessor is recorded after it is ``out_of_order``;
raised alerts stay stored. The monitor is not rebuilt for a late event: a durable-rules
session cannot be deleted safely (:meth:`Monitor.close`), so each rebuild would keep the
old session's facts in memory (and replay every event). New alerts are stored once each
(by key) and handed to the webhook's own thread
(:class:`~jknrules.track.webhook.Deliverer`), never waited for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from jknrules.errors import JknrulesError
from jknrules.track.store import Alert, Event, Store, track_error

log = logging.getLogger("jknrules.serve")

T = TypeVar("T")

#: held by the one running monitor thread of this process (durable-rules keeps its state
#: in the process: two monitor threads would share it unsafely)
_ONE_MONITOR = threading.Lock()
#: an event more than this far ahead of the server's clock is refused (JKN-K007)
FUTURE_SLACK = timedelta(minutes=10)
#: how long a request waits for the monitor thread
JOB_TIMEOUT = 120.0

class Tracker:
    """The store and the monitor of one server, driven by one thread."""

    def __init__(self, url: str, *, lead: dict[str, timedelta] | None = None,
                 tick_seconds: float | None = 60.0,
                 clock: Callable[[], datetime] | None = None,
                 deliverer: Any = None) -> None:
        self.url = url
        self.lead = lead
        self.tick_seconds = tick_seconds
        self.clock = clock or (lambda: datetime.now(UTC))
        #: a :class:`~jknrules.track.webhook.Deliverer` (``None``: no webhook)
        self.deliverer = deliverer
        with Store(url):  # opened (and migrated) once here: a bad URL stops the start
            pass
        self._jobs: queue.Queue[tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None]
        self._jobs = queue.Queue()
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None
        # the thread's own (never touched from another thread)
        self._store: Store | None = None
        self._monitor: Any = None
        self._seen = 0
        self._last_at: datetime | None = None
        self._later: list[Event] = []

    # -- the thread ---------------------------------------------------------------------
    def start(self) -> None:
        if not _ONE_MONITOR.acquire(blocking=False):
            raise track_error("JKN-K060", "monitor lain sudah berjalan di proses ini",
                              "another tracking monitor already runs in this process",
                              hint_id="satu server dengan --track per proses",
                              hint_en="one server with --track per process")
        self._thread = threading.Thread(target=self._run, name="jknrules-monitor", daemon=True)
        self._thread.start()
        self._started.wait(JOB_TIMEOUT)
        if self._failure is not None:
            raise self._failure
        if self.deliverer is not None:
            self.deliverer.start()
            self.deliverer.nudge()  # alerts a previous run left undelivered

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(JOB_TIMEOUT)
            self._thread = None
        if self.deliverer is not None:
            self.deliverer.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._store = Store(self.url)
            self._rebuild(self.clock())
        except BaseException as exc:  # noqa: BLE001 - handed to start()
            self._failure = exc
            self._close()
            _ONE_MONITOR.release()
            self._started.set()
            return
        self._started.set()
        try:
            next_tick = time.monotonic() + (self.tick_seconds or 0)
            while True:
                timeout = None if self.tick_seconds is None else \
                    max(0.0, next_tick - time.monotonic())
                try:
                    item = self._jobs.get(timeout=timeout)
                except queue.Empty:
                    next_tick = time.monotonic() + (self.tick_seconds or 0)
                    try:
                        self._tick(self.clock())
                    except Exception as exc:  # noqa: BLE001 - the next tick tries again
                        log.error("tracking: tick failed: %s", type(exc).__name__)
                    continue
                if item is None:
                    break
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(job())
                except BaseException as exc:  # noqa: BLE001 - answered to the request
                    future.set_exception(exc)
        finally:
            self._close()
            _ONE_MONITOR.release()

    def _close(self) -> None:
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def submit(self, job: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Run ``job`` in the monitor thread."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if not self.running:
            future.set_exception(_not_running())
        else:
            self._jobs.put((job, future))
        return future

    def call(self, job: Callable[[], T]) -> T:
        """Run ``job`` in the monitor thread and wait for it (tests, pages)."""
        return self.submit(job).result(JOB_TIMEOUT)

    async def acall(self, job: Callable[[], T]) -> T:
        return await asyncio.wait_for(asyncio.wrap_future(self.submit(job)), JOB_TIMEOUT)

    # -- jobs (in the monitor thread only) ----------------------------------------------
    @property
    def store(self) -> Store:
        assert self._store is not None, "only in the monitor thread"
        return self._store

    def _keep(self, raised: list[Alert]) -> list[Alert]:
        new = self.store.add_alerts(raised) if raised else []
        if new and self.deliverer is not None:
            self.deliverer.nudge()
        return new

    def _rebuild(self, now: datetime) -> list[Alert]:
        from jknrules.track.monitor import Monitor

        if self._monitor is not None:
            self._monitor.close()
        self._monitor = Monitor(self.lead)
        # the events recorded so far, read from the store in time order a page at a time
        # (never all in memory); those recorded meanwhile are the next job's (_catch_up)
        self._seen = self.store.last_seq()
        self._later = []
        self._last_at = None
        raised: list[Alert] = []
        for e in self.store.events(in_time_order=True, upto_seq=self._seen):
            if e.at <= now:
                raised += self._monitor.feed(e)
                self._last_at = e.at
            else:
                self._later.append(e)
        raised += self._monitor.tick(now)
        return self._keep(raised)

    def _catch_up(self, now: datetime) -> list[Alert]:
        """Feed the events recorded since the last job (any writer), in time order."""
        fresh = list(self.store.events(after_seq=self._seen))
        if fresh:
            self._seen = max(e.seq for e in fresh)
        pending = sorted(self._later + fresh, key=lambda e: (e.epoch, e.seq))
        ready = [e for e in pending if e.at <= now]
        self._later = [e for e in pending if e.at > now]
        raised: list[Alert] = []
        for e in ready:
            raised += self._monitor.feed(e)
            self._last_at = e.at
        return self._keep(raised)

    def _tick(self, now: datetime) -> list[Alert]:
        new = self._catch_up(now)
        return new + self._keep(self._monitor.tick(now))

    def monitor_time(self) -> int | None:
        """The instant (epoch seconds) the monitor's clock has reached (monitor thread)."""
        now: int | None = self._monitor.now if self._monitor is not None else None
        return now

    def tick(self, now: datetime | None = None) -> list[Alert]:
        """Advance the monitor to ``now`` (default: the clock) and return the alerts it
        stored (tests drive the clock this way)."""
        return self.call(lambda: self._tick(now or self.clock()))

    def _record(self, event: Event, evaluated: bool) -> tuple[Event, bool]:
        now = self.clock()
        if event.at > now + FUTURE_SLACK:
            raise track_error("JKN-K007", f"waktu peristiwa {event.at.isoformat()} masih di masa "
                              "depan", f"the event's time {event.at.isoformat()} is in the "
                              "future", where="at",
                              hint_id="catat peristiwa setelah terjadi",
                              hint_en="record an event once it happened")
        old = self.store.event_by_key(event.idempotency_key)
        if old is not None and evaluated and event.result is not None:
            # the server's own evaluation may differ after a reload: the client sent the
            # same request again, so the stored event (and its result) is the answer
            event = dataclasses.replace(event, result=old.result)
        stored, new = self.store.record(event)
        if new:  # fed now; the clock moves on at the next tick (events of one case
            # recorded together, even late, are all fed before it passes their deadlines)
            self._catch_up(now)
        return stored, new


def tracker(config: Any) -> Tracker | None:
    """The :class:`Tracker` of a :class:`~jknrules.serve.config.ServeConfig` (``None``
    without ``track``); its store is opened once here, so a bad URL stops the start."""
    if config.track is None:
        return None
    if config.workers > 1:
        raise track_error("JKN-K062", "--track hanya dengan --workers 1 (monitor berjalan di "
                          "satu proses)", "--track needs --workers 1 (the monitor runs in one "
                          "process)", where="--workers")
    deliverer = None
    if config.alert_webhook is not None:
        from jknrules.track.webhook import Deliverer, webhook

        hook = webhook(config.alert_webhook, config.alert_webhook_secret_file)
        deliverer = Deliverer(config.track, hook, interval=config.track_tick_seconds or 60.0)
    return Tracker(config.track, tick_seconds=config.track_tick_seconds, deliverer=deliverer)


def _not_running() -> JknrulesError:
    return track_error("JKN-K061", "monitor pemantauan tidak berjalan",
                       "the tracking monitor is not running")


@contextlib.contextmanager
def running(tracker: Tracker | None) -> Iterator[None]:
    """Start the tracker (if any) for the app's lifetime."""
    if tracker is not None:
        tracker.start()
    try:
        yield
    finally:
        if tracker is not None:
            tracker.stop()
