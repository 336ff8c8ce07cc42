"""The batch on a Dask cluster (a ``distributed.LocalCluster``) gives the local results."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jknrules.batch.schema import case_schema
from jknrules.cli.main import main

from .conftest import POLICY_DIR
from .test_properties import sample_cases

distributed = pytest.importorskip("distributed")

CASES = sample_cases(2500, seed=13) + [
    {"regency": "karangasem", "submitted_at": "2019-01-01T09:00:00"}]


@pytest.fixture(scope="module")
def cluster() -> object:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as local:
        yield local


def run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", *args, "--policies", str(POLICY_DIR)], out, err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("source", ["cases.parquet", "cases.jsonl"])
def test_dask_run_matches_the_local_run(tmp_path: Path, cluster: object, source: str) -> None:
    table = pa.Table.from_pylist(CASES, schema=case_schema())
    pq.write_table(table, tmp_path / "cases.parquet", row_group_size=1000)
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in CASES))
    local = tmp_path / "local.parquet"
    assert run(str(tmp_path / source), "--out", str(local))[0] == 1  # one error row
    folder = tmp_path / "parts"
    code, summary = run(str(tmp_path / source), "--out", str(folder), "--rows", "600",
                        "--dask", cluster.scheduler_address)  # type: ignore[attr-defined]
    assert code == 1, summary
    assert not folder.with_name("parts.partial").exists()
    assert "kasus / cases: 2,501" in summary
    parts = sorted(folder.glob("part-*.parquet"))
    assert len(parts) > 2
    combined = pa.concat_tables([pq.read_table(p) for p in parts])
    assert combined.equals(pq.read_table(local))
    errors = [json.loads(line) for line in (folder / "errors.jsonl").read_text().splitlines()]
    assert [e["row"] for e in errors] == [2501]
