"""The condition vocabulary: checking, compiling and describing conditions.

Evaluation uses three-valued (Kleene) logic: a test on a field the case does
not give is *unknown* (``None``) unless the condition says ``if_missing``.
``all`` is false as soon as one part is false, ``any`` is true as soon as one
part is true; otherwise an unknown part makes the whole unknown, and the case
goes to ``needs_review`` naming the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from difflib import get_close_matches
from typing import Any

from jknrules.errors import Diagnostic
from jknrules.language.fields import CASE_FIELDS, CaseField
from jknrules.language.policy import Condition
from jknrules.language.text import Bilingual
from jknrules.language.vocab import REGENCIES

Tri = bool | None
#: A compiled condition: facts -> (value, fields whose absence made it unknown).
Compiled = Callable[[Mapping[str, Any]], tuple[Tri, frozenset[str]]]

_NONE: frozenset[str] = frozenset()


def compile_condition(cond: Condition) -> Compiled:
    """Turn a condition into a closure; nothing is parsed again per case."""
    if cond.all is not None:
        parts = [compile_condition(c) for c in cond.all]

        def all_(facts: Mapping[str, Any]) -> tuple[Tri, frozenset[str]]:
            unknown: frozenset[str] = _NONE
            for part in parts:
                value, missing = part(facts)
                if value is False:
                    return False, _NONE
                if value is None:
                    unknown |= missing
            return (None, unknown) if unknown else (True, _NONE)

        return all_
    if cond.any is not None:
        parts = [compile_condition(c) for c in cond.any]

        def any_(facts: Mapping[str, Any]) -> tuple[Tri, frozenset[str]]:
            unknown: frozenset[str] = _NONE
            for part in parts:
                value, missing = part(facts)
                if value is True:
                    return True, _NONE
                if value is None:
                    unknown |= missing
            return (None, unknown) if unknown else (False, _NONE)

        return any_
    if cond.not_ is not None:
        inner = compile_condition(cond.not_)

        def not_(facts: Mapping[str, Any]) -> tuple[Tri, frozenset[str]]:
            value, missing = inner(facts)
            return (None, missing) if value is None else (not value, _NONE)

        return not_
    assert cond.field is not None
    return _compile_test(cond.field, *cond.test, cond.if_missing)


def _compile_test(field: str, op: str, operand: Any, if_missing: bool | None) -> Compiled:
    absent_result: tuple[Tri, frozenset[str]] = (
        (None, frozenset({field})) if if_missing is None else (if_missing, _NONE)
    )
    test: Callable[[Any], bool]
    if op == "is_missing":
        want = bool(operand)

        def missing_test(facts: Mapping[str, Any]) -> tuple[Tri, frozenset[str]]:
            return (field not in facts) == want, _NONE

        return missing_test
    if op == "is_null":
        want = bool(operand)

        def test(v: Any) -> bool:
            return (v is None) == want
    elif op == "equals":

        def test(v: Any) -> bool:
            return v is not None and v == operand and type(v) is type(operand)
    elif op == "in":
        values = tuple(operand)

        def test(v: Any) -> bool:
            return any(v == x and type(v) is type(x) for x in values)
    elif op == "between":
        lo, hi = operand

        def test(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
    elif op == "below":

        def test(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool) and v < operand
    elif op == "at_least":

        def test(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool) and v >= operand
    else:  # pragma: no cover - the model admits no other operator
        raise ValueError(op)

    def field_test(facts: Mapping[str, Any]) -> tuple[Tri, frozenset[str]]:
        if field not in facts:
            return absent_result
        return test(facts[field]), _NONE

    return field_test


def check_condition(
    cond: Condition,
    path: tuple[str | int, ...],
    make: Callable[..., Diagnostic],
) -> list[Diagnostic]:
    """Semantic checks: known fields, operands from the field's domain."""
    out: list[Diagnostic] = []
    if cond.field is None:
        key = "all" if cond.all is not None else "any" if cond.any is not None else "not"
        for i, child in enumerate(cond.children()):
            sub = (*path, key, i) if key != "not" else (*path, key)
            out += check_condition(child, sub, make)
        return out
    domain = CASE_FIELDS.get(cond.field)
    if domain is None:
        close = get_close_matches(cond.field, list(CASE_FIELDS), n=1)
        out.append(make(
            "JKN-P020",
            f"kolom kasus '{cond.field}' tidak dikenal",
            f"unknown case field '{cond.field}'",
            (*path, "field"),
            # the fields themselves, not a document outside the officer's checkout
            hint_id=f"maksud Anda '{close[0]}'?" if close
            else "kolom kasus yang dikenal: " + ", ".join(CASE_FIELDS),
            hint_en=f"did you mean '{close[0]}'?" if close
            else "known case fields: " + ", ".join(CASE_FIELDS),
        ))
        return out
    op, operand = cond.test
    problem = _operand_problem(domain, op, operand)
    if problem:
        out.append(make(
            "JKN-P021",
            f"uji '{op}' pada '{cond.field}' tidak cocok: {problem.id}",
            f"test '{op}' on '{cond.field}' does not fit: {problem.en}",
            (*path, op),
        ))
    return out


