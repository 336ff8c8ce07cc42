"""``jknrules batch`` never loses input or output.

- ``--out``/``--errors`` naming the input (the same path, a symlink, a hard link) is
  refused, exit 2, and the input is left as it was.
- Files that cannot be read or written (a missing folder, a folder where a file
  belongs, no permission, a full disk, a file-size limit) are exit 2 with a message
  naming the file, never an internal error.
- Outputs appear only when complete (``.partial`` renamed into place): a run killed
  with SIGKILL leaves no output that looks whole, and ``--resume`` finishes it with the
  same bytes as an uninterrupted run (JSON Lines, CSV, Parquet).
- ``--resume`` refuses another input, other options, or nothing to resume.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jknrules
from jknrules.batch import output as batch_output
from jknrules.batch.files import file_error
from jknrules.batch.schema import case_schema
from jknrules.cli.main import main

from .conftest import POLICY_DIR, ROOT
from .test_properties import sample_cases

POLICIES = jknrules.load_policies(POLICY_DIR)
CASES = sample_cases(600, seed=31) + [
    {"regency": "karangasem", "submitted_at": "2019-01-01T09:00:00"}]  # one error row


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", *args, "--policies", str(POLICY_DIR)], out, err)
    return code, out.getvalue(), err.getvalue()


def write_input(path: Path, cases: list[dict[str, Any]]) -> Path:
    """``cases`` as JSON Lines, CSV or Parquet, by the suffix of ``path``."""
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    elif path.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(cases, schema=case_schema()), path,
                       row_group_size=1000)
    else:
        flat = pa.Table.from_pylist(cases, schema=case_schema()).flatten()
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(flat.column_names)
            for row in flat.to_pylist():
                writer.writerow(["" if v is None else json.dumps(v) if isinstance(v, list)
                                 else str(v).lower() if isinstance(v, bool) else v
                                 for v in row.values()])
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()
                  if p.name.endswith((".partial", ".progress.json", ".chunks")))


class _FillingFile:
    """A file whose third ``write`` fails as on a full disk."""

    def __init__(self, handle: Any, calls: dict[str, int]) -> None:
        self._handle = handle
        self._calls = calls

    def write(self, data: bytes) -> int:
        self._calls["n"] += 1
        if self._calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return int(self._handle.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def disk_fills_on_third_write(patch: pytest.MonkeyPatch) -> None:
    """The output's third chunk meets a full disk: ``ENOSPC`` from the file's own write
    (JSON Lines, CSV) or from Parquet's writer."""
    calls = {"n": 0}
    opener = Path.open

    def open_filling(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = opener(self, mode, *args, **kwargs)
        if self.name.endswith(".partial") and "errors" not in self.name and "b" in mode:
            return _FillingFile(handle, calls)
        return handle

    write_table = pq.ParquetWriter.write_table

    def parquet_filling(self: Any, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_table(self, *args, **kwargs)

    patch.setattr(Path, "open", open_filling)
    patch.setattr(pq.ParquetWriter, "write_table", parquet_filling)


# --- the input is never overwritten ----------------------------------------------------

@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_out_or_errors_naming_the_input_is_refused(tmp_path: Path, suffix: str) -> None:
    source = write_input(tmp_path / f"cases{suffix}", CASES[:20])
    before = source.read_bytes()
    (tmp_path / "link").symlink_to(source)
    os.link(source, tmp_path / f"hard{suffix}")
    attempts = [
        ["--out", str(source)],
        ["--out", str(tmp_path / "." / f"cases{suffix}")],
        ["--out", str(tmp_path / f"hard{suffix}")],
        ["--out", str(tmp_path / "o.jsonl"), "--errors", str(source)],
        ["--out", str(tmp_path / "o.jsonl"), "--errors", str(tmp_path / "link")],
        ["--out", str(tmp_path / "o.jsonl"), "--errors", str(tmp_path / f"hard{suffix}")],
    ]
    if suffix != ".parquet":  # a symlink must end in the format's extension to be --out
        (tmp_path / f"sym{suffix}").symlink_to(source)
        attempts.append(["--out", str(tmp_path / f"sym{suffix}")])
    for args in attempts:
        code, out, err = run(str(source), *args)
        assert code == 2 and not out, (args, err)
        assert "JKN-X010" in err and "input" in err and "masukan" in err, err
        assert source.read_bytes() == before
        assert not (tmp_path / "o.jsonl").exists()
    # through the symlink as the input, too
    code, _, err = run(str(tmp_path / "link"), "--out", str(source))
    assert code == 2 and "JKN-X010" in err and source.read_bytes() == before


def test_out_and_errors_naming_one_file_is_refused(tmp_path: Path) -> None:
    source = write_input(tmp_path / "cases.jsonl", CASES[:5])
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--errors",
                       str(tmp_path / "o.jsonl"))
    assert code == 2 and "JKN-X010" in err and "--errors" in err


def test_an_input_named_like_a_work_file_is_refused(tmp_path: Path) -> None:
    source = write_input(tmp_path / "o.jsonl.partial.jsonl", CASES[:5])
    source.rename(tmp_path / "o.jsonl.partial")
    os.symlink(tmp_path / "o.jsonl.partial", tmp_path / "in.jsonl")
    code, _, err = run(str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "o.jsonl"))
    assert code == 2 and "JKN-X010" in err and ".partial" in err


