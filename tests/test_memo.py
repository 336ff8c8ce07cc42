"""The evaluator's memos are bounded (least recently used dropped), shared safely between
threads, and never change a result — also when every case brings a new day."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pyarrow as pa
import pytest

import jknrules
from jknrules.batch import vcalendar
from jknrules.batch.cases import from_arrow
from jknrules.batch.schema import case_schema
from jknrules.batch.vectorised import Decider
from jknrules.engine import calendar, ir
from jknrules.engine.memo import CALENDAR_LIMIT, Memo

from .conftest import POLICY_DIR
from .test_properties import sample_cases
from .test_vectorised import POLICIES, assert_same, expected

FIRST_DAY = dt.date(2023, 6, 1)


def new_days(n: int, seed: int, step: int = 1) -> list[dict[str, Any]]:
    """``n`` seeded cases, case ``i`` on the day ``i * step`` days after ``FIRST_DAY`` (and
    saying whether the applicant is hospitalised, which Malinau's routes ask)."""
    out = []
    for i, case in enumerate(sample_cases(n, seed)):
        day = FIRST_DAY + dt.timedelta(days=i * step)
        out.append(dict(case, submitted_at=day.isoformat() + case["submitted_at"][10:],
                        health=dict(case["health"], inpatient=i % 3 == 0)))
    return out


def all_memos(policies: jknrules.PolicySet) -> dict[str, Memo[Any, Any]]:
    out: dict[str, Memo[Any, Any]] = {}
    for policy in policies:
        regency = policy.policy.regency
        for name, memo in policy.calendar.memos().items():
            out[f"{regency}/calendar/{name}"] = memo
        for version in policy.versions:
            out[f"{regency}/{version.effective_from}"] = version.memo
            for service in version.services:
                out[f"{regency}/{version.effective_from}/{service.route}"] = service.memo
    return out


def test_memo_drops_what_was_not_used_lately() -> None:
    memo: Memo[str, int] = Memo(4)  # generations of two
    assert memo.put("a", 1) == 1 and memo.put("b", 2) == 2  # a full young generation: old
    assert memo.get("a") == 1  # used again: young again
    assert memo.put("c", 3) == 3  # young full again: "b", not used, is dropped
    assert len(memo) == 2 and memo.dropped == 1
    assert "b" not in memo and memo.get("b") is None
    assert memo.get("a") == 1 and memo.get("c") == 3
    assert memo.put("a", 10) == 1  # a stored value is kept (values are pure functions)
    for key in "defgh":
        memo.put(key, 0)
        assert len(memo) <= memo.limit
    assert "a" not in memo and memo.dropped == 6
    with pytest.raises(ValueError):
        Memo(1)


def test_memo_shared_by_threads_stays_within_its_limit_and_right() -> None:
    memo: Memo[tuple[int, dt.date], tuple[int, str]] = Memo(50)
    wrong: list[object] = []

    def value(k: int) -> tuple[int, str]:
        return k, str(k * k)

    def worker(seed: int) -> None:
        for i in range(20_000):
            k = (seed * 7919 + i * 104_729) % 300
            key = (k, FIRST_DAY)
            found = memo.get(key)
            if found is None:
                found = memo.put(key, value(k))
            if found != value(k):
                wrong.append((key, found))

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong
    assert len(memo) <= 50 and memo.dropped > 0


def test_memos_stay_bounded_when_every_case_brings_a_new_day(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: RSS grew by about 1.2 KB with every distinct day evaluated (the calendar
    and service memos kept every day). With small limits, many distinct days make every
    memo drop entries and none exceed their limit, and the results (also for days
    evaluated again after they were dropped) are those of fresh, default memos."""
    limits = {"CALENDAR_LIMIT": 64, "WORKING_BEFORE_LIMIT": 8, "YEARS_LIMIT": 2}
    for name, limit in limits.items():
        monkeypatch.setattr(calendar, name, limit)
    monkeypatch.setattr(ir, "SERVICE_LIMIT", 16)
    monkeypatch.setattr(ir, "VERSION_LIMIT", 8)
    small = jknrules.load_policies(POLICY_DIR)
    monkeypatch.undo()
    fresh = jknrules.load_policies(POLICY_DIR)
    cases = new_days(1500, seed=21)
    for case in cases + cases[:50]:  # the first days again, long after they were dropped
        got = jknrules.evaluate(case, small).to_json()
        assert got == jknrules.evaluate(case, fresh).to_json(), case
    memos = all_memos(small)
    assert all(len(memo) <= memo.limit for memo in memos.values()), memos
    full = {name for name, memo in memos.items() if memo.dropped}
    for regency in ("karangasem", "batang", "malinau"):
        assert {f"{regency}/calendar/days", f"{regency}/calendar/shifts",
                f"{regency}/calendar/years"} <= full
    assert any(name.count("/") == 2 and "calendar" not in name for name in full)  # a service
    assert any(name.count("/") == 1 for name in full)  # a version


def test_missing_documents_memo_belongs_to_one_policy_set_and_stays_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the missing documents were memoised in a module-level ``Memo`` shared
    by every ``PolicySet`` of the process (architecture.md, "No global mutable state").
    Now each compiled version has its own (``CVersion.missing``): evaluating with one set
    leaves another's empty, and with a tiny limit it drops entries, never exceeds the
    limit and gives the results of fresh, default memos."""
    from jknrules.engine import evaluator

    assert not hasattr(evaluator, "_MISSING")
    monkeypatch.setattr(ir, "MISSING_LIMIT", 4)
    small = jknrules.load_policies(POLICY_DIR)
    monkeypatch.undo()
    fresh, other = jknrules.load_policies(POLICY_DIR), jknrules.load_policies(POLICY_DIR)
    versions = [v for policy in fresh for v in policy.versions]
    others = [v for policy in other for v in policy.versions]
    assert all(a.missing is not b.missing for a in versions for b in others)
    cases = [case for case in sample_cases(600, seed=5) if "documents" in case]
    for case in cases + cases[:40]:  # the first again, after their entries were dropped
        assert jknrules.evaluate(case, small).to_json() == \
            jknrules.evaluate(case, fresh).to_json(), case
    assert sum(len(v.missing) for v in versions) > 0
    assert all(len(v.missing) == 0 for v in others)  # nothing shared with another set
    tiny = [v.missing for policy in small for v in policy.versions]
    assert all(memo.limit == 4 and len(memo) <= 4 for memo in tiny)
    assert any(memo.dropped for memo in tiny)
    assert all(v.missing.limit == ir.MISSING_LIMIT for v in versions)


def test_calendar_memos_hold_at_most_their_default_limit() -> None:
    cal = jknrules.load_policies(POLICY_DIR).get("karangasem").calendar
    hours = cal.day_intervals(calendar.WORKING_DAYS_ALL_DAY, FIRST_DAY)
    first = cal.shift_date(FIRST_DAY, 1, 0, 2)
    for i in range(CALENDAR_LIMIT + 500):
        day = FIRST_DAY + dt.timedelta(days=i)
        cal.day_intervals(calendar.WORKING_DAYS_ALL_DAY, day)
        cal.shift_date(day, 1, 0, 2)
    memos = cal.memos()
    for memo in memos["days"], memos["shifts"]:
        assert CALENDAR_LIMIT // 2 <= len(memo) <= CALENDAR_LIMIT and memo.dropped
    assert (id(calendar.WORKING_DAYS_ALL_DAY), FIRST_DAY) not in memos["days"]
    assert cal.day_intervals(calendar.WORKING_DAYS_ALL_DAY, FIRST_DAY) == hours
    assert cal.shift_date(FIRST_DAY, 1, 0, 2) == first


def test_batch_memos_stay_bounded_when_every_row_brings_a_new_day(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The vectorised path keeps per-day values for at most ``DAY_LIMIT`` days between
    chunks, and opening intervals for the days it is deciding, not every day it saw."""
    monkeypatch.setattr(vcalendar, "DAY_LIMIT", 40)
    objects = new_days(600, seed=22, step=10)
    table = pa.Table.from_pylist(objects, schema=case_schema())
    decider = Decider(POLICIES)
    got = []
    for start in range(0, len(objects), 150):
        out, _ = decider.decide(from_arrow(table.slice(start, 150), start + 1))
        got += out.to_pylist()
    assert_same(got, expected(objects), objects)
    decider.intervals.trim()
    assert all(len(values) <= 40 for values in decider.intervals.days.values())
    first = (FIRST_DAY - dt.date(1970, 1, 1)).days
    assert all(known[2] > first for known in decider.intervals._known.values())
