"""The monitor's index (a heap of warning and due times; deadlines made facts only from
their warning time; a case's events facts only while its next event is applied) changes
no alert: generated scenarios give the same alerts with it and without it
(``Monitor(index=False)``), whatever the tick interval. Also: the durable-rules session
holds only the deadlines in their warning window (no fact of a closed case, no fact left
by an event), ``out_of_order`` is raised exactly among many facts, the rules run in the
calling thread, and an id durable-rules takes for a live fact's is replaced."""

from __future__ import annotations

import copy
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.track import monitor as monitor_module
from jknrules.track.monitor import DEFAULT_LEAD, Monitor, alert_order, run
from jknrules.track.store import EVENTS, Alert, Event

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "fixtures" / "cases"
START = datetime.fromisoformat("2025-12-01T08:00:00+08:00")

#: (example, submission day after START): transfers in and out of their intake window,
#: emergencies under the 2023 standard (incomplete, activation due at once) and the 2025 one
RECEIPTS: tuple[tuple[str, int], ...] = (
    ("karangasem-2025-transfer-desil2-accepted", 64),   # 3 Feb 2026, in the window
    ("karangasem-2025-transfer-desil2-accepted", 73),   # 12 Feb 2026, after it
    ("karangasem-2025-transfer-desil2-accepted", 92),   # 3 Mar 2026 (Nyepi, Idul Fitri)
    ("karangasem-2025-emergency-desil7-complete", 14),  # 15 Dec 2025, 2023 standard
    ("karangasem-2025-emergency-desil7-complete", 64),  # 2025 standard, 33 minutes
)


@pytest.fixture(scope="module")
def receipts(policies: jknrules.PolicySet) -> list[tuple[dict[str, Any], dict[str, Any], datetime]]:
    out = []
    for name, day in RECEIPTS:
        case = copy.deepcopy(json.loads((EXAMPLES / f"{name}.json").read_text())["case"])
        at = START + timedelta(days=day, hours=1)
        case["submitted_at"] = at.isoformat()
        out.append((case, jknrules.evaluate(case, policies, trace=False).to_dict(), at))
    return out


def brief(alerts: list[Alert]) -> list[tuple[str, str, str, str]]:
    return [(a.case_id, a.alert, a.subject, a.at.isoformat()) for a in alerts]


#: one case: which receipt, and its later events as (event, minutes after receipt)
CASES = st.lists(st.tuples(
    st.integers(0, len(RECEIPTS) - 1),
    st.booleans(),  # recorded as received at all
    st.lists(st.tuples(st.sampled_from(EVENTS[1:]), st.integers(0, 60 * 24 * 50)), max_size=5),
), min_size=1, max_size=8)


def make_events(receipts: list[tuple[dict[str, Any], dict[str, Any], datetime]],
                cases: list[tuple[int, bool, list[tuple[str, int]]]]) -> list[Event]:
    events: list[Event] = []
    for i, (which, received, later) in enumerate(cases):
        case, result, at = receipts[which]
        cid = f"G-{i}"
        if received:
            events.append(Event(cid, "received", at, "loket", f"{cid}/r", case, result))
        for j, (event, minutes) in enumerate(later):
            events.append(Event(cid, event, at + timedelta(minutes=minutes), "petugas",
                                f"{cid}/{j}"))
    return events


def ticked(events: list[Event], end: datetime, hours: int, index: bool) -> list[Alert]:
    """The alerts of a monitor ticked every ``hours`` between the events, then to ``end``."""
    out: dict[str, Alert] = {}
    ordered = sorted(events, key=lambda e: e.epoch)
    with Monitor(index=index) as mon:
        now = ordered[0].at
        for e in ordered:
            while now + timedelta(hours=hours) < e.at:
                now += timedelta(hours=hours)
                out.update((a.key, a) for a in mon.tick(now))
            for a in mon.feed(e):
                out.setdefault(a.key, a)
            assert mon.fact_count() == mon.live_deadlines()
        out.update((a.key, a) for a in mon.tick(end) if a.key not in out)
        assert mon.fact_count() == mon.live_deadlines()
    return sorted(out.values(), key=alert_order)


