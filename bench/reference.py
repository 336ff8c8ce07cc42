"""The "limit" of the benchmark: Karangasem's 2025 emergency registrations decided by code
written by hand for this one service, with nothing general in it.

The decision is that of ``policies/karangasem.yaml``, version 2025-12-31, service
``emergency_registration`` (Standar Pelayanan Pendaftaran Emergency 2025), for the cases
``generate.make_emergency_cases`` makes (Karangasem, ``register``, ``health.emergency``
true, no Mandiri member and no inactive government-paid membership, submitted from
2025-12-31 on): the outcome (rules, documents, the contract's precedence), the target
segment, the route and its channel, the required and missing documents, and the deadlines
(``next_service_opening`` when both channels are closed, ``response_due`` 33 minutes of
service time later). The same decision is written twice:

- :class:`Reference` — plain Python, one case (a JSON object) at a time: the limit of
  ``jknrules.evaluate``;
- :func:`decide_table` — numpy and pyarrow over a table of cases: the limit of the
  vectorised path; ``python bench/reference.py CASES.parquet OUT.parquet --like FILE``
  reads Parquet a chunk at a time and writes the decision columns ``jknrules batch``
  writes (the columns and types of FILE, an output of ``jknrules batch``): the limit of
  the CLI.

The calendar is the policy's, typed in here: the MPP counter (Mon–Thu 08:00–14:00, Fri
08:00–12:00, closed on weekends and holidays), the "Tim Koordinasi JKN" group (Mon–Thu
16:00–21:00, Fri 14:00–21:00, Sat, Sun and holidays 07:00–21:00); holidays are the
national holidays and cuti bersama of the ``holidays`` package (the data jknrules uses;
Karangasem declares no extra closed days); WITA is UTC+08:00 all year. Anything outside
these cases is not handled: :meth:`Reference.decide` returns ``None`` and
:func:`decide_table` leaves the row's outcome null, so the benchmark's agreement count
shows it. ``bench/run.py`` checks that this module and jknrules agree on every case it
times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import holidays
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

FIRST_DAY = dt.date(2025, 12, 31)  # the version's effective_from
WITA = dt.timezone(dt.timedelta(hours=8))
ROUTE = "emergency_registration"
TARGET = "pbpu_bp_pemda"
RESPONSE_MINUTES = 33
PBI = ("pbi_apbn", "pbi_apbd", "pbpu_bp_pemda")
#: the required documents, in the policy's order (bit k of a mask = DOCS[k])
DOCS = ("kk", "ktp", "surat_keterangan_emergency", "surat_rawat_inap", "surat_rujukan",
        "surat_kontrol", "surat_keterangan_lahir", "surat_berhenti_bekerja")
#: the contract's precedence, most binding first
RANK = ("not_covered", "needs_review", "ineligible", "already_registered", "redirected",
        "outside_intake_window", "incomplete", "accepted")
PROCEEDS = ("accepted", "incomplete", "outside_intake_window", "needs_review")

# opening intervals in minutes, per day kind: 0–6 Monday–Sunday, 7 a holiday
_WEEK = ((480, 840),), ((480, 840),), ((480, 840),), ((480, 840),), ((480, 720),)
COUNTER = (*_WEEK, (), (), ())
GROUP = (((960, 1260),),) * 4 + (((840, 1260),),) + (((420, 1260),),) * 3
#: the service's hours (either channel open), in which response_due runs
UNION = tuple(tuple(sorted(c + g)) for c, g in zip(COUNTER, GROUP, strict=True))
CHANNELS = (("counter", COUNTER), ("online_group", GROUP))
_DAY_US = 86_400_000_000
_MINUTE_US = 60_000_000


def holiday_dates(first: int = 2025, last: int = 2030) -> frozenset[dt.date]:
    table = holidays.country_holidays("ID", years=range(first, last + 1),
                                      categories=("public", "government"))
    return frozenset(table)


# --- one case at a time, plain Python ------------------------------------------------

class Reference:
    """The decision for one case (a JSON object), as the contract's decision fields.
    Moments are (proleptic ordinal of the WITA day, microseconds after midnight)."""

    def __init__(self) -> None:
        self.holidays = frozenset(d.toordinal() for d in holiday_dates())
        self._kinds: dict[int, int] = {}

    def _kind(self, day: int) -> int:
        kind = self._kinds.get(day)
        if kind is None:
            kind = self._kinds[day] = 7 if day in self.holidays else (day - 1) % 7
        return kind

    def _next_opening(self, hours: tuple[tuple[tuple[int, int], ...], ...], day: int,
                      us: int) -> tuple[int, int]:
        minute = us // _MINUTE_US  # the intervals are whole minutes
        for a, b in hours[self._kind(day)]:
            if a <= minute < b:
                return day, us
            if a > minute:
                return day, a * _MINUTE_US
        while True:
            day += 1
            periods = hours[self._kind(day)]
            if periods:
                return day, periods[0][0] * _MINUTE_US

    def _response_due(self, day: int, us: int) -> tuple[int, int]:
        """An open moment + 33 minutes while the service is open (every interval is longer
        than 33 minutes, so what is left fits in the next one)."""
        due = us + RESPONSE_MINUTES * _MINUTE_US
        periods = UNION[self._kind(day)]
        for k, (a, b) in enumerate(periods):
            if a * _MINUTE_US <= us < b * _MINUTE_US:
                if due <= b * _MINUTE_US:
                    return day, due
                rest = due - b * _MINUTE_US
                if k + 1 < len(periods):
                    return day, periods[k + 1][0] * _MINUTE_US + rest
                while True:
                    day += 1
                    later = UNION[self._kind(day)]
                    if later:
                        return day, later[0][0] * _MINUTE_US + rest
        raise AssertionError("a service start outside the service's hours")

    def decide(self, case: dict[str, Any]) -> dict[str, Any] | None:
        """The decision fields of ``case`` (``None``: a case this reference does not cover)."""
        if case.get("regency") != "karangasem" or case.get("request", "register") != "register":
            return None
        moment = dt.datetime.fromisoformat(case["submitted_at"])
        if moment.tzinfo is not None:
            moment = moment.astimezone(WITA)
        day = moment.toordinal()
        if day < _FIRST_ORDINAL:
            return None
        health = case.get("health") or {}
        membership = case.get("membership") or {}
        status, segment = membership.get("status"), membership.get("segment")
        if health.get("emergency") is not True or status is None or segment is None \
                or segment == "pbpu_mandiri" or (status == "inactive" and segment in PBI):
            return None  # another route, or the route is not known
        applicant = case.get("applicant") or {}
        welfare = case.get("welfare")
        newborn = case.get("newborn") or {}
        has_ktp = applicant.get("has_ktp")
        has_desil = welfare is not None and "desil" in welfare
        desil = welfare.get("desil") if welfare is not None else None
        low = desil is not None and 1 <= desil <= 5
        rank = ACCEPTED
        unknown = False  # a fact a rule or a requirement needs is absent: needs_review
        # the rules
        if status == "active" and (segment in PBI or segment == "ppu"):
            rank = ALREADY_REGISTERED
        if applicant.get("domicile_regency", "karangasem") != "karangasem":
            rank = INELIGIBLE
        ppu = (case.get("household") or {}).get("has_ppu_member")
        if ppu is None:
            unknown = True
        elif ppu and rank > REDIRECTED:
            rank = REDIRECTED
        if health.get("inpatient") is False and (low or not has_desil):
            unknown = True  # desil 1-5 not hospitalised (a rule), or not known whether
        # the newborn rule (review) and letter (a document): three-valued ANDs
        age, parents = newborn.get("age_days"), newborn.get("parents_registered")
        if has_ktp is True or (age is not None and age >= 28):
            baby = letter = False
        elif parents is None:
            baby = letter = None
        elif has_ktp is None or age is None:
            baby, letter = (None if not parents else False), (None if parents else False)
        else:
            baby, letter = not parents, parents
        if baby is not False or letter is None:
            unknown = True
        # the documents
        required = ["kk", "ktp"] if has_ktp is not False else ["kk"]
        if not has_desil:
            unknown = True
        elif desil is None or 6 <= desil <= 10:
            required.append("surat_keterangan_emergency")
        elif low:
            required += ["surat_rawat_inap", "surat_rujukan", "surat_kontrol"]
        if letter:
            required.append("surat_keterangan_lahir")
        if status == "inactive" and segment == "ppu":
            stopped = (case.get("employment") or {}).get("deactivated_by_employer")
            if stopped is None:
                unknown = True
            elif stopped:
                required.append("surat_berhenti_bekerja")
        brought = case.get("documents")
        missing = None
        if brought is not None:
            missing = [d for d in required if d not in brought]
            if missing and rank > INCOMPLETE:
                rank = INCOMPLETE
        if unknown:
            rank = NEEDS_REVIEW
        outcome = RANK[rank]
        if rank not in _PROCEEDS_RANKS:
            return {"outcome": outcome,
                    "target_segment": "ppu" if rank == REDIRECTED else segment,
                    "route": None, "required_documents": [],
                    "missing_documents": None if brought is None else [], "deadlines": {}}
        # the calendar: the channel open now, else the one that opens first
        us = (moment.hour * 3600 + moment.minute * 60 + moment.second) * 1_000_000 \
            + moment.microsecond
        counter = self._next_opening(COUNTER, day, us)
        group = self._next_opening(GROUP, day, us)
        start, channel = (counter, "counter") if counter <= group else (group, "online_group")
        deadlines = {"response_due": _iso(*self._response_due(*start))}
        if start != (day, us):
            deadlines["next_service_opening"] = _iso(*start)
        return {"outcome": outcome,
                "target_segment": None if rank == NEEDS_REVIEW else TARGET,
                "route": {"id": ROUTE, "channel": channel}, "required_documents": required,
                "missing_documents": missing, "deadlines": deadlines}


_FIRST_ORDINAL = FIRST_DAY.toordinal()
NEEDS_REVIEW, INELIGIBLE, ALREADY_REGISTERED, REDIRECTED, INCOMPLETE, ACCEPTED = (
    RANK.index(o) for o in ("needs_review", "ineligible", "already_registered", "redirected",
                            "incomplete", "accepted"))
_PROCEEDS_RANKS = frozenset(RANK.index(o) for o in PROCEEDS)


def _iso(day: int, us: int) -> str:
    """``datetime.isoformat`` of a WITA moment."""
    date = dt.date.fromordinal(day)
    seconds, micro = divmod(us, 1_000_000)
    return dt.datetime(date.year, date.month, date.day, seconds // 3600, seconds // 60 % 60,
                       seconds % 60, micro, WITA).isoformat()


def decision_of(result: dict[str, Any]) -> dict[str, Any]:
    """The same fields from a jknrules result (``Result.to_dict()``), to compare."""
    route = result["route"]
    return {"outcome": result["outcome"], "target_segment": result["target_segment"],
            "route": None if route is None else {"id": route["id"],
                                                 "channel": route["channel"]},
            "required_documents": [d["id"] if "id" in d else tuple(d["any_of"])
                                   for d in result["required_documents"]],
            "missing_documents": result["missing_documents"],
            "deadlines": result["deadlines"]}


# --- a table at a time, numpy and pyarrow --------------------------------------------

_NONE = -1


def _digits(data: np.ndarray, starts: np.ndarray, first: int, count: int) -> np.ndarray:
    out = np.zeros(len(starts), dtype=np.int64)
    for k in range(first, first + count):
        out = out * 10 + (data[starts + k].astype(np.int64) - 48)
    return out


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def local_microseconds(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``submitted_at`` texts (``YYYY-MM-DDTHH:MM:SS``, optionally ``.ffffff`` and an offset
    ``±HH:MM``) as WITA wall-clock microseconds since 1970-01-01, and a mask of the texts in
    another form (not handled)."""
    text = text.cast(pa.string()) if text.type != pa.string() else text
    n = len(text)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset:text.offset + n + 1]
    buffer = text.buffers()[2]
    # padded, so that reading a fixed position past a short text's end stays in bounds
    data = np.concatenate([np.frombuffer(buffer, dtype=np.uint8) if buffer is not None
                           else np.zeros(0, np.uint8), np.zeros(32, np.uint8)])
    starts = offsets[:-1].astype(np.int64)
    length = np.diff(offsets)
    odd = ~np.isin(length, (19, 25, 26, 32)) | text.is_null().to_numpy(zero_copy_only=False)
    starts = np.where(odd, 0, starts)
    days = _days_from_civil(_digits(data, starts, 0, 4), _digits(data, starts, 5, 2),
                            _digits(data, starts, 8, 2))
    seconds = (_digits(data, starts, 11, 2) * 3600 + _digits(data, starts, 14, 2) * 60
               + _digits(data, starts, 17, 2))
    us = (days * 86_400 + seconds) * 1_000_000
    fraction = (length == 26) | (length == 32)
    us += np.where(fraction, _digits(data, starts, 20, 6), 0)
    zoned = (length == 25) | (length == 32)
    zone_at = starts + length - 6
    sign = np.where(data[np.where(zoned, zone_at, 0)] == ord("-"), -1, 1)
    zone = sign * (_digits(data, np.where(zoned, zone_at, 0), 1, 2) * 60
                   + _digits(data, np.where(zoned, zone_at, 0), 4, 2))
    us += np.where(zoned, (8 * 60 - zone) * _MINUTE_US, 0)
    return us, odd


