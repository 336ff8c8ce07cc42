from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import jknrules

ROOT = Path(__file__).resolve().parents[1]
POLICY_DIR = ROOT / "policies"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def policies() -> jknrules.PolicySet:
    return jknrules.load_policies(POLICY_DIR)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (needs the right to mount, e.g. root in a container)."""
    mount = shutil.which("mount")
    if mount is None or sys.platform != "linux":
        pytest.skip("a real full disk needs Linux and mount(8)")
    folder = tmp_path / "disk"
    folder.mkdir()
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the file system: nothing is left but the unused end of each file's last page."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while handle.write(b"\0" * 4096):
                pass
        except OSError:
            pass
    stat = os.statvfs(folder)
    assert stat.f_bavail == 0
    return filler


@pytest.fixture
def office_keys(tmp_path: Path) -> tuple[Path, Path]:
    """An office's Ed25519 key pair: ``tmp_path/office.key`` (private, PEM) and
    ``tmp_path/office.pub``."""
    from jknrules.audit import keys  # cryptography: only for the tests that sign

    key, public = tmp_path / "office.key", tmp_path / "office.pub"
    keys.generate(key, public)
    return key, public


@pytest.fixture
def signed_policies(tmp_path: Path, office_keys: tuple[Path, Path]) -> Path:
    """A copy of the shipped policies (``tmp_path/policies``) with the office's public key
    published (``keys/office.pub``) and a bundle signed by ``jknrules bundle sign`` with
    its private key (:func:`office_keys`)."""
    from jknrules.cli.main import main

    key, public = office_keys
    folder = tmp_path / "policies"
    (folder / "keys").mkdir(parents=True)
    for path in POLICY_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    shutil.copy(public, folder / "keys" / "office.pub")
    out, err = io.StringIO(), io.StringIO()
    code = main(["bundle", "sign", "--key", str(key), "--policies", str(folder)], out, err)
    assert code == 0, err.getvalue()
    return folder


#: Where the browser tests left their screenshots, when they ran (tests/test_pages_browser.py).
PAGE_SHOTS = pytest.StashKey[Path]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    folder = terminalreporter.config.stash.get(PAGE_SHOTS, None)
    if folder is not None:
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"page screenshots: {folder} ({count} files)")
