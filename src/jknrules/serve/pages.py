"""The pages of ``jknrules serve``, for people: Loket, Kebijakan and Periksa.

- ``/`` **Loket**: the counter officer fills in a case (a form generated from the case
  field catalogue, :mod:`jknrules.serve.forms`), ticks the documents brought and sees
  the decision; ``POST /cetak`` gives the applicant's receipt ("Tanda Terima / Daftar
  Kelengkapan Berkas") for the same form.
- ``/kebijakan/{regency}`` **Kebijakan**: the Standar Pelayanan in force, the history
  of versions, and ``/kebijakan/{regency}/perbedaan`` the semantic diff of two versions.
- ``/periksa`` **Periksa**: a pasted or uploaded policy validated and checked; nothing
  is stored.
- ``/masuk`` and ``/keluar``: signing in and out when the server has keys
  (:mod:`jknrules.serve.signin` guards every page then; each form carries its CSRF token).

With ``--record``, a decision shown on the Loket is recorded once: the form then carries
the record's id and a seal (an HMAC with the server's secret over the id, the case and
the deciding policy's fingerprint), and the receipt, a language switch or a second
press of Periksa on the same case reuse that id instead of recording again; a changed
case is a new decision, recorded anew.

A body past the size limit is answered with a page (413, :func:`too_large`), not the
API's JSON.

Bahasa Indonesia first; ``?lang=en`` switches to English. Every page works without
script (plain links and form posts); ``/aset/pages.js`` only adds conveniences. Every
asset comes from the server itself (``/aset/…``) and each page says so in its
Content-Security-Policy. Text a policy author or an officer wrote is escaped by the
templates (Jinja2 with autoescape on). Each request reads the served policy set once
(``request.app.state.served``), so a reload never mixes two sets in one answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse

from jknrules.api import as_case, evaluate
from jknrules.audit.diff.format import AREA_TITLES, KIND_TITLES
from jknrules.audit.history import change_line
from jknrules.audit.render.html import CSS as STANDAR_PELAYANAN_CSS
from jknrules.audit.render.html import body_html
from jknrules.audit.versions import PolicySource
from jknrules.audit.wording import ZONES
from jknrules.errors import Diagnostic, JknrulesError, PolicyError, diag
from jknrules.load.policyset import PolicySet
from jknrules.load.reader import MAX_FILE_BYTES
from jknrules.load.reader import too_large as too_large_file
from jknrules.serve import examine as ex
from jknrules.serve import forms, policyview, signin, views
from jknrules.serve.security import Scope, identify, key_name
from jknrules.serve.words import LANGS, UI, Say, lang_of

router = APIRouter(include_in_schema=False)

#: A Loket form is a few hundred bytes; anything near this is not one.
MAX_FORM_BYTES = 64 * 1024
#: Periksa: one policy text (pasted or uploaded, at most MAX_FILE_BYTES) and room for the
#: multipart framing (the server's own body limit, ``--max-body``, may be lower).
MAX_PERIKSA_BYTES = MAX_FILE_BYTES + 64 * 1024
#: the multipart framing around an uploaded file
FRAMING_BYTES = 64 * 1024
#: the sign-in form: a key and where to go next
MAX_SIGNIN_BYTES = 8 * 1024

#: Nothing from elsewhere: scripts, styles, images, fonts and form targets are the
#: server's own, and no inline script or style runs.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")

_ASSETS = {
    "pages.css": "text/css; charset=utf-8",
    "pages.js": "text/javascript; charset=utf-8",
}

# Jinja2's environment holds configuration and its own thread-safe template cache; it is
# built once, like the router (docs/architecture.md, "Departures").
_TEMPLATES = Environment(
    loader=PackageLoader("jknrules.serve", "templates"), autoescape=True,
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)


class Served(Protocol):
    """What the server holds (``request.app.state.served``), replaced whole on reload."""

    @property
    def policies(self) -> PolicySet: ...

    @property
    def folder(self) -> Path: ...


_REFUSED = {413: "toolarge", 403: "forbidden"}


class _Refused(Exception):
    """A request the pages do not read (too large, no length, not a form)."""

    def __init__(self, status: int, message: Diagnostic) -> None:
        super().__init__(message.message_en)
        self.status = status
        self.message = message


# --- rendering ---------------------------------------------------------------------

def _say(request: Request) -> Say:
    return Say(lang_of(request.query_params.get("lang")))


def _url(say: Say, path: str, params: Mapping[str, str] | None = None) -> str:
    """``path`` with ``params`` and, in English, ``lang=en``."""
    query = {k: v for k, v in (params or {}).items() if v}
    if say.lang != "id":
        query["lang"] = say.lang
    return path + ("?" + urlencode(query) if query else "")


def _switch_url(request: Request, say: Say) -> str:
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    if say.other != "id":
        query["lang"] = say.other
    return request.url.path + ("?" + urlencode(query) if query else "")


def _page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    say = context.pop("say", None) or _say(request)
    body = _TEMPLATES.get_template(template).render(
        say=say, url=lambda path, params=None: _url(say, path, params),
        switch_url=_switch_url(request, say), langs=LANGS,
        csrf=signin.csrf_token(request), officer=key_name(request), **context)
    return HTMLResponse(body, status_code=status, headers={
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    })


def _problem(request: Request, status: int, title: str, problems: Sequence[Diagnostic]
             ) -> HTMLResponse:
    say = _say(request)
    return _page(request, "problem.html", status=status, say=say, title=say(title),
                 problems=problems, active="")


def _served(request: Request) -> Served:
    served: Served = request.app.state.served
    return served


def _sources(served: Served) -> Mapping[str, PolicySource] | None:
    """The audit view of each policy, when the server prepared it (``Served.sources``)."""
    prepared: Mapping[str, PolicySource] | None = getattr(served, "sources", None)
    return prepared


def _zones(policies: PolicySet) -> dict[str, str]:
    return {p.policy.regency: ZONES.get(p.policy.time_zone, p.policy.time_zone) for p in policies}


# --- reading a form ----------------------------------------------------------------

async def _read_form(request: Request, limit: int, *, csrf: bool = True
                     ) -> tuple[dict[str, list[str]], list[UploadFile]]:
    """The posted form's text fields and files, refusing a body over ``limit`` before
    reading it (a browser always sends the length of a form), and, on a server with
    sign-in, a form without its session's CSRF token (``csrf``: the sign-in form has no
    session yet)."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise _Refused(411, diag("JKN-S012", "kiriman formulir tanpa panjang (Content-Length)",
                                 "a form post without a length (Content-Length)"))
    if int(length) > limit:  # the server's own code for a body past its limit
        raise _Refused(413, diag(
            "JKN-S010", f"kiriman terlalu besar ({length} bita; paling besar {limit} bita)",
            f"the request is too large ({length} bytes; at most {limit} bytes)"))
    try:
        form = await request.form(max_files=1, max_fields=100, max_part_size=limit)
    except HTTPException as exc:  # a malformed multipart body
        raise _Refused(400, diag("JKN-S012", f"formulir tidak terbaca: {exc.detail}",
                                 f"the form cannot be read: {exc.detail}")) from None
    values: dict[str, list[str]] = {}
    files: list[UploadFile] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
        else:
            files.append(value)
    if csrf and not signin.csrf_ok(request, values):
        raise _Refused(403, diag(
            "JKN-S013", "formulir ini bukan dari sesi Anda (kedaluwarsa atau dari halaman "
            "lain); buka halamannya lagi lalu kirim ulang",
            "this form is not from your session (expired, or from another page); open the "
            "page again and send it again"))
    return values, files


