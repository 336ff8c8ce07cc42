"""Golden files for ``diff``, ``history`` and ``render`` output.

``assert_golden(name, text)`` compares ``text`` with ``tests/golden/<name>``.
Run with ``JKNRULES_UPDATE_GOLDEN=1`` to (re)write the files after an intended
change, then review the difference with ``git diff tests/golden docs``.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
UPDATE = os.environ.get("JKNRULES_UPDATE_GOLDEN") == "1"


def assert_golden(path: Path | str, text: str) -> None:
    """``path`` is relative to ``tests/golden`` (or absolute, e.g. a file under ``docs/``)."""
    target = Path(path) if Path(path).is_absolute() else GOLDEN / path
    if UPDATE:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return
    assert target.exists(), f"{target} is missing: run with JKNRULES_UPDATE_GOLDEN=1"
    expected = target.read_text(encoding="utf-8")
    assert text == expected, (
        f"{target} differs from the output: review, then run with JKNRULES_UPDATE_GOLDEN=1"
    )
