"""The HTTP server's API (jknrules serve) through FastAPI's TestClient."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jknrules.serve.app import create_app
from jknrules.serve.config import ServeConfig

ROOT = Path(__file__).resolve().parents[1]
CASE = (ROOT / "examples" / "cases" / "karangasem-emergency.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(ServeConfig(policies=ROOT / "policies")))


def test_evaluate_answers_the_cli_result(client: TestClient) -> None:
    import io

    from jknrules.cli.main import main

    out = io.StringIO()
    assert main(["evaluate", str(ROOT / "examples/cases/karangasem-emergency.json"),
                 "--policies", str(ROOT / "policies")], stdout=out, stderr=io.StringIO()) == 0
    response = client.post("/v1/evaluate", content=CASE)
    assert response.status_code == 200
    assert response.json() == json.loads(out.getvalue().replace(str(ROOT) + "/", ""))
