"""Equivalence classes of case fields, derived from the tests a policy applies to them.

Two values of a field are equivalent when every test the version applies to that
field gives the same answer for both (their *signature*). Because conditions
use a fixed vocabulary over finite or threshold-split domains, a handful of
representatives covers every signature, and enumerating their product is an
exhaustive analysis of the version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from jknrules.language.fields import CASE_FIELDS
from jknrules.language.policy import Condition
from jknrules.language.vocab import REGENCIES


class _Absent:
    """The field is not given by the case."""

    def __repr__(self) -> str:
        return "<absent>"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
#: A value no policy names, standing for "another regency".
OTHER_REGENCY = "kabupaten_lain"


@dataclass(frozen=True, slots=True)
class Test:
    op: str
    operand: Any

    def __call__(self, value: Any) -> bool | None:
        if value is ABSENT:
            return None
        if self.op == "is_null":
            return (value is None) == bool(self.operand)
        if value is None:
            return False
        if self.op == "equals":
            return bool(value == self.operand and type(value) is type(self.operand))
        if self.op == "in":
            return any(value == x and type(value) is type(x) for x in self.operand)
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        if self.op == "between":
            return bool(self.operand[0] <= value <= self.operand[1])
        if self.op == "below":
            return bool(value < self.operand)
        if self.op == "at_least":
            return bool(value >= self.operand)
        return False


@dataclass(frozen=True)
class FieldClasses:
    """The representatives of one field and the tests that split it; ``members`` lists,
    for each representative, the values of a finite domain it stands for."""

    field: str
    tests: tuple[Test, ...]
    representatives: tuple[Any, ...]
    members: tuple[tuple[Any, ...], ...] = ()

    def describe(self, rep: Any) -> str:
        """``request = register``, ``request ∈ {transfer, reactivate}``, ``desil ∈ 1–5``."""
        if rep is ABSENT:
            return f"{self.field} = <tidak diisi/absent>"
        group = self.members[self.representatives.index(rep)] if self.members else (rep,)
        if len(group) <= 1:
            return f"{self.field} = {_text(rep)}"
        ints = [v for v in group if isinstance(v, int) and not isinstance(v, bool)]
        if len(ints) == len(group) and ints == list(range(min(ints), max(ints) + 1)):
            return f"{self.field} ∈ {min(ints)}–{max(ints)}"
        return f"{self.field} ∈ {{{', '.join(_text(v) for v in group)}}}"

    def signature(self, value: Any) -> tuple[bool | None, ...]:
        return tuple(t(value) for t in self.tests)

    def classify(self, value: Any) -> Any:
        """The representative equivalent to ``value``."""
        sig = self.signature(value)
        for rep in self.representatives:
            if self.signature(rep) == sig:
                return rep
        raise ValueError(f"{self.field}: no class for {value!r}")


def tests_by_field(conditions: Iterable[Condition | None]) -> tuple[dict[str, list[Test]], set[str]]:
    """Every (field, test) the conditions use, and the fields with ``if_missing`` or
    ``is_missing`` (for which "absent" is a decided state, not an unknown)."""
    tests: dict[str, list[Test]] = {}
    absent_matters: set[str] = set()

    def walk(cond: Condition) -> None:
        if cond.field is None:
            for child in cond.children():
                walk(child)
            return
        op, operand = cond.test
        operand = tuple(operand) if isinstance(operand, list) else operand
        test = Test(op, operand)
        if test not in tests.setdefault(cond.field, []):
            tests[cond.field].append(test)
        if cond.if_missing is not None or op == "is_missing":
            absent_matters.add(cond.field)

    for cond in conditions:
        if cond is not None:
            walk(cond)
    return tests, absent_matters


def _candidates(field: str, tests: list[Test]) -> list[Any]:
    domain = CASE_FIELDS[field]
    if domain.kind == "bool":
        return [True, False]
    if domain.kind == "enum":
        return list(domain.values)
    if domain.kind == "regency":
        named = {t.operand for t in tests if t.op == "equals"}
        named |= {x for t in tests if t.op == "in" for x in t.operand}
        return [*sorted(str(x) for x in named), *(r for r in sorted(REGENCIES) if r not in named),
                OTHER_REGENCY]
    # int: the domain's ends and the neighbours of every threshold
    lo = domain.minimum if domain.minimum is not None else 0
    points = {lo}
    if domain.maximum is not None:
        points.add(domain.maximum)
    for t in tests:
        if t.op in ("below", "at_least"):
            points |= {t.operand - 1, t.operand}
        elif t.op == "between":
            points |= {t.operand[0] - 1, t.operand[0], t.operand[1], t.operand[1] + 1}
        elif t.op == "equals":
            points |= {t.operand - 1, t.operand, t.operand + 1}
        elif t.op == "in":
            for x in t.operand:
                if isinstance(x, int):
                    points |= {x - 1, x, x + 1}
    hi = domain.maximum
    out: list[Any] = sorted(p for p in points if p >= lo and (hi is None or p <= hi))
    if domain.nullable:
        out.append(None)
    return out


def field_classes(field: str, tests: list[Test], with_absent: bool) -> FieldClasses:
    groups: dict[tuple[bool | None, ...], list[Any]] = {}
    candidates = _candidates(field, tests) + ([ABSENT] if with_absent else [])
    for value in candidates:
        groups.setdefault(tuple(t(value) for t in tests), []).append(value)
    domain = CASE_FIELDS[field]
    members: list[tuple[Any, ...]] = []
    for group in groups.values():
        if domain.kind == "int" and domain.maximum is not None and group[0] not in (None, ABSENT):
            sig = tuple(t(group[0]) for t in tests)
            lo = domain.minimum or 0
            group = [v for v in range(lo, domain.maximum + 1) if tuple(t(v) for t in tests) == sig]
        members.append(tuple(group))
    reps = tuple(g[0] for g in groups.values())
    return FieldClasses(field, tuple(tests), reps, tuple(members))


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def every_value(field: str) -> FieldClasses:
    """One class per value of a finite field, whatever the conditions test: for a question
    that depends on the value itself (which segment a member is in), not on the tests."""
    domain = CASE_FIELDS[field]
    values = (True, False) if domain.kind == "bool" else tuple(domain.values)
    if not values:
        raise ValueError(f"{field}: not a finite field")
    return FieldClasses(field, (), values, tuple((v,) for v in values))


def build_classes(conditions: Iterable[Condition | None]) -> list[FieldClasses]:
    tests, absent_matters = tests_by_field(conditions)
    return [field_classes(f, tests[f], f in absent_matters and f != "request")
            for f in sorted(tests)]


def enumerate_facts(classes: list[FieldClasses]) -> Iterator[dict[str, Any]]:
    """Every combination of representatives, as case facts (absent fields left out)."""
    names = [c.field for c in classes]
    for values in product(*(c.representatives for c in classes)):
        yield {n: v for n, v in zip(names, values, strict=True) if v is not ABSENT}


def describe_pattern(classes: Sequence[FieldClasses], facts: dict[str, Any]) -> str:
    """A pattern in words, each field as the class it stands for."""
    by_field = {c.field: c for c in classes}
    parts = []
    for name in sorted(facts):
        cls = by_field.get(name)
        parts.append(cls.describe(facts[name]) if cls else f"{name} = {_text(facts[name])}")
    return ", ".join(parts)


def minimal_pattern(classes: Sequence[FieldClasses], facts: dict[str, Any],
                    same: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Drop every field whose value does not matter: the smallest example that still
    shows the finding for all values of the dropped fields."""
    fixed = {c.field: facts.get(c.field, ABSENT) for c in classes}
    for c in classes:
        trial = {k: v for k, v in fixed.items() if k != c.field}
        free = [x for x in classes if x.field not in trial]
        if all(same(f) for f in _expand(trial, free)):
            fixed = trial
    return fixed


def _expand(fixed: dict[str, Any], free: list[FieldClasses]) -> Iterable[dict[str, Any]]:
    for combo in enumerate_facts(free):
        merged = {k: v for k, v in fixed.items() if v is not ABSENT}
        merged.update(combo)
        yield merged
