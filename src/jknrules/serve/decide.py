"""Reading and deciding one case of a request: what ``/v1/evaluate``, ``/v1/batch`` and
the pages share.

A valid case takes the quick way (the standard JSON reader when it reads what the strict
reader would, then the evaluator's own reading of a ``dict``); anything refused or
doubted is read again by the strict reader with places, so an error is always located
the same way as ``jknrules evaluate`` locates it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request

from jknrules.api import read_case
from jknrules.cli.common import locate
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.result import Result
from jknrules.errors import CaseError, JknrulesError, PolicyError, Span, diag
from jknrules.language.case import Case
from jknrules.load.loader import case_from_data
from jknrules.load.source import parse_json
from jknrules.serve.state import Served

#: the response header naming the policy set that answered (its fingerprint)
POLICY_SET = "X-Jknrules-Policy-Set"
#: the response header carrying the decision record's id (``--record``)
DECISION_ID = "X-Jknrules-Decision-Id"
#: the name a case sent in a request body has in messages
REQUEST = "<request>"


def body_text(data: bytes, error: type[CaseError] | type[PolicyError]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error([diag("JKN-F002", f"isi permintaan bukan UTF-8 (bita {exc.start})",
                          f"the request body is not UTF-8 (byte {exc.start})",
                          span=Span(REQUEST, 1, 1))]) from None


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a key is repeated")
    return out


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


#: an escaped UTF-16 surrogate: the strict reader judges it (a lone one is an error)
_SURROGATE = re.compile(r"\\u[dD][89abAB]")


def quick_json(text: str) -> Any:
    """``text`` read by the standard library's JSON reader when that gives what the strict
    reader (:func:`~jknrules.load.source.parse_json`) would — no repeated key, no
    ``NaN``/``Infinity``, no escaped surrogate, no byte order mark — else ``None`` (the
    strict reader then reads it and places its errors)."""
    if _SURROGATE.search(text):
        return None
    try:
        return json.loads(text, object_pairs_hook=_no_repeats, parse_constant=_refuse)
    except (ValueError, RecursionError):
        return None


def decide(served: Served, text: str, *, trace: bool, line: int = 1
           ) -> tuple[Case | dict[str, Any], Result]:
    """Parse (strict JSON), validate and evaluate one case text against ``served``;
    ``CaseError`` with every diagnostic placed in the text (``line``: where the text
    starts, a batch's row).

    A valid case takes the quick way (the standard JSON reader, then the evaluator's own
    reading of a ``dict``); anything the quick way refuses or doubts is read again by the
    strict reader with places, so an error is always located and never depends on the
    way taken."""
    text = text.removeprefix("\ufeff")  # as a case file: a byte order mark is dropped
    data = quick_json(text)
    if type(data) is dict:
        try:
            facts = read_case(data)
            return data, evaluate_compiled(served.policies.get(facts.regency), facts,
                                           trace=trace)
        except JknrulesError:
            pass  # located below
    doc = parse_json(text, REQUEST, CaseError, first_line=line)
    case = case_from_data(doc.data, doc)
    try:
        result = evaluate_compiled(served.policies.get(case.regency), case, trace=trace)
    except CaseError as exc:
        raise CaseError(locate(exc.diagnostics, doc)) from None
    return case, result


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def flag(request: Request, name: str, default: bool) -> bool:
    """A boolean query parameter read by hand (the hot path skips FastAPI's parameter
    machinery, about a sixth of a request's time); what FastAPI accepts, else 422."""
    text = request.query_params.get(name)
    if text is None:
        return default
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    shown = text[:40]
    raise JknrulesError([diag("JKN-S012",
                              f"parameter permintaan tidak valid: query.{name}: {shown!r} "
                              "bukan true/false",
                              f"invalid request parameter: query.{name}: {shown!r} is not "
                              "true/false", path=("query", name))])
