"""The ASGI application of ``jknrules serve``: :func:`create_app`.

Interface for code that plugs into the server (the pages, ``jknrules.serve.pages``):

- ``create_app(config: ServeConfig) -> fastapi.FastAPI`` loads the policy set (raising
  :class:`~jknrules.JknrulesError` when it does not load or, with
  ``config.require_signed``, does not verify) and builds the app.
- ``app.state.served`` is a frozen :class:`~jknrules.serve.state.Served`: ``policies``
  (the :class:`~jknrules.PolicySet`), ``folder`` (the policy folder, a ``Path``),
  ``origin``, ``loaded_at`` (UTC ``datetime``), ``fingerprint`` (of the whole set),
  ``signed``, and ``sources`` (regency id → the audit layer's ``PolicySource``: history,
  rendering, diff). A reload replaces the object whole, so a request that reads
  ``request.app.state.served`` **once** and uses only that object is answered wholly by
  one set. Never keep it between requests.
- ``app.state.config`` is the :class:`~jknrules.serve.config.ServeConfig`;
  ``app.state.metrics`` the :class:`~jknrules.serve.metrics.Metrics` (call
  ``metrics.decision(regency, outcome)`` for an evaluation made outside ``/v1``);
  ``app.state.recorder`` the :class:`~jknrules.serve.recorder.Recorder` (``None`` without
  ``--record``); ``app.state.tracker`` the
  :class:`~jknrules.serve.tracking.Tracker` (``None`` without ``--track``).
- If the module ``jknrules.serve.pages`` exists, its ``router`` (a FastAPI
  ``APIRouter``) is included after the API, and its ``install(app)``, if it has one, is
  called (for mounts such as static files); its ``too_large(scope, limit)``, if it has
  one, answers a page's body past the size limit (a page, not JSON). Pages must load nothing from outside the
  server (no CDN): their assets are served by the server itself.
- Keys: every path under ``/v1/`` and ``/metrics`` needs one when the server has keys
  (checked before routing, :class:`~jknrules.serve.security.KeyCheck`); every other
  path but the service routes, the documentation and ``/aset/`` needs a signed-in
  session then (:class:`~jknrules.serve.signin.SignIn`: a new page is guarded without
  doing anything; its forms carry ``csrf_token(request)`` and its POST handler checks
  :func:`~jknrules.serve.signin.csrf_ok`). An admin action depends on
  :func:`~jknrules.serve.security.require_admin` (always a key).
  :func:`jknrules.serve.security.key_name` is the name of the key a request came with
  (record it, never the key). ``app.state.sessions`` is ``None`` on an open server;
  ``app.state.secret`` signs sessions and receipts.
- Errors: raise :class:`~jknrules.JknrulesError` (422 with the located bilingual
  diagnostics, :mod:`jknrules.serve.errors`); nothing ever answers with a traceback.

What the app serves: the API under ``/v1`` (:mod:`jknrules.serve.api`), ``/health``,
``/ready``, ``/metrics``, ``/openapi.json`` and the interactive documentation at
``/docs`` (Swagger UI) and ``/redoc``, whose scripts and styles the server serves itself
from the ``fastapi-offline`` package (an office may have no internet).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator
from importlib import import_module
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from jknrules import __version__
from jknrules.errors import JknrulesError
from jknrules.serve import api, errors, openapi, tracker, tracking
from jknrules.serve.config import ServeConfig, read_named_keys, server_secret
from jknrules.serve.metrics import Metrics, Observe
from jknrules.serve.security import BodyLimit, KeyCheck, KeyRefused, refusal_body
from jknrules.serve.signin import Sessions, SignIn
from jknrules.serve.state import Served, load_served

log = logging.getLogger("jknrules.serve")

#: where the documentation pages' scripts and styles are served from
DOCS_ASSETS = "/docs-assets"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"

DESCRIPTION = """\
Evaluasi kasus pendaftaran JKN terhadap kebijakan kabupaten yang berversi. /
Evaluate JKN enrollment cases against versioned regency policies.

