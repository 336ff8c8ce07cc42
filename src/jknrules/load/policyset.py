"""Finding, loading and compiling the policies: the object integrators hold on to.

Which policy folder is read when none is given (:func:`find_policy_dir`), first match wins:

1. the ``policies`` argument (CLI ``--policies``);
2. the ``JKNRULES_POLICIES`` environment variable, if set and not empty;
3. a ``policies/`` folder in the working directory or the nearest of its parents
   that holds policy files — so an officer who edits ``policies/batang.yaml`` in a
   checkout and runs ``jknrules`` anywhere inside it reads the edited file, however
   the package was installed;
4. the copy installed with the package (``jknrules/_data/policies``);
5. (an editable install run from outside the checkout) ``policies/`` beside the source.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from jknrules.engine.compiler import compile_policy
from jknrules.engine.ir import CompiledPolicy
from jknrules.errors import CaseError, Diagnostic, PolicyError, Span, diag
from jknrules.language.text import Bilingual
from jknrules.language.vocab import REGENCIES, normalize_regency
from jknrules.load.loader import display_name, load_policy_file
from jknrules.load.reader import head

ENV_VAR = "JKNRULES_POLICIES"

#: Why a policy folder was chosen (see the module docstring for the order).
Origin = Literal["argument", "environment", "working_folder", "packaged", "source"]

_WHY: dict[Origin, Bilingual] = {
    "argument": Bilingual.same("--policies"),
    "environment": Bilingual.same(ENV_VAR),
    "working_folder": Bilingual("folder policies/ di folder kerja atau induknya",
                                "policies/ folder in the working folder or a parent"),
    "packaged": Bilingual("salinan yang terpasang bersama paket",
                          "the copy installed with the package"),
    "source": Bilingual("folder policies/ di samping kode sumber",
                        "policies/ beside the source code"),
}

# a top-level key of a policy file, or the schema line its first line carries
_POLICY_MARK = re.compile(rb"^(?:regency:|versions:|# yaml-language-server: .*policy\.schema)",
                          re.MULTILINE)


@dataclass(frozen=True, slots=True)
class PolicyFolder:
    """A policy folder and why it was chosen."""

    path: Path
    origin: Origin

    @property
    def named_as_shipped(self) -> bool:
        """Files are named ``policies/<file>`` in results and messages, whatever the folder's
        place on this machine (the discovered, packaged and source folders), so results are
        the same on every machine; a folder given explicitly keeps its real file names."""
        return self.origin in ("working_folder", "packaged", "source")

    def describe(self) -> str:
        """One bilingual line saying which folder is read and why (the CLI prints it on
        stderr)."""
        where = display_name(self.path)
        why = _WHY[self.origin]
        return f"jknrules: kebijakan dibaca dari {where} ({why.id}) / policies read from " \
               f"{where} ({why.en})"


class ArgumentError(PolicyError, TypeError):
    """An argument of the wrong type (``load_policies(5)``, ``evaluate(case, "policies/")``):
    a :class:`~jknrules.PolicyError`, since every error of the API is a
    :class:`~jknrules.JknrulesError`, and still a ``TypeError`` for callers who caught one."""


def _paths(value: object) -> bool:
    """A list or tuple of paths (not a ``str``, ``bytes`` or any other iterable)."""
    return isinstance(value, list | tuple) and all(isinstance(v, str | os.PathLike)
                                                   for v in value)


def holds_policies(folder: Path) -> bool:
    """Whether ``folder`` has at least one ``*.yaml``/``*.yml`` file that looks like a
    policy (a top-level ``regency:`` or ``versions:`` key, or the policy schema line)."""
    try:
        files = [p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()]
    except OSError:
        return False
    return any(_POLICY_MARK.search(head(file)) for file in sorted(files))


def find_policy_dir(policies: str | os.PathLike[str] | None = None, *,
                    cwd: Path | None = None) -> PolicyFolder:
    """The policy folder to read (see the module docstring for the order)."""
    if policies is not None:
        return PolicyFolder(Path(policies), "argument")
    env = os.environ.get(ENV_VAR)
    if env:
        return PolicyFolder(Path(env), "environment")
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "policies"
        if candidate.is_dir() and holds_policies(candidate):
            return PolicyFolder(candidate, "working_folder")
    packaged = packaged_policy_dir()
    if packaged is not None:
        return PolicyFolder(packaged, "packaged")
    return PolicyFolder(Path(__file__).resolve().parents[3] / "policies", "source")


def packaged_policy_dir() -> Path | None:
    """The copy of the policies installed with the package (``jknrules/_data/policies``;
    an editable install has none)."""
    packaged = resources.files("jknrules").joinpath("_data", "policies")
    return Path(str(packaged)) if packaged.is_dir() else None


def shipped_name(file: Path) -> str:
    """How a file of a :attr:`PolicyFolder.named_as_shipped` folder is named."""
    return f"policies/{file.name}"


def default_policy_dir() -> Path:
    """The folder :func:`find_policy_dir` chooses when none is given."""
    return find_policy_dir().path


def policy_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to their ``*.yaml`` files (sorted); keep files as given."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            # any *.yaml that is not a folder is read: a device, a pipe or a dangling link
            # under a policy's name is an error (as `validate` reports it), never skipped
            out += sorted(p for p in path.glob("*.yaml") if not p.is_dir())
            out += sorted(p for p in path.glob("*.yml") if not p.is_dir())
        else:
            out.append(path)
    return out


class PolicySet:
    """Compiled policies of one or more regencies; load once, evaluate many cases.

    Immutable after construction and safe to share between threads.
    """

    def __init__(self, policies: Iterable[CompiledPolicy]) -> None:
        self._by_regency: dict[str, CompiledPolicy] = {}
        for policy in policies:
            self._by_regency[policy.policy.regency] = policy

    @classmethod
    def load(cls, policies: PolicyFolder | str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
             | None = None) -> PolicySet:
        """Load every policy file of a folder (default: :func:`find_policy_dir`), one file,
        or a list of them."""
        if policies is None:
            policies = find_policy_dir()
        shipped = isinstance(policies, PolicyFolder) and policies.named_as_shipped
        if isinstance(policies, PolicyFolder):
            paths = [policies.path]
        elif isinstance(policies, str | os.PathLike):
            paths = [Path(policies)]
        elif _paths(policies):
            paths = [Path(p) for p in policies]
        else:
            kind = type(policies).__name__
            raise ArgumentError([diag(
                "JKN-F003",
                f"kebijakan harus berupa path folder/berkas atau daftar path, bukan {kind}",
                f"policies must be a folder/file path or a list of paths, not {kind}",
            )])
        for path in paths:
            if not path.exists():
                raise PolicyError([diag(
                    "JKN-F001", f"folder/berkas kebijakan tidak ditemukan: {path}",
                    f"policy folder/file not found: {path}", span=Span(str(path), 1, 1),
                )])
        files = policy_files(paths)
        if not files:
            raise PolicyError([diag(
                "JKN-F004", f"tidak ada berkas kebijakan *.yaml di {', '.join(map(str, paths))}",
                f"no *.yaml policy files in {', '.join(map(str, paths))}",
            )])
        return cls.load_files(files, named_as_shipped=shipped)

    @classmethod
    def load_files(cls, files: Iterable[Path], *, named_as_shipped: bool = False) -> PolicySet:
        """Load and compile these policy files, all errors collected, one file per regency;
        ``named_as_shipped``: name them ``policies/<file>`` (see :class:`PolicyFolder`)."""
        errors: list[Diagnostic] = []
        compiled: list[CompiledPolicy] = []
        seen: dict[str, str] = {}
        for file in files:
            try:
                loaded = load_policy_file(file, shipped_name(file) if named_as_shipped else None)
            except PolicyError as exc:
                errors += exc.diagnostics
                continue
            regency = loaded.policy.regency
            if regency in seen:
                errors.append(loaded.source.diag(
                    "JKN-P030", f"kabupaten '{regency}' sudah dimuat dari {seen[regency]}",
                    f"regency '{regency}' is already loaded from {seen[regency]}", ("regency",),
                ))
                continue
            seen[regency] = loaded.source.file
            compiled.append(compile_policy(loaded))
        if errors:
            raise PolicyError(errors)
        return cls(compiled)

    def __iter__(self) -> Iterator[CompiledPolicy]:
        return iter(self._by_regency.values())

    def regencies(self) -> list[str]:
        return sorted(self._by_regency)

    def get(self, regency: str) -> CompiledPolicy:
        if type(regency) is str:  # a regency id as the case reader gives it: its own form
            found = self._by_regency.get(regency)
            if found is not None:
                return found
        if not isinstance(regency, str):
            kind = type(regency).__name__
            raise ArgumentError([diag(
                "JKN-F003", f"kabupaten harus berupa teks (id atau kode BPS), bukan {kind}",
                f"the regency must be text (an id or a BPS code), not {kind}")])
        rid = normalize_regency(regency)
        found = self._by_regency.get(rid)
        if found is None:
            known = ", ".join(self.regencies()) or "-"
            raise CaseError([diag(
                "JKN-C100",
                f"tidak ada kebijakan untuk kabupaten '{regency}' (dimuat: {known})",
                f"no policy for regency '{regency}' (loaded: {known})",
                path=("regency",),
                hint_id="kabupaten yang dikenal: " + ", ".join(REGENCIES),
                hint_en="known regencies: " + ", ".join(REGENCIES),
            )])
        return found
