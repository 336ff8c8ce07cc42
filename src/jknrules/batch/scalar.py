"""The scalar path of a batch: one case at a time through the evaluator, never raising.

Every row gives one output row; a bad row gives an output row with ``error`` set and
an entry for the errors file, never a crashed run. What a row's error says is made safe
to write in any output format: text that UTF-8 cannot carry (a lone surrogate from
JSON's ``"\\ud800"``) and control characters are escaped, and long texts (a 10 MB value
quoted back by a message) are cut.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from jknrules.batch.cases import Problem
from jknrules.batch.schema import decision_row, error_row, full_row
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.result import Result
from jknrules.errors import JknrulesError
from jknrules.load.loader import case_from_data
from jknrules.load.policyset import PolicySet

#: longest text kept in a row's error (a message may quote the input)
MAX_TEXT = 500


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


def row_error(row: int, diagnostics: list[dict[str, Any]]) -> RowError:
    """A :class:`RowError` whose texts are safe to write (see the module's docstring)."""
    return RowError(row, tuple(_safe(d) for d in diagnostics))


def problem_error(row: int, problem: Problem) -> RowError:
    """The error of a row that could not be read."""
    return row_error(row, [_diagnostic(problem)])


def _diagnostic(problem: Problem) -> dict[str, Any]:
    """A problem in the shape of ``Diagnostic.to_json``."""
    return {"code": problem.code,
            "message": {"id": problem.message_id, "en": problem.message_en},
            "file": problem.file, "line": problem.line,
            "column": 1 if problem.line else None, "path": problem.path, "hint": None}


def evaluate_object(policies: PolicySet, obj: Any, *, trace: bool = False) -> Result:
    """One case object (parsed JSON) -> its result; raises :class:`JknrulesError`."""
    case = case_from_data(obj)
    return evaluate_compiled(policies.get(case.regency), case, trace=trace)


def evaluate_row(policies: PolicySet, obj: Any, row: int, *, full: bool = False,
                 trace: bool = False) -> tuple[dict[str, Any], RowError | None]:
    if isinstance(obj, Problem):
        error = problem_error(row, obj)
        return error_row(row, error.message, trace, full), error
    try:
        result = evaluate_object(policies, obj, trace=trace).to_dict()
    except JknrulesError as exc:
        error = row_error(row, [d.to_json() for d in exc.diagnostics])
        return error_row(row, error.message, trace, full), error
    except OverflowError:
        # a date the calendar cannot reach: a deadline past 9999-12-31 (or before year 1)
        error = problem_error(row, Problem(
            "JKN-X006", "$.submitted_at",
            "tanggal di luar kalender: tenggat dari tanggal pengajuan ini jatuh sesudah "
            "tahun 9999 atau sebelum tahun 1",
            "date outside the calendar: a deadline from this submission date falls after "
            "year 9999 or before year 1"))
        return error_row(row, error.message, trace, full), error
    except RecursionError:
        error = problem_error(row, too_deep())
        return error_row(row, error.message, trace, full), error
    except Exception as exc:  # noqa: BLE001 - a batch never crashes on one row
        if os.environ.get("JKNRULES_DEBUG"):
            raise
        error = problem_error(row, Problem(
            "JKN-X001", "$", f"kesalahan internal: {type(exc).__name__}: {exc}",
            f"internal error: {type(exc).__name__}: {exc}"))
        return error_row(row, error.message, trace, full), error
    out = full_row(row, result, trace) if full else decision_row(row, result)
    return out, None


def too_deep(file: str | None = None, line: int | None = None) -> Problem:
    return Problem("JKN-X004", "$", "data bersarang terlalu dalam",
                   "the data is nested too deeply", file, line)


def bad_json(problem: str, file: str | None = None, line: int | None = None) -> Problem:
    if not problem:
        return Problem("JKN-C001", "$", "baris kosong", "empty line", file, line)
    return Problem("JKN-C001", "$", f"baris bukan JSON yang valid: {problem}",
                   f"the line is not valid JSON: {problem}", file, line)


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    return value


def safe_text(text: str) -> str:
    """``text`` cut to :data:`MAX_TEXT` characters, with what UTF-8 cannot carry and
    control characters (NUL …) written as escapes."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + f"… (+{len(text) - MAX_TEXT:,})"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF
                   else c.encode("unicode_escape").decode("ascii") for c in text)
