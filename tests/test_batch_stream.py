"""``jknrules batch - --out -``: cases from stdin, results to stdout, for pipelines."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jknrules.cli.main import main

from .conftest import POLICY_DIR
from .test_batch_hostile import GOOD, HOSTILE_JSONL
from .test_properties import sample_cases


def cases_text(n: int = 60) -> bytes:
    lines = [json.dumps(c).encode() for c in sample_cases(n, seed=11)]
    lines[7] = HOSTILE_JSONL[5][1]  # a number for a regency: an error row
    return b"\n".join(lines) + b"\n"


def streamed(argv: list[str], data: bytes) -> tuple[int, bytes, str]:
    sink = io.BytesIO()
    out = io.TextIOWrapper(sink, encoding="utf-8")
    err = io.StringIO()
    code = main(["batch", *argv, "--policies", str(POLICY_DIR)], out, err,
                io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    out.flush()
    return code, sink.getvalue(), err.getvalue()


def filed(tmp_path: Path, data: bytes, suffix: str, out_suffix: str) -> bytes:
    source = tmp_path / f"cases{suffix}"
    source.write_bytes(data)
    target = tmp_path / f"out{out_suffix}"
    code = main(["batch", str(source), "--out", str(target), "--policies", str(POLICY_DIR)],
                io.StringIO(), io.StringIO())
    assert code == 1
    return target.read_bytes()


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_stdin_to_stdout_gives_the_bytes_a_file_run_gives(tmp_path: Path, kind: str) -> None:
    data = cases_text()
    code, out, err = streamed(["-", "--out", "-", "--format", kind], data)
    assert code == 1
    assert "1 error row(s) of 60" in err and "kasus / cases: 60" in err  # summary on stderr
    assert out == filed(tmp_path, data, ".jsonl", f".{kind}")


def test_csv_from_stdin_and_parquet_to_stdout(tmp_path: Path) -> None:
    source = (b"regency,submitted_at,request\n"
              + b"".join(f"batang,2026-02-0{d}T09:00:00,register\n".encode()
                         for d in range(1, 8)))
    code, out, err = streamed(["-", "--input-format", "csv", "--out", "-", "--format",
                               "parquet"], source)
    assert code == 0, err
    table = pq.read_table(pa.BufferReader(out))
    (tmp_path / "c.csv").write_bytes(source)
    assert main(["batch", str(tmp_path / "c.csv"), "--out", str(tmp_path / "o.parquet"),
                 "--policies", str(POLICY_DIR)], io.StringIO(), io.StringIO()) == 0
    assert table.equals(pq.read_table(tmp_path / "o.parquet"))


def test_parquet_from_stdin(tmp_path: Path) -> None:
    table = pa.Table.from_pylist([GOOD] * 3)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    code, out, err = streamed(["-", "--input-format", "parquet", "--out", "-"],
                              sink.getvalue().to_pybytes())
    assert code == 0, err
    assert [json.loads(x)["row"] for x in out.decode().splitlines()] == [1, 2, 3]


def test_errors_file_from_a_stream(tmp_path: Path) -> None:
    errors = tmp_path / "errors.jsonl"
    code, _, err = streamed(["-", "--out", "-", "--errors", str(errors)], cases_text())
    assert code == 1 and str(errors) in err
    entries = [json.loads(x) for x in errors.read_text().splitlines()]
    assert [e["row"] for e in entries] == [8]
    assert entries[0]["errors"][0]["file"] == "<stdin>" or entries[0]["errors"][0]["code"]


def test_stdin_into_an_output_file(tmp_path: Path) -> None:
    data = cases_text()
    target = tmp_path / "o.jsonl"
    code, out, _ = streamed(["-", "--out", str(target)], data)
    assert code == 1 and b"kasus / cases: 60" in out
    assert target.read_bytes() == filed(tmp_path, data, ".jsonl", ".jsonl")
    assert (tmp_path / "o.jsonl.errors.jsonl").exists()
    assert not (tmp_path / "o.jsonl.partial").exists()


@pytest.mark.parametrize("option", [["--resume"], ["--dask", "tcp://127.0.0.1:1"]])
def test_resume_and_dask_are_refused_for_streams(option: list[str]) -> None:
    code, out, err = streamed(["-", "--out", "-", *option], cases_text())
    assert code == 2 and not out
    assert "JKN-X014" in err and "stdin/stdout" in err and option[0] in err
