from __future__ import annotations

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


#: Where the browser tests left their screenshots, when they ran (tests/test_pages_browser.py).
PAGE_SHOTS = pytest.StashKey[Path]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    folder = terminalreporter.config.stash.get(PAGE_SHOTS, None)
    if folder is not None:
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"page screenshots: {folder} ({count} files)")
