"""The alert webhook: each stored alert POSTed once as JSON to a configured URL.

The body names no person (the alert's case id, name, subject and times, and its words in
Bahasa Indonesia and English). Headers: ``Idempotency-Key`` and
``X-Jknrules-Alert-Key`` carry the alert's key (``case|alert|subject``), so a receiver
that sees a key twice (a retry whose answer was lost) can drop it; with a secret,
``X-Jknrules-Signature: sha256=HEX`` is the HMAC-SHA256 of the body.

The store is the outbox: an alert is delivered when the store has no delivery of its
key to this target (a SHA-256 of the URL; the URL itself, which may hold a token, is
never stored or logged), and noted delivered after a 2xx answer. A failed attempt is
retried with doubling waits (``backoff``, ``2 × backoff`` … up to ``max_backoff``);
after ``attempts`` the alert stays undelivered and is tried again on the next round.
:class:`Deliverer` runs the rounds in a thread of its own (the server's), so a slow or
absent receiver never delays the recording of an event; :func:`deliver_pending` runs
one round in the caller's thread (``jknrules track alerts --alert-webhook``).

Uses the standard library only (``urllib.request``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from jknrules import __version__
from jknrules.track.store import ALERT_WORDS, Alert, Store, track_error

log = logging.getLogger("jknrules.track.webhook")

#: the environment variable holding the webhook's HMAC secret (or ``--alert-webhook-secret-file``)
SECRET_ENV = "JKNRULES_ALERT_WEBHOOK_SECRET"
SIGNATURE = "X-Jknrules-Signature"
ALERT_KEY = "X-Jknrules-Alert-Key"


@dataclass(frozen=True)
class Webhook:
    """Where and how alerts are delivered."""

    url: str
    secret: bytes | None = None
    #: attempts per alert and round
    attempts: int = 5
    #: seconds before the first retry (doubled for each next one)
    backoff: float = 1.0
    max_backoff: float = 60.0
    #: seconds for one request
    timeout: float = 10.0

    @property
    def target(self) -> str:
        """The name of this target in the store: a digest of the URL."""
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:32]


def webhook(url: str, secret_file: Path | None = None, *, attempts: int = 5,
            backoff: float = 1.0) -> Webhook:
    """A :class:`Webhook` for ``url`` (http or https with a host: ``JKN-K050`` otherwise),
    its secret read from ``secret_file`` or :data:`SECRET_ENV` (none: unsigned)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise track_error("JKN-K050", "--alert-webhook harus URL http:// atau https://",
                          "--alert-webhook must be an http:// or https:// URL",
                          where="--alert-webhook",
                          hint_id="contoh: https://pemantauan.example.go.id/jkn/alerts",
                          hint_en="e.g. https://monitoring.example.go.id/jkn/alerts")
    secret: str | None = None
    if secret_file is not None:
        try:
            secret = secret_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise track_error("JKN-K051", f"berkas rahasia webhook tidak dapat dibaca: "
                              f"{secret_file} ({type(exc).__name__})",
                              f"the webhook secret file cannot be read: {secret_file} "
                              f"({type(exc).__name__})", where="--alert-webhook-secret-file"
                              ) from None
    elif os.environ.get(SECRET_ENV, "").strip():
        secret = os.environ[SECRET_ENV].strip()
    if secret is not None and len(secret) < 16:
        raise track_error("JKN-K051", "rahasia webhook terlalu pendek (minimal 16 karakter)",
                          "the webhook secret is too short (at least 16 characters)",
                          where="--alert-webhook-secret-file")
    return Webhook(url, secret.encode("utf-8") if secret else None, attempts=attempts,
                   backoff=backoff)


def payload(alert: Alert) -> bytes:
    """The JSON body for one alert: no personal data (the alert names none)."""
    words = ALERT_WORDS[alert.alert]
    return json.dumps({"key": alert.key, **alert.to_json(),
                       "message": {"id": words[0], "en": words[1]}},
                      ensure_ascii=False, sort_keys=True).encode("utf-8")


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def post(hook: Webhook, alert: Alert) -> int:
    """One attempt: the HTTP status (0: no answer)."""
    body = payload(alert)
    headers = {"Content-Type": "application/json", "Idempotency-Key": alert.key,
               ALERT_KEY: alert.key, "User-Agent": f"jknrules/{__version__}"}
    if hook.secret is not None:
        headers[SIGNATURE] = sign(hook.secret, body)
    request = urllib.request.Request(hook.url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=hook.timeout) as answer:  # noqa: S310
            status: int = answer.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError, ValueError):
        return 0


def deliver(hook: Webhook, alert: Alert, wait: Callable[[float], bool]) -> tuple[int, int]:
    """Try ``alert`` up to ``hook.attempts`` times; ``wait(seconds)`` sleeps between
    attempts and returns True to give up (the server stopping). Returns the last status
    and the attempts made; a 2xx status is a delivery."""
    status, attempt = 0, 0
    delay = hook.backoff
    for attempt in range(1, hook.attempts + 1):
        status = post(hook, alert)
        if 200 <= status < 300:
            break
        if attempt == hook.attempts or wait(delay):
            break
        delay = min(delay * 2, hook.max_backoff)
    return status, attempt


def deliver_pending(store: Store, hook: Webhook, as_of: datetime | None = None,
                    wait: Callable[[float], bool] | None = None) -> tuple[int, int]:
    """Deliver every stored alert (up to ``as_of``) not yet delivered to this target;
    returns (delivered, failed)."""
    pause = wait or _sleep
    delivered = failed = 0
    for alert in store.alerts(as_of, undelivered_to=hook.target):
        status, attempts = deliver(hook, alert, pause)
        if 200 <= status < 300:
            store.delivered(alert, hook.target, status, attempts)
            delivered += 1
        else:
            failed += 1
            # the alert's key names a case id and an alert, never a person; the URL is not logged
            log.warning("webhook: alert %s not delivered after %d attempts (status %s); "
                        "tried again on the next round", alert.key, attempts, status or "none")
        if wait is not None and wait(0):
            break
    return delivered, failed


def _sleep(seconds: float) -> bool:
    threading.Event().wait(seconds)
    return False


class Deliverer:
    """Rounds of :func:`deliver_pending` in one thread with its own store connection: after
    each :meth:`nudge` (new alerts stored) and every ``interval`` seconds (alerts a
    failed round left)."""

    def __init__(self, store_url: str, hook: Webhook, interval: float = 60.0) -> None:
        self.store_url, self.hook, self.interval = store_url, hook, interval
        self._nudges: queue.Queue[bool] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jknrules-webhook", daemon=True)
        #: rounds completed (tests wait on it)
        self.rounds = 0
        self._done = threading.Condition()

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        self._nudges.put(True)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._nudges.put(False)
        self._thread.join(timeout)

    def wait_rounds(self, count: int, timeout: float = 30.0) -> bool:
        """Wait until ``count`` rounds are complete (tests)."""
        with self._done:
            return self._done.wait_for(lambda: self.rounds >= count, timeout)

    def _run(self) -> None:
        with Store(self.store_url) as store:
            while not self._stop.is_set():
                with contextlib.suppress(queue.Empty):
                    self._nudges.get(timeout=self.interval)
                while not self._nudges.empty():  # one round answers every nudge so far
                    self._nudges.get_nowait()
                if self._stop.is_set():
                    break
                try:
                    deliver_pending(store, self.hook, wait=self._stop.wait)
                except Exception as exc:  # noqa: BLE001 - the thread outlives a bad round
                    log.error("webhook: round failed: %s", type(exc).__name__)
                with self._done:
                    self.rounds += 1
                    self._done.notify_all()
