"""The pages over HTTP (no browser): Loket, the receipt, Kebijakan, Periksa, the assets.

What a person sees is tested in a real browser in ``test_pages_browser.py``; here the
pages' answers are checked against the library's own: the decision is the one
``jknrules.evaluate`` gives, the diff the one ``jknrules diff`` gives, the Periksa
findings those of ``jknrules check``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.analysis.check import check_policy
from jknrules.language.fields import FIELDS, PARTS
from jknrules.language.vocab import DOCUMENTS

from .conftest import POLICY_DIR, ROOT
from .pages_server import app

testclient = pytest.importorskip("fastapi.testclient", reason="the serve extra is not installed")
from jknrules.serve import forms  # noqa: E402  (needs the serve extra, checked just above)
from jknrules.serve.pages import CSP  # noqa: E402
from jknrules.serve.words import PART_TITLES, VALUE_LABELS  # noqa: E402

EXAMPLE = json.loads((ROOT / "examples/cases/karangasem-emergency.json").read_text())


@pytest.fixture(scope="module")
def client() -> Any:
    return testclient.TestClient(app(), raise_server_exceptions=True)


def form_of(case: dict[str, Any]) -> list[tuple[str, str]]:
    """What a browser sends for ``case`` from the Loket form."""
    out: list[tuple[str, str]] = []
    for f in FIELDS:
        value = case.get(f.key) if f.part is None else case.get(f.part, {}).get(f.key, ...)
        if f.part is None and f.key not in case:
            value = ...
        if f.kind == "documents":
            if value is ... or value is None:
                out.append((forms.DOCUMENTS_MODE, "ask"))
            else:
                out.append((forms.DOCUMENTS_MODE, "checked"))
                out += [("documents", d) for d in value]
            continue
        if value is ...:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif value is None:
            text = forms.NULL
        elif f.kind == "datetime":
            text = str(value)[:16]  # <input type=datetime-local>: minutes, no offset
        else:
            text = str(value)
        out.append((f.name, text))
    return out


def grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form pairs as httpx sends them (a repeated name is a list)."""
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def text_of(page: str) -> str:
    """The page's text, tags dropped and entities read (what a reader sees, roughly)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- the form is the catalogue ------------------------------------------------------

def test_every_catalogue_field_is_an_input_of_the_loket_form(client: Any) -> None:
    page = client.get("/").text
    for f in FIELDS:
        assert f'name="{f.name}"' in page, f.name
    for doc in DOCUMENTS:
        assert f'name="documents" value="{doc}"' in page


def test_every_part_and_enum_value_of_the_catalogue_has_words() -> None:
    assert set(PARTS) <= set(PART_TITLES)
    for f in FIELDS:
        if f.kind == "enum":
            for v in f.values:
                assert (f.name, str(v)) in VALUE_LABELS, (f.name, v)


_LOCAL_MINUTE = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)
                             ).map(lambda d: d.replace(second=0, microsecond=0).isoformat())


def _value(f: Any) -> st.SearchStrategy[Any]:
    if f.kind in ("enum", "regency"):
        return st.sampled_from(list(f.values) or ["karangasem", "batang", "malinau", "5107"])
    if f.kind == "bool":
        return st.booleans()
    if f.kind == "int":
        ints = st.integers(f.minimum if f.minimum is not None else -10**6,
                           f.maximum if f.maximum is not None else 10**6)
        return st.one_of(ints, st.none()) if f.nullable else ints
    if f.kind == "date":
        return st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)
    if f.kind == "datetime":
        return _LOCAL_MINUTE
    if f.kind == "text":
        return st.from_regex(r"\A[0-9]{16}\Z")
    return st.lists(st.sampled_from(list(DOCUMENTS)), unique=True)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    case: dict[str, Any] = {}
    for f in FIELDS:
        if not f.required and not draw(st.booleans()):
            continue
        value = draw(_value(f))
        if f.part is None:
            case[f.key] = value
        else:
            case.setdefault(f.part, {})[f.key] = value
    return case


@given(cases())
@settings(max_examples=200, deadline=None)
def test_the_form_sends_back_exactly_the_case_it_shows(case: dict[str, Any]) -> None:
    assert forms.case_data(grouped(form_of(case))) == case


# --- Loket ----------------------------------------------------------------------------

def test_loket_decides_as_the_library_does(client: Any) -> None:
    response = client.post("/", data=grouped(form_of(EXAMPLE)))
    assert response.status_code == 200
    expected = jknrules.evaluate(EXAMPLE, jknrules.load_policies(POLICY_DIR))
    assert expected.outcome == "incomplete" and expected.missing_documents == ["surat_kontrol"]
    page = text_of(response.text)
    assert "Berkas belum lengkap" in page
    missing = response.text.split('class="missing"', 1)[1].split("</div>", 1)[0]
    assert "Surat Kontrol" in missing and "surat_kontrol" not in missing
    # the deadline in the regency's local time, in words
    assert "Rabu, 4 Februari 2026 pukul 10.33 WITA" in page
    assert 'datetime="2026-02-04T10:33:00+08:00"' in response.text
    # the route, the office, and every reason with its clause
    assert expected.route is not None
    assert expected.route["office"] in page and expected.route["name"] in page
    for reason in expected.reasons:
        assert reason["message"]["id"] in page
        assert reason["source"] and reason["source"] in page
    for item in expected.required_documents:
        assert item["name"]["id"] in page


def test_loket_in_english(client: Any) -> None:
    page = text_of(client.post("/?lang=en", data=grouped(form_of(EXAMPLE))).text)
    assert "Incomplete" in page and "Follow-up (control) letter" in page
    assert "Wednesday, 4 February 2026, 10:33 WITA" in page
    assert "Bahasa Indonesia" in page  # the switch back


def test_the_language_switch_keeps_what_was_typed(client: Any) -> None:
    data = [*form_of(EXAMPLE), ("switch", "1")]
    response = client.post("/?lang=en", data=grouped(data))
    assert response.status_code == 200
    assert 'value="5107014203900001"' in response.text
    assert "Check the documents brought" in response.text
    assert 'class="decision' not in response.text  # only the language changed


def test_asking_what_to_bring_lists_the_documents_unchecked(client: Any) -> None:
    case = {k: v for k, v in EXAMPLE.items() if k != "documents"}
    page = text_of(client.post("/", data=grouped(form_of(case))).text)
    assert "Kelengkapan belum diperiksa" in page
    assert "Dokumen kurang" not in page


@pytest.mark.parametrize(("field", "value", "code"), [
    ("applicant.nik", "12ab", "JKN-C002"),
    ("newborn.age_days", "tiga", "JKN-C002"),
    ("applicant.birth_date", "2026-02-30", "JKN-C002"),
    ("welfare.desil", "11", "JKN-C002"),
    ("health.emergency", "mungkin", "JKN-C002"),
])
def test_bad_input_is_shown_beside_its_field_in_both_languages(client: Any, field: str, value: str,
                                                                code: str) -> None:
    data = [(k, v) for k, v in form_of(EXAMPLE) if k != field] + [(field, value)]
    response = client.post("/", data=grouped(data))
    assert response.status_code == 422
    assert "Traceback" not in response.text
    beside = re.search(rf'<p class="error" id="e-{re.escape(field)}" data-code="{code}">(.*?)</p>',
                       response.text, re.S)
    assert beside is not None, response.text
    assert 'class="alt"' in beside[1]  # English alongside the Indonesian message
    assert f'aria-describedby="e-{field}"' in response.text
    assert 'id="kesalahan"' in response.text  # and in the summary at the top
    assert f'value="{value}"' in response.text or f'value="{value}" selected' in response.text


def test_a_case_the_policy_cannot_date_is_a_general_message(client: Any) -> None:
    data = [(k, v) for k, v in form_of(EXAMPLE) if k != "submitted_at"]
    data.append(("submitted_at", "2010-01-04T09:00"))
    response = client.post("/", data=grouped(data))
    assert response.status_code == 422
    assert 'data-code="JKN-C101"' in response.text


def test_inconsistent_membership_is_located(client: Any) -> None:
    data = [(k, v) for k, v in form_of(EXAMPLE) if k != "membership.segment"]
    data.append(("membership.segment", "pbi_apbn"))
    response = client.post("/", data=grouped(data))
    assert response.status_code == 422
    assert "expected segment 'none'" in text_of(response.text.split('id="kesalahan"', 1)[1])


def test_what_an_officer_types_is_escaped(client: Any) -> None:
    data = [(k, v) for k, v in form_of(EXAMPLE) if k != "applicant.domicile_regency"]
    data.append(("applicant.domicile_regency", '"><script>alert(1)</script>'))
    response = client.post("/", data=grouped(data))
    assert response.status_code == 422
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text


def test_a_form_larger_than_any_case_is_refused_before_reading(client: Any) -> None:
    response = client.post("/", data={"applicant.nik": "1" * (70 * 1024)})
    assert response.status_code == 413
    assert 'data-code="JKN-S010"' in response.text


# --- the receipt ----------------------------------------------------------------------

def test_the_receipt_lists_the_documents_and_what_is_missing(client: Any) -> None:
    response = client.post("/cetak", data=grouped(form_of(EXAMPLE)))
    assert response.status_code == 200
    page = text_of(response.text)
    assert "TANDA TERIMA" in page and "Daftar Kelengkapan Berkas" in page
    assert "Surat Kontrol" in response.text.split('class="missing"', 1)[1]
    assert "Rabu, 4 Februari 2026 pukul 10.00 WITA" in page  # received at, local time
    assert "5107014203900001" not in page  # the NIK only masked (the back button keeps it)
    assert "0001" in page
    assert "@media print" in client.get("/aset/pages.css").text


def test_the_receipt_of_a_bad_form_is_the_form_with_its_messages(client: Any) -> None:
    data = [(k, v) for k, v in form_of(EXAMPLE) if k != "regency"]
    response = client.post("/cetak", data=grouped(data))
    assert response.status_code == 422
    assert 'id="e-regency"' in response.text


# --- Kebijakan --------------------------------------------------------------------------

def test_kebijakan_shows_the_standar_pelayanan_in_force_and_the_history(client: Any) -> None:
    response = client.get("/kebijakan/karangasem?as_of=2026-01-15")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Standar Pelayanan — Kabupaten Karangasem" in page
    assert "Versi yang berlaku: 2025-12-31" in page
    assert response.text.count("<tr") >= 2 and "2023-05-22" in page
    assert "/aset/standar-pelayanan.css" in response.text
    older = text_of(client.get("/kebijakan/karangasem?as_of=2024-01-01").text)
    assert "Versi yang berlaku: 2023-05-22" in older


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/kebijakan/denpasar", 404, "JKN-C100"),
    ("/kebijakan/karangasem?as_of=2026-13-01", 422, "JKN-A003"),
    ("/kebijakan/karangasem?as_of=2000-01-01", 422, "JKN-A002"),
    ("/kebijakan/karangasem/perbedaan?from=kemarin", 422, "JKN-A003"),
])
def test_kebijakan_refuses_with_a_located_message(client: Any, path: str, status: int, code: str
                                                  ) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert f'data-code="{code}"' in response.text
    assert "Traceback" not in response.text


def test_the_diff_page_reports_what_jknrules_diff_reports(client: Any) -> None:
    from jknrules.cli.main import main

    out, err = _io()
    main(["diff", "karangasem@2023-05-22", "karangasem@2025-12-31", "--format", "json",
          "--policies", str(POLICY_DIR)], out, err)
    summary = json.loads(out.getvalue())["summary"]
    response = client.get("/kebijakan/karangasem/perbedaan?from=2023-05-22&to=2025-12-31")
    assert response.status_code == 200
    page = text_of(response.text)
    assert (f"Ringkasan: {summary['total']} · Ditambah {summary['added']} · Dihapus "
            f"{summary['removed']} · Diubah {summary['changed']}") in page
    assert response.text.count('class="change change-') == summary["total"]
    same = text_of(client.get("/kebijakan/karangasem/perbedaan?from=2025-12-31&to=2025-12-31").text)
    assert "Tidak ada perubahan semantik." in same


def _io() -> tuple[Any, Any]:
    import io

    return io.StringIO(), io.StringIO()


# --- Periksa --------------------------------------------------------------------------

BROKEN = (ROOT / "policies/batang.yaml").read_text().replace("time_zone: Asia/Jakarta",
                                                               "time_zone: Asia/Jakarta\nregency: batang", 1)


def test_periksa_shows_a_broken_policy_at_its_line(client: Any) -> None:
    line = BROKEN.splitlines().index("time_zone: Asia/Jakarta") + 2  # the repeated key
    response = client.post("/periksa", files={"yaml": (None, BROKEN)})
    assert response.status_code == 422
    assert 'data-code="JKN-Y002"' in response.text
    assert f'data-line="{line}"' in response.text
    assert f'<li id="L{line}" class="marked">' in response.text
    assert "regency: batang" in response.text  # the text stays in the box, to be fixed


def test_periksa_gives_the_findings_of_check(client: Any) -> None:
    text = (POLICY_DIR / "karangasem.yaml").read_text()
    response = client.post("/periksa", files={"file": ("karangasem.yaml", text.encode(),
                                                       "application/yaml")})
    assert response.status_code == 200
    assert 'data-valid="true"' in response.text
    compiled = jknrules.load_policies(POLICY_DIR / "karangasem.yaml").get("karangasem")
    findings = check_policy(compiled)
    blocking = [f for f in findings if f.blocking]
    assert response.text.count('<li class="finding"') == len(findings)
    assert response.text.count('class="findings acknowledged"') == (1 if len(blocking) < len(findings)
                                                                    else 0)


@pytest.mark.parametrize(("content", "code"), [
    (b"versions: [\n  {effective_from: 2020-01-01\n", "JKN-Y001"),
    ("regency: batang\n".encode("utf-16"), "JKN-F002"),
    (b"regency: \xff\n", "JKN-F002"),
])
def test_periksa_reads_an_upload_strictly(client: Any, content: bytes, code: str) -> None:
    response = client.post("/periksa", files={"file": ("x.yaml", content, "text/yaml")})
    assert response.status_code == 422
    assert f'data-code="{code}"' in response.text


def test_periksa_stores_nothing(client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    client.post("/periksa", files={"yaml": (None, BROKEN)})
    assert list(tmp_path.iterdir()) == []


def test_periksa_with_nothing_to_check(client: Any) -> None:
    response = client.post("/periksa", files={"yaml": (None, "  \n")})
    assert response.status_code == 422
    assert "Tempel isi YAML" in response.text


def test_periksa_refuses_a_text_past_the_limit(client: Any) -> None:
    response = client.post("/periksa", files={"yaml": (None, "#" * 1_100_000)})
    assert response.status_code == 413


def test_a_post_without_a_length_or_unreadable_is_refused(client: Any) -> None:
    def chunks() -> Any:
        yield b"yaml=x"

    response = client.post("/periksa", content=chunks(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 411
    assert 'data-code="JKN-S012"' in response.text
    nameless = b"--x\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--x--\r\n"
    broken = client.post("/periksa", content=nameless,
                         headers={"content-type": "multipart/form-data; boundary=x"})
    assert broken.status_code == 400
    assert "Formulir tidak terbaca" in broken.text


def test_policy_text_is_escaped_on_periksa(client: Any) -> None:
    text = (POLICY_DIR / "batang.yaml").read_text().replace(
        "name: Kabupaten Batang", 'name: "<script>alert(1)</script>"', 1)
    response = client.post("/periksa", files={"yaml": (None, text)})
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


# --- assets and headers -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/kebijakan", "/kebijakan/karangasem",
                                  "/kebijakan/batang/perbedaan", "/periksa", "/?lang=en"])
def test_every_page_loads_only_from_the_server(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    for ref in re.findall(r'(?:src|href|action)="([^"]*)"', response.text):
        assert ref.startswith(("/", "#")) or ref == "data:,", ref
        if ref.startswith("/aset/"):
            assert client.get(ref).status_code == 200, ref
    assert "<style" not in response.text.split("</head>", 1)[0]  # no inline style to allow
    assert "<script>" not in response.text


@pytest.mark.parametrize("name", ["../pages.py", "pages.py", "..%2Fpages.py", "nothing.css"])
def test_assets_are_a_fixed_list(client: Any, name: str) -> None:
    assert client.get(f"/aset/{name}").status_code == 404


def test_policy_text_is_escaped_on_kebijakan(tmp_path: Path) -> None:
    text = (POLICY_DIR / "batang.yaml").read_text()
    text = text.replace("name: Kabupaten Batang", 'name: "<script>alert(1)</script>"', 1)
    (tmp_path / "batang.yaml").write_text(text)
    client = testclient.TestClient(app(tmp_path))
    for path in ("/kebijakan", "/kebijakan/batang", "/kebijakan/batang/perbedaan"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "<script>alert(1)" not in response.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text, path


def test_a_loket_decision_is_counted_and_recorded_like_an_api_one(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    client = testclient.TestClient(app(record=log))
    response = client.post("/", data=grouped(form_of(EXAMPLE)))
    assert response.status_code == 200
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) == 1
    shown = re.search(r'<code class="decision-id">([0-9a-f]+)</code>', response.text)
    assert shown is not None and shown[1] == records[0]["chain"]["hash"]
    receipt = client.post("/cetak", data=grouped(form_of(EXAMPLE)))
    assert records[0]["chain"]["hash"] not in receipt.text  # a new decision, a new record
    assert len(log.read_text().splitlines()) == 2
    metrics = client.get("/metrics").text
    assert re.search(r'jknrules_decisions_total\{outcome="incomplete",regency="karangasem"\} 2\.0',
                     metrics), metrics
    # a refused form is neither a decision nor a record
    bad = [(k, v) for k, v in form_of(EXAMPLE) if k != "regency"]
    assert client.post("/", data=grouped(bad)).status_code == 422
    assert len(log.read_text().splitlines()) == 2


def hidden_inputs(page: str) -> list[tuple[str, str]]:
    """The hidden inputs of a page's forms, as the browser sends them back."""
    return [(n, html.unescape(v)) for n, v in
            re.findall(r'<input type="hidden" name="([a-z_.]+)" value="([^"]*)">', page)]


