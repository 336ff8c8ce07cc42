"""jknrules: Indonesian regencies' JKN enrollment procedures as versioned YAML
policies, and an evaluator whose every decision cites its clause.

    >>> import jknrules
    >>> policies = jknrules.load_policies()
    >>> result = jknrules.evaluate({"regency": "batang", ...}, policies)
    >>> result.outcome, result.to_json()
    >>> jknrules.DecisionLog("decisions.jsonl").append(case, result)   # for audits

``Result``'s fields are typed (``Literal`` outcomes, ``TypedDict`` parts; the
types are in :mod:`jknrules.engine.result`), so ``mypy --strict`` checks code
that reads them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from jknrules.api import evaluate, load_policies
from jknrules.audit.records import DecisionLog
from jknrules.engine.result import Result
from jknrules.errors import CaseError, Diagnostic, JknrulesError, PolicyError
from jknrules.language.case import Case
from jknrules.load.policyset import PolicySet

try:
    __version__ = version("jknrules")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"

__all__ = [
    "Case",
    "CaseError",
    "DecisionLog",
    "Diagnostic",
    "JknrulesError",
    "PolicyError",
    "PolicySet",
    "Result",
    "__version__",
    "evaluate",
    "load_policies",
]
