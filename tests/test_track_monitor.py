"""The monitor on durable-rules, driven by a simulated clock through months of events:
holidays moving a cut-off, a cut-off on a Saturday, a policy version changing within
the month, events out of order; the alerts asserted exactly. Also: the same alerts
whatever the tick interval, a rebuild from the store repeats none, configurable lead
times, and no personal data in an alert."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jknrules
from jknrules.track.monitor import Monitor, alert_order, rebuild, run
from jknrules.track.store import Alert, Event, Store, parse_time
from tests import track_helpers

store_url = track_helpers.store_url  # the fixture, on SQLite and on PostgreSQL

ROOT = Path(__file__).resolve().parents[1]
#: the cases of two shared contract examples, kept here so the tests run in a clone alone
EXAMPLES = ROOT / "tests" / "fixtures" / "cases"


def T(text: str) -> datetime:
    return parse_time(text, "at")


def example_case(name: str, submitted_at: str) -> dict[str, Any]:
    case = copy.deepcopy(json.loads((EXAMPLES / f"{name}.json").read_text())["case"])
    case["submitted_at"] = submitted_at
    return dict(case)


class Script:
    """Events of a scenario, each received case evaluated by jknrules."""

    def __init__(self, policies: jknrules.PolicySet) -> None:
        self.policies = policies
        self.events: list[Event] = []

    def receive(self, case_id: str, example: str, at: str) -> dict[str, Any]:
        case = example_case(example, at)
        result = jknrules.evaluate(case, self.policies, trace=False).to_dict()
        self.events.append(Event(case_id, "received", T(at), "loket-1", f"{case_id}/0", case, result))
        return result

    def add(self, case_id: str, event: str, at: str) -> None:
        self.events.append(Event(case_id, event, T(at), "petugas", f"{case_id}/{len(self.events)}"))


def brief(alerts: list[Alert]) -> list[tuple[str, str, str, str]]:
    return [(a.case_id, a.alert, a.subject, a.at.isoformat()) for a in alerts]


def test_karangasem_transfers_holiday_and_saturday_cut_offs(policies: jknrules.PolicySet) -> None:
    s = Script(policies)
    # March 2026: Nyepi and Idul Fitri leave bring the cut-off forward to Tuesday the 17th
    r = s.receive("M-1", "karangasem-2025-transfer-desil2-accepted", "2026-03-03T09:00:00+08:00")
    assert r["deadlines"]["submit_to_bpjs_by"] == "2026-03-17T23:59:59+08:00"
    s.add("M-1", "letter_signed", "2026-03-05T10:00:00+08:00")
    s.add("M-1", "submitted_to_bpjs", "2026-03-16T10:00:00+08:00")
    s.add("M-1", "activated", "2026-04-15T10:00:00+08:00")
    s.add("M-1", "card_delivered", "2026-04-16T10:00:00+08:00")
    s.receive("M-2", "karangasem-2025-transfer-desil2-accepted", "2026-03-04T09:00:00+08:00")
    # June 2026: the 20th is a Saturday, so the recap goes on Friday the 19th
    r = s.receive("J-1", "karangasem-2025-transfer-desil2-accepted", "2026-06-03T09:00:00+08:00")
    assert r["deadlines"]["submit_to_bpjs_by"] == "2026-06-19T23:59:59+08:00"
    s.add("J-1", "submitted_to_bpjs", "2026-06-20T10:00:00+08:00")
    s.add("J-1", "activated", "2026-06-25T10:00:00+08:00")
    alerts = run(s.events, as_of=T("2026-06-30T00:00:00+08:00"))
    assert brief(alerts) == [
        ("M-1", "due_soon", "submit_to_bpjs_by", "2026-03-14T23:59:59+08:00"),
        ("M-2", "due_soon", "submit_to_bpjs_by", "2026-03-14T23:59:59+08:00"),
        ("M-2", "recap_missing", "submit_to_bpjs_by", "2026-03-17T23:59:59+08:00"),
        ("M-2", "due_soon", "response_due", "2026-04-06T08:09:00+08:00"),
        ("M-2", "breached", "response_due", "2026-04-06T08:19:00+08:00"),
        ("M-2", "due_soon", "expected_active_by", "2026-04-17T08:00:00+08:00"),
        ("M-2", "breached", "expected_active_by", "2026-04-20T08:00:00+08:00"),
        ("J-1", "due_soon", "submit_to_bpjs_by", "2026-06-16T23:59:59+08:00"),
        ("J-1", "recap_missing", "submit_to_bpjs_by", "2026-06-19T23:59:59+08:00"),
    ]
    # as of the 15th of March only the warnings of the month had been raised
    assert brief(run(s.events, as_of=T("2026-03-15T00:00:00+08:00"))) == brief(alerts[:2])


def test_policy_version_changing_within_the_month(policies: jknrules.PolicySet) -> None:
    s = Script(policies)
    # 15 December 2025: the 2023 standard (response within a day; the file is incomplete)
    r = s.receive("E-1", "karangasem-2025-emergency-desil7-complete", "2025-12-15T09:00:00+08:00")
    assert (r["policy"]["version"], r["outcome"]) == ("2023-05-22", "incomplete")
    s.add("E-1", "returned_incomplete", "2025-12-15T11:00:00+08:00")
    s.add("E-1", "documents_completed", "2025-12-17T09:00:00+08:00")
    s.add("E-1", "activated", "2025-12-18T09:00:00+08:00")
    # 31 December 2025: the 2025 standard (33 minutes)
    r = s.receive("E-2", "karangasem-2025-emergency-desil7-complete", "2025-12-31T09:00:00+08:00")
    assert (r["policy"]["version"], r["deadlines"]) == \
        ("2025-12-31", {"response_due": "2025-12-31T09:33:00+08:00"})
    s.add("E-2", "letter_signed", "2025-12-31T09:40:00+08:00")
    s.receive("E-3", "karangasem-2025-emergency-desil7-complete", "2025-12-31T20:00:00+08:00")
    s.add("E-3", "letter_signed", "2025-12-31T20:15:00+08:00")
    alerts = run(s.events, as_of=T("2026-01-31T00:00:00+08:00"))
    assert brief(alerts) == [
        # activation was due at once (2023 standard): known late once the file was complete
        ("E-1", "due_soon", "expected_active_by", "2025-12-12T09:00:00+08:00"),
        ("E-1", "breached", "expected_active_by", "2025-12-15T09:00:00+08:00"),
        # activated with no submission to BPJS recorded
        ("E-1", "out_of_order", "activated", "2025-12-18T09:00:00+08:00"),
        ("E-2", "due_soon", "response_due", "2025-12-31T09:23:00+08:00"),
        ("E-2", "breached", "response_due", "2025-12-31T09:33:00+08:00"),
    ]


def test_events_out_of_order(policies: jknrules.PolicySet) -> None:
    s = Script(policies)
    s.receive("O-1", "karangasem-2025-emergency-desil7-complete", "2026-02-03T09:00:00+08:00")
    s.add("O-1", "activated", "2026-02-03T09:10:00+08:00")         # not submitted yet
    s.add("O-1", "card_delivered", "2026-02-03T09:20:00+08:00")    # after activation: fine
    s.add("O-2", "submitted_to_bpjs", "2026-02-03T10:00:00+08:00")  # never received
    s.receive("O-3", "karangasem-2025-emergency-desil7-complete", "2026-02-03T09:00:00+08:00")
    s.add("O-3", "withdrawn", "2026-02-03T09:05:00+08:00")
    s.add("O-3", "letter_signed", "2026-02-03T09:30:00+08:00")      # after the withdrawal
    s.add("O-4", "card_delivered", "2026-02-03T11:00:00+08:00")     # nothing before it
    alerts = run(s.events, as_of=T("2026-02-04T00:00:00+08:00"))
    assert brief(alerts) == [
        ("O-1", "out_of_order", "activated", "2026-02-03T09:10:00+08:00"),
        ("O-3", "out_of_order", "letter_signed", "2026-02-03T09:30:00+08:00"),
        ("O-2", "out_of_order", "submitted_to_bpjs", "2026-02-03T10:00:00+08:00"),
        ("O-4", "out_of_order", "card_delivered", "2026-02-03T11:00:00+08:00"),
    ]


def scenario(policies: jknrules.PolicySet, n: int = 12) -> list[Event]:
    s = Script(policies)
    start = datetime.fromisoformat("2026-02-02T09:00:00+08:00")
    for i in range(n):
        at = start + timedelta(days=i % 9, hours=i % 5)
        cid = f"S-{i}"
        s.receive(cid, "karangasem-2025-transfer-desil2-accepted", at.isoformat())
        if i % 3:
            s.add(cid, "submitted_to_bpjs", (at + timedelta(days=8 + i)).isoformat())
        if i % 4 == 1:
            s.add(cid, "activated", (at + timedelta(days=20 + i)).isoformat())
    return s.events


def test_alerts_do_not_depend_on_the_tick_interval(policies: jknrules.PolicySet) -> None:
    events = scenario(policies)
    end = T("2026-04-30T00:00:00+08:00")
    coarse = run(events, as_of=end)
    fine: list[Alert] = []
    ordered = sorted(events, key=lambda e: e.epoch)
    with Monitor() as mon:
        now = ordered[0].at
        for e in ordered:
            while now + timedelta(hours=7) < e.at:
                now += timedelta(hours=7)
                fine += mon.tick(now)
            fine += mon.feed(e)
        fine += mon.tick(end)
    assert len(coarse) > 10
    assert brief(sorted({a.key: a for a in fine}.values(), key=alert_order)) == brief(coarse)


def test_rebuild_stores_each_alert_once(policies: jknrules.PolicySet, store_url: str) -> None:
    events = scenario(policies, 6)
    mid, end = T("2026-02-19T00:00:00+08:00"), T("2026-04-30T00:00:00+08:00")
    with Store(store_url) as store:
        for e in events:
            store.record(e)
        first = rebuild(store, mid)
    with Store(store_url) as store:  # a restart: a new monitor rebuilt from the store
        assert rebuild(store, mid) == []
        later = rebuild(store, end)
        assert later and not {a.key for a in later} & {a.key for a in first}
        assert brief(store.alerts()) == brief(run(events, as_of=end))


def test_lead_times_are_configurable(policies: jknrules.PolicySet) -> None:
    s = Script(policies)
    s.receive("L-1", "karangasem-2025-emergency-desil7-complete", "2026-02-03T09:00:00+08:00")
    end = T("2026-02-04T00:00:00+08:00")
    assert brief(run(s.events, as_of=end, lead={"response_due": timedelta(minutes=20)}))[0] == \
        ("L-1", "due_soon", "response_due", "2026-02-03T09:13:00+08:00")


def test_no_personal_data_in_alerts(policies: jknrules.PolicySet) -> None:
    events = scenario(policies, 4)
    alerts = run(events, as_of=T("2026-05-01T00:00:00+08:00"))
    text = json.dumps([a.to_json() for a in alerts])
    assert alerts
    for e in events:
        if e.case:
            for value in (e.case["applicant"]["nik"], e.case["applicant"]["birth_date"]):
                assert value not in text


def test_closing_a_monitor_holding_facts_does_not_crash_the_process() -> None:
    """Regression: Monitor.close called durable-rules' delete_state, which killed the process
    (segmentation fault or "double free") once the session held a fact — so did every
    ``jknrules track alerts``. Run in a child process: a crash would end pytest itself."""
    import subprocess
    import sys

    script = (
        "from datetime import datetime\n"
        "from jknrules.track.monitor import Monitor\n"
        "from jknrules.track.store import Event\n"
        "t = datetime.fromisoformat('2026-03-03T09:00:00+08:00')\n"
        "result = {'policy': {'regency': 'karangasem'}, 'outcome': 'accepted',\n"
        "          'deadlines': {'submit_to_bpjs_by': '2026-03-17T23:59:59+08:00'}}\n"
        "for _ in range(3):\n"
        "    with Monitor() as m:\n"
        "        m.feed(Event('K-1', 'received', t, 'a', 'k', {}, result))\n"
        "print('closed')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "closed"
