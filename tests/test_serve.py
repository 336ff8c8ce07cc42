"""The HTTP API (``jknrules serve``) through FastAPI's TestClient: every endpoint, good
and bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from jknrules.cli.main import main
from jknrules.language import schemas

from .serve_helpers import CASE, CASE_FILE, CASE_TEXT, POLICY_DIR, client, error_codes


@pytest.fixture(scope="module")
def api() -> TestClient:
    return client()


def cli_result(*extra: str) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    assert main(["evaluate", str(CASE_FILE), "--policies", str(POLICY_DIR), *extra],
                stdout=out, stderr=err) == 0, err.getvalue()
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


# --- evaluate ----------------------------------------------------------------------------

def test_evaluate_answers_the_cli_result(api: TestClient) -> None:
    response = api.post("/v1/evaluate", content=CASE_TEXT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == cli_result()
    jsonschema.validate(response.json(), schemas.schema("result"))


def test_evaluate_without_trace(api: TestClient) -> None:
    response = api.post("/v1/evaluate?trace=false", json=CASE)
    assert response.status_code == 200
    assert response.json() == cli_result("--no-trace")
    assert "trace" not in response.json() or not response.json()["trace"]


def test_each_answer_names_the_policy_set(api: TestClient) -> None:
    ready = api.get("/ready").json()
    response = api.post("/v1/evaluate", json=CASE)
    assert response.headers["x-jknrules-policy-set"] == ready["fingerprint"]


def test_a_bad_case_is_422_with_located_bilingual_diagnostics(api: TestClient) -> None:
    text = CASE_TEXT.replace('"desil"', '"desill"', 1)
    assert text != CASE_TEXT
    response = api.post("/v1/evaluate", content=text)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_case"
    first = body["diagnostics"][0]
    assert first["file"] == "<request>"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "desill" in t)
    assert first["line"] == line and first["column"] >= 1
    assert first["message"]["id"] and first["message"]["en"]
    assert "desil" in json.dumps(first["hint"])  # "did you mean"


@pytest.mark.parametrize(("body", "code"), [
    (b'{"regency": "karangasem",}', "JKN-Y001"),           # trailing comma: strict JSON
    (b"\xff\xfe{}", "JKN-F002"),                            # not UTF-8
    (b"", "JKN-Y007"),                                      # empty
    (b"[1, 2]", "JKN-C001"),                                # not an object
    (b"regency: karangasem\n", "JKN-Y001"),                 # YAML is not JSON
])
def test_malformed_bodies(api: TestClient, body: bytes, code: str) -> None:
    response = api.post("/v1/evaluate", content=body)
    assert response.status_code == 422
    assert error_codes(response.json())[0] == code


def test_unknown_regency_and_a_date_before_the_first_version(api: TestClient) -> None:
    response = api.post("/v1/evaluate", json={**CASE, "regency": "atlantis"})
    assert response.status_code == 422
    assert error_codes(response.json()) == ["JKN-C002"]
    assert response.json()["error"] == "invalid_case"
    early = {**CASE, "submitted_at": "2001-01-02T09:00:00+08:00"}
    response = api.post("/v1/evaluate", json=early)
    assert response.status_code == 422
    assert response.json()["diagnostics"][0]["path"].startswith("$.submitted_at")


def test_a_bad_query_parameter_is_422(api: TestClient) -> None:
    response = api.post("/v1/evaluate?trace=maybe", json=CASE)
    assert response.status_code == 422
    assert error_codes(response.json()) == ["JKN-S012"]


def test_wrong_method_and_unknown_path(api: TestClient) -> None:
    assert api.get("/v1/evaluate").status_code == 405
    response = api.get("/v1/nothing")
    assert response.status_code == 404 and error_codes(response.json()) == ["JKN-S020"]


# --- batch -------------------------------------------------------------------------------

def line(case: dict[str, Any]) -> str:
    return json.dumps(case, ensure_ascii=False)


def rows(response: Any) -> list[dict[str, Any]]:
    return [json.loads(t) for t in response.text.splitlines()]


def test_batch_answers_one_row_per_line_in_order(api: TestClient) -> None:
    cases = [CASE, {**CASE, "regency": "atlantis"}, CASE]
    body = "\n".join(line(c) for c in cases) + "\n\nnot json\n" + line(CASE)  # no final \n
    response = api.post("/v1/batch", content=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    out = rows(response)
    assert [r["row"] for r in out] == [1, 2, 3, 4, 5, 6]
    assert [r["error"] is None for r in out] == [True, False, True, False, False, True]
    single = cli_result("--no-trace")
    assert {k: v for k, v in out[0].items() if k not in ("row", "error")} == single
    assert out[1]["errors"][0]["code"] == "JKN-C002"  # no such regency
    assert out[1]["error"].startswith("JKN-C002 $.regency: ")
    assert out[3]["errors"][0]["code"] == "JKN-C001"  # the empty line
    assert out[4]["errors"][0]["code"] == "JKN-Y001" and out[4]["errors"][0]["line"] == 5


def test_batch_with_trace_and_crlf(api: TestClient) -> None:
    response = api.post("/v1/batch?trace=true", content=line(CASE) + "\r\n")
    (row,) = rows(response)
    assert row["error"] is None and row["trace"] == cli_result()["trace"]


def test_batch_of_nothing_is_no_rows(api: TestClient) -> None:
    response = api.post("/v1/batch", content=b"")
    assert response.status_code == 200 and response.text == ""


def test_batch_a_line_too_long_is_an_error_row_and_the_rest_goes_on(api: TestClient) -> None:
    huge = '{"regency": "' + "x" * 1_100_000 + '"}'
    body = line(CASE) + "\n" + huge + "\n" + line(CASE) + "\n"
    response = client(max_batch_bytes=10_000_000).post("/v1/batch", content=body)
    out = rows(response)
    assert [r["row"] for r in out] == [1, 2, 3]
    assert out[1]["errors"][0]["code"] == "JKN-Y006"
    assert out[0]["error"] is None and out[2]["error"] is None


def test_batch_many_rows_streamed(api: TestClient) -> None:
    n = 600  # more than one group of rows decided together
    body = "".join(line({**CASE, "welfare": {"desil": i % 11 or None}}) + "\n"
                   for i in range(n))
    with api.stream("POST", "/v1/batch", content=body) as response:
        got = [json.loads(t) for t in response.iter_lines() if t]
    assert [r["row"] for r in got] == list(range(1, n + 1))
    assert all(r["error"] is None for r in got)


# --- validate ----------------------------------------------------------------------------

def test_validate_a_shipped_policy(api: TestClient) -> None:
    text = (POLICY_DIR / "karangasem.yaml").read_text(encoding="utf-8")
    response = api.post("/v1/validate?file=karangasem.yaml", content=text)
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["regency"] == "karangasem"
    assert body["diagnostics"] == [] and body["findings"] == []


def test_validate_reports_the_line_of_a_broken_policy(api: TestClient) -> None:
    text = (POLICY_DIR / "batang.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    index = next(i for i, t in enumerate(lines) if t.strip().startswith("time_zone:"))
    lines[index] = lines[index].split(":")[0] + ": Asia/Atlantis"
    response = api.post("/v1/validate?file=mine.yaml", content="\n".join(lines) + "\n")
    body = response.json()
    assert response.status_code == 200 and body["valid"] is False
    assert body["diagnostics"][0]["file"] == "mine.yaml"
    assert body["diagnostics"][0]["line"] == index + 1


def test_validate_yaml_syntax_error(api: TestClient) -> None:
    body = api.post("/v1/validate", content="regency: [batang\n").json()
    assert body["valid"] is False and body["diagnostics"][0]["line"] >= 1


def test_validate_finds_check_findings(api: TestClient) -> None:
    from pathlib import Path

    fixtures = sorted((Path(__file__).parent / "fixtures").rglob("*.yaml"))
    found = None
    for fixture in fixtures:
        text = fixture.read_text(encoding="utf-8", errors="replace")
        if "versions:" not in text:
            continue
        body = api.post("/v1/validate", content=text.encode("utf-8")).json()
        if body["valid"] and body["findings"]:
            found = body
            break
    assert found is not None, "no fixture policy with check findings"
    assert {"kind", "message", "at"} <= set(found["findings"][0])


# --- policies, schemas -------------------------------------------------------------------

def test_policies_lists_regencies_versions_and_fingerprints(api: TestClient) -> None:
    body = api.get("/v1/policies").json()
    assert [p["regency"] for p in body["policies"]] == ["batang", "karangasem", "malinau"]
    karangasem = body["policies"][1]
    assert [v["effective_from"] for v in karangasem["versions"]] == ["2023-05-22", "2025-12-31"]
    assert all(len(v["sha256"]) == 64 for v in karangasem["versions"])
    assert len(body["fingerprint"]) == 64


def test_policy_in_force_on_a_date(api: TestClient) -> None:
    old = api.get("/v1/policies/karangasem?as_of=2024-06-01").json()
    new = api.get("/v1/policies/5107?as_of=2026-01-05").json()  # by BPS code
    assert old["version"]["effective_from"] == "2023-05-22"
    assert new["version"]["effective_from"] == "2025-12-31"
    assert old["in_force"] == "2023-05-22"
    assert "Standar Pelayanan" in new["standar_pelayanan"]["md"]["id"]
    assert new["standar_pelayanan"]["md"]["en"] != new["standar_pelayanan"]["md"]["id"]
    today = api.get("/v1/policies/batang").json()
    assert today["version"]["effective_from"] == "2022-09-28"


def test_policy_bad_requests(api: TestClient) -> None:
    response = api.get("/v1/policies/atlantis")
    assert response.status_code == 404 and error_codes(response.json()) == ["JKN-C100"]
    response = api.get("/v1/policies/karangasem?as_of=2020-01-01")
    assert response.status_code == 422 and error_codes(response.json()) == ["JKN-A002"]
    response = api.get("/v1/policies/karangasem?as_of=2026-02-30")
    assert response.status_code == 422 and error_codes(response.json()) == ["JKN-S012"]


def test_diff_between_two_dates(api: TestClient) -> None:
    response = api.get("/v1/policies/karangasem/diff?from=2024-01-01&to=2026-01-05")
    assert response.status_code == 200
    report = response.json()
    jsonschema.validate(report, schemas.schema("diff"))
    assert report["semantic_change"] is True
    out = io.StringIO()
    main(["diff", "karangasem@2024-01-01", "karangasem@2026-01-05", "--policies",
          str(POLICY_DIR), "--format", "json"], stdout=out, stderr=io.StringIO())
    assert report == json.loads(out.getvalue())
    same = api.get("/v1/policies/karangasem/diff?from=2024-01-01&to=2024-02-01").json()
    assert same["semantic_change"] is False
    md = api.get("/v1/policies/karangasem/diff?from=2024-01-01&to=2026-01-05&format=md")
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith("#")


def test_diff_bad_requests(api: TestClient) -> None:
    assert api.get("/v1/policies/karangasem/diff?from=2024-01-01").status_code == 422
    assert api.get("/v1/policies/karangasem/diff?from=2024-01-01&to=x").status_code == 422
    assert api.get("/v1/policies/karangasem/diff?from=2024-01-01&to=2024-02-01"
                   "&format=pdf").status_code == 422
    assert api.get("/v1/policies/atlantis/diff?from=2024-01-01&to=2024-02-01"
                   ).status_code == 404


@pytest.mark.parametrize("name", sorted(schemas.MODELS))
def test_schemas_are_the_cli_schemas(api: TestClient, name: str) -> None:
    response = api.get(f"/v1/schemas/{name}")
    assert response.status_code == 200
    assert response.text == schemas.schema_text(name)


def test_unknown_schema_is_404(api: TestClient) -> None:
    response = api.get("/v1/schemas/secrets")
    assert response.status_code == 404 and error_codes(response.json()) == ["JKN-S020"]


# --- service endpoints, documentation ----------------------------------------------------

def test_health_and_ready(api: TestClient) -> None:
    assert api.get("/health").json() == {"status": "ok"}
    ready = api.get("/ready").json()
    assert ready["status"] == "ready" and ready["regencies"] == ["batang", "karangasem",
                                                                 "malinau"]


def test_metrics_count_requests_outcomes_and_name_the_policies() -> None:
    api = client()
    api.post("/v1/evaluate", json=CASE)
    api.post("/v1/evaluate", json={"regency": "x"})
    text = api.get("/metrics").text
    fingerprint = api.get("/ready").json()["fingerprint"]
    assert 'jknrules_http_requests_total{method="POST",route="/v1/evaluate",status="200"} 1.0' \
        in text
    assert 'jknrules_http_requests_total{method="POST",route="/v1/evaluate",status="422"} 1.0' \
        in text
    assert 'jknrules_decisions_total{outcome="incomplete",regency="karangasem"} 1.0' in text
    assert f'jknrules_policy_set_info{{fingerprint="{fingerprint}",signed="false"}} 1.0' in text
    assert "jknrules_http_request_duration_seconds_bucket" in text
    assert 'effective_from="2025-12-31",regency="karangasem"' in text


def test_metrics_never_label_raw_paths() -> None:
    api = client()
    for i in range(5):
        api.get(f"/v1/policies/nowhere-{i}")
        api.get(f"/random/{i}")
    text = api.get("/metrics").text
    assert "nowhere-" not in text and "/random/" not in text


def test_openapi_describes_the_api_with_the_contract_schemas(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    paths = set(document["paths"])
    assert {"/v1/evaluate", "/v1/batch", "/v1/validate", "/v1/policies",
            "/v1/policies/{regency}", "/v1/policies/{regency}/diff", "/v1/schemas/{name}",
            "/v1/admin/reload", "/health", "/ready", "/metrics"} <= paths
    components = document["components"]["schemas"]
    assert {"Case", "Result", "DiffReport", "Error"} <= set(components)
    text = json.dumps(document)
    assert "#/$defs/" not in text  # every reference resolves inside the document
    for ref in {r for r in _refs(document)}:
        assert ref.removeprefix("#/components/schemas/") in components, ref


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "$ref"] + \
            [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def test_docs_load_nothing_from_outside_the_server(api: TestClient) -> None:
    import re

    for page in ("/docs", "/redoc"):
        html = api.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/"), (page, asset)
            assert api.get(asset).status_code == 200, asset
        assert "cdn" not in html.lower() and "fonts.googleapis" not in html


def _cli_codes(text: str) -> list[tuple[str, int | None, int | None]]:
    """The diagnostics ``jknrules evaluate -`` gives for ``text`` (code, line, column)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["evaluate", "-", "--policies", str(POLICY_DIR)], stdout=out, stderr=err,
                stdin=io.StringIO(text))
    assert code == 2, out.getvalue()
    found = []
    for line_text in err.getvalue().splitlines():
        if line_text.startswith("<stdin>:"):
            place, _, rest = line_text.partition(": ")
            _, line_no, column = place.split(":")
            found.append((rest.split(" ")[0], int(line_no), int(column)))
    return found


