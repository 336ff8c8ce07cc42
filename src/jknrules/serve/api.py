"""The API under ``/v1``: JSON in and out, the contract's names unchanged.

====================================  ==================================================
``POST /v1/evaluate``                 a case → the contract's result (``?trace=false``);
                                      422 with located, bilingual diagnostics
``POST /v1/batch``                    JSON Lines of cases → JSON Lines of rows, streamed
``POST /v1/validate``                 policy YAML text → diagnostics and ``check`` findings
``GET /v1/policies``                  regencies, versions, fingerprints
``GET /v1/policies/{regency}``        the version in force (``?as_of=DATE``), its history
                                      and its Standar Pelayanan
``GET /v1/policies/{regency}/diff``   the semantic diff (``?from=DATE&to=DATE``)
``GET /v1/schemas/{name}``            policy, case, result, diff, record
``POST /v1/admin/reload``             load the policy set again (API key always)
====================================  ==================================================

Every answer carries ``X-Jknrules-Policy-Set``, the fingerprint of the set that gave it.
With ``--record`` an evaluation is answered only once recorded, and carries
``X-Jknrules-Decision-Id`` (batch rows: ``decision_id``); the result's JSON is the
contract's, byte for byte the CLI's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from jknrules.analysis.check import check_policy
from jknrules.api import read_case
from jknrules.audit import history as audit_history
from jknrules.audit.diff.compare import build_report
from jknrules.audit.diff.format import to_json as diff_json
from jknrules.audit.diff.format import to_markdown as diff_markdown
from jknrules.audit.render.document import build as build_document
from jknrules.audit.render.document import to_markdown as document_markdown
from jknrules.audit.versions import Operand, PolicySource
from jknrules.cli.common import locate
from jknrules.engine.compiler import compile_policy
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.result import Result
from jknrules.errors import CaseError, Diagnostic, JknrulesError, PolicyError, Span, diag
from jknrules.language import schemas
from jknrules.language.case import Case
from jknrules.language.vocab import REGENCIES, normalize_regency
from jknrules.load.loader import case_from_data, load_policy_text
from jknrules.load.reader import MAX_FILE_BYTES
from jknrules.load.source import parse_json
from jknrules.serve import errors
from jknrules.serve.recorder import Recorder
from jknrules.serve.security import require_admin
from jknrules.serve.state import Served

#: API keys are checked before any route (``security.KeyCheck``), the admin key here
router = APIRouter(prefix="/v1")

POLICY_SET = "X-Jknrules-Policy-Set"
DECISION_ID = "X-Jknrules-Decision-Id"
#: the name a case sent in a request body has in messages
REQUEST = "<request>"
#: rows of a batch evaluated together in a worker thread
BATCH_ROWS = 256
#: longest line of a batch (as a case file: reader.MAX_FILE_BYTES)
MAX_LINE = MAX_FILE_BYTES

_CASE_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Case"}}}}
_RESULT = {"description": "the contract's result", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Result"}}}}
_ERROR = {"description": "invalid input: located, bilingual diagnostics", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _text(data: bytes, error: type[CaseError] | type[PolicyError]) -> str:
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


async def _recorded(request: Request, case: Case | dict[str, Any], result: Result
                    ) -> str | None:
    recorder: Recorder | None = request.app.state.recorder
    if recorder is None:
        return None
    return await run_in_threadpool(recorder.append, case, result)


_TRACE = {"name": "trace", "in": "query", "required": False,
          "description": "include the rule trace (default true)",
          "schema": {"type": "boolean", "default": True}}
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


@router.post("/evaluate", tags=["evaluate"], summary="evaluate one case",
             openapi_extra={"requestBody": _CASE_BODY, "parameters": [_TRACE]},
             responses={200: _RESULT, 422: _ERROR, 503: {
                 "description": "the decision could not be recorded (--record)"}},
             response_class=Response)
async def evaluate(request: Request) -> Response:
    served: Served = request.app.state.served
    metrics = request.app.state.metrics
    trace = flag(request, "trace", True)
    text = _text(await request.body(), CaseError)
    try:
        case, result = decide(served, text, trace=trace)
    except JknrulesError:
        metrics.refused.labels("case").inc()
        raise
    headers = {POLICY_SET: served.fingerprint}
    try:
        decision_id = await _recorded(request, case, result)
    except JknrulesError as exc:
        return errors.jknrules_error(exc, 503)
    if decision_id is not None:
        headers[DECISION_ID] = decision_id
    metrics.decision(result.policy["regency"], result.outcome)
    return Response(result.to_json(indent=None), media_type="application/json",
                    headers=headers)


# --- batch -------------------------------------------------------------------------------

def _row_error(row: int, diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    """An error row, as the CLI's batch writes one (with the diagnostics beside it)."""
    found = list(diagnostics)
    first = found[0]
    return {"row": row, "error": f"{first.code} {first.yaml_path}: {first.message_id} / "
                                 f"{first.message_en}",
            "errors": [d.to_json() for d in found]}


