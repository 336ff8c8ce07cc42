"""Decision records: each decision appended to a JSON Lines file, and replayed later.

:class:`DecisionLog` is the public face (``jknrules.DecisionLog``; the CLI's
``evaluate --record`` uses it). A record holds the case (exactly as given: absent
fields stay absent), the result, the fingerprint (``sha256``) of the policy content
that decided, and the engine version; its shape is
:class:`jknrules.language.record.DecisionRecord` (``schemas/record.schema.json``).
Written without identity (``redact=True``), the NIK, KK number and birth date are
left out and listed under ``redacted``. :func:`append_record` writes one line with a single
``os.write`` on a file opened ``O_APPEND`` and ``fsync``s it, so a crash can at
worst leave the *last* line incomplete; earlier records are never touched, and
the next append starts on a fresh line. :func:`read_records` reports a
damaged line and goes on with the others.

Replay (:func:`replay`) re-evaluates each recorded case against the policy
content that decided it, found by fingerprint in the given policies or in git
history, and against the rules in force today; see ``docs/audit-guide.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jknrules.api import as_case
from jknrules.audit.wording import Words
from jknrules.engine.compiler import compile_policy
from jknrules.engine.evaluator import evaluate_compiled
from jknrules.engine.ir import CompiledPolicy, CVersion
from jknrules.engine.result import Result
from jknrules.errors import CaseError, JknrulesError, PolicyError, Span, diag
from jknrules.language.case import Case
from jknrules.language.record import IDENTITY_FIELDS, RECORD_FORMAT
from jknrules.load.loader import case_from_data, load_policy_text
from jknrules.load.policyset import PolicySet

FORMAT = RECORD_FORMAT
#: The parts of a result that make the decision (the wording and trace do not).
DECISION_FIELDS = ("outcome", "target_segment", "route", "required_documents",
                   "missing_documents", "deadlines")


def decision(result: Mapping[str, Any]) -> dict[str, Any]:
    """A result reduced to its decision, in a form that compares equal when equal."""
    route = result.get("route")
    missing = result.get("missing_documents")
    return {
        "outcome": result.get("outcome"),
        "target_segment": result.get("target_segment"),
        "route": None if route is None else f"{route.get('id')}/{route.get('channel')}",
        "required_documents": sorted(
            "|".join(d["any_of"]) if "any_of" in d else str(d.get("id"))
            for d in result.get("required_documents") or []),
        "missing_documents": None if missing is None else sorted(missing),
        "deadlines": dict(sorted((result.get("deadlines") or {}).items())),
    }


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Difference]:
    a, b = decision(old), decision(new)
    return [Difference(name, a[name], b[name]) for name in DECISION_FIELDS if a[name] != b[name]]


@dataclass(frozen=True, slots=True)
class Difference:
    field: str
    recorded: Any
    replayed: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "recorded": self.recorded, "replayed": self.replayed}


# --- writing ----------------------------------------------------------------------

def case_data(case: Case) -> dict[str, Any]:
    """The case as given: fields the case did not set are left out (absent is not null)."""
    return case.model_dump(mode="json", exclude_unset=True)


def make_record(case: Case, result: Result, engine: str,
                now: dt.datetime | None = None, *, redact: bool = False) -> dict[str, Any]:
    """One decision record; ``redact`` leaves the NIK, KK number and birth date out of the
    case (and out of the trace's facts) and lists what was left out under ``redacted``."""
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
    if redact:
        record["case"], removed = _without_identity(record["case"])
        record["result"] = _result_without_identity(record["result"])
        record["redacted"] = removed
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


class DecisionLog:
    """A JSON Lines file of decision records, for audits: append each decision, read the
    records back, replay them against the policies.

        >>> log = jknrules.DecisionLog("decisions.jsonl", redact=True)
        >>> result = jknrules.evaluate(case, policies)
        >>> log.append(case, result)

    ``redact=True`` writes records without the applicant's identity: the NIK, the KK
    number and the birth date are left out of the recorded case and out of the trace,
    and the record lists them under ``redacted``. Replay still works: it re-evaluates
    the recorded case, and a decision never depends on these fields unless the policy's
    conditions read them (replay then says so, ``JKN-A043``, instead of reporting a
    changed decision).

    Appends are atomic (one ``write`` on an ``O_APPEND`` file, then ``fsync``), so
    several processes or threads may append to one file. The log keeps no state
    besides its path and options.
    """

    def __init__(self, path: str | os.PathLike[str], *, redact: bool = False,
                 engine: str | None = None) -> None:
        self.path = Path(path)
        self.redact = redact
        self.engine = engine

    def __repr__(self) -> str:
        return f"DecisionLog({str(self.path)!r}, redact={self.redact})"

    def record(self, case: object, result: Result, *, now: dt.datetime | None = None
               ) -> dict[str, Any]:
        """The record :meth:`append` would write (the case as given, the result, the
        policy fingerprint, the engine version), without writing it."""
        return make_record(as_case(case), result, self.engine or _engine_version(), now,
                           redact=self.redact)

    def append(self, case: object, result: Result, *, now: dt.datetime | None = None
               ) -> dict[str, Any]:
        """Append the decision ``result`` about ``case`` (a ``Case``, a mapping or a case
        file, as :func:`jknrules.evaluate` takes it); returns the record written.

        Raises :class:`~jknrules.JknrulesError` ``JKN-A034`` when it cannot be written.
        """
        entry = self.record(case, result, now=now)
        append_record(self.path, entry)
        return entry

    def read(self) -> list[Entry]:
        """Every line of the file: a record, or the problem of a damaged line."""
        return read_records(self.path)

    def replay(self, policies: PolicySet | None = None) -> ReplayReport:
        """Re-evaluate every record against the policy content that decided it (found by
        fingerprint in ``policies``, default the shipped ones) and against the rules in
        force today. ``report.clean`` is true when every decision is reproduced and
        unchanged; ``report.findings`` says what differs (``jknrules replay`` prints
        the same report, and can also search a policy folder's git history)."""
        current = policies if policies is not None else PolicySet.load()
        index = ContentIndex()
        for compiled in current:
            index.add(compiled, compiled.file)
        return replay(self.read(), str(self.path), index,
                      {p.policy.regency: p for p in current}, "policies")


def _engine_version() -> str:
    from jknrules import __version__

    return __version__


def append_record(path: Path, record: Mapping[str, Any]) -> None:
    """Append one record as one line: a single write on an O_APPEND file, then fsync."""
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n").encode("utf-8")
    try:
        # O_BINARY (Windows only): no newline translation, so one record is one line
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0),
                     0o644)
    except OSError as exc:
        raise _write_error(path, exc.strerror or str(exc)) from None
    try:
        _lock(fd)
        size = os.fstat(fd).st_size
        if size and _last_byte(fd, size) != b"\n":
            line = b"\n" + line  # an earlier write was cut short: do not glue onto it
        written = os.write(fd, line)
        if written != len(line):
            raise _write_error(path, f"only {written} of {len(line)} bytes written")
        os.fsync(fd)
    except OSError as exc:
        raise _write_error(path, exc.strerror or str(exc)) from None
    finally:
        os.close(fd)


