"""Signing in to the pages of a server with keys (``jknrules.serve.signin``), over HTTP.

A server with keys shows no page to someone not signed in; the sign-in takes the office
key or an officer's own key (``NAME KEY`` in the key file) and answers with a signed,
HttpOnly, SameSite=Strict cookie; forms carry a CSRF token; a recorded decision names
the key (never the key itself). A server without keys stays open. The same in a real
browser: ``test_pages_browser.py``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import POLICY_DIR
from .test_pages import EXAMPLE, form_of, grouped, hidden_inputs

testclient = pytest.importorskip("fastapi.testclient", reason="the serve extra is not installed")
from jknrules.serve.app import create_app  # noqa: E402
from jknrules.serve.config import KEYS_ENV, ServeConfig, read_named_keys  # noqa: E402
from jknrules.serve.signin import COOKIE  # noqa: E402

OFFICE_KEY = "o" * 20 + "-office"
SITI_KEY = "s" * 20 + "-siti"


def keyed(tmp_path: Path, base_url: str = "http://testserver", **options: Any) -> Any:
    keys = tmp_path / "keys"
    keys.write_text(f"# the office\n{OFFICE_KEY}\nsiti {SITI_KEY}\n", encoding="utf-8")
    options.setdefault("policies", POLICY_DIR)
    app = create_app(ServeConfig(api_keys_file=keys, secret="s" * 32, **options))
    return testclient.TestClient(app, base_url=base_url, follow_redirects=False)


def sign_in(client: Any, key: str, target: str = "/") -> Any:
    return client.post("/masuk", data={"key": key, "next": target})


@pytest.fixture(autouse=True)
def _no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEYS_ENV, raising=False)


def test_named_keys_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"{OFFICE_KEY}\nsiti {SITI_KEY}\n", encoding="utf-8")
    named = read_named_keys(ServeConfig(api_keys_file=path))
    assert [k.name for k in named][1] == "siti"
    assert re.fullmatch(r"key-[0-9a-f]{8}", named[0].name)
    assert SITI_KEY not in repr(named)
    path.write_text(f"siti nurhaliza {SITI_KEY}\n", encoding="utf-8")
    with pytest.raises(Exception) as caught:
        read_named_keys(ServeConfig(api_keys_file=path))
    assert "NAME KEY" in str(caught.value) and SITI_KEY not in str(caught.value)


@pytest.mark.parametrize("path", ["/", "/periksa", "/kebijakan", "/kebijakan/karangasem",
                                  "/kebijakan/batang/perbedaan", "/cetak", "/anything"])
def test_every_page_needs_a_sign_in(tmp_path: Path, path: str) -> None:
    client = keyed(tmp_path)
    response = client.get(path + "?lang=en")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/masuk?next=")
    assert response.headers["location"].endswith("&lang=en")
    posted = client.post(path, data={"yaml": "x"})
    assert posted.status_code == 303 and posted.headers["location"].startswith("/masuk")


def test_the_service_routes_the_docs_and_the_assets_stay_open(tmp_path: Path) -> None:
    client = keyed(tmp_path)
    for path in ("/health", "/ready", "/openapi.json", "/docs", "/redoc", "/aset/pages.css",
                 "/masuk"):
        assert client.get(path).status_code == 200, path
    assert client.get("/v1/policies").status_code == 401  # the API: its bearer key
    assert client.get("/v1/policies", headers={"Authorization": f"Bearer {SITI_KEY}"}
                      ).status_code == 200


def test_a_wrong_key_is_refused_and_a_right_one_signs_in(tmp_path: Path) -> None:
    client = keyed(tmp_path)
    page = client.get("/masuk?lang=en")
    assert "Sign in" in page.text and 'type="password"' in page.text
    wrong = sign_in(client, SITI_KEY[:-1] + "x")
    assert wrong.status_code == 401 and "Kunci tidak dikenal" in wrong.text
    assert COOKIE not in wrong.headers.get("set-cookie", "")
    right = sign_in(client, SITI_KEY, "/periksa?lang=en")
    assert right.status_code == 303 and right.headers["location"] == "/periksa?lang=en"
    cookie = right.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"):
        assert attribute in cookie
    assert "Secure" not in cookie and SITI_KEY not in cookie
    shown = client.get("/periksa?lang=en")
    assert shown.status_code == 200 and '<strong id="officer">siti</strong>' in shown.text


def test_the_cookie_is_secure_behind_https_and_expires(tmp_path: Path) -> None:
    client = keyed(tmp_path, "https://testserver", secure_cookies=True, session_seconds=1)
    cookie = sign_in(client, OFFICE_KEY).headers["set-cookie"]
    assert "; Secure" in cookie and "Max-Age=1" in cookie
    assert client.get("/").status_code == 200
    time.sleep(2.1)
    assert client.get("/").status_code == 303  # expired: signed in no more


def test_a_forged_or_foreign_cookie_is_no_session(tmp_path: Path) -> None:
    client = keyed(tmp_path)
    sign_in(client, OFFICE_KEY)
    value = client.cookies[COOKIE]
    assert client.get("/").status_code == 200
    client.cookies.clear()
    client.cookies.set(COOKIE, value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1])
    assert client.get("/").status_code == 303
    other = create_app(ServeConfig(policies=POLICY_DIR, api_keys=(OFFICE_KEY,),
                                   secret="t" * 32))  # another server's secret
    foreign = testclient.TestClient(other, follow_redirects=False)
    foreign.cookies.set(COOKIE, value)
    assert foreign.get("/").status_code == 303


def test_forms_need_their_csrf_token(tmp_path: Path) -> None:
    client = keyed(tmp_path)
    sign_in(client, OFFICE_KEY)
    page = client.get("/")
    token = dict(hidden_inputs(page.text))["csrf"]
    assert len(token) == 64
    refused = client.post("/", data=grouped(form_of(EXAMPLE)))
    assert refused.status_code == 403 and 'data-code="JKN-S013"' in refused.text
    wrong = client.post("/", data=grouped([*form_of(EXAMPLE), ("csrf", "0" * 64)]))
    assert wrong.status_code == 403
    fine = client.post("/", data=grouped([*form_of(EXAMPLE), ("csrf", token)]))
    assert fine.status_code == 200 and "Berkas belum lengkap" in fine.text
    periksa = client.post("/periksa", files={"yaml": (None, "a: 1\n")})
    assert periksa.status_code == 403
    cross = client.post("/", data=grouped([*form_of(EXAMPLE), ("csrf", token)]),
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403


def test_sign_out_ends_the_session_in_this_browser(tmp_path: Path) -> None:
    client = keyed(tmp_path)
    sign_in(client, OFFICE_KEY)
    token = dict(hidden_inputs(client.get("/").text))["csrf"]
    assert client.post("/keluar", data={}).status_code == 403  # without its token
    out = client.post("/keluar", data={"csrf": token})
    assert out.status_code == 303 and out.headers["location"] == "/masuk"
    assert "Max-Age=0" in out.headers["set-cookie"]
    assert client.get("/").status_code == 303


def test_a_recorded_decision_names_the_key_never_the_key_itself(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    client = keyed(tmp_path, record=log)
    sign_in(client, SITI_KEY)
    token = dict(hidden_inputs(client.get("/").text))["csrf"]
    assert client.post("/", data=grouped([*form_of(EXAMPLE), ("csrf", token)])
                       ).status_code == 200
    api = client.post("/v1/evaluate", json=EXAMPLE,
                      headers={"Authorization": f"Bearer {OFFICE_KEY}"})
    assert api.status_code == 200
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0]["key_name"] == "siti"
    assert re.fullmatch(r"key-[0-9a-f]{8}", records[1]["key_name"])
    assert SITI_KEY not in log.read_text() and OFFICE_KEY not in log.read_text()


def test_a_server_without_keys_stays_open(tmp_path: Path) -> None:
    client = testclient.TestClient(create_app(ServeConfig(policies=POLICY_DIR)),
                                   follow_redirects=False)
    page = client.get("/")
    assert page.status_code == 200 and 'name="csrf"' not in page.text
    assert client.post("/", data=grouped(form_of(EXAMPLE))).status_code == 200
    assert "tidak perlu masuk" in client.get("/masuk").text
    assert client.post("/masuk", data={"key": "x"}).status_code == 303


def test_next_never_leaves_the_server(tmp_path: Path) -> None:
    client = keyed(tmp_path)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = sign_in(client, OFFICE_KEY, target)
        assert response.headers["location"] == "/", target


def test_a_bearer_key_reaches_a_page_without_a_session(tmp_path: Path) -> None:
    """A script (not a browser) may reach a page route with its key: no cookie, no CSRF
    token (no browser sends that header for another site)."""
    client = keyed(tmp_path)
    bearer = {"Authorization": f"Bearer {SITI_KEY}"}
    page = client.get("/kebijakan", headers=bearer)
    assert page.status_code == 200 and "set-cookie" not in page.headers
    posted = client.post("/", data=grouped(form_of(EXAMPLE)), headers=bearer)
    assert posted.status_code == 200 and "Berkas belum lengkap" in posted.text
    wrong = client.get("/kebijakan", headers={"Authorization": f"Bearer {SITI_KEY}x"})
    assert wrong.status_code == 303
