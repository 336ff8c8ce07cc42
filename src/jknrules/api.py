"""The Python API: load the policies once, evaluate many cases."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.result import Result
from jknrules.language.case import Case
from jknrules.load.loader import case_from_data, load_case_file
from jknrules.load.policyset import PolicySet

CaseInput = Case | Mapping[str, Any] | str | os.PathLike[str]


def load_policies(
    policies: str | os.PathLike[str] | list[str | os.PathLike[str]] | None = None,
) -> PolicySet:
    """Load and compile policy files (default: the shipped policies).

    Raises :class:`~jknrules.PolicyError` with every problem found, located.
    """
    return PolicySet.load(policies)


def as_case(case: CaseInput) -> Case:
    """A :class:`Case` from a Case, a mapping (parsed JSON) or a file path."""
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return case_from_data(dict(case))
    return load_case_file(Path(case))


def evaluate(case: CaseInput, policies: PolicySet | None = None, *, trace: bool = True) -> Result:
    """Evaluate one case against the version in force at its ``submitted_at``.

    Pass a :class:`PolicySet` from :func:`load_policies` when evaluating many
    cases; without one the shipped policies are loaded for this call.
    Raises :class:`~jknrules.CaseError` for an invalid case or one dated before
    the regency's first version.
    """
    checked = as_case(case)
    policy_set = policies if policies is not None else load_policies()
    return evaluate_compiled(policy_set.get(checked.regency), checked, trace=trace)
