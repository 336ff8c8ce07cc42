"""JSON Schemas generated from the models (checked in under ``schemas/``).

Regenerate after changing a model::

    python -m jknrules.language.schemas schemas/
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from jknrules.audit.diff.model import DiffReport
from jknrules.language.case import Case
from jknrules.language.policy import Policy
from jknrules.language.record import DecisionRecord
from jknrules.language.result import ResultModel

MODELS: dict[str, type[BaseModel]] = {
    "policy": Policy, "case": Case, "result": ResultModel, "diff": DiffReport,
    "record": DecisionRecord,
}
TITLES = {
    "policy": "Kebijakan pendaftaran JKN kabupaten (jknrules policy)",
    "case": "Kasus pemohon (jknrules case)",
    "result": "Hasil evaluasi (jknrules result)",
    "diff": "Perbedaan semantik kebijakan (jknrules diff)",
    "record": "Catatan keputusan (jknrules record)",
}


def schema(name: str) -> dict[str, Any]:
    body = MODELS[name].model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://jknrules.invalid/schemas/{name}.schema.json",
        **body,
        "title": TITLES[name],
    }


def schema_text(name: str) -> str:
    return json.dumps(schema(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in MODELS:
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        print(p)
