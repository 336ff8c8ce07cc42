"""Putting a decided chunk together: group rows taken per row, missing documents, the
deadlines formatted over arrays, and the rows the scalar path decided, in input order.

Three forms: the decision columns (deadlines as ISO 8601 text); the text form
(:func:`text_form`, what the JSON Lines and CSV writers take fastest: the same columns,
but every column other than ``row`` and ``deadlines`` a dictionary column whose entries
are the chunk's distinct combinations of group and missing documents, all of them with
the same indices, so a writer builds the text of each combination once and takes it per
row, see :mod:`jknrules.batch.textout`); or the Parquet form (:func:`parquet_form`:
deadlines as UTC instants straight from the moments, the ``timezone`` column, text
leaves as dictionaries, see :mod:`jknrules.batch.parquetform`), which
``io.parquet_table`` would give from the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jknrules.batch.cases import Chunk
from jknrules.batch.io import INSTANT, parquet_schema
from jknrules.batch.parquetform import dictionary_schema, indexed
from jknrules.batch.scalar import RowError, evaluate_row
from jknrules.batch.schema import DEADLINES_TYPE, decision_schema
from jknrules.batch.vtime import iso_bytes
from jknrules.language.vocab import DEADLINES

if TYPE_CHECKING:
    from jknrules.batch.vectorised import Decider


class Assembly:
    """The decided rows of a chunk: group rows, and per row the group and deadlines."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.positions = np.zeros(0, dtype=np.int64)
        self.groups: np.ndarray = np.zeros(0, dtype=np.int64)
        self.group_table: pa.Table = decision_schema().empty_table()
        self.present = np.zeros((len(DEADLINES), 0), dtype=bool)
        self.values = np.zeros((len(DEADLINES), 0), dtype=np.int64)
        self.offsets = np.zeros(0, dtype="S6")
        self.offsets_us = np.zeros(0, dtype=np.int64)
        self.missing_index = np.zeros(0, dtype=np.int64)
        self.missing_lists: list[list[str] | None] = [None, []]

    def add(self, positions: np.ndarray, groups: np.ndarray, table: pa.Table,
            present: np.ndarray, values: np.ndarray, offsets: np.ndarray,
            offsets_us: np.ndarray, missing_index: np.ndarray,
            missing_lists: list[list[str] | None]) -> None:
        self.positions, self.groups, self.group_table = positions, groups, table
        self.present, self.values, self.offsets = present, values, offsets
        self.offsets_us = offsets_us
        self.missing_index = missing_index
        self.missing_lists = [None, [], *missing_lists]

    def table(self, decider: Decider, chunk: Chunk, fallback: np.ndarray,
              zones: Mapping[str, str] | None = None,
              text: bool = False) -> tuple[pa.Table, list[RowError]]:
        """The chunk's rows, and the rows refused; ``zones`` (regency -> IANA zone): in
        the Parquet form; ``text``: in the text form."""
        n = self.n
        errors: list[RowError] = []
        schema = decision_schema()
        fb_rows = np.nonzero(fallback)[0]
        extra: list[dict[str, Any]] = []
        objects = chunk.cases(fb_rows) if len(fb_rows) else []
        for i, obj in zip(map(int, fb_rows), objects, strict=True):
            number = chunk.first_row + i
            # a row that could not be read is its Problem: evaluate_row reports it
            row, err = evaluate_row(decider.policies, chunk.bad.get(i, obj), number)
            extra.append(row)
            if err is not None:
                errors.append(err)
        decider.stats["rows_scalar"] += len(fb_rows)
        base = self.group_table.num_rows
        group_of = np.empty(n, dtype=np.int64)
        group_of[self.positions] = self.groups
        group_of[fb_rows] = base + np.arange(len(fb_rows))
        groups = pa.concat_tables([self.group_table, pa.Table.from_pylist(extra, schema=schema)]) \
            if extra else self.group_table
        take = pa.array(group_of)
        columns: dict[str, Any] = {
            "row": pa.array(chunk.first_row + np.arange(n, dtype=np.int64)),
        }
        missing_of = np.empty(n, dtype=np.int64)
        missing_of[self.positions] = self.missing_index
        lists = self.missing_lists + [row.get("missing_documents") for row in extra]
        missing_of[fb_rows] = len(self.missing_lists) + np.arange(len(fb_rows))
        if text and zones is None:
            columns.update(_combinations(groups, group_of, lists, missing_of))
            columns["deadlines"] = self._deadlines(groups, take, fb_rows)
            return pa.Table.from_pydict(columns, schema=text_form(schema)), errors
        if zones is not None:
            for name in ("policy", "outcome", "target_segment", "route"):
                columns[name] = indexed(groups.column(name).combine_chunks(), group_of)
        else:
            for name in ("policy", "outcome", "target_segment", "route"):
                columns[name] = groups.column(name).combine_chunks().take(take)
        columns["required_documents"] = groups.column("required_documents").combine_chunks(
            ).take(take)
        columns["missing_documents"] = pa.array(lists, pa.list_(pa.string())).take(
            pa.array(missing_of))
        if zones is None:
            columns["deadlines"] = self._deadlines(groups, take, fb_rows)
            columns["error"] = groups.column("error").combine_chunks().take(take)
            return pa.Table.from_pydict(columns, schema=schema), errors
        columns["deadlines"] = self._instants(groups, take, fb_rows)
        regency = groups.column("policy").combine_chunks().field("regency").to_pylist()
        columns["timezone"] = indexed(pa.array([zones.get(r) if r is not None else None
                                                for r in regency], pa.string()), group_of)
        columns["error"] = indexed(groups.column("error").combine_chunks(), group_of)
        return pa.Table.from_pydict(columns, schema=parquet_form(schema)), errors

    def _instants(self, groups: pa.Table, take: pa.Array, fb_rows: np.ndarray) -> pa.Array:
        """The deadlines as UTC instants: a decided row's local moment less its zone's
        offset; a row the scalar path decided, its ISO text read as an instant."""
        n = self.n
        scalar = groups.column("deadlines").combine_chunks().take(take) if len(fb_rows) else None
        is_fb = None
        texts: list[pa.Array] = []
        if scalar is not None:
            is_fb = np.zeros(n, dtype=bool)
            is_fb[fb_rows] = True
            texts = scalar.flatten()  # null under a null struct (an error row)
        children = []
        for k in range(len(DEADLINES)):
            valid = np.zeros(n, dtype=bool)
            utc = np.zeros(n, dtype=np.int64)
            valid[self.positions] = self.present[k]
            utc[self.positions] = np.where(self.present[k], self.values[k] - self.offsets_us, 0)
            vec = pa.array(utc, INSTANT, mask=~valid)
            if scalar is not None and is_fb is not None:
                vec = pc.if_else(pa.array(is_fb), pc.cast(texts[k], INSTANT), vec)
            children.append(vec)
        mask = scalar.is_null() if scalar is not None and scalar.null_count else None
        return pa.StructArray.from_arrays(
            children, fields=[pa.field(name, INSTANT) for name in DEADLINES], mask=mask)

    def _deadlines(self, groups: pa.Table, take: pa.Array, fb_rows: np.ndarray) -> pa.Array:
        n = self.n
        children = []
        scalar = groups.column("deadlines").combine_chunks().take(take) if len(fb_rows) else None
        is_fb = None
        scalar_children: list[pa.Array] = []
        if scalar is not None:
            is_fb = np.zeros(n, dtype=bool)
            is_fb[fb_rows] = True
            scalar_children = scalar.flatten()
        for k in range(len(DEADLINES)):
            if len(self.positions) == n:
                order = np.argsort(self.positions, kind="stable") \
                    if not np.array_equal(self.positions, np.arange(n)) else slice(None)
                children.append(iso_bytes(self.values[k][order], self.offsets[order],
                                          self.present[k][order]))
                continue
            valid = np.zeros(n, dtype=bool)
            us = np.zeros(n, dtype=np.int64)
            off = np.full(n, b"+00:00", dtype="S6")
            valid[self.positions] = self.present[k]
            us[self.positions] = self.values[k]
            off[self.positions] = self.offsets
            vec = iso_bytes(us, off, valid)
            if scalar is not None and is_fb is not None:
                vec = pc.if_else(pa.array(is_fb), scalar_children[k], vec)
            children.append(vec)
        mask = scalar.is_null() if scalar is not None and scalar.null_count else None
        return pa.StructArray.from_arrays(children, fields=list(DEADLINES_TYPE), mask=mask)



