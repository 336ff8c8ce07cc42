"""``durable-rules`` (Rete, last released 2020): the decision as a ruleset of facts.

Kept behind this one module: durable-rules holds its rulesets in a process-wide host,
is not safe to call from threads, and loops forever on an existence test (``+m.x``),
so every rule here tests a value. Call only from the main thread.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from durable.lang import assert_fact, m, retract_fact, ruleset, when_all

from peers import VERDICTS, verdict_of

_NAME = "karangasem_2025_emergency"
_OUT: dict[int, dict[str, Any]] = {}
_SEGMENTS = ("pbi_apbn", "pbi_apbd", "pbpu_bp_pemda")
_DEFINED = False


def _define() -> None:
    global _DEFINED
    if _DEFINED:
        return
    _DEFINED = True

    def put(c: Any, key: str, value: str) -> None:
        _OUT[c.m.n].setdefault(key, []).append(value)

    with ruleset(_NAME):
        @when_all((m.request == "register") & (m.emergency == True))  # noqa: E712
        def route_emergency(c: Any) -> None:
            put(c, "route", "emergency_registration")

        @when_all((m.request == "register") & (m.emergency == False))  # noqa: E712
        def route_regular(c: Any) -> None:
            put(c, "route", "regular_registration")

        @when_all(m.request == "transfer")
        def route_transfer(c: Any) -> None:
            put(c, "route", "transfer_from_mandiri")

        @when_all(m.request == "reactivate")
        def route_reactivation(c: Any) -> None:
            put(c, "route", "reactivation")

        @when_all((m.desil >= 1) & (m.desil <= 5) & (m.inpatient == False))  # noqa: E712
        def not_hospitalised(c: Any) -> None:
            put(c, "verdict", "needs_review")

        @when_all((m.has_ktp == False) & (m.age_days < 28)  # noqa: E712
                  & (m.parents_registered == False))  # noqa: E712
        def baby_parents_not_registered(c: Any) -> None:
            put(c, "verdict", "needs_review")

        @when_all(m.domicile != "karangasem")
        def outside(c: Any) -> None:
            put(c, "verdict", "ineligible")

        @when_all((m.status == "active") & ((m.segment == _SEGMENTS[0])
                                            | (m.segment == _SEGMENTS[1])
                                            | (m.segment == _SEGMENTS[2])
                                            | (m.segment == "ppu")))
        def registered(c: Any) -> None:
            put(c, "verdict", "already_registered")

        @when_all(m.has_ppu == True)  # noqa: E712
        def ppu(c: Any) -> None:
            put(c, "verdict", "redirected")

        @when_all(m.always == 1)
        def kk(c: Any) -> None:
            put(c, "docs", "kk")

        @when_all(m.has_ktp == True)  # noqa: E712
        def ktp(c: Any) -> None:
            put(c, "docs", "ktp")

        @when_all(((m.desil >= 6) & (m.desil <= 10)) | (m.desil == -1))
        def emergency_letter(c: Any) -> None:
            put(c, "docs", "surat_keterangan_emergency")

        @when_all((m.desil >= 1) & (m.desil <= 5))
        def low_desil(c: Any) -> None:
            for doc in ("surat_rawat_inap", "surat_rujukan", "surat_kontrol"):
                put(c, "docs", doc)

        @when_all((m.has_ktp == False) & (m.age_days < 28)  # noqa: E712
                  & (m.parents_registered == True))  # noqa: E712
        def newborn(c: Any) -> None:
            put(c, "docs", "surat_keterangan_lahir")

        @when_all((m.status == "inactive") & (m.segment == "ppu")
                  & (m.deactivated == True))  # noqa: E712
        def stopped_work(c: Any) -> None:
            put(c, "docs", "surat_berhenti_bekerja")


_IDS = count()


class Durable:
    name = "durable-rules"

    def __init__(self) -> None:
        _define()

    def decide(self, facts: dict[str, Any]) -> tuple[str | None, str, tuple[str, ...]]:
        n = next(_IDS)
        fact = dict(facts, n=n, always=1)
        _OUT[n] = {}
        assert_fact(_NAME, fact)
        retract_fact(_NAME, fact)
        out = _OUT.pop(n)
        verdicts = out.get("verdict", [])
        verdict = next((v for v in VERDICTS if v in verdicts), "proceeds")
        return verdict_of(verdict, out.get("route", [None])[0], sorted(set(out.get("docs", []))))
