"""A batch run: stream chunks from the input, decide them, write them in order.

Memory stays bounded by the chunk size times the chunks in flight (two per worker).
Every input row gives one output row; rows the evaluator refuses, and rows that cannot
be read at all, get ``error`` set and an entry (row number, located bilingual
diagnostics) in the errors file: one bad row never stops a run. Should the vectorised
path itself fail on a chunk (a bug), the chunk is decided again one row at a time by
the scalar evaluator, which never raises, and the summary counts it.

Outputs are written as ``.partial`` files and renamed into place when complete; a
progress file after each chunk lets ``resume=True`` continue a killed run
(:mod:`jknrules.batch.output`, :mod:`jknrules.batch.progress`).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jknrules.batch.cases import Chunk
from jknrules.batch.files import RunFiles
from jknrules.batch.io import format_of
from jknrules.batch.output import RunOutput, complete
from jknrules.batch.progress import Digest, Progress, options, verify
from jknrules.batch.readers import Mark, open_source
from jknrules.batch.scalar import RowError, evaluate_row
from jknrules.batch.schema import check_keys, decision_schema, full_schema
from jknrules.batch.vectorised import Decider
from jknrules.load.policyset import PolicySet

DEFAULT_ROWS = 1 << 18
#: rows per chunk of a JSON Lines or CSV input (its reading holds more per row; at 1.2M
#: cases the peak RSS is 0.46 GiB instead of 0.65 GiB, at the same speed)
TEXT_ROWS = 1 << 17


def default_rows(kind: str) -> int:
    """Rows per chunk when ``--rows`` is not given, by the input's kind."""
    return TEXT_ROWS if kind in ("jsonl", "csv") else DEFAULT_ROWS
PolicyPaths = str | os.PathLike[str] | list[str | os.PathLike[str]] | None


class Decided(NamedTuple):
    """One decided chunk: its output rows, the rows refused, the full results (``--full``)
    and how many rows the case-at-a-time evaluator decided (``scalar_rows``), of which
    ``uncoded_rows`` because the batch plan cannot express their policy version."""

    table: pa.Table
    errors: list[RowError]
    objects: list[dict[str, Any]] | None
    scalar_rows: int
    uncoded_rows: int
    #: the vectorised path failed on this chunk and the scalar path decided it
    rescued: bool = False


