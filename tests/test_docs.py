"""The documentation travels with the repository: no link outside it, no machine's paths,
and source documents named by title, number and date, never by a working file name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
GOLDEN = sorted(p for p in (ROOT / "tests" / "golden").rglob("*") if p.is_file())

#: a Markdown link or image that leaves the repository
OUTSIDE = re.compile(r"\]\((?:\.\./)+(?:\.\./)*shared/|\]\(\.\./\.\./")
#: paths that exist only on one machine
MACHINE = re.compile(r"(?<![\w.])/(?:work|tmp|home|root|Users|opt|srv|mnt)/|[A-Z]:\\(?=[A-Za-z])")
#: a transcriber's working file (``seed`` in a policy), e.g. 002_ed96c6cf92fce033.txt
SEED_FILE = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_no_link_outside_the_repository_and_no_machine_path(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = [f"{path.name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
                for pattern in (OUTSIDE, MACHINE, SEED_FILE) for m in pattern.finditer(text)]
    assert not problems, problems


def test_relative_links_resolve_inside_the_repository() -> None:
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    broken = []
    for path in DOCS:
        for target in link.findall(path.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (path.parent / target).resolve()
            if not resolved.is_relative_to(ROOT.resolve()) or not resolved.exists():
                broken.append(f"{path.name}: {target}")
    assert not broken, broken


def test_goldens_name_no_working_file() -> None:
    found = [str(p.relative_to(ROOT)) for p in GOLDEN
             if SEED_FILE.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert not found, found
