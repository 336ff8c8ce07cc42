"""The Karangasem 2025 emergency decision (route, the binding refusal or review, required
documents) encoded for peer engines, on flat facts made by :func:`flat_facts` from a
jknrules case of ``generate.make_emergency_cases`` (every fact the route reads is given
there, so the peers need no three-valued logic). The peers decide less than jknrules and
``reference.py``: no calendar (channel, deadlines) and no check of the documents brought."""

from __future__ import annotations

from typing import Any

#: outcomes that stop or hold the case, most binding first (the contract's precedence)
VERDICTS = ("needs_review", "ineligible", "already_registered", "redirected")


def flat_facts(case: dict[str, Any]) -> dict[str, Any]:
    """The facts both peers read, flat (absent ones as the policy's if_missing, or a value
    no rule matches)."""
    welfare = case.get("welfare") or {}
    applicant = case.get("applicant") or {}
    newborn = case.get("newborn") or {}
    membership = case.get("membership") or {}
    health = case.get("health") or {}
    desil = welfare.get("desil")
    return {
        "request": case.get("request", "register"),
        "emergency": bool(health.get("emergency")),
        "inpatient": health.get("inpatient", True),
        "desil": -1 if desil is None else desil,
        "domicile": applicant.get("domicile_regency", "karangasem"),
        "has_ktp": applicant.get("has_ktp", True),
        "has_ppu": bool((case.get("household") or {}).get("has_ppu_member")),
        "status": membership.get("status", "none"),
        "segment": membership.get("segment", "none"),
        "age_days": newborn.get("age_days", 999),
        "parents_registered": newborn.get("parents_registered", "unknown"),
        "deactivated": bool((case.get("employment") or {}).get("deactivated_by_employer")),
    }


def verdict_of(outcome: str, route: str | None, documents: list[str]
               ) -> tuple[str | None, str, tuple[str, ...]]:
    """(route or None, the binding verdict or "proceeds", required documents): what a peer
    decides, from an outcome, a route and the required documents."""
    verdict = outcome if outcome in VERDICTS else "proceeds"
    if verdict not in ("proceeds", "needs_review"):
        return None, verdict, ()
    return route, verdict, tuple(sorted(documents))


def decision_of(result: dict[str, Any]) -> tuple[str | None, str, tuple[str, ...]]:
    """:func:`verdict_of` a jknrules result (``Result.to_dict()``) or a reference decision."""
    route = result["route"]["id"] if result["route"] is not None else None
    return verdict_of(result["outcome"], route,
                      [d if isinstance(d, str) else d["id"]
                       for d in result["required_documents"]])
