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

import json
import os
import signal
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from jknrules.engine.result import Result
from jknrules.errors import CaseError, Diagnostic, JknrulesError, Span, diag
from jknrules.language.case import Case
from jknrules.load.reader import MAX_FILE_BYTES, first_line_bom
from jknrules.serve import errors, policies
from jknrules.serve.decide import DECISION_ID, POLICY_SET, REQUEST, body_text, decide, flag
from jknrules.serve.policies import NotFound
from jknrules.serve.recorder import Recorder
from jknrules.serve.security import key_name, require_admin
from jknrules.serve.state import Served

__all__ = ["DECISION_ID", "POLICY_SET", "NotFound", "decide", "router"]

#: API keys are checked before any route (``security.KeyCheck``), the admin key here
router = APIRouter(prefix="/v1")

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


_TRACE = {"name": "trace", "in": "query", "required": False,
          "description": "include the rule trace (default true)",
          "schema": {"type": "boolean", "default": True}}

async def _recorded(request: Request, case: Case | dict[str, Any], result: Result
                    ) -> str | None:
    recorder: Recorder | None = request.app.state.recorder
    if recorder is None:
        return None
    return await run_in_threadpool(recorder.append, case, result, key_name(request))



@router.post("/evaluate", tags=["evaluate"], summary="evaluate one case",
             openapi_extra={"requestBody": _CASE_BODY, "parameters": [_TRACE]},
             responses={200: _RESULT, 422: _ERROR, 503: {
                 "description": "the decision could not be recorded (--record)"}},
             response_class=Response)
async def evaluate(request: Request) -> Response:
    served: Served = request.app.state.served
    metrics = request.app.state.metrics
    trace = flag(request, "trace", True)
    text = body_text(await request.body(), CaseError)
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
                trace: bool, by: str | None = None) -> tuple[bytes, list[tuple[str, str]], int]:
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
                line, stray = first_line_bom(line, row, REQUEST)
                if stray is not None:  # as jknrules batch: only the first line's is dropped
                    raise CaseError([stray])
                text = body_text(line, CaseError)
                if not text.strip():
                    raise CaseError([diag("JKN-C001", "baris kosong", "empty line",
                                          span=Span(REQUEST, row, 1))])
                case, result = decide(served, text, trace=trace, line=row)
                item = {"row": row, **result.to_dict(), "error": None}
                if recorder is not None:
                    item["decision_id"] = recorder.append(case, result, by)
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
    by = key_name(request)

    async def rows() -> AsyncIterator[bytes]:
        pending: list[tuple[int, bytes | None]] = []
        row = 0

        async def flush() -> bytes:
            data, decided, refused = await run_in_threadpool(
                _batch_rows, served, recorder, pending, trace, by)
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


# after the routes above: a request is matched against the routes in order, and
# ``/v1/evaluate`` is the one called most
router.include_router(policies.router)
