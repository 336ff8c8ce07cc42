"""Which rules, requirements, windows and channels of each version the example cases
exercised (like ``opa test --coverage``).

An item is identified by its place in the policy file (``file:line:column``),
which the evaluator's trace carries. A rule or requirement counts as exercised
when it fired in some case; a channel when some case was submitted during its
hours; an intake window when some case was judged against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jknrules.engine.ir import CompiledPolicy


@dataclass(frozen=True)
class Item:
    regency: str
    route: str
    defined_in: str
    kind: str  # rule | requirement | channel | window
    name: str
    at: str


@dataclass(frozen=True)
class Coverage:
    items: tuple[Item, ...]
    exercised: frozenset[str]

    @property
    def missed(self) -> list[Item]:
        return [i for i in self.items if i.at not in self.exercised]

    def percent(self, kind: str | None = None) -> float:
        pool = [i for i in self.items if kind is None or i.kind == kind]
        if not pool:
            return 100.0
        return 100.0 * sum(i.at in self.exercised for i in pool) / len(pool)


def coverage_items(policies: Iterable[CompiledPolicy]) -> list[Item]:
    """Every coverable item of every version (a carried-over service counts once)."""
    out: list[Item] = []
    seen: set[str] = set()
    for policy in policies:
        for version in policy.versions:
            for s in version.services:
                base = (policy.policy.regency, s.route, s.defined_in.isoformat())
                found = [Item(*base, "rule", r.id, r.cite.at) for r in s.rules]
                found += [Item(*base, "requirement", "/".join(q.documents), q.cite.at)
                          for q in s.requirements]
                found += [Item(*base, "channel", c.id, c.cite.at) for c in s.channels]
                if s.window is not None:
                    found.append(Item(*base, "window", "intake_window", s.window[1].at))
                for item in found:
                    if item.at and item.at not in seen:
                        seen.add(item.at)
                        out.append(item)
    return out


def exercised_by(traces: Iterable[Iterable[dict[str, Any]]]) -> frozenset[str]:
    hit: set[str] = set()
    for trace in traces:
        for entry in trace:
            at = entry.get("at")
            if not at:
                continue
            if entry.get("kind") == "window" or entry.get("fired") is True:
                hit.add(at)
    return frozenset(hit)


def measure(policies: Iterable[CompiledPolicy],
            traces: Iterable[Iterable[dict[str, Any]]]) -> Coverage:
    return Coverage(tuple(coverage_items(policies)), exercised_by(traces))
