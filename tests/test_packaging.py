"""Packaging: the batch extra is optional and says so when missing, the test extra keeps
the suite running, the licence is stated, and lint and types run before a commit."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from jknrules.cli.main import main

from .conftest import ROOT

PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BATCH_PACKAGES = ("pyarrow", "numpy", "rich")
INSTALL = "pip install 'jknrules[batch]'"


def _names(requirements: list[str]) -> set[str]:
    return {r.split(">")[0].split("=")[0].split("[")[0].strip().lower() for r in requirements}


def test_batch_packages_are_an_extra_not_a_dependency() -> None:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    assert not _names(project["dependencies"]) & set(BATCH_PACKAGES)
    assert _names(extras["batch"]) == set(BATCH_PACKAGES)
    for extra in ("test", "polars", "dask", "bench"):  # everything that runs jknrules.batch
        assert set(BATCH_PACKAGES) <= _names(extras[extra]), extra


def test_licence() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_pre_commit_runs_ruff_and_mypy_as_ci_does() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any("ruff check src tests" in e for e in entries)
    assert any("mypy --strict src" in e for e in entries)
    for entry in entries:
        assert entry in ci, entry


def test_changelog_starts_at_0_1_0() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[0] == "## [Unreleased]" and headings[-1].startswith("## [0.1.0]")
    assert PYPROJECT["project"]["version"] == "0.1.0"


# --- without the batch extra ----------------------------------------------------------

def _without(monkeypatch: pytest.MonkeyPatch, *missing: str) -> None:
    """Simulate an install without these packages: importing them fails, and no
    ``jknrules.batch`` module is already imported."""
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)  # import raises ModuleNotFoundError
    for name in [m for m in sys.modules if m == "jknrules.batch" or m.startswith("jknrules.batch.")]:
        monkeypatch.delitem(sys.modules, name)


@pytest.mark.parametrize("missing", [("pyarrow",), ("numpy",), ("rich",), BATCH_PACKAGES])
def test_importing_jknrules_batch_says_which_extra(monkeypatch: pytest.MonkeyPatch,
                                                  missing: tuple[str, ...]) -> None:
    _without(monkeypatch, *missing)
    with pytest.raises(ModuleNotFoundError) as caught:
        import jknrules.batch  # noqa: F401
    message = str(caught.value)
    assert INSTALL in message and ", ".join(missing) in message
    assert message.index("memerlukan") < message.index(" / ") < message.index("needs")
    assert caught.value.name == missing[0]


def test_the_batch_command_says_which_extra(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    _without(monkeypatch, "pyarrow")
    cases = tmp_path / "cases.jsonl"
    cases.write_text("{}\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", str(cases), "--out", str(tmp_path / "out.jsonl")], out, err)
    assert code == 2 and out.getvalue() == ""
    text = err.getvalue()
    assert text.count("\n") == 1 and INSTALL in text and "pyarrow" in text
    assert "Traceback" not in text and "internal error" not in text


def test_the_dask_option_says_which_extra(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    cases = tmp_path / "cases.jsonl"
    cases.write_text("{}\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", str(cases), "--out", str(tmp_path / "out"), "--dask", "tcp://x:1"],
                out, err)
    assert code == 2 and "pip install 'jknrules[dask]'" in err.getvalue()


def test_the_readme_command_needs_no_batch_extra() -> None:
    """The README's first command evaluates a sample case on a plain ``pip install .``:
    nothing on its way imports pyarrow, numpy or rich (checked in a fresh interpreter)."""
    blocked = ", ".join(repr(n) for n in BATCH_PACKAGES)
    script = (
        "import sys\n"
        f"for name in ({blocked}):\n"
        "    sys.modules[name] = None\n"
        "from jknrules.cli.main import main\n"
        "code = main(['evaluate', 'examples/cases/karangasem-emergency.json', '--format', "
        "'text'])\n"
        "for command in (['validate'], ['check'], ['render', 'batang', '--as-of', '2026-01-15'],"
        " ['history', 'malinau'], ['diff', 'karangasem@2023-05-22', 'karangasem@2025-12-31'],"
        " ['schema', 'result']):\n"
        "    assert main(command) in (0, 1), command\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Hasil: Berkas belum lengkap (incomplete)")


# --- the serve extra -------------------------------------------------------------------

SERVE_PACKAGES = ("fastapi", "uvicorn", "prometheus-client", "fastapi-offline",
                  "jinja2", "python-multipart", "itsdangerous")  # the last three for the pages


def test_serve_packages_are_an_extra_not_a_dependency() -> None:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    assert not _names(project["dependencies"]) & set(SERVE_PACKAGES)
    assert _names(extras["serve"]) == set(SERVE_PACKAGES)
    assert set(SERVE_PACKAGES) | {"httpx"} <= _names(extras["test"])  # the serve tests run
    assert all(">=" in r for r in extras["serve"])


@pytest.mark.parametrize("missing", [("fastapi",), ("uvicorn",), ("fastapi_offline",),
                                     ("jinja2",), ("python_multipart",), ("itsdangerous",)])
def test_importing_jknrules_serve_says_which_extra(monkeypatch: pytest.MonkeyPatch,
                                                  missing: tuple[str, ...]) -> None:
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)
    for name in [m for m in sys.modules if m == "jknrules.serve" or m.startswith("jknrules.serve.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ModuleNotFoundError) as caught:
        import jknrules.serve  # noqa: F401
    message = str(caught.value)
    assert "pip install 'jknrules[serve]'" in message and missing[0] in message
    assert message.index("memerlukan") < message.index(" / ") < message.index("needs")
