"""A batch run from stdin or to stdout (``jknrules batch - --out -``), for pipelines.

The input is read and the output written a chunk at a time, as a file run does (memory
bounded by ``--rows``): JSON Lines and CSV stream both ways; a Parquet input on stdin is
first copied to a temporary file (a Parquet file's footer is at its end), and a Parquet
output on stdout appears whole when the run ends. The formats are named by ``--input-format``
and ``--format`` (there is no file extension). There is nothing to resume: a stream cannot
be read again, nor a stdout taken back, so ``--resume`` is refused; an output *file* fed
from stdin is still written as ``.partial`` and renamed when complete. Errors: the error rows
are in the output as ever; their full diagnostics go to ``--errors FILE`` when given (the
errors file beside an output file otherwise, none for stdout).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO

from jknrules.batch.csvinput import CsvFile
from jknrules.batch.files import check_writable_place, remove, replace, writing
from jknrules.batch.io import Writer, format_of
from jknrules.batch.jsonlines import JsonLines
from jknrules.batch.readers import ParquetInput, open_source
from jknrules.batch.runner import PolicyPaths, Summary, _decided, default_rows, zones
from jknrules.batch.schema import decision_schema, full_schema
from jknrules.batch.source import Source
from jknrules.load.policyset import PolicySet

#: the name a stream has in messages and error rows
STDIN, STDOUT = Path("<stdin>"), Path("<stdout>")
KINDS = ("jsonl", "csv", "parquet")


def is_stream(path: Path) -> bool:
    return str(path) == "-"


def run_stream(input_path: Path, output_path: Path, policies: PolicyPaths = None, *,
               input_kind: str = "jsonl", output_kind: str = "jsonl", full: bool = False,
               trace: bool = False, rows: int | None = None, errors_path: Path | None = None,
               workers: int = 1, stdin: IO[bytes] | None = None,
               stdout: IO[bytes] | None = None, loaded: PolicySet | None = None) -> Summary:
    """Evaluate every case of ``input_path`` into ``output_path``, either of them ``-``
    (stdin, stdout: ``input_kind``, ``output_kind``)."""
    started = time.perf_counter()
    to_stdout = is_stream(output_path)
    if not to_stdout:
        output_kind = format_of(output_path)
        check_writable_place(output_path)
        errors_path = errors_path or output_path.with_name(output_path.name + ".errors.jsonl")
    if errors_path is not None:
        check_writable_place(errors_path)
    policy_set = loaded if loaded is not None else PolicySet.load(policies)
    schema = full_schema(trace) if full else decision_schema()
    summary = Summary(errors_file=str(errors_path) if errors_path else "")
    with contextlib.ExitStack() as stack:
        source = _source(input_path, input_kind, stdin, stack)
        rows = rows or default_rows(source.kind)
        if to_stdout:
            writer = Writer(STDOUT, output_kind, schema, stream=stdout,
                            zones=zones(policy_set))
            partial = None
        else:
            partial = output_path.with_name(output_path.name + ".partial")
            writer = Writer(partial, output_kind, schema, zones=zones(policy_set))
        errors_partial = errors_path.with_name(errors_path.name + ".partial") \
            if errors_path is not None else None
        errors = None
        if errors_partial is not None:
            with writing(errors_partial):
                errors = stack.enter_context(errors_partial.open("wb"))
        try:
            for done, _ in _decided(source.chunks(rows), policy_set, policies, full, trace,
                                    workers, output_kind):
                writer.write(done.table, done.objects)
                if errors is not None and done.errors:
                    with writing(errors_partial or STDOUT):
                        errors.write("".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n"
                                             for e in done.errors).encode("utf-8",
                                                                          "backslashreplace"))
                summary.add(done.table, len(done.errors), done.scalar_rows, done.uncoded_rows,
                            done.rescued)
                writer.flush()
            writer.close(sync=partial is not None)
        except BaseException:
            with contextlib.suppress(Exception):
                writer.close()
            for path in (partial, errors_partial):
                if path is not None:
                    with contextlib.suppress(Exception):
                        remove(path)
            raise
        if errors is not None and errors_partial is not None and errors_path is not None:
            with writing(errors_partial):
                errors.flush()
                os.fsync(errors.fileno())
            errors.close()
            replace(errors_partial, errors_path)
        if partial is not None:
            replace(partial, output_path)
    summary.seconds = time.perf_counter() - started
    return summary


def _source(path: Path, kind: str, stdin: IO[bytes] | None,
            stack: contextlib.ExitStack) -> Source:
    if not is_stream(path):
        return open_source(path)
    if stdin is None:
        import sys

        stdin = sys.stdin.buffer
    if kind == "jsonl":
        return JsonLines(STDIN, stdin)
    if kind == "csv":
        return CsvFile(STDIN, stdin)
    # Parquet: its footer is at the end; copy the stream to a file first
    handle = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".parquet"))  # noqa: SIM115 - closed by the stack
    shutil.copyfileobj(stdin, handle, 1 << 22)
    handle.flush()
    return ParquetInput(Path(handle.name))

