"""``jknrules serve --record``: every evaluation in the decision log, its id in the answer,
and ``jknrules replay --verify`` on what the server wrote."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from jknrules.cli.main import main
from jknrules.errors import JknrulesError, diag

from .serve_helpers import CASE, POLICY_DIR, client, error_codes

NIK = "5107012345678901"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines()]


def test_every_evaluation_is_recorded_and_replay_verifies(tmp_path: Path,
                                                          office_keys: tuple[Path, Path]) -> None:
    log = tmp_path / "decisions.jsonl"
    api = client(record=log, record_key=office_keys[0])
    first = api.post("/v1/evaluate", json=CASE)
    second = api.post("/v1/evaluate?trace=false", json={**CASE, "welfare": {"desil": 9}})
    refused = api.post("/v1/evaluate", json={"regency": "nowhere"})
    batch = api.post("/v1/batch", content="\n".join(
        [json.dumps(CASE), "{}", json.dumps({**CASE, "documents": []})]))
    assert first.status_code == second.status_code == 200 and refused.status_code == 422
    rows = [json.loads(t) for t in batch.text.splitlines()]
    ids = [first.headers["x-jknrules-decision-id"], second.headers["x-jknrules-decision-id"],
           rows[0]["decision_id"], rows[2]["decision_id"]]
    assert "decision_id" not in rows[1]  # an error row decided nothing
    assert "decision_id" not in first.json()  # the result stays the contract's
    records = [r for r in lines(log) if "result" in r]
    assert [r["chain"]["hash"] for r in records] == ids
    assert records[0]["result"] == first.json()
    assert records[0]["case"] == CASE
    assert any(r.get("format", "").startswith("jknrules.checkpoint") or "signature" in r
               for r in lines(log))
    code, out, err = run("replay", str(log), "--verify", "--public-key", str(office_keys[1]),
                         "--policies", str(POLICY_DIR))
    assert code == 0, out + err


def test_replay_verify_catches_an_edit_of_a_served_record(tmp_path: Path,
                                                          office_keys: tuple[Path, Path]) -> None:
    log = tmp_path / "decisions.jsonl"
    api = client(record=log, record_key=office_keys[0])
    for _ in range(2):
        assert api.post("/v1/evaluate", json=CASE).status_code == 200
    text = log.read_text(encoding="utf-8")
    log.write_text(text.replace('"incomplete"', '"accepted"', 1), encoding="utf-8")
    code, _, _ = run("replay", str(log), "--verify", "--public-key", str(office_keys[1]),
                     "--policies", str(POLICY_DIR))
    assert code == 1


def test_records_without_identity_hold_no_nik(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    api = client(record=log, record_without_identity=True)
    case = {**CASE, "applicant": {**CASE["applicant"], "nik": NIK}}
    response = api.post("/v1/evaluate", json=case)
    assert response.status_code == 200
    assert NIK not in log.read_text(encoding="utf-8")
    (record,) = lines(log)
    assert "applicant.nik" in record["redacted"]


def test_a_decision_that_cannot_be_recorded_is_not_given(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    log = tmp_path / "decisions.jsonl"
    api = client(record=log)
    recorder = api.app.state.recorder  # type: ignore[attr-defined]

    def full_disk(case: object, result: object, **named: object) -> None:
        raise JknrulesError([diag("JKN-A034", "disk penuh", "disk full")])

    monkeypatch.setattr(recorder.log, "append", full_disk)
    response = api.post("/v1/evaluate", json=CASE)
    assert response.status_code == 503
    assert error_codes(response.json()) == ["JKN-A034"]
    assert "outcome" not in response.text


def test_a_record_file_in_a_missing_folder_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(JknrulesError) as caught:
        client(record=tmp_path / "missing" / "decisions.jsonl")
    assert caught.value.diagnostics[0].code == "JKN-S004"
    code, _, err = run("serve", "--record", str(tmp_path / "missing" / "d.jsonl"),
                       "--port", "1")
    assert code == 2 and "JKN-S004" in err
