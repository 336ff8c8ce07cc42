"""The membership dimension of ``check``: one person, one segment.

Whatever a service's conditions read, its classes are also split by
``membership.status`` × ``membership.segment``, one class per value
(:func:`.domains.every_value`), because the question depends on the segment itself, not
on the tests. A class with an **active** member (a segment other than ``none``) whose
outcome proceeds into a segment (``accepted``, ``incomplete`` or
``outside_intake_window``) other than the member's current one means an active JKN member
would be accepted into a second segment: a finding, whatever ``acknowledged_gaps`` say.

Each class is decided the way the rest of ``check`` decides it: with the compiled
closures the evaluator runs (``applies_when``, the rules and the outcome precedence);
the documents and the calendar only choose between the outcomes that proceed.

Skipped: inconsistent combinations (status ``none`` with a segment, ``active`` or
``inactive`` without one, which ``model.case.Membership`` rejects), and the one move the
vocabulary defines: ``transfer_from_mandiri`` taking an active ``pbpu_mandiri`` member
(a mutasi ends the Mandiri membership; it does not add a second segment). That route
taking an active member of any other segment is still a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jknrules.analysis.domains import (
    FieldClasses,
    build_classes,
    enumerate_facts,
    every_value,
    minimal_pattern,
)
from jknrules.engine.ir import SEGMENT_CURRENT, CService
from jknrules.language.policy import Condition
from jknrules.language.vocab import OUTCOME_PRECEDENCE, SEGMENTS

STATUS = "membership.status"
SEGMENT = "membership.segment"
#: route -> the segment it moves an active member out of (the old membership ends)
MOVES_OUT: dict[str, str] = {"transfer_from_mandiri": "pbpu_mandiri"}
_ALWAYS = (STATUS, SEGMENT)
_RANK = {name: i for i, name in enumerate(OUTCOME_PRECEDENCE)}


@dataclass(frozen=True)
class SecondSegment:
    """Active members of ``current`` segments whose case proceeds into ``target``."""

    target: str
    current: tuple[str, ...]
    #: the smallest pattern of facts that shows it (for the first of ``current``)
    example: dict[str, Any]
    classes: tuple[FieldClasses, ...]


def membership_classes(conditions: Sequence[Condition | None]) -> list[FieldClasses]:
    """The classes of the fields ``conditions`` read, with the membership fields split
    into one class per value, read or not."""
    read = [c for c in build_classes(conditions) if c.field not in _ALWAYS]
    return sorted([*read, *(every_value(f) for f in _ALWAYS)], key=lambda c: c.field)


def consistent(facts: dict[str, Any]) -> bool:
    """Status ``none`` goes with segment ``none``; active and inactive with a segment."""
    return (facts.get(STATUS) == "none") == (facts.get(SEGMENT) == "none")


def proceeds_into(service: CService, facts: dict[str, Any]) -> frozenset[str]:
    """The segments a case with these facts can proceed into along ``service`` (empty when
    it does not apply, or a rule refuses, redirects or sends it to review)."""
    if service.applies(facts)[0] is not True:
        return frozenset()
    fired = []
    for rule in service.rules:
        value = rule.when(facts)[0]
        if value is None:  # a fact is missing: needs_review, an officer decides
            return frozenset()
        if value:
            fired.append(rule)
    own = service.model.target_segment
    if not fired:
        return frozenset({own})
    best = min(_RANK[r.outcome] for r in fired)
    if best < _RANK["outside_intake_window"]:
        return frozenset()
    # an ``incomplete`` rule decides, unless the calendar puts the case outside the window
    first = next(r for r in fired if _RANK[r.outcome] == best)
    segment = facts.get(SEGMENT) if first.target_segment == SEGMENT_CURRENT else (
        first.target_segment or own)
    out = {str(segment)}
    if service.window is not None:
        out.add(own)
    return frozenset(out)


def foreign_segments(service: CService, facts: dict[str, Any]) -> frozenset[str]:
    """The segments other than an active member's own that these facts proceed into."""
    if facts.get(STATUS) != "active" or not consistent(facts):
        return frozenset()
    if MOVES_OUT.get(service.route) == facts.get(SEGMENT):
        return frozenset()
    return proceeds_into(service, facts) - {facts.get(SEGMENT)}


def second_segments(service: CService) -> list[SecondSegment]:
    """Every segment ``service`` accepts active members of other segments into."""
    conds = [service.model.applies_when, *(r.when for r in service.model.rules)]
    classes = membership_classes(conds)
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for facts in enumerate_facts(classes):
        for target in foreign_segments(service, facts):
            found.setdefault(target, {}).setdefault(str(facts[SEGMENT]), facts)
    out = []
    for target in sorted(found, key=SEGMENTS.index):
        by_current = found[target]
        current = tuple(sorted(by_current, key=SEGMENTS.index))

        def same(f: dict[str, Any], t: str = target) -> bool:
            return t in foreign_segments(service, f)

        example = minimal_pattern(classes, by_current[current[0]], same)
        out.append(SecondSegment(target, current, example, tuple(classes)))
    return out
