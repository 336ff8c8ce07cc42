"""Batch evaluation: many cases at once, from files or Arrow/polars tables.

    >>> from jknrules import batch
    >>> table, errors = batch.evaluate_table(cases_table)          # pyarrow in, pyarrow out
    >>> summary = batch.run(Path("cases.parquet"), Path("results.parquet"))

The decision columns (see :mod:`jknrules.batch.schema`) come from the vectorised
path, identical to the scalar evaluator's; ``full=True`` adds the texts and reasons
of the complete result through the scalar evaluator. Needs the ``batch`` extra
(``pip install 'jknrules[batch]'``: pyarrow, numpy, rich; importing this package
without them raises :class:`ModuleNotFoundError` saying so), and ``polars`` for
:func:`evaluate_frame`, ``dask`` for :mod:`jknrules.batch.dask_runner`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jknrules.extras import require

#: The packages of the ``batch`` extra (``pyproject.toml``), checked before anything else.
EXTRA: tuple[str, ...] = ("pyarrow", "numpy", "rich")


require("batch", EXTRA, "evaluasi batch", "batch evaluation")

import pyarrow as pa

from jknrules.batch.cases import from_arrow
from jknrules.batch.io import refuse_unknown
from jknrules.batch.runner import Summary, decide_chunk, run
from jknrules.batch.scalar import RowError
from jknrules.batch.vectorised import Decider
from jknrules.load.policyset import PolicySet

if TYPE_CHECKING:
    import polars

__all__ = ["Decider", "RowError", "Summary", "evaluate_frame", "evaluate_table", "run"]


def _policy_set(policies: PolicySet | str | os.PathLike[str] | None) -> PolicySet:
    return policies if isinstance(policies, PolicySet) else PolicySet.load(policies)


def evaluate_table(table: pa.Table | pa.RecordBatch,
                   policies: PolicySet | str | os.PathLike[str] | None = None, *,
                   full: bool = False, trace: bool = False,
                   decider: Decider | None = None) -> tuple[pa.Table, list[RowError]]:
    """One output row per case row (nested structs or dotted column names), in order."""
    refuse_unknown(Path("<table>"), table.schema.names, table.schema)
    decider = decider or Decider(_policy_set(policies))
    done = decide_chunk(decider, from_arrow(table, 1), full, trace)
    return done.table, done.errors


def evaluate_frame(frame: polars.DataFrame,
                   policies: PolicySet | str | os.PathLike[str] | None = None,
                   **options: Any) -> polars.DataFrame:
    """:func:`evaluate_table` for a polars DataFrame (errors are in the ``error`` column)."""
    import polars as pl

    out, _ = evaluate_table(frame.to_arrow(), policies, **options)
    result = pl.from_arrow(out)
    assert isinstance(result, pl.DataFrame)
    return result
