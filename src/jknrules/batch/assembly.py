"""Putting a decided chunk together: group rows taken per row, missing documents, the
deadlines formatted over arrays, and the rows the scalar path decided, in input order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jknrules.batch.cases import Chunk
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
        self.missing_index = np.zeros(0, dtype=np.int64)
        self.missing_lists: list[list[str] | None] = [None, []]

    def add(self, positions: np.ndarray, groups: np.ndarray, table: pa.Table,
            present: np.ndarray, values: np.ndarray, offsets: np.ndarray,
            missing_index: np.ndarray, missing_lists: list[list[str] | None]) -> None:
        self.positions, self.groups, self.group_table = positions, groups, table
        self.present, self.values, self.offsets = present, values, offsets
        self.missing_index = missing_index
        self.missing_lists = [None, [], *missing_lists]

    def table(self, decider: Decider, chunk: Chunk, fallback: np.ndarray
              ) -> tuple[pa.Table, list[RowError]]:
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
        for name in ("policy", "outcome", "target_segment", "route", "required_documents"):
            columns[name] = groups.column(name).combine_chunks().take(take)
        missing_of = np.empty(n, dtype=np.int64)
        missing_of[self.positions] = self.missing_index
        lists = self.missing_lists + [row.get("missing_documents") for row in extra]
        missing_of[fb_rows] = len(self.missing_lists) + np.arange(len(fb_rows))
        columns["missing_documents"] = pa.array(lists, pa.list_(pa.string())).take(
            pa.array(missing_of))
        columns["deadlines"] = self._deadlines(groups, take, fb_rows)
        columns["error"] = groups.column("error").combine_chunks().take(take)
        return pa.Table.from_pydict(columns, schema=schema), errors

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