def boundaries(receipts: list[Any]) -> list[datetime]:
    """The instants the rules turn on: each receipt's deadlines and warning times."""
    out = set()
    for _, result, _ in receipts:
        for name, text in (result.get("deadlines") or {}).items():
            if name in DEFAULT_LEAD:
                due = datetime.fromisoformat(text)
                out |= {due, due - DEFAULT_LEAD[name]}
    return sorted(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=CASES, hours=st.sampled_from([1, 5, 24, 24 * 9]),
       end=st.one_of(st.tuples(st.just(-1), st.integers(60 * 24 * 20, 60 * 24 * 200)),
                     st.tuples(st.integers(0, 100), st.sampled_from([-1, 0, 1, 3600, 86400]))))
def test_the_index_changes_no_alert(receipts: list[Any], cases: Any, hours: int,
                                    end: tuple[int, int]) -> None:
    events = make_events(receipts, cases)
    if end[0] < 0:  # any minute, or just before, at or after an instant a rule turns on
        as_of = START + timedelta(minutes=end[1])
    else:
        turns = boundaries(receipts)
        as_of = turns[end[0] % len(turns)] + timedelta(seconds=end[1])
    slow = brief(run(events, as_of=as_of, index=False))
    assert brief(run(events, as_of=as_of)) == slow
    # ticking in between (any interval) changes nothing either, with the index or without
    every = [e for e in events if e.at <= as_of]
    if every:
        assert brief(ticked(every, as_of, hours, index=True)) == slow
        assert brief(ticked(every, as_of, hours, index=False)) == slow


def test_a_seeded_month_of_cases_gives_the_same_alerts_with_and_without_the_index(
        receipts: list[Any]) -> None:
    import random

    rnd = random.Random(13)
    cases = [(rnd.randrange(len(RECEIPTS)), rnd.random() < 0.95,
              [(rnd.choice(EVENTS[1:]), rnd.randrange(60 * 24 * 40))
               for _ in range(rnd.randrange(4))]) for _ in range(90)]
    events = make_events(receipts, cases)
    # the second after each instant a rule turns on (a tick there sees it due)
    for as_of in [START + timedelta(days=160),
                  *(t + timedelta(seconds=1) for t in boundaries(receipts))]:
        fast = run(events, as_of=as_of)
        assert brief(fast) == brief(run(events, as_of=as_of, index=False))
    assert {a.alert for a in fast} == {"due_soon", "breached", "recap_missing", "out_of_order"}


def test_the_session_holds_only_deadlines_in_their_warning_window(receipts: list[Any]) -> None:
    """300 transfers, one received every day, each submitted and activated (some late):
    the session never holds more than the few deadlines in their warning window, and is
    empty once every case has closed."""
    case, result, _ = receipts[0]
    base = datetime.fromisoformat(result["deadlines"]["submit_to_bpjs_by"]) - \
        datetime.fromisoformat(case["submitted_at"])
    events = []
    for i in range(300):
        at = datetime.fromisoformat(case["submitted_at"]) + timedelta(days=i)
        fake = dict(result, deadlines={
            "submit_to_bpjs_by": (at + base).isoformat(),
            "expected_active_by": (at + base + timedelta(days=14)).isoformat()})
        cid = f"B-{i}"
        late = timedelta(days=2) if i % 7 == 0 else -timedelta(days=4)
        events += [Event(cid, "received", at, "loket", f"{cid}/r", case, fake),
                   Event(cid, "submitted_to_bpjs", at + base + late, "kasi", f"{cid}/s"),
                   Event(cid, "activated", at + base + timedelta(days=14) + late, "bpjs",
                         f"{cid}/a")]
    events.sort(key=lambda e: e.epoch)
    most = 0
    alerts: list[Alert] = []
    with Monitor() as mon:
        for e in events:
            alerts += mon.feed(e)
            facts = mon.fact_count()
            assert facts == mon.live_deadlines()
            most = max(most, facts)
        alerts += mon.tick(events[-1].at + timedelta(days=60))
        assert mon.fact_count() == 0
        assert mon.open_deadlines() == 0
    # the late cases (one in seven) warned and breached; the session stayed small
    late = len(range(0, 300, 7))
    assert sum((a.alert, a.subject) == ("breached", "submit_to_bpjs_by") for a in alerts) == late
    assert sum(a.alert == "breached" for a in alerts) == 2 * late
    assert 0 < most <= 12


