"""The vectorised path: the decision columns of many cases at once, identical to the
scalar evaluator's.

How: the coder (``coding``) turns a chunk into per-row codes; the plan of each policy
version (``plan``, generated from the compiled IR the scalar evaluator runs) decides
route, rules, requirements, missing documents and outcome over arrays; the calendar
(``vcalendar``) gives channel, window and deadlines over arrays. The output columns are
then built per distinct combination of (version, outcome, target segment, route and
channel, required documents) — a few hundred in a chunk of a quarter million rows — and
taken per row (``assembly``). No scalar evaluation happens for these rows. Rows the
codes cannot carry exactly, rows of a version the plan cannot express (``uncoded``) and
rows whose deadlines lie past the calendar arrays built go to the scalar path, counted in
``stats``. ``tests/test_vectorised.py`` checks the whole against the scalar evaluator on
the shipped policies, every fixture policy and a generated family of policies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from jknrules.batch.assembly import Assembly
from jknrules.batch.cases import Chunk
from jknrules.batch.coding import DOC_IDS, Coder, Keys
from jknrules.batch.plan import (
    OUTSIDE,
    PROCEEDS,
    Codes,
    ServicePlan,
    Tables,
    Unsupported,
    VersionPlan,
    decide,
    missing_list,
    plan_service,
    requirement_items,
    target_segment,
)
from jknrules.batch.scalar import RowError
from jknrules.batch.schema import decision_schema
from jknrules.batch.vcalendar import NONE, Intervals, service_times
from jknrules.engine.ir import CompiledPolicy
from jknrules.engine.memo import Memo
from jknrules.language.vocab import DEADLINES, OUTCOME_PRECEDENCE, SEGMENTS
from jknrules.load.policyset import PolicySet

__all__ = ["DOC_IDS", "GROUP_LIMIT", "Decider"]

#: output rows kept between chunks, one per combination of version, outcome, target
#: segment, route and channel, and required documents (what was not used lately is
#: dropped and built again when it comes back)
GROUP_LIMIT = 1 << 13
#: bits a combined key may use before it is renumbered (``_combine``)
_KEY_BITS = 40


class Decider:
    """Decides chunks against a policy set. Holds the plans of every policy version, the
    code books and bounded memos for the run (use one per thread or process)."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self.compiled: list[CompiledPolicy] = list(policies)
        self.coder = Coder(self.compiled)
        self.tables = Tables(self.coder)
        self.max_versions = self.coder.max_versions
        #: service plans by number, and the plan of each (policy, version); ``None``: the
        #: plan cannot express the version (its rows go to the scalar path)
        self.services: list[ServicePlan] = []
        self.plans: list[VersionPlan | None] = []
        for policy in self.compiled:
            numbers: dict[int, ServicePlan] = {}
            for vi in range(self.max_versions):
                self.plans.append(self._plan(policy, vi, numbers)
                                  if vi < len(policy.versions) else None)
        self.service_target = np.array([s.target for s in self.services] or [-1],
                                       dtype=np.int64)
        self.intervals = Intervals()
        #: each regency's time zone (the Parquet form's ``timezone`` column)
        self.zones: dict[str, str] = {p.policy.regency: p.policy.time_zone
                                      for p in self.compiled}
        #: an output row per combination (``_row``), bounded
        self.rows: Memo[tuple[int, ...], dict[str, Any]] = Memo(GROUP_LIMIT)
        #: rows the scalar path decided, and among them the rows of a version the plan
        #: cannot express; rows whose deadlines lie past the calendar arrays built
        self.stats = {"rows_scalar": 0, "rows_uncoded": 0, "rows_calendar": 0}

    def _plan(self, policy: CompiledPolicy, vi: int, numbers: dict[int, ServicePlan]
              ) -> VersionPlan | None:
        version = policy.versions[vi]
        try:
            services = []
            for service in version.services:
                found = numbers.get(id(service))
                if found is None:
                    found = plan_service(service, len(self.services), self.tables)
                    if len(service.channels) > 15:
                        raise Unsupported("more than 15 channels")
                    numbers[id(service)] = found
                    self.services.append(found)
                services.append(found)
        except Unsupported:
            return None
        return VersionPlan(version, tuple(services))

    # --- the chunk ---------------------------------------------------------------
    def decide(self, chunk: Chunk, parquet: bool = False,
               text: bool = False) -> tuple[pa.Table, list[RowError]]:
        """The decision columns of every row of the chunk, and the rows refused;
        ``parquet``: in the form the Parquet writer takes (``assembly.parquet_form``:
        deadlines as instants, the ``timezone`` column, text leaves as dictionaries);
        ``text``: in the form the JSON Lines and CSV writers take (``assembly.text_form``:
        the columns other than ``row`` and ``deadlines`` as dictionaries of the chunk's
        combinations)."""
        fallback = chunk.fallback.copy()
        for i in chunk.bad:
            fallback[i] = True
        keys = self.coder.keys(chunk, fallback)
        pv = keys.policy_index * self.max_versions + keys.version
        unplanned = np.array([p is None for p in self.plans], dtype=bool)[pv] & ~fallback
        self.stats["rows_uncoded"] += int(unplanned.sum())
        fallback |= unplanned
        sel = np.nonzero(~fallback)[0]
        result = Assembly(chunk.length)
        if len(sel):
            self._decide_rows(sel, pv[sel], keys, fallback, result)
        return result.table(self, chunk, fallback, self.zones if parquet else None, text)

    def _decide_rows(self, sel: np.ndarray, pv: np.ndarray, keys: Keys, fallback: np.ndarray,
                     out: Assembly) -> None:
        count = len(sel)
        service = np.full(count, -1, dtype=np.int64)
        rank = np.zeros(count, dtype=np.int64)
        segment = np.full(count, -1, dtype=np.int64)
        items = np.zeros(count, dtype=np.int64)
        listed = np.full(count, -1, dtype=np.int64)
        unmet = np.zeros(count, dtype=np.int64)
        undecided = np.zeros(count, dtype=bool)
        have, given = keys.docs[sel], keys.docs_given[sel]
        every = Codes(keys.codes, None if count == len(keys.version) else sel, count)
        for value in np.unique(pv):
            plan = self.plans[int(value)]
            assert plan is not None
            rows = np.nonzero(pv == value)[0]
            d = decide(plan, every.sub(rows), have[rows], given[rows])
            service[rows], rank[rows], segment[rows] = d.service, d.rank, d.segment
            items[rows], listed[rows], unmet[rows] = d.items, d.listed, d.unmet
            undecided[rows] = d.undecided
        # the calendar, per service
        channel = np.full(count, -1, dtype=np.int64)
        values = np.full((len(DEADLINES), count), NONE, dtype=np.int64)
        unsure = np.zeros(count, dtype=bool)
        for number in np.unique(service[service >= 0]):
            sp = self.services[int(number)]
            rows = np.nonzero(service == number)[0]
            policy = self.compiled[int(keys.policy_index[sel[rows[0]]])]
            times = service_times(policy.calendar, sp.service, keys.local[sel[rows]],
                                  self.intervals)
            channel[rows] = times.channel
            unsure[rows] = times.unsure
            # outside the window binds over a less binding rule outcome, whose segment goes
            # with it (no rule gives outside_intake_window)
            outside = (times.inside == 0) & (rank[rows] > OUTSIDE)
            rank[rows[outside]] = OUTSIDE
            segment[rows[outside]] = -1
            for k, name in enumerate(DEADLINES):
                if name in times.deadlines:
                    values[k, rows] = times.deadlines[name]
        self.stats["rows_calendar"] += int(unsure.sum())
        fallback[sel[unsure]] = True
        kept = np.nonzero(~unsure)[0]
        if not len(kept):
            return
        whole = len(kept) == count

        def pick(array: np.ndarray) -> np.ndarray:
            """The kept rows of ``array`` (its last axis)."""
            return array if whole else array[..., kept]

        current = keys.codes["membership.segment"][sel] - 2  # -1, -2: not given
        target = target_segment(rank, segment, np.where(
            service >= 0, self.service_target[np.maximum(service, 0)], -1),
            np.maximum(current, -1))
        proceeds = (service >= 0) & PROCEEDS[rank]
        shown = proceeds | undecided
        # the output row of each combination
        route = np.where(proceeds, (service + 1) * 16 + channel + 1, 0)
        required = np.where(shown, ((listed + 1) << _KEY_BITS) | items, 0)
        combo, n_groups = _combine([(pv, len(self.plans)), (rank, len(OUTCOME_PRECEDENCE)),
                                    (target + 1, len(SEGMENTS) + 1),
                                    (route, (len(self.services) + 1) * 16),
                                    (required, None)], pick)
        g_index, reps = _first_of(combo, n_groups)
        rows_out = [self._row(int(pv[i]), int(rank[i]), int(target[i]), int(service[i]),
                              int(channel[i]), bool(proceeds[i]), int(listed[i]),
                              int(items[i]), bool(shown[i])) for i in map(int, kept[reps])]
        table = pa.Table.from_pylist(rows_out, schema=decision_schema())
        # missing documents: 0 none given, 1 none listed, 2… per (listed, unmet)
        pair = pick(np.where(given & shown, ((listed + 1) << _KEY_BITS) | unmet, -1))
        encoded = pa.array(pair).dictionary_encode()
        p_index = encoded.indices.to_numpy()
        lists: list[list[str] | None] = []
        for key in encoded.dictionary.to_numpy(zero_copy_only=False):
            key = int(key)
            lists.append([] if key < 0 else missing_list(
                self.services[(key >> _KEY_BITS) - 1], key & ((1 << _KEY_BITS) - 1)))
        missing_index = np.where(~pick(given), 0, p_index + 2)
        values = pick(values)
        present = (values != NONE) & pick(proceeds)
        out.add(pick(sel), g_index, table, present, values,
                keys.offset_text[pick(sel)], keys.offset_us[pick(sel)], missing_index, lists)

    def _row(self, pv: int, rank: int, target: int, service: int, channel: int,
             proceeds: bool, listed: int, items: int, shown: bool) -> dict[str, Any]:
        """The decision columns a combination gives (``missing_documents`` and
        ``deadlines`` are per row: ``assembly`` fills them)."""
        key = (pv, rank, target, service if proceeds else -1, channel if proceeds else -1,
               listed if shown else -1, items if shown else 0)
        found = self.rows.get(key)
        if found is not None:
            return found
        plan = self.plans[pv]
        assert plan is not None
        version = plan.version
        policy = self.compiled[pv // self.max_versions]
        route = None
        if proceeds:
            sp = self.services[service]
            route = {"id": sp.service.route,
                     "channel": sp.service.channels[channel].id if channel >= 0 else None}
        row = {
            "row": 0,
            "policy": {"regency": policy.policy.regency,
                       "version": version.effective_from.isoformat(),
                       "effective_from": version.effective_from.isoformat(),
                       "sha256": version.sha256},
            "outcome": OUTCOME_PRECEDENCE[rank],
            "target_segment": SEGMENTS[target] if target >= 0 else None,
            "route": route,
            "required_documents": requirement_items(self.services[listed], items)
            if shown and listed >= 0 else [],
            "missing_documents": None,
            "deadlines": {},
            "error": None,
        }
        return self.rows.put(key, row)


def _combine(parts: list[tuple[np.ndarray, int | None]],
             pick: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, int]:
    """One small integer per row ``pick`` keeps for the combination of ``parts`` (each an
    array and the number of values it takes, ``None``: any int64), and how many there
    are. The running key is renumbered (``dictionary_encode``) whenever another part
    would not fit in :data:`_KEY_BITS` bits."""
    key = np.zeros(len(pick(parts[0][0])), dtype=np.int64)
    size = 1
    for values, radix in parts:
        part = pick(values)
        if radix is None:
            encoded = pa.array(part).dictionary_encode()
            part, radix = encoded.indices.to_numpy().astype(np.int64), len(encoded.dictionary)
        if size * radix >= 1 << _KEY_BITS:
            encoded = pa.array(key).dictionary_encode()
            key, size = encoded.indices.to_numpy().astype(np.int64), len(encoded.dictionary)
        key = key * radix + part
        size *= max(radix, 1)
    encoded = pa.array(key).dictionary_encode()
    return encoded.indices.to_numpy().astype(np.int64), len(encoded.dictionary)


def _first_of(index: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """``index`` and, per group, a position holding it."""
    reps = np.empty(groups, dtype=np.int64)
    reps[index] = np.arange(len(index))
    return index, reps
