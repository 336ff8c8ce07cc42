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
    for length in np.unique(lengths):
        if int(length) not in _FORMS:
            continue
        length = int(length)
        fraction, form = _FORMS[length]
        rows = np.nonzero(lengths == length)[0]
        contiguous = len(rows) == n and (n == 1 or bool(np.all(np.diff(starts) == length)))
        if contiguous:
            first = int(starts[0])
            block = data[first:first + n * length].reshape(n, length)
        else:
            block = data[starts[rows][:, None] + np.arange(length)]
        c = block.astype(np.int32) - 48
        digits_ok = np.ones(len(rows), dtype=bool)
        pattern = _TEMPLATE + (".dddddd" if fraction else "") + \
            ("Z" if form == "Z" else "sdd:dd" if form == "+" else "")
        for k, ch in enumerate(pattern):
            if ch == "d":
                digits_ok &= (c[:, k] >= 0) & (c[:, k] <= 9)
            elif ch == "s":
                digits_ok &= (block[:, k] == ord("+")) | (block[:, k] == ord("-"))
            else:
                digits_ok &= block[:, k] == ord(ch)
        year = c[:, 0] * 1000 + c[:, 1] * 100 + c[:, 2] * 10 + c[:, 3]
        month = c[:, 5] * 10 + c[:, 6]
        day = c[:, 8] * 10 + c[:, 9]
        hour = c[:, 11] * 10 + c[:, 12]
        minute = c[:, 14] * 10 + c[:, 15]
        second = c[:, 17] * 10 + c[:, 18]
        micro = np.zeros(len(rows), dtype=np.int64)
        if fraction:
            for k in range(20, 26):
                micro = micro * 10 + c[:, k]
        valid = digits_ok & (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & \
            (minute <= 59) & (second <= 59) & (year >= 1)
        off = np.zeros(len(rows), dtype=np.int64)
        if form == "+":
            at = 26 if fraction else 19
            off_h = c[:, at + 1] * 10 + c[:, at + 2]
            off_m = c[:, at + 4] * 10 + c[:, at + 5]
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


def iso_bytes(us: np.ndarray, offset_text: np.ndarray, valid: np.ndarray) -> pa.Array:
    """``datetime.isoformat()`` of local moments, ``YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM``;
    ``offset_text`` holds each row's offset (``b"+08:00"``); rows not ``valid`` are null."""
    n = len(us)
    rows = np.nonzero(valid)[0]
    us = us[rows]
    days = np.floor_divide(us, US_PER_DAY)
    tod = us - days * US_PER_DAY
    y, m, d = civil_from_days(days)
    secs, micro = np.divmod(tod, 1_000_000)
    hh, rest = np.divmod(secs, 3600)
    mm, ss = np.divmod(rest, 60)
    out = np.zeros((len(rows), 32), dtype=np.uint8)

    def put(col: int, value: np.ndarray, width: int) -> None:
        for k in range(width - 1, -1, -1):
            value, digit = np.divmod(value, 10)
            out[:, col + k] = _DIGITS[digit]

    put(0, y, 4)
    out[:, 4] = out[:, 7] = ord("-")
    put(5, m, 2)
    put(8, d, 2)
    out[:, 10] = ord("T")
    put(11, hh, 2)
    out[:, 13] = out[:, 16] = ord(":")
    put(14, mm, 2)
    put(17, ss, 2)
    has_micro = micro != 0
    out[:, 19] = ord(".")
    put(20, micro, 6)
    offsets6 = np.ascontiguousarray(offset_text[rows]).view(np.uint8).reshape(len(rows), 6)
    out[:, 26:32] = offsets6
    plain = ~has_micro
    out[plain, 19:25] = offsets6[plain]
    lengths = np.zeros(n, dtype=np.int32)
    lengths[rows] = np.where(has_micro, 32, 25)
    mask = np.arange(32)[None, :] < lengths[rows][:, None]
    data = out[mask]
    ends = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=ends[1:])
    bitmap = None if len(rows) == n else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(ends), pa.py_buffer(data.tobytes()),
                                       bitmap, n - len(rows))


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