class _Days:
    """Per-day tables over a range of days: each channel's (and the service's) opening
    intervals, in microseconds after midnight, and its first opening from a day on."""

    def __init__(self, first: int, last: int, holidays_: frozenset[dt.date]) -> None:
        self.first = first
        days = np.arange(first, last + 402)
        epoch = dt.date(1970, 1, 1)
        hol = np.array([epoch + dt.timedelta(days=int(d)) in holidays_ for d in days])
        kind = np.where(hol, 7, (days + 3) % 7)
        self.tables = {}
        for name, hours in (*CHANNELS, ("service", UNION)):
            slots = np.full((8, 2, 2), _NONE, dtype=np.int64)
            for k, periods in enumerate(hours):
                for j, (a, b) in enumerate(periods):
                    slots[k, j] = (a * _MINUTE_US, b * _MINUTE_US)
            per_day = slots[kind]  # days × slot × (opens, closes)
            opens = np.where(per_day[:, 0, 0] >= 0, days * _DAY_US + per_day[:, 0, 0],
                             np.iinfo(np.int64).max)
            first_from = np.minimum.accumulate(opens[::-1])[::-1]
            self.tables[name] = (per_day, first_from)

    def next_opening(self, name: str, moment: np.ndarray) -> np.ndarray:
        per_day, first_from = self.tables[name]
        day, time = np.divmod(moment, _DAY_US)
        index = day - self.first
        out = first_from[index + 1]
        for j in (1, 0):  # the earlier interval wins
            a, b = per_day[index, j, 0], per_day[index, j, 1]
            out = np.where(a > time, moment - time + a, out)
            out = np.where((a <= time) & (time < b), moment, out)
        return out

    def response_due(self, start: np.ndarray) -> np.ndarray:
        """``start`` (inside the service's hours) + 33 minutes of service time; every
        interval is longer than 33 minutes, so the rest fits in the next one."""
        per_day, first_from = self.tables["service"]
        day, time = np.divmod(start, _DAY_US)
        index = day - self.first
        a0, b0, a1, b1 = (per_day[index, 0, 0], per_day[index, 0, 1], per_day[index, 1, 0],
                          per_day[index, 1, 1])
        duration = RESPONSE_MINUTES * _MINUTE_US
        in_first = (a0 <= time) & (time < b0)
        closes = np.where(in_first, b0, b1)
        rest = duration - (closes - time)
        later = np.where(in_first & (a1 >= 0), start - time + a1, first_from[index + 1])
        return np.where(rest <= 0, start + duration, later + rest)


