"""Reloading the policy set (``POST /v1/admin/reload``, SIGHUP): wholly old or wholly new,
a set that does not load is refused and the old one keeps serving; signed sets."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jknrules.cli.main import main
from jknrules.errors import JknrulesError
from jknrules.serve.app import create_app
from jknrules.serve.config import ServeConfig
from jknrules.serve.state import load_served

from .serve_helpers import CASE, KEY, client, copy_policies, error_codes

AUTH = {"Authorization": f"Bearer {KEY}"}
OFFICE_A = "(MPP) Kabupaten Karangasem"
OFFICE_B = "(MPP) Kab. Karangasem"


def write(path: Path, text: str) -> None:
    """Replace ``path`` whole (as an editor or a deployment would)."""
    partial = path.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def variant(text: str) -> str:
    changed = text.replace(OFFICE_A, OFFICE_B, 1)
    assert changed != text
    return changed


def test_a_broken_policy_is_refused_and_the_old_set_keeps_serving(tmp_path: Path) -> None:
    folder = copy_policies(tmp_path)
    api = client(policies=folder, api_keys=(KEY,))
    before = api.get("/ready").json()["fingerprint"]
    answer = api.post("/v1/evaluate", json=CASE, headers=AUTH).json()
    path = folder / "karangasem.yaml"
    good = path.read_text(encoding="utf-8")
    write(path, good.replace("time_zone: Asia/Makassar", "time_zone: Asia/Atlantis"))
    refused = api.post("/v1/admin/reload", headers=AUTH)
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "reload_refused"
    assert body["diagnostics"][0]["file"].endswith("karangasem.yaml")
    assert body["diagnostics"][0]["line"] >= 1
    assert api.get("/ready").json()["fingerprint"] == before
    assert api.post("/v1/evaluate", json=CASE, headers=AUTH).json() == answer
    metrics = api.get("/metrics", headers=AUTH).text
    assert 'jknrules_reloads_total{result="refused"} 1.0' in metrics
    # the file fixed (and changed): the reload is accepted
    write(path, variant(good))
    done = api.post("/v1/admin/reload", headers=AUTH)
    assert done.status_code == 200 and done.json()["changed"] is True
    assert done.json()["previous"] == before
    after = api.post("/v1/evaluate", json=CASE, headers=AUTH)
    assert after.headers["x-jknrules-policy-set"] == done.json()["fingerprint"]
    assert OFFICE_B in after.json()["route"]["office"]
    assert api.get("/metrics", headers=AUTH).text.count(done.json()["fingerprint"]) == 1


def test_a_file_removed_or_a_yaml_error_is_refused(tmp_path: Path) -> None:
    folder = copy_policies(tmp_path)
    api = client(policies=folder, api_keys=(KEY,))
    before = api.get("/ready").json()["fingerprint"]
    write(folder / "batang.yaml", "regency: [batang\n")
    assert api.post("/v1/admin/reload", headers=AUTH).status_code == 409
    for path in folder.glob("*.yaml"):
        path.unlink()
    response = api.post("/v1/admin/reload", headers=AUTH)
    assert response.status_code == 409 and error_codes(response.json()) == ["JKN-F004"]
    assert api.get("/ready").json()["fingerprint"] == before
    assert api.post("/v1/evaluate", json=CASE, headers=AUTH).status_code == 200


def test_concurrent_requests_during_reloads_see_one_set_each(tmp_path: Path) -> None:
    """Evaluations, batches and policy listings while the set flips between A and B (and
    a broken one is refused): every answer is wholly A or wholly B."""
    folder = copy_policies(tmp_path)
    path = folder / "karangasem.yaml"
    text_a = path.read_text(encoding="utf-8")
    text_b = variant(text_a)
    folder_b = tmp_path / "b"
    folder_b.mkdir()
    for other in folder.glob("*.yaml"):
        (folder_b / other.name).write_text(other.read_text(encoding="utf-8"), encoding="utf-8")
    (folder_b / "karangasem.yaml").write_text(text_b, encoding="utf-8")
    sets = {}
    for label, where in (("A", folder), ("B", folder_b)):
        served = load_served(ServeConfig(policies=where))
        sets[served.fingerprint] = (label, {sha for _, _, sha in served.versions()})
    assert len(sets) == 2
    office = {"A": OFFICE_A, "B": OFFICE_B}
    app = create_app(ServeConfig(policies=folder, api_keys=(KEY,)))
    seen: list[tuple[str, str]] = []
    problems: list[str] = []
    stop = threading.Event()

    def check(fingerprint: str, result: dict[str, Any]) -> None:
        label, shas = sets[fingerprint]
        if result["policy"]["sha256"] not in shas or office[label] not in \
                result["route"]["office"]:
            problems.append(f"{label}: {result['policy']['sha256']} {result['route']['office']}")
        seen.append((fingerprint, label))

    def evaluations(api: TestClient) -> None:
        while not stop.is_set():
            response = api.post("/v1/evaluate?trace=false", json=CASE, headers=AUTH)
            assert response.status_code == 200
            check(response.headers["x-jknrules-policy-set"], response.json())

    def batches(api: TestClient) -> None:
        import json

        body = "\n".join(json.dumps(CASE) for _ in range(300))
        while not stop.is_set():
            response = api.post("/v1/batch", content=body, headers=AUTH)
            fingerprint = response.headers["x-jknrules-policy-set"]
            for line in response.text.splitlines():
                check(fingerprint, json.loads(line))

    def listings(api: TestClient) -> None:
        while not stop.is_set():
            response = api.get("/v1/policies", headers=AUTH)
            label, shas = sets[response.headers["x-jknrules-policy-set"]]
            listed = {v["sha256"] for p in response.json()["policies"] for v in p["versions"]}
            if listed != shas:
                problems.append(f"listing {label}")

    reloads = {"ok": 0, "refused": 0}
    with TestClient(app) as api:
        workers = [threading.Thread(target=f, args=(api,))
                   for f in (evaluations, evaluations, batches, listings)]
        for worker in workers:
            worker.start()
        try:
            for i in range(12):
                if i % 4 == 3:
                    write(path, "regency: karangasem\nversions: [\n")
                else:
                    write(path, text_b if i % 2 == 0 else text_a)
                response = api.post("/v1/admin/reload", headers=AUTH)
                reloads["ok" if response.status_code == 200 else "refused"] += 1
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=60)
    assert not problems, problems[:5]
    assert reloads == {"ok": 9, "refused": 3}
    assert {label for _, label in seen} == {"A", "B"}, "both sets answered"


# --- signed sets -------------------------------------------------------------------------

def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def signed(signed_policies: Path) -> Path:
    """A signed copy of the shipped policies (``conftest.signed_policies``)."""
    return signed_policies


def test_require_signed_refuses_to_start_with_an_unsigned_set(tmp_path: Path) -> None:
    folder = copy_policies(tmp_path)
    with pytest.raises(JknrulesError) as caught:  # no key to check with
        create_app(ServeConfig(policies=folder, require_signed=True))
    assert caught.value.diagnostics[0].code == "JKN-A036"
    code, _, err = run("bundle", "keygen", str(tmp_path / "office.key"), "--public",
                       str(folder / "keys" / "office.pub"))
    assert code == 0, err
    with pytest.raises(JknrulesError) as caught:  # a key, but no signed bundle
        create_app(ServeConfig(policies=folder, require_signed=True))
    assert caught.value.diagnostics[0].code == "JKN-A060"
    code, _, err = run("serve", "--policies", str(folder), "--require-signed", "--port", "1")
    assert code == 2 and "JKN-A060" in err


def test_require_signed_serves_a_signed_set_and_refuses_an_altered_reload(signed: Path) -> None:
    api = client(policies=signed, require_signed=True, api_keys=(KEY,))
    ready = api.get("/ready").json()
    assert ready["signed"] is True
    assert 'signed="true"' in api.get("/metrics", headers=AUTH).text
    path = signed / "karangasem.yaml"
    write(path, variant(path.read_text(encoding="utf-8")))  # valid, but not what was signed
    response = api.post("/v1/admin/reload", headers=AUTH)
    assert response.status_code == 409
    assert "JKN-A061" in error_codes(response.json())
    assert api.get("/ready").json()["fingerprint"] == ready["fingerprint"]
    assert OFFICE_A in api.post("/v1/evaluate", json=CASE, headers=AUTH).json()["route"][
        "office"]


def test_require_signed_with_a_public_key_that_did_not_sign(signed: Path,
                                                            tmp_path: Path) -> None:
    code, _, err = run("bundle", "keygen", str(tmp_path / "other.key"), "--public",
                       str(tmp_path / "other.pub"))
    assert code == 0, err
    with pytest.raises(JknrulesError) as caught:
        create_app(ServeConfig(policies=signed, require_signed=True,
                               public_keys=(tmp_path / "other.pub",)))
    assert caught.value.diagnostics[0].code == "JKN-A062"
