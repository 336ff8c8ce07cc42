"""The Karangasem 2025 emergency decision (routing, refusals, required documents) encoded
for peer engines, on flat facts made by :func:`flat_facts` from a jknrules case."""

from __future__ import annotations

from typing import Any


def flat_facts(case: dict[str, Any]) -> dict[str, Any]:
    """The facts both peers read, flat (absent booleans as the policy's if_missing)."""
    welfare = case.get("welfare") or {}
    applicant = case.get("applicant") or {}
    newborn = case.get("newborn") or {}
    membership = case.get("membership") or {}
    desil = welfare.get("desil")
    return {
        "request": case.get("request", "register"),
        "emergency": bool((case.get("health") or {}).get("emergency")),
        "desil": -1 if desil is None else desil,
        "domicile": applicant.get("domicile_regency", "karangasem"),
        "has_ktp": applicant.get("has_ktp", True),
        "has_ppu": bool((case.get("household") or {}).get("has_ppu_member")),
        "status": membership.get("status", "none"),
        "segment": membership.get("segment", "none"),
        "age_days": newborn.get("age_days", 999) if newborn else 999,
        "parents_registered": bool(newborn.get("parents_registered")),
        "deactivated": bool((case.get("employment") or {}).get("deactivated_by_employer")),
    }


def jknrules_decision(result: dict[str, Any]) -> tuple[str | None, str, tuple[str, ...]]:
    """(route, refusal or "proceeds", required documents) of a jknrules result."""
    refusal = result["outcome"] if result["outcome"] in (
        "ineligible", "already_registered", "redirected") else "proceeds"
    route = None
    for reason in result["reasons"]:
        if reason["code"] == "accepted" or reason["code"].startswith("rule."):
            route = "emergency_registration"
    if result["route"] is not None:
        route = result["route"]["id"]
    docs = tuple(sorted(d["id"] for d in result["required_documents"])) \
        if refusal == "proceeds" else ()
    return route, refusal, docs
