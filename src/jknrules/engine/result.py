"""The result of evaluating one case: the contract's JSON object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Result:
    """One decision. ``to_dict()`` is exactly the CLI's JSON.

    Fields follow the contract: ``policy``, ``outcome``, ``target_segment``,
    ``route``, ``required_documents``, ``missing_documents``, ``deadlines``,
    ``reasons``, ``trace``.
    """

    policy: dict[str, Any]
    outcome: str
    target_segment: str | None
    route: dict[str, Any] | None
    required_documents: list[dict[str, Any]]
    missing_documents: list[str] | None
    deadlines: dict[str, str]
    reasons: list[dict[str, Any]]
    trace: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "outcome": self.outcome,
            "target_segment": self.target_segment,
            "route": self.route,
            "required_documents": self.required_documents,
            "missing_documents": self.missing_documents,
            "deadlines": self.deadlines,
            "reasons": self.reasons,
            "trace": self.trace,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Deterministic JSON: the same case and policies give byte-identical text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
