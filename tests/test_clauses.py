"""Every clause of every seed, exercised by the example cases in policies/tests/.

Each case names the clause it checks; the test id is ``file::case name``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import jknrules
from jknrules.analysis.examples import LoadedExample, compare, load_examples

from .conftest import POLICY_DIR

FILES = sorted((POLICY_DIR / "tests").glob("*/*.yaml"))
EXAMPLES: list[LoadedExample] = [ex for f in FILES for ex in load_examples(f)]


def test_there_are_clause_cases_for_every_regency() -> None:
    regencies = {Path(ex.file).parent.name for ex in EXAMPLES}
    assert regencies == {"karangasem", "batang", "malinau"}


@pytest.mark.parametrize("loaded", EXAMPLES, ids=[ex.id for ex in EXAMPLES])
def test_clause(loaded: LoadedExample, policies: jknrules.PolicySet) -> None:
    ex = loaded.example
    where = f"{loaded.file}:{loaded.line} ({ex.clause})"
    if "error" in ex.expect:
        with pytest.raises(jknrules.JknrulesError) as info:
            jknrules.evaluate(ex.case, policies)
        codes = {d.code for d in info.value.diagnostics}
        assert ex.expect["error"] in codes, f"{where}: got {codes}"
        return
    result = jknrules.evaluate(ex.case, policies).to_dict()
    problems = compare(result, ex.expect)
    assert not problems, f"{where}: " + "; ".join(problems)