def test_the_receipt_of_a_decision_reuses_its_record(tmp_path: Path) -> None:
    """One record per evaluation: printing the receipt of the decision shown, switching
    the language or going back do not record it again; a changed case is a new one."""
    log = tmp_path / "decisions.jsonl"
    client = testclient.TestClient(app(record=log))

    def count() -> int:
        return len(log.read_text().splitlines())

    shown = client.post("/", data=grouped(form_of(EXAMPLE)))
    assert shown.status_code == 200 and count() == 1
    decision_id = json.loads(log.read_text().splitlines()[0])["chain"]["hash"]
    carried = [*form_of(EXAMPLE), *[(k, v) for k, v in hidden_inputs(shown.text)
                                    if k.startswith("decision")], ("decided", "1")]
    assert ("decision_id", decision_id) in carried
    receipt = client.post("/cetak", data=grouped(carried))
    assert receipt.status_code == 200 and count() == 1
    assert decision_id in receipt.text  # the receipt names the record of the decision
    back = client.post("/", data=grouped(hidden_inputs(receipt.text)))
    assert back.status_code == 200 and decision_id in back.text and count() == 1
    switched = client.post("/?lang=en", data=grouped([*carried, ("switch", "1")]))
    assert decision_id in switched.text and count() == 1
    metrics = client.get("/metrics").text
    assert re.search(r'jknrules_decisions_total\{outcome="incomplete",regency="karangasem"\} 1\.0',
                     metrics), metrics
    # a seal made for another case, or a forged one, does not spare the record
    changed = [(k, v) for k, v in carried if k != "documents"]
    again = client.post("/cetak", data=grouped([*changed, ("documents", "ktp")]))
    assert again.status_code == 200 and count() == 2 and decision_id not in again.text
    forged = [(k, "0" * 64 if k == "decision_seal" else v) for k, v in carried]
    assert client.post("/cetak", data=grouped(forged)).status_code == 200 and count() == 3


