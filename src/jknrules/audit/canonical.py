"""Canonical JSON: the one byte form that is hashed and signed.

A decision record's hash, a checkpoint's signature and a policy bundle's signature
are all taken over :func:`canonical` — keys sorted, no spaces, UTF-8, no ``NaN`` —
so a reader recomputes exactly the bytes the writer hashed. Records are also
*written* in this form, one per line, so a line that is not its own canonical form
has been edited (:func:`strict_loads` also refuses duplicate keys, which a lenient
reader would silently resolve to one of the values).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(value: Any) -> bytes:
    """``value`` as canonical JSON bytes (sorted keys, ``,``/``:`` separators, UTF-8)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DuplicateKeyError(ValueError):
    """A JSON object with the same key twice."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_loads(data: bytes) -> Any:
    """Parse JSON bytes (UTF-8), refusing duplicate keys and ``NaN``/``Infinity``.

    Raises :class:`ValueError` (``UnicodeDecodeError``, ``json.JSONDecodeError`` and
    :class:`DuplicateKeyError` are all ``ValueError``s).
    """
    return json.loads(data.decode("utf-8"), object_pairs_hook=_pairs,
                      parse_constant=_no_constant)
