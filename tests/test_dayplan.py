"""The calendar phase read from a service's plan of the day (engine/dayplan.py) equals
the calendar phase computed step by step, at the seconds where an answer can change."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.engine.dayplan import plan_of
from jknrules.engine.deadlines import _general, calendar_phase
from jknrules.engine.ir import CompiledPolicy, CService
from jknrules.engine.state import Work

from .conftest import POLICY_DIR, ROOT


def _sets() -> list[jknrules.PolicySet]:
    out = [jknrules.load_policies(POLICY_DIR)]
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.yaml")):
        try:
            out.append(jknrules.load_policies(path))
        except jknrules.PolicyError:
            continue
    return out


SETS = _sets()
#: every (policy, service) of every shipped and fixture policy
SERVICES = [(policy, service) for policies in SETS for policy in policies
            for version in policy.versions for service in version.services]


def _seconds(policy: CompiledPolicy, service: CService, day: dt.date) -> set[int]:
    """The seconds of ``day`` around every bound an answer can change at: each channel's
    and the service hours' interval bounds, and those bounds less the response time."""
    plan = plan_of(policy.calendar, service, day)
    bounds = set(plan.bounds) | {s for interval in plan.hours for s in interval}
    delta = 0
    if service.response is not None:
        response = service.response[0]
        delta = response.hours * 3600 + response.minutes * 60
    near = {b + d for b in bounds for d in (-1, 0, 1)}
    near |= {b - delta + d for b in bounds for d in (-2, -1, 0, 1)}
    return {s for s in near | {0, 43200, 86399} if 0 <= s < 86400}


def _phase(answer: tuple[Any, dict[str, str]], work: Work) -> Any:
    channel, deadlines = answer
    return (channel, dict(deadlines),
            [(o, s, dict(r)) for o, s, r in work.candidates], [dict(e) for e in work.trace])


def _both(policy: CompiledPolicy, service: CService, moment: dt.datetime, trace: bool
          ) -> tuple[Any, Any]:
    planned, general = Work({}, trace), Work({}, trace)
    return (_phase(calendar_phase(policy, service, moment, planned), planned),
            _phase(_general(policy.calendar, service, moment, general), general))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SERVICES) - 1),
       st.dates(dt.date(2023, 1, 1), dt.date(2027, 12, 31)),
       st.sampled_from([0, 1, 500_000, 999_999]), st.booleans())
def test_the_plan_of_a_day_equals_the_general_calendar_phase(
        which: int, day: dt.date, micro: int, trace: bool) -> None:
    policy, service = SERVICES[which]
    cal = policy.calendar
    midnight = dt.datetime.combine(day, dt.time(), cal.zone)
    # in time order, then backwards: a stretch's closed answer is first computed at
    # another second than the one read back
    seconds = sorted(_seconds(policy, service, day))
    for t in seconds + seconds[::-1]:
        moment = midnight + dt.timedelta(seconds=t, microseconds=micro)
        planned, general = _both(policy, service, moment, trace)
        assert planned == general, (service.route, moment)


def test_a_day_with_holidays_and_every_weekday() -> None:
    """Karangasem's emergency route around the 2026 Eid holidays and cuti bersama, every
    minute of each day, and each second of the minutes around its bounds."""
    policies = jknrules.load_policies(POLICY_DIR)
    policy = policies.get("karangasem")
    version = policy.version_at(dt.date(2026, 3, 1))
    assert version is not None
    service = next(s for s in version.services if s.route == "emergency_registration")
    cal = policy.calendar
    for day in (dt.date(2026, 3, 16) + dt.timedelta(days=i) for i in range(10)):
        midnight = dt.datetime.combine(day, dt.time(), cal.zone)
        seconds = set(range(0, 86400, 60)) | _seconds(policy, service, day)
        for t in sorted(seconds):
            moment = midnight + dt.timedelta(seconds=t)
            planned, general = _both(policy, service, moment, t % 120 == 0)
            assert planned == general, moment


def test_a_moment_in_another_zone_takes_the_general_code() -> None:
    policies = jknrules.load_policies(POLICY_DIR)
    policy = policies.get("karangasem")
    version = policy.version_at(dt.date(2026, 3, 1))
    assert version is not None
    service = next(s for s in version.services if s.route == "emergency_registration")
    moment = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 WITA, counter open
    planned, general = _both(policy, service, moment, True)
    assert planned == general
    assert planned[1]["response_due"] == "2026-03-02T02:03:00+00:00"


def test_threads_share_a_plan_and_agree() -> None:
    """Threads evaluating the same new days at once fill the plans' closed answers and
    get the results of a single thread."""
    cases = [{"regency": "karangasem", "submitted_at": f"2026-04-{d:02d}T{h:02d}:{m:02d}:00",
              "health": {"emergency": True}, "welfare": {"desil": 3}, "documents": ["kk"],
              "applicant": {"has_ktp": True}, "membership": {"status": "none", "segment": "none"}}
             for d in range(1, 29) for h in (2, 6, 9, 13, 15, 18, 22) for m in (0, 31)]
    alone = jknrules.load_policies(POLICY_DIR)
    want = [jknrules.evaluate(c, alone).to_json() for c in cases]
    shared = jknrules.load_policies(POLICY_DIR)
    got: dict[int, list[str]] = {}

    def run(n: int) -> None:
        got[n] = [jknrules.evaluate(c, shared).to_json() for c in cases]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(got[n] == want for n in range(4))
