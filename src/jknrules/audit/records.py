"""Decision records: each decision appended to a JSON Lines file, and replayed later.

:class:`DecisionLog` is the public face (``jknrules.DecisionLog``; the CLI's
``evaluate --record`` uses it). A record holds the case (exactly as given: absent
fields stay absent), the result, the fingerprint (``sha256``) of the policy content
that decided, the engine version and the holiday data (the ``holidays`` release and
the national closed days the deadlines ran over); its shape is
:class:`jknrules.language.record.DecisionRecord` (``schemas/record.schema.json``).
Written without identity (``redact=True``), the NIK, KK number and birth date are
left out and listed under ``redacted``.

Each record is linked into a hash chain and, with a signing key, followed by a signed
checkpoint (:mod:`jknrules.audit.chain`); appends are atomic and undone on a failed
write (:mod:`jknrules.audit.logfile`). Replay lives in :mod:`jknrules.audit.replay`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from jknrules.api import as_case
from jknrules.audit import holidaydata
from jknrules.audit.chain import ChainCheck, append_chained, append_checkpoint
from jknrules.audit.keys import (
    Ed25519PrivateKey,
    PublicKeyInput,
    key_id,
    load_private_key,
    public_key_table,
)
from jknrules.audit.logfile import Entry, append_record, iter_entries, read_records
from jknrules.audit.replay import ContentIndex, ReplayReport, decision, differences, replay
from jknrules.engine.calendar import ServiceCalendar
from jknrules.engine.result import Result
from jknrules.errors import JknrulesError, diag
from jknrules.language.case import Case
from jknrules.language.record import IDENTITY_FIELDS, RECORD_FORMAT
from jknrules.load.policyset import ArgumentError, PolicySet

FORMAT = RECORD_FORMAT

# the names this module has always offered (tests and the diff's impact import them here)
__all__ = ["FORMAT", "DecisionLog", "Entry", "append_record", "case_data", "decision",
           "differences", "make_record", "public_key_table", "read_records"]


def case_data(case: Case) -> dict[str, Any]:
    """The case as given: fields the case did not set are left out (absent is not null)."""
    return case.model_dump(mode="json", exclude_unset=True)


def make_record(case: Case, result: Result, engine: str,
                now: dt.datetime | None = None, *, redact: bool = False,
                calendar: ServiceCalendar | None = None,
                key_name: str | None = None) -> dict[str, Any]:
    """One decision record (not yet linked into a chain); ``redact`` leaves the NIK, KK
    number and birth date out of the case (and out of the trace's facts) and lists what
    was left out under ``redacted``; ``key_name`` names the key the decision was asked
    with (``jknrules serve``)."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    record: dict[str, Any] = {
        "format": FORMAT,
        "recorded_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "engine": {"name": "jknrules", "version": engine},
        "policy": {k: result.policy[k] for k in ("regency", "effective_from", "sha256",
                                                 "file", "document")},
        "case": case_data(case),
        "result": result.to_dict(),
    }
    record["holidays"] = holidaydata.record_holidays(record["case"], record["result"],
                                                     calendar)
    if redact:
        record["case"], removed = _without_identity(record["case"])
        record["result"] = _result_without_identity(record["result"])
        record["redacted"] = removed
    if key_name is not None:
        record["key_name"] = key_name
    return record


