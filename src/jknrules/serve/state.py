"""The policy set a server answers with: one immutable :class:`Served`, replaced whole.

A request reads ``request.app.state.served`` once and answers from that object alone,
so a reload (SIGHUP, ``POST /v1/admin/reload``) that assigns a new :class:`Served`
never gives one request a mixture of the old set and the new. :func:`load_served`
builds one from the configuration; it raises :class:`~jknrules.JknrulesError` (a
policy that does not load, or, with ``require_signed``, a set whose signed bundle does
not verify) and then nothing is replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from jknrules.api import load_policies
from jknrules.audit.versions import PolicySource
from jknrules.load.loader import LoadedPolicy
from jknrules.load.policyset import PolicyFolder, PolicySet, find_policy_dir
from jknrules.serve.config import ServeConfig


@dataclass(frozen=True)
class Served:
    """One loaded policy set and what the server says about it."""

    #: the compiled policies every evaluation uses
    policies: PolicySet
    #: the policy folder they were read from
    folder: Path
    #: why that folder (``argument``, ``environment``, ``working_folder``, ``packaged``, …)
    origin: str
    #: when this set was loaded (UTC)
    loaded_at: dt.datetime
    #: SHA-256 over every regency's version fingerprints: names the set in force
    fingerprint: str
    #: whether the set was loaded with its signed bundle verified
    signed: bool
    #: the audit view of each regency's policy (history, rendering, diff), by regency id
    sources: Mapping[str, PolicySource] = field(default_factory=dict)

    def versions(self) -> list[tuple[str, str, str]]:
        """(regency, effective_from, sha256) of every version, sorted."""
        return sorted((p.policy.regency, v.effective_from.isoformat(), v.sha256)
                      for p in self.policies for v in p.versions)


def fingerprint(policies: PolicySet) -> str:
    """SHA-256 of the sorted ``regency effective_from sha256`` lines of every version."""
    lines = sorted(f"{p.policy.regency} {v.effective_from.isoformat()} {v.sha256}"
                   for p in policies for v in p.versions)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def load_served(config: ServeConfig, now: dt.datetime | None = None) -> Served:
    """Load (and, with ``require_signed``, verify) the configured policy set."""
    found: PolicyFolder = find_policy_dir(config.policies)
    if config.require_signed:
        policies = load_policies(found.path if config.policies is not None else None,
                                 require_signed=True,
                                 public_keys=config.public_keys or None)
    else:
        policies = PolicySet.load(found)
    sources: dict[str, PolicySource] = {}
    for compiled in policies:
        if compiled.source is not None:
            sources[compiled.policy.regency] = PolicySource(
                LoadedPolicy(compiled.policy, compiled.source), compiled.file)
    return Served(policies, found.path, found.origin,
                  (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC),
                  fingerprint(policies), config.require_signed, MappingProxyType(sources))
