"""The policy endpoints of ``/v1``: validate a policy text, the policies in force, one
regency's version on a date and its Standar Pelayanan, the diff of two dates, the
schemas."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from jknrules.analysis.check import check_policy
from jknrules.audit import history as audit_history
from jknrules.audit.diff.compare import build_report
from jknrules.audit.diff.format import to_json as diff_json
from jknrules.audit.diff.format import to_markdown as diff_markdown
from jknrules.audit.render.document import build as build_document
from jknrules.audit.render.document import to_markdown as document_markdown
from jknrules.audit.versions import Operand, PolicySource
from jknrules.engine.compiler import compile_policy
from jknrules.errors import JknrulesError, PolicyError, diag
from jknrules.language import schemas
from jknrules.language.vocab import REGENCIES, normalize_regency
from jknrules.load.loader import load_policy_text
from jknrules.serve.decide import POLICY_SET, body_text
from jknrules.serve.state import Served

#: included by ``serve.api.router`` under ``/v1``
router = APIRouter()

_ERROR = {"description": "located, bilingual diagnostics", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


# --- validate ----------------------------------------------------------------------------

def _validate(text: str, file: str) -> dict[str, Any]:
    try:
        loaded = load_policy_text(text, file)
    except PolicyError as exc:
        return {"valid": False, "file": file, "regency": None,
                "diagnostics": [d.to_json() for d in exc.diagnostics],
                "findings": [], "acknowledged": []}
    findings = check_policy(compile_policy(loaded))
    findings.sort(key=lambda f: (not f.blocking, f.regency, f.version, f.at, f.message.en))
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
    text = body_text(await request.body(), PolicyError)
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


