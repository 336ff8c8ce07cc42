"""API keys and request size.

Keys are bearer tokens (``Authorization: Bearer KEY``), compared with
:func:`hmac.compare_digest` against every configured key (the time taken does not
depend on which key, or how much of one, matched). When any key is configured, every
``/v1`` endpoint and ``/metrics`` need one (:class:`KeyCheck`); the admin endpoints (``/v1/admin/…``) need
one always, so without configured keys they are refused (403). Binding beyond
loopback without keys is refused before the server starts (``JKN-S003``).

:class:`BodyLimit` is an ASGI middleware: a body longer than its limit — announced in
``Content-Length`` or found while it streams in — is answered 413 (``JKN-S010``)
without reading the rest.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request, Response

from jknrules.errors import diag
from jknrules.serve.config import NamedKey
from jknrules.serve.errors import body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class KeyRefused(Exception):
    """Raised by :func:`require_key`/:func:`require_admin`; answered 401 or 403."""

    def __init__(self, status: int, code: str, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status, self.code = status, code
        self.message_id, self.message_en = message_id, message_en


def presented(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def matches(token: str, keys: tuple[str, ...]) -> bool:
    """Whether ``token`` is one of ``keys``, every key compared in constant time."""
    given = token.encode("utf-8", "surrogatepass")
    found = False
    for key in keys:
        found |= hmac.compare_digest(given, key.encode("utf-8"))
    return found


def identify(token: str, keys: tuple[NamedKey, ...]) -> str | None:
    """The name of the key ``token`` is, or ``None``; every key is compared in constant
    time, and all of them whichever matches."""
    given = token.encode("utf-8", "surrogatepass")
    name = None
    for key in keys:
        if hmac.compare_digest(given, key.secret.encode("utf-8")):
            name = key.name
    return name


def key_name(request: Request) -> str | None:
    """The name of the key (API key or a signed-in officer's) the request came with, once
    :class:`KeyCheck` or the pages' sign-in has checked it; ``None`` on an open server."""
    state: dict[str, Any] = request.scope.get("state") or {}
    name = state.get("key_name")
    return name if isinstance(name, str) else None


def _check(request: Request, keys: tuple[str, ...]) -> None:
    token = presented(request)
    if token is None:
        raise KeyRefused(401, "JKN-S001", "kunci API diperlukan (Authorization: Bearer KUNCI)",
                         "an API key is required (Authorization: Bearer KEY)")
    if not matches(token, keys):
        raise KeyRefused(401, "JKN-S002", "kunci API tidak dikenal", "unknown API key")


async def require_key(request: Request) -> None:
    """FastAPI dependency: a valid key when the server has keys (else nothing) — a bearer
    key, or the session of an officer signed in to the pages with one
    (:mod:`jknrules.serve.signin`)."""
    keys: tuple[str, ...] = request.app.state.api_keys
    if keys and key_name(request) is None:
        _check(request, keys)


async def require_admin(request: Request) -> None:
    """FastAPI dependency of the admin endpoints: always a valid key."""
    keys: tuple[str, ...] = request.app.state.api_keys
    if not keys:
        raise KeyRefused(403, "JKN-S003",
                         "endpoint admin memerlukan kunci API; server ini tidak punya kunci "
                         "(--api-keys-file atau JKNRULES_API_KEYS)",
                         "admin endpoints need an API key; this server has none "
                         "(--api-keys-file or JKNRULES_API_KEYS)")
    _check(request, keys)


#: the paths :class:`KeyCheck` guards: the API and the metrics
GUARDED = ("/v1/", "/metrics")


class KeyCheck:
    """ASGI middleware: when the server has keys, a request to a :data:`GUARDED` path
    without a valid one is answered 401 before its body is read. (Cheaper per request
    than a FastAPI dependency on every route; :func:`require_key` is the same check for
    routes elsewhere.)"""

    def __init__(self, app: ASGIApp, keys: tuple[NamedKey, ...]) -> None:
        self.app, self.keys = app, keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.keys and scope["path"].startswith(GUARDED):
            token = None
            for name, value in scope.get("headers", ()):
                if name == b"authorization":
                    scheme, _, rest = value.decode("latin-1").partition(" ")
                    if scheme.lower() == "bearer" and rest.strip():
                        token = rest.strip()
                    break
            refusal = None
            name = None if token is None else identify(token, self.keys)
            if token is None:
                refusal = KeyRefused(401, "JKN-S001",
                                     "kunci API diperlukan (Authorization: Bearer KUNCI)",
                                     "an API key is required (Authorization: Bearer KEY)")
            elif name is None:
                refusal = KeyRefused(401, "JKN-S002", "kunci API tidak dikenal",
                                     "unknown API key")
            else:
                scope.setdefault("state", {})["key_name"] = name
            if refusal is not None:
                data = json.dumps(refusal_body(refusal), ensure_ascii=False,
                                  separators=(",", ":")).encode("utf-8")
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode("ascii")),
                    (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": data})
                return
        await self.app(scope, receive, send)


def refusal_body(exc: KeyRefused) -> dict[str, Any]:
    return body("unauthorized" if exc.status == 401 else "forbidden", exc.message_id,
                exc.message_en, [diag(exc.code, exc.message_id, exc.message_en)])


#: what answers a page's body past the limit (a page): called with the scope and the limit
PageRefusal = Callable[[Scope, int], Awaitable[Response]]


class BodyLimit:
    """Answer 413 to a request body longer than the limit of its path: JSON under
    ``/v1/`` (and wherever ``page`` is not given), else the page ``page`` makes."""

    def __init__(self, app: ASGIApp, limit: int, limits: dict[str, int] | None = None,
                 page: PageRefusal | None = None) -> None:
        self.app, self.limit, self.limits, self.page = app, limit, limits or {}, page

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        if self.page is None or scope["path"].startswith(GUARDED):
            await _too_large(send, limit)
            return
        answer = await self.page(scope, limit)
        answer.headers["connection"] = "close"

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await answer(scope, nothing, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.limit)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    announced = -1
                if announced > limit or announced < 0:
                    await self._refuse(scope, send, limit)
                    return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send, limit)
            # a streaming answer already under way (``/v1/batch``) just ends here


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    m_id = f"isi permintaan terlalu besar (batas {limit:,} bita)"
    m_en = f"request body too large (limit {limit:,} bytes)"
    data = json.dumps(body("too_large", m_id, m_en, [diag("JKN-S010", m_id, m_en)]),
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode("ascii")),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})
