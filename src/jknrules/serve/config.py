"""What ``jknrules serve`` is told: one frozen :class:`ServeConfig`.

The CLI builds it from its options; tests build it directly. With ``--workers`` above 1
each worker process rebuilds its app from the same configuration, carried as JSON in an
environment variable (:func:`to_env`, :func:`from_env`) — without the API keys, which
every worker reads again from their file or variable, and without the server's secret
(it signs the pages' sessions and receipts), which goes in its own variable
(:data:`SECRET_ENV`, :func:`server_secret`).

A key may have a name: a line ``NAME KEY`` of the key file (or an entry of
:data:`KEYS_ENV`) — e.g. one key per officer, ``siti 3q0…``. The name (never the key) is
what a decision record and the pages say about who asked; a key without a name is named
``key-`` and the first 8 hex digits of its SHA-256.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jknrules.errors import JknrulesError, Span, diag
from jknrules.load.reader import MAX_FILE_BYTES

#: The environment variable that holds the API keys (one per line, or separated by commas).
KEYS_ENV = "JKNRULES_API_KEYS"
#: The environment variable a worker process reads its configuration from.
CONFIG_ENV = "JKNRULES_SERVE_CONFIG"
#: Addresses that reach only this machine: serving on them needs no API key.
LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: The environment variable carrying the server's secret to its worker processes.
SECRET_ENV = "JKNRULES_SERVE_SECRET"
#: What a key's name may be made of (it is shown on pages and written in records).
KEY_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
#: The shortest API key accepted (a key is a secret, not a password to remember).
MIN_KEY_LENGTH = 16


@dataclass(frozen=True)
class ServeConfig:
    """How the server runs. Every field has the CLI's default."""

    #: policy folder (``None``: :func:`jknrules.load.policyset.find_policy_dir`)
    policies: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    #: decision log every evaluation is appended to (``--record``)
    record: Path | None = None
    #: leave the NIK, KK number and birth date out of the records
    record_without_identity: bool = False
    #: Ed25519 private key signing a checkpoint after each record (``--key``)
    record_key: Path | None = None
    #: refuse to start with, and refuse to reload, an unsigned or altered set
    require_signed: bool = False
    public_keys: tuple[Path, ...] = ()
    #: bearer tokens accepted (tests; the CLI reads them from a file or the environment)
    api_keys: tuple[str, ...] = ()
    #: a file of API keys, one per line (``#`` comments and blank lines ignored)
    api_keys_file: Path | None = None
    #: largest request body, in bytes (413 past it); ``/v1/batch`` has its own limit
    max_body_bytes: int = MAX_FILE_BYTES
    #: largest ``/v1/batch`` request body, in bytes (the stream is read line by line)
    max_batch_bytes: int = 256 * 1024 * 1024
    #: origins allowed by CORS (none: CORS off)
    cors_origins: tuple[str, ...] = ()
    #: reload on SIGHUP (the CLI turns it on; an app inside tests leaves signals alone)
    handle_sighup: bool = False
    #: the tracking store (``--track``: a SQLite file or ``sqlite:///`` or ``postgresql://``
    #: URL, as ``jknrules track --db``); ``None``: tracking off
    track: str | None = None
    #: POST each new alert to this URL (``--alert-webhook``)
    alert_webhook: str | None = None
    #: the webhook's HMAC secret, read from this file (else ``$JKNRULES_ALERT_WEBHOOK_SECRET``)
    alert_webhook_secret_file: Path | None = None
    #: seconds between the monitor's ticks (``None``: only when told, as in tests)
    track_tick_seconds: float | None = 60.0
    #: how long a sign-in to the pages lasts, in seconds (``--session-hours``)
    session_seconds: int = 8 * 3600
    #: the pages are reached over https (a proxy in front): session cookies are ``Secure``
    secure_cookies: bool = False
    #: signs the pages' sessions and receipts (tests; else :data:`SECRET_ENV`, else random)
    secret: str = field(default="", repr=False)

    @property
    def loopback_only(self) -> bool:
        return self.host in LOOPBACK


@dataclass(frozen=True)
class NamedKey:
    """One API key and the name it is known by (the key never shown)."""

    name: str
    secret: str = field(repr=False)