@dataclass
class Summary:
    cases: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0
    errors_file: str = ""
    #: rows the case-at-a-time evaluator decided (rows the typed columns cannot carry
    #: exactly, deadlines past the calendar arrays, ``--full``), and among them the rows
    #: of a policy version the batch plan (``batch/plan.py``) cannot express
    scalar_rows: int = 0
    uncoded_rows: int = 0
    #: chunks decided one by one because the vectorised path failed on them (a bug)
    rescued_chunks: int = 0
    #: rows an earlier, interrupted run had decided (``--resume``)
    resumed_rows: int = 0

    def add(self, table: pa.Table, errors: int, scalar_rows: int = 0,
            uncoded_rows: int = 0, rescued: bool = False) -> None:
        self.cases += table.num_rows
        self.errors += errors
        self.scalar_rows += scalar_rows
        self.uncoded_rows += uncoded_rows
        self.rescued_chunks += rescued
        outcome = table.column("outcome").combine_chunks()
        if pa.types.is_dictionary(outcome.type):  # the Parquet or text form: count the indices
            counts = np.bincount(outcome.indices.fill_null(-1).to_numpy(
                zero_copy_only=False) + 1, minlength=len(outcome.dictionary) + 1)
            for name, count in zip(outcome.dictionary.to_pylist(), counts[1:].tolist(),
                                   strict=True):
                if count and name is not None:  # an error row's (the text form) is null
                    self.outcomes[name] += count
            return
        counts = pc.value_counts(outcome)
        for item in counts.to_pylist():
            if item["values"] is not None:
                self.outcomes[item["values"]] += item["counts"]

    def text(self) -> str:
        rate = self.cases / self.seconds if self.seconds else 0.0
        lines = [f"kasus / cases: {self.cases:,}  ({self.seconds:.2f} s, {rate:,.0f}/s)"]
        for outcome, count in sorted(self.outcomes.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {outcome:<24} {count:>12,}")
        lines.append(f"  {'error':<24} {self.errors:>12,}"
                     + (f"  -> {self.errors_file}" if self.errors and self.errors_file else ""))
        lines.append(f"  {'satu per satu / one by one':<24} {self.scalar_rows:>12,}"
                     + (f"  ({self.uncoded_rows:,}: versi kebijakan yang tidak dapat dinyatakan "
                        f"rencana batch / a policy version the batch plan cannot express)"
                        if self.uncoded_rows else ""))
        if self.rescued_chunks:
            lines.append(f"  {self.rescued_chunks:,} potongan diputuskan satu per satu setelah "
                         "kesalahan internal jalur vektor / chunk(s) decided one by one after "
                         "an internal error of the vectorised path (please report it)")
        if self.resumed_rows:
            lines.append(f"  dilanjutkan / resumed: {self.resumed_rows:,} baris dari run yang "
                         "terputus / rows from the interrupted run")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {"cases": self.cases, "outcomes": dict(self.outcomes), "errors": self.errors,
                "scalar_rows": self.scalar_rows, "uncoded_rows": self.uncoded_rows,
                "rescued_chunks": self.rescued_chunks, "resumed_rows": self.resumed_rows,
                "seconds": round(self.seconds, 3)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        return cls(cases=int(data.get("cases", 0)), outcomes=Counter(data.get("outcomes", {})),
                   errors=int(data.get("errors", 0)), seconds=float(data.get("seconds", 0)),
                   scalar_rows=int(data.get("scalar_rows", 0)),
                   uncoded_rows=int(data.get("uncoded_rows", 0)),
                   rescued_chunks=int(data.get("rescued_chunks", 0)))


# --- deciding one chunk (in this process or a worker) ------------------------------

#: the Decider of a worker process of ``--workers N`` (set by the pool's initializer in
#: that process only; the one process-wide state here, as ProcessPoolExecutor requires)
_WORKER: dict[str, Any] = {}


def decide_chunk(decider: Decider, chunk: Chunk, full: bool, trace: bool,
                 parquet: bool = False, text: bool = False) -> Decided:
    """``parquet``: the decision columns in the Parquet writer's form, ``text``: in the
    JSON Lines and CSV writers' (``assembly.text_form``; ``full`` has one form)."""
    if not full:
        before = decider.stats["rows_scalar"], decider.stats["rows_uncoded"]
        try:
            table, errors = decider.decide(chunk, parquet, text)
        except Exception:  # noqa: BLE001 - a bug in the vectorised path costs speed only
            if os.environ.get("JKNRULES_DEBUG"):
                raise
            return _one_by_one(decider.policies, chunk)
        return Decided(table, errors, None, decider.stats["rows_scalar"] - before[0],
                       decider.stats["rows_uncoded"] - before[1])
    rows: list[dict[str, Any]] = []
    objects: list[dict[str, Any]] = []
    errors = []
    for i in range(chunk.length):
        number = chunk.first_row + i
        row, error = evaluate_row(decider.policies, chunk.case_or_problem(i), number,
                                  full=True, trace=trace)
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


def _one_by_one(policies: PolicySet, chunk: Chunk) -> Decided:
    """The decision columns of every row by the scalar evaluator (which never raises)."""
    rows = []
    errors = []
    for i in range(chunk.length):
        row, error = evaluate_row(policies, chunk.case_or_problem(i), chunk.first_row + i)
        rows.append(row)
        if error is not None:
            errors.append(error)
    table = pa.Table.from_pylist(rows, schema=decision_schema())
    return Decided(table, errors, None, chunk.length, 0, rescued=True)


def _worker_init(policies: PolicyPaths) -> None:
    _WORKER["decider"] = Decider(PolicySet.load(policies))


def _worker_decide(chunk: Chunk, full: bool, trace: bool, form: str) -> Decided:
    return decide_chunk(_WORKER["decider"], chunk, full, trace, form == "parquet",
                        form in ("jsonl", "csv"))


# --- the run ---------------------------------------------------------------------------

def run(input_path: Path, output_path: Path, policies: PolicyPaths = None, *,
        full: bool = False, trace: bool = False, rows: int | None = None,
        errors_path: Path | None = None, workers: int = 1, progress: TextIO | None = None,
        loaded: PolicySet | None = None, resume: bool = False) -> Summary:
    """Evaluate every case of ``input_path`` into ``output_path`` (formats by extension).

    ``resume``: continue the interrupted run recorded in ``OUTPUT.progress.json`` (the
    same input, options and policies, or :class:`~jknrules.batch.files.BatchFileError`).
    Raises ``BatchFileError`` (a ``JknrulesError``) for files that cannot be read or
    written, naming them; the partial files are then kept for ``resume``."""
    started = time.perf_counter()
    errors_path = errors_path or output_path.with_name(output_path.name + ".errors.jsonl")
    files = RunFiles(input_path, output_path, errors_path)
    format_of(output_path)
    files.check()
    source = open_source(input_path)
    rows = rows or default_rows(source.kind)
    policy_set = loaded if loaded is not None else PolicySet.load(policies)
    schema = full_schema(trace) if full else decision_schema()
    state = Progress(str(input_path.resolve()), source.size, source.footer,
                     str(output_path.resolve()), str(errors_path.resolve()),
                     options(full, trace, policy_set))
    start: Mark | None = None
    if resume:
        saved = Progress.load(files.progress)
        if saved.state == "finishing":  # killed while renaming: only that is left to do
            complete(files)
            return _restored(saved, errors_path)
        digest = verify(saved, state, files.progress)
        state = saved
        start = Mark(saved.rows, saved.input_offset, saved.input_lines)
    else:
        if progress is not None and files.progress.exists():
            progress.write(f"jknrules batch: run terputus sebelumnya untuk {output_path} dimulai "
                           "ulang dari awal (--resume untuk melanjutkannya) / an interrupted "
                           f"earlier run for {output_path} starts again from the beginning "
                           "(--resume continues it instead)\n")
        digest = Digest(input_path)
    summary = _restored(state, errors_path) if resume else Summary(errors_file=str(errors_path))
    previous = summary.seconds
    output = RunOutput(files, schema, state, resume=resume, zones=zones(policy_set))
    total = source.total - state.rows if source.total is not None else None
    bar = _progress(progress, total)
    try:
        for done, mark in _decided(source.chunks(rows, start), policy_set, policies, full,
                                   trace, workers, output.kind):
            output.write(done.table, done.objects, done.errors)
            summary.add(done.table, len(done.errors), done.scalar_rows, done.uncoded_rows,
                        done.rescued)
            state.rows, state.input_offset, state.input_lines = mark.rows, mark.offset, mark.lines
            state.input_sha256 = digest.advance(mark.offset)
            state.chunks += 1
            summary.seconds = previous + time.perf_counter() - started
            state.summary = summary.to_json()
            output.checkpoint()
            bar(done.table.num_rows)
        output.finish()
    except BaseException:
        output.abandon()
        raise
    finally:
        bar(None)
    summary.seconds = previous + time.perf_counter() - started
    return summary


def zones(policies: PolicySet) -> dict[str, str]:
    """Each regency's time zone (Parquet output's ``timezone`` column)."""
    return {c.policy.regency: c.policy.time_zone for c in policies}


def _restored(state: Progress, errors_path: Path) -> Summary:
    """The summary an interrupted run had reached."""
    summary = Summary.from_json(state.summary)
    summary.errors_file = str(errors_path)
    summary.resumed_rows = state.rows if state.state == "running" else 0
    return summary


def _decided(chunks: Iterator[tuple[Chunk, Mark]], policy_set: PolicySet,
             policies: PolicyPaths, full: bool, trace: bool, workers: int,
             form: str = "") -> Iterator[tuple[Decided, Mark]]:
    """The chunks decided, in order, in the form the writer of the output kind ``form``
    takes fastest (``parquet``: the Parquet form; ``jsonl``, ``csv``: the text form)."""
    if workers <= 1:
        decider = Decider(policy_set)
        for chunk, mark in chunks:
            yield decide_chunk(decider, chunk, full, trace, form == "parquet",
                               form in ("jsonl", "csv")), mark
        return
    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(policies,)) as pool:
        pending: deque[tuple[Future[Decided], Mark]] = deque()
        for chunk, mark in chunks:
            pending.append((pool.submit(_worker_decide, chunk, full, trace, form), mark))
            if len(pending) >= 2 * workers:
                future, at = pending.popleft()
                yield future.result(), at
        for future, at in pending:
            yield future.result(), at


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
