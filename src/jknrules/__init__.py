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

from typing import TYPE_CHECKING

from jknrules.api import evaluate, load_policies
from jknrules.engine.result import Result
from jknrules.errors import CaseError, Diagnostic, JknrulesError, PolicyError
from jknrules.language.case import Case
from jknrules.load.policyset import PolicySet

if TYPE_CHECKING:
    from jknrules.audit.records import DecisionLog

#: The installed distribution's version ("0+unknown" from a bare checkout).
__version__: str


def __getattr__(name: str) -> object:
    """``__version__`` and :class:`DecisionLog` on first use: reading the installed
    distribution's metadata (``importlib.metadata``) and the audit layer's imports
    (``hashlib``, ``cryptography``, ``zipfile``) are a third of ``import jknrules``, and
    loading policies and evaluating cases need neither."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("jknrules")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    if name == "DecisionLog":
        from jknrules.audit.records import DecisionLog

        globals()["DecisionLog"] = DecisionLog
        return DecisionLog
    raise AttributeError(f"module 'jknrules' has no attribute {name!r}")

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
