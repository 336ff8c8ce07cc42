"""Policy sources for the audit commands, and the layered version in force on a date.

A :class:`PolicySource` is one policy file as loaded (with the place of every
node, so citations carry ``file:line``), compiled, and labelled with where it
came from: the policies folder, a file, or a file at a git revision. A
:class:`Snapshot` is one of its versions after layering: the services in force
and the documents that define them.

Operands on the command line: ``REGENCY@DATE`` (the version in force on DATE in
the policies folder), ``FILE`` (every version of a file) or ``FILE@DATE``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from jknrules.audit import gitrev
from jknrules.engine.compiler import compile_policy, layer_versions
from jknrules.engine.ir import Citation, CompiledPolicy, CService, CVersion
from jknrules.errors import JknrulesError, PolicyError, Span, diag
from jknrules.language.policy import Assumption, Policy, Service, Source, SourceDocument
from jknrules.language.vocab import REGENCIES, normalize_regency
from jknrules.load.loader import LoadedPolicy, display_name, load_policy_file, load_policy_text
from jknrules.load.policyset import PolicyFolder, find_policy_dir, policy_files, shipped_name

_AT_DATE = re.compile(r"^(?P<name>.+)@(?P<date>\d{4}-\d{2}-\d{2})$")


def parse_date(text: str, what: str = "DATE") -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise JknrulesError([diag(
            "JKN-A003", f"{what}: '{text}' bukan tanggal YYYY-MM-DD",
            f"{what}: '{text}' is not a YYYY-MM-DD date",
        )]) from None


@dataclass(frozen=True)
class PolicySource:
    loaded: LoadedPolicy
    label: str
    revision: str | None = None
    compiled: CompiledPolicy = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", compile_policy(self.loaded))

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    @property
    def file(self) -> str:
        return self.loaded.source.file

    @cached_property
    def layers(self) -> list[dict[str, tuple[int, Service]]]:
        return layer_versions(self.policy)

    def snapshots(self) -> list[Snapshot]:
        return [Snapshot(self, i) for i in range(len(self.policy.versions))]

    def at(self, day: dt.date) -> Snapshot | None:
        """The version in force on ``day`` (``None`` before the first one)."""
        found = None
        for i, version in enumerate(self.policy.versions):
            if version.effective_from <= day:
                found = Snapshot(self, i)
        return found

    def require_at(self, day: dt.date) -> Snapshot:
        found = self.at(day)
        if found is None:
            first = self.policy.versions[0].effective_from
            raise JknrulesError([diag(
                "JKN-A002",
                f"tidak ada versi {self.policy.regency} yang berlaku pada {day} (versi pertama "
                f"berlaku sejak {first})",
                f"no version of {self.policy.regency} is in force on {day} (the first is in force "
                f"from {first})",
                span=Span(self.file, 1, 1),
            )])
        return found


@dataclass(frozen=True)
class ServiceView:
    """A service in force, with what is needed to cite each of its parts."""

    route: str
    vi: int  # index of the version that defines it
    compiled: CService
    source: PolicySource

    @property
    def model(self) -> Service:
        return self.compiled.model

    @property
    def docs(self) -> dict[str, SourceDocument]:
        return self.source.policy.versions[self.vi].documents

    def cite(self, source: Source, *path: str | int) -> Citation:
        span = self.source.loaded.source.span(("versions", self.vi, "services", self.route, *path))
        return Citation.of(source, self.model.document, self.docs, span)


@dataclass(frozen=True)
class Snapshot:
    source: PolicySource
    index: int

    @property
    def version(self) -> CVersion:
        return self.source.compiled.versions[self.index]

    @property
    def effective_from(self) -> dt.date:
        return self.version.effective_from

    def pinned(self) -> CompiledPolicy:
        """The compiled policy with only this version, in force on every date: evaluates
        a case as if this version applied when it was submitted (impact analysis)."""
        only = dataclasses.replace(self.version, effective_from=dt.date.min)
        return dataclasses.replace(self.source.compiled, versions=(only,))

    def services(self) -> dict[str, ServiceView]:
        layer = self.source.layers[self.index]
        by_route = {s.route: s for s in self.version.services}
        return {route: ServiceView(route, vi, by_route[route], self.source)
                for route, (vi, _) in layer.items()}

    def assumptions(self) -> list[tuple[int, Assumption, Citation]]:
        """The assumption notes on the version as a whole: this version's, then those of
        the earlier versions whose services are still in force; (version index, note,
        citation — by default the version's first document)."""
        policy = self.source.policy
        defining = {vi for vi, _ in self.source.layers[self.index].values()}
        out: list[tuple[int, Assumption, Citation]] = []
        for vi in [self.index, *sorted(defining - {self.index})]:
            version = policy.versions[vi]
            first = next(iter(version.documents))
            for i, note in enumerate(version.assumptions):
                span = self.source.loaded.source.span(("versions", vi, "assumptions", i))
                out.append((vi, note, Citation.of(note.source, first, version.documents, span)))
        return out

    def documents(self) -> dict[str, tuple[SourceDocument, str]]:
        """Documents in force: those of this version and of every version that defines a
        service in force; id -> (document, file:line of its entry)."""
        policy = self.source.policy
        indices = {self.index} | {vi for vi, _ in self.source.layers[self.index].values()}
        out: dict[str, tuple[SourceDocument, str]] = {}
        for vi in sorted(indices):
            for doc_id, doc in policy.versions[vi].documents.items():
                span = self.source.loaded.source.span(("versions", vi, "documents", doc_id))
                key = doc_id if doc_id not in out or out[doc_id][0] == doc else \
                    f"{doc_id}@{policy.versions[vi].effective_from}"
                out[key] = (doc, str(span) if span else "")
        return out


# --- loading --------------------------------------------------------------------

def from_file(path: Path, label: str | None = None) -> PolicySource:
    return PolicySource(load_policy_file(path), label or display_name(path))


def from_git(path: Path, rev: str) -> PolicySource:
    blob = gitrev.show(path, rev)
    name = f"{display_name(path)}@{rev}"
    return PolicySource(load_policy_text(blob.text, name), name, blob.commit)


def from_folder(folder: PolicyFolder | Path | None, regency: str) -> PolicySource:
    """The policy of ``regency`` in ``folder`` (default: the policies in use,
    :func:`~jknrules.load.policyset.find_policy_dir`)."""
    found = folder if isinstance(folder, PolicyFolder) else find_policy_dir(folder)
    shipped, root = found.named_as_shipped, found.path
    if not root.exists():
        raise PolicyError([diag("JKN-F001", f"folder kebijakan tidak ditemukan: {root}",
                                f"policy folder not found: {root}", span=Span(str(root), 1, 1))])
    rid = normalize_regency(regency)
    for file in policy_files([root]):
        loaded = load_policy_file(file, shipped_name(file) if shipped else None)
        if loaded.policy.regency == rid:
            return PolicySource(loaded, loaded.source.file)
    raise JknrulesError([diag(
        "JKN-A001", f"tidak ada kebijakan untuk kabupaten '{regency}' di {root}",
        f"no policy for regency '{regency}' in {root}",
        hint_id="kabupaten yang dikenal: " + ", ".join(REGENCIES),
        hint_en="known regencies: " + ", ".join(REGENCIES),
    )])


@dataclass(frozen=True)
class Operand:
    source: PolicySource
    as_of: dt.date | None
    label: str


def names_regency(text: str) -> bool:
    """Whether an operand names a regency (``REGENCY@DATE``, read from the policy folder)
    rather than a file."""
    match = _AT_DATE.match(text)
    name = match["name"] if match else text
    return normalize_regency(name) in REGENCIES and not Path(name).exists()


def operand(text: str, policies: PolicyFolder | Path | None, git_rev: str | None = None
            ) -> Operand:
    """``REGENCY@DATE``, ``FILE``, ``FILE@DATE``; with ``git_rev``, FILE at that revision."""
    match = _AT_DATE.match(text)
    name, as_of = (match["name"], parse_date(match["date"], text)) if match else (text, None)
    path = Path(name)
    if git_rev is not None:
        return Operand(from_git(path, git_rev), as_of, f"{name}@{git_rev}")
    if path.is_file():
        return Operand(from_file(path), as_of, text)
    if names_regency(text):
        if as_of is None:
            raise JknrulesError([diag(
                "JKN-A001", f"'{text}': sebut tanggal versi, mis. {name}@2025-12-31",
                f"'{text}': name the version by date, e.g. {name}@2025-12-31",
            )])
        return Operand(from_folder(policies, name), as_of, text)
    raise JknrulesError([diag(
        "JKN-A001", f"'{text}' bukan berkas kebijakan maupun KABUPATEN@TANGGAL",
        f"'{text}' is neither a policy file nor REGENCY@DATE",
        span=Span(name, 1, 1),
        hint_id="contoh: karangasem@2025-12-31, policies/karangasem.yaml",
        hint_en="e.g. karangasem@2025-12-31, policies/karangasem.yaml",
    )])
