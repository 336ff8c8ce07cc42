"""Signing in to the pages, when the server has keys.

A server that has API keys (it must, to listen beyond loopback) shows its pages only to
someone signed in: ``/masuk`` takes a key — the office's, or an officer's own from the
key file (``NAME KEY``, :mod:`jknrules.serve.config`) — and answers with a session
cookie. A server on loopback without keys stays open, as before.

- The cookie (:data:`COOKIE`) holds the key's *name* and a random nonce, signed with the
  server's secret (``itsdangerous``, with its time: it expires after
  ``ServeConfig.session_seconds``); never the key. ``HttpOnly``, ``SameSite=Strict``,
  ``Path=/``, and ``Secure`` with ``--secure-cookies`` (the pages reached over https).
  A session whose key is no longer configured (the key file changed, the server
  restarted) is not accepted.
- :class:`SignIn` is an ASGI middleware and guards **every** path except those of
  :data:`OPEN` (the API and metrics have their bearer keys, :class:`~jknrules.serve.
  security.KeyCheck`; the service routes, the documentation and the pages' assets are
  open). A new page is guarded without doing anything. A request with neither a valid
  session nor a valid bearer key (``Authorization: Bearer KEY``, for a script that
  downloads from a page route) is sent to ``/masuk?next=…`` (303); with one,
  ``request.state.key_name`` is the key's name
  (:func:`jknrules.serve.security.key_name`), and a decision recorded for that request
  carries it.
- Forms posted to a guarded page carry a CSRF token (:data:`CSRF_FIELD`, the value of
  :func:`csrf_token`); a page that reads a posted form calls :func:`csrf_ok` (a request
  with a bearer key needs no token: no browser sends that header for another site). Besides,
  a ``POST`` that the browser says comes from another site (``Sec-Fetch-Site:
  cross-site`` or ``same-site``) is refused outright (403).
- ``POST /keluar`` signs out (the cookie is removed; a copy of the cookie kept
  elsewhere stays valid until it expires: sessions are not stored on the server).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from hashlib import sha256
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from jknrules.serve.config import NamedKey
from jknrules.serve.security import ASGIApp, Receive, Scope, Send, identify

#: the session cookie's name
COOKIE = "jknrules_sesi"
#: the hidden input that carries the CSRF token of a posted form
CSRF_FIELD = "csrf"
SIGN_IN = "/masuk"
SIGN_OUT = "/keluar"
#: paths reached without a session (prefixes): the API and the metrics (bearer keys),
#: the service routes, the documentation, the pages' assets and the sign-in itself
OPEN = ("/v1/", "/metrics", "/health", "/ready", "/openapi.json", "/docs", "/redoc",
        "/aset/", SIGN_IN)
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in officer: the key's name and the session's nonce."""

    name: str
    nonce: str


class Sessions:
    """Issues and reads the session cookie of a server with ``keys``."""

    def __init__(self, secret: bytes, keys: tuple[NamedKey, ...], max_age: int,
                 secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="jknrules.session")
        self._csrf = hmac.new(secret, b"jknrules.csrf", sha256).digest()
        self.keys = keys
        self.names = frozenset(k.name for k in keys)
        self.max_age, self.secure = max_age, secure

    def issue(self, name: str) -> str:
        """A new session cookie's value for the key named ``name``."""
        return str(self._serializer.dumps({"k": name, "n": secrets.token_urlsafe(16)}))

    def read(self, value: str) -> Session | None:
        """The session of a cookie value: ``None`` if it is forged, expired or names a key
        the server no longer has."""
        try:
            data: Any = self._serializer.loads(value, max_age=self.max_age)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict):
            return None
        name, nonce = data.get("k"), data.get("n")
        if not isinstance(name, str) or not isinstance(nonce, str) or name not in self.names:
            return None
        return Session(name, nonce)

    def csrf(self, session: Session) -> str:
        """The CSRF token of ``session``'s forms."""
        return hmac.new(self._csrf, session.nonce.encode("ascii"), sha256).hexdigest()

    def set_cookie(self, value: str) -> str:
        """The ``Set-Cookie`` header value of a new session."""
        return self._cookie(value, self.max_age)

    def clear_cookie(self) -> str:
        """The ``Set-Cookie`` header value that removes the session."""
        return self._cookie("", 0)

    def _cookie(self, value: str, max_age: int) -> str:
        secure = "; Secure" if self.secure else ""
        return (f"{COOKIE}={value}; Max-Age={max_age}; Path=/; HttpOnly; "
                f"SameSite=Strict{secure}")


