"""CPU time per phase of a batch, Parquet -> Parquet, in one process, beside the limit's
(``reference.py``) phases (not a test).

    .venv/bin/python bench/generate.py 1200000 cases.parquet      # or bench/run.py --keep
    .venv/bin/python bench/batch_phases.py cases.parquet [--rounds 3]

jknrules: the file is read in chunks of 262,144 rows as ``jknrules batch`` reads it
(``ParquetInput``), decided by one ``Decider`` and written by the CLI's own Parquet
writer (``io.Writer``), each chunk also kept as ``--resume`` keeps it. The limit:
``reference.decide_table`` over the same chunks, written with jknrules' columns and writer
settings (as ``reference.py --like`` does). The first chunk (plans, calendar tables, memos
being built) is left out, so the figures are the marginal cost per case. CPU time
(``time.process_time``: every thread of the process), so a loaded machine changes them
less than wall time; each round runs both, one after the other, and the table gives the
smallest of the rounds per phase. Phases are timed by wrapping the functions that do them
(a wrapped function's time is also in the phase that calls it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import reference  # noqa: E402

import jknrules  # noqa: E402
from jknrules.batch import assembly, coding, io, output, readers, vectorised  # noqa: E402
from jknrules.batch.files import RunFiles  # noqa: E402
from jknrules.batch.progress import Progress  # noqa: E402
from jknrules.batch.runner import Summary, zones  # noqa: E402
from jknrules.batch.schema import decision_schema  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)
ROWS = 1 << 18


def timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper adding its CPU time to ``SPENT[label]``."""
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[label] += time.process_time() - start

    setattr(owner, name, wrapper)


#: (label, jknrules phase, reference phase): the rows of the table, in order
PHASES = [
    ("all, per case", "all", "all"),
    ("reading Parquet (decoding the file)", "read", "read"),
    ("  typed columns, UTF-8 check (from_arrow)", "from_arrow", None),
    ("coding in all", "coding", None),
    ("  ISO parsing of submitted_at, zone offsets", "moments", "iso"),
    ("  field codes", "codes", None),
    ("  documents brought (bit masks)", "documents", None),
    ("deciding in all (plan, calendar, combinations)", "deciding", "deciding"),
    ("  the plan: conditions, route, rules, documents", "plan", None),
    ("  calendar arrays: channel, window, deadlines", "calendar", None),
    ("assembly: output columns per row", "assembly", "assembly"),
    ("  deadline columns", "deadlines", None),
    ("Parquet form of rows from elsewhere (instants, zone)", "parquet_table", None),
    ("writing Parquet (encoding, compression)", "write", "write"),
    ("keeping the chunk for --resume (LZ4 Arrow)", "keep", None),
    ("summary (outcome counts)", "summary", None),
]


def wrap_jknrules() -> None:
    timed(readers, "from_arrow", "jkn from_arrow")
    timed(coding.Coder, "keys", "jkn coding")
    timed(coding.Coder, "moments", "jkn moments")
    timed(coding.Coder, "codes", "jkn codes")
    timed(coding.Coder, "documents", "jkn documents")
    timed(vectorised.Decider, "_decide_rows", "jkn deciding")
    timed(vectorised, "decide", "jkn plan")
    timed(vectorised, "service_times", "jkn calendar")
    timed(assembly.Assembly, "table", "jkn assembly")
    timed(assembly.Assembly, "_instants", "jkn deadlines")
    timed(io, "parquet_table", "jkn parquet_table")
    timed(io.Writer, "write", "jkn write")
    timed(output.RunOutput, "_keep", "jkn keep")
    timed(Summary, "add", "jkn summary")


def wrap_reference() -> None:
    timed(reference, "local_microseconds", "ref iso")
    timed(reference, "decide_arrays", "ref deciding")


