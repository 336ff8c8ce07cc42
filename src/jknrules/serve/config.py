"""What ``jknrules serve`` is told: one frozen :class:`ServeConfig`.

The CLI builds it from its options; tests build it directly. With ``--workers`` above 1
each worker process rebuilds its app from the same configuration, carried as JSON in an
environment variable (:func:`to_env`, :func:`from_env`) — without the API keys, which
every worker reads again from their file or variable.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
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

    @property
    def loopback_only(self) -> bool:
        return self.host in LOOPBACK


def read_api_keys(config: ServeConfig) -> tuple[str, ...]:
    """The keys of ``config`` and of its file, and those of :data:`KEYS_ENV`; each key at
    least :data:`MIN_KEY_LENGTH` characters (``JKN-S002`` otherwise, naming where it came
    from, never the key)."""
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
    short = [where for key, where in found if len(key) < MIN_KEY_LENGTH or not key.isprintable()]
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
    return tuple(dict.fromkeys(key for key, _ in found))


def to_env(config: ServeConfig) -> str:
    """``config`` as JSON for the worker processes, without the API keys themselves."""
    data: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name == "api_keys":
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
