"""Reading a batch output back as the rows JSON Lines holds (for the tests): a flat CSV
record or a Parquet row (timestamps and ``timezone``) becomes the object its JSON Lines
line is."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq

from jknrules.batch.io import _clean
from jknrules.batch.textout import ANY_SEP, DOC_SEP, NULL


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".jsonl":
        return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return [csv_row(r) for r in csv.DictReader(handle)]
    return [parquet_row(r) for r in pq.read_table(path).to_pylist()]


def csv_row(cells: dict[str, str]) -> dict[str, Any]:
    if cells["error"]:
        return {"row": int(cells["row"]), "error": cells["error"]}

    def docs(text: str) -> list[str]:
        return text.split(DOC_SEP) if text else []

    return {
        "row": int(cells["row"]),
        "policy": {k: cells[f"policy.{k}"]
                   for k in ("regency", "version", "effective_from", "sha256")},
        "outcome": cells["outcome"],
        "target_segment": cells["target_segment"] or None,
        "route": {"id": cells["route.id"], "channel": cells["route.channel"]}
        if cells["route.id"] else None,
        "required_documents": [{"any_of": d.split(ANY_SEP)} if ANY_SEP in d else {"id": d}
                               for d in docs(cells["required_documents"])],
        "missing_documents": None if cells["missing_documents"] == NULL
        else docs(cells["missing_documents"]),
        "deadlines": {k.split(".", 1)[1]: v for k, v in cells.items()
                      if k.startswith("deadlines.") and v},
    }


def parquet_row(row: dict[str, Any]) -> dict[str, Any]:
    zone = row.pop("timezone")
    deadlines = row["deadlines"]
    if deadlines is not None:
        row["deadlines"] = {k: None if v is None else v.astimezone(ZoneInfo(zone)).isoformat()
                            for k, v in deadlines.items()}
    return _clean(row)
