"""Case tracking on the server (``jknrules serve --track URL``): the API under ``/v1``.

====================================  ==================================================
``POST /v1/events``                   one event of one application (201 recorded, 200
                                      the same key again, 409 a key reused for another
                                      event, 422 bad input)
``GET /v1/cases/{case_id}``           the case's outcome, deadlines, events and alerts
``GET /v1/alerts``                    the alerts (``?as_of=TIME&regency=ID``)
====================================  ==================================================

Every job runs in the monitor's thread (:class:`~jknrules.serve.tracker.Tracker`).
Without ``--track`` each answers 503 (``JKN-S040``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jknrules.errors import CaseError, Diagnostic, JknrulesError, diag
from jknrules.load.loader import case_from_data
from jknrules.load.source import SourceText, parse_json
from jknrules.serve import errors
from jknrules.serve.decide import REQUEST, body_text
from jknrules.serve.state import Served
from jknrules.serve.tracker import Tracker
from jknrules.track.store import EVENTS, Event, TrackError, parse_time, track_error

__all__ = ["Tracker", "read_event", "router", "tracker_of"]

router = APIRouter(prefix="/v1", tags=["tracking"])


# --- the endpoints -------------------------------------------------------------------

def tracker_of(request: Request) -> Tracker | None:
    tracker: Tracker | None = getattr(request.app.state, "tracker", None)
    return tracker


def _off() -> JSONResponse:
    return errors.problem(503, "tracking_off", "JKN-S040",
                          "pemantauan tidak aktif di server ini (jalankan dengan --track URL)",
                          "tracking is off on this server (start it with --track URL)")


def _event_json(e: Event, new: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"case_id": e.case_id, "event": e.event, "at": e.at.isoformat(),
                           "actor": e.actor, "idempotency_key": e.idempotency_key,
                           "seq": e.seq, "recorded": new}
    if e.result is not None:
        out["outcome"] = e.result.get("outcome")
        out["regency"] = e.regency
        out["deadlines"] = e.result.get("deadlines") or {}
    return out


_FIELDS = ("case_id", "event", "at", "actor", "idempotency_key", "case", "result")


def read_event(served: Served, text: str) -> tuple[Event, bool]:
    """The event of a request body (strict JSON; every problem located in it), and
    whether the server evaluated its case (``received`` without ``result``)."""
    doc = parse_json(text.removeprefix("\ufeff"), REQUEST, TrackError)
    data = doc.data
    if not isinstance(data, dict):
        raise TrackError([doc.diag("JKN-K008", "peristiwa harus berupa objek JSON",
                                   "an event must be a JSON object", ())])
    problems: list[Diagnostic] = []
    for key in data:
        if key not in _FIELDS:
            problems.append(doc.diag("JKN-K008", f"kolom {key!r} tidak dikenal",
                                     f"unknown field {key!r}", (key,),
                                     hint_id="kolom: " + ", ".join(_FIELDS),
                                     hint_en="fields: " + ", ".join(_FIELDS)))
    kind = data.get("event")
    if kind not in EVENTS:
        problems.append(doc.diag("JKN-K003", f"peristiwa {kind!r} tidak dikenal",
                                 f"unknown event {kind!r}", ("event",),
                                 hint_id="salah satu dari: " + ", ".join(EVENTS),
                                 hint_en="one of: " + ", ".join(EVENTS)))
    for name in ("case_id", "actor", "idempotency_key"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            problems.append(doc.diag("JKN-K004", f"{name} harus diisi (teks 1-200 karakter)",
                                     f"{name} must be given (text of 1-200 characters)",
                                     (name,)))
    if kind != "received":
        for name in ("case", "result"):
            if name in data:
                problems.append(doc.diag("JKN-K005", f"{name} hanya untuk peristiwa received",
                                         f"{name} goes with the received event only", (name,)))
        if "at" not in data:
            problems.append(doc.diag("JKN-K043", "waktu peristiwa (at) wajib diisi",
                                     "the event's time (at) is required", ()))
    elif "case" not in data:
        problems.append(doc.diag("JKN-K041", "peristiwa received memerlukan kasus (case)",
                                 "the received event needs its case (case)", ()))
    at: datetime | None = None
    if "at" in data:
        try:
            if not isinstance(data["at"], str):
                raise track_error("JKN-K001", "waktu harus teks ISO 8601",
                                  "the time must be ISO 8601 text", where="at")
            at = parse_time(data["at"], "at")
        except TrackError as exc:
            problems += _placed(exc.diagnostics, doc, ())
    if problems:
        raise TrackError(problems)
    case_data = result_data = None
    evaluated = False
    if kind == "received":
        case_data, result_data, evaluated = _received(served, doc, data)
        if at is None:
            submitted = case_data.get("submitted_at")
            if isinstance(submitted, str) and datetime.fromisoformat(submitted).tzinfo:
                at = datetime.fromisoformat(submitted)
            else:
                raise TrackError([doc.diag("JKN-K042", "submitted_at kasus tanpa zona waktu: "
                                           "beri at", "the case's submitted_at has no offset: "
                                           "give at", ())])
    assert at is not None
    assert isinstance(kind, str)
    return Event(data["case_id"], kind, at, data["actor"], data["idempotency_key"],
                 case_data, result_data), evaluated


def _placed(diags: Sequence[Diagnostic], doc: SourceText, prefix: tuple[str, ...]
            ) -> list[Diagnostic]:
    """Diagnostics of a part of the body, given their path in the body and its place."""
    from jknrules.cli.common import locate

    return locate([dataclasses.replace(d, path=prefix + tuple(d.path), span=None, source_line="")
                   for d in diags], doc)


def _received(served: Served, doc: SourceText, data: dict[str, Any]
              ) -> tuple[dict[str, Any], dict[str, Any], bool]:
    from jknrules.engine.evaluator import evaluate_compiled

    marks = {p[1:]: s for p, s in doc.marks.items() if p[:1] == ("case",)}
    sub = SourceText(doc.file, data["case"], marks, doc.lines)
    try:
        case = case_from_data(data["case"], sub)
    except CaseError as exc:
        raise CaseError(_placed(list(exc.diagnostics), doc, ("case",))) from None
    case_json = case.model_dump(mode="json", exclude_unset=True)
    given = data.get("result")
    if given is None:
        try:
            result = evaluate_compiled(served.policies.get(case.regency), case, trace=False)
        except CaseError as exc:
            raise CaseError(_placed(list(exc.diagnostics), doc, ("case",))) from None
        return case_json, result.to_dict(), True
    problems = _result_problems(given, case.regency)
    if problems:
        raise TrackError([doc.diag(code, m_id, m_en, ("result", *path))
                          for code, m_id, m_en, path in problems])
    return case_json, given, False


def _result_problems(result: Any, regency: str) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """What a result sent with ``received`` must hold for the monitor and the recap: the
    contract's ``policy.regency`` (the case's), ``outcome`` and ``deadlines`` (ISO times
    with an offset)."""
    out: list[tuple[str, str, str, tuple[str, ...]]] = []
    if not isinstance(result, dict):
        return [("JKN-K009", "result harus objek hasil evaluasi (kontrak)",
                 "result must be an evaluation result object (the contract's)", ())]
    policy = result.get("policy")
    if not isinstance(policy, dict) or policy.get("regency") != regency:
        out.append(("JKN-K009", f"result.policy.regency harus {regency!r} (kabupaten kasus)",
                    f"result.policy.regency must be {regency!r} (the case's regency)",
                    ("policy",)))
    if not isinstance(result.get("outcome"), str):
        out.append(("JKN-K009", "result.outcome wajib diisi", "result.outcome is required",
                    ("outcome",)))
    deadlines = result.get("deadlines")
    if not isinstance(deadlines, dict):
        out.append(("JKN-K009", "result.deadlines wajib berupa objek",
                    "result.deadlines must be an object", ("deadlines",)))
    else:
        for name, value in deadlines.items():
            if value is None:
                continue
            try:
                if not isinstance(value, str):
                    raise ValueError
                parse_time(value, f"deadlines.{name}")
            except (ValueError, JknrulesError):
                out.append(("JKN-K009", f"result.deadlines.{name} bukan waktu ISO 8601 dengan "
                            "zona", f"result.deadlines.{name} is not an ISO 8601 time with an "
                            "offset", ("deadlines", str(name))))
    return out


_EVENT_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["case_id", "event", "actor", "idempotency_key"],
    "properties": {
        "case_id": {"type": "string", "maxLength": 200},
        "event": {"type": "string", "enum": list(EVENTS)},
        "at": {"type": "string", "format": "date-time",
               "description": "ISO 8601 with an offset (received: default the case's "
                              "submitted_at)"},
        "actor": {"type": "string", "maxLength": 200},
        "idempotency_key": {"type": "string", "maxLength": 200},
        "case": {"$ref": "#/components/schemas/Case"},
        "result": {"type": "object", "description": "the contract's result of the case "
                   "(received; omitted: the server evaluates the case)"},
    }}}}}
_ERROR = {"description": "invalid input: located, bilingual diagnostics", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_OFF = {"description": "tracking is off (no --track) or its monitor is not running"}


@router.post("/events", summary="record one event of an application",
             openapi_extra={"requestBody": _EVENT_BODY},
             responses={200: {"description": "this idempotency key was recorded before: the "
                              "stored event"},
                        201: {"description": "recorded"},
                        409: {"description": "the idempotency key was used for another event"},
                        422: _ERROR, 503: _OFF},
             status_code=201)
async def record_event(request: Request) -> JSONResponse:
    tracker = tracker_of(request)
    if tracker is None:
        return _off()
    served: Served = request.app.state.served
    text = body_text(await request.body(), CaseError)
    event, evaluated = read_event(served, text)
    try:
        stored, new = await tracker.acall(lambda: tracker._record(event, evaluated))
    except TrackError as exc:
        if any(d.code == "JKN-K006" for d in exc.diagnostics):
            return JSONResponse(errors.body("conflict", "kunci idempoten sudah dipakai",
                                            "idempotency key already used", exc.diagnostics),
                                status_code=409)
        if any(d.code == "JKN-K061" for d in exc.diagnostics):
            return errors.jknrules_error(exc, 503)
        raise
    return JSONResponse(_event_json(stored, new), status_code=201 if new else 200)


@router.get("/cases/{case_id}", summary="one case's outcome, deadlines, events and alerts",
            responses={404: {"description": "no event of this case"}, 503: _OFF})
async def case(request: Request, case_id: str) -> JSONResponse:
    tracker = tracker_of(request)
    if tracker is None:
        return _off()
    from jknrules.track.status import case_status

    try:
        data = await tracker.acall(lambda: case_status(tracker.store, case_id))
    except TrackError as exc:
        if any(d.code == "JKN-K044" for d in exc.diagnostics):
            return errors.jknrules_error(exc, 404)
        raise
    return JSONResponse(data)


@router.get("/alerts", summary="the alerts raised up to a time (no personal data)",
            responses={422: _ERROR, 503: _OFF})
async def alerts(request: Request) -> JSONResponse:
    tracker = tracker_of(request)
    if tracker is None:
        return _off()
    q = request.query_params
    as_of = _query_time(q.get("as_of"), "as_of") or tracker.clock()
    regency = q.get("regency") or None
    served: Served = request.app.state.served
    if regency is not None and regency not in served.policies.regencies():
        known = served.policies.regencies()
        raise JknrulesError([diag("JKN-K045", f"kabupaten {regency!r} tidak dikenal",
                                  f"unknown regency {regency!r}", path=("query", "regency"),
                                  hint_id="salah satu dari: " + ", ".join(known),
                                  hint_en="one of: " + ", ".join(known))])
    found, clock = await tracker.acall(lambda: (tracker.store.alerts(as_of, regency=regency),
                                                tracker.monitor_time()))
    return JSONResponse({"as_of": as_of.isoformat(), "regency": regency,
                         "monitor_time": datetime.fromtimestamp(clock, UTC).isoformat()
                         if clock is not None else None,
                         "alerts": [a.to_json() for a in found]})


def _query_time(text: str | None, name: str) -> datetime | None:
    if text is None or not text.strip():
        return None
    try:
        return parse_time(text, f"query.{name}")
    except TrackError as exc:
        raise TrackError([dataclasses.replace(d, path=("query", name))
                          for d in exc.diagnostics]) from None