HOSTILE = [
    '{"regency": "karangasem", "regency": "batang"}',               # a repeated key
    CASE_TEXT.replace('"desil": 3', '"desil": NaN'),                  # NaN is not JSON
    CASE_TEXT.replace("}", ', "x": Infinity}', 1),
    CASE_TEXT.replace('"register"', '"reg\\ud800ister"'),            # a lone surrogate
    "\ufeff" + CASE_TEXT,                                             # a byte order mark
    "[" * 5000 + "]" * 5000,                                          # deep nesting
    CASE_TEXT.replace('"desil": 3', '"desil": 1' + "0" * 5000),       # a huge number
    CASE_TEXT.replace('"desil": 3', '"desil": 1e400'),                # a float overflow
    CASE_TEXT.replace('"desil": 3', '"desil": 3.0'),
    CASE_TEXT.replace('"register"', '"regis\\u0074er"') .replace('"karangasem"', '"x"'),
    CASE_TEXT.replace('"submitted_at": "', '"submitted_at": "1999'),
    CASE_TEXT.replace("{", "{\t", 1),                                 # tabs are white space
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_the_quick_way_never_changes_an_answer(api: TestClient, text: str) -> None:
    """A case read the quick way (standard JSON reader, the evaluator's own reading) gets
    the answer the CLI's strict reader gives: the same result, or the same located
    errors."""
    response = api.post("/v1/evaluate", content=text.encode("utf-8", "surrogatepass"))
    out = io.StringIO()
    code = main(["evaluate", "-", "--policies", str(POLICY_DIR)], stdout=out,
                stderr=io.StringIO(), stdin=io.StringIO(text))
    if code == 0:
        assert response.status_code == 200
        assert response.json() == json.loads(out.getvalue())
    else:
        assert response.status_code == 422
        got = [(d["code"], d["line"], d["column"]) for d in response.json()["diagnostics"]]
        assert got == _cli_codes(text)


def test_a_byte_order_mark_in_a_batch_is_read_as_jknrules_batch_reads_it(tmp_path: Path) -> None:
    """One rule for /v1/batch and ``jknrules batch``: the first line's BOM is dropped, a
    BOM at the start of any later line makes that row an error (two files joined)."""
    bom = b"\xef\xbb\xbf"
    line = json.dumps(CASE).encode()
    body = bom + line + b"\n" + bom + line + b"\n" + line + b"\n"
    served = [json.loads(t) for t in client().post("/v1/batch", content=body).text.splitlines()]
    (tmp_path / "cases.jsonl").write_bytes(body)
    code = main(["batch", str(tmp_path / "cases.jsonl"), "--out", str(tmp_path / "out.jsonl"),
                 "--policies", str(POLICY_DIR)], io.StringIO(), io.StringIO())
    assert code == 1  # an error row
    cli = [json.loads(t) for t in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["error"] is None for r in served] == [True, False, True]
    assert [r.get("error") is None for r in cli] == [True, False, True]
    assert served[1]["error"] == cli[1]["error"]
    assert served[1]["error"].startswith("JKN-C001 $: baris 2 dimulai dengan tanda urutan bita")
    assert served[0]["outcome"] == cli[0]["outcome"] == served[2]["outcome"]
