"""GoRules ZEN (``zen-engine``): the decision as a JDM graph of three decision tables.

The graph is parsed once: :class:`Zen` creates one ``ZenDecision`` for per-case calls and
gives the engine a static loader (the graph as content, not a callback that would hand
over the JSON text to parse again on every request) for ``evaluate_batch``.
"""

from __future__ import annotations

from typing import Any

import zen

from peers import verdict_of

_PBI = '"pbi_apbn", "pbi_apbd", "pbpu_bp_pemda"'
KEY = "karangasem-2025-emergency"


def _table(node_id: str, hit: str, inputs: list[tuple[str, str]], output: str,
           rows: list[tuple[list[str], str]]) -> dict[str, Any]:
    return {
        "id": node_id, "type": "decisionTableNode", "name": node_id,
        "position": {"x": 0, "y": 0},
        "content": {
            "hitPolicy": hit,
            "outputPath": node_id,
            "inputs": [{"id": f"{node_id}_i{k}", "name": name, "field": field}
                       for k, (name, field) in enumerate(inputs)],
            "outputs": [{"id": f"{node_id}_o", "name": output, "field": output}],
            "rules": [{"_id": f"{node_id}_r{r}", f"{node_id}_o": value,
                       **{f"{node_id}_i{k}": test for k, test in enumerate(tests)}}
                      for r, (tests, value) in enumerate(rows)],
        },
    }


def graph() -> dict[str, Any]:
    route = _table("route", "first", [("request", "request"), ("emergency", "emergency")],
                   "route", [
                       (['"register"', "true"], '"emergency_registration"'),
                       (['"register"', "false"], '"regular_registration"'),
                       (['"transfer"', ""], '"transfer_from_mandiri"'),
                       (['"reactivate"', ""], '"reactivation"'),
                   ])
    # first hit, in the contract's precedence: review, ineligible, registered, redirected
    verdict = _table("verdict", "first", [
        ("desil", "desil"), ("inpatient", "inpatient"), ("has_ktp", "has_ktp"),
        ("age_days", "age_days"), ("parents_registered", "parents_registered"),
        ("domicile", "domicile"), ("status", "status"), ("segment", "segment"),
        ("has_ppu", "has_ppu")], "verdict", [
        (["[1..5]", "false", "", "", "", "", "", "", ""], '"needs_review"'),
        (["", "", "false", "< 28", "false", "", "", "", ""], '"needs_review"'),
        (["", "", "", "", "", '$ != "karangasem"', "", "", ""], '"ineligible"'),
        (["", "", "", "", "", "", '"active"', f"[{_PBI}, \"ppu\"]", ""],
         '"already_registered"'),
        (["", "", "", "", "", "", "", "", "true"], '"redirected"'),
        (["", "", "", "", "", "", "", "", ""], '"proceeds"'),
    ])
    documents = _table("documents", "collect", [
        ("has_ktp", "has_ktp"), ("desil", "desil"), ("age_days", "age_days"),
        ("parents_registered", "parents_registered"), ("status", "status"),
        ("segment", "segment"), ("deactivated", "deactivated")],
        "document", [
        (["", "", "", "", "", "", ""], '"kk"'),
        (["true", "", "", "", "", "", ""], '"ktp"'),
        (["", "[6..10]", "", "", "", "", ""], '"surat_keterangan_emergency"'),
        (["", "-1", "", "", "", "", ""], '"surat_keterangan_emergency"'),
        (["", "[1..5]", "", "", "", "", ""], '"surat_rawat_inap"'),
        (["", "[1..5]", "", "", "", "", ""], '"surat_rujukan"'),
        (["", "[1..5]", "", "", "", "", ""], '"surat_kontrol"'),
        (["false", "", "< 28", "true", "", "", ""], '"surat_keterangan_lahir"'),
        (["", "", "", "", '"inactive"', '"ppu"', "true"], '"surat_berhenti_bekerja"'),
    ])
    nodes = [{"id": "in", "type": "inputNode", "name": "input", "position": {"x": 0, "y": 0}},
             route, verdict, documents,
             {"id": "out", "type": "outputNode", "name": "output", "position": {"x": 0, "y": 0}}]
    edges = [{"id": f"e{k}", "sourceId": a, "targetId": b, "type": "edge"} for k, (a, b) in
             enumerate([("in", "route"), ("in", "verdict"), ("in", "documents"),
                        ("route", "out"), ("verdict", "out"), ("documents", "out")])]
    return {"nodes": nodes, "edges": edges}


class Zen:
    name = "GoRules ZEN (zen-engine)"

    def __init__(self) -> None:
        content = graph()
        self.engine = zen.ZenEngine({"loader": {"type": "static", "content": {KEY: content}}})
        self.decision = self.engine.get_decision(KEY)

    def decide(self, facts: dict[str, Any]) -> tuple[str | None, str, tuple[str, ...]]:
        return self._read(self.decision.evaluate(facts)["result"])

    def decide_batch(self, facts: list[dict[str, Any]]
                     ) -> list[tuple[str | None, str, tuple[str, ...]]]:
        out = self.engine.evaluate_batch([{"key": KEY, "context": f} for f in facts])
        return [self._read(item["data"]["result"]) for item in out]

    @staticmethod
    def _read(result: Any) -> tuple[str | None, str, tuple[str, ...]]:
        # each table writes under its own name (outputPath); "collect" gives a list
        return verdict_of(result["verdict"]["verdict"], result["route"]["route"],
                          [item["document"] for item in result["documents"]])
