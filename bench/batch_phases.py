"""CPU time per phase of a batch, Parquet -> Parquet, in one process (not a test).

    .venv/bin/python bench/generate.py 1200000 cases.parquet
    .venv/bin/python bench/batch_phases.py cases.parquet

Reads the file in chunks of 262,144 rows as ``jknrules batch`` does, decides them with
one ``Decider`` and writes the decision columns; the first chunk (plans, calendar tables
and memos being built) is left out of the figures, so they are the marginal cost per
case. CPU time (``time.process_time``), so a loaded machine changes them less than wall
time; phases are timed by wrapping the functions that do them.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import jknrules  # noqa: E402
from jknrules.batch import assembly, coding, vectorised  # noqa: E402
from jknrules.batch.cases import from_arrow  # noqa: E402
from jknrules.batch.schema import decision_schema  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)


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


def main() -> None:
    source = Path(sys.argv[1])
    timed(coding.Coder, "keys", "coding in all (ISO, codes, documents and the rest)")
    timed(coding, "parse_iso", "ISO parsing of submitted_at")
    timed(coding.Coder, "moments", "local moments (ISO parsing and zone offsets)")
    timed(coding.Coder, "codes", "field codes")
    timed(coding.Coder, "documents", "documents brought (bit masks)")
    timed(vectorised.Decider, "_decide_rows", "deciding in all (plan, calendar, combinations, rest)")
    timed(vectorised, "decide", "plan: conditions, route, rules, documents, precedence")
    timed(vectorised, "service_times", "calendar arrays (channel, window, deadlines)")
    timed(vectorised, "_combine", "combinations (dictionary encoding)")
    timed(assembly, "iso_bytes", "deadline text (ISO 8601)")
    timed(assembly.Assembly, "table", "assembly: per-row takes, missing documents, text")
    decider = vectorised.Decider(jknrules.load_policies(Path(__file__).parents[1] / "policies"))
    rows = 0
    total = read = write = 0.0
    out = source.with_name(source.stem + "-phases.parquet")
    with pq.ParquetWriter(out, decision_schema()) as writer:
        for i, batch in enumerate(pq.ParquetFile(source).iter_batches(batch_size=1 << 18)):
            if i == 1:  # from the second chunk on
                SPENT.clear()
                rows, read, write, total = 0, 0.0, 0.0, -time.process_time()
            start = time.process_time()
            chunk = from_arrow(pa.Table.from_batches([batch]), rows + 1)
            read += time.process_time() - start
            table, _ = decider.decide(chunk)
            start = time.process_time()
            writer.write_table(table)
            write += time.process_time() - start
            rows += chunk.length
    total += time.process_time()
    out.unlink()
    print(f"{rows:,} cases after the first chunk: {total:.2f} s CPU, "
          f"{total / rows * 1e6:.2f} µs per case ({rows / total:,.0f} cases/s)")
    print(f"  {'reading Parquet into chunks':<55} {read / rows * 1e6:5.2f} µs")
    print(f"  {'writing Parquet':<55} {write / rows * 1e6:5.2f} µs")
    for label, seconds in SPENT.items():
        print(f"  {label:<55} {seconds / rows * 1e6:5.2f} µs")
    print(f"  rows decided one by one: {decider.stats}")


if __name__ == "__main__":
    main()
