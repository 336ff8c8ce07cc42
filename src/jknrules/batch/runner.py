"""A batch run: stream chunks from the input, decide them, write them in order.

Memory stays bounded by the chunk size times the chunks in flight (two per worker).
Every input row gives one output row; rows the evaluator refuses get ``error`` set
and an entry (row number, located bilingual diagnostics) in the errors file.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TextIO

import pyarrow as pa
import pyarrow.compute as pc

from jknrules.batch.cases import Chunk
from jknrules.batch.io import Writer, count_rows, read_chunks
from jknrules.batch.scalar import RowError, bad_json_error, evaluate_row
from jknrules.batch.schema import check_keys, decision_schema, error_row, full_schema
from jknrules.batch.vectorised import Decider
from jknrules.load.policyset import PolicySet

DEFAULT_ROWS = 1 << 18
PolicyPaths = str | os.PathLike[str] | list[str | os.PathLike[str]] | None


class Decided(NamedTuple):
    """One decided chunk: its output rows, the rows refused, the full results (``--full``)
    and how many rows the case-at-a-time evaluator decided (``scalar_rows``), of which
    ``uncoded_rows`` because their version reads a field the vectorised path cannot code."""

    table: pa.Table
    errors: list[RowError]
    objects: list[dict[str, Any]] | None
    scalar_rows: int
    uncoded_rows: int


@dataclass
class Summary:
    cases: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0
    errors_file: str = ""
    #: rows the case-at-a-time evaluator decided, and among them the rows whose version
    #: reads a field the vectorised path cannot code
    scalar_rows: int = 0
    uncoded_rows: int = 0

    def add(self, table: pa.Table, errors: int, scalar_rows: int = 0,
            uncoded_rows: int = 0) -> None:
        self.cases += table.num_rows
        self.errors += errors
        self.scalar_rows += scalar_rows
        self.uncoded_rows += uncoded_rows
        counts = pc.value_counts(table.column("outcome").combine_chunks())
        for item in counts.to_pylist():
            if item["values"] is not None:
                self.outcomes[item["values"]] += item["counts"]

    def text(self) -> str:
        rate = self.cases / self.seconds if self.seconds else 0.0
        lines = [f"kasus / cases: {self.cases:,}  ({self.seconds:.2f} s, {rate:,.0f}/s)"]
        for outcome, count in sorted(self.outcomes.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {outcome:<24} {count:>12,}")
        lines.append(f"  {'error':<24} {self.errors:>12,}"
                     + (f"  -> {self.errors_file}" if self.errors else ""))
        lines.append(f"  {'satu per satu / one by one':<24} {self.scalar_rows:>12,}"
                     + (f"  ({self.uncoded_rows:,}: kolom yang tidak dapat dikodekan / "
                        f"a condition reads a field the vectorised path cannot code)"
                        if self.uncoded_rows else ""))
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {"cases": self.cases, "outcomes": dict(self.outcomes), "errors": self.errors,
                "scalar_rows": self.scalar_rows, "uncoded_rows": self.uncoded_rows,
                "seconds": round(self.seconds, 3)}


# --- deciding one chunk (in this process or a worker) ------------------------------

#: the Decider of a worker process of ``--workers N`` (set by the pool's initializer in
#: that process only; the one process-wide state here, as ProcessPoolExecutor requires)
_WORKER: dict[str, Any] = {}


def decide_chunk(decider: Decider, chunk: Chunk, full: bool, trace: bool) -> Decided:
    if not full:
        before = decider.stats["rows_scalar"], decider.stats["rows_uncoded"]
        table, errors = decider.decide(chunk)
        return Decided(table, errors, None, decider.stats["rows_scalar"] - before[0],
                       decider.stats["rows_uncoded"] - before[1])
    rows: list[dict[str, Any]] = []
    objects: list[dict[str, Any]] = []
    errors = []
    error: RowError | None
    for i in range(chunk.length):
        number = chunk.first_row + i
        if i in chunk.bad_json:
            error = bad_json_error(number, chunk.bad_json[i])
            row, obj = error_row(number, error.message, trace, True), None
        else:
            row, error = evaluate_row(decider.policies, chunk.case(i), number, full=True,
                                      trace=trace)
        if error is not None:
            errors.append(error)
            objects.append({"row": number, "error": error.message})
        else:
            obj = {k: v for k, v in row.items() if k != "error"}
            if trace:
                obj["trace"] = [json.loads(e) for e in row["trace"]]
            objects.append(obj)
        rows.append(row)
    schema = full_schema(trace)
    check_keys(rows, schema)  # a result key without a column must not vanish unseen
    return Decided(pa.Table.from_pylist(rows, schema=schema), errors, objects, chunk.length, 0)


def _worker_init(policies: PolicyPaths) -> None:
    _WORKER["decider"] = Decider(PolicySet.load(policies))


def _worker_decide(chunk: Chunk, full: bool, trace: bool) -> Decided:
    return decide_chunk(_WORKER["decider"], chunk, full, trace)


# --- the run ---------------------------------------------------------------------------

def run(input_path: Path, output_path: Path, policies: PolicyPaths = None, *,
        full: bool = False, trace: bool = False, rows: int = DEFAULT_ROWS,
        errors_path: Path | None = None, workers: int = 1, progress: TextIO | None = None,
        loaded: PolicySet | None = None) -> Summary:
    """Evaluate every case of ``input_path`` into ``output_path`` (formats by extension)."""
    started = time.perf_counter()
    summary = Summary()
    errors_path = errors_path or output_path.with_name(output_path.name + ".errors.jsonl")
    summary.errors_file = str(errors_path)
    schema = full_schema(trace) if full else decision_schema()
    policy_set = loaded if loaded is not None else PolicySet.load(policies)
    total = count_rows(input_path)
    chunks = read_chunks(input_path, rows)
    writer = Writer(output_path, schema)
    bar = _progress(progress, total)
    try:
        with errors_path.open("w", encoding="utf-8") as errors_file:
            for done in _decided(chunks, policy_set, policies, full, trace, workers):
                writer.write(done.table, done.objects)
                for error in done.errors:
                    errors_file.write(json.dumps(error.to_json(), ensure_ascii=False) + "\n")
                summary.add(done.table, len(done.errors), done.scalar_rows, done.uncoded_rows)
                bar(done.table.num_rows)
    finally:
        writer.close()
        bar(None)
    summary.seconds = time.perf_counter() - started
    return summary


def _decided(chunks: Iterator[Chunk], policy_set: PolicySet, policies: PolicyPaths,
             full: bool, trace: bool, workers: int) -> Iterator[Decided]:
    if workers <= 1:
        decider = Decider(policy_set)
        for chunk in chunks:
            yield decide_chunk(decider, chunk, full, trace)
        return
    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(policies,)) as pool:
        pending: list[Future[Decided]] = []
        for chunk in chunks:
            pending.append(pool.submit(_worker_decide, chunk, full, trace))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _progress(stream: TextIO | None, total: int | None) -> Callable[[int | None], None]:
    """A progress bar on a terminal (rich); a no-op otherwise."""
    if stream is None or not stream.isatty():
        return lambda _: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn(), console=Console(file=stream))
    task = bar.add_task("jknrules batch", total=total)
    bar.start()

    def advance(n: int | None) -> None:
        if n is None:
            bar.stop()
        else:
            bar.advance(task, n)

    return advance