# --- Loket -------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
async def loket(request: Request) -> HTMLResponse:
    policies = _served(request).policies
    regencies = policies.regencies()
    chosen = request.query_params.get("regency", "")
    regency = chosen if chosen in regencies else (regencies[0] if regencies else "")
    now = _now(policies)
    values: dict[str, list[str]] = {"regency": [regency], "request": ["register"]}
    if regency:
        values["submitted_at"] = [now[regency]]
    return _loket(request, policies, values, status=200, now=now)


def _now(policies: PolicySet) -> dict[str, str]:
    """The current minute in each regency's zone (the script moves the submission time to
    the chosen regency's when the officer changes the regency before touching the time)."""
    return {p.policy.regency: forms.now_local(p.policy.time_zone) for p in policies}


@router.post("/", response_class=HTMLResponse)
async def loket_post(request: Request) -> HTMLResponse:
    try:
        values, _ = await _read_form(request, MAX_FORM_BYTES)
    except _Refused as exc:
        return _problem(request, exc.status, _REFUSED.get(exc.status, "badform"), [exc.message])
    policies = _served(request).policies
    if "switch" in values and "decided" not in values:  # only the language changed
        return _loket(request, policies, values, status=200)
    return await _decide(request, policies, values, receipt=False)


@router.post("/cetak", response_class=HTMLResponse)
async def receipt(request: Request) -> HTMLResponse:
    try:
        values, _ = await _read_form(request, MAX_FORM_BYTES)
    except _Refused as exc:
        return _problem(request, exc.status, _REFUSED.get(exc.status, "badform"), [exc.message])
    return await _decide(request, _served(request).policies, values, receipt=True)