def _field(column: pa.ChunkedArray | pa.Array, name: str) -> tuple[pa.Array, np.ndarray]:
    """A child of a struct column (null where the part is not given) and the part's
    validity."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    child = pc.struct_field(array, name)
    return child, valid


def _bools(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(value, given) of a bool column."""
    given = array.is_valid().to_numpy(zero_copy_only=False)
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False), given


def _equals(array: pa.Array, value: str) -> np.ndarray:
    return pc.fill_null(pc.equal(array, value), False).to_numpy(zero_copy_only=False)


class Decisions:
    """:func:`decide_table`'s columns as numpy arrays (and the two list columns as mask
    codes)."""

    outcome: np.ndarray  # index into RANK; -1 not handled
    segment: pa.Array
    channel: np.ndarray  # 0 counter, 1 online_group
    required: np.ndarray  # bit mask over DOCS (0 when the case does not proceed)
    missing: np.ndarray  # bit mask; -1 where the case gives no documents
    response_due: np.ndarray  # WITA wall-clock microseconds
    next_opening: np.ndarray  # idem; -1 when open at submission
    proceeds: np.ndarray


def decide_arrays(table: pa.Table, holidays_: frozenset[dt.date]) -> Decisions:
    n = table.num_rows
    local, odd = local_microseconds(table.column("submitted_at").combine_chunks())
    first_day = (dt.date(2025, 12, 31) - dt.date(1970, 1, 1)).days
    day = local // _DAY_US
    handled = ~odd & (day >= first_day)
    handled &= _equals(table.column("regency").combine_chunks(), "karangasem")
    handled &= pc.fill_null(pc.equal(table.column("request").combine_chunks(), "register"),
                            True).to_numpy(zero_copy_only=False)
    emergency, _ = _bools(_field(table.column("health"), "emergency")[0])
    inpatient_col, _ = _field(table.column("health"), "inpatient")
    inpatient, inpatient_given = _bools(inpatient_col)
    status_col, _ = _field(table.column("membership"), "status")
    segment_col, _ = _field(table.column("membership"), "segment")
    pbi = pc.fill_null(pc.is_in(segment_col, pa.array(PBI)), False).to_numpy(
        zero_copy_only=False)
    active, inactive = _equals(status_col, "active"), _equals(status_col, "inactive")
    ppu_segment = _equals(segment_col, "ppu")
    handled &= emergency & status_col.is_valid().to_numpy(zero_copy_only=False)
    handled &= segment_col.is_valid().to_numpy(zero_copy_only=False)
    handled &= ~_equals(segment_col, "pbpu_mandiri") & ~(inactive & pbi)
    domicile, _ = _field(table.column("applicant"), "domicile_regency")
    outside = pc.fill_null(pc.not_equal(domicile, "karangasem"), False).to_numpy(
        zero_copy_only=False)
    has_ktp, ktp_given = _bools(_field(table.column("applicant"), "has_ktp")[0])
    desil_col, welfare_given = _field(table.column("welfare"), "desil")
    desil = pc.fill_null(desil_col, 0).to_numpy(zero_copy_only=False)
    desil_null = welfare_given & desil_col.is_null().to_numpy(zero_copy_only=False)
    low = welfare_given & (desil >= 1) & (desil <= 5)
    high = welfare_given & (((desil >= 6) & (desil <= 10)) | desil_null)
    ppu_member, ppu_given = _bools(_field(table.column("household"), "has_ppu_member")[0])
    age_col, _ = _field(table.column("newborn"), "age_days")
    age_given = age_col.is_valid().to_numpy(zero_copy_only=False)
    young = pc.fill_null(pc.less(age_col, 28), False).to_numpy(zero_copy_only=False)
    parents, parents_given = _bools(_field(table.column("newborn"), "parents_registered")[0])
    stopped, stopped_given = _bools(
        _field(table.column("employment"), "deactivated_by_employer")[0])

    # three-valued conditions: (true, unknown)
    def all_(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        false = np.zeros(n, bool)
        unknown = np.zeros(n, bool)
        for true, unk in parts:
            false |= ~true & ~unk
            unknown |= unk
        return ~false & ~unknown, ~false & unknown

    no_ktp = (ktp_given & ~has_ktp, ~ktp_given)
    baby = all_(no_ktp, (age_given & young, ~age_given),
                (parents_given & ~parents, ~parents_given))
    letter = all_(no_ktp, (age_given & young, ~age_given),
                  (parents_given & parents, ~parents_given))
    stops = all_((inactive, np.zeros(n, bool)), (ppu_segment, np.zeros(n, bool)),
                 (stopped_given & stopped, ~stopped_given))
    unknown = (~ppu_given | ~welfare_given | baby[1] | letter[1] | stops[1])
    required = (1 | (np.where(ktp_given & ~has_ktp, 0, 2)) | np.where(high, 4, 0)
                | np.where(low, 8 | 16 | 32, 0) | np.where(letter[0], 64, 0)
                | np.where(stops[0], 128, 0)).astype(np.int64)
    docs = table.column("documents").combine_chunks()
    docs_given = docs.is_valid().to_numpy(zero_copy_only=False)
    # a document the route does not ask for is bit 8, dropped
    index = pc.fill_null(pc.index_in(pc.list_flatten(docs), pa.array(DOCS)), len(DOCS))
    bits = np.left_shift(1, index.to_numpy().astype(np.int64)) & 0xFF
    lengths = pc.fill_null(pc.list_value_length(docs), 0).to_numpy(zero_copy_only=False)
    brought = np.zeros(n, dtype=np.int64)
    filled = lengths > 0
    if bits.size:
        ends = np.cumsum(lengths)
        brought[filled] = np.bitwise_or.reduceat(bits, (ends - lengths)[filled])
    missing = np.where(docs_given, required & ~brought, -1)
    rank = np.full(n, RANK.index("accepted"))
    for outcome, mask in (("incomplete", missing > 0), ("redirected", ppu_given & ppu_member),
                          ("already_registered", active & (pbi | ppu_segment)),
                          ("ineligible", outside),
                          ("needs_review", (low & inpatient_given & ~inpatient) | baby[0]
                           | unknown)):
        rank = np.where(mask, RANK.index(outcome), rank)
    out = Decisions()
    out.proceeds = np.isin(rank, [RANK.index(o) for o in PROCEEDS]) & handled
    out.outcome = np.where(handled, rank, -1)
    target = np.where(rank == RANK.index("needs_review"), 0,
                      np.where(rank == RANK.index("redirected"), 1,
                               np.where(out.proceeds, 2, 3)))
    out.segment = pc.if_else(pa.array(target == 3), segment_col,
                             pa.array([None, "ppu", TARGET], pa.string()).take(
                                 pa.array(np.minimum(target, 2))))
    out.segment = pc.if_else(pa.array(handled), out.segment, pa.scalar(None, pa.string()))
    out.required = np.where(out.proceeds, required, 0)
    out.missing = np.where(docs_given, np.where(out.proceeds, missing, 0), -1)
    # calendar (for every row: cheaper than selecting the proceeding ones)
    safe = np.where(handled, local, first_day * _DAY_US)
    days = _Days(int(safe.min() // _DAY_US) if n else first_day,
                 int(safe.max() // _DAY_US) if n else first_day, holidays_)
    counter = days.next_opening("counter", safe)
    group = days.next_opening("online_group", safe)
    start = np.minimum(counter, group)
    out.channel = (group < counter).astype(np.int8)
    out.response_due = days.response_due(start)
    out.next_opening = np.where(start > safe, start, -1)
    return out


def _civil_from_days(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of days since 1970-01-01 (H. Hinnant's algorithm)."""
    z = z + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


_TIMES: list[np.ndarray] = []


def _times() -> np.ndarray:
    """``HH:MM:SS`` of every second of a day (made once)."""
    if not _TIMES:
        _TIMES.append(np.array([f"{s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}".encode()
                                for s in range(86_400)], dtype="S8"))
    return _TIMES[0]


def _iso_texts(local_us: np.ndarray) -> pa.Array:
    """ISO 8601 texts with the +08:00 offset, microseconds only where there are some (as
    ``datetime.isoformat``): fixed-width records gathered from tables of the days and of
    the seconds of a day, as the data buffer of an Arrow string array."""
    n = len(local_us)
    days, us = np.divmod(local_us, _DAY_US)
    seconds, micro = np.divmod(us, 1_000_000)
    first = int(days.min()) if n else 0
    year, month, day = _civil_from_days(np.arange(first, int(days.max()) + 1 if n else 1))
    dates = np.array([f"{y:04}-{m:02}-{d:02}T".encode() for y, m, d in
                      zip(year.tolist(), month.tolist(), day.tolist(), strict=True)],
                     dtype="S11")
    record = np.empty(n, dtype=[("date", "S11"), ("time", "S8"), ("zone", "S6")])
    record["date"] = dates[days - first]
    record["time"] = _times()[seconds]
    record["zone"] = b"+08:00"
    offsets = np.arange(0, 25 * n + 1, 25, dtype=np.int32)
    out = pa.StringArray.from_buffers(n, pa.py_buffer(offsets),
                                      pa.py_buffer(record.view(np.uint8)))
    fraction = micro != 0
    if fraction.any():
        rows = np.flatnonzero(fraction)
        longer = np.empty(len(rows), dtype=[("date", "S11"), ("time", "S8"), ("dot", "S1"),
                                            ("micro", "S6"), ("zone", "S6")])
        longer["date"] = dates[days[rows] - first]
        longer["time"] = _times()[seconds[rows]]
        longer["dot"] = b"."
        digits = np.empty((len(rows), 6), dtype=np.uint8)
        value = micro[rows]
        for k in range(5, -1, -1):
            digits[:, k] = 48 + value % 10
            value = value // 10
        longer["micro"] = digits.view("S6")[:, 0]
        longer["zone"] = b"+08:00"
        texts = pa.StringArray.from_buffers(
            len(rows), pa.py_buffer(np.arange(0, 32 * len(rows) + 1, 32, dtype=np.int32)),
            pa.py_buffer(longer.view(np.uint8)))
        out = pc.replace_with_mask(out, pa.array(fraction), texts)
    return out


def _moments(local_us: np.ndarray, valid: np.ndarray, typ: pa.DataType) -> pa.Array:
    mask = pa.array(~valid)
    if pa.types.is_timestamp(typ):
        utc = local_us - 8 * 3600 * 1_000_000
        moments = pa.array(utc, pa.timestamp("us", typ.tz)).cast(typ, safe=False)
        return pc.if_else(mask, pa.scalar(None, typ), moments)
    return pc.if_else(mask, pa.scalar(None, pa.string()), _iso_texts(local_us)).cast(typ)


def _lists(codes: np.ndarray, typ: pa.DataType) -> pa.Array:
    """A list column from bit masks over DOCS (-1: null), in the column type ``typ``."""
    element = typ.value_type
    table = []
    for mask in range(1 << len(DOCS)):
        ids = [d for k, d in enumerate(DOCS) if mask >> k & 1]
        table.append([{"id": d} for d in ids] if pa.types.is_struct(element) else ids)
    values = pa.array(table, typ)
    return values.take(pa.array(np.where(codes < 0, 0, codes), mask=codes < 0))


def decide_table(table: pa.Table, schema: pa.Schema, policy: dict[str, Any],
                 holidays_: frozenset[dt.date], first_row: int = 1) -> pa.Table:
    """The decision columns of ``table`` (cases) in ``schema`` (that of ``jknrules batch``'s
    output: a column this module does not write is null)."""
    d = decide_arrays(table, holidays_)
    n = table.num_rows
    proceeds = d.proceeds
    values: dict[str, Any] = {
        "row": pa.array(np.arange(first_row, first_row + n)),
        "outcome": pa.array([*RANK, None], pa.string()).take(
            pa.array(np.where(d.outcome < 0, len(RANK), d.outcome))),
        "target_segment": d.segment,
        "route.id": pc.if_else(pa.array(proceeds), pa.scalar(ROUTE), pa.scalar(None, pa.string())),
        "route.channel": pa.array(["counter", "online_group"]).take(pa.array(d.channel)),
        "required_documents": d.required,
        "missing_documents": d.missing,
        "deadlines.response_due": (d.response_due, proceeds),
        "deadlines.next_service_opening": (d.next_opening, proceeds & (d.next_opening >= 0)),
        # jknrules batch's Parquet output names each row's zone (Karangasem: WITA)
        "timezone": pa.repeat(pa.scalar("Asia/Makassar"), n),
    }
    valid = {"route": proceeds}
    for key, value in policy.items():
        values[f"policy.{key}"] = pa.repeat(pa.scalar(value, pa.string()), n)

    def build(name: str, typ: pa.DataType) -> pa.Array:
        if pa.types.is_struct(typ):
            children = [build(f"{name}.{f.name}", f.type) for f in typ]
            mask = valid.get(name)
            return pa.StructArray.from_arrays(
                children, fields=list(typ), mask=None if mask is None else pa.array(~mask))
        value = values.get(name)
        if value is None:
            return pa.nulls(n, typ)
        if isinstance(value, tuple):
            return _moments(value[0], value[1], typ)
        if isinstance(value, np.ndarray):
            return _lists(value, typ)
        return value.cast(typ) if value.type != typ else value

    return pa.Table.from_arrays([build(f.name, f.type) for f in schema], schema=schema)


def run_file(source: Path, target: Path, like: Path, rows: int = 262_144) -> int:
    """Decide a Parquet file of cases ``rows`` at a time into ``target`` (Parquet, with the
    schema of ``like``); the number of rows."""
    schema = pq.read_schema(like)
    first = pq.read_table(like).slice(0, 1).to_pylist()[0]["policy"]
    # jknrules' writer settings, as its file shows them: dictionary pages and statistics
    # for the same columns
    group = pq.ParquetFile(like).metadata.row_group(0)
    leaves = [group.column(i) for i in range(group.num_columns)]
    dictionary = [c.path_in_schema for c in leaves if "RLE_DICTIONARY" in c.encodings]
    statistics = [c.path_in_schema for c in leaves if c.is_stats_set]
    days = holiday_dates()
    done = 0
    with pq.ParquetWriter(target, schema, use_dictionary=dictionary,
                          write_statistics=statistics) as writer:
        for batch in pq.ParquetFile(source).iter_batches(batch_size=rows):
            out = decide_table(pa.Table.from_batches([batch]), schema, first, days, done + 1)
            writer.write_table(out)
            done += batch.num_rows
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--like", type=Path, required=True,
                        help="an output of jknrules batch (its columns and policy)")
    parser.add_argument("--rows", type=int, default=262_144)
    args = parser.parse_args()
    n = run_file(args.source, args.target, args.like, args.rows)
    print(f"{n} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
