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
    assert status == 1 and codes == ["JKN-A041"]


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
        (2, "JKN-A033"), (3, "JKN-A033"), (4, "JKN-A032")]


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
