"""Typed case columns -> small integer codes per field, for the batch plan (``plan``).

A row's code for a field is 0 not given, 1 null, 2… a value class. How a field is
coded follows its kind in the catalogue (``language/fields.py``): enums and booleans by
their values, ints by the breakpoints of the policies' comparisons (values that no
condition tells apart share a code; an int no condition compares has one code for any
value), regencies by their id (any other value one code), text and dates by whether
they are given (conditions may only ask
``is_missing``/``is_null`` of them). :meth:`Coder.facts_of` gives the facts a code
stands for, from which the plan builds its lookup tables. Rows whose values the codes
cannot carry exactly (a wrong type, an unusual form, an invalid NIK, a date outside the
calendar, a membership status and segment that disagree …) are marked ``fallback`` for
the scalar path: the batch path never answers a question it cannot ask. Codes are
stable for the run.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError

from jknrules.batch.cases import Chunk
from jknrules.batch.schema import NULLABLE
from jknrules.batch.vtime import US_PER_DAY, day_number, fixed_offset, parse_iso
from jknrules.engine.ir import CompiledPolicy
from jknrules.language.case import PART_MODELS
from jknrules.language.fields import (
    BY_NAME,
    CASE_FIELDS,
    FIELDS,
    FIRST_YEAR,
    LAST_YEAR,
    CaseField,
)
from jknrules.language.policy import Condition
from jknrules.language.vocab import DOCUMENTS, REGENCIES, normalize_regency

DOC_IDS: tuple[str, ...] = tuple(DOCUMENTS)
DOC_BIT = {d: 1 << i for i, d in enumerate(DOC_IDS)}
_STATUS, _SEGMENT = "membership.status", "membership.segment"
#: regency fields: a code per regency id (conditions compare with these only), one for
#: any other value
_REGENCY_IDS: tuple[str, ...] = tuple(sorted(REGENCIES))
_REGENCY_CODE = {rid: i + 2 for i, rid in enumerate(_REGENCY_IDS)}
#: every field a row's values are checked through: the condition fields, and those no
#: condition reads (recap fields such as ``applicant.sex``) but the case model checks
#: (the regency, the submission time and the documents are checked apart)
_CODED: dict[str, CaseField] = {f.name: f for f in FIELDS
                                if f.name not in ("regency", "submitted_at", "documents")}
#: text and date fields: valid when given (others go to the scalar path)
_CHECKED = tuple(f for f in FIELDS if f.kind in ("text", "date"))
#: days after a policy's last version within which the vectorised path decides a row;
#: later submissions (and any before the first version) go to the scalar path, so that
#: one row dated 9999-12-31 neither builds calendar arrays for eight thousand years nor
#: reaches the end of the calendar in array arithmetic
HORIZON_DAYS = 20 * 366


@dataclass
class Keys:
    """What the coder finds in a chunk: per row its policy, local moment (and its zone's
    offset, as text and in µs), version, the code of every condition field, the documents
    brought (bit mask) and whether any were given."""

    policy_index: np.ndarray
    local: np.ndarray
    offset_text: np.ndarray
    version: np.ndarray
    codes: dict[str, np.ndarray]
    docs: np.ndarray
    docs_given: np.ndarray
    offset_us: np.ndarray


class Coder:
    """Codes chunks for one policy set (one per Decider). Every field has a bounded number
    of codes, fixed by the policies (a book of the values met only for an int field
    compared in a way the breakpoints do not cover, which validated policies never
    have)."""

    def __init__(self, compiled: list[CompiledPolicy]) -> None:
        self.compiled = compiled
        self.books: dict[str, dict[Any, int]] = {}
        #: (status code, segment code) -> whether the case model accepts the pair
        self.membership_ok: dict[tuple[int, int], bool] = {}
        self.offsets_checked: dict[int, tuple[int, int, int]] = {}
        self.by_regency: dict[str, int] = {
            p.policy.regency: i for i, p in enumerate(self.compiled)}
        self.effective = [np.array([day_number(v.effective_from) for v in p.versions])
                          for p in self.compiled]
        self.max_versions = max((len(p.versions) for p in self.compiled), default=1)
        #: for int fields: the values where some condition's answer can change
        self.breaks: dict[str, list[int] | None] = {
            f.name: [] for f in CASE_FIELDS.values() if f.kind == "int"}
        self.breaks.update(_breakpoints(self.compiled))
        self.patterns = {f.name: re.compile(f.pattern) for f in FIELDS
                         if f.pattern is not None}

    def code_count(self, name: str) -> int:
        """How many codes the field has so far (0 not given, 1 null, 2… value classes);
        a field coded by a book of the values met grows as new values come."""
        field = CASE_FIELDS[name]
        if field.kind == "enum":
            return len(field.values) + 2
        if field.kind == "bool":
            return 4
        if field.kind in ("text", "date"):
            return 3
        if field.kind == "regency":
            return len(_REGENCY_CODE) + 3
        breaks = self.breaks.get(name) if field.kind == "int" else None
        if breaks is not None:
            return len(breaks) + 3
        return len(self.books.get(name, {})) + 2

    def facts_of(self, name: str, code: int) -> dict[str, Any]:
        """The facts a code of the field stands for (any value of its class): what the
        plan's lookup tables apply the scalar conditions to."""
        if code == 0:
            return {}
        if code == 1:
            return {name: None}
        field = CASE_FIELDS[name]
        value: Any
        if field.kind == "enum":
            value = field.values[code - 2]
        elif field.kind == "bool":
            value = (False, True)[code - 2]
        elif field.kind == "text":  # only is_missing / is_null test these
            value = "0" * 16
        elif field.kind == "date":
            value = dt.date(2000, 1, 1)
        elif field.kind == "regency":
            value = _REGENCY_IDS[code - 2] if code - 2 < len(_REGENCY_IDS) else "?"
        else:
            breaks = self.breaks.get(name) if field.kind == "int" else None
            if breaks is not None:  # code 2: below the first breakpoint; 2 + k: from the k-th
                below = breaks[0] - 1 if breaks else field.minimum or 0
                value = breaks[code - 3] if code > 2 else below
            else:
                book = self.books.get(name, {})
                value = next(v for v, c in book.items() if c == code)
        return {name: value}

    def keys(self, chunk: Chunk, fallback: np.ndarray) -> Keys:
        n = chunk.length
        policy_index = self.policies_of(chunk, fallback)
        local, offset_text, offset_us = self.moments(chunk, policy_index, fallback)
        version = np.zeros(n, dtype=np.int64)
        day = np.floor_divide(local, US_PER_DAY)
        for pi, eff in enumerate(self.effective):
            rows = policy_index == pi
            version[rows] = np.searchsorted(eff, day[rows], side="right") - 1
        fallback |= version < 0
        self.validate_text(chunk, fallback)
        codes = self.codes(chunk, fallback)
        self.check_membership(codes, fallback)
        docs, docs_given = self.documents(chunk, fallback)
        return Keys(policy_index, local, offset_text, np.maximum(version, 0), codes, docs,
                    docs_given, offset_us)

    def check_membership(self, codes: dict[str, np.ndarray], fallback: np.ndarray) -> None:
        """A membership status and segment that disagree make the case invalid (the case
        model's own check, asked once per pair of codes): such rows go to the scalar path,
        which says why."""
        status, segment = codes[_STATUS], codes[_SEGMENT]
        width = self.code_count(_SEGMENT)
        pair = status * width + segment
        for value in np.unique(pair):
            s, g = divmod(int(value), width)
            ok = self.membership_ok.get((s, g))
            if ok is None:
                given = {**self.facts_of(_STATUS, s), **self.facts_of(_SEGMENT, g)}
                part = {k.split(".", 1)[1]: v for k, v in given.items()}
                try:
                    PART_MODELS["membership"].model_validate(part)
                    ok = True
                except ValidationError:
                    ok = False
                self.membership_ok[(s, g)] = ok
            if not ok:
                fallback |= pair == value

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
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's local wall-clock moment, and its zone's offset as text and in µs."""
        n = chunk.length
        offset_text = np.full(n, b"+00:00", dtype="S6")
        offset_us = np.zeros(n, dtype=np.int64)
        column = chunk.columns.get("submitted_at")
        if column is None:
            fallback[:] = True
            return np.zeros(n, dtype=np.int64), offset_text, offset_us
        wall, offset, kind = parse_iso(column)
        day = np.floor_divide(wall, US_PER_DAY)
        for pi, eff in enumerate(self.effective):
            if len(eff):  # a margin of two days for the offset
                far = (day < eff[0] - 2) | (day > eff[-1] + HORIZON_DAYS)
                kind[(policy_index == pi) & far] = 0
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
            of_policy = policy_index == pi
            offset_text[of_policy] = _offset_text(zone_offset)
            offset_us[of_policy] = zone_offset
        return local, offset_text, offset_us

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
        """Text and date fields must be valid whether or not a condition reads them: rows
        in doubt go to the scalar path."""
        for field in _CHECKED:
            column = chunk.columns.get(field.name)
            if column is None or column.null_count == len(column):
                continue
            if field.kind == "text":
                assert field.pattern is not None
                ok = pc.fill_null(pc.match_substring_regex(column, field.pattern), True)
                fallback |= ~ok.to_numpy(zero_copy_only=False)
            else:
                encoded = column.dictionary_encode()
                good = [_is_date(v) for v in encoded.dictionary.to_pylist()] + [True]
                indices = pc.fill_null(encoded.indices, len(good) - 1).to_numpy(
                    zero_copy_only=False)
                fallback |= ~np.array(good)[indices]

    def codes(self, chunk: Chunk, fallback: np.ndarray) -> dict[str, np.ndarray]:
        """Each field as small integers: 0 not given, 1 null, 2… a value; the same value has
        the same code in every chunk of a run. Every field is coded, read by a condition or
        not, so that a value the case model would refuse always reaches the scalar path."""
        n = chunk.length
        codes: dict[str, np.ndarray] = {}
        for name, field in _CODED.items():
            column = chunk.columns.get(name)
            if column is None:
                code = np.zeros(n, dtype=np.int64)
            elif field.kind == "int":
                code = self._int_codes(field, column, fallback)
            elif field.kind in ("text", "date"):  # valid (validate_text): given or not
                code = np.where(column.is_valid().to_numpy(zero_copy_only=False), 2, 0)
            elif field.kind == "bool" and pa.types.is_boolean(column.type):
                truth = pc.fill_null(column, False).to_numpy(zero_copy_only=False)
                given = column.is_valid().to_numpy(zero_copy_only=False)
                code = np.where(given, 2 + truth.astype(np.int64), 0)
            else:
                encoded = column.dictionary_encode()
                mapping = [self.code(field, v) for v in encoded.dictionary.to_pylist()] + [0]
                indices = pc.fill_null(encoded.indices, len(mapping) - 1).to_numpy(
                    zero_copy_only=False)
                code = np.array(mapping, dtype=np.int64)[indices]
                fallback |= code < 0
                code = np.maximum(code, 0)
            if name == NULLABLE:
                code = np.where(chunk.desil_null, 1, code)
            if field.default is not None:  # not given: the default
                code = np.where(code == 0, self.code(field, field.default), code)
            codes[name] = code
        return codes

    def _int_codes(self, field: CaseField, column: pa.Array, fallback: np.ndarray
                   ) -> np.ndarray:
        """Ints outside the field's bounds go to the scalar path (which refuses them)."""
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        raw = pc.fill_null(column, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        ok = valid.copy()
        if field.minimum is not None:
            ok &= raw >= field.minimum
        if field.maximum is not None:
            ok &= raw <= field.maximum
        fallback |= valid & ~ok
        breaks = self.breaks.get(field.name)
        if breaks is not None:  # values between two breakpoints decide alike
            code = 2 + np.searchsorted(np.array(breaks, dtype=np.int64), raw, side="right")
        else:
            unique, inverse = np.unique(raw[ok], return_inverse=True)
            book = self.books.setdefault(field.name, {})
            mapped = np.array([book.setdefault(int(v), len(book) + 2) for v in unique],
                              dtype=np.int64)
            code = np.zeros(len(raw), dtype=np.int64)
            code[ok] = mapped[inverse] if len(unique) else 0
        out: np.ndarray = np.where(ok, code, 0)
        return out

    def code(self, field: CaseField, value: Any) -> int:
        """The code of an enum, bool or regency value, or -1 when only the scalar path can
        judge it."""
        if field.kind == "regency":
            pattern = self.patterns.get(field.name)
            if not (isinstance(value, str) and value.isascii()
                    and (pattern is None or pattern.fullmatch(value))):
                return -1
            rid = normalize_regency(value)  # any other value is unequal to every regency id
            return _REGENCY_CODE.get(rid, len(_REGENCY_CODE) + 2)
        values: tuple[Any, ...] = (False, True) if field.kind == "bool" else field.values
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
            if pa.types.is_dictionary(flat.type):  # each distinct text looked up once
                index = pc.index_in(flat.dictionary, pa.array(DOC_IDS)).take(flat.indices)
            else:
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
        day = dt.date.fromisoformat(value)
    except ValueError:
        return False
    digits = value[:4].isdigit() and value[5:7].isdigit() and value[8:].isdigit()
    return digits and FIRST_YEAR <= day.year <= LAST_YEAR



def _breakpoints(policies: list[CompiledPolicy]) -> dict[str, list[int] | None]:
    """For each int field the conditions test, the sorted values at which a test's answer
    may change (``None`` when a test is not one of the known comparisons)."""
    found: dict[str, set[int] | None] = {}

    def walk(cond: Condition) -> None:
        for child in cond.children():
            walk(child)
        field = BY_NAME.get(cond.field or "")
        if field is None or field.kind != "int":
            return
        name = field.name
        op, operand = cond.test
        points = found.setdefault(name, set())
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
                found[name] = None
        elif op not in ("is_null", "is_missing"):
            found[name] = None

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
                for notice in model.notices:
                    if notice.when is not None:
                        walk(notice.when)
    return {k: None if v is None else sorted(v) for k, v in found.items()}
