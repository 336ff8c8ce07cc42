"""Error responses: one JSON shape for every error the server answers, never a traceback.

    {"error": "invalid_case", "message": {"id": "…", "en": "…"},
     "diagnostics": [Diagnostic.to_json(), …]}

A :class:`~jknrules.CaseError` is 422 ``invalid_case`` with the located, bilingual
diagnostics of the CLI; a :class:`~jknrules.PolicyError` 422 ``invalid_policy``; any
other :class:`~jknrules.JknrulesError` 422 ``invalid_input``. The server's own refusals
carry codes ``JKN-S…``: ``S001``–``S003`` API keys and binding, ``S010`` body too large
(413), ``S011`` not a JSON/text body (415), ``S012`` request parameters, ``S013`` a page's
form without its session's CSRF token (403), ``S020``
unknown path (404), ``S021`` method not allowed (405), ``S030`` reload refused,
``S031`` not ready (503), ``S099`` internal error (500, logged without the request's
content).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jknrules.errors import CaseError, Diagnostic, JknrulesError, PolicyError, diag

log = logging.getLogger("jknrules.serve")

_KINDS: dict[type[JknrulesError], tuple[str, str, str]] = {
    CaseError: ("invalid_case", "kasus tidak valid", "invalid case"),
    PolicyError: ("invalid_policy", "kebijakan tidak valid", "invalid policy"),
}


def body(error: str, message_id: str, message_en: str,
         diagnostics: Iterable[Diagnostic] = ()) -> dict[str, Any]:
    return {"error": error, "message": {"id": message_id, "en": message_en},
            "diagnostics": [d.to_json() for d in diagnostics]}


def problem(status: int, error: str, code: str, message_id: str, message_en: str,
            headers: dict[str, str] | None = None) -> JSONResponse:
    """A refusal of the server's own (``JKN-S…``) as a response."""
    return JSONResponse(body(error, message_id, message_en,
                             [diag(code, message_id, message_en)]),
                        status_code=status, headers=headers)


def jknrules_error(exc: JknrulesError, status: int = 422) -> JSONResponse:
    """A :class:`JknrulesError` as its response (422 unless told; 404 is ``not_found``)."""
    error, m_id, m_en = "invalid_input", "masukan tidak valid", "invalid input"
    for kind, words in _KINDS.items():
        if isinstance(exc, kind):
            error, m_id, m_en = words
            break
    if status == 404:
        error, m_id, m_en = "not_found", "tidak ditemukan", "not found"
    return JSONResponse(body(error, m_id, m_en, exc.diagnostics), status_code=status)


def install(app: FastAPI) -> None:
    """The app's exception handlers: every error in the shape above."""

    @app.exception_handler(JknrulesError)
    async def _jknrules(request: Request, exc: JknrulesError) -> JSONResponse:
        return jknrules_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _params(request: Request, exc: RequestValidationError) -> JSONResponse:
        diags = []
        for e in exc.errors()[:20]:
            where = ".".join(str(p) for p in e.get("loc", ()))
            text = str(e.get("msg", ""))[:200]
            diags.append(diag("JKN-S012", f"parameter permintaan tidak valid: {where}: {text}",
                              f"invalid request parameter: {where}: {text}",
                              path=[str(p) for p in e.get("loc", ())]))
        return JSONResponse(body("invalid_request", "permintaan tidak valid",
                                 "invalid request", diags), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return problem(404, "not_found", "JKN-S020", f"tidak ditemukan: {request.url.path}",
                           f"not found: {request.url.path}")
        if exc.status_code == 405:
            return problem(405, "method_not_allowed", "JKN-S021",
                           f"metode {request.method} tidak diizinkan di {request.url.path}",
                           f"method {request.method} not allowed on {request.url.path}",
                           headers=dict(exc.headers or {}))
        return problem(exc.status_code, "http_error", "JKN-S012", str(exc.detail),
                       str(exc.detail), headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        # the request's content (a case: a NIK) is never logged; the exception's type and
        # the path are, and the traceback only with JKNRULES_DEBUG
        log.error("internal error on %s %s: %s", request.method, request.url.path,
                  type(exc).__name__, exc_info=bool(os.environ.get("JKNRULES_DEBUG")))
        return problem(500, "internal_error", "JKN-S099",
                       "kesalahan internal; laporkan sebagai bug",
                       "internal error; please report it as a bug")
