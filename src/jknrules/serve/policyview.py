"""Kebijakan: the Standar Pelayanan in force, the version history and the diff between two
versions of a regency's policy, from the policy set the server is serving.

The audit layer does the work (:mod:`jknrules.audit.render`, :mod:`jknrules.audit.history`,
:mod:`jknrules.audit.diff`); this module only picks the source and the versions. The
source is the compiled policy the server holds (with the places of its nodes), so a
page is answered wholly by the set in force, even while a reload replaces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jknrules.audit.diff.compare import build_report
from jknrules.audit.diff.model import DiffReport
from jknrules.audit.history import VersionEntry, history
from jknrules.audit.render.document import Rendered, build
from jknrules.audit.versions import Operand, PolicySource, parse_date
from jknrules.errors import JknrulesError, diag
from jknrules.load.loader import LoadedPolicy
from jknrules.load.policyset import PolicySet


@dataclass(frozen=True)
class PolicyPage:
    source: PolicySource
    as_of: dt.date
    document: Rendered
    entries: tuple[VersionEntry, ...]
    in_force: dt.date  # effective date of the version in force on ``as_of``


def source_of(policies: PolicySet, regency: str,
              prepared: Mapping[str, PolicySource] | None = None) -> PolicySource:
    """The regency's policy as the audit layer reads it (``JKN-C100`` if it is not served):
    the server's own when it prepared one (``Served.sources``), else built from the
    compiled policy."""
    compiled = policies.get(regency)
    ready = (prepared or {}).get(compiled.policy.regency)
    if ready is not None:
        return ready
    if compiled.source is None:  # a PolicySet always keeps it; a hand-made one may not
        raise JknrulesError([diag(
            "JKN-A001", f"kebijakan {compiled.policy.regency} dimuat tanpa teks sumbernya",
            f"the policy of {compiled.policy.regency} was loaded without its source text")])
    return PolicySource(LoadedPolicy(compiled.policy, compiled.source), compiled.file)


def today(source: PolicySource) -> dt.date:
    """Today in the regency's own time zone."""
    return dt.datetime.now(ZoneInfo(source.policy.time_zone)).date()


def policy_page(policies: PolicySet, regency: str, as_of: str | None,
                prepared: Mapping[str, PolicySource] | None = None) -> PolicyPage:
    source = source_of(policies, regency, prepared)
    day = parse_date(as_of, "as_of") if as_of else today(source)
    snapshot = source.require_at(day)
    return PolicyPage(source, day, build(snapshot, day), tuple(history(source)),
                      snapshot.effective_from)


def versions(source: PolicySource) -> list[dt.date]:
    return [v.effective_from for v in source.policy.versions]


def diff_report(policies: PolicySet, regency: str, old: str | None, new: str | None,
                prepared: Mapping[str, PolicySource] | None = None
                ) -> tuple[PolicySource, DiffReport]:
    """The semantic diff between the versions in force on ``old`` and ``new`` (by default
    the version before the last, and the last)."""
    source = source_of(policies, regency, prepared)
    dates = versions(source)
    a = parse_date(old, "from") if old else dates[-2] if len(dates) > 1 else dates[0]
    b = parse_date(new, "to") if new else dates[-1]
    rid = source.policy.regency
    report = build_report(Operand(source, a, f"{rid}@{a}"), Operand(source, b, f"{rid}@{b}"))
    return source, report