def test_out_of_order_is_raised_once_per_event_among_many_facts(receipts: list[Any]) -> None:
    """Out-of-order events interleaved with hundreds of live deadlines: each raises its
    alert once, the others none, and no event leaves a fact behind."""
    case, result, at = receipts[4]
    lead = {"response_due": timedelta(days=30)}
    events: list[Event] = []
    expected: set[tuple[str, str]] = set()
    for i in range(400):
        t = at + timedelta(seconds=i)
        cid = f"O-{i}"
        if i % 4 == 3:  # never received
            events.append(Event(cid, "activated", t, "bpjs", f"{cid}/a"))
            expected.add((cid, "activated"))
            continue
        events.append(Event(cid, "received", t, "loket", f"{cid}/r", case, result))
        if i % 4 == 1:  # a card delivered before activation
            events.append(Event(cid, "card_delivered", t + timedelta(seconds=1), "loket",
                                f"{cid}/c"))
            expected.add((cid, "card_delivered"))
        elif i % 4 == 2:  # a letter signed after the withdrawal
            events.append(Event(cid, "withdrawn", t + timedelta(seconds=1), "loket", f"{cid}/w"))
            events.append(Event(cid, "letter_signed", t + timedelta(seconds=2), "kabid",
                                f"{cid}/l"))
            expected.add((cid, "letter_signed"))
    raised: list[Alert] = []
    with Monitor(lead) as mon:
        for e in sorted(events, key=lambda e: e.epoch):
            raised += mon.feed(e)
            assert mon.fact_count() == mon.live_deadlines()
        assert mon.live_deadlines() == 200  # the alerts were decided among many facts
    got = [(a.case_id, a.subject) for a in raised if a.alert == "out_of_order"]
    assert sorted(got) == sorted(expected)


def test_the_rules_run_in_the_calling_thread(receipts: list[Any],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules' own host runs a thread that takes pending actions every 0.2 s; it
    once ran a rule beside the monitor's thread and the match was lost. The monitor's
    host starts no thread, so every action runs inside the call that asserted its fact."""
    threads: set[int] = set()
    alert = Monitor._alert

    def spy(self: Monitor, *args: Any) -> None:
        threads.add(threading.get_ident())
        alert(self, *args)

    monkeypatch.setattr(Monitor, "_alert", spy)
    before = {t.ident for t in threading.enumerate()}
    events = make_events(receipts, [(i % len(RECEIPTS), True, [("activated", 7000)])
                                    for i in range(60)])
    assert len(run(events, as_of=START + timedelta(days=200))) > 60
    assert threads == {threading.get_ident()}
    assert not hasattr(monitor_module._host, "_d_timer")  # its dispatch timer never started
    assert {t.ident for t in threading.enumerate()} <= before


def test_an_error_in_a_rule_is_raised_not_swallowed(receipts: list[Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules catches an action's exception and only writes it into the session's
    state; the monitor raises it in the caller."""
    def broken(self: Monitor, *args: Any) -> None:
        raise ValueError("broken rule")

    monkeypatch.setattr(Monitor, "_alert", broken)
    with Monitor() as mon, pytest.raises(RuntimeError, match="broken rule"):
        mon.feed(Event("E-1", "activated", START, "bpjs", "E-1/a"))


def test_a_new_fact_whose_id_hash_is_a_live_facts_is_asserted_under_another_id() -> None:
    """Regression (the 100 000 load run): durable-rules knows a fact by the 32-bit FNV-1a
    hash of its id and refused a new fact colliding with a live one ("observed")."""
    def fnv1a(text: str) -> int:
        h = 0x811C9DC5
        for byte in text.encode():
            h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
        return h

    first, second = "x496069", "x1035124"
    assert fnv1a(first) == fnv1a(second)
    with Monitor() as mon:
        mon._assert({"kind": "seen", "case": "A", "event": "received", "id": first})
        fact = mon._assert({"kind": "seen", "case": "B", "event": "received", "id": second})
        assert fact["id"] != second
        assert sorted(f["case"] for f in monitor_module._host.get_facts(
            monitor_module._RULESET, mon.sid)) == ["A", "B"]