async def _decide(request: Request, policies: PolicySet, values: dict[str, list[str]], *,
            receipt: bool) -> HTMLResponse:
    say = _say(request)
    data = forms.case_data(values)
    try:
        case = as_case(data)
        result = evaluate(case, policies, trace=False)
    except JknrulesError as exc:
        return _loket(request, policies, values, errors=exc.diagnostics, status=422)
    recorder = getattr(request.app.state, "recorder", None)
    decision_id = ""
    secret: bytes = request.app.state.secret
    given = (values.get("decision_id") or [""])[0]
    if given and hmac.compare_digest((values.get("decision_seal") or [""])[0],
                                     _seal(secret, given, data, result.policy["sha256"])):
        decision_id = given  # this very decision was recorded (and counted) already
    else:
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.decision(result.policy["regency"], result.outcome)
        if recorder is not None:  # --record: a decision the log does not hold is not given
            try:
                decision_id = str(await run_in_threadpool(
                    recorder.append, case, result, key_name(request)))
            except JknrulesError as exc:
                return _problem(request, 503, "unrecorded", exc.diagnostics)
    seal = _seal(secret, decision_id, data, result.policy["sha256"]) if decision_id else ""
    policy = policies.get(result.policy["regency"])
    decision = views.decision(result, policy.policy.time_zone, say, decision_id)
    if not receipt:
        return _loket(request, policies, values, decision=decision, status=200, seal=seal)
    submitted = str(data.get("submitted_at", ""))
    zone = ZONES.get(policy.policy.time_zone, "")
    now = dt.datetime.now(ZoneInfo(policy.policy.time_zone)).replace(microsecond=0)
    return _page(
        request, "cetak.html", say=say, title=say("receipt.title"), active="loket",
        d=decision, regency_name=policy.policy.name,
        submitted=_submitted_words(submitted, policy.policy.time_zone, say),
        nik=views.masked_nik(str(data.get("applicant", {}).get("nik", ""))),
        printed=views.when_in_words(now.isoformat(), zone, say.lang),
        hidden=[*((k, v) for k, vs in values.items() for v in vs if k not in _NOT_CARRIED),
                *((("decision_id", decision_id), ("decision_seal", seal)) if seal else ())])


#: inputs of the Loket form the receipt does not carry back (the seal is made anew)
_NOT_CARRIED = ("switch", "decided", signin.CSRF_FIELD, "decision_id", "decision_seal")


def _seal(secret: bytes, decision_id: str, data: Mapping[str, Any], sha256: str) -> str:
    """The seal binding a recorded decision's id to the case and the policy version that
    decided: the form shows it back, and only the same case decided by the same version
    gets the same id without a new record."""
    case = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    message = "\0".join(("jknrules.decision", decision_id, sha256, case))
    return hmac.new(hashlib.sha256(secret + b"jknrules.seal").digest(),
                    message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _submitted_words(value: str, zone_name: str, say: Say) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(zone_name))
    return views.when_in_words(moment.replace(tzinfo=None).isoformat(),
                               ZONES.get(zone_name, ""), say.lang)