def _batch_rows(served: Served, recorder: Recorder | None, lines: list[tuple[int, bytes | None]],
                trace: bool) -> tuple[bytes, list[tuple[str, str]], int]:
    """Decide some lines of a batch (in a worker thread): their output text, the
    (regency, outcome) of each decision, and how many rows were refused."""
    out: list[str] = []
    decided: list[tuple[str, str]] = []
    refused = 0
    for row, line in lines:
        item: dict[str, Any]
        if line is None:
            item = _row_error(row, [diag(
                "JKN-Y006", f"baris lebih panjang dari {MAX_LINE:,} bita",
                f"line longer than {MAX_LINE:,} bytes", span=Span(REQUEST, row, 1))])
        else:
            try:
                text = _text(line, CaseError)
                if not text.strip():
                    raise CaseError([diag("JKN-C001", "baris kosong", "empty line",
                                          span=Span(REQUEST, row, 1))])
                case, result = decide(served, text, trace=trace, line=row)
                item = {"row": row, **result.to_dict(), "error": None}
                if recorder is not None:
                    item["decision_id"] = recorder.append(case, result)
                decided.append((result.policy["regency"], result.outcome))
            except JknrulesError as exc:
                item = _row_error(row, exc.diagnostics)
        if item.get("error") is not None:
            refused += 1
        out.append(json.dumps(item, ensure_ascii=False))
    return ("\n".join(out) + "\n").encode("utf-8") if out else b"", decided, refused


