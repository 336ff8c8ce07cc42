"""The shared contract examples, through the Python API (CI also runs them through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import jknrules
from jknrules.analysis.examples import compare

from .conftest import SHARED

EXAMPLES = sorted((SHARED / "spec" / "examples").glob("*.json"))

pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason="the shared contract examples (../shared beside the clone) are not here; CI runs "
           "them")


def test_the_shared_examples_are_present() -> None:
    assert EXAMPLES, f"no contract examples under {SHARED}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_contract_example(path: Path, policies: jknrules.PolicySet) -> None:
    spec = json.loads(path.read_text())
    expect = dict(spec["expect"])
    if expect.pop("exit", 0) != 0:
        with pytest.raises(jknrules.JknrulesError):
            jknrules.evaluate(spec["case"], policies)
        return
    problems = compare(jknrules.evaluate(spec["case"], policies).to_dict(), expect)
    assert not problems, problems