def test_the_language_switch_on_periksa_keeps_the_text(client: Any) -> None:
    text = "regency: batang\n# <b>tempelan</b>\n"
    response = client.post("/periksa?lang=en", files={"yaml": (None, text), "switch": (None, "1")})
    assert response.status_code == 200
    assert "Check a policy" in response.text
    assert html.escape(text, quote=False).replace("\n", "\n") in response.text
    assert 'id="hasil"' not in response.text and "Tempel isi YAML" not in response.text
    # after a check, the switch checks again and shows the report in the other language
    checked = client.post("/periksa?lang=en", files={"yaml": (None, text), "switch": (None, "1"),
                                                     "checked": (None, "1")})
    assert checked.status_code == 422 and 'data-valid="false"' in checked.text
    assert "Not valid" in checked.text


def test_a_page_body_past_the_limit_is_answered_with_a_page(client: Any) -> None:
    near = "#" * 990_000 + "\n"  # a file just under 1 MB, with its multipart framing
    response = client.post("/periksa", files={"file": ("big.yaml", near.encode())})
    assert response.headers["content-type"].startswith("text/html")
    assert response.status_code == 422  # read and checked: not a policy, but not refused
    over = client.post("/periksa", files={"file": ("big.yaml", b"#" * 1_200_000)})
    assert over.status_code == 413
    assert over.headers["content-type"].startswith("text/html")
    assert over.headers["content-security-policy"] == CSP
    assert "Kiriman terlalu besar" in over.text and "request is too large" in over.text
    english = client.post("/periksa?lang=en", files={"file": ("big.yaml", b"#" * 1_200_000)})
    assert english.status_code == 413 and "<h1>The request is too large</h1>" in english.text
    api = client.post("/v1/evaluate", content=b"{" + b" " * 1_200_000 + b"}",
                      headers={"content-type": "application/json"})
    assert api.status_code == 413 and api.json()["diagnostics"][0]["code"] == "JKN-S010"


def test_a_lower_body_limit_is_what_periksa_promises(tmp_path: Path) -> None:
    client = testclient.TestClient(app(max_body_bytes=50_000))
    assert "50.000" in client.get("/periksa").text
    over = client.post("/periksa", files={"file": ("p.yaml", b"#" * 60_000)})
    assert over.status_code == 422 and 'data-code="JKN-Y006"' in over.text
