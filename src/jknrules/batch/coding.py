"""Typed case columns -> small integer codes, one key per row for the vectorised path.

A row's key holds its policy version and, for each field that version's conditions
read, a code: 0 not given, 1 null, 2… a value (int fields by the breakpoints of their
comparisons, so values that no condition tells apart share a code). Rows whose values
the codes cannot carry exactly (a wrong type, an unusual form, an invalid NIK …) are
marked ``fallback`` for the scalar path. Codes are stable for the run.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jknrules.batch.cases import Chunk
from jknrules.batch.vtime import US_PER_DAY, day_number, fixed_offset, parse_iso
from jknrules.engine.ir import CompiledPolicy
from jknrules.language.policy import Condition
from jknrules.language.vocab import DOCUMENTS, REGENCIES, SEGMENTS, normalize_regency

DOC_IDS: tuple[str, ...] = tuple(DOCUMENTS)
DOC_BIT = {d: 1 << i for i, d in enumerate(DOC_IDS)}
#: Coded case fields: value -> code (0 = not given, 1 = null); ints are coded separately.
_ENUMS: dict[str, tuple[Any, ...]] = {
    "request": ("register", "transfer", "reactivate"),
    "welfare.dtks": ("registered", "proposed", "none"),
    "membership.status": ("none", "active", "inactive"),
    "membership.segment": SEGMENTS,
}
_BOOLS = ("applicant.has_ktp", "health.emergency", "health.inpatient",
          "newborn.parents_registered", "employment.deactivated_by_employer",
          "household.has_ppu_member", "payment.mandiri_paid_current_month")
CODED = ("request", "applicant.domicile_regency", *_BOOLS, "welfare.desil", "welfare.dtks",
         "newborn.age_days", "membership.status", "membership.segment")
#: bits of each field's code in a row's key (codes that do not fit go to the scalar path)
_BITS = {name: 2 for name in _BOOLS} | {
    "request": 3, "applicant.domicile_regency": 6, "welfare.desil": 4, "welfare.dtks": 3,
    "newborn.age_days": 12, "membership.status": 3, "membership.segment": 4}
_PV_BITS = 8


@dataclass
class Keys:
    """What the coder finds in a chunk: per row its policy, local moment (and offset
    text), version, key, documents brought (bit mask) and whether any were given."""

    policy_index: np.ndarray
    local: np.ndarray
    offset_text: np.ndarray
    version: np.ndarray
    key: np.ndarray
    docs: np.ndarray
    docs_given: np.ndarray


class Coder:
    """Codes chunks for one policy set; keeps the run's code books (one per Decider)."""

    def __init__(self, compiled: list[CompiledPolicy]) -> None:
        self.compiled = compiled
        self.books: dict[str, dict[Any, int]] = {"applicant.domicile_regency": {},
                                                 "newborn.age_days": {}}
        self.offsets_checked: dict[int, tuple[int, int, int]] = {}
        self.by_regency: dict[str, int] = {
            p.policy.regency: i for i, p in enumerate(self.compiled)}
        self.effective = [np.array([day_number(v.effective_from) for v in p.versions])
                          for p in self.compiled]
        self.max_versions = max((len(p.versions) for p in self.compiled), default=1)
        #: for int fields: the values where some condition's answer can change
        self.breaks = _breakpoints(self.compiled)
        # which coded fields each (policy, version) reads
        self.reads = {name: np.zeros(len(self.compiled) * self.max_versions, dtype=bool)
                      for name in CODED}
        for pi, policy in enumerate(self.compiled):
            for vi, version in enumerate(policy.versions):
                read = {"request", "membership.segment"}
                for service in version.services:
                    read |= set(service.applies_fields)
                    for rule in service.rules:
                        read |= set(rule.fields)
                    for req in service.requirements:
                        read |= set(req.fields)
                for name in CODED:
                    self.reads[name][pi * self.max_versions + vi] = name in read

    def keys(self, chunk: Chunk, fallback: np.ndarray) -> Keys:
        n = chunk.length
        policy_index = self.policies_of(chunk, fallback)
        local, offset_text = self.moments(chunk, policy_index, fallback)
        version = np.zeros(n, dtype=np.int64)
        day = np.floor_divide(local, US_PER_DAY)
        for pi, eff in enumerate(self.effective):
            rows = policy_index == pi
            version[rows] = np.searchsorted(eff, day[rows], side="right") - 1
        fallback |= version < 0
        self.validate_text(chunk, fallback)
        codes = self.codes(chunk, fallback)
        pv = policy_index * self.max_versions + np.maximum(version, 0)
        fallback |= pv >= (1 << _PV_BITS)
        key = pv.copy()
        for name in CODED:
            code = np.where(self.reads[name][pv], codes[name], 0)
            fallback |= code >= (1 << _BITS[name])
            key = (key << _BITS[name]) | code
        docs, docs_given = self.documents(chunk, fallback)
        return Keys(policy_index, local, offset_text, version, key, docs, docs_given)

    def policies_of(self, chunk: Chunk, fallback: np.ndarray) -> np.ndarray:
        n = chunk.length
        column = chunk.columns.get("regency")
        if column is None:
            fallback[:] = True
            return np.zeros(n, dtype=np.int64)
        encoded = column.dictionary_encode()
        mapping = []
        for value in encoded.dictionary.to_pylist():
            rid = normalize_regency(value) if isinstance(value, str) else None
            mapping.append(self.by_regency.get(rid, -1) if rid in REGENCIES else -1)
        mapping.append(-1)
        indices = pc.fill_null(encoded.indices, len(mapping) - 1).to_numpy(zero_copy_only=False)
        out = np.array(mapping, dtype=np.int64)[indices]
        fallback |= out < 0
        found: np.ndarray = np.maximum(out, 0)
        return found

    def moments(self, chunk: Chunk, policy_index: np.ndarray, fallback: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
        n = chunk.length
        offset_text = np.full(n, b"+00:00", dtype="S6")
        column = chunk.columns.get("submitted_at")
        if column is None:
            fallback[:] = True
            return np.zeros(n, dtype=np.int64), offset_text
        wall, offset, kind = parse_iso(column)
        fallback |= kind == 0
        local = wall.copy()
        for pi in range(len(self.compiled)):
            rows = (policy_index == pi) & (kind != 0)
            if not rows.any():
                continue
            days = np.floor_divide(wall[rows], US_PER_DAY)
            zone_offset = self.offset(pi, int(days.min()) - 1, int(days.max()) + 32)
            if zone_offset is None:
                fallback[rows] = True
                continue
            with_offset = rows & (kind == 2)
            local[with_offset] = wall[with_offset] - offset[with_offset] + zone_offset
            offset_text[policy_index == pi] = _offset_text(zone_offset)
        return local, offset_text

    def offset(self, pi: int, first: int, last: int) -> int | None:
        """The policy zone's fixed offset over the days, checked once per run and range."""
        known = self.offsets_checked.get(pi)
        if known is not None and known[0] <= first and last <= known[1]:
            return known[2]
        if known is not None:
            first, last = min(first, known[0]), max(last, known[1])
        offset = fixed_offset(self.compiled[pi].calendar.zone, first, last)
        if offset is not None:
            self.offsets_checked[pi] = (first, last, offset)
        return offset

    def validate_text(self, chunk: Chunk, fallback: np.ndarray) -> None:
        """Fields no condition reads must still be valid: rows in doubt go to the scalar path."""
        for name in ("applicant.nik", "applicant.kk_number"):
            column = chunk.columns.get(name)
            if column is not None and column.null_count < len(column):
                ok = pc.fill_null(pc.match_substring_regex(column, r"^[0-9]{16}$"), True)
                fallback |= ~ok.to_numpy(zero_copy_only=False)
        column = chunk.columns.get("applicant.birth_date")
        if column is not None and column.null_count < len(column):
            encoded = column.dictionary_encode()
            good = [_is_date(v) for v in encoded.dictionary.to_pylist()] + [True]
            indices = pc.fill_null(encoded.indices, len(good) - 1).to_numpy(zero_copy_only=False)
            fallback |= ~np.array(good)[indices]

    def codes(self, chunk: Chunk, fallback: np.ndarray) -> dict[str, np.ndarray]:
        """Each coded field as small integers: 0 not given, 1 null, 2… a value; the same
        value has the same code in every chunk of a run."""
        n = chunk.length
        codes: dict[str, np.ndarray] = {}
        for name in CODED:
            column = chunk.columns.get(name)
            if column is None:
                codes[name] = np.zeros(n, dtype=np.int64)
                continue
            if name == "welfare.desil":
                code = _desil_codes(column, fallback)
                breaks = self.breaks.get(name)
                if breaks is not None:
                    code = np.where(code > 0, 2 + np.searchsorted(
                        np.array(breaks), code - 2, side="right"), 0)
                codes[name] = np.where(chunk.desil_null, 1, code)
                continue
            encoded = column.dictionary_encode()
            mapping = [self.code(name, v) for v in encoded.dictionary.to_pylist()] + [0]
            indices = pc.fill_null(encoded.indices, len(mapping) - 1).to_numpy(
                zero_copy_only=False)
            code = np.array(mapping, dtype=np.int64)[indices]
            fallback |= code < 0
            codes[name] = np.maximum(code, 0)
            if name == "request":
                codes[name] = np.where(code == 0, 2, codes[name])  # not given: register
        return codes

    def code(self, name: str, value: Any) -> int:
        """The code of a value, or -1 when only the scalar path can judge it."""
        if name == "applicant.domicile_regency":
            if not (isinstance(value, str) and _regency_pattern(value)):
                return -1
            book = self.books[name]
            return book.setdefault(normalize_regency(value), len(book) + 2)
        if name == "newborn.age_days":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                return -1
            breaks = self.breaks.get(name)
            if breaks is not None:  # values between two breakpoints decide alike
                return 2 + bisect_right(breaks, value)
            book = self.books[name]
            return book.setdefault(value, len(book) + 2)
        values: tuple[Any, ...] = (False, True) if name in _BOOLS else _ENUMS[name]
        if value in values and type(value) is type(values[0]):
            return values.index(value) + 2
        return -1

    def documents(self, chunk: Chunk, fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = chunk.length
        column = chunk.columns.get("documents")
        docs = np.zeros(n, dtype=np.int64)
        if column is None:
            return docs, np.zeros(n, dtype=bool)
        given = column.is_valid().to_numpy(zero_copy_only=False)
        flat = column.flatten()
        if len(flat):
            index = pc.index_in(flat, pa.array(DOC_IDS))
            bits_valid = index.is_valid().to_numpy(zero_copy_only=False)
            bits = np.where(bits_valid, np.left_shift(1, pc.fill_null(index, 0).to_numpy(
                zero_copy_only=False).astype(np.int64)), 0)
            offsets = column.offsets.to_numpy()
            counts = np.diff(offsets)
            nonempty = np.nonzero(given & (counts > 0))[0]
            starts = offsets[:-1][nonempty] - offsets[0]
            if len(nonempty):
                docs[nonempty] = np.bitwise_or.reduceat(bits, starts)
                invalid = np.zeros(len(flat), dtype=np.int64)
                invalid[~bits_valid] = 1
                bad = np.add.reduceat(invalid, starts) > 0
                fallback[nonempty[bad]] = True
        return docs, given


def _offset_text(offset_us: int) -> bytes:
    minutes = offset_us // 60_000_000
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}".encode()



def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return value[:4].isdigit() and value[5:7].isdigit() and value[8:].isdigit()



def _regency_pattern(value: str) -> bool:
    if value.isascii() and value.isdigit() and len(value) == 4:
        return True
    return bool(value) and value.isascii() and value[0].isalpha() and value[0].islower() and \
        all(c.islower() or c == "_" for c in value)



def _desil_codes(column: pa.Array, fallback: np.ndarray) -> np.ndarray:
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    raw = pc.fill_null(column, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    ok = (raw >= 1) & (raw <= 10)
    fallback |= valid & ~ok
    return np.where(valid & ok, raw + 2, 0)



def _breakpoints(policies: list[CompiledPolicy]) -> dict[str, list[int] | None]:
    """For each int field the conditions test, the sorted values at which a test's answer
    may change (``None`` when a test is not one of the known comparisons)."""
    found: dict[str, set[int] | None] = {}

    def walk(cond: Condition) -> None:
        for child in cond.children():
            walk(child)
        if cond.field not in ("welfare.desil", "newborn.age_days"):
            return
        op, operand = cond.test
        points = found.setdefault(cond.field, set())
        if points is None:
            return
        if op in ("below", "at_least") and type(operand) is int:
            points.add(operand)
        elif op == "between" and all(type(x) is int for x in operand):
            points.update((operand[0], operand[1] + 1))
        elif op in ("equals", "in"):
            values = operand if op == "in" else [operand]
            if all(type(x) is int for x in values):
                points.update(v for x in values for v in (x, x + 1))
            else:
                found[cond.field] = None
        elif op not in ("is_null", "is_missing"):
            found[cond.field] = None

    for policy in policies:
        for version in policy.versions:
            for service in version.services:
                model = service.model
                walk(model.applies_when)
                for rule in model.rules:
                    walk(rule.when)
                for req in model.documents:
                    if req.when is not None:
                        walk(req.when)
    return {k: None if v is None else sorted(v) for k, v in found.items()}