class RowStream(StreamingResponse):
    """A streamed answer that reads the request body while it answers: Starlette's own
    listens for a disconnect on ``receive`` meanwhile, which would swallow the body."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.stream_response(send)
        except OSError:
            raise ClientDisconnect() from None


async def _lines(request: Request) -> AsyncIterator[bytes | None]:
    """The body's lines without their line ends, each at most :data:`MAX_LINE` bytes
    (``None`` stands for a longer one, skipped to its end); a last line without an end
    counts, an empty body has none."""
    buffer = b""
    skipping = False
    async for chunk in request.stream():
        buffer += chunk
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                if len(buffer) > MAX_LINE:
                    if not skipping:
                        yield None
                    skipping, buffer = True, b""
                break
            line, buffer = buffer[:end], buffer[end + 1:]
            if skipping:
                skipping = False
                continue
            if len(line) > MAX_LINE:
                yield None
                continue
            yield line.removesuffix(b"\r")
    if buffer and not skipping:
        yield buffer if len(buffer) <= MAX_LINE else None


@router.post("/batch", tags=["evaluate"], summary="evaluate a stream of cases (JSON Lines)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-ndjson": {"schema": {"type": "string"}}},
                 "description": "one case (JSON) per line"}},
             responses={200: {"description": "one row per input line, in order: `row` "
                              "(1-based), the result's keys and `error` null; or `row`, "
                              "`error` (text) and `errors` (diagnostics)",
                              "content": {"application/x-ndjson": {}}}},
             response_class=RowStream)
async def batch(request: Request,
                trace: Annotated[bool, Query(description="include the rule trace")] = False,
                ) -> RowStream:
    served: Served = request.app.state.served
    recorder: Recorder | None = request.app.state.recorder
    metrics = request.app.state.metrics

    async def rows() -> AsyncIterator[bytes]:
        pending: list[tuple[int, bytes | None]] = []
        row = 0

        async def flush() -> bytes:
            data, decided, refused = await run_in_threadpool(
                _batch_rows, served, recorder, pending, trace)
            for regency, outcome in decided:
                metrics.decision(regency, outcome)
            if refused:
                metrics.refused.labels("batch_row").inc(refused)
            pending.clear()
            return data

        async for line in _lines(request):
            row += 1
            pending.append((row, line))
            if len(pending) >= BATCH_ROWS:
                yield await flush()
        if pending:
            yield await flush()

    return RowStream(rows(), media_type="application/x-ndjson",
                             headers={POLICY_SET: served.fingerprint})


# --- validate ----------------------------------------------------------------------------

def _validate(text: str, file: str) -> dict[str, Any]:
    try:
        loaded = load_policy_text(text, file)
    except PolicyError as exc:
        return {"valid": False, "file": file, "regency": None,
                "diagnostics": [d.to_json() for d in exc.diagnostics],
                "findings": [], "acknowledged": []}
    findings = check_policy(compile_policy(loaded))
    findings.sort(key=lambda f: (not f.blocking, f.regency, f.version, f.at, f.message_en))
    return {"valid": True, "file": file, "regency": loaded.policy.regency, "diagnostics": [],
            "findings": [f.to_json() for f in findings if f.blocking],
            "acknowledged": [f.to_json() for f in findings if not f.blocking]}


@router.post("/validate", tags=["policies"], summary="validate and check a policy (YAML text)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/yaml": {"schema": {"type": "string"}},
                 "text/plain": {"schema": {"type": "string"}}}}},
             responses={200: {"description": "`valid`, `diagnostics` (located, bilingual) and "
                              "the `check` findings (`findings`, `acknowledged`); nothing "
                              "is stored"}})
async def validate(request: Request,
                   file: Annotated[str, Query(max_length=200, description=(
                       "the name messages give the text"))] = "policy.yaml",
                   ) -> JSONResponse:
    text = _text(await request.body(), PolicyError)
    name = "".join(c for c in file if c.isprintable()) or "policy.yaml"
    return JSONResponse(await run_in_threadpool(_validate, text, name))


# --- policies ----------------------------------------------------------------------------

def _source(served: Served, regency: str) -> PolicySource:
    found = served.sources.get(normalize_regency(regency))
    if found is None:
        known = ", ".join(served.policies.regencies()) or "-"
        raise NotFound([diag(
            "JKN-C100", f"tidak ada kebijakan untuk kabupaten '{regency}' (dimuat: {known})",
            f"no policy for regency '{regency}' (loaded: {known})",
            hint_id="kabupaten yang dikenal: " + ", ".join(REGENCIES),
            hint_en="known regencies: " + ", ".join(REGENCIES))])
    return found


class NotFound(JknrulesError):
    """Answered 404 (an unknown regency or schema)."""


def _history(source: PolicySource, as_of: dt.date | None) -> dict[str, Any]:
    entries = audit_history.history(source)
    data: dict[str, Any] = json.loads(audit_history.to_json(source, entries, as_of))
    return data


def _today(source: PolicySource) -> dt.date:
    return dt.datetime.now(source.compiled.calendar.zone).date()


@router.get("/policies", tags=["policies"], summary="the policies in force: regencies, "
            "versions, fingerprints")
async def policies(request: Request) -> JSONResponse:
    served: Served = request.app.state.served
    out = []
    for regency in served.policies.regencies():
        compiled = served.policies.get(regency)
        policy = compiled.policy
        source = served.sources.get(regency)
        out.append({
            "regency": regency, "name": policy.name, "bps_code": policy.bps_code,
            "time_zone": policy.time_zone, "file": compiled.file,
            "versions": _history(source, None)["versions"] if source else [
                {"effective_from": v.effective_from.isoformat(), "sha256": v.sha256}
                for v in compiled.versions],
        })
    return JSONResponse({"fingerprint": served.fingerprint,
                         "loaded_at": served.loaded_at.isoformat(),
                         "signed": served.signed, "policies": out},
                        headers={POLICY_SET: served.fingerprint})


@router.get("/policies/{regency}", tags=["policies"],
            summary="the version in force on a date, its history and its Standar Pelayanan",
            responses={404: _ERROR, 422: _ERROR})
async def policy(request: Request, regency: str,
                 as_of: Annotated[dt.date | None, Query(description=(
                     "YYYY-MM-DD (default: today in the regency's time zone)"))] = None,
                 ) -> JSONResponse:
    served: Served = request.app.state.served
    source = _source(served, regency)
    day = as_of or _today(source)
    snapshot = source.require_at(day)
    document = build_document(snapshot, day)
    data = _history(source, day)
    data["time_zone"] = source.policy.time_zone
    data["version"] = {"effective_from": snapshot.effective_from.isoformat(),
                       "sha256": snapshot.version.sha256}
    data["standar_pelayanan"] = {"md": {"id": document_markdown(document, "id"),
                                        "en": document_markdown(document, "en")}}
    return JSONResponse(data, headers={POLICY_SET: served.fingerprint})


@router.get("/policies/{regency}/diff", tags=["policies"],
            summary="the semantic difference between the versions in force on two dates",
            responses={200: {"description": "the diff report (`schemas/diff`), or Markdown",
                             "content": {"application/json": {"schema": {
                                 "$ref": "#/components/schemas/DiffReport"}},
                                 "text/markdown": {}}},
                       404: _ERROR, 422: _ERROR})
async def diff(request: Request, regency: str,
               from_: Annotated[dt.date, Query(alias="from", description="YYYY-MM-DD")],
               to: Annotated[dt.date, Query(description="YYYY-MM-DD")],
               format: Annotated[str, Query(pattern="^(json|md)$")] = "json",
               ) -> Response:
    served: Served = request.app.state.served
    source = _source(served, regency)
    rid = source.policy.regency
    old = Operand(source, from_, f"{rid}@{from_.isoformat()}")
    new = Operand(source, to, f"{rid}@{to.isoformat()}")
    report = await run_in_threadpool(build_report, old, new)
    if format == "md":
        return Response(diff_markdown(report), media_type="text/markdown; charset=utf-8",
                        headers={POLICY_SET: served.fingerprint})
    return Response(diff_json(report), media_type="application/json",
                    headers={POLICY_SET: served.fingerprint})


@router.get("/schemas/{name}", tags=["schemas"], summary="a JSON Schema",
            responses={404: _ERROR})
async def schema(name: str) -> Response:
    if name not in schemas.MODELS:
        raise NotFound([diag("JKN-S020", f"skema tidak dikenal: {name[:40]!r}",
                              f"unknown schema: {name[:40]!r}",
                              hint_id="skema: " + ", ".join(schemas.MODELS),
                              hint_en="schemas: " + ", ".join(schemas.MODELS))])
    return Response(schemas.schema_text(name), media_type="application/schema+json")


# --- admin -------------------------------------------------------------------------------

@router.post("/admin/reload", tags=["admin"], dependencies=[Depends(require_admin)],
             summary="load the policy set again; a set that does not load is refused",
             responses={200: {"description": "the new set is in force"},
                        409: {"description": "the new set was refused (its diagnostics); the "
                              "old one keeps serving", "content": {"application/json": {
                                  "schema": {"$ref": "#/components/schemas/Error"}}}}})
async def reload(request: Request) -> JSONResponse:
    before: Served = request.app.state.served
    try:
        new: Served = await run_in_threadpool(request.app.state.reloader.reload)
    except JknrulesError as exc:
        refused = errors.body("reload_refused", "kumpulan kebijakan baru ditolak; yang lama "
                              "tetap berlaku", "the new policy set was refused; the old one "
                              "keeps serving", exc.diagnostics)
        return JSONResponse(refused, status_code=409, headers={POLICY_SET: before.fingerprint})
    if request.app.state.config.workers > 1 and hasattr(signal, "SIGHUP"):
        # the other workers: uvicorn's supervisor replaces them one by one on SIGHUP
        os.kill(os.getppid(), signal.SIGHUP)
    return JSONResponse({"status": "reloaded", "fingerprint": new.fingerprint,
                         "previous": before.fingerprint, "loaded_at": new.loaded_at.isoformat(),
                         "changed": new.fingerprint != before.fingerprint},
                        headers={POLICY_SET: new.fingerprint})
