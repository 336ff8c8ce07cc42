"""The scalar path of a batch: one case at a time through the evaluator, never raising.

Every row gives one output row; a bad row gives an output row with ``error`` set and
an entry for the errors file, never a crashed run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from jknrules.batch.schema import decision_row, error_row, full_row
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.result import Result
from jknrules.errors import JknrulesError
from jknrules.load.loader import case_from_data
from jknrules.load.policyset import PolicySet


@dataclass(frozen=True, slots=True)
class RowError:
    """A row the evaluator refused: its 1-based number and the located, bilingual reasons."""

    row: int
    errors: tuple[dict[str, Any], ...]

    @property
    def message(self) -> str:
        first = self.errors[0]
        return f"{first['code']} {first['path']}: {first['message']['id']} / {first['message']['en']}"

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "errors": list(self.errors)}


def evaluate_object(policies: PolicySet, obj: Any, *, trace: bool = False) -> Result:
    """One case object (parsed JSON) -> its result; raises :class:`JknrulesError`."""
    case = case_from_data(obj)
    return evaluate_compiled(policies.get(case.regency), case, trace=trace)


def evaluate_row(policies: PolicySet, obj: Any, row: int, *, full: bool = False,
                 trace: bool = False) -> tuple[dict[str, Any], RowError | None]:
    try:
        result = evaluate_object(policies, obj, trace=trace).to_dict()
    except JknrulesError as exc:
        error = RowError(row, tuple(d.to_json() for d in exc.diagnostics))
        return error_row(row, error.message, trace, full), error
    except Exception as exc:  # noqa: BLE001 - a batch never crashes on one row
        if os.environ.get("JKNRULES_DEBUG"):
            raise
        error = RowError(row, ({
            "code": "JKN-X001", "path": "$",
            "message": {"id": f"kesalahan internal: {type(exc).__name__}: {exc}",
                        "en": f"internal error: {type(exc).__name__}: {exc}"},
        },))
        return error_row(row, error.message, trace, full), error
    out = full_row(row, result, trace) if full else decision_row(row, result)
    return out, None


def bad_json_error(row: int, problem: str) -> RowError:
    return RowError(row, ({
        "code": "JKN-C001", "path": "$",
        "message": {"id": f"baris bukan JSON yang valid: {problem}",
                    "en": f"the line is not valid JSON: {problem}"},
    },))