def read_api_keys(config: ServeConfig) -> tuple[str, ...]:
    """The keys themselves (see :func:`read_named_keys`)."""
    return tuple(dict.fromkeys(k.secret for k in read_named_keys(config)))


def read_named_keys(config: ServeConfig) -> tuple[NamedKey, ...]:
    """The keys of ``config`` and of its file, and those of :data:`KEYS_ENV`, each with its
    name; each key at least :data:`MIN_KEY_LENGTH` characters (``JKN-S002`` otherwise,
    naming where it came from, never the key)."""
    found: list[tuple[str, str]] = [(k, "api_keys") for k in config.api_keys]
    if config.api_keys_file is not None:
        path = config.api_keys_file
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise JknrulesError([diag(
                "JKN-S001", f"berkas kunci API tidak dapat dibaca: {path} ({type(exc).__name__})",
                f"the API key file cannot be read: {path} ({type(exc).__name__})",
                span=Span(str(path), 1, 1))]) from None
        for number, line in enumerate(text.splitlines(), 1):
            key = line.strip()
            if key and not key.startswith("#"):
                found.append((key, f"{path}:{number}"))
    env = os.environ.get(KEYS_ENV, "")
    for key in env.replace(",", "\n").splitlines():
        if key.strip():
            found.append((key.strip(), KEYS_ENV))
    named: list[tuple[str, str, str]] = []
    unnamed: list[str] = []
    for entry, where in found:
        parts = entry.split()
        if len(parts) == 2 and KEY_NAME.match(parts[0]):
            named.append((parts[0], parts[1], where))
        elif len(parts) == 1:
            named.append(("key-" + hashlib.sha256(entry.encode("utf-8", "surrogatepass"))
                          .hexdigest()[:8], entry, where))
        else:
            unnamed.append(where)
    if unnamed:
        raise JknrulesError([diag(
            "JKN-S002",
            "baris kunci API harus KUNCI atau NAMA KUNCI (nama: huruf, angka, . _ @ -, "
            f"paling panjang 64): {', '.join(unnamed)}",
            "an API key line must be KEY or NAME KEY (name: letters, digits, . _ @ -, at "
            f"most 64): {', '.join(unnamed)}")])
    short = [where for _, key, where in named
             if len(key) < MIN_KEY_LENGTH or not key.isprintable()]
    if short:
        raise JknrulesError([diag(
            "JKN-S002",
            f"kunci API terlalu pendek (minimal {MIN_KEY_LENGTH} karakter) atau memuat "
            f"karakter kendali: {', '.join(short)}",
            f"API key too short (at least {MIN_KEY_LENGTH} characters) or with control "
            f"characters: {', '.join(short)}",
            hint_id="buat kunci acak, mis. python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'",
            hint_en="make a random key, e.g. python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'")])
    seen: dict[str, NamedKey] = {}
    for name, key, _ in named:
        seen.setdefault(key, NamedKey(name, key))
    return tuple(seen.values())


def server_secret(config: ServeConfig) -> bytes:
    """The secret signing sessions and receipts: ``config.secret``, else
    :data:`SECRET_ENV` (set by the CLI for its workers, so that all of them accept one
    another's cookies), else a new random one (sign-ins then end with the process)."""
    text = config.secret or os.environ.get(SECRET_ENV, "")
    return text.encode("utf-8") if text else secrets.token_bytes(32)


def to_env(config: ServeConfig) -> str:
    """``config`` as JSON for the worker processes, without the API keys themselves."""
    data: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in ("api_keys", "secret"):
            continue
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = [str(v) for v in value]
        data[f.name] = value
    return json.dumps(data)


_PATHS = ("policies", "record", "record_key", "api_keys_file", "alert_webhook_secret_file")


def from_env(text: str | None = None) -> ServeConfig:
    """The configuration :func:`to_env` wrote (default: from :data:`CONFIG_ENV`)."""
    data = json.loads(text if text is not None else os.environ[CONFIG_ENV])
    for name in _PATHS:
        if data.get(name) is not None:
            data[name] = Path(data[name])
    data["public_keys"] = tuple(Path(p) for p in data.get("public_keys", ()))
    data["cors_origins"] = tuple(data.get("cors_origins", ()))
    return ServeConfig(**data)
