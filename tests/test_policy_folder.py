"""Which policy folder is read: ``--policies`` > ``JKNRULES_POLICIES`` > a ``policies/``
folder in the working folder or a parent > the installed copy — and the officer's
workflow: edit ``policies/batang.yaml`` in a checkout, run a command, see the edit."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

import jknrules
from jknrules.cli.main import main
from jknrules.load import policyset
from jknrules.load.policyset import find_policy_dir, holds_policies

from .conftest import POLICY_DIR

SHORT_TITLE = "short_title: SOP 800/2149/2022"
EDITED_TITLE = "SOP 800/2149/2022 DISUNTING PETUGAS"
KARANGASEM_TITLE = "short_title: Standar Pelayanan Pendaftaran Emergency PBPU BP Pemda 2025"
KARANGASEM_EDITED = "SP Emergency 2025 DISUNTING PETUGAS"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A non-editable install: an unchanged copy of the policies inside the package."""
    packaged = tmp_path / "site-packages" / "jknrules" / "_data" / "policies"
    shutil.copytree(POLICY_DIR, packaged)
    monkeypatch.setattr(policyset, "packaged_policy_dir", lambda: packaged)
    monkeypatch.delenv(policyset.ENV_VAR, raising=False)
    return packaged


@pytest.fixture
def checkout(tmp_path: Path, installed: Path) -> Path:
    """A checkout-like folder with policies/ (and its tests/) and examples/."""
    root = tmp_path / "checkout"
    shutil.copytree(POLICY_DIR, root / "policies")
    (root / "examples").mkdir()
    return root


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


# --- the order -------------------------------------------------------------------------

def test_the_order_of_resolution(checkout: Path, installed: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert find_policy_dir(cwd=elsewhere).origin == "packaged"
    assert find_policy_dir(cwd=elsewhere).path == installed
    assert find_policy_dir(cwd=checkout) == policyset.PolicyFolder(
        checkout.resolve() / "policies", "working_folder")
    # from a subfolder, the nearest parent's policies/
    assert find_policy_dir(cwd=checkout / "examples").path == checkout.resolve() / "policies"
    monkeypatch.setenv(policyset.ENV_VAR, str(elsewhere))
    assert find_policy_dir(cwd=checkout) == policyset.PolicyFolder(elsewhere, "environment")
    assert find_policy_dir("given", cwd=checkout) == policyset.PolicyFolder(Path("given"),
                                                                             "argument")
    monkeypatch.setenv(policyset.ENV_VAR, "")  # empty: not set
    assert find_policy_dir(cwd=checkout).origin == "working_folder"


def test_a_policies_folder_without_policy_files_is_passed_over(checkout: Path) -> None:
    inner = checkout / "examples" / "policies"
    inner.mkdir()
    (inner / "notes.yaml").write_text("title: not a jknrules policy\n")
    assert not holds_policies(inner)
    assert holds_policies(checkout / "policies")
    assert find_policy_dir(cwd=checkout / "examples").path == checkout.resolve() / "policies"


def test_without_a_packaged_copy_the_source_folder(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """An editable install run from outside the checkout."""
    monkeypatch.setattr(policyset, "packaged_policy_dir", lambda: None)
    monkeypatch.delenv(policyset.ENV_VAR, raising=False)
    found = find_policy_dir(cwd=tmp_path)
    assert found.origin == "source" and found.path.name == "policies"


def test_the_api_follows_the_same_order(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(checkout / "policies" / "batang.yaml", SHORT_TITLE, f"short_title: {EDITED_TITLE}")
    monkeypatch.chdir(checkout / "examples")
    policies = jknrules.load_policies()
    assert policies.get("batang").file == "policies/batang.yaml"  # the same on any machine
    result = jknrules.evaluate({"regency": "batang", "submitted_at": "2026-02-03T08:00:00",
                                "applicant": {"domicile_regency": "batang", "has_ktp": True},
                                "welfare": {"dtks": "registered"},
                                "membership": {"status": "none", "segment": "none"}}, policies)
    assert result.route is not None and EDITED_TITLE in result.route["source"]
    assert result.policy["file"] == "policies/batang.yaml"


# --- the officer's workflow ------------------------------------------------------------

@pytest.mark.parametrize("where", ["", "examples"])
def test_every_officer_command_reads_the_edited_file(checkout: Path, where: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/policy-guide.md: edit policies/batang.yaml in a checkout, run the command from
    the checkout (or a folder in it): the edit is what is checked, not the installed copy."""
    edit(checkout / "policies" / "batang.yaml", SHORT_TITLE, f"short_title: {EDITED_TITLE}")
    edit(checkout / "policies" / "karangasem.yaml", KARANGASEM_TITLE,
         f"short_title: {KARANGASEM_EDITED}")
    monkeypatch.chdir(checkout / where)
    said = "policies/ folder in the working folder or a parent"

    code, out, err = run("validate")
    assert code == 0 and out.startswith("OK: 3 "), err
    assert err.count("\n") == 1 and said in err and "kebijakan dibaca dari" in err
    code, out, err = run("render", "batang", "--as-of", "2026-01-15")
    assert code == 0 and EDITED_TITLE in out and said in err
    code, out, err = run("history", "batang")
    assert code == 0 and EDITED_TITLE in out and said in err
    code, out, err = run("diff", "karangasem@2023-05-22", "karangasem@2025-12-31")
    assert code == 1 and KARANGASEM_EDITED in out and said in err
    code, out, err = run("check")
    assert code == 0 and said in err, out
    code, out, err = run("test", "-q")
    assert code == 0 and said in err, out
    assert "policies/tests/batang/2022-sop.yaml" in out


def test_a_broken_edit_is_reported_by_every_command(checkout: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    edit(checkout / "policies" / "batang.yaml", 'bps_code: "3325"', 'bps_code: "3326"')
    monkeypatch.chdir(checkout / "examples")
    for argv in (["validate"], ["check"], ["test"], ["render", "batang"], ["history", "batang"],
                 ["diff", "batang@2022-09-28", "batang@2023-01-01"]):
        code, out, err = run(*argv)
        assert code == 2, (argv, out, err)
        assert "policies/batang.yaml:" in err and "JKN-P010" in err, (argv, err)
        assert "kebijakan dibaca dari" in err.splitlines()[0], (argv, err)


def test_outside_a_checkout_the_installed_copy_is_read_and_said(
        installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(installed / "batang.yaml", SHORT_TITLE, f"short_title: {EDITED_TITLE}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = run("history", "batang")
    assert code == 0 and EDITED_TITLE in out
    assert "the copy installed with the package" in err and str(installed) in err


def test_policies_option_and_environment_win(checkout: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    shutil.copytree(POLICY_DIR, other)
    edit(other / "batang.yaml", SHORT_TITLE, f"short_title: {EDITED_TITLE}")
    monkeypatch.chdir(checkout)
    code, out, err = run("history", "batang", "--policies", str(other))
    assert code == 0 and EDITED_TITLE in out and "(--policies)" in err
    monkeypatch.setenv(policyset.ENV_VAR, str(other))
    code, out, err = run("render", "batang", "--as-of", "2026-01-15")
    assert code == 0 and EDITED_TITLE in out and "(JKNRULES_POLICIES)" in err


def test_commands_given_files_say_nothing_about_a_folder(checkout: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(checkout)
    code, _, err = run("validate", "policies/batang.yaml")
    assert code == 0 and err == ""
    code, _, err = run("history", "policies/batang.yaml")
    assert code == 0 and err == ""
