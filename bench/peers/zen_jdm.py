"""GoRules ZEN (``zen-engine``): the decision as a JDM graph of three decision tables."""

from __future__ import annotations

import json
from typing import Any

import zen

_SEGMENTS = '"pbi_apbn", "pbi_apbd", "pbpu_bp_pemda"'


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
    refusal = _table("refusal", "first", [
        ("domicile", "domicile"), ("status", "status"), ("segment", "segment"),
        ("has_ppu", "has_ppu")], "refusal", [
        (['$ != "karangasem"', "", "", ""], '"ineligible"'),
        (["", '"active"', f"[{_SEGMENTS}]", ""], '"already_registered"'),
        (["", "", "", "true"], '"redirected"'),
        (["", "", "", ""], '"proceeds"'),
    ])
    documents = _table("documents", "collect", [
        ("has_ktp", "has_ktp"), ("desil", "desil"), ("age_days", "age_days"),
        ("parents_registered", "parents_registered"), ("deactivated", "deactivated")],
        "document", [
        (["", "", "", "", ""], '"kk"'),
        (["true", "", "", "", ""], '"ktp"'),
        (["", "[6..10]", "", "", ""], '"surat_keterangan_emergency"'),
        (["", "-1", "", "", ""], '"surat_keterangan_emergency"'),
        (["", "[1..5]", "", "", ""], '"surat_rawat_inap"'),
        (["", "[1..5]", "", "", ""], '"surat_rujukan"'),
        (["", "[1..5]", "", "", ""], '"surat_kontrol"'),
        (["", "", "< 28", "true", ""], '"surat_keterangan_lahir"'),
        (["", "", "", "", "true"], '"surat_berhenti_bekerja"'),
    ])
    nodes = [{"id": "in", "type": "inputNode", "name": "input", "position": {"x": 0, "y": 0}},
             route, refusal, documents,
             {"id": "out", "type": "outputNode", "name": "output", "position": {"x": 0, "y": 0}}]
    edges = [{"id": f"e{k}", "sourceId": a, "targetId": b, "type": "edge"} for k, (a, b) in
             enumerate([("in", "route"), ("in", "refusal"), ("in", "documents"),
                        ("route", "out"), ("refusal", "out"), ("documents", "out")])]
    return {"nodes": nodes, "edges": edges}


class Zen:
    name = "GoRules ZEN (zen-engine)"

    def __init__(self) -> None:
        content = json.dumps(graph())
        self.engine = zen.ZenEngine({"loader": lambda key: content})
        self.decision = self.engine.create_decision(content)

    def decide(self, facts: dict[str, Any]) -> tuple[str | None, str, tuple[str, ...]]:
        return self._read(self.decision.evaluate(facts)["result"])

    def decide_batch(self, facts: list[dict[str, Any]]
                     ) -> list[tuple[str | None, str, tuple[str, ...]]]:
        out = self.engine.evaluate_batch([{"key": "k", "context": f} for f in facts])
        return [self._read(item["data"]["result"]) for item in out]

    @staticmethod
    def _read(result: Any) -> tuple[str | None, str, tuple[str, ...]]:
        # each table writes under its own name (outputPath); "collect" gives a list
        refusal = result["refusal"]["refusal"]
        docs = {item["document"] for item in result["documents"]}
        return (result["route"]["route"], refusal,
                tuple(sorted(docs)) if refusal == "proceeds" else ())
