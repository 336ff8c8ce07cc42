"""The same batch on a Dask cluster (``pip install 'jknrules[dask]'``).

Each worker loads and compiles the policies once (a worker plugin) and keeps one
:class:`~jknrules.batch.vectorised.Decider`. A Parquet input is split by row group
(and by ``rows`` inside large row groups); the workers read their part of the file
themselves and write their part of the output, so both must be at the same path on
every worker (a shared folder). Other inputs are read here and sent to the workers
chunk by chunk. The output is a folder of Parquet files
``part-00000.parquet`` …, in input order, plus ``errors.jsonl``; it is written as
``OUTPUT.partial`` and takes the place of OUTPUT only when every part is written, so a
folder named OUTPUT is always complete. A folder that would hold the input is refused.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from jknrules.batch.cases import Chunk, from_arrow
from jknrules.batch.files import (
    check_folder,
    file_error,
    inside,
    problem,
    remove,
    writing,
)
from jknrules.batch.io import format_of, parquet_table, refuse_unknown
from jknrules.batch.readers import read_chunks
from jknrules.batch.runner import PolicyPaths, Summary, decide_chunk, zones
from jknrules.batch.schema import decision_schema, full_schema
from jknrules.batch.vectorised import Decider
from jknrules.load.policyset import PolicySet

_ATTRIBUTE = "_jknrules_decider"


def policies_plugin(policies: PolicyPaths) -> Any:
    """A ``distributed`` worker plugin that loads the policies once per worker."""
    from distributed.diagnostics.plugin import WorkerPlugin

    paths = [str(p) for p in policies] if isinstance(policies, list) else (
        None if policies is None else str(policies))

    class PoliciesPlugin(WorkerPlugin):
        name = "jknrules-policies"

        def setup(self, worker: Any) -> None:
            setattr(worker, _ATTRIBUTE, Decider(PolicySet.load(paths)))

        def teardown(self, worker: Any) -> None:
            if hasattr(worker, _ATTRIBUTE):
                delattr(worker, _ATTRIBUTE)

    return PoliciesPlugin()


def _decider() -> Decider:
    from distributed import get_worker

    decider = getattr(get_worker(), _ATTRIBUTE, None)
    if not isinstance(decider, Decider):  # pragma: no cover - the plugin runs before tasks
        raise RuntimeError("jknrules worker plugin not registered")
    return decider


def _write(chunk: Chunk, out: str, full: bool, trace: bool) -> dict[str, Any]:
    decider = _decider()
    done = decide_chunk(decider, chunk, full, trace)
    table, errors = done.table, done.errors
    pq.write_table(parquet_table(table, zones(decider.policies)), out)
    outcomes: dict[str, int] = {}
    for item in table.column("outcome").value_counts().to_pylist():
        if item["values"] is not None:
            outcomes[item["values"]] = int(item["counts"])
    return {"cases": table.num_rows, "outcomes": outcomes,
            "errors": [e.to_json() for e in errors], "scalar_rows": done.scalar_rows,
            "uncoded_rows": done.uncoded_rows}


def _parquet_part(path: str, group: int, start: int, length: int, first_row: int, out: str,
                  full: bool, trace: bool) -> dict[str, Any]:
    table = pq.ParquetFile(path).read_row_group(group).slice(start, length)
    return _write(from_arrow(table, first_row), out, full, trace)


def _chunk_part(chunk: Chunk, out: str, full: bool, trace: bool) -> dict[str, Any]:
    return _write(chunk, out, full, trace)


def run(input_path: Path | str, output_dir: Path | str, scheduler: Any,
        policies: PolicyPaths = None, *, full: bool = False, trace: bool = False,
        rows: int = 1 << 18) -> Summary:
    """Evaluate ``input_path`` on the cluster at ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``, or a ``distributed.Client``) into ``output_dir``."""
    from distributed import Client

    started = time.perf_counter()
    final = Path(output_dir)
    output = final.with_name(final.name + ".partial")
    _check(Path(input_path), final, output)
    PolicySet.load(policies)  # invalid policies fail here, before the cluster is busy
    client = scheduler if isinstance(scheduler, Client) else \
        Client(scheduler)  # type: ignore[no-untyped-call]
    own_client = client is not scheduler
    remove(output)
    with writing(output):
        output.mkdir()
    summary = Summary(errors_file=str(final / "errors.jsonl"))
    try:
        client.register_plugin(policies_plugin(policies), name="jknrules-policies")
        futures = []
        part = 0
        source = Path(input_path)
        if format_of(source) == "parquet":
            meta = pq.ParquetFile(source)
            refuse_unknown(source, meta.schema_arrow.names, meta.schema_arrow)
            first = 1
            for group in range(meta.num_row_groups):
                size = meta.metadata.row_group(group).num_rows
                for start in range(0, size, rows):
                    length = min(rows, size - start)
                    futures.append(client.submit(
                        _parquet_part, str(source.resolve()), group, start, length,
                        first + start, str(output / f"part-{part:05d}.parquet"), full, trace,
                        pure=False))
                    part += 1
                first += size
        else:
            for chunk in read_chunks(source, rows):
                futures.append(client.submit(_chunk_part, chunk,
                                             str(output / f"part-{part:05d}.parquet"), full,
                                             trace, pure=False))
                part += 1
        with (output / "errors.jsonl").open("w", encoding="utf-8") as errors_file:
            for future in futures:
                try:
                    done = future.result()
                except OSError as exc:  # a worker could not read its part or write its own
                    raise file_error(output, exc, writing=True) from exc
                summary.cases += done["cases"]
                summary.outcomes.update(done["outcomes"])
                summary.errors += len(done["errors"])
                summary.scalar_rows += done["scalar_rows"]
                summary.uncoded_rows += done["uncoded_rows"]
                for error in done["errors"]:
                    errors_file.write(json.dumps(error, ensure_ascii=False) + "\n")
        if not futures:
            pq.write_table(parquet_table(pa.Table.from_pylist(
                [], schema=full_schema(trace) if full else decision_schema()), {}),
                output / "part-00000.parquet")
    finally:
        if own_client:
            client.close()  # type: ignore[no-untyped-call]
    _put_in_place(output, final)
    summary.seconds = time.perf_counter() - started
    return summary


def _check(source: Path, final: Path, partial: Path) -> None:
    for folder in (final, partial):
        if inside(source, folder):
            raise problem("JKN-X010", folder,
                          f"berkas masukan '{source}' ada di dalam folder hasil '{folder}', yang "
                          "akan diganti", f"the input '{source}' lies in the output folder "
                          f"'{folder}', which is replaced")
    if final.exists() and not final.is_dir():
        raise problem("JKN-X012", final, f"'{final}' ada dan bukan folder",
                      f"'{final}' exists and is not a folder")
    check_folder(final)


def _put_in_place(partial: Path, final: Path) -> None:
    """The complete folder takes the place of OUTPUT (the old one, if any, is removed)."""
    old = final.with_name(final.name + ".replaced")
    remove(old)
    with writing(final):
        if final.exists():
            final.rename(old)
        partial.rename(final)
    remove(old)

