"""The monitor: each case's deadlines and its events as facts in a durable-rules ruleset,
time advanced by ``tick``; alerts ``due_soon``, ``breached``, ``out_of_order`` and
``recap_missing``.

The ONLY module importing ``durable`` (durable-rules: no release since 2020, not safe
under threads). The ruleset lives in this module's own durable-rules host, which starts
no thread: ``durable.lang``'s host runs a timer thread every 0.2 s that takes pending
actions from any session, and the load run caught it running a rule's action while the
monitor's thread carried on (the match was lost). Here every action runs inside the
call that asserted the fact, in the thread that called it. One :class:`Monitor` is
driven by one thread; each has its own session (a durable-rules state id), kept until
the process ends (:meth:`Monitor.close` does not delete it). The event store is the
source of truth: :func:`rebuild` replays the stored events in time order through a fresh
monitor, and the store keeps each alert once (by its key), so a restart neither loses
nor repeats one.

Alert times are the instants the rules speak of (``due_soon`` at the deadline less its
lead time, ``breached``/``recap_missing`` at the deadline, ``out_of_order`` at the
event), not the moment a tick noticed them: the alerts are a function of the events and
the time reached, whatever the tick interval.

**What stays in the session.** A deadline is a fact from the moment it is followed until
it is met, breached or ended by a withdrawal. Time reaches the rules as a ``ring`` fact
naming one deadline and the time now: a heap of warning and due times (Python) says
which deadlines a tick may concern, and only those are rung, so a tick costs the
deadlines that fall due, not every open one (durable-rules joins on equality through an
index but compares a range with every fact). The rules still decide: a ring raises
``due_soon`` only when ``now >= warn`` of a deadline still there and not warned,
``breached`` only when ``now > due`` of a warned one. The events a case has seen are
``seen`` facts while the case has a deadline followed or suspended; a case with none
leaves the session (its seen events are kept in Python, and put back as facts before its
next event), so the session holds the open cases, not every case ever seen. Facts made
for one event or tick (``arrived``, ``meets``, ``ring``) are retracted by the rules
themselves: the rule that uses one, else a last rule (lowest priority) that retracts it
once every other rule has had it. ``Monitor(index=False)`` rings every open deadline at
every tick and keeps every case in the session: the slow form, kept so that a test can
show both raise the same alerts.

Which events close which deadline (:data:`CLOSES`), which events must come before which
(:data:`REQUIRES`) and the default lead times (:data:`DEFAULT_LEAD`) are data here; the
matching of facts against the clock and against each other is durable-rules'.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from jknrules.track.store import CLOSES, Alert, Event, Store, parse_time, track_error

try:
    from durable import engine as _engine
    from durable.lang import _rulesets as _lang_rulesets
    from durable.lang import c, m, none, pri, ruleset, when_all
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
_V = TypeVar("_V", bound=Hashable)
_monitors: dict[str, Monitor] = {}
_sids = itertools.count(1)
#: the priority of the rules that decide (durable-rules runs lower numbers first) and of
#: the rules that retract a one-off fact nothing else used
_DECIDE, _SWEEP = 1, 9


def _action(rule: Callable[[Monitor, Any], None]) -> Callable[[Any], None]:
    """A rule's action, given its monitor; an error in it is kept for the monitor to raise
    (durable-rules would only write it into the session's state and carry on)."""
    def run(cx: Any) -> None:
        monitor = _monitors.get(cx.s.sid)
        if monitor is None:
            return
        try:
            rule(monitor, cx)
        except Exception as exc:  # raised again by Monitor._call
            monitor._failure = monitor._failure or exc
    return run


def _due_soon(monitor: Monitor, cx: Any) -> None:
    """A deadline whose warning time a ring has reached: due_soon, then it is warned."""
    d = cx.d
    monitor._alert(d.case, "due_soon", d.name, d.warn, d.due)
    cx.retract_fact(d)
    cx.assert_fact(_fact(d, warned=1))


def _breached(monitor: Monitor, cx: Any) -> None:
    """A warned deadline a ring has passed: breached (or recap_missing)."""
    d = cx.d
    monitor._alert(d.case, d.alert, d.name, d.due, d.due)
    monitor._ended(d.case, d.name)
    cx.retract_fact(d)
    cx.retract_fact(cx.r)


def _met(monitor: Monitor, cx: Any) -> None:
    """An event that meets a deadline of its case closes it; the rule retracts both."""
    cx.retract_fact(cx.d)
    cx.retract_fact(cx.a)


def _early(monitor: Monitor, cx: Any) -> None:
    """An event that comes before the event it needs."""
    a = cx.a
    monitor._alert(a.case, "out_of_order", a.event, a.at, None)


def _after_withdrawal(monitor: Monitor, cx: Any) -> None:
    """Any event after the application was withdrawn."""
    a = cx.a
    monitor._alert(a.case, "out_of_order", a.event, a.at, None)


def _sweep(monitor: Monitor, cx: Any) -> None:
    """A one-off fact (an event's ``arrived`` or ``meets``, a ``ring``) every other rule
    has had: retract it."""
    cx.retract_fact(cx.x)


_definition = ruleset(_RULESET)
_lang_rulesets.pop(_RULESET, None)  # defined here, registered in this module's host only
with _definition:
    when_all(pri(_DECIDE), c.d << (m.kind == "deadline") & (m.warned == 0),
             c.r << (m.kind == "ring") & (m.case == c.d.case) & (m.name == c.d.name)
             & (m.now >= c.d.warn))(_action(_due_soon))
    when_all(pri(_DECIDE), c.d << (m.kind == "deadline") & (m.warned == 1),
             c.r << (m.kind == "ring") & (m.case == c.d.case) & (m.name == c.d.name)
             & (m.now > c.d.due))(_action(_breached))
    when_all(pri(_DECIDE), c.d << (m.kind == "deadline"),
             c.a << (m.kind == "meets") & (m.case == c.d.case) & (m.name == c.d.name)
             )(_action(_met))
    when_all(pri(_DECIDE), c.a << (m.kind == "arrived") & (m.needs != ""),
             none((m.kind == "seen") & (m.case == c.a.case) & (m.event == c.a.needs))
             )(_action(_early))
    when_all(pri(_DECIDE), c.a << (m.kind == "arrived") & (m.event != "withdrawn"),
             c.w << (m.kind == "seen") & (m.case == c.a.case) & (m.event == "withdrawn")
             )(_action(_after_withdrawal))
    when_all(pri(_SWEEP), c.x << (m.kind == "arrived"))(_action(_sweep))
    when_all(pri(_SWEEP), c.x << (m.kind == "meets"))(_action(_sweep))
    when_all(pri(_SWEEP), c.x << (m.kind == "ring"))(_action(_sweep))


class _Host(_engine.Host):  # type: ignore[misc]  # durable-rules has no type hints
    """durable-rules' host without its dispatch and timer threads (see the module's doc)."""

    def _run(self) -> None:
        pass


_host = _Host()
_host.register_rulesets(dict([_definition.define()]))


def _fact(d: Any, **change: object) -> dict[str, object]:
    out = {k: d[k] for k in ("sid", "kind", "id", "case", "name", "due", "warn", "warned",
                             "alert")}
    out.update(change)
    return out


_NONE: frozenset[str] = frozenset()


class _Case:
    """What the monitor keeps of one case in Python. Kept small, since a monitor keeps
    every case it has seen (a later event may be out of order): the sets and the dues are
    immutable values shared between cases (:meth:`Monitor._share`), and ``open`` and
    ``pending`` are ``None`` when empty."""

    __slots__ = ("seen", "open", "live", "met", "pending", "dues", "recap")

    def __init__(self) -> None:
        #: the events seen (facts while the case's next event is applied)
        self.seen = _NONE
        #: the deadlines followed, not met, not breached: name -> (due, warn, alert)
        self.open: dict[str, tuple[int, int, str]] | None = None
        #: the open deadlines that are facts (their warning time has come)
        self.live = _NONE
        #: the deadlines met, or ended by a withdrawal (never followed again)
        self.met = _NONE
        #: deadlines waiting for complete documents (name -> due instant)
        self.pending: dict[str, int] | None = None
        #: the result's deadlines that wait for complete documents: (name, due instant)
        self.dues: tuple[tuple[str, int], ...] = ()
        #: a transfer received in its intake window (its recap deadline is recap_missing)
        self.recap = False


class Monitor:
    """One monitor's state in durable-rules. Feed it events in time order.

    ``index=False``: every deadline is a fact from the moment it is followed and every
    open deadline is rung at every tick (the slow form; the same alerts)."""

    def __init__(self, lead: Mapping[str, timedelta] | None = None, *,
                 index: bool = True) -> None:
        self.lead = {**DEFAULT_LEAD, **(lead or {})}
        self.index = index
        self.sid = f"m{next(_sids)}"
        _monitors[self.sid] = self
        self.now: int | None = None
        self._tz: Any = None
        self._ids = itertools.count(1)
        self._raised_now: list[Alert] = []
        self._cases: dict[str, _Case] = {}
        self._shared: dict[Hashable, Any] = {}
        #: (time, case, deadline): when a ring may concern a deadline (its warning time,
        #: then the second after it is due); entries of deadlines no longer open are
        #: dropped when they come up
        self._heap: list[tuple[int, str, str]] = []
        self._failure: Exception | None = None
        self._closed = False

    # -- durable-rules ------------------------------------------------------------------
    def _call(self, op: Callable[[str, dict[str, object]], object],
              fact: dict[str, object]) -> None:
        op(_RULESET, fact)
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise RuntimeError(f"a rule of the monitor failed: {failure!r}") from failure

    def _assert(self, fact: dict[str, object]) -> dict[str, object]:
        """Assert a new fact; return it (with the id it was asserted under).

        durable-rules knows a fact by a 32-bit hash of its id alone and refuses a new
        fact whose hash is a live fact's ("observed"): the 100 000 load run met one such
        collision. The fact is then asserted under another id (nothing ran: the engine
        refuses it before any rule sees it)."""
        fact["sid"] = self.sid
        base = fact.setdefault("id", next(self._ids))
        for attempt in range(1, 9):
            try:
                self._call(_host.assert_fact, fact)
                return fact
            except _engine.MessageObservedException:
                fact["id"] = f"{base}~{attempt}"
        raise RuntimeError(f"durable-rules refused the fact {fact!r} under 8 ids")

    def fact_count(self) -> int:
        """The facts in this monitor's durable-rules session now."""
        return len(_host.get_facts(_RULESET, self.sid))

    def open_deadlines(self) -> int:
        """The deadlines followed now (facts or not yet)."""
        return sum(len(state.open or ()) for state in self._cases.values())

    def live_deadlines(self) -> int:
        """The deadlines that are facts now (followed, and their warning time has come);
        between two calls of :meth:`feed` or :meth:`tick` they are the session's only
        facts."""
        return sum(len(state.live) for state in self._cases.values())

    # -- alerts and bookkeeping (called by the rules' actions) --------------------------
    def _alert(self, case: str, name: str, subject: str, at: int, due: int | None) -> None:
        tz = self._tz
        self._raised_now.append(Alert(case, name, subject, datetime.fromtimestamp(at, tz),
                                      datetime.fromtimestamp(due, tz) if due is not None else None))

    def _share(self, value: _V) -> _V:
        """One instance of an immutable value for every case that holds it."""
        shared: _V = self._shared.setdefault(value, value)
        return shared

    def _close(self, state: _Case, name: str) -> None:
        """A deadline no longer open (met, breached, suspended or ended)."""
        if state.open is not None:
            state.open.pop(name, None)
            if not state.open:
                state.open = None
        if name in state.live:
            state.live = self._share(state.live - {name})

    def _ended(self, case: str, name: str) -> None:
        self._close(self._cases[case], name)

    def _take(self) -> list[Alert]:
        out, self._raised_now = self._raised_now, []
        return out

    def _deadline(self, case: str, name: str, due: int) -> None:
        state = self._cases[case]
        if name in (state.open or ()) or name in state.met:
            return
        warn = due - int(self.lead.get(name, timedelta(0)).total_seconds())
        alert = "recap_missing" if name == "submit_to_bpjs_by" and state.recap else "breached"
        if state.open is None:
            state.open = {}
        state.open[name] = (due, warn, alert)
        if self.index:
            heapq.heappush(self._heap, (warn, case, name))
        else:
            self._live(case, name)

    def _live(self, case: str, name: str) -> None:
        """Make an open deadline a fact (from its warning time on)."""
        state = self._cases[case]
        assert state.open is not None
        due, warn, alert = state.open[name]
        state.live = self._share(state.live | {name})
        self._assert({"kind": "deadline", "case": case, "name": name, "due": due, "warn": warn,
                      "warned": 0, "alert": alert, "id": f"{case}|{name}"})
        if self.index:
            heapq.heappush(self._heap, (due + 1, case, name))

    def _ring(self, t: int) -> None:
        """Ring the deadlines whose warning or due time ``t`` has reached."""
        if self.index:
            due: list[tuple[str, str]] = []
            while self._heap and self._heap[0][0] <= t:
                _, case, name = heapq.heappop(self._heap)
                state = self._cases[case]
                if name in (state.open or ()):
                    if name not in state.live:
                        self._live(case, name)  # pushes its due time
                    due.append((case, name))
        else:
            due = [(case, name) for case, state in self._cases.items()
                   for name in sorted(state.open or ())]
        for case, name in due:
            if name in (self._cases[case].open or ()):  # not breached by an earlier ring
                self._assert({"kind": "ring", "case": case, "name": name, "now": t})

    # -- time and events ----------------------------------------------------------------
    def tick(self, now: datetime) -> list[Alert]:
        """Advance the clock to ``now`` (never back); return the alerts raised."""
        if self._tz is None:
            self._tz = now.tzinfo
        t = int(now.timestamp())
        if self.now is None or t > self.now:
            self.now = t
            self._ring(t)
        return self._take()

    def feed(self, e: Event) -> list[Alert]:
        """Tick to the event's time, then apply the event; return the alerts raised."""
        self._tz = self._tz or e.at.tzinfo
        raised = self.tick(e.at)
        case = e.case_id
        state = self._cases.get(case)
        if state is None:
            state = self._cases[case] = _Case()
        # the case's events so far are facts while this one is applied
        seen = [self._assert({"kind": "seen", "case": case, "event": event})
                for event in sorted(state.seen)]
        # the rules retract the event's own facts once they have matched them
        self._assert({"kind": "arrived", "case": case, "event": e.event, "at": e.epoch,
                      "needs": REQUIRES.get(e.event, "")})
        for fact in seen:  # every rule has had the event: it is retracted already
            self._call(_host.retract_fact, {"sid": self.sid, "id": fact["id"]})
        closes = [name for name, events in CLOSES.items()
                  if e.event in events or e.event == "withdrawn"]
        if e.event == "returned_incomplete":  # suspended until the documents are complete
            closes += [n for n in NEEDS_COMPLETE if n in (state.open or ())]
            state.pending = {n: d for n, d in state.dues if n not in state.met} or None
        for name in closes:
            if name in (state.open or ()):
                live = name in state.live
                self._close(state, name)
                if live:  # the deadline's fact to meet
                    self._assert({"kind": "meets", "case": case, "name": name})
            if e.event != "returned_incomplete" or name not in NEEDS_COMPLETE:
                state.met = self._share(state.met | {name})
        if e.event == "withdrawn":
            state.pending = None
        elif e.event == "received" and e.result is not None:
            self._received(e, state)
        elif e.event == "documents_completed":
            pending, state.pending = state.pending or {}, None
            for name, due in pending.items():
                self._deadline(case, name, due)
        if e.event not in state.seen:
            state.seen = self._share(state.seen | {e.event})
        if self.now is not None:
            self._ring(self.now)  # deadlines already due when they were opened
        return raised + self._take()

    def _received(self, e: Event, state: _Case) -> None:
        assert e.result is not None
        deadlines = e.result.get("deadlines") or {}
        outcome = e.result.get("outcome")
        request = (e.case or {}).get("request", "register")
        due: dict[str, int] = {}
        for name in CLOSES:
            text = deadlines.get(name)
            if isinstance(text, str):
                due[name] = int(parse_time(text, f"result.deadlines.{name}").timestamp())
        opens, closes = deadlines.get("intake_opens"), deadlines.get("intake_closes")
        if request == "transfer" and isinstance(opens, str) and isinstance(closes, str) and \
                parse_time(opens, "intake_opens") <= e.at <= parse_time(closes, "intake_closes"):
            state.recap = True
        if "response_due" in due:
            self._deadline(e.case_id, "response_due", due.pop("response_due"))
        state.dues = self._share(tuple(due.items()))
        if outcome == "accepted":
            for name, when in due.items():
                self._deadline(e.case_id, name, when)
        elif outcome == "incomplete" and due:
            state.pending = dict(due)

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
        lead: Mapping[str, timedelta] | None = None, *, index: bool = True) -> list[Alert]:
    """Every alert of these events (taken in time order) up to ``as_of``."""
    return _alerts(sorted(events, key=lambda e: (e.epoch, e.seq)), as_of, lead, index)


def _alerts(ordered: Iterable[Event], as_of: datetime | None,
            lead: Mapping[str, timedelta] | None, index: bool = True) -> list[Alert]:
    """:func:`run` of events already in time order (read one at a time)."""
    out: dict[str, Alert] = {}
    with Monitor(lead, index=index) as mon:
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
    yet (each once, by key) and return them. The events recorded when it starts come
    from the store in time order, a page at a time, each parsed when the monitor takes
    it: sorting them here held every event, case and result in memory at once (3 GiB
    for 100 000 applications), and fetching them in one query half of that."""
    ordered = store.events(in_time_order=True, upto_seq=store.last_seq())
    return store.add_alerts(_alerts(ordered, as_of, lead))