def _operand_problem(domain: CaseField, op: str, operand: Any) -> Bilingual | None:
    if op == "is_missing":
        return None
    if op == "is_null":
        if not domain.nullable and operand:
            return Bilingual("kolom ini tidak pernah null", "this field is never null")
        return None
    if op in ("between", "below", "at_least"):
        if domain.kind != "int":
            return Bilingual("hanya untuk kolom angka", "only for number fields")
        return None
    values = list(operand) if op == "in" else [operand]
    for value in values:
        if value is None:
            return Bilingual("tulis 'is_null: true' untuk null", "write 'is_null: true' for null")
        if domain.kind == "bool" and not isinstance(value, bool):
            return Bilingual(f"{value!r} bukan true/false", f"{value!r} is not true/false")
        if domain.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                return Bilingual(f"{value!r} bukan angka", f"{value!r} is not a number")
            lo, hi = domain.minimum, domain.maximum
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                return Bilingual(f"{value} di luar {lo}–{hi}", f"{value} is outside {lo}–{hi}")
        if domain.kind == "enum" and value not in domain.values:
            allowed = ", ".join(map(str, domain.values))
            return Bilingual(f"{value!r} bukan salah satu dari {allowed}",
                             f"{value!r} is not one of {allowed}")
        if domain.kind == "regency" and value not in REGENCIES:
            return Bilingual(f"{value!r} bukan id kabupaten", f"{value!r} is not a regency id")
        if domain.kind in ("text", "date"):
            return Bilingual("kolom ini tidak dipakai dalam syarat", "this field cannot be tested")
    return None


_OPS_ID = {"equals": "=", "in": "salah satu dari", "between": "antara", "below": "<",
           "at_least": "≥"}
_OPS_EN = {"equals": "=", "in": "one of", "between": "between", "below": "<", "at_least": "≥"}


def describe(cond: Condition, lang: str = "id") -> str:
    """The condition in words, for reasons, rendering and diffs."""
    join_all, join_any, neg = (" dan ", " atau ", "bukan") if lang == "id" else (
        " and ", " or ", "not")
    if cond.all is not None:
        return join_all.join(_paren(describe(c, lang)) for c in cond.all)
    if cond.any is not None:
        return join_any.join(_paren(describe(c, lang)) for c in cond.any)
    if cond.not_ is not None:
        return f"{neg} ({describe(cond.not_, lang)})"
    op, operand = cond.test
    name = cond.field or ""
    if op == "is_null":
        if lang == "id":
            return f"{name} {'null (tidak terlacak)' if operand else 'tidak null'}"
        return f"{name} {'is null (not found)' if operand else 'is not null'}"
    if op == "is_missing":
        if lang == "id":
            return f"{name} {'tidak diisi' if operand else 'diisi'}"
        return f"{name} {'is not given' if operand else 'is given'}"
    ops = _OPS_ID if lang == "id" else _OPS_EN
    if op == "between":
        text = f"{name} {operand[0]}–{operand[1]}"
    elif op == "in":
        text = f"{name} {ops[op]} {', '.join(map(_lit, operand))}"
    else:
        text = f"{name} {ops[op]} {_lit(operand)}"
    if cond.if_missing is not None:
        text += (f" (bila tidak diisi: {_lit(cond.if_missing)})" if lang == "id"
                 else f" (if not given: {_lit(cond.if_missing)})")
    return text


def _lit(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _paren(text: str) -> str:
    return f"({text})" if " dan " in text or " atau " in text or " and " in text or " or " in text \
        else text
