"""The CLI: exit codes, JSON on stdout, located errors on stderr, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

from jknrules.cli.main import main

from .conftest import POLICY_DIR

CASE = {
    "regency": "karangasem",
    "submitted_at": "2026-02-03T09:00:00+08:00",
    "applicant": {"has_ktp": True, "domicile_regency": "karangasem"},
    "welfare": {"desil": 7},
    "health": {"emergency": True},
    "household": {"has_ppu_member": False},
    "membership": {"status": "none", "segment": "none"},
    "documents": ["kk", "ktp", "surat_keterangan_emergency"],
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: object, name: str = "case.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if name.endswith(".json") else str(data))
    return str(path)


def test_evaluate_prints_the_contract_json(tmp_path: Path) -> None:
    code, out, err = run("evaluate", write(tmp_path, CASE), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["outcome"] == "accepted"
    assert result["route"]["id"] == "emergency_registration"
    assert result["deadlines"]["response_due"] == "2026-02-03T09:33:00+08:00"


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    path = write(tmp_path, CASE)
    assert run("evaluate", path)[1] == run("evaluate", path)[1]


def test_text_summary_is_indonesian(tmp_path: Path) -> None:
    code, out, _ = run("evaluate", write(tmp_path, CASE), "--format", "text")
    assert code == 0
    assert "Hasil: Diterima" in out and "Dokumen wajib" in out and "Surat Keterangan Emergency" in out


def test_text_summary_in_english(tmp_path: Path) -> None:
    _, out, _ = run("evaluate", write(tmp_path, CASE), "--format", "text", "--lang", "en")
    assert "Outcome: Accepted" in out


def test_ineligible_is_still_exit_0(tmp_path: Path) -> None:
    case = dict(CASE, request="transfer", welfare={"desil": 8},
                membership={"status": "active", "segment": "pbpu_mandiri"})
    code, out, _ = run("evaluate", write(tmp_path, case))
    assert code == 0 and json.loads(out)["outcome"] == "ineligible"


def test_invalid_case_exit_2_with_located_message(tmp_path: Path) -> None:
    text = "regency: karangasem\nsubmitted_at: 2026-02-03T09:00:00\nwelfare:\n  desil: 11\n"
    code, out, err = run("evaluate", write(tmp_path, text, "case.yaml"))
    assert code == 2 and out == ""
    assert "case.yaml:4:3: JKN-C002" in err
    assert "Traceback" not in err
    assert "(en)" in err


def test_case_before_first_version_exit_2(tmp_path: Path) -> None:
    case = dict(CASE, submitted_at="2020-01-01T09:00:00+08:00")
    code, _, err = run("evaluate", write(tmp_path, case))
    assert code == 2 and "JKN-C101" in err and "case.json" in err


def test_missing_case_file_exit_2(tmp_path: Path) -> None:
    code, _, err = run("evaluate", str(tmp_path / "nope.json"))
    assert code == 2 and "JKN-F001" in err


def test_not_json_exit_2(tmp_path: Path) -> None:
    code, _, err = run("evaluate", write(tmp_path, "{not json", "case.yaml"))
    assert code == 2 and "JKN-Y001" in err and "Traceback" not in err


def test_broken_policy_dir_exit_2(tmp_path: Path) -> None:
    policy = (POLICY_DIR / "batang.yaml").read_text().replace("bps_code:", "bps_kode:")
    (tmp_path / "batang.yaml").write_text(policy)
    code, _, err = run("evaluate", write(tmp_path, CASE), "--policies", str(tmp_path))
    assert code == 2 and "batang.yaml:" in err and "bps_kode" in err


def test_policies_env_var(tmp_path: Path, monkeypatch: object) -> None:
    import pytest

    mp: pytest.MonkeyPatch = monkeypatch  # type: ignore[assignment]
    empty = tmp_path / "empty"
    empty.mkdir()
    mp.setenv("JKNRULES_POLICIES", str(empty))
    code, _, err = run("evaluate", write(tmp_path, CASE))
    assert code == 2 and "JKN-F004" in err


def test_no_trace_flag(tmp_path: Path) -> None:
    _, out, _ = run("evaluate", write(tmp_path, CASE), "--no-trace")
    assert json.loads(out)["trace"] == []


def test_validate_shipped_policies() -> None:
    code, out, _ = run("validate")
    assert code == 0 and out.startswith("OK: 3")


def test_validate_reports_policy_and_case_errors(tmp_path: Path) -> None:
    bad_case = write(tmp_path, dict(CASE, welfare={"desil": 0}))
    bad_policy = tmp_path / "p.yaml"
    bad_policy.write_text("regency: batang\nregency: batang\nversions: []\n")
    code, _, err = run("validate", bad_case, str(bad_policy))
    assert code == 2
    assert "JKN-C002" in err and "JKN-Y002" in err


def test_validate_good_case(tmp_path: Path) -> None:
    code, out, _ = run("validate", write(tmp_path, CASE))
    assert code == 0 and "OK: 1" in out


def test_usage_error_is_exit_2() -> None:
    assert run("evaluate")[0] == 2
    assert run("frobnicate")[0] == 2


def test_schema_command_prints_json() -> None:
    code, out, _ = run("schema", "case")
    assert code == 0 and json.loads(out)["title"].startswith("Kasus")


def test_validate_example_files_and_case_folders() -> None:
    code, out, err = run("validate", str(POLICY_DIR / "tests" / "karangasem"), str(POLICY_DIR),
                         str(POLICY_DIR.parent / "examples" / "cases"))
    assert code == 0, err
    assert out.startswith("OK: ")


def test_validate_reports_two_files_for_one_regency(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((POLICY_DIR / "batang.yaml").read_text())
    code, _, err = run("validate", str(tmp_path))
    assert code == 2 and "JKN-P030" in err and "kebijakan tidak valid" in err


def test_before_first_version_points_at_submitted_at(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("regency: batang\nsubmitted_at: 2020-01-01T08:00:00\n")
    code, _, err = run("evaluate", str(path))
    assert code == 2 and "case.yaml:2:1: JKN-C101" in err


def test_evaluate_reads_stdin() -> None:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(json.dumps(CASE))
    assert main(["evaluate", "-"], out, err, stdin) == 0
    assert json.loads(out.getvalue())["outcome"] == "accepted"


def test_validate_heads_a_policy_yaml_error_as_a_policy_error() -> None:
    """A YAML syntax error in a policy file given by name is a policy error, not a case
    error (the file cannot be parsed, but its top-level keys say what it is)."""
    fixture = Path(__file__).parent / "fixtures" / "invalid" / "syntax-error.yaml"
    code, _, err = run("validate", str(fixture))
    assert code == 2
    assert err.startswith("jknrules: kebijakan tidak valid / invalid policy\n"), err
    assert "JKN-Y001" in err


def test_validate_heads_a_case_yaml_error_as_a_case_error(tmp_path: Path) -> None:
    code, _, err = run("validate", write(tmp_path, "regency: [batang\n", "case.yaml"))
    assert code == 2 and err.startswith("jknrules: kasus tidak valid / invalid case\n"), err


def test_schema_record_command() -> None:
    code, out, _ = run("schema", "record")
    assert code == 0 and json.loads(out)["title"].startswith("Catatan keputusan")


def test_evaluate_and_serve_refuse_the_same_record_options_alike(tmp_path: Path) -> None:
    """``--record`` / ``--record-without-identity`` / ``--key`` are one option group
    (``cli.common.add_record_options``): both commands refuse the same inconsistent
    combination, exit 2, with the same message, and write nothing."""
    key, log, other = (str(tmp_path / name) for name in ("office.key", "d.jsonl", "e.jsonl"))
    commands = {"evaluate": ["evaluate", write(tmp_path, CASE), "--policies", str(POLICY_DIR)],
                "serve": ["serve", "--policies", str(POLICY_DIR), "--port", "1"]}
    for extra, message in ((["--key", key], "JKN-A035"),
                           (["--record", log, "--record-without-identity", other],
                            "argument --record-without-identity: not allowed with argument "
                            "--record")):
        said = {}
        for name, argv in commands.items():
            code, out, err = run(*argv, *extra)
            assert code == 2 and out == "" and message in err, (name, err)
            said[name] = err[err.index(message):]
        assert said["evaluate"] == said["serve"]
        assert "--key hanya berlaku bersama --record atau --record-without-identity" in \
            said["evaluate"] or "not allowed" in said["evaluate"]
    assert not list(tmp_path.glob("*.jsonl"))
