"""The batch plan: a compiled policy version's decision as array expressions.

Generated once per (policy, version) from the same IR the scalar evaluator runs
(``engine.ir``: the version's services in order, each with its ``applies_when``, rules,
document requirements and calendar), the plan decides many rows at once from their
field codes (``coding``: 0 not given, 1 null, 2… a value class):

- **conditions**, three-valued (false 0, unknown 1, true 2; ``all`` is the minimum,
  ``any`` the maximum, ``not`` is 2 − x): a condition that reads one field is a lookup
  table over that field's codes, each entry the scalar closure
  (``conditions.compile_condition``) applied to the facts the code stands for; a
  condition reading several fields combines its parts so;
- **route selection** as the scalar ``select_service`` walks the services: the first
  whose condition is true, unless one before it was unknown (then no route, the routes
  still possible and their common documents, ``needs_review``); none: ``not_covered``;
- **rules** (each fired rule proposes its outcome and segment), **requirements**
  (a bit per requirement that applies, a document list repeated earlier counted once,
  unknown conditions send the case to review), **missing documents** (a bit per
  requirement none of whose documents was brought);
- **outcome precedence** (the contract's order; the segment of the first fired rule
  with the binding outcome) and the **target segment**;
- the **calendar** over arrays (``vcalendar``: channel, intake window, cut-off,
  response and activation), whose window decides ``outside_intake_window``.

The result per row is small integers (outcome rank, segment, service, channel, bit
masks); ``vectorised`` turns the distinct combinations into the output columns. What the
plan cannot express raises :class:`Unsupported` when the version is planned; those
versions' rows go to the scalar path (``uncoded_rows`` in the summary).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

from jknrules.batch.coding import DOC_BIT, Coder
from jknrules.engine.conditions import compile_condition
from jknrules.engine.ir import SEGMENT_CURRENT, CService, CVersion
from jknrules.language.fields import CASE_FIELDS
from jknrules.language.policy import Condition
from jknrules.language.vocab import OUTCOME_PRECEDENCE, SEGMENTS

#: three-valued logic over int8: false, unknown, true
F, U, T = 0, 1, 2
RANK = {name: i for i, name in enumerate(OUTCOME_PRECEDENCE)}
NOT_COVERED, NEEDS_REVIEW = RANK["not_covered"], RANK["needs_review"]
INCOMPLETE, OUTSIDE, ACCEPTED = RANK["incomplete"], RANK["outside_intake_window"], \
    RANK["accepted"]
#: outcomes with which a case proceeds along its route (``evaluator._PROCEEDS``)
PROCEEDS = np.zeros(len(OUTCOME_PRECEDENCE), dtype=bool)
for _name in ("accepted", "incomplete", "outside_intake_window", "needs_review"):
    PROCEEDS[RANK[_name]] = True
#: outcomes whose segment is the current one when no rule names another
_CURRENT_BY_DEFAULT = (RANK["ineligible"], RANK["already_registered"])
#: segment codes: -1 none, 0… ``SEGMENTS``, and the rule's "current"
CURRENT = len(SEGMENTS)
#: most requirements a service may have for the plan (its bit masks are int64)
MAX_REQUIREMENTS = 40
_OPS = frozenset({"is_missing", "is_null", "equals", "in", "between", "below", "at_least"})
_KINDS = frozenset({"enum", "bool", "int", "regency", "text", "date"})


class Unsupported(Exception):
    """The plan cannot express this version (its rows go to the scalar path)."""


class Codes:
    """The field codes of a subset of a chunk's rows (taken on first use; ``rows``
    ``None``: every row, nothing taken)."""

    __slots__ = ("_full", "_n", "_rows", "_taken")

    def __init__(self, full: dict[str, np.ndarray], rows: np.ndarray | None, n: int) -> None:
        self._full, self._rows, self._n = full, rows, n
        self._taken: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if self._rows is None:
            return self._full[name]
        found = self._taken.get(name)
        if found is None:
            found = self._taken[name] = self._full[name][self._rows]
        return found

    def sub(self, rows: np.ndarray) -> Codes:
        """The codes of ``rows`` (ascending positions within this subset)."""
        if len(rows) == self._n:  # every row
            return self
        return Codes(self._full, rows if self._rows is None else self._rows[rows], len(rows))

    def __len__(self) -> int:
        return self._n


Expr = Callable[[Codes], np.ndarray]


class Tables:
    """Lookup tables of one-field conditions, from the scalar closures (per Decider; they
    grow with a field's code book, so they are rebuilt when it has grown)."""

    def __init__(self, coder: Coder) -> None:
        self.coder = coder
        self._tables: dict[int, tuple[Condition, np.ndarray]] = {}

    def table(self, cond: Condition, field: str) -> np.ndarray:
        size = self.coder.code_count(field)
        found = self._tables.get(id(cond))
        if found is not None and len(found[1]) >= size:
            return found[1]
        closure = compile_condition(cond)
        out = np.empty(size, dtype=np.int8)
        for code in range(size):
            facts = self.coder.facts_of(field, code)
            value = closure(facts)[0]
            out[code] = U if value is None else T if value else F
        self._tables[id(cond)] = (cond, out)  # the condition pinned: its id stays its own
        return out


def compile_expr(cond: Condition, tables: Tables) -> Expr:
    """The array expression of a condition (see the module's docstring)."""
    fields = cond.fields()
    _check(cond)
    if len(fields) == 1:
        (field,) = fields

        def lookup(codes: Codes) -> np.ndarray:
            out: np.ndarray = tables.table(cond, field)[codes[field]]
            return out

        return lookup
    parts = [compile_expr(c, tables) for c in cond.children()]
    if cond.all is not None:
        return lambda codes: reduce(np.minimum, [p(codes) for p in parts])
    if cond.any is not None:
        return lambda codes: reduce(np.maximum, [p(codes) for p in parts])
    if cond.not_ is not None:
        inner = parts[0]
        return lambda codes: (T - inner(codes)).astype(np.int8)
    raise Unsupported("a condition of no known form")  # pragma: no cover - model refuses


def _check(cond: Condition) -> None:
    for child in cond.children():
        _check(child)
    if cond.field is None:
        if not cond.children():
            raise Unsupported("an empty condition")
        return
    field = CASE_FIELDS.get(cond.field)
    if field is None or field.kind not in _KINDS:
        raise Unsupported(f"field {cond.field}")
    if cond.test[0] not in _OPS:
        raise Unsupported(f"test {cond.test[0]}")


@dataclass(frozen=True, slots=True)
class RulePlan:
    when: Expr
    rank: int
    #: -1 none, an index of ``SEGMENTS``, or :data:`CURRENT`
    segment: int


@dataclass(frozen=True, slots=True)
class RequirementPlan:
    when: Expr | None
    documents: tuple[str, ...]
    any_of: bool
    #: the documents as bits of ``coding.DOC_BIT``
    mask: int
    #: the requirements before this one with the same documents (listed once)
    same_before: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ServicePlan:
    service: CService
    #: this service's number in the Decider (``vectorised``)
    number: int
    applies: Expr
    rules: tuple[RulePlan, ...]
    requirements: tuple[RequirementPlan, ...]
    #: the service's own target segment (-1 none, a ``SEGMENTS`` index or CURRENT)
    target: int


@dataclass(frozen=True, slots=True)
class VersionPlan:
    version: CVersion
    services: tuple[ServicePlan, ...]


def _segment(name: str | None) -> int:
    if name is None:
        return -1
    if name == SEGMENT_CURRENT:
        return CURRENT
    return SEGMENTS.index(name)


def plan_service(service: CService, number: int, tables: Tables) -> ServicePlan:
    model = service.model
    if len(service.requirements) > MAX_REQUIREMENTS:
        raise Unsupported("too many requirements")
    if len(model.rules) != len(service.rules) or len(model.documents) != len(
            service.requirements):  # pragma: no cover - the compiler keeps them aligned
        raise Unsupported("rules or requirements not aligned with the model")
    rules = tuple(
        RulePlan(compile_expr(m.when, tables), RANK[r.outcome], _segment(r.target_segment))
        for r, m in zip(service.rules, model.rules, strict=True))
    reqs = []
    for j, (r, m) in enumerate(zip(service.requirements, model.documents, strict=True)):
        if any(d not in DOC_BIT for d in r.documents):
            raise Unsupported("an unknown document")
        reqs.append(RequirementPlan(
            None if m.when is None else compile_expr(m.when, tables), r.documents, r.any_of,
            sum(DOC_BIT[d] for d in r.documents),
            tuple(k for k in range(j) if service.requirements[k].documents == r.documents)))
    return ServicePlan(service, number, compile_expr(model.applies_when, tables), tuple(rules),
                       tuple(reqs), _segment(model.target_segment))


@dataclass
class Decided:
    """What the plan decides for a version's rows (arrays of the rows' length)."""

    #: the service's number (-1 none: not covered, or undecided)
    service: np.ndarray
    #: outcome rank (``OUTCOME_PRECEDENCE``)
    rank: np.ndarray
    #: the first fired rule's segment for the binding outcome (-1 none, CURRENT …)
    segment: np.ndarray
    #: requirements that apply (bits, of ``service`` or, undecided, of ``listed``)
    items: np.ndarray
    #: the service whose requirements ``items`` counts (-1: none listed)
    listed: np.ndarray
    #: requirements none of whose documents was brought (bits of ``listed``'s)
    unmet: np.ndarray
    #: no route yet: the facts it needs are missing (the documents listed are those every
    #: route still possible asks for)
    undecided: np.ndarray


def _tri(expr: Expr | None, codes: Codes) -> np.ndarray:
    if expr is None:
        return np.full(len(codes), T, dtype=np.int8)
    return expr(codes)


def _included(plan: ServicePlan, codes: Codes) -> tuple[np.ndarray, np.ndarray]:
    """Per row the requirements listed (bits) and whether any is unknown."""
    n = len(codes)
    items = np.zeros(n, dtype=np.int64)
    unknown = np.zeros(n, dtype=bool)
    true: list[np.ndarray] = []
    for j, req in enumerate(plan.requirements):
        value = _tri(req.when, codes)
        unknown |= value == U
        t = value == T
        true.append(t)
        keep = t
        for k in req.same_before:
            keep = keep & ~true[k]
        items |= np.where(keep, np.int64(1) << j, 0)
    return items, unknown


def _unmet(plan: ServicePlan, items: np.ndarray, have: np.ndarray, given: np.ndarray
           ) -> np.ndarray:
    unmet = np.zeros(len(items), dtype=np.int64)
    for j, req in enumerate(plan.requirements):
        bit = np.int64(1) << j
        unmet |= np.where(given & ((items & bit) != 0) & ((have & req.mask) == 0), bit, 0)
    return unmet


def decide(plan: VersionPlan, codes: Codes, have: np.ndarray, given: np.ndarray) -> Decided:
    """Route, rules, requirements and missing documents of a version's rows (the calendar
    is the caller's: it needs the rows' moments and the service chosen)."""
    n = len(codes)
    service = np.full(n, -1, dtype=np.int64)
    decided = np.zeros(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)
    possible: list[np.ndarray] = []
    for sp in plan.services:
        value = sp.applies(codes)
        active = ~decided
        true = active & (value == T)
        possible.append(active & ((value == U) | (true & unknown)))
        service[true & ~unknown] = sp.number
        decided |= true
        unknown |= active & (value == U)
    undecided = unknown & (service < 0)
    rank = np.where(undecided, NEEDS_REVIEW, np.where(service < 0, NOT_COVERED, ACCEPTED))
    segment = np.full(n, -1, dtype=np.int64)
    items = np.zeros(n, dtype=np.int64)
    listed = np.full(n, -1, dtype=np.int64)
    unmet = np.zeros(n, dtype=np.int64)
    for sp in plan.services:
        rows = np.nonzero(service == sp.number)[0]
        if not len(rows):
            continue
        sub = codes.sub(rows)
        fired: list[np.ndarray] = []
        review = np.zeros(len(rows), dtype=bool)
        best = np.full(len(rows), ACCEPTED, dtype=np.int64)
        for rule in sp.rules:
            value = rule.when(sub)
            review |= value == U
            fired.append(value == T)
            best = np.where(fired[-1], np.minimum(best, rule.rank), best)
        mine, unsure = _included(sp, sub)
        review |= unsure
        missing = _unmet(sp, mine, have[rows], given[rows])
        best = np.where(review, np.minimum(best, NEEDS_REVIEW), best)
        best = np.where(missing != 0, np.minimum(best, INCOMPLETE), best)
        seg = np.full(len(rows), -1, dtype=np.int64)
        for rule, f in zip(sp.rules, fired, strict=True):
            seg = np.where((seg < 0) & f & (best == rule.rank) & (rule.segment >= 0)
                           & ~_taken(fired, sp.rules, rule, best), rule.segment, seg)
        rank[rows], segment[rows] = best, seg
        items[rows], listed[rows], unmet[rows] = mine, sp.number, missing
    if undecided.any():
        _common(plan, codes, possible, undecided, have, given, items, listed, unmet)
    return Decided(service, rank, segment, items, listed, unmet, undecided)


def _taken(fired: list[np.ndarray], rules: tuple[RulePlan, ...], rule: RulePlan,
           best: np.ndarray) -> np.ndarray:
    """Rows where a rule before ``rule`` fired with the binding outcome (its segment, even
    none, is the one the scalar ``min`` picks: the first candidate of that outcome)."""
    out = np.zeros(len(best), dtype=bool)
    for other, f in zip(rules, fired, strict=True):
        if other is rule:
            break
        out |= f & (best == other.rank)
    return out


def _common(plan: VersionPlan, codes: Codes, possible: list[np.ndarray],
            undecided: np.ndarray, have: np.ndarray, given: np.ndarray, items: np.ndarray,
            listed: np.ndarray, unmet: np.ndarray) -> None:
    """``evaluator._common_requirements``: of the first route still possible, the
    requirements every other possible route lists too (an unknown condition leaves a
    document out); their unmet bits, without an ``incomplete`` outcome."""
    rows = np.nonzero(undecided)[0]
    sub = codes.sub(rows)
    n = len(rows)
    lists: list[tuple[np.ndarray, np.ndarray]] = []  # per service: possible, items
    for sp, can in zip(plan.services, possible, strict=True):
        mask = can[rows]
        mine = np.zeros(n, dtype=np.int64)
        if mask.any():
            at = np.nonzero(mask)[0]
            mine[at] = _included(sp, sub.sub(at))[0]
        lists.append((mask, mine))
    first = np.full(n, -1, dtype=np.int64)
    for s in range(len(plan.services) - 1, -1, -1):
        first = np.where(lists[s][0], s, first)
    keep_items = np.zeros(n, dtype=np.int64)
    out_listed = np.full(n, -1, dtype=np.int64)
    for s, sp in enumerate(plan.services):
        here = first == s
        if not here.any():
            continue
        out_listed[here] = sp.number
        keep = lists[s][1].copy()
        for j, req in enumerate(sp.requirements):
            bit = np.int64(1) << j
            ok = np.ones(n, dtype=bool)
            for t, other in enumerate(plan.services):
                if t == s:
                    continue
                has = np.zeros(n, dtype=bool)
                for k, theirs in enumerate(other.requirements):
                    if theirs.documents == req.documents:
                        has |= (lists[t][1] & (np.int64(1) << k)) != 0
                ok &= ~lists[t][0] | has
            keep = np.where(ok, keep, keep & ~bit)
        keep_items[here] = keep[here]
    items[rows], listed[rows] = keep_items, out_listed
    for s, sp in enumerate(plan.services):
        here = np.nonzero(first == s)[0]
        if len(here):
            at = rows[here]
            unmet[at] = _unmet(sp, keep_items[here], have[at], given[at])


def target_segment(rank: np.ndarray, segment: np.ndarray, service_target: np.ndarray,
                   current: np.ndarray) -> np.ndarray:
    """``evaluator._target_segment`` over arrays: -1 none or a ``SEGMENTS`` index;
    ``service_target`` is the route's own (-1 when there is no route), ``current`` the
    case's membership segment (-1 when not given)."""
    default = np.zeros(len(rank), dtype=bool)
    for r in _CURRENT_BY_DEFAULT:
        default |= rank == r
    out = np.where(
        (segment == CURRENT) | ((segment < 0) & default), current,
        np.where(segment >= 0, segment,
                 np.where(service_target == CURRENT, current, service_target)))
    out = np.where((rank == NOT_COVERED) | (rank == NEEDS_REVIEW), -1, out)
    return out.astype(np.int64)


def requirement_items(plan: ServicePlan, items: int) -> list[dict[str, Any]]:
    """The ``required_documents`` column of a service's requirement bits."""
    return [{"id": r.documents[0]} if not r.any_of else {"any_of": list(r.documents)}
            for j, r in enumerate(plan.requirements) if items >> j & 1]


def missing_list(plan: ServicePlan, unmet: int) -> list[str]:
    """``evaluator._missing``'s list: the documents of each unmet requirement, in order."""
    out: list[str] = []
    for j, req in enumerate(plan.requirements):
        if unmet >> j & 1:
            out += [d for d in req.documents if d not in out]
    return out