def parquet_form(schema: pa.Schema) -> pa.Schema:
    """The schema of ``schema``'s rows as they go to the Parquet writer."""
    return dictionary_schema(parquet_schema(schema))


#: the most (group, missing documents) keys a chunk's combinations are found by a table
#: over (more: by sorting the keys)
LOOKUP_KEYS = 1 << 22
#: the columns of the text form that are dictionaries of the chunk's combinations
COMBINED = ("policy", "outcome", "target_segment", "route", "required_documents",
            "missing_documents", "error")


def text_form(schema: pa.Schema) -> pa.Schema:
    """The schema of decision rows in the text form (:data:`COMBINED` as dictionaries)."""
    return pa.schema([pa.field(f.name, pa.dictionary(pa.int32(), f.type), f.nullable)
                      if f.name in COMBINED else f for f in schema])


def _combinations(groups: pa.Table, group_of: np.ndarray, lists: list[list[str] | None],
                  missing_of: np.ndarray) -> dict[str, pa.Array]:
    """The :data:`COMBINED` columns: each row's (group, missing documents) combination,
    the distinct ones as the dictionaries, one index array for all."""
    width = len(lists)
    keys = group_of * width + missing_of
    span = (int(group_of.max()) + 1) * width if len(keys) else 0
    if span <= LOOKUP_KEYS:  # a table over the keys: no sort
        seen = np.zeros(span, dtype=bool)
        seen[keys] = True
        distinct = np.flatnonzero(seen)
        number = np.zeros(span, dtype=np.int32)
        number[distinct] = np.arange(len(distinct), dtype=np.int32)
        index = number[keys]
    else:
        distinct, index = np.unique(keys, return_inverse=True)
    indices = pa.array(index.astype(np.int32, copy=False))
    group_rows = pa.array(distinct // width)
    columns = {name: pa.DictionaryArray.from_arrays(
        indices, groups.column(name).combine_chunks().take(group_rows))
        for name in COMBINED if name != "missing_documents"}
    columns["missing_documents"] = pa.DictionaryArray.from_arrays(
        indices, pa.array(lists, pa.list_(pa.string())).take(pa.array(distinct % width)))
    return columns
