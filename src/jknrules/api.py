"""The Python API: load the policies once, evaluate many cases."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.result import Result
from jknrules.errors import CaseError, diag
from jknrules.language.case import Case, facts_of
from jknrules.language.reader import CaseFacts, read_fast
from jknrules.load.loader import case_from_data, load_case_file
from jknrules.load.policyset import ArgumentError, PolicySet

#: What :func:`evaluate` takes as a case. A ``str`` is always a file path, never JSON text.
CaseInput = Case | Mapping[str, Any] | str | os.PathLike[str]

_ACCEPTS_ID = ("evaluate() menerima Case, pemetaan (dict hasil json.loads) atau path berkas "
               "kasus JSON/YAML yang ada")
_ACCEPTS_EN = ("evaluate() takes a Case, a mapping (a dict from json.loads) or the path of an "
               "existing JSON/YAML case file")


def load_policies(
    policies: str | os.PathLike[str] | list[str | os.PathLike[str]] | None = None,
    *, require_signed: bool = False,
    public_keys: Iterable[str | os.PathLike[str]] | None = None,
) -> PolicySet:
    """Load and compile policy files (default: the shipped policies).

    ``require_signed=True`` loads a policy *folder* only if its signed bundle
    (``bundle.json``, ``jknrules bundle sign``) verifies against ``public_keys`` (default:
    the folder's ``keys/*.pub``): the files, their fingerprints, the engine version and
    the holiday data are what was signed; otherwise a :class:`~jknrules.JknrulesError`
    (``JKN-A060``–``A065``) says what differs.

    Raises :class:`~jknrules.PolicyError` with every problem found, located.
    """
    if not require_signed:
        return PolicySet.load(policies)
    if isinstance(policies, list):
        raise ArgumentError([diag(
            "JKN-F003", "require_signed=True menerima satu folder kebijakan, bukan daftar berkas",
            "require_signed=True takes one policy folder, not a list of files",
        )])
    from jknrules import __version__
    from jknrules.audit.bundle import load_signed  # the audit layer sits above the API

    return load_signed(policies, public_keys, __version__)


def as_case(case: object) -> Case:
    """A :class:`Case` from a Case, a mapping (parsed JSON) or a file path.

    Anything else, and a ``str`` that names no file, is a :class:`~jknrules.CaseError`
    saying what was expected (never a bare ``TypeError``).
    """
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return case_from_data(dict(case))
    if isinstance(case, str):
        return load_case_file(_existing_path(case))
    if isinstance(case, os.PathLike):
        return load_case_file(Path(case))
    kind = type(case).__name__
    raise CaseError([diag(
        "JKN-C001",
        f"kasus harus berupa Case, pemetaan atau path berkas, bukan {kind}",
        f"a case must be a Case, a mapping or a file path, not {kind}",
        hint_id=_ACCEPTS_ID, hint_en=_ACCEPTS_EN,
    )])


def read_case(case: object) -> CaseFacts:
    """What the evaluator reads of a case (:func:`as_case`'s inputs): a ``dict`` goes
    through the fast reader generated from the case-field catalogue; what it leaves to the
    pydantic model (an invalid case, a rare spelling) and every other input through
    :func:`as_case`, so errors are the model's."""
    if type(case) is dict:
        found = read_fast(case)
        if found is not None:
            return found
    return facts_of(as_case(case))


def _existing_path(text: str) -> Path:
    """A ``str`` case is a path; text that is not an existing file is an error naming it."""
    stripped = text.strip()
    looks_like_data = stripped.startswith(("{", "[")) or "\n" in stripped
    if stripped and not looks_like_data and _exists(text):
        return Path(text)
    shown = stripped if len(stripped) <= 60 else stripped[:57] + "..."
    if looks_like_data:
        hint_id = ("teks str selalu dibaca sebagai path berkas, bukan sebagai JSON; urai dulu "
                   "dengan json.loads(teks) lalu kirim dict-nya")
        hint_en = ("a str is always read as a file path, never as JSON text; parse it with "
                   "json.loads(text) and pass the dict")
    else:
        hint_id, hint_en = _ACCEPTS_ID, _ACCEPTS_EN
    raise CaseError([diag(
        "JKN-F001",
        f"berkas kasus tidak ditemukan: {shown!r}",
        f"case file not found: {shown!r}",
        hint_id=hint_id, hint_en=hint_en,
    )])


def _exists(text: str) -> bool:
    try:
        return Path(text).exists()
    except (OSError, ValueError):  # e.g. a NUL character, a name too long
        return False


def evaluate(case: CaseInput, policies: PolicySet | None = None, *, trace: bool = True) -> Result:
    """Evaluate one case against the version in force at its ``submitted_at``.

    ``case`` is a :class:`Case`, a mapping (parsed JSON) or the path of a JSON/YAML
    file (``str`` or ``os.PathLike``; a ``str`` is never parsed as JSON text).
    Pass a :class:`PolicySet` from :func:`load_policies` when evaluating many
    cases; without one the shipped policies are loaded for this call.
    Raises :class:`~jknrules.CaseError` for an invalid case (or one of another
    type, or a path that names no file) or one dated before the regency's first
    version, and :class:`~jknrules.PolicyError` (also a ``TypeError``) when ``policies``
    is not a :class:`PolicySet`: every exception it raises is a
    :class:`~jknrules.JknrulesError`.
    """
    # read_case, without its call for the common input (a dict the fast reader reads)
    checked = (read_fast(case) or facts_of(as_case(case))) if type(case) is dict \
        else read_case(case)
    if policies is not None and not isinstance(policies, PolicySet):
        kind = type(policies).__name__
        raise ArgumentError([diag(
            "JKN-F003", f"policies harus berupa PolicySet dari load_policies(), bukan {kind}",
            f"policies must be a PolicySet from jknrules.load_policies(), not {kind}",
        )])
    policy_set = policies if policies is not None else load_policies()
    return evaluate_compiled(policy_set.get(checked.regency), checked, trace=trace)
