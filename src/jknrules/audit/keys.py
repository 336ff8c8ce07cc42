"""Ed25519 keys: signing checkpoints of a decision log and policy bundles.

A **private key** file (``--key FILE``) is PEM (PKCS#8 ``BEGIN PRIVATE KEY``, as
``openssl genpkey -algorithm ed25519`` or ``jknrules bundle keygen`` write it) or the
raw 32-byte seed. A **public key** file is PEM (``BEGIN PUBLIC KEY``) or the raw 32
bytes. Public keys are published with the policies, in ``keys/*.pub`` of the policy
folder (:data:`KEY_FOLDER`), and named in signatures by :func:`key_id`.

Key material never appears in a message, a record or a log: errors name the file and
say what is wrong with it, never its content.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from jknrules.audit.canonical import sha256_hex
from jknrules.errors import JknrulesError, Span, diag
from jknrules.load.policyset import find_policy_dir

#: Where a policy folder publishes the public keys that verify its logs and bundles.
KEY_FOLDER = "keys"
ALGORITHM = "ed25519"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw
#: A public key, or the file that holds it.
PublicKeyInput = str | os.PathLike[str] | Ed25519PublicKey

__all__ = ["ALGORITHM", "KEY_FOLDER", "Ed25519PrivateKey", "Ed25519PublicKey", "PublicKeyInput",
           "generate",
           "key_id", "load_private_key", "load_public_key", "public_key_table", "published_keys",
           "sign", "verify"]


def key_id(public: Ed25519PublicKey) -> str:
    """A short, stable name of a public key: the first 16 hex digits of the SHA-256 of its
    32 raw bytes."""
    return sha256_hex(public.public_bytes(*_RAW))[:16]


def _key_error(path: Path, why_id: str, why_en: str) -> JknrulesError:
    return JknrulesError([diag(
        "JKN-A035", f"kunci tidak dapat dipakai: {path}: {why_id}",
        f"cannot use the key: {path}: {why_en}", span=Span(str(path), 1, 1),
        hint_id="buat pasangan kunci dengan: jknrules bundle keygen KUNCI.key --public "
                "policies/keys/NAMA.pub",
        hint_en="make a key pair with: jknrules bundle keygen KEY.key --public "
                "policies/keys/NAME.pub",
    )])


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _key_error(path, f"tidak dapat dibaca ({exc.strerror})",
                         f"cannot be read ({exc.strerror})") from None


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path`` (PEM or the raw 32-byte seed)."""
    file = Path(path)
    data = _read(file)
    if len(data) == 32 and not data.startswith(b"-----"):
        return Ed25519PrivateKey.from_private_bytes(data)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise _key_error(file, "bukan kunci privat PEM (tanpa sandi) atau 32 bita mentah",
                         "not a PEM private key (without a password) nor 32 raw bytes"
                         ) from None
    except Exception:  # an unsupported algorithm or encoding: say so, never show the data
        raise _key_error(file, "format kunci tidak didukung", "unsupported key format") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _key_error(file, "bukan kunci Ed25519", "not an Ed25519 key")
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """The Ed25519 public key in ``path`` (PEM or the raw 32 bytes)."""
    file = Path(path)
    data = _read(file)
    if len(data) == 32 and not data.startswith(b"-----"):
        return Ed25519PublicKey.from_public_bytes(data)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise _key_error(file, "bukan kunci publik PEM atau 32 bita mentah",
                         "not a PEM public key nor 32 raw bytes") from None
    except Exception:
        raise _key_error(file, "format kunci tidak didukung", "unsupported key format") from None
    if not isinstance(key, Ed25519PublicKey):
        raise _key_error(file, "bukan kunci Ed25519", "not an Ed25519 key")
    return key


def published_keys(policy_folder: Path) -> dict[str, Ed25519PublicKey]:
    """The public keys published with a policy folder (``keys/*.pub``), by :func:`key_id`."""
    folder = policy_folder / KEY_FOLDER
    if not folder.is_dir():
        return {}
    keys = [load_public_key(p) for p in sorted(folder.glob("*.pub")) if p.is_file()]
    return {key_id(k): k for k in keys}


def sign(private: Ed25519PrivateKey, message: bytes) -> str:
    """The Ed25519 signature of ``message``, base64."""
    return base64.b64encode(private.sign(message)).decode("ascii")


def verify(public: Ed25519PublicKey, signature: object, message: bytes) -> bool:
    """Whether ``signature`` (base64 text) is ``public``'s signature of ``message``."""
    if not isinstance(signature, str):
        return False
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def generate(private_path: Path, public_path: Path) -> str:
    """Write a new key pair (the private key PEM, readable by its owner only; the public
    key PEM) and return its key id. Refuses to overwrite an existing private key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise _key_error(private_path, f"tidak dapat dibuat ({exc.strerror})",
                         f"cannot be created ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public = key.public_key()
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_bytes(public.public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo))
    return key_id(public)


def public_key_table(keys: Iterable[PublicKeyInput] | None,
                     folder: Path | None = None) -> dict[str, Ed25519PublicKey]:
    """Public keys by key id: those given, else those published in ``folder`` (default:
    the policy folder in use). None at all is an error (``JKN-A036``)."""
    if keys is not None:
        loaded = [k if isinstance(k, Ed25519PublicKey) else load_public_key(k) for k in keys]
        table = {key_id(k): k for k in loaded}
    else:
        where = folder if folder is not None else find_policy_dir().path
        table = published_keys(where)
    if not table:
        raise JknrulesError([diag(
            "JKN-A036", "tidak ada kunci publik untuk memeriksa tanda tangan",
            "no public key to verify the signatures with",
            hint_id="berikan --public-key BERKAS, atau terbitkan kunci di keys/*.pub pada "
                    "folder kebijakan",
            hint_en="give --public-key FILE, or publish the key as keys/*.pub in the policy "
                    "folder")])
    return table
