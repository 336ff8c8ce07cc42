"""The server's security: API keys, body size, CORS, no traceback, no NIK in logs, and
binding beyond loopback."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jknrules.cli.main import main
from jknrules.errors import JknrulesError
from jknrules.serve.config import KEYS_ENV, ServeConfig, read_api_keys
from jknrules.serve.security import matches

from .serve_helpers import CASE, CASE_TEXT, KEY, OTHER_KEY, client, error_codes

NIK = "5107012345678901"


# --- API keys ----------------------------------------------------------------------------

def test_with_keys_every_api_call_needs_one() -> None:
    api = client(api_keys=(KEY, OTHER_KEY))
    missing = api.post("/v1/evaluate", json=CASE)
    assert missing.status_code == 401 and error_codes(missing.json()) == ["JKN-S001"]
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = api.post("/v1/evaluate", json=CASE, headers={"Authorization": f"Bearer {KEY}x"})
    assert wrong.status_code == 401 and error_codes(wrong.json()) == ["JKN-S002"]
    basic = api.post("/v1/evaluate", json=CASE, headers={"Authorization": f"Basic {KEY}"})
    assert basic.status_code == 401
    for key in (KEY, OTHER_KEY):
        ok = api.post("/v1/evaluate", json=CASE, headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200
    for path in ("/v1/policies", "/v1/schemas/case", "/metrics"):
        assert api.get(path).status_code == 401, path
        assert api.get(path, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert api.get("/health").status_code == 200 and api.get("/ready").status_code == 200


def test_a_refusal_never_echoes_the_key() -> None:
    api = client(api_keys=(KEY,))
    response = api.get("/v1/policies", headers={"Authorization": "Bearer guessed-key-123456"})
    assert "guessed-key" not in response.text and KEY not in response.text


def test_admin_always_needs_a_key() -> None:
    no_keys = client()
    response = no_keys.post("/v1/admin/reload")
    assert response.status_code == 403 and error_codes(response.json()) == ["JKN-S003"]
    keyed = client(api_keys=(KEY,))
    assert keyed.post("/v1/admin/reload").status_code == 401
    ok = keyed.post("/v1/admin/reload", headers={"Authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200 and ok.json()["status"] == "reloaded"


def test_keys_compare_whole_keys() -> None:
    assert matches(KEY, (OTHER_KEY, KEY))
    assert not matches(KEY[:-1], (KEY,)) and not matches(KEY + "x", (KEY,))
    assert not matches("", (KEY,)) and not matches(KEY, ())
    assert not matches("\udc80" * 3, (KEY,))  # text that is not UTF-8 is simply no key


def test_keys_from_a_file_and_the_environment(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keys"
    path.write_text(f"# office keys\n\n{KEY}\n  {OTHER_KEY}  \n", encoding="utf-8")
    monkeypatch.setenv(KEYS_ENV, "e" * 24 + "," + "f" * 24)
    keys = read_api_keys(ServeConfig(api_keys_file=path))
    assert keys == (KEY, OTHER_KEY, "e" * 24, "f" * 24)


def test_a_short_key_is_refused_without_showing_it(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEYS_ENV, raising=False)
    path = tmp_path / "keys"
    path.write_text(f"{KEY}\nhunter2\n", encoding="utf-8")
    with pytest.raises(JknrulesError) as caught:
        read_api_keys(ServeConfig(api_keys_file=path))
    assert caught.value.diagnostics[0].code == "JKN-S002"
    assert f"{path}:2" in caught.value.diagnostics[0].message_en
    assert "hunter2" not in caught.value.report()
    with pytest.raises(JknrulesError) as caught:
        read_api_keys(ServeConfig(api_keys_file=tmp_path / "none"))
    assert caught.value.diagnostics[0].code == "JKN-S001"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_binding_beyond_loopback_without_keys_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEYS_ENV, raising=False)
    code, _, err = run("serve", "--host", "0.0.0.0", "--port", "1")
    assert code == 2
    assert "JKN-S003" in err and "API" in err


def test_serve_without_the_extra_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "uvicorn" or m.startswith("jknrules.serve")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn -> ImportError
    code, _, err = run("serve")
    assert code == 2
    assert "pip install 'jknrules[serve]'" in err and "Traceback" not in err


def test_bad_options_are_usage_errors() -> None:
    for argv in (["--port", "70000"], ["--workers", "0"], ["--max-body", "-1"]):
        code, _, _ = run("serve", *argv)
        assert code == 2, argv


# --- request size ------------------------------------------------------------------------

def test_an_oversized_body_is_413() -> None:
    api = client(max_body_bytes=10_000)
    response = api.post("/v1/evaluate", content=b"{" + b" " * 20_000 + b"}")
    assert response.status_code == 413
    assert error_codes(response.json()) == ["JKN-S010"]
    assert api.post("/v1/validate", content=b"x" * 20_000).status_code == 413


def test_an_oversized_body_without_a_length_is_413() -> None:
    api = client(max_body_bytes=10_000)

    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b" " * 1000

    response = api.post("/v1/evaluate", content=chunks())  # sent chunked
    assert response.status_code == 413


def test_batch_has_its_own_limit() -> None:
    api = client(max_body_bytes=10_000, max_batch_bytes=50_000)
    body = (CASE_TEXT.replace("\n", "") + "\n") * 30
    assert len(body) > 10_000
    assert api.post("/v1/batch", content=body).status_code == 200
    assert api.post("/v1/batch", content=body * 5).status_code == 413


# --- errors, logs, CORS ------------------------------------------------------------------

def test_an_internal_error_is_500_without_a_traceback_or_the_case(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from jknrules.serve import decide as decide_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"boom near {NIK}")

    monkeypatch.setattr(decide_module, "evaluate_compiled", broken)
    monkeypatch.delenv("JKNRULES_DEBUG", raising=False)
    case = {**CASE, "applicant": {**CASE.get("applicant", {}), "nik": NIK}}
    with caplog.at_level(logging.DEBUG):
        response = client().post("/v1/evaluate", json=case)
    assert response.status_code == 500
    assert error_codes(response.json()) == ["JKN-S099"]
    assert "Traceback" not in response.text and "boom" not in response.text
    assert NIK not in response.text
    assert "RuntimeError" in caplog.text
    assert NIK not in caplog.text and "Traceback" not in caplog.text


def test_no_nik_in_the_logs_of_a_refused_case(caplog: pytest.LogCaptureFixture) -> None:
    case = {**CASE, "applicant": {"nik": NIK, "has_ktp": "yes"}}
    with caplog.at_level(logging.DEBUG):
        response = client().post("/v1/evaluate", json=case)
    assert response.status_code == 422
    assert NIK not in caplog.text


def test_cors_is_off_unless_configured() -> None:
    origin = {"Origin": "https://siks.example", "Access-Control-Request-Method": "POST"}
    plain = client().options("/v1/evaluate", headers=origin)
    assert "access-control-allow-origin" not in plain.headers
    allowed = client(cors_origins=("https://siks.example",))
    response = allowed.options("/v1/evaluate", headers=origin)
    assert response.headers["access-control-allow-origin"] == "https://siks.example"
    other = allowed.options("/v1/evaluate", headers={**origin, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_worker_configuration_carries_no_key(tmp_path: Path) -> None:
    """``--workers N``: each worker rebuilds its app from JSON in the environment; the
    keys themselves never go there (the workers read the file or variable again)."""
    import dataclasses

    from jknrules.serve.config import from_env, to_env

    config = ServeConfig(policies=tmp_path / "p", host="0.0.0.0", port=9000, workers=3,
                         record=tmp_path / "d.jsonl", record_without_identity=True,
                         record_key=tmp_path / "k", require_signed=True,
                         public_keys=(tmp_path / "a.pub", tmp_path / "b.pub"),
                         api_keys=(KEY,), api_keys_file=tmp_path / "keys",
                         max_body_bytes=5, max_batch_bytes=6,
                         cors_origins=("https://a.example",), handle_sighup=True)
    text = to_env(config)
    assert KEY not in text
    assert from_env(text) == dataclasses.replace(config, api_keys=())