Every answer cites the clause of the signed document that justifies it and the
fingerprint (`sha256`) of the policy content that decided. Errors are JSON:
`{"error", "message": {"id", "en"}, "diagnostics": [{"code", "message", "file", "line",
"column", "path", "hint"}]}`. With API keys configured, send `Authorization: Bearer KEY`.
"""


class Reloader:
    """Replaces ``app.state.served`` with a newly loaded set, one reload at a time; a set
    that does not load (or verify) is refused and the old one keeps serving."""

    def __init__(self, app: FastAPI, config: ServeConfig) -> None:
        self.app, self.config = app, config
        self._lock = threading.Lock()

    def reload(self) -> Served:
        """Load the set again and put it in force; raises ``JknrulesError`` (nothing
        replaced) when it does not load."""
        metrics: Metrics = self.app.state.metrics
        with self._lock:
            try:
                new = load_served(self.config)
            except JknrulesError:
                metrics.reloads.labels("refused").inc()
                raise
            self.app.state.served = new
            metrics.served(new)
            metrics.reloads.labels("ok").inc()
        return new

    def reload_logged(self) -> None:
        """:meth:`reload`, reporting in the log (the SIGHUP handler)."""
        try:
            new = self.reload()
        except JknrulesError as exc:
            log.error("reload refused, the policy set in force is kept: %s", exc.summary("en"))
        except Exception as exc:  # noqa: BLE001 - a signal handler never stops the server
            log.error("reload failed, the policy set in force is kept: %s",
                      type(exc).__name__)
        else:
            log.info("policies reloaded: %s", new.fingerprint)


def create_app(config: ServeConfig | None = None) -> FastAPI:
    """The server's app for ``config`` (default: the CLI's defaults); see the module."""
    config = config or ServeConfig()
    served = load_served(config)
    named = read_named_keys(config)
    keys = tuple(k.secret for k in named)
    secret = server_secret(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        hooked = False
        if config.handle_sighup and hasattr(signal, "SIGHUP"):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(
                None, app.state.reloader.reload_logged))
            hooked = True
        try:
            with tracker.running(app.state.tracker):
                yield
        finally:
            if hooked:
                loop.remove_signal_handler(signal.SIGHUP)

    app = FastAPI(title="jknrules", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.config = config
    app.state.served = served
    app.state.api_keys = keys
    app.state.secret = secret
    app.state.named_keys = named
    app.state.sessions = Sessions(secret, named, config.session_seconds,
                                  config.secure_cookies) if named else None
    app.state.metrics = Metrics()
    app.state.metrics.served(served)
    app.state.reloader = Reloader(app, config)
    app.state.recorder = None
    if config.record is not None:
        from jknrules.serve.recorder import Recorder

        app.state.recorder = Recorder(config)

    app.state.tracker = tracker.tracker(config)

    errors.install(app)

    @app.exception_handler(KeyRefused)
    async def _refused(request: Request, exc: KeyRefused) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(refusal_body(exc), status_code=exc.status, headers=headers)

    @app.exception_handler(api.NotFound)
    async def _not_found(request: Request, exc: api.NotFound) -> JSONResponse:
        return errors.jknrules_error(exc, 404)

    app.include_router(api.router)  # first: routes are matched in order
    app.include_router(tracking.router)
    _service_routes(app)
    _docs(app)
    pages = _pages(app)
    _pemantauan(app)
    openapi.install(app)

    # outermost last: the size limit first, then metrics, then CORS (only if configured)
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(SignIn, sessions=app.state.sessions)
    app.add_middleware(KeyCheck, keys=named)
    app.add_middleware(Observe, metrics=app.state.metrics)
    limits = {"/v1/batch": config.max_batch_bytes,
              **getattr(pages, "body_limits", lambda _: {})(config.max_body_bytes)}
    app.add_middleware(BodyLimit, limit=config.max_body_bytes, limits=limits,
                       page=getattr(pages, "too_large", None))
    return app


def _pages(app: FastAPI) -> Any:
    try:
        pages: Any = import_module("jknrules.serve.pages")
    except ModuleNotFoundError as exc:
        if exc.name != "jknrules.serve.pages":
            raise
        return None
    app.include_router(pages.router)
    install = getattr(pages, "install", None)
    if install is not None:
        install(app)
    return pages


def _pemantauan(app: FastAPI) -> None:
    """The Pemantauan page, with the other pages (it renders with their templates)."""
    try:
        from jknrules.serve import pemantauan
    except ModuleNotFoundError as exc:  # the pages' packages (jinja2) are missing
        if (exc.name or "").startswith("jknrules"):
            raise
        return
    app.include_router(pemantauan.router)


def _service_routes(app: FastAPI) -> None:
    @app.get("/health", tags=["service"], summary="the process answers")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["service"], summary="a policy set is loaded and in force",
             responses={503: {"description": "no policy set in force"}})
    async def ready(request: Request) -> JSONResponse:
        served: Served | None = getattr(request.app.state, "served", None)
        if served is None:
            return errors.problem(503, "not_ready", "JKN-S031", "belum siap", "not ready")
        return JSONResponse({"status": "ready", "fingerprint": served.fingerprint,
                             "loaded_at": served.loaded_at.isoformat(),
                             "signed": served.signed,
                             "regencies": served.policies.regencies()})

    @app.get("/metrics", tags=["service"], summary="Prometheus metrics (API key when the "
             "server has keys)", response_class=Response)
    async def metrics(request: Request) -> Response:
        text: Response = request.app.state.metrics.text()
        return text


def _docs(app: FastAPI) -> None:
    app.mount(DOCS_ASSETS, StaticFiles(directory=_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json", title="jknrules — API",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json", title="jknrules — API",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png", with_google_fonts=False)