def _last_byte(fd: int, size: int) -> bytes:
    """The file's last byte, by a seek and a read, which every platform has (a positioned read
    is POSIX only); the write that follows still goes to the end (``O_APPEND``)."""
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1)


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: O_APPEND alone orders the writes
        return
    fcntl.flock(fd, fcntl.LOCK_EX)  # released by close


def _write_error(path: Path, why: str) -> JknrulesError:
    return JknrulesError([diag(
        "JKN-A034", f"catatan keputusan tidak dapat ditulis ke {path}: {why}",
        f"cannot write the decision record to {path}: {why}", span=Span(str(path), 1, 1),
    )])


# --- reading ------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One line of a record file: a record, or the problem that stops reading it."""

    line: int
    record: Mapping[str, Any] | None
    problem: ReplayFinding | None = None


def read_records(path: Path) -> list[Entry]:
    """Every line of a record file; a damaged line is an entry with its problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        code = "JKN-F001" if isinstance(exc, FileNotFoundError) else "JKN-F003"
        raise JknrulesError([diag(
            code, f"berkas catatan tidak dapat dibaca: {path} ({exc.strerror})",
            f"cannot read the record file: {path} ({exc.strerror})", span=Span(str(path), 1, 1),
        )]) from None
    lines = data.split(b"\n")
    out: list[Entry] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        last = number == len(lines)  # text after the final newline: a cut-short write
        try:
            record = json.loads(raw.decode("utf-8"))
        except ValueError:
            code, why = ("JKN-A032", Words(
                "baris terakhir tidak lengkap (penulisan terputus); catatan sebelumnya utuh",
                "the last line is incomplete (an interrupted write); earlier records are intact",
            )) if last else ("JKN-A031", Words(
                "baris bukan catatan JSON yang utuh (mungkin penulisan terputus)",
                "the line is not a complete JSON record (perhaps an interrupted write)"))
            out.append(Entry(number, None, ReplayFinding(number, code, why)))
            continue
        problem = _shape(record)
        if problem is not None:
            out.append(Entry(number, None, ReplayFinding(number, "JKN-A033", problem)))
            continue
        out.append(Entry(number, record))
    return out


def _shape(data: Any) -> Words | None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return Words(f"bukan catatan keputusan ({FORMAT})", f"not a decision record ({FORMAT})")
    policy = data.get("policy")
    if not isinstance(data.get("case"), dict) or not isinstance(data.get("result"), dict) \
            or not isinstance(policy, dict) or not isinstance(policy.get("sha256"), str):
        return Words("catatan tidak memuat case, result dan policy.sha256",
                     "the record lacks case, result or policy.sha256")
    redacted = data.get("redacted")
    if redacted is not None and (not isinstance(redacted, list) or any(
            not isinstance(name, str) or name not in IDENTITY_FIELDS for name in redacted)):
        return Words("'redacted' harus berupa daftar kolom identitas",
                     "'redacted' must be a list of identity fields")
    return None


# --- replay ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplayFinding:
    line: int
    code: str
    message: Words
    sha256: str | None = None
    differences: tuple[Difference, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code,
                "message": {"id": self.message.id, "en": self.message.en},
                "sha256": self.sha256, "differences": [d.to_json() for d in self.differences]}


@dataclass
class ContentIndex:
    """Policy contents by fingerprint: sha256 -> (compiled policy, version, where)."""

    by_sha: dict[str, tuple[CompiledPolicy, CVersion, str]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def add(self, compiled: CompiledPolicy, where: str) -> None:
        for version in compiled.versions:
            self.by_sha.setdefault(version.sha256, (compiled, version, where))

    def add_text(self, text: str, where: str) -> None:
        try:
            self.add(compile_policy(load_policy_text(text, where)), where)
        except PolicyError:
            self.unreadable.append(where)


@dataclass(frozen=True)
class ReplayReport:
    file: str
    records: int
    reproduced: int
    findings: tuple[ReplayFinding, ...]
    contents: int
    searched: str

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "records": self.records, "reproduced": self.reproduced,
                "contents_searched": self.contents, "searched": self.searched,
                "findings": [f.to_json() for f in self.findings]}


def replay(entries: Iterable[Entry], file: str, index: ContentIndex,
           current: Mapping[str, CompiledPolicy], searched: str) -> ReplayReport:
    findings: list[ReplayFinding] = []
    records = reproduced = 0
    for entry in entries:
        if entry.problem is not None:
            findings.append(entry.problem)
            continue
        assert entry.record is not None
        records += 1
        found, ok = _replay_one(entry.line, entry.record, index, current)
        findings += found
        reproduced += ok
    return ReplayReport(file, records, reproduced, tuple(findings), len(index.by_sha), searched)


def _replay_one(line: int, record: Mapping[str, Any], index: ContentIndex,
                current: Mapping[str, CompiledPolicy]) -> tuple[list[ReplayFinding], bool]:
    sha = str(record["policy"]["sha256"])
    recorded = record["result"]
    try:
        case = case_from_data(record["case"])
    except CaseError as exc:
        return [ReplayFinding(line, "JKN-A033", Words(
            f"kasus dalam catatan tidak valid: {exc.summary('id')}",
            f"the recorded case is invalid: {exc.summary('en')}"), sha)], False
    out: list[ReplayFinding] = []
    ok = False
    hit = index.by_sha.get(sha)
    if hit is None:
        engine = record.get("engine", {}).get("version", "?")
        out.append(ReplayFinding(line, "JKN-A040", Words(
            f"isi kebijakan yang memutuskan (sha256 {sha[:12]}…) tidak ditemukan lagi; "
            f"mesin saat itu {engine}",
            f"the policy content that decided (sha256 {sha[:12]}…) can no longer be found; "
            f"engine then {engine}"), sha))
    redacted = set(record.get("redacted") or ())
    blind = redacted & set(hit[1].reads) if hit is not None else set()
    if hit is not None and blind:
        out.append(_needs_identity(line, sha, blind, f"({hit[2]})", f"({hit[2]})"))
    elif hit is not None:
        compiled, version, where = hit
        replayed = _evaluate(dataclasses.replace(compiled, versions=(version,)), case)
        diffs = _diff(recorded, replayed)
        if diffs:
            out.append(ReplayFinding(line, "JKN-A041", Words(
                f"dengan isi kebijakan yang sama ({where}) keputusan kini berbeda dari catatan",
                f"with the same policy content ({where}) the decision now differs from the "
                "record"), sha, tuple(diffs)))
        ok = not diffs
    today = current.get(case.regency)
    in_force = today.version_at(today.calendar.local(case.submitted_at).date()) \
        if today is not None else None
    today_blind = redacted & set(in_force.reads) if in_force is not None else set()
    if today_blind and not blind:
        out.append(_needs_identity(line, sha, today_blind, "yang berlaku kini",
                                   "in force today"))
    elif today is not None and not blind:
        result = _evaluate(today, case)
        today_sha = (result or {}).get("policy", {}).get("sha256")
        diffs = _diff(recorded, result) if today_sha != sha else []
        if diffs:
            label = (result or {}).get("policy", {}).get("effective_from", "-")
            out.append(ReplayFinding(line, "JKN-A042", Words(
                f"menurut aturan yang berlaku kini ({case.regency} versi {label}, sha256 "
                f"{str(today_sha)[:12]}…) keputusan akan berbeda",
                f"under the rules in force today ({case.regency} version {label}, sha256 "
                f"{str(today_sha)[:12]}…) the decision would differ"), sha, tuple(diffs)))
    return out, ok


def _needs_identity(line: int, sha: str, fields: set[str], which_id: str,
                    which_en: str) -> ReplayFinding:
    """A record written without identity, replayed against content whose conditions
    read an identity field: the decision cannot be reproduced without it."""
    names = ", ".join(sorted(fields))
    return ReplayFinding(line, "JKN-A043", Words(
        f"catatan ditulis tanpa identitas, tetapi isi kebijakan {which_id} membaca {names}: "
        "keputusan tidak dapat diulang tanpa data itu",
        f"the record was written without identity, but the policy content {which_en} reads "
        f"{names}: the decision cannot be replayed without it"), sha)


def _evaluate(policy: CompiledPolicy, case: Case) -> dict[str, Any] | None:
    try:
        return evaluate_compiled(policy, case, trace=False).to_dict()
    except CaseError:
        return None


def _diff(recorded: Mapping[str, Any], replayed: Mapping[str, Any] | None) -> list[Difference]:
    if replayed is None:
        return [Difference("outcome", recorded.get("outcome"), "error")]
    return differences(recorded, replayed)
