"""Decision records (``evaluate --record``) and ``jknrules replay``."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

import jknrules
from jknrules.audit.records import FORMAT, append_record, make_record, read_records
from jknrules.cli.main import main
from jknrules.errors import JknrulesError
from jknrules.load.loader import case_from_data

from .conftest import POLICY_DIR

TRANSFER = {  # desil 7: refused by the 2025 rule 'desil_6_10'
    "regency": "karangasem",
    "submitted_at": "2026-02-05T09:00:00+08:00",
    "request": "transfer",
    "applicant": {"domicile_regency": "karangasem", "has_ktp": True},
    "welfare": {"desil": 7},
    "membership": {"status": "active", "segment": "pbpu_mandiri"},
    "payment": {"mandiri_paid_current_month": True},
    "documents": ["kk", "ktp", "struk_pembayaran"],
}
EMERGENCY = {
    "regency": "karangasem",
    "submitted_at": "2026-02-03T09:00:00+08:00",
    "applicant": {"has_ktp": True},
    "welfare": {"desil": None},
    "health": {"emergency": True},
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write_case(tmp_path: Path, case: dict[str, Any], name: str = "case.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(case), encoding="utf-8")
    return str(path)


def record(tmp_path: Path, case: dict[str, Any], log: Path, *extra: str) -> dict[str, Any]:
    code, out, err = run("evaluate", write_case(tmp_path, case), "--record", str(log), *extra)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


# --- recording ---------------------------------------------------------------------------

def test_evaluate_record_appends_the_decision(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    first = record(tmp_path, TRANSFER, log)
    second = record(tmp_path, EMERGENCY, log, "--no-trace")
    a, b = lines(log)
    assert a["format"] == b["format"] == FORMAT
    assert a["engine"] == {"name": "jknrules", "version": jknrules.__version__}
    assert a["policy"]["sha256"] == first["policy"]["sha256"]
    assert a["policy"]["effective_from"] == "2025-12-31"
    assert a["result"] == first and b["result"] == second
    assert a["recorded_at"].endswith("Z")


def test_the_case_is_recorded_as_given(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, EMERGENCY, log)
    [entry] = lines(log)
    assert entry["case"]["welfare"] == {"desil": None}  # null (not found) stays null
    assert "request" not in entry["case"]  # absent stays absent
    assert "household" not in entry["case"]
    assert case_from_data(entry["case"]) == case_from_data(EMERGENCY)


def test_one_write_per_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = os.write

    def counting(fd: int, data: bytes) -> int:
        calls.append(len(data))
        return real(fd, data)

    monkeypatch.setattr(os, "write", counting)
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log)
    record(tmp_path, TRANSFER, log)
    assert len(calls) == 2 and sum(calls) == log.stat().st_size


def test_a_short_write_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, data[: len(data) // 2]))
    status, _, err = run("evaluate", write_case(tmp_path, TRANSFER), "--record",
                         str(tmp_path / "d.jsonl"))
    assert status == 2 and "JKN-A034" in err


def test_an_unwritable_record_file_is_an_error(tmp_path: Path) -> None:
    status, _, err = run("evaluate", write_case(tmp_path, TRANSFER), "--record",
                         str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert status == 2 and "JKN-A034" in err


def test_a_crash_mid_write_leaves_earlier_records_intact(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log)
    record(tmp_path, EMERGENCY, log)
    data = log.read_bytes()
    log.write_bytes(data + data.splitlines(keepends=True)[0][:137])  # a third write, cut short
    entries = read_records(log)
    assert [e.line for e in entries] == [1, 2, 3]
    assert entries[0].record is not None and entries[1].record is not None
    assert entries[2].problem is not None and entries[2].problem.code == "JKN-A032"
    # the next append starts on a fresh line; the damaged one stays reported
    record(tmp_path, TRANSFER, log)
    entries = read_records(log)
    assert [e.problem.code if e.problem else "ok" for e in entries] == [
        "ok", "ok", "JKN-A031", "ok"]


def test_a_cut_inside_a_multibyte_character_is_reported_not_fatal(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log)
    text = log.read_bytes()
    cut = text.index("–".encode()) + 1  # inside the en dash of a message
    log.write_bytes(text + text[:cut])
    entries = read_records(log)
    assert entries[0].record is not None and entries[1].problem is not None


def test_concurrent_appends_do_not_interleave(tmp_path: Path) -> None:
    policies = jknrules.load_policies(POLICY_DIR)
    case = case_from_data(TRANSFER)
    result = jknrules.evaluate(case, policies)
    log = tmp_path / "decisions.jsonl"

    def worker() -> None:
        for _ in range(20):
            append_record(log, make_record(case, result, "test"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = read_records(log)
    assert len(entries) == 80 and all(e.record is not None for e in entries)


# --- replay -------------------------------------------------------------------------------

def test_replay_reproduces_every_decision(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log)
    record(tmp_path, EMERGENCY, log)
    status, out, _ = run("replay", str(log), "--policies", str(POLICY_DIR))
    assert status == 0, out
    assert "2 catatan, 2 dapat diulang dengan hasil sama, 0 temuan" in out
    status, out, _ = run("replay", str(log), "--format", "json")
    report = json.loads(out)
    assert (status, report["records"], report["reproduced"], report["findings"]) == (0, 2, 2, [])


@pytest.fixture()
def policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(POLICY_DIR / "karangasem.yaml", folder / "karangasem.yaml")
    return folder


def change_desil_rule(folder: Path) -> None:
    """Desil 6–10 stays in Mandiri -> desil 8–10 (desil 7 may now transfer)."""
    path = folder / "karangasem.yaml"
    text = path.read_text(encoding="utf-8")
    old = "when: {field: welfare.desil, between: [6, 10]}\n            outcome: ineligible"
    assert old in text
    path.write_text(text.replace(old, old.replace("[6, 10]", "[8, 10]")), encoding="utf-8")


def test_replay_catches_a_changed_rule(tmp_path: Path, policies: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    assert record(tmp_path, TRANSFER, log, "--policies", str(policies))["outcome"] == "ineligible"
    record(tmp_path, EMERGENCY, log, "--policies", str(policies))
    change_desil_rule(policies)
    status, out, _ = run("replay", str(log), "--policies", str(policies), "--format", "json")
    assert status == 1
    findings = json.loads(out)["findings"]
    assert [(f["line"], f["code"]) for f in findings] == [(1, "JKN-A040"), (1, "JKN-A042"),
                                                          (2, "JKN-A040")]
    changed = {d["field"]: d for d in findings[1]["differences"]}
    assert (changed["outcome"]["recorded"], changed["outcome"]["replayed"]) == (
        "ineligible", "accepted")
    assert changed["target_segment"]["replayed"] == "pbpu_bp_pemda"
    status, text, _ = run("replay", str(log), "--policies", str(policies))
    assert status == 1
    assert "decisions.jsonl:1: JKN-A042" in text and "outcome: ineligible → accepted" in text
    assert "(en) the policy content that decided" in text


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=Auditor",
                    "-c", "user.email=a@example.invalid", "-c", "commit.gpgsign=false", *args],
                   check=True, capture_output=True)


def test_replay_finds_the_deciding_content_in_git_history(tmp_path: Path, policies: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(policies.parent, "init", "-q")
    git(policies.parent, "add", "policies")
    git(policies.parent, "commit", "-qm", "as decided")
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log, "--policies", str(policies))
    record(tmp_path, EMERGENCY, log, "--policies", str(policies))
    change_desil_rule(policies)
    git(policies.parent, "commit", "-qam", "desil 8-10")
    status, out, _ = run("replay", str(log), "--policies", str(policies), "--git", "HEAD",
                         "--format", "json")
    report = json.loads(out)
    assert status == 1 and report["reproduced"] == 2
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(1, "JKN-A042")]


def test_replay_catches_a_tampered_record(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log)
    [entry] = lines(log)
    entry["result"]["outcome"] = "accepted"
    log.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    status, out, _ = run("replay", str(log), "--format", "json")
    codes = [f["code"] for f in json.loads(out)["findings"]]
    assert status == 1 and codes == ["JKN-A051", "JKN-A041"]  # the hash, then the decision


def test_replay_reports_damaged_and_foreign_lines(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log)
    with log.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"hello": "world"}) + "\n")
        bad = lines(log)[0]
        bad["case"]["welfare"] = {"desil": "tujuh"}
        f.write(json.dumps(bad) + "\n")
        f.write("{\"format\": \"jknrules.rec")
    status, out, _ = run("replay", str(log), "--format", "json")
    report = json.loads(out)
    assert status == 1 and report["reproduced"] == 1
    assert [(f["line"], f["code"]) for f in report["findings"]] == [
        (2, "JKN-A033"),
        (3, "JKN-A051"), (3, "JKN-A052"), (3, "JKN-A033"),  # a copy of line 1, edited
        (4, "JKN-A032")]


@pytest.mark.parametrize(("argv", "code"), [
    (("nowhere.jsonl",), "JKN-F001"),
    (("{log}", "--git", "HEAD", "--policies", "{plain}"), "JKN-A010"),
])
def test_replay_input_errors_exit_2(tmp_path: Path, argv: tuple[str, ...], code: str) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    log = tmp_path / "decisions.jsonl"
    log.write_text("")
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy(POLICY_DIR / "karangasem.yaml", plain)
    args = [a.format(log=log, plain=plain) for a in argv]
    status, _, err = run("replay", *args)
    assert status == 2 and code in err


def test_append_record_rejects_a_folder(tmp_path: Path) -> None:
    with pytest.raises(JknrulesError) as exc:
        append_record(tmp_path, {"format": FORMAT})
    assert exc.value.diagnostics[0].code == "JKN-A034"


# --- the public API: jknrules.DecisionLog --------------------------------------------------

IDENTIFIED = dict(EMERGENCY, applicant={"nik": "5107014203900001", "kk_number": "5107010101900001",
                                       "birth_date": "1990-03-02", "has_ktp": True})


def test_decision_log_appends_reads_and_replays(tmp_path: Path) -> None:
    policies = jknrules.load_policies(POLICY_DIR)
    log = jknrules.DecisionLog(tmp_path / "decisions.jsonl")
    for case in (TRANSFER, EMERGENCY):
        written = log.append(case, jknrules.evaluate(case, policies))
        assert written["case"] == case_from_data(case).model_dump(mode="json",
                                                                  exclude_unset=True)
        assert "redacted" not in written
    assert [e.record for e in log.read()] == lines(log.path)
    report = log.replay(policies)
    assert report.clean and (report.records, report.reproduced) == (2, 2)


def test_decision_log_takes_the_same_cases_as_evaluate(tmp_path: Path) -> None:
    policies = jknrules.load_policies(POLICY_DIR)
    path = write_case(tmp_path, TRANSFER)
    result = jknrules.evaluate(path, policies)
    log = jknrules.DecisionLog(tmp_path / "d.jsonl", engine="test")
    assert log.record(path, result)["case"] == log.record(TRANSFER, result)["case"]
    assert log.record(TRANSFER, result)["engine"] == {"name": "jknrules", "version": "test"}
    with pytest.raises(jknrules.CaseError):
        log.append(42, result)
    assert not log.path.exists()


def test_records_validate_against_the_record_schema(tmp_path: Path) -> None:
    import jsonschema

    from .conftest import ROOT

    schema = json.loads((ROOT / "schemas" / "record.schema.json").read_text(encoding="utf-8"))
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log)
    record(tmp_path, IDENTIFIED, log, "--no-trace")
    code, _, err = run("evaluate", write_case(tmp_path, IDENTIFIED),
                       "--record-without-identity", str(log))
    assert code == 0, err
    for entry in lines(log):
        jsonschema.validate(entry, schema)


def test_record_without_identity_leaves_nik_kk_and_birth_date_out(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    printed = record(tmp_path, IDENTIFIED, log)
    code, out, err = run("evaluate", write_case(tmp_path, IDENTIFIED),
                         "--record-without-identity", str(log))
    assert code == 0, err
    assert json.loads(out) == printed  # the printed result is the same either way
    with_identity, without = lines(log)
    assert with_identity["case"]["applicant"]["nik"] == "5107014203900001"
    assert without["case"]["applicant"] == {"has_ktp": True}
    assert without["redacted"] == ["applicant.nik", "applicant.kk_number",
                                   "applicant.birth_date"]
    text = log.read_text(encoding="utf-8").splitlines()[1]
    for secret in ("5107014203900001", "5107010101900001", "1990-03-02"):
        assert secret not in text
    status, report, _ = run("replay", str(log), "--policies", str(POLICY_DIR), "--format",
                            "json")
    assert status == 0, report
    assert json.loads(report)["reproduced"] == 2


def test_record_and_record_without_identity_exclude_each_other(tmp_path: Path) -> None:
    status, _, err = run("evaluate", write_case(tmp_path, TRANSFER), "--record", "a.jsonl",
                         "--record-without-identity", "b.jsonl")
    assert status == 2 and "not allowed with" in err


def test_redaction_also_cleans_the_trace(tmp_path: Path) -> None:
    """A policy whose condition reads the birth date shows it in the trace's facts; a record
    without identity shows it nowhere, and replay says the decision needs it (JKN-A043)."""
    folder = tmp_path / "reads-birth-date"
    folder.mkdir()
    minimal = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
    rule = ("          - id: tanpa_tanggal_lahir\n"
            "            when: {field: applicant.birth_date, is_missing: true}\n"
            "            outcome: needs_review\n"
            "            message: {id: Tanggal lahir perlu., en: Birth date needed.}\n"
            "            source: {clause: \"Persyaratan 1\"}\n")
    (folder / "batang.yaml").write_text(minimal.replace("        rules:\n",
                                                        "        rules:\n" + rule),
                                        encoding="utf-8")
    policies = jknrules.load_policies(folder)
    case = {"regency": "batang", "submitted_at": "2026-02-03T08:00:00",
            "applicant": {"birth_date": "1990-03-02", "nik": "3325016504880002"},
            "welfare": {"dtks": "registered"}}
    result = jknrules.evaluate(case, policies)
    assert any("applicant.birth_date" in e["facts"] for e in result.trace)
    log = jknrules.DecisionLog(tmp_path / "d.jsonl", redact=True)
    written = log.append(case, result)
    assert "1990-03-02" not in json.dumps(written)
    assert written["result"]["outcome"] == result.outcome
    assert any("applicant.birth_date" in e["facts"] for e in result.trace)  # not mutated
    report = log.replay(policies)
    assert [f.code for f in report.findings] == ["JKN-A043"]
    assert "applicant.birth_date" in report.findings[0].message.en
    # with identity, the same record replays cleanly
    full = jknrules.DecisionLog(tmp_path / "full.jsonl")
    full.append(case, result)
    assert full.replay(policies).clean


def test_a_malformed_redacted_list_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    record(tmp_path, TRANSFER, log)
    [entry] = lines(log)
    entry["redacted"] = ["applicant.has_ktp"]  # not an identity field
    log.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    assert read_records(log)[0].problem is not None
    assert read_records(log)[0].problem.code == "JKN-A033"  # type: ignore[union-attr]
