"""The vectorised path: the decision columns of many cases at once, identical to the
scalar evaluator's.

How: rows are grouped by everything the decision fields depend on — the row's key
from ``coding`` (policy version and the codes of the fields its conditions read),
whether documents were given and any required one is missing, the channel chosen,
whether the service is closed and whether the day is inside the intake window. One
representative per group goes through the scalar evaluator; the group's outcome,
segment, route and required documents are its. Missing documents are built per row
from the unmet requirements, deadlines over arrays (``vcalendar``); both are
compared with the representative's scalar result, and a group that disagrees, like
any row the codes cannot carry exactly, is decided by the scalar path
(``assembly``). Memos are kept for the run, so each group is evaluated once.
``tests/test_vectorised.py`` checks the whole against the scalar evaluator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from jknrules.batch.assembly import Assembly
from jknrules.batch.cases import Chunk
from jknrules.batch.coding import DOC_BIT, DOC_IDS, Coder
from jknrules.batch.scalar import RowError
from jknrules.batch.schema import decision_row, decision_schema
from jknrules.batch.vcalendar import NONE, Intervals, service_times
from jknrules.batch.vtime import iso_one
from jknrules.engine.evaluator import evaluate_compiled, requirements, run_rules, select_service
from jknrules.engine.ir import CompiledPolicy, CService
from jknrules.engine.state import Work
from jknrules.errors import JknrulesError
from jknrules.language.case import Case, case_facts
from jknrules.language.vocab import DEADLINES
from jknrules.load.loader import case_from_data
from jknrules.load.policyset import PolicySet

__all__ = ["DOC_IDS", "Decider"]


@dataclass(frozen=True, slots=True)
class _Facts:
    """What a row's facts decide: the service (-1 none, -2 the scalar path decides: an invalid
    case, or a route the facts cannot choose yet, whose common documents are listed) and its
    required
    documents (ids, and bit masks of them)."""

    service: int
    masks: list[int]
    ids: list[list[str]]
    case: Case | None = None


@dataclass(frozen=True, slots=True)
class _Group:
    row: dict[str, Any]
    present: tuple[bool, ...]
    proceeds: bool
    index: int


class Decider:
    """Decides chunks against a policy set. Holds per-run lookup tables and memos (use one
    per thread or process)."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self.compiled: list[CompiledPolicy] = list(policies)
        self.coder = Coder(self.compiled)
        self.facts_memo: dict[int, _Facts | None] = {}
        self.group_memo: dict[tuple[int | bool, ...], _Group | None] = {}
        self.services: list[CService] = []
        self.service_ids: dict[int, int] = {}
        self.intervals = Intervals()
        #: groups evaluated and refused; rows the scalar path decided, and among them
        #: the rows whose version reads a field the key cannot carry (``Keys.uncoded``)
        self.stats = {"groups_evaluated": 0, "groups_refused": 0, "rows_scalar": 0,
                      "rows_uncoded": 0}
        self.group_rows: list[dict[str, Any]] = []
        self.group_table: pa.Table = decision_schema().empty_table()

    # --- the chunk ---------------------------------------------------------------
    def decide(self, chunk: Chunk) -> tuple[pa.Table, list[RowError]]:
        """The decision columns of every row of the chunk, and the rows refused."""
        fallback = chunk.fallback.copy()
        for i in chunk.bad:
            fallback[i] = True
        keys = self.coder.keys(chunk, fallback)
        self.stats["rows_uncoded"] += int(keys.uncoded.sum())
        sel = np.nonzero(~fallback)[0]
        result = Assembly(chunk.length)
        if len(sel):
            self._decide_rows(chunk, sel, keys.key[sel], keys.policy_index, keys.version,
                              keys.local, keys.docs, keys.docs_given, keys.offset_text,
                              fallback, result)
        return result.table(self, chunk, fallback)

    def _decide_rows(self, chunk: Chunk, sel: np.ndarray, key: np.ndarray,
                     policy_index: np.ndarray, version: np.ndarray, local: np.ndarray,
                     docs: np.ndarray, docs_given: np.ndarray, offset_text: np.ndarray,
                     fallback: np.ndarray, out: Assembly) -> None:
        encoded = pa.array(key).dictionary_encode()
        f_index = encoded.indices.to_numpy()
        f_keys = encoded.dictionary.to_numpy(zero_copy_only=False)
        m = len(f_keys)
        new = [j for j in range(m) if int(f_keys[j]) not in self.facts_memo]
        if new:
            rep = np.empty(m, dtype=np.int64)
            rep[f_index] = sel
            rows = rep[new]
            for j, case in zip(new, chunk.cases(rows), strict=True):
                self.facts_memo[int(f_keys[j])] = self._facts_part(
                    case, int(policy_index[rep[j]]), int(version[rep[j]]))
        facts = [self.facts_memo[int(k)] for k in f_keys]
        f_service = np.array([-1 if f is None else f.service for f in facts], dtype=np.int64)
        width = max((len(f.masks) for f in facts if f is not None), default=0)
        mask_table = np.zeros((m, max(width, 1)), dtype=np.int64)
        for j, f in enumerate(facts):
            if f is not None:
                mask_table[j, :len(f.masks)] = f.masks
        n_items = np.array([0 if f is None else len(f.masks) for f in facts], dtype=np.int64)
        bad_rows = f_service[f_index] == -2
        service_of_row = f_service[f_index]
        # unmet requirements: bit j set when none of item j's documents was brought
        unmet = np.zeros(len(sel), dtype=np.int64)
        given = docs_given[sel]
        have = docs[sel]
        for j in range(width):
            item = mask_table[f_index, j]
            unmet |= np.where(given & (j < n_items[f_index]) & ((item & have) == 0), 1 << j, 0)
        # the calendar, per service
        count = len(sel)
        channel = np.full(count, -1, dtype=np.int64)
        closed = np.zeros(count, dtype=bool)
        inside = np.full(count, -1, dtype=np.int64)
        values = np.full((len(DEADLINES), count), NONE, dtype=np.int64)
        unsure = np.zeros(count, dtype=bool)
        for sid, service in enumerate(self.services):
            rows = np.nonzero(service_of_row == sid)[0]
            if not len(rows):
                continue
            policy = self.compiled[policy_index[sel[rows[0]]]]
            times = service_times(policy.calendar, service, local[sel[rows]], self.intervals)
            channel[rows] = times.channel
            closed[rows] = times.closed
            inside[rows] = times.inside
            unsure[rows] = times.unsure
            for k, name in enumerate(DEADLINES):
                if name in times.deadlines:
                    values[k, rows] = times.deadlines[name]
        opens_p = values[DEADLINES.index("intake_opens")] != NONE
        closes_p = values[DEADLINES.index("intake_closes")] != NONE
        # the decision fields but the missing documents depend on these only
        group_key = f_index.astype(np.int64)
        for part, radix in ((given, 2), (unmet != 0, 2), (channel + 1, 8), (inside + 1, 3),
                            (closed, 2), (opens_p, 2), (closes_p, 2)):
            group_key = group_key * radix + part.astype(np.int64)
        keep = ~(unsure | bad_rows)
        fallback[sel[~keep]] = True
        kept = np.nonzero(keep)[0]
        if not len(kept):
            return
        encoded = pa.array(group_key[kept]).dictionary_encode()
        g_index = encoded.indices.to_numpy()
        groups = len(encoded.dictionary)
        g_rep = np.empty(groups, dtype=np.int64)
        g_rep[g_index] = kept
        memo_keys = [(int(f_keys[f_index[i]]), bool(given[i]), bool(unmet[i]), int(channel[i]),
                      int(inside[i]), bool(closed[i]), bool(opens_p[i]), bool(closes_p[i]))
                     for i in map(int, g_rep)]
        unknown = [g for g in range(groups) if memo_keys[g] not in self.group_memo]
        if unknown:
            rows = sel[g_rep[unknown]]
            for g, case in zip(unknown, self._variants(chunk, rows, [
                    facts[f_index[int(g_rep[g])]] for g in unknown]), strict=True):
                i = int(g_rep[g])
                found_group = None if case is None else self._group(
                    case, int(policy_index[sel[i]]), values[:, i], offset_text[sel[i]],
                    self._missing(facts[f_index[i]], int(unmet[i]), bool(given[i])))
                self.group_memo[memo_keys[g]] = found_group
                if found_group is not None:
                    self.group_rows.append(found_group.row)
            self.group_table = pa.Table.from_pylist(self.group_rows, schema=decision_schema())
        found = [self.group_memo[k] for k in memo_keys]
        g_bad = np.array([f is None for f in found], dtype=bool)
        bad = g_bad[g_index]
        fallback[sel[kept[bad]]] = True
        good = kept[~bad]
        g_good = g_index[~bad]
        present = np.array([f.present if f is not None else (False,) * len(DEADLINES)
                            for f in found], dtype=bool).T.reshape(len(DEADLINES), groups)
        proceeds = np.array([f is not None and f.proceeds for f in found], dtype=bool)
        # missing documents: per (facts, unmet) pair, for the rows whose case proceeds
        pair = f_index[good].astype(np.int64) * (1 << max(width, 1)) + unmet[good]
        encoded = pa.array(pair).dictionary_encode()
        p_index = encoded.indices.to_numpy()
        p_rep = np.empty(len(encoded.dictionary), dtype=np.int64)
        p_rep[p_index] = good
        lists = [self._missing(facts[f_index[i]], int(unmet[i]), True) for i in map(int, p_rep)]
        row_proceeds = proceeds[g_good]
        missing_index = np.where(~given[good], 0, np.where(row_proceeds, p_index + 2, 1))
        global_index = np.array([-1 if f is None else f.index for f in found], dtype=np.int64)
        out.add(sel[good], global_index[g_good], self.group_table, present[:, g_good],
                values[:, good], offset_text[sel[good]], missing_index, lists)

    def _missing(self, facts: _Facts | None, unmet: int, given: bool) -> list[str] | None:
        """``evaluator._missing``'s list: the documents of each unmet item, in order."""
        if not given or facts is None:
            return None
        out: list[str] = []
        for j, ids in enumerate(facts.ids):
            if unmet >> j & 1:
                out += [d for d in ids if d not in out]
        return out

    def _facts_part(self, obj: Any, pi: int, vi: int) -> _Facts | None:
        """The service and the required documents (as bit masks) of a row's facts."""
        policy = self.compiled[pi]
        try:
            case = case_from_data(obj)
        except JknrulesError:
            return _Facts(-2, [], [])
        work = Work(case_facts(case), False)
        service, possible = select_service(policy.versions[vi], work)
        if service is None:
            return _Facts(-2 if possible else -1, [], [], case)
        run_rules(service, work)
        items = requirements(service, work)
        sid = self.service_ids.setdefault(id(service), len(self.services))
        if sid == len(self.services):
            self.services.append(service)
        ids = [[it["id"]] if "id" in it else list(it["any_of"]) for it in items]
        return _Facts(sid, [sum(DOC_BIT[d] for d in x) for x in ids], ids, case)

    def _variants(self, chunk: Chunk, rows: np.ndarray, facts: list[_Facts | None]
                  ) -> list[Case | None]:
        """The cases of ``rows``: each its facts' validated case with the row's own time and
        documents (the other fields do not change a decision field)."""
        times = chunk.columns["submitted_at"].take(pa.array(rows)).to_pylist()
        column = chunk.columns.get("documents")
        docs = column.take(pa.array(rows)).to_pylist() if column is not None else \
            [None] * len(rows)
        out: list[Case | None] = []
        for f, text, brought in zip(facts, times, docs, strict=True):
            if f is None or f.case is None:
                out.append(None)
                continue
            out.append(f.case.model_copy(update={
                "submitted_at": dt.datetime.fromisoformat(text), "documents": brought}))
        return out

    def _group(self, case: Case, pi: int, values: np.ndarray, offset: bytes,
               missing: list[str] | None) -> _Group | None:
        """The scalar result of a group's representative, if it agrees with ours."""
        self.stats["groups_evaluated"] += 1
        try:
            result = evaluate_compiled(self.compiled[pi], case, trace=False).to_dict()
        except JknrulesError:
            return None
        present = []
        for k, name in enumerate(DEADLINES):
            present.append(name in result["deadlines"])
            if present[-1]:
                mine = None if values[k] == NONE else iso_one(int(values[k]), offset)
                if mine != result["deadlines"][name]:
                    self.stats["groups_refused"] += 1
                    return None
        proceeds = result["route"] is not None
        expected = missing if proceeds else (None if missing is None else [])
        if result["missing_documents"] != expected:
            self.stats["groups_refused"] += 1
            return None
        return _Group(decision_row(0, result), tuple(present), proceeds, len(self.group_rows))



