def _loket(request: Request, policies: PolicySet, values: Mapping[str, Sequence[str]], *,
           status: int, errors: Sequence[Diagnostic] = (),
           decision: views.Decision | None = None,
           now: dict[str, str] | None = None, seal: str = "") -> HTMLResponse:
    say = _say(request)
    form = forms.build_form(values, say, policies.regencies(), _zones(policies), errors)
    return _page(request, "loket.html", status=status, say=say, title=say("loket.title"),
                 active="loket", form=form, d=decision, now=now or _now(policies),
                 documents_checked=form.documents_checked, seal=seal)


# --- Kebijakan ---------------------------------------------------------------------

@router.get("/kebijakan", response_class=HTMLResponse)
async def kebijakan_index(request: Request) -> HTMLResponse:
    say = _say(request)
    policies = [p.policy for p in _served(request).policies]
    return _page(request, "kebijakan_index.html", say=say, title=say("kebijakan.title"),
                 active="kebijakan", policies=sorted(policies, key=lambda p: p.regency))


@router.get("/kebijakan/{regency}", response_class=HTMLResponse)
async def kebijakan(request: Request, regency: str) -> HTMLResponse:
    say = _say(request)
    try:
        served = _served(request)
        page = policyview.policy_page(served.policies, regency,
                                      request.query_params.get("as_of"), _sources(served))
    except JknrulesError as exc:
        return _policy_problem(request, exc)
    return _page(
        request, "kebijakan.html", say=say, title=f"{say('kebijakan.sp')} — {page.source.policy.name}",
        active="kebijakan", page=page, policy=page.source.policy,
        document=body_html(page.document, say.lang), change_line=change_line,
        versions=policyview.versions(page.source), zone=ZONES.get(page.source.policy.time_zone, ""))


@router.get("/kebijakan/{regency}/perbedaan", response_class=HTMLResponse)
async def perbedaan(request: Request, regency: str) -> HTMLResponse:
    say = _say(request)
    q = request.query_params
    try:
        served = _served(request)
        source, report = policyview.diff_report(served.policies, regency, q.get("from"),
                                                q.get("to"), _sources(served))
    except JknrulesError as exc:
        return _policy_problem(request, exc)
    return _page(request, "perbedaan.html", say=say, title=say("diff.title"), active="kebijakan",
                 policy=source.policy, report=report, versions=policyview.versions(source),
                 areas=AREA_TITLES, kinds=KIND_TITLES,
                 chosen=(report.comparisons[0].old, report.comparisons[0].new))


def _policy_problem(request: Request, exc: JknrulesError) -> HTMLResponse:
    unknown = any(d.code in ("JKN-C100", "JKN-A001") for d in exc.diagnostics)
    return _problem(request, 404 if unknown else 422, "notfound" if unknown else "errors.title",
                    exc.diagnostics)


# --- Periksa -----------------------------------------------------------------------

def file_limit(max_body: int) -> int:
    """The largest policy file Periksa takes on a server whose body limit is
    ``max_body``."""
    return min(MAX_FILE_BYTES, max_body)


def body_limits(max_body: int) -> dict[str, int]:
    """The body limit of each page path that takes more than the server's (``create_app``
    gives them to the size limit): Periksa takes a file of :func:`file_limit` bytes and
    its multipart framing."""
    return {"/periksa": file_limit(max_body) + FRAMING_BYTES}


async def too_large(scope: Scope, limit: int) -> Response:
    """The page answering a body past the size limit (413), in the page's language."""
    request = Request(scope)
    return _problem(request, 413, "toolarge", [diag(
        "JKN-S010", f"kiriman terlalu besar (batas {limit:,} bita)".replace(",", "."),
        f"the request is too large (limit {limit:,} bytes)",
        hint_id="periksa berkas yang lebih kecil, atau pecah berkasnya",
        hint_en="check a smaller file, or split the file")])


def _periksa_limit(request: Request) -> int:
    return file_limit(request.app.state.config.max_body_bytes)


@router.get("/periksa", response_class=HTMLResponse)
async def periksa(request: Request) -> HTMLResponse:
    say = _say(request)
    return _page(request, "periksa.html", say=say, title=say("periksa.title"), active="periksa",
                 text="", report=None, problems=(), limit=_periksa_limit(request),
                 line_of=ex.line_of)


