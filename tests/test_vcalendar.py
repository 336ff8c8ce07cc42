"""Durations over arrays (``batch.vcalendar``) equal ``ServiceCalendar.add`` moment by moment."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jknrules.batch.vcalendar import Intervals, _add
from jknrules.batch.vtime import to_us
from jknrules.engine.calendar import WORKING_DAYS_ALL_DAY, ServiceCalendar, WeeklyHours
from jknrules.language.policy import Duration, Hours

WITA = ServiceCalendar("Asia/Makassar", [dt.date(2026, 2, 4)])
HOURS: dict[str, WeeklyHours | None] = {
    "counter": WeeklyHours.from_model(Hours(
        mon=["08:00-14:00"], tue=["08:00-14:00"], wed=["08:00-14:00"], thu=["08:00-14:00"],
        fri=["08:00-12:00"])),
    "group": WeeklyHours.from_model(Hours(
        mon=["16:00-21:00"], tue=["16:00-21:00"], wed=["16:00-21:00"], thu=["16:00-21:00"],
        fri=["14:00-21:00"], sat=["07:00-21:00"], sun=["07:00-21:00"],
        holiday=["07:00-21:00"])),
    "split": WeeklyHours.from_model(Hours(
        mon=["08:00-12:00", "13:00-15:00"], wed=["00:00-02:00", "22:00-24:00"],
        thu=["00:00-24:00"], sat=["09:00-10:00"])),
    "working_days": WORKING_DAYS_ALL_DAY,
    "always": None,
}

durations = st.builds(
    Duration, months=st.integers(0, 3), days=st.integers(0, 40), working_days=st.integers(0, 5),
    hours=st.integers(0, 30), minutes=st.integers(0, 600))
moments = st.datetimes(min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2027, 6, 30)
                       ).map(lambda m: m.replace(second=0, microsecond=m.microsecond % 2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(HOURS)), durations,
       st.lists(st.one_of(moments, moments.map(lambda m: m.replace(minute=0, microsecond=0))),
                min_size=1, max_size=30))
def test_vectorised_add_equals_the_scalar_one(name: str, duration: Duration,
                                              when: list[dt.datetime]) -> None:
    hours = HOURS[name]
    local = [WITA.local(m) for m in when]
    got, unsure = _add(WITA, np.array([to_us(m) for m in local], dtype=np.int64), duration,
                       hours, Intervals(), lambda part: {})
    for moment, value, refused in zip(local, got, unsure, strict=True):
        want = WITA.add(moment, duration, hours)
        if refused:  # beyond the intervals built: the row goes to the scalar path
            continue
        assert want is not None and int(value) == to_us(want), (moment, want)