# --- files that cannot be read or written: exit 2, naming the file -----------------------

def test_a_missing_or_wrong_output_folder_is_named(tmp_path: Path) -> None:
    source = write_input(tmp_path / "cases.jsonl", CASES[:5])
    code, out, err = run(str(source), "--out", str(tmp_path / "nope" / "o.jsonl"))
    assert code == 2 and not out and "JKN-X012" in err and "nope" in err
    (tmp_path / "dir.jsonl").mkdir()
    code, _, err = run(str(source), "--out", str(tmp_path / "dir.jsonl"))
    assert code == 2 and "JKN-X012" in err and "dir.jsonl" in err
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--errors",
                       str(tmp_path / "nope" / "e.jsonl"))
    assert code == 2 and "JKN-X012" in err and "nope" in err
    assert not (tmp_path / "o.jsonl").exists() and not leftovers(tmp_path)


def test_an_input_that_cannot_be_read_is_named(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "folder.jsonl").mkdir()
    code, out, err = run(str(tmp_path / "folder.jsonl"), "--out", str(tmp_path / "o.jsonl"))
    assert code == 2 and not out and "JKN-X011" in err and "folder.jsonl" in err
    source = write_input(tmp_path / "cases.jsonl", CASES[:5])
    opener = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "cases.jsonl":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return opener(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    code, out, err = run(str(source), "--out", str(tmp_path / "o.jsonl"))
    assert code == 2 and not out, err
    assert "JKN-X011" in err and "cases.jsonl" in err and "izin ditolak" in err
    assert "Permission denied" in err and "internal" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_input_is_named(tmp_path: Path) -> None:
    source = write_input(tmp_path / "cases.jsonl", CASES[:5])
    source.chmod(0)
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"))
    assert code == 2 and "JKN-X011" in err and "cases.jsonl" in err


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_a_full_disk_is_named_and_the_run_can_be_resumed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    source = write_input(tmp_path / "cases.jsonl", CASES)
    plain = tmp_path / f"plain{suffix}"
    assert run(str(source), "--out", str(plain), "--rows", "100")[0] == 1
    out = tmp_path / f"o{suffix}"
    out.write_text("the previous results")  # stays until a run completes
    with monkeypatch.context() as patch:
        disk_fills_on_third_write(patch)
        code, out_text, err = run(str(source), "--out", str(out), "--rows", "100")
    assert code == 2 and not out_text, err
    assert "JKN-X012" in err and f"o{suffix}.partial" in err and "disk penuh" in err
    assert "No space left on device" in err and "--resume" in err and "internal" not in err
    assert out.read_text() == "the previous results"
    assert leftovers(tmp_path) == sorted(
        [f"o{suffix}.errors.jsonl.partial", f"o{suffix}.partial", f"o{suffix}.progress.json"]
        + ([f"o{suffix}.chunks"] if suffix == ".parquet" else []))
    code, summary, err = run(str(source), "--out", str(out), "--rows", "100", "--resume",
                             "--summary", "json")
    assert code == 1, err
    assert json.loads(summary)["cases"] == len(CASES)
    # the third write: a CSV file's header is its first
    assert json.loads(summary)["resumed_rows"] == (100 if suffix == ".csv" else 200)
    assert out.read_bytes() == plain.read_bytes()
    assert (tmp_path / f"o{suffix}.errors.jsonl").read_bytes() == \
        (tmp_path / f"plain{suffix}.errors.jsonl").read_bytes()
    assert not leftovers(tmp_path)


def test_a_file_size_limit_is_exit_2_naming_the_file(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a real process: the write fails with EFBIG (Python ignores
    SIGXFSZ); the message names the file, and --resume finishes the run."""
    source = write_input(tmp_path / "cases.jsonl", sample_cases(3000, 2))
    plain = tmp_path / "plain.jsonl"
    assert run(str(source), "--out", str(plain), "--rows", "500")[0] == 0
    limit = 200_000

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "o.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "jknrules", "batch", str(source), "--out", str(out), "--rows",
         "500", "--policies", str(POLICY_DIR)], capture_output=True, text=True,
        preexec_fn=small_files, env=_env(), timeout=300, check=False)
    assert done.returncode == 2, done.stderr
    assert "JKN-X012" in done.stderr and "o.jsonl.partial" in done.stderr
    assert "berkas melebihi batas ukuran" in done.stderr and "internal" not in done.stderr
    assert not out.exists()
    code, _, err = run(str(source), "--out", str(out), "--rows", "500", "--resume")
    assert code == 0, err
    assert out.read_bytes() == plain.read_bytes()


def test_a_real_full_disk_is_exit_2_and_resume_finishes_once_there_is_room(
        tmp_path: Path, small_disk: Path) -> None:
    """The output on a 256 KiB tmpfs: the disk fills in the middle of the run."""
    source = write_input(tmp_path / "cases.jsonl", sample_cases(3000, 5))
    plain = tmp_path / "plain.jsonl"
    assert run(str(source), "--out", str(plain), "--rows", "500")[0] == 0
    assert plain.stat().st_size > 2 * 256 * 1024
    out = small_disk / "o.jsonl"
    code, summary, err = run(str(source), "--out", str(out), "--rows", "500")
    assert code == 2 and not summary, err
    assert "JKN-X012" in err and "o.jsonl.partial" in err and "internal" not in err
    assert not out.exists()
    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    code, summary, err = run(str(source), "--out", str(out), "--rows", "500", "--resume",
                             "--summary", "json")
    assert code == 0, err
    assert json.loads(summary)["resumed_rows"] > 0
    assert out.read_bytes() == plain.read_bytes()


def test_a_failure_while_renaming_is_finished_by_resume(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_input(tmp_path / "cases.jsonl", CASES)
    assert run(str(source), "--out", str(tmp_path / "plain.jsonl"))[0] == 1
    out = tmp_path / "o.jsonl"
    replace = batch_output.replace

    def broken(partial: Path, final: Path) -> None:
        if final.name == "o.jsonl":
            raise file_error(final, OSError(errno.EIO, "I/O error"), writing=True)
        replace(partial, final)

    monkeypatch.setattr(batch_output, "replace", broken)
    code, _, err = run(str(source), "--out", str(out))
    assert code == 2 and "JKN-X012" in err and "o.jsonl" in err
    assert not out.exists() and (tmp_path / "o.jsonl.errors.jsonl").exists()
    progress = json.loads((tmp_path / "o.jsonl.progress.json").read_text())
    assert progress["state"] == "finishing"
    monkeypatch.setattr(batch_output, "replace", replace)
    code, summary, err = run(str(source), "--out", str(out), "--resume", "--summary", "json")
    assert code == 1, err
    assert json.loads(summary)["cases"] == len(CASES)
    assert out.read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    assert not leftovers(tmp_path)


# --- --resume refuses what it cannot continue ------------------------------------------

def interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> Path:
    """A run stopped after two chunks of 100 rows (by a full disk)."""
    source = write_input(tmp_path / "cases.jsonl", CASES)
    with monkeypatch.context() as patch:
        disk_fills_on_third_write(patch)
        assert run(str(source), "--out", str(tmp_path / "o.jsonl"), "--rows", "100",
                   *extra)[0] == 2
    return source


def test_resume_refuses_an_input_changed_in_the_part_already_decided(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = interrupted(tmp_path, monkeypatch)
    data = source.read_bytes()
    first = data.index(b"\n")
    changed = data[:first].replace(b'"request": "register"', b'"request": "transfer"', 1)
    if changed == data[:first]:
        changed = data[:first].replace(b'"request": "transfer"', b'"request": "register"', 1)
    source.write_bytes(changed + data[first:])
    assert len(source.read_bytes()) == len(data)
    code, out, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--resume")
    assert code == 2 and not out and "JKN-X014" in err and "cases.jsonl" in err
    assert "first 200 rows" in err and "200 baris pertama" in err


def test_resume_refuses_an_input_of_another_size(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    source = interrupted(tmp_path, monkeypatch)
    with source.open("a") as handle:
        handle.write(json.dumps(CASES[0]) + "\n")
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--resume")
    assert code == 2 and "JKN-X014" in err and "size" in err and "ukuran" in err


def test_resume_refuses_other_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = interrupted(tmp_path, monkeypatch)
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--resume", "--full")
    assert code == 2 and "JKN-X014" in err and "--full" in err
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--resume",
                       "--errors", str(tmp_path / "elsewhere.jsonl"))
    assert code == 2 and "JKN-X014" in err


def test_resume_refuses_other_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = interrupted(tmp_path, monkeypatch)
    folder = tmp_path / "policies"
    folder.mkdir()
    for file in POLICY_DIR.glob("*.yaml"):
        (folder / file.name).write_text(file.read_text() + "\n# edited\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", str(source), "--out", str(tmp_path / "o.jsonl"), "--resume",
                 "--policies", str(folder)], out, err)
    assert code == 2 and "JKN-X014" in err.getvalue() and "policies" in err.getvalue()


def test_resume_refuses_when_there_is_nothing_to_resume(tmp_path: Path) -> None:
    source = write_input(tmp_path / "cases.jsonl", CASES[:10])
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--resume")
    assert code == 2 and "JKN-X014" in err and "without --resume" in err
    assert run(str(source), "--out", str(tmp_path / "o.jsonl"))[0] == 0
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--resume")
    assert code == 2 and "JKN-X014" in err
    code, _, err = run(str(source), "--out", str(tmp_path / "parts"), "--resume", "--dask",
                       "tcp://127.0.0.1:1")
    assert code == 2 and "--dask" in err


def test_resume_refuses_partial_files_shorter_than_recorded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = interrupted(tmp_path, monkeypatch)
    partial = tmp_path / "o.jsonl.partial"
    partial.write_bytes(partial.read_bytes()[:100])
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--resume")
    assert code == 2 and "JKN-X014" in err and "o.jsonl.partial" in err


def test_a_new_run_over_an_interrupted_one_starts_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = interrupted(tmp_path, monkeypatch)
    code, _, err = run(str(source), "--out", str(tmp_path / "o.jsonl"), "--rows", "100")
    assert code == 1 and "starts again from the beginning" in err
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == len(CASES)
    assert not leftovers(tmp_path)


# --- SIGKILL mid-run, then --resume ----------------------------------------------------------

def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "JKNRULES_DEBUG"}
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _kill_after(command: list[str], progress: Path, rows: int) -> tuple[int, dict[str, Any]]:
    """Start the batch, SIGKILL it once its progress file records ``rows`` rows."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=_env())
    deadline = time.monotonic() + 240
    state: dict[str, Any] = {}
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if progress.exists():  # replaced in one step: never half a file
                state = json.loads(progress.read_text())
                if state["rows"] >= rows:
                    process.send_signal(signal.SIGKILL)
                    break
            time.sleep(0.002)
    finally:
        process.wait(timeout=60)
    return process.returncode, state


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_a_killed_run_leaves_no_output_and_resume_finishes_it(tmp_path: Path,
                                                              suffix: str) -> None:
    cases = sample_cases(3000, seed=17) * 10  # 30,000 rows
    cases[12_345] = {"regency": "karangasem", "submitted_at": "2019-01-01T09:00:00"}
    source = write_input(tmp_path / f"cases{suffix}", cases)
    out = tmp_path / f"o{suffix}"
    command = [sys.executable, "-m", "jknrules", "batch", str(source), "--out", str(out),
               "--rows", "1000", "--policies", str(POLICY_DIR)]
    code, state = _kill_after(command, tmp_path / f"o{suffix}.progress.json", 3000)
    assert code == -signal.SIGKILL, "the run ended before it could be killed"
    assert 3000 <= state["rows"] < len(cases)
    # nothing that looks like a finished output
    assert not out.exists() and not (tmp_path / f"o{suffix}.errors.jsonl").exists()
    partial = tmp_path / f"o{suffix}.partial"
    assert partial.exists()
    recorded = json.loads((tmp_path / f"o{suffix}.progress.json").read_text())["rows"]
    assert recorded >= state["rows"]
    if suffix == ".parquet":  # the partial Parquet file has no footer: not readable
        with pytest.raises(pa.ArrowException):
            pq.read_table(partial)
    code, summary, err = run(str(source), "--out", str(out), "--rows", "1000", "--resume",
                             "--summary", "json")
    assert code == 1, err
    resumed = json.loads(summary)
    assert resumed["cases"] == len(cases) and resumed["errors"] == 1
    assert resumed["resumed_rows"] == recorded
    plain = tmp_path / f"plain{suffix}"
    code, summary, _ = run(str(source), "--out", str(plain), "--rows", "1000", "--summary",
                           "json")
    assert code == 1
    assert json.loads(summary)["outcomes"] == resumed["outcomes"]
    assert out.read_bytes() == plain.read_bytes()
    assert (tmp_path / f"o{suffix}.errors.jsonl").read_bytes() == \
        (tmp_path / f"plain{suffix}.errors.jsonl").read_bytes()
    assert not leftovers(tmp_path)


def test_the_dask_output_folder_never_holds_the_input(tmp_path: Path) -> None:
    from jknrules.batch.dask_runner import run as dask_run

    folder = tmp_path / "results"
    folder.mkdir()
    source = write_input(folder / "cases.parquet", CASES[:10])
    with pytest.raises(jknrules.JknrulesError, match="JKN-X010"):
        dask_run(source, folder, "tcp://127.0.0.1:1", POLICY_DIR)
    assert source.exists()