@router.post("/periksa", response_class=HTMLResponse)
async def periksa_post(request: Request) -> HTMLResponse:
    say = _say(request)
    limit = _periksa_limit(request)
    try:
        values, files = await _read_form(request, limit + FRAMING_BYTES)
    except _Refused as exc:
        return _problem(request, exc.status, _REFUSED.get(exc.status, "badform"), [exc.message])
    text = (values.get("yaml") or [""])[0].replace("\r\n", "\n")
    if "switch" in values and "checked" not in values:  # only the language changed
        return _page(request, "periksa.html", say=say, title=say("periksa.title"),
                     active="periksa", text=text, report=None, problems=(), limit=limit,
                     line_of=ex.line_of)
    name = ex.PASTED
    problems: tuple[Diagnostic, ...] = ()
    upload = next((f for f in files if f.filename), None)
    if upload is not None:
        name = ex.file_name(upload.filename)
        try:
            data = await upload.read(limit + 1)
            if len(data) > limit:
                raise PolicyError([too_large_file(name, limit)])
            text = ex.text_of(data, name)
        except JknrulesError as exc:
            problems, text = exc.diagnostics, ""
    report = ex.examine(text, name) if text.strip() and not problems else None
    if report is None and not problems:
        problems = (diag("JKN-F001", "tidak ada isi yang diperiksa", "nothing to check",
                         hint_id=UI["periksa.empty"][0], hint_en=UI["periksa.empty"][1]),)
    status = 422 if problems or (report is not None and not report.valid) else 200
    return _page(request, "periksa.html", status=status, say=say, title=say("periksa.title"),
                 active="periksa", text=text, report=report, problems=problems,
                 limit=limit, line_of=ex.line_of)


# --- signing in (jknrules.serve.signin) ----------------------------------------------

@router.get(signin.SIGN_IN, response_class=HTMLResponse)
async def sign_in(request: Request) -> HTMLResponse:
    say = _say(request)
    target = signin.next_target(request.query_params.get("next", "/"), "")
    return _page(request, "masuk.html", say=say, title=say("signin.title"), active="",
                 target=target, wrong=False,
                 open=getattr(request.app.state, "sessions", None) is None)


@router.post(signin.SIGN_IN, response_model=None)
async def sign_in_post(request: Request) -> Response:
    say = _say(request)
    try:
        values, _ = await _read_form(request, MAX_SIGNIN_BYTES, csrf=False)
    except _Refused as exc:
        return _problem(request, exc.status, _REFUSED.get(exc.status, "badform"), [exc.message])
    sessions: signin.Sessions | None = request.app.state.sessions
    target = signin.next_target((values.get("next") or ["/"])[0], "")
    if sessions is None:
        return RedirectResponse(target, status_code=303)
    name = identify((values.get("key") or [""])[0].strip(), request.app.state.named_keys)
    if name is None:
        return _page(request, "masuk.html", status=401, say=say, title=say("signin.title"),
                     active="", target=target, wrong=True, open=False)
    answer = RedirectResponse(target, status_code=303)
    answer.headers.append("set-cookie", sessions.set_cookie(sessions.issue(name)))
    answer.headers["cache-control"] = "no-store"
    return answer


@router.post(signin.SIGN_OUT, response_model=None)
async def sign_out(request: Request) -> Response:
    try:
        await _read_form(request, MAX_SIGNIN_BYTES)
    except _Refused as exc:
        return _problem(request, exc.status, _REFUSED.get(exc.status, "badform"), [exc.message])
    sessions: signin.Sessions | None = request.app.state.sessions
    answer = RedirectResponse(_url(_say(request), signin.SIGN_IN), status_code=303)
    if sessions is not None:
        answer.headers.append("set-cookie", sessions.clear_cookie())
    return answer


# --- assets --------------------------------------------------------------------------

@router.get("/aset/{name}")
async def asset(name: str) -> Response:
    """The pages' own style sheets and script (a fixed list: no path is read from the URL)."""
    if name == "standar-pelayanan.css":
        body = STANDAR_PELAYANAN_CSS.encode("utf-8")
        media = "text/css; charset=utf-8"
    elif name in _ASSETS:
        body = resources.files("jknrules.serve").joinpath("static", name).read_bytes()
        media = _ASSETS[name]
    else:
        return Response("not found\n", status_code=404, media_type="text/plain")
    return Response(body, media_type=media, headers={
        "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})
