"""The monitor: each case's deadlines and its events as facts in a durable-rules ruleset,
time advanced by ``tick``; alerts ``due_soon``, ``breached``, ``out_of_order`` and
``recap_missing``.

The ONLY module importing ``durable`` (durable-rules: no release since 2020, not safe
under threads). One :class:`Monitor` is driven by one thread; each has its own state
(a durable-rules session id) in the module's one ruleset, kept until the process ends
(:meth:`Monitor.close`).
The event store is the source of truth: :func:`rebuild` replays the stored events in
time order through a fresh monitor, and the store keeps each alert once (by its key),
so a restart neither loses nor repeats one.

Alert times are the instants the rules speak of (``due_soon`` at the deadline less its
lead time, ``breached``/``recap_missing`` at the deadline, ``out_of_order`` at the
event), not the moment a tick noticed them: the alerts are a function of the events and
the time reached, whatever the tick interval.

Which events close which deadline (:data:`CLOSES`), which events must come before which
(:data:`REQUIRES`) and the default lead times (:data:`DEFAULT_LEAD`) are data here; the
matching of facts against the clock and against each other is durable-rules'.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from jknrules.track.store import CLOSES, Alert, Event, Store, parse_time, track_error

try:
    from durable.lang import assert_fact, c, m, none, retract_fact, ruleset, when_all
except ImportError as exc:  # pragma: no cover - the track extra is missing
    raise track_error("JKN-K020", "pemantauan memerlukan paket durable-rules",
                      f"the monitor needs the durable-rules package ({exc})",
                      hint_id="pip install 'jknrules[track]'",
                      hint_en="pip install 'jknrules[track]'") from None

#: Deadlines that wait for complete documents: followed from ``received`` when the
#: outcome is ``accepted``, from ``documents_completed`` when it was ``incomplete``, and
#: suspended by ``returned_incomplete`` until ``documents_completed``.
NEEDS_COMPLETE: tuple[str, ...] = ("submit_to_bpjs_by", "expected_active_by")
#: For each event, an event that must have come before it (else ``out_of_order``).
REQUIRES: dict[str, str] = {
    "documents_completed": "received", "returned_incomplete": "received",
    "letter_signed": "received", "submitted_to_bpjs": "received",
    "activated": "submitted_to_bpjs", "card_delivered": "activated", "withdrawn": "received",
}
#: How long before a deadline ``due_soon`` is raised, by default.
DEFAULT_LEAD: dict[str, timedelta] = {
    "response_due": timedelta(minutes=10),
    "submit_to_bpjs_by": timedelta(days=3),
    "expected_active_by": timedelta(days=3),
}
ALERTS: tuple[str, ...] = ("due_soon", "breached", "out_of_order", "recap_missing")

_RULESET = "jknrules_track"
_monitors: dict[str, Monitor] = {}
_sids = itertools.count(1)


def _due_soon(cx: Any) -> None:
    """A deadline whose warning time the clock has reached: due_soon, then it is warned."""
    d = cx.d
    _monitors[d.mon]._alert(d.case, "due_soon", d.name, d.warn, d.due)
    cx.retract_fact(d)
    cx.assert_fact(_fact(d, warned=1))


def _breached(cx: Any) -> None:
    """A warned deadline the clock has passed: breached (or recap_missing)."""
    d = cx.d
    monitor = _monitors[d.mon]
    monitor._alert(d.case, d.alert, d.name, d.due, d.due)
    monitor._open.get(d.case, set()).discard(d.name)
    cx.retract_fact(d)


def _met(cx: Any) -> None:
    """An event that meets a deadline of its case closes it; the rule retracts both facts
    (retracting the event's fact from Python right after asserting it lost matches once
    the session held many facts: found by bench/track_load.py at 16 000 applications)."""
    cx.retract_fact(cx.d)
    cx.retract_fact(cx.a)


def _early(cx: Any) -> None:
    """An event that comes before the event it needs."""
    a = cx.a
    _monitors[a.mon]._alert(a.case, "out_of_order", a.event, a.at, None)


def _after_withdrawal(cx: Any) -> None:
    """Any event after the application was withdrawn."""
    a = cx.a
    _monitors[a.mon]._alert(a.case, "out_of_order", a.event, a.at, None)


with ruleset(_RULESET):
    when_all(c.d << (m.kind == "deadline") & (m.warned == 0),
             c.k << (m.kind == "clock") & (m.now >= c.d.warn))(_due_soon)
    when_all(c.d << (m.kind == "deadline") & (m.warned == 1),
             c.k << (m.kind == "clock") & (m.now > c.d.due))(_breached)
    when_all(c.d << (m.kind == "deadline"),
             c.a << (m.kind == "meets") & (m.case == c.d.case) & (m.name == c.d.name))(_met)
    when_all(c.a << (m.kind == "arrived") & (m.needs != ""),
             none((m.kind == "seen") & (m.case == c.a.case) & (m.event == c.a.needs)))(_early)
    when_all(c.a << (m.kind == "arrived") & (m.event != "withdrawn"),
             c.w << (m.kind == "seen") & (m.case == c.a.case) & (m.event == "withdrawn")
             )(_after_withdrawal)


def _fact(d: Any, **change: object) -> dict[str, object]:
    out = {k: d[k] for k in ("sid", "mon", "kind", "id", "case", "name", "due", "warn", "warned",
                             "alert")}
    out.update(change)
    return out


class Monitor:
    """One monitor's state in durable-rules. Feed it events in time order."""

    def __init__(self, lead: Mapping[str, timedelta] | None = None) -> None:
        self.lead = {**DEFAULT_LEAD, **(lead or {})}
        self.sid = f"m{next(_sids)}"
        _monitors[self.sid] = self
        self.now: int | None = None
        self._tz: Any = None
        self._ids = itertools.count(1)
        self._raised_now: list[Alert] = []
        self._seen: set[tuple[str, str]] = set()
        #: per case: deadlines waiting for complete documents (name -> due instant)
        self._pending: dict[str, dict[str, datetime]] = {}
        #: per case: the deadlines made facts (so they are made once)
        self._open: dict[str, set[str]] = {}
        self._recap_case: set[str] = set()
        #: per case: the deadlines of its result that wait for complete documents, and
        #: the deadlines already met (or ended by a withdrawal)
        self._dues: dict[str, dict[str, datetime]] = {}
        self._met: dict[str, set[str]] = {}
        self._closed = False

    # -- facts --------------------------------------------------------------------------
    def _assert(self, fact: dict[str, object]) -> dict[str, object]:
        fact.update(sid=self.sid, mon=self.sid, id=next(self._ids))
        assert_fact(_RULESET, fact)
        return fact

    def _alert(self, case: str, name: str, subject: str, at: int, due: int | None) -> None:
        tz = self._tz
        self._raised_now.append(Alert(case, name, subject, datetime.fromtimestamp(at, tz),
                                      datetime.fromtimestamp(due, tz) if due is not None else None))

    def _take(self) -> list[Alert]:
        out, self._raised_now = self._raised_now, []
        return out

    def _deadline(self, case: str, name: str, due: datetime) -> None:
        if name in self._open.setdefault(case, set()) or name in self._met.get(case, set()):
            return
        self._open[case].add(name)
        lead = self.lead.get(name, timedelta(0))
        alert = "recap_missing" if name == "submit_to_bpjs_by" and case in self._recap_case \
            else "breached"
        self._assert({"kind": "deadline", "case": case, "name": name,
                      "due": int(due.timestamp()), "warn": int((due - lead).timestamp()),
                      "warned": 0, "alert": alert})

    # -- time and events ----------------------------------------------------------------
    def tick(self, now: datetime) -> list[Alert]:
        """Advance the clock to ``now`` (never back); return the alerts raised."""
        if self._tz is None:
            self._tz = now.tzinfo
        t = int(now.timestamp())
        if self.now is not None and t <= self.now:
            return self._take()
        if self.now is not None:
            retract_fact(_RULESET, {"sid": self.sid, "mon": self.sid, "kind": "clock",
                                    "id": 0, "now": self.now})
        self.now = t
        assert_fact(_RULESET, {"sid": self.sid, "mon": self.sid, "kind": "clock", "id": 0, "now": t})
        return self._take()

    def feed(self, e: Event) -> list[Alert]:
        """Tick to the event's time, then apply the event; return the alerts raised."""
        self._tz = self._tz or e.at.tzinfo
        raised = self.tick(e.at)
        case = e.case_id
        arrived = {"kind": "arrived", "case": case, "event": e.event, "at": e.epoch,
                   "needs": REQUIRES.get(e.event, "")}
        # the event's facts last as long as the rules take to match them
        transient = [self._assert(arrived)]
        closes = [name for name, events in CLOSES.items()
                  if e.event in events or e.event == "withdrawn"]
        if e.event == "returned_incomplete":  # suspended until the documents are complete
            closes += [n for n in NEEDS_COMPLETE if n in self._open.get(case, set())]
            self._pending[case] = {n: d for n, d in self._dues.get(case, {}).items()
                                   if n not in self._met.get(case, set())}
        for name in closes:
            if name in self._open.get(case, set()):  # one open deadline fact to meet
                self._assert({"kind": "meets", "case": case, "name": name})
                self._open[case].discard(name)
            if e.event != "returned_incomplete" or name not in NEEDS_COMPLETE:
                self._met.setdefault(case, set()).add(name)
        for fact in transient:
            retract_fact(_RULESET, fact)
        if e.event == "withdrawn":
            self._pending.pop(case, None)
        elif e.event == "received" and e.result is not None:
            self._received(e)
        elif e.event == "documents_completed":
            for name, due in self._pending.pop(case, {}).items():
                self._deadline(case, name, due)
        if (case, e.event) not in self._seen:
            self._seen.add((case, e.event))
            self._assert({"kind": "seen", "case": case, "event": e.event})
        return raised + self._take()

    def _received(self, e: Event) -> None:
        assert e.result is not None
        deadlines = e.result.get("deadlines") or {}
        outcome = e.result.get("outcome")
        request = (e.case or {}).get("request", "register")
        due: dict[str, datetime] = {}
        for name in CLOSES:
            text = deadlines.get(name)
            if isinstance(text, str):
                due[name] = parse_time(text, f"result.deadlines.{name}")
        opens, closes = deadlines.get("intake_opens"), deadlines.get("intake_closes")
        if request == "transfer" and isinstance(opens, str) and isinstance(closes, str) and \
                parse_time(opens, "intake_opens") <= e.at <= parse_time(closes, "intake_closes"):
            self._recap_case.add(e.case_id)
        if "response_due" in due:
            self._deadline(e.case_id, "response_due", due.pop("response_due"))
        self._dues[e.case_id] = due
        if outcome == "accepted":
            for name, when in due.items():
                self._deadline(e.case_id, name, when)
        elif outcome == "incomplete" and due:
            self._pending[e.case_id] = dict(due)

    def close(self) -> None:
        """Forget this monitor. Its facts stay in durable-rules' memory until the process
        ends: ``delete_state`` of durable-rules 2.0.28 crashes the process (a segmentation
        fault or "double free", in the main thread as in others, even for a session holding
        one fact), so it is never called. A process makes one monitor (the CLI) or one per
        server start (``jknrules serve --track``), so nothing piles up."""
        if not self._closed:
            self._closed = True
            _monitors.pop(self.sid, None)

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run(events: Iterable[Event], as_of: datetime | None = None,
        lead: Mapping[str, timedelta] | None = None) -> list[Alert]:
    """Every alert of these events (taken in time order) up to ``as_of``."""
    ordered = sorted(events, key=lambda e: (e.epoch, e.seq))
    out: dict[str, Alert] = {}
    with Monitor(lead) as mon:
        for e in ordered:
            if as_of is not None and e.at > as_of:
                break
            for a in mon.feed(e):
                out.setdefault(a.key, a)
        if as_of is not None:
            for a in mon.tick(as_of):
                out.setdefault(a.key, a)
    return sorted(out.values(), key=alert_order)


def alert_order(a: Alert) -> tuple[int, str, str, str]:
    """Alerts by time, then case, alert and subject (the order they are listed in)."""
    return (int(a.at.timestamp()), a.case_id, a.alert, a.subject)


def rebuild(store: Store, as_of: datetime | None = None,
            lead: Mapping[str, timedelta] | None = None) -> list[Alert]:
    """Rebuild the monitor from the store up to ``as_of``; store the alerts not stored
    yet (each once, by key) and return them."""
    return store.add_alerts(run(store.events(), as_of, lead))
