"""Time over arrays: local wall-clock microseconds, ISO 8601 in and out.

A moment is an ``int64`` count of microseconds since 1970-01-01T00:00 *local wall
clock* of the regency. Every zone the policies use has had one fixed offset since
long before the first policy version; :func:`fixed_offset` checks that for the days
a chunk needs, and rows outside it go to the scalar evaluator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
from numpy.lib.stride_tricks import sliding_window_view

US_PER_DAY = 86_400_000_000
EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def date_of(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


def iso_one(us: int, offset_text: bytes) -> str:
    """:func:`iso_bytes` of one moment, through ``datetime.isoformat``."""
    text = offset_text.decode()
    sign = -1 if text[0] == "-" else 1
    zone = dt.timezone(sign * dt.timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))
    return (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)).replace(
        tzinfo=zone).isoformat()


def to_us(moment: dt.datetime) -> int:
    """The local wall-clock microseconds of an aware (or naive local) datetime."""
    naive = moment.replace(tzinfo=None)
    delta = naive - dt.datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def fixed_offset(zone: ZoneInfo, first_day: int, last_day: int) -> int | None:
    """The zone's UTC offset in microseconds if it is the same on every day in the range."""
    seen = set()
    for number in range(first_day - 1, last_day + 2):
        day = date_of(number)
        for time in (dt.time(0), dt.time(12), dt.time(23, 59)):
            offset = zone.utcoffset(dt.datetime.combine(day, time))
            seen.add(offset)
            if len(seen) > 1:
                return None
    (offset,) = seen
    assert offset is not None
    return (offset.days * 86_400 + offset.seconds) * 1_000_000


_FORMS = {  # length -> (fraction digits, offset form: "" naive, "Z", "+")
    19: (False, ""), 20: (False, "Z"), 25: (False, "+"),
    26: (True, ""), 27: (True, "Z"), 32: (True, "+"),
}
_LONGEST = max(_FORMS)
_TEMPLATE = "dddd-dd-ddTdd:dd:dd"


def parse_iso(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]`` -> (wall µs, offset µs, kind) where kind is
    0 = not parsed here (other forms go to the scalar path), 1 = naive, 2 = with an offset."""
    n = len(text)
    wall = np.zeros(n, dtype=np.int64)
    offset = np.zeros(n, dtype=np.int64)
    kind = np.zeros(n, dtype=np.int8)
    if n == 0 or text.null_count == n:
        return wall, offset, kind
    ends = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset:text.offset + n + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    starts = ends[:-1]
    lengths = np.diff(ends)
    if text.null_count:
        lengths = np.where(text.is_valid().to_numpy(zero_copy_only=False), lengths, 0)
    # the lengths met (a count per length up to the longest form: no sort)
    met = np.flatnonzero(np.bincount(np.minimum(lengths, _LONGEST + 1)))
    for length in map(int, met):
        if length not in _FORMS:
            continue
        fraction, form = _FORMS[length]
        rows = np.nonzero(lengths == length)[0]
        contiguous = len(rows) == n and (n == 1 or bool(np.all(np.diff(starts) == length)))
        if contiguous:
            first = int(starts[0])
            block = data[first:first + n * length].reshape(n, length)
        else:  # each row's bytes, gathered through a view of every window of them
            block = sliding_window_view(data, length)[starts[rows]]
        pattern = _TEMPLATE + (".dddddd" if fraction else "") + \
            ("Z" if form == "Z" else "sdd:dd" if form == "+" else "")
        digits, fixed, fixed_chars = _layout(pattern)
        c = block - np.uint8(48)  # a digit is 0…9, anything else wraps above 9
        digits_ok = (c[:, digits] <= 9).all(axis=1)
        if len(fixed):
            digits_ok &= (block[:, fixed] == fixed_chars).all(axis=1)
        if form == "+":
            at = 26 if fraction else 19
            digits_ok &= (block[:, at] == ord("+")) | (block[:, at] == ord("-"))
        year = _number(c, 0, 4)
        month = _number(c, 5, 2)
        day = _number(c, 8, 2)
        hour = _number(c, 11, 2)
        minute = _number(c, 14, 2)
        second = _number(c, 17, 2)
        micro = _number(c, 20, 6) if fraction else np.zeros(len(rows), dtype=np.int64)
        valid = digits_ok & (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & \
            (minute <= 59) & (second <= 59) & (year >= 1)
        off = np.zeros(len(rows), dtype=np.int64)
        if form == "+":
            at = 26 if fraction else 19
            off_h = _number(c, at + 1, 2)
            off_m = _number(c, at + 4, 2)
            sign = np.where(block[:, at] == ord("-"), -1, 1)
            off = sign * (off_h * 3600 + off_m * 60).astype(np.int64) * 1_000_000
            valid &= (off_h <= 23) & (off_m <= 59)
        days = days_from_civil(year.astype(np.int64), month.astype(np.int64),
                               day.astype(np.int64))
        _, m2, d2 = civil_from_days(days)
        valid &= (m2 == month) & (d2 == day)
        wall[rows] = days * US_PER_DAY + ((hour * 60 + minute) * 60 + second).astype(
            np.int64) * 1_000_000 + micro
        offset[rows] = off
        kind[rows] = np.where(valid, 2 if form else 1, 0)
    return wall, offset, kind


def _layout(pattern: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The digit columns of a pattern, and its fixed columns with their characters (the
    sign, ``s``, is checked apart)."""
    digits = [k for k, ch in enumerate(pattern) if ch == "d"]
    fixed = [k for k, ch in enumerate(pattern) if ch not in "ds"]
    return (np.array(digits, dtype=np.intp), np.array(fixed, dtype=np.intp),
            np.frombuffer("".join(pattern[k] for k in fixed).encode(), dtype=np.uint8))


