"""``jknrules track``: record, status, alerts, recap (CSV and XLSX with the office's
columns), report (table and PNG); bad input exit 2 with a bilingual message; personal
data only in the recap, never in status, alerts, messages or the report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from jknrules.cli.main import main
from jknrules.language.fields import BY_NAME, RECAP_ONLY

ROOT = Path(__file__).resolve().parents[1]
#: the cases of two shared contract examples, kept here so the tests run in a clone alone
EXAMPLES = ROOT / "tests" / "fixtures" / "cases"
SHARED_EXAMPLES = ROOT.parent / "shared" / "spec" / "examples"

PERSON = {"name": "Ni Made Ayu", "birth_place": "Amlapura", "sex": "P",
          "address": "Br. Dinas Tegallinggah, Karangasem", "family_status": "Istri",
          "faskes": "Puskesmas Karangasem I", "kk_number": "5107010101200001"}


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write_case(tmp_path: Path, example: str, submitted_at: str,
               applicant: dict[str, Any] | None = None) -> Path:
    case = json.loads((EXAMPLES / f"{example}.json").read_text())["case"]
    case["submitted_at"] = submitted_at
    case["applicant"].update(applicant or {})
    path = tmp_path / f"{example}-{submitted_at[:10]}.json"
    path.write_text(json.dumps(case))
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "track.db")
    transfer = "karangasem-2025-transfer-desil2-accepted"
    a = write_case(tmp_path, transfer, "2026-03-03T09:00:00+08:00", PERSON)
    b = write_case(tmp_path, transfer, "2026-03-04T09:00:00+08:00")
    for cid, case in (("K-1", a), ("K-2", b)):
        assert cli("track", "record", "received", "--db", path, "--case-id", cid, "--actor",
                   "loket-1", "--key", f"{cid}/r", "--case", str(case))[0] == 0
    assert cli("track", "record", "submitted_to_bpjs", "--db", path, "--case-id", "K-1",
               "--actor", "kasi", "--key", "K-1/s", "--at", "2026-03-16T10:00:00+08:00")[0] == 0
    return path


def test_record_is_idempotent_and_status_shows_the_case(db: str) -> None:
    code, out, _ = cli("track", "record", "submitted_to_bpjs", "--db", db, "--case-id", "K-1",
                       "--actor", "kasi", "--key", "K-1/s", "--at", "2026-03-16T10:00:00+08:00")
    assert code == 0 and "already recorded" in out
    code, out, _ = cli("track", "status", "K-1", "--db", db, "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert (data["regency"], data["policy_version"], data["outcome"]) == \
        ("karangasem", "2025-12-31", "accepted")
    assert [e["event"] for e in data["events"]] == ["received", "submitted_to_bpjs"]
    assert data["deadlines"]["submit_to_bpjs_by"] == {
        "due": "2026-03-17T23:59:59+08:00", "met_at": "2026-03-16T10:00:00+08:00",
        "on_time": True}


def test_alerts_as_of_a_time_and_stored_once(db: str) -> None:
    code, out, _ = cli("track", "alerts", "--db", db, "--as-of", "2026-03-20T00:00:00+08:00",
                       "--format", "json")
    got = [(a["case_id"], a["alert"], a["subject"], a["at"]) for a in json.loads(out)]
    assert code == 0 and got == [
        ("K-1", "due_soon", "submit_to_bpjs_by", "2026-03-14T23:59:59+08:00"),
        ("K-2", "due_soon", "submit_to_bpjs_by", "2026-03-14T23:59:59+08:00"),
        ("K-2", "recap_missing", "submit_to_bpjs_by", "2026-03-17T23:59:59+08:00"),
    ]
    again = cli("track", "alerts", "--db", db, "--as-of", "2026-03-20T00:00:00+08:00",
                "--format", "json")[1]
    assert again == out
    early = cli("track", "alerts", "--db", db, "--as-of", "2026-03-15T00:00:00+08:00")[1]
    assert early.count("due_soon") == 2 and "recap_missing" not in early


def test_lead_time_from_the_command_line(db: str) -> None:
    lead = cli("track", "alerts", "--db", db, "--as-of", "2026-03-14T00:00:00+08:00",
               "--lead", "submit_to_bpjs_by=4d")[1]
    assert lead.count("2026-03-13T23:59:59+08:00  K-") == 2
    # an alert once raised is kept as raised: a later lead time does not raise it again
    later = cli("track", "alerts", "--db", db, "--as-of", "2026-03-15T00:00:00+08:00")[1]
    assert later.count("due_soon") == 2 and "2026-03-14T23:59:59" not in later


def test_recap_csv_and_xlsx_have_the_offices_columns(db: str, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (the track extra) is not installed")
    code, out, err = cli("track", "recap", "karangasem", "--month", "2026-03", "--db", db)
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0
    assert rows[0] == ["No KK", "NIK", "Nama", "Tempat/Tgl Lahir", "Alamat", "Faskes", "Status",
                       "Jenis Kelamin"]
    assert rows[1] == ["5107010101200001", "5107014203900001", "Ni Made Ayu",
                       "Amlapura, 02-03-1990", "Br. Dinas Tegallinggah, Karangasem",
                       "Puskesmas Karangasem I", "Istri", "P"]
    assert rows[2][1] == "5107014203900001" and rows[2][2] == ""
    assert "K-2" in err and "Nama" in err and "Ni Made" not in err  # names columns, no person
    xlsx = tmp_path / "rekap.xlsx"
    assert cli("track", "recap", "karangasem", "--month", "2026-03", "--db", db, "--out",
               str(xlsx))[0] == 0
    sheet = openpyxl.load_workbook(xlsx).active
    values = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    assert values == rows
    assert sheet["B2"].data_type == "s"  # the NIK is text: all 16 digits kept
    assert cli("track", "recap", "karangasem", "--month", "2026-04", "--db", db)[1].count("\n") == 1


def test_report_table_json_and_chart(db: str, tmp_path: Path) -> None:
    chart = tmp_path / "report.png"
    code, out, _ = cli("track", "report", "--db", db, "--as-of", "2026-03-20T00:00:00+08:00",
                       "--format", "json", "--chart", str(chart))
    (row,) = json.loads(out)
    assert code == 0
    assert (row["regency"], row["month"], row["received"], row["accepted"]) == \
        ("karangasem", "2026-03", 2, 2)
    assert row["deadlines"]["submit_to_bpjs_by"] == {
        "on_time": 1, "late": 1, "open": 0, "median_hours": 313.0, "p90_hours": 313.0}
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = cli("track", "report", "--db", db, "--as-of", "2026-03-20T00:00:00+08:00")[1]
    assert "submit_to_bpjs_by" in text


def test_no_personal_data_outside_the_recap(db: str) -> None:
    outputs = [cli("track", "status", "K-1", "--db", db),
               cli("track", "status", "K-1", "--db", db, "--format", "json"),
               cli("track", "alerts", "--db", db, "--as-of", "2026-06-01T00:00:00+08:00"),
               cli("track", "alerts", "--db", db, "--as-of", "2026-06-01T00:00:00+08:00",
                   "--format", "json"),
               cli("track", "report", "--db", db, "--format", "json")]
    text = "".join(o + e for _, o, e in outputs)
    for value in [*PERSON.values(), "5107014203900001", "1990-03-02"]:
        if value not in ("P",):
            assert value not in text, value


@pytest.mark.parametrize(("argv", "code"), [
    (["record", "activated", "--case-id", "K-9", "--actor", "a", "--key", "x"], "JKN-K043"),
    (["record", "activated", "--case-id", "K-9", "--actor", "a", "--key", "x", "--at",
      "2026-03-01"], "JKN-K002"),
    (["record", "received", "--case-id", "K-9", "--actor", "a", "--key", "x"], "JKN-K041"),
    (["record", "activated", "--case-id", "K-1", "--actor", "a", "--key", "K-1/s", "--at",
      "2026-03-16T10:00:00+08:00"], "JKN-K006"),
    (["status", "nobody"], "JKN-K044"),
    (["alerts", "--as-of", "besok"], "JKN-K001"),
    (["alerts", "--lead", "response_due=soon"], "JKN-K040"),
    (["recap", "karangasem", "--month", "2026-13"], "JKN-K030"),
    (["recap", "atlantis", "--month", "2026-03"], "JKN-K045"),
    (["recap", "karangasem", "--month", "2026-03", "--out", "rekap.pdf"], "JKN-K032"),
])
def test_bad_input_exit_2_bilingual(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    argv: list[str], code: str) -> None:
    monkeypatch.chdir(tmp_path)
    got, out, err = cli("track", *argv, "--db", db)
    assert got == 2, err
    assert code in err and "(en)" in err and "Traceback" not in err
    assert "Ni Made" not in err


def test_recap_fields_are_optional_and_read_by_no_rule() -> None:
    for name in RECAP_ONLY:
        assert not BY_NAME[name].required and not BY_NAME[name].condition


def test_recap_fields_change_no_evaluation(policies: Any) -> None:
    import jknrules

    paths = sorted(EXAMPLES.glob("*.json")) + sorted(SHARED_EXAMPLES.glob("*.json"))
    assert paths
    for path in paths:
        case = json.loads(path.read_text())["case"]
        try:
            plain = jknrules.evaluate(case, policies).to_dict()
        except jknrules.JknrulesError:
            continue
        with_person = json.loads(json.dumps(case))
        with_person.setdefault("applicant", {}).update(PERSON)
        assert jknrules.evaluate(with_person, policies).to_dict() == plain, path.name