def _without_identity(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The case data without the identity fields, and the names of those it gave."""
    out = dict(data)
    removed: list[str] = []
    for name in IDENTITY_FIELDS:
        part, field_name = name.split(".")
        section = out.get(part)
        if isinstance(section, dict) and field_name in section:
            out[part] = {k: v for k, v in section.items() if k != field_name}
            removed.append(name)
    return out, removed


def _result_without_identity(result: dict[str, Any]) -> dict[str, Any]:
    """A result whose trace no longer shows identity values (a policy that reads them
    puts them in ``facts``); the decision itself holds no identity."""
    trace = result.get("trace") or []
    if not any(name in entry.get("facts", {}) for entry in trace for name in IDENTITY_FIELDS):
        return result
    cleaned = [entry | {"facts": {k: v for k, v in entry["facts"].items()
                                  if k not in IDENTITY_FIELDS}} for entry in trace]
    return result | {"trace": cleaned}


KeyInput = str | os.PathLike[str] | Ed25519PrivateKey


class DecisionLog:
    """A JSON Lines file of decision records, for audits: append each decision, read the
    records back, replay and verify them.

        >>> log = jknrules.DecisionLog("decisions.jsonl", redact=True, key="office.key")
        >>> result = jknrules.evaluate(case, policies)
        >>> log.append(case, result)

    ``redact=True`` writes records without the applicant's identity: the NIK, the KK
    number and the birth date are left out of the recorded case and out of the trace,
    and the record lists them under ``redacted``. Replay still works: it re-evaluates
    the recorded case, and a decision never depends on these fields unless the policy's
    conditions read them (replay then says so, ``JKN-A043``, instead of reporting a
    changed decision).

    Every record is linked into a hash chain. With ``key`` (an Ed25519 private key or
    its file, PEM or raw 32 bytes) a signed checkpoint follows every
    ``checkpoint_every`` records, in the same write; :meth:`checkpoint` signs the tail
    on demand (e.g. at the end of a batch). The key is read once and never written
    anywhere, nor shown by ``repr``.

    Appends are atomic (one ``write`` on an ``O_APPEND`` file under a lock, then
    ``fsync``; a failed write is undone), so several processes or threads may append to
    one file. The log keeps no state besides its path, options and key.
    """

    def __init__(self, path: str | os.PathLike[str], *, redact: bool = False,
                 engine: str | None = None, key: KeyInput | None = None,
                 checkpoint_every: int = 1) -> None:
        if not isinstance(path, str | os.PathLike):
            raise _argument("path", "path berkas", "a file path", path)
        if key is not None and not isinstance(key, str | os.PathLike | Ed25519PrivateKey):
            raise _argument("key", "kunci privat Ed25519 atau path berkasnya",
                            "an Ed25519 private key or its file path", key)
        if type(checkpoint_every) is not int or checkpoint_every < 1:
            raise CountError([diag(
                "JKN-F003", f"checkpoint_every harus bilangan bulat ≥ 1, bukan "
                f"{checkpoint_every!r}", f"checkpoint_every must be a whole number ≥ 1, not "
                f"{checkpoint_every!r}")])
        self.path = Path(path)
        self.redact = redact
        self.engine = engine
        self.checkpoint_every = checkpoint_every
        self._key = key if isinstance(key, Ed25519PrivateKey) or key is None \
            else load_private_key(key)
        self._calendar = holidaydata.new_calendar()

    def __repr__(self) -> str:
        signed = f", key_id={key_id(self._key.public_key())!r}" if self._key else ""
        return f"DecisionLog({str(self.path)!r}, redact={self.redact}{signed})"

    def record(self, case: object, result: Result, *, now: dt.datetime | None = None,
               key_name: str | None = None) -> dict[str, Any]:
        """The record :meth:`append` would write (the case as given, the result, the
        policy fingerprint, the engine version, the holiday data), before it is linked
        into the chain, without writing it."""
        if not isinstance(result, Result):
            raise _argument("result", "Result dari jknrules.evaluate()",
                            "a Result from jknrules.evaluate()", result)
        return make_record(as_case(case), result, self.engine or _engine_version(), now,
                           redact=self.redact, calendar=self._calendar, key_name=key_name)

    def append(self, case: object, result: Result, *, now: dt.datetime | None = None,
               key_name: str | None = None) -> dict[str, Any]:
        """Append the decision ``result`` about ``case`` (a ``Case``, a mapping or a case
        file, as :func:`jknrules.evaluate` takes it); returns the record written, with
        its ``chain``; ``key_name``: the name of the key it was asked with, if any.

        Raises :class:`~jknrules.JknrulesError` ``JKN-A034`` when it cannot be written
        (the file is then left as it was).
        """
        entry = self.record(case, result, now=now, key_name=key_name)
        return append_chained(self.path, entry, key=self._key,
                              checkpoint_every=self.checkpoint_every, now=now)

    def checkpoint(self, *, now: dt.datetime | None = None) -> dict[str, Any] | None:
        """Sign the records not yet covered by a checkpoint (needs ``key``); returns the
        checkpoint written, or ``None`` when there was nothing to sign."""
        if self._key is None:
            raise JknrulesError([diag(
                "JKN-A035", "checkpoint memerlukan kunci penanda tangan (key=...)",
                "a checkpoint needs a signing key (key=...)")])
        return append_checkpoint(self.path, self._key, now)

    def read(self) -> list[Entry]:
        """Every line of the file: a record, a checkpoint, or the problem of a damaged
        line."""
        return read_records(self.path)

    def entries(self) -> Iterator[Entry]:
        """The lines of the file one at a time (bounded memory), as :meth:`read`."""
        return iter_entries(self.path)

    def replay(self, policies: PolicySet | None = None, *, verify: bool = False,
               public_keys: Iterable[PublicKeyInput] | None = None) -> ReplayReport:
        """Re-evaluate every record against the policy content that decided it (found by
        fingerprint in ``policies``, default the shipped ones) and against the rules in
        force today, and check the hash chain. ``verify=True`` also checks every
        checkpoint's signature against ``public_keys`` (default: the keys published in
        the policy folder, ``keys/*.pub``) and requires every record to be covered by
        one. ``report.clean`` is true when nothing was found (``jknrules replay
        [--verify]`` prints the same report)."""
        if policies is not None and not isinstance(policies, PolicySet):
            raise _argument("policies", "PolicySet dari jknrules.load_policies()",
                            "a PolicySet from jknrules.load_policies()", policies)
        current = policies if policies is not None else PolicySet.load()
        index = ContentIndex()
        for compiled in current:
            index.add(compiled, compiled.file)
        keys = public_key_table(public_keys) if verify else {}
        return replay(self.entries(), str(self.path), index,
                      {p.policy.regency: p for p in current}, "policies",
                      chain=ChainCheck(keys, signatures=verify))


class CountError(ArgumentError, ValueError):
    """A count out of range (``checkpoint_every=0``): a :class:`~jknrules.JknrulesError`,
    and still the ``ValueError`` it always was."""


def _argument(name: str, want_id: str, want_en: str, value: object) -> ArgumentError:
    """A :class:`~jknrules.JknrulesError` (also a ``TypeError``) for an argument of the
    wrong type: every exception of the API is a ``JknrulesError``."""
    kind = type(value).__name__
    return ArgumentError([diag("JKN-F003", f"{name} harus berupa {want_id}, bukan {kind}",
                               f"{name} must be {want_en}, not {kind}")])


def _engine_version() -> str:
    from jknrules import __version__

    return __version__
