"""What a local batch run writes, chunk by chunk, so that a killed run loses nothing.

After every chunk: its rows go to ``OUTPUT.partial`` and its refused rows to
``ERRORS.partial``, both are flushed to the operating system (they survive a killed
process), a Parquet OUTPUT's chunk is also kept as a compressed Arrow file in
``OUTPUT.chunks/`` (a Parquet file has no footer until it is closed, so the partial one
cannot be read back), and then ``OUTPUT.progress.json`` records it. At the end the
files are closed and synced to disk, and renamed into place: the errors file first,
then OUTPUT, then the progress file and the chunks are removed. A run that stops
half-way (killed, a full disk, an input damaged in the middle) leaves the partial files
and the progress file, and OUTPUT as it was before; ``--resume`` continues from the last
recorded chunk (see :mod:`jknrules.batch.progress`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.ipc as ipc

from jknrules.batch.files import (
    RunFiles,
    fsync_file,
    fsync_folder,
    reading,
    remove,
    replace,
    writing,
)
from jknrules.batch.io import Writer, format_of
from jknrules.batch.progress import Progress, refuse
from jknrules.batch.scalar import RowError

_IPC = ipc.IpcWriteOptions(compression="lz4")
_TAIL = 1 << 23


class RunOutput:
    """The partial files of one run (see the module docstring)."""

    def __init__(self, files: RunFiles, schema: pa.Schema, state: Progress, *,
                 resume: bool, zones: Mapping[str, str] | None = None) -> None:
        self.files = files
        self.kind = format_of(files.output)
        self.schema = schema
        self.state = state
        self._errors: IO[bytes] | None = None
        if resume:
            self._check_partial()
        else:
            for stale in (files.partial, files.errors_partial, files.chunks):
                remove(stale)
        if self.kind == "parquet":
            with writing(files.chunks):
                files.chunks.mkdir(exist_ok=True)
        length = state.output_bytes if resume and self.kind != "parquet" else None
        self.writer = Writer(files.partial, self.kind, schema, length=length, zones=zones)
        with writing(files.errors_partial):
            if resume:
                self._errors = files.errors_partial.open("r+b")
                self._errors.truncate(state.errors_bytes)
                self._errors.seek(state.errors_bytes)
            else:
                self._errors = files.errors_partial.open("wb")
        if resume and self.kind == "parquet":
            self._replay()
        if not resume:
            state.output_bytes = self.writer.flush()
            state.save(files.progress)

    # --- each chunk ---------------------------------------------------------------------
    def write(self, table: pa.Table, objects: list[dict[str, Any]] | None,
              errors: list[RowError]) -> None:
        self.writer.write(table, objects)
        assert self._errors is not None
        if errors:
            with writing(self.files.errors_partial):
                self._errors.write("".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n"
                                           for e in errors).encode("utf-8", "backslashreplace"))
        if self.kind == "parquet":
            self._keep(self.state.chunks + 1, table)

    def checkpoint(self) -> None:
        """Record the chunks written so far (after :meth:`write`), once they are safe."""
        assert self._errors is not None
        self.state.output_bytes = self.writer.flush()
        with writing(self.files.errors_partial):
            self._errors.flush()
            self.state.errors_bytes = self._errors.tell()
        self.state.save(self.files.progress)

    # --- the end ------------------------------------------------------------------------
    def finish(self) -> None:
        """Close, sync and rename the files into place; remove the run's work files."""
        self.writer.close(sync=True)
        self._close_errors(sync=True)
        if self.kind == "parquet":
            fsync_file(self.files.partial)
        self.state.state = "finishing"
        self.state.save(self.files.progress)
        complete(self.files)

    def abandon(self) -> None:
        """Close the files after a failure, leaving them for ``--resume``."""
        # the failure being reported matters more than one in closing
        with contextlib.suppress(Exception):
            self.writer.close()
        with contextlib.suppress(Exception):
            self._close_errors()

    def _close_errors(self, sync: bool = False) -> None:
        if self._errors is None:
            return
        errors, self._errors = self._errors, None
        with writing(self.files.errors_partial):
            try:
                errors.flush()
                if sync:
                    os.fsync(errors.fileno())
            finally:
                errors.close()

    # --- Parquet: each chunk kept, to rebuild the partial file on --resume --------------
    def _chunk_file(self, number: int) -> Path:
        return self.files.chunks / f"chunk-{number:06d}.arrow"

    def _keep(self, number: int, table: pa.Table) -> None:
        final = self._chunk_file(number)
        temporary = final.with_name(final.name + ".partial")
        with writing(temporary):
            with pa.OSFile(str(temporary), "wb") as sink, \
                    ipc.new_file(sink, table.schema, options=_IPC) as file:
                file.write_table(table)
            replace(temporary, final)

    def _replay(self) -> None:
        rows = 0
        for number in range(1, self.state.chunks + 1):
            path = self._chunk_file(number)
            try:
                with reading(path), pa.memory_map(str(path)) as source:
                    table = ipc.open_file(source).read_all()
            except (pa.ArrowInvalid, pa.ArrowException) as exc:
                if isinstance(exc, OSError) and not path.exists():
                    raise refuse(path, f"potongan tersimpan '{path}' hilang",
                                 f"the kept chunk '{path}' is missing") from exc
                raise refuse(path, f"potongan tersimpan '{path}' rusak ({exc})",
                             f"the kept chunk '{path}' is damaged ({exc})") from exc
            if not (table.schema.equals(self.schema) or (
                    self.writer.written is not None and table.schema.equals(self.writer.written))):
                raise refuse(path, f"potongan tersimpan '{path}' berbeda bentuk",
                             f"the kept chunk '{path}' has another shape")
            self.writer.write(table)
            rows += table.num_rows
        if rows != self.state.rows:
            raise refuse(self.files.chunks,
                         f"potongan tersimpan berisi {rows:,} baris, tercatat {self.state.rows:,}",
                         f"the kept chunks hold {rows:,} rows, {self.state.rows:,} recorded")

    def _check_partial(self) -> None:
        """The partial files hold at least what the progress file records, and the last
        row recorded is the last row kept."""
        state = self.state
        for path, length in ((self.files.partial, state.output_bytes),
                             (self.files.errors_partial, state.errors_bytes)):
            if self.kind == "parquet" and path == self.files.partial:
                continue
            with reading(path):
                size = path.stat().st_size if path.exists() else -1
            if size < length:
                raise refuse(path, f"berkas sementara '{path}' lebih pendek dari yang tercatat "
                             f"({max(size, 0):,} < {length:,} bita)",
                             f"the partial file '{path}' is shorter than recorded "
                             f"({max(size, 0):,} < {length:,} bytes)")
        if self.kind != "parquet" and state.rows:
            last = _last_row(self.files.partial, state.output_bytes, self.kind)
            if last != state.rows:
                raise refuse(self.files.partial,
                             f"baris terakhir di '{self.files.partial}' bukan baris "
                             f"{state.rows:,}", f"the last row in '{self.files.partial}' is "
                             f"not row {state.rows:,}")


def complete(files: RunFiles) -> None:
    """The last steps of a run (again, if a run was killed during them): rename the errors
    file and OUTPUT into place, then remove the progress file and the kept chunks."""
    for partial, final in ((files.errors_partial, files.errors), (files.partial, files.output)):
        if partial.exists():
            replace(partial, final)
    fsync_folder(files.output.parent)
    remove(files.chunks)
    remove(files.progress)


def _last_row(path: Path, length: int, kind: str) -> int | None:
    """The ``row`` of the last line in the first ``length`` bytes of a text output."""
    with reading(path), path.open("rb") as handle:  # the last line is short, unless traced
        handle.seek(max(length - _TAIL, 0))
        tail = handle.read(min(length, _TAIL))
    lines = tail.rstrip(b"\r\n").rsplit(b"\n", 1)
    last = lines[-1].decode("utf-8", "replace")
    try:
        value = json.loads(last)["row"] if kind == "jsonl" else last.split(",", 1)[0]
        return int(value)
    except (ValueError, KeyError, TypeError):
        return None
