"""``jknrules history``: versions, the one in force on a date, documents and counts."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from jknrules.cli.main import main

from .conftest import POLICY_DIR
from .golden import assert_golden


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def history_json(*argv: str) -> dict[str, Any]:
    code, out, err = run("history", *argv, "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_karangasem_versions() -> None:
    data = history_json("karangasem")
    first, second = data["versions"]
    assert (first["effective_from"], first["until"]) == ("2023-05-22", "2025-12-30")
    assert (second["effective_from"], second["until"]) == ("2025-12-31", None)
    assert first["changes"] is None and first["summary"]["en"] == "first version"
    assert second["defines"] == ["emergency_registration", "transfer_from_mandiri"]
    assert second["carries_over"] == [{"route": "regular_registration", "from": "2023-05-22"},
                                      {"route": "reactivation", "from": "2023-05-22"}]
    [sop] = first["documents"]
    assert sop["number"] == "460/2032/DINSOS,PPPA,PPKB"
    assert sop["signed_by"]["name"].startswith("Komang Daging")
    assert len(sop["legal_basis"]) == 5
    assert {d["id"] for d in second["documents"]} == {"sp_emergency_2025", "sp_mutasi_2025"}


def test_the_change_count_is_the_diff() -> None:
    data = history_json("karangasem")
    code, out, _ = run("diff", "karangasem@2023-05-22", "karangasem@2025-12-31", "--format", "json")
    summary = json.loads(out)["summary"]
    changes = data["versions"][1]["changes"]
    assert {k: changes[k] for k in summary} == summary
    assert changes["routes"] == ["emergency_registration", "transfer_from_mandiri"]


@pytest.mark.parametrize(("day", "version"), [
    ("2023-05-22", "2023-05-22"), ("2024-03-01", "2023-05-22"), ("2025-12-30", "2023-05-22"),
    ("2025-12-31", "2025-12-31"), ("2030-01-01", "2025-12-31"),
])
def test_as_of_names_the_version_in_force(day: str, version: str) -> None:
    assert history_json("karangasem", "--as-of", day)["in_force"] == version
    code, out, _ = run("history", "karangasem", "--as-of", day)
    assert code == 0
    assert f"*In force on {day}*: versi · *version* {version}**" in out
    assert out.count("\n## ") == 1  # only the version in force is detailed


def test_bps_code_and_policy_file_work_too() -> None:
    assert history_json("5107")["regency"] == "karangasem"
    assert history_json(str(POLICY_DIR / "batang.yaml"))["regency"] == "batang"


@pytest.mark.parametrize(("argv", "code"), [
    (("karangasem", "--as-of", "2020-01-01"), "JKN-A002"),
    (("karangasem", "--as-of", "2024-02-30"), "JKN-A003"),
    (("jakarta",), "JKN-A001"),
])
def test_errors_exit_2(argv: tuple[str, ...], code: str) -> None:
    status, out, err = run("history", *argv)
    assert status == 2 and out == "" and code in err and "Traceback" not in err


def test_policies_folder_option(tmp_path: Path) -> None:
    (tmp_path / "karangasem.yaml").write_text((POLICY_DIR / "karangasem.yaml").read_text())
    data = history_json("karangasem", "--policies", str(tmp_path))
    assert data["file"].endswith("karangasem.yaml") and len(data["versions"]) == 2


def test_history_golden() -> None:
    code, out, _ = run("history", "karangasem")
    assert code == 0
    assert_golden("history/karangasem.md", out)


def test_documents_are_named_by_title_number_and_date_not_a_working_file() -> None:
    """A user sees the signed document (title, number, date), never the name of the file
    it was transcribed from (the policy's ``seed`` field stays data only)."""
    seeds = [line.split("seed:")[1].strip() for line in
             (POLICY_DIR / "karangasem.yaml").read_text(encoding="utf-8").splitlines()
             if line.strip().startswith("seed:")]
    assert seeds  # the policy does record them
    code, md, _ = run("history", "karangasem")
    data = history_json("karangasem")
    assert code == 0
    for seed in seeds:
        assert seed not in md and seed not in json.dumps(data)
    for version in data["versions"]:
        for doc in version["documents"]:
            assert "seed" not in doc and doc["title"]