_WEIGHTS = 10 ** np.arange(5, -1, -1, dtype=np.int64)


def _number(c: np.ndarray, at: int, width: int) -> np.ndarray:
    """The decimal number in columns ``at``… of digit values ``c``."""
    out: np.ndarray = c[:, at:at + width] @ _WEIGHTS[6 - width:]
    return out


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    out: np.ndarray = era * 146097 + doe - 719468
    return out


def civil_from_days(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = z + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    return y + (m <= 2), m, d


_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def _digits(value: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative ints, as an (n, width) uint8 array."""
    out = np.empty((len(value), width), dtype=np.uint8)
    for k in range(width - 1, -1, -1):
        value, digit = np.divmod(value, 10)
        out[:, k] = _DIGITS[digit]
    return out


#: "HH:MM" of every minute of a day, and "SS" of every second of a minute
_HHMM = np.concatenate([_digits(np.arange(1440) // 60, 2),
                        np.full((1440, 1), ord(":"), dtype=np.uint8),
                        _digits(np.arange(1440) % 60, 2)], axis=1)
_SS = _digits(np.arange(60), 2)
#: widest span of days formatted through a table of dates (wider: digit by digit)
_DATE_TABLE_DAYS = 1 << 16


def _dates(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` of day numbers as an (n, 10) uint8 array, through a table of the
    days between the first and the last one when that span is small."""
    lo, hi = int(days.min()), int(days.max())
    span = hi - lo + 1
    table_days = np.arange(lo, hi + 1) if span <= _DATE_TABLE_DAYS else days
    y, m, d = civil_from_days(table_days)
    table = np.empty((len(table_days), 10), dtype=np.uint8)
    table[:, 0:4] = _digits(y, 4)
    table[:, 4] = table[:, 7] = ord("-")
    table[:, 5:7] = _digits(m, 2)
    table[:, 8:10] = _digits(d, 2)
    if span > _DATE_TABLE_DAYS:
        return table
    out: np.ndarray = table[days - lo]
    return out


def iso_bytes(us: np.ndarray, offset_text: np.ndarray, valid: np.ndarray) -> pa.Array:
    """``datetime.isoformat()`` of local moments, ``YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM``;
    ``offset_text`` holds each row's offset (``b"+08:00"``); rows not ``valid`` are null.
    The date, the hour and minute and the second come from tables (a moment's text is
    three lookups, the microseconds digit by digit where there are any)."""
    n = len(us)
    rows = np.nonzero(valid)[0]
    m = len(rows)
    if m == 0:
        return pa.nulls(n, pa.string())
    us = us[rows]
    days = np.floor_divide(us, US_PER_DAY)
    tod = us - days * US_PER_DAY
    secs, micro = np.divmod(tod, 1_000_000)
    minute, second = np.divmod(secs, 60)
    offsets6 = np.ascontiguousarray(offset_text[rows]).view(np.uint8).reshape(m, 6)
    has_micro = micro != 0
    wide = bool(has_micro.any())
    out = np.empty((m, 32 if wide else 25), dtype=np.uint8)
    out[:, 0:10] = _dates(days)
    out[:, 10] = ord("T")
    out[:, 11:16] = _HHMM[minute]
    out[:, 16] = ord(":")
    out[:, 17:19] = _SS[second]
    out[:, 19:25] = offsets6
    lengths = np.zeros(n, dtype=np.int32)
    lengths[rows] = 25
    if wide:
        at = np.nonzero(has_micro)[0]
        out[at, 19] = ord(".")
        out[at, 20:26] = _digits(micro[at], 6)
        out[at, 26:32] = offsets6[at]
        lengths[rows[at]] = 32
        data = out[np.arange(32)[None, :] < lengths[rows][:, None]].tobytes()
    else:
        data = out.tobytes()
    ends = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=ends[1:])
    bitmap = None if m == n else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(ends), pa.py_buffer(data),
                                       bitmap, n - m)


def per_day(days: np.ndarray, fn: Callable[[int], int],
            memo: dict[int, int] | None = None) -> np.ndarray:
    """``fn`` (of a day number) for every element, called once per distinct day (and, with
    ``memo``, once per run)."""
    if len(days) == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = int(days.min()), int(days.max())
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[days - lo] = True
    table = np.zeros(hi - lo + 1, dtype=np.int64)
    memo = {} if memo is None else memo
    for k in np.nonzero(present)[0]:
        number = lo + int(k)
        found = memo.get(number)
        if found is None:
            found = memo[number] = fn(number)
        table[k] = found
    out: np.ndarray = table[days - lo]
    return out
