"""Finding, loading and compiling the policies: the object integrators hold on to.

Resolution order for the policy folder: the ``policies`` argument (CLI
``--policies``), then the ``JKNRULES_POLICIES`` environment variable, then the
copy shipped inside the package, then (in a source checkout) ``policies/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from jknrules.engine.compiler import compile_policy
from jknrules.engine.ir import CompiledPolicy
from jknrules.errors import CaseError, Diagnostic, PolicyError, Span, diag
from jknrules.language.vocab import REGENCIES, normalize_regency
from jknrules.load.loader import load_policy_file

ENV_VAR = "JKNRULES_POLICIES"


def default_policy_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    packaged = resources.files("jknrules").joinpath("_data", "policies")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "policies"


def policy_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to their ``*.yaml`` files (sorted); keep files as given."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.glob("*.yaml") if p.is_file())
            out += sorted(p for p in path.glob("*.yml") if p.is_file())
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
    def load(cls, policies: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None
             ) -> PolicySet:
        """Load every policy file of a folder (default: the shipped policies)."""
        # the shipped policies are named as in the source repository, wherever the
        # package is installed, so results are the same on every machine
        shipped = policies is None and not os.environ.get(ENV_VAR)
        if policies is None:
            paths = [default_policy_dir()]
        elif isinstance(policies, str | os.PathLike):
            paths = [Path(policies)]
        else:
            paths = [Path(p) for p in policies]
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
        errors: list[Diagnostic] = []
        compiled: list[CompiledPolicy] = []
        seen: dict[str, str] = {}
        for file in files:
            try:
                loaded = load_policy_file(file, f"policies/{file.name}" if shipped else None)
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