def _cookie_value(headers: Any) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            try:
                jar = SimpleCookie(value.decode("latin-1"))
            except CookieError:
                continue
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


def _header(headers: Any, wanted: bytes) -> str:
    for name, value in headers:
        if name == wanted:
            return str(value.decode("latin-1"))
    return ""


def is_open(path: str) -> bool:
    return path.startswith(OPEN)


def next_target(path: str, query: str) -> str:
    """Where to go after signing in: a path of this server only (never ``//host``)."""
    target = path + ("?" + query if query else "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class SignIn:
    """ASGI middleware: a page (any path outside :data:`OPEN`) needs a session when the
    server has keys; a cross-site ``POST`` is refused."""

    def __init__(self, app: ASGIApp, sessions: Sessions | None) -> None:
        self.app, self.sessions = app, sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.sessions is None:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = scope.get("headers", ())
        if path.startswith("/v1/") or path == "/metrics":
            await self.app(scope, receive, send)  # bearer keys: KeyCheck
            return
        if scope["method"] in _UNSAFE and _header(headers, b"sec-fetch-site") in (
                "cross-site", "same-site"):
            await _answer(send, 403, [(b"content-type", b"text/plain; charset=utf-8")],
                          b"Ditolak: kiriman dari situs lain / Refused: a post from another "
                          b"site\n")
            return
        value = _cookie_value(headers)
        session = self.sessions.read(value) if value else None
        state = scope.setdefault("state", {})
        if session is not None:
            state["key_name"], state["session"] = session.name, session
        else:
            scheme, _, token = _header(headers, b"authorization").partition(" ")
            name = identify(token.strip(), self.sessions.keys) \
                if scheme.lower() == "bearer" and token.strip() else None
            if name is not None:
                state["key_name"], state["bearer"] = name, True
                session = Session(name, "")
        if session is None and not is_open(path):
            query = scope.get("query_string", b"").decode("latin-1")
            params = {"next": next_target(path, query)}
            if "lang=en" in query.split("&"):
                params["lang"] = "en"
            location = SIGN_IN + "?" + urlencode(params, quote_via=quote)
            await _answer(send, 303, [(b"location", location.encode("latin-1")),
                                      (b"cache-control", b"no-store")], b"")
            return
        await self.app(scope, receive, send)


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]],
                  body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode("ascii"))]})
    await send({"type": "http.response.body", "body": body})


def session_of(request: Request) -> Session | None:
    state: dict[str, Any] = request.scope.get("state") or {}
    session = state.get("session")
    return session if isinstance(session, Session) else None


def csrf_token(request: Request) -> str:
    """The token a page's forms carry (empty on a server without sign-in)."""
    sessions: Sessions | None = getattr(request.app.state, "sessions", None)
    session = session_of(request)
    return sessions.csrf(session) if sessions is not None and session is not None else ""


def csrf_ok(request: Request, values: dict[str, list[str]]) -> bool:
    """Whether a posted form carries its session's CSRF token (always, on a server
    without sign-in)."""
    sessions: Sessions | None = getattr(request.app.state, "sessions", None)
    state: dict[str, Any] = request.scope.get("state") or {}
    if sessions is None or state.get("bearer") is True:
        return True
    session = session_of(request)
    given = (values.get(CSRF_FIELD) or [""])[0]
    return session is not None and hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), sessions.csrf(session).encode("ascii"))