def run_jknrules(source: Path, folder: Path, policies: jknrules.PolicySet) -> tuple[int, float]:
    """Read, decide and write as ``jknrules batch`` does; (cases timed, CPU seconds)."""
    target = folder / "jkn.parquet"
    files = RunFiles(source, target, folder / "jkn.errors.jsonl")
    schema = decision_schema()
    state = Progress(str(source), 0, "", str(target), str(files.errors), {})
    out = output.RunOutput(files, schema, state, resume=False, zones=zones(policies))
    decider = vectorised.Decider(policies)
    summary = Summary()
    rows, total = 0, 0.0
    chunks = readers.ParquetInput(source).chunks(ROWS)
    start = time.process_time()
    i = 0
    while True:
        t0 = time.process_time()
        item = next(chunks, None)
        SPENT["jkn read"] += time.process_time() - t0
        if item is None:
            break
        chunk = item[0]
        table, errors = decider.decide(chunk, parquet=True)
        out.write(table, None, errors)
        summary.add(table, len(errors))
        state.chunks += 1
        if i == 0:  # from the second chunk on
            SPENT.clear()
            start = time.process_time()
        else:
            rows += chunk.length
        i += 1
    total = time.process_time() - start
    SPENT["jkn read"] -= SPENT["jkn from_arrow"]
    SPENT["jkn write"] -= SPENT["jkn parquet_table"]
    out.writer.close()
    return rows, total


def run_reference(source: Path, like: Path) -> tuple[int, float]:
    """``reference.run_file``'s loop, timed; (cases timed, CPU seconds)."""
    schema = pq.read_schema(like)
    first = pq.read_table(like).slice(0, 1).to_pylist()[0]["policy"]
    group = pq.ParquetFile(like).metadata.row_group(0)
    leaves = [group.column(i) for i in range(group.num_columns)]
    dictionary = [c.path_in_schema for c in leaves if "RLE_DICTIONARY" in c.encodings]
    statistics = [c.path_in_schema for c in leaves if c.is_stats_set]
    days = reference.holiday_dates()
    rows, done, total = 0, 0, 0.0
    with tempfile.TemporaryDirectory() as folder, \
            pq.ParquetWriter(Path(folder) / "ref.parquet", schema, use_dictionary=dictionary,
                             write_statistics=statistics) as writer:
        batches = pq.ParquetFile(source).iter_batches(batch_size=ROWS)
        start = time.process_time()
        i = 0
        while True:
            t0 = time.process_time()
            batch = next(batches, None)
            SPENT["ref read"] += time.process_time() - t0
            if batch is None:
                break
            t0 = time.process_time()
            out = reference.decide_table(pa.Table.from_batches([batch]), schema, first, days,
                                         done + 1)
            SPENT["ref assembly"] += time.process_time() - t0
            t0 = time.process_time()
            writer.write_table(out)
            SPENT["ref write"] += time.process_time() - t0
            done += batch.num_rows
            if i == 0:
                for key in [k for k in SPENT if k.startswith("ref ")]:
                    del SPENT[key]
                start = time.process_time()
            else:
                rows += batch.num_rows
            i += 1
        total = time.process_time() - start
    # decide_table includes decide_arrays, which includes the ISO parsing
    SPENT["ref assembly"] -= SPENT["ref deciding"]
    SPENT["ref deciding"] -= SPENT["ref iso"]
    return rows, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    wrap_jknrules()
    wrap_reference()
    policies = jknrules.load_policies(HERE.parent / "policies")
    best: dict[str, float] = {}
    counted: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for _ in range(args.rounds):
            SPENT.clear()
            rows, total = run_jknrules(args.source, folder, policies)
            figures = {f"jkn {k[4:]}": v / rows for k, v in SPENT.items() if k.startswith("jkn ")}
            figures["jkn all"] = total / rows
            counted["jkn"] = rows
            like = folder / "jkn.parquet.partial"
            SPENT.clear()
            rows, total = run_reference(args.source, like)
            figures.update({k: v / rows for k, v in SPENT.items() if k.startswith("ref ")})
            figures["ref all"] = total / rows
            counted["ref"] = rows
            for key, value in figures.items():
                best[key] = min(best.get(key, value), value)
    print(f"CPU µs per case, {counted['jkn']:,} cases after the first chunk of {ROWS:,}, "
          f"best of {args.rounds} rounds")
    print("| phase | jknrules | limit (reference.py) |\n|---|---|---|")
    for label, ours, theirs in PHASES:
        a = best.get(f"jkn {ours}")
        b = best.get(f"ref {theirs}") if theirs else None
        print(f"| {label} | {'' if a is None else f'{a * 1e6:.2f}'} | "
              f"{'' if b is None else f'{b * 1e6:.2f}'} |")


if __name__ == "__main__":
    main()
