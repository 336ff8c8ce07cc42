"""Bounded memos: tables of pure functions that drop what was not used lately, shared
between threads.

The evaluator memoises values that are pure functions of their key: a day's opening
intervals, a date shift, the intake window of a day, what a version's facts decide.
Each memo belongs to an object of one ``PolicySet`` (never to a module) and holds at
most ``limit`` entries, so memory stays flat however many distinct days or fact
combinations are evaluated. Half of each limit below is above what three years of
cases use (``docs/performance.md``, "Memory when every case brings a new day").

What is dropped: the least recently used, by generations (an approximate LRU, as a
segmented or "2Q" cache is). New entries go into the young generation; when it holds
half the limit, it becomes the old one and the old one is dropped whole. A hit in the
old generation moves the entry back into the young one, so an entry used at least
once in every generation stays. A hit in the young generation is one
``dict.get``; an exact LRU's move-to-end on every hit cost about 9 % of a single
evaluation, this about 2 % (measured; see performance.md).

Threads: a writer holds the memo's lock while it inserts and swaps generations, so the
memo never exceeds its limit. A reader takes no lock: it reads one of two plain dicts
(a lookup is atomic, with or without the GIL) and an entry is stored in one assignment
and never mutated, so a reader finds a whole entry or none, never a torn one; a reader
that races a swap may miss an entry and compute it again. Two threads missing the same
key both compute it; the first value stored is kept and, the function being pure,
equals the other.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: opening intervals per (hours, day) and date shifts per (day, months, days, working
#: days), per regency calendar: years of days on every channel's hours
CALENDAR_LIMIT = 1 << 13
#: previous working days (one per cut-off day reached), per regency calendar
WORKING_BEFORE_LIMIT = 1 << 10
#: holiday tables, per calendar and language (one per year)
YEARS_LIMIT = 64
#: day-level calendar values of a service (intake window per day, cut-off per month and day)
SERVICE_LIMIT = 1 << 12
#: a version's ``result.policy`` blocks (one per service and policy file)
REFS_LIMIT = 64
#: what a version's facts decide, per combination of the values of the fields it reads
VERSION_LIMIT = 1 << 13
#: missing documents and their reason, per (required list, documents brought), per version
MISSING_LIMIT = 1 << 12
#: a version's distinct lists of required documents (one per content; far fewer than the
#: combinations of facts that ask for them)
LISTS_LIMIT = 1 << 10


class Memo(Generic[K, V]):
    """A table of at most ``limit`` entries that drops those not used lately (see the
    module's docstring); values are never ``None``."""

    __slots__ = ("_half", "_lock", "_old", "dropped", "limit", "young")

    def __init__(self, limit: int) -> None:
        if limit < 2:
            raise ValueError(f"a memo keeps at least two entries, not {limit}")
        self.limit = limit
        self._half = limit // 2
        #: the young generation: a caller on a hot path may look a key up here first
        #: (one ``dict.get``, no method call) and call :meth:`get` when it is not there
        self.young: dict[K, V] = {}
        self._old: dict[K, V] = {}
        self._lock = threading.Lock()
        #: entries dropped so far (for tests and measurements)
        self.dropped = 0

    def get(self, key: K) -> V | None:
        """The value stored for ``key``, or ``None``."""
        found = self.young.get(key)
        if found is None:
            found = self._old.get(key)
            if found is not None:  # used again: into the young generation
                return self.put(key, found)
        return found

    def put(self, key: K, value: V) -> V:
        """Store ``value`` for ``key`` unless a value is there already; return the stored
        one."""
        with self._lock:
            young = self.young
            found = young.get(key)
            if found is None:
                # a value of the old generation is kept and moves: one generation holds a key
                found = self._old.pop(key, None)
                if found is None:
                    found = value
                young[key] = found
                if len(young) >= self._half:
                    self.dropped += len(self._old)
                    self._old = young
                    self.young = {}
        return found

    def __len__(self) -> int:
        return len(self.young) + len(self._old)

    def __contains__(self, key: object) -> bool:
        return key in self.young or key in self._old

    def __repr__(self) -> str:
        return f"Memo({len(self)}/{self.limit})"
