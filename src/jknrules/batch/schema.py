"""Columns of a batch: the case fields a row may give, and the result columns written.

Input: the case's nested structure (``welfare`` a struct with ``desil``, …) or flat
dotted names (``welfare.desil``). A null cell means the field is not given, with
one exception that keeps the contract's meaning of ``null``: ``welfare.desil``
null means *not found in SIKS-NG/DTSEN* (tidak terlacak) whenever the row gives a
``welfare`` part (a non-null struct, or a flat file with a ``welfare.desil``
column). In CSV every cell is text: an empty cell is not given and the text
``null`` is JSON ``null``.

Output ("decision" columns, written by both the vectorised and the scalar path):
``row`` (1-based), ``policy``, ``outcome``, ``target_segment``, ``route``
(``id``, ``channel``), ``required_documents`` (``id`` or ``any_of``),
``missing_documents``, ``deadlines``, ``error``. ``--full`` adds the texts of
the contract's result (``policy.document``, route steps, document names and
reasons, ``reasons``) and, with ``--trace``, ``trace`` (one JSON text per entry).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from jknrules.language import fields as catalogue
from jknrules.language.vocab import DEADLINES

#: Arrow column kind of each catalogue kind (the others are text)
_COLUMN_KINDS = {"bool": "bool", "int": "int", "documents": "docs"}
#: Case fields by dotted name -> column kind ("str", "bool", "int", "docs"), from the
#: catalogue (``language/fields.py``)
FIELDS: dict[str, str] = {f.name: _COLUMN_KINDS.get(f.kind, "str") for f in catalogue.FIELDS}
PARTS: tuple[str, ...] = catalogue.PARTS
_NULL_VALUED = [f.name for f in catalogue.CASE_FIELDS.values() if f.nullable]
if len(_NULL_VALUED) != 1:  # pragma: no cover - a new null-valued field needs more masks
    raise RuntimeError("batch.cases keeps one null mask (Chunk.desil_null)")
#: The one field whose null is a value (not found), not an absence.
NULLABLE = _NULL_VALUED[0]
ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(), "bool": pa.bool_(), "int": pa.int64(), "docs": pa.list_(pa.string()),
}

def case_schema() -> pa.Schema:
    """The nested Arrow schema of a case, for ``pa.Table.from_pylist(cases, schema=...)``
    (without a schema, ``from_pylist`` takes its columns from the first case only)."""
    top: list[tuple[str, pa.DataType]] = []
    parts: dict[str, list[tuple[str, pa.DataType]]] = {}
    for name, kind in FIELDS.items():
        if "." in name:
            part, sub = name.split(".", 1)
            if part not in parts:
                parts[part] = []
                top.append((part, pa.null()))
            parts[part].append((sub, ARROW_TYPES[kind]))
        else:
            top.append((name, ARROW_TYPES[kind]))
    return pa.schema([(n, pa.struct(parts[n]) if n in parts else t) for n, t in top])


_TEXT = pa.struct([("id", pa.string()), ("en", pa.string())])
DEADLINES_TYPE = pa.struct([(name, pa.string()) for name in DEADLINES])


def decision_schema() -> pa.Schema:
    return pa.schema([
        ("row", pa.int64()),
        ("policy", pa.struct([("regency", pa.string()), ("version", pa.string()),
                              ("effective_from", pa.string()), ("sha256", pa.string())])),
        ("outcome", pa.string()),
        ("target_segment", pa.string()),
        ("route", pa.struct([("id", pa.string()), ("channel", pa.string())])),
        ("required_documents", pa.list_(pa.struct([("id", pa.string()),
                                                   ("any_of", pa.list_(pa.string()))]))),
        ("missing_documents", pa.list_(pa.string())),
        ("deadlines", DEADLINES_TYPE),
        ("error", pa.string()),
    ])


def full_schema(trace: bool) -> pa.Schema:
    fields = [
        ("row", pa.int64()),
        ("policy", pa.struct([("regency", pa.string()), ("version", pa.string()),
                              ("effective_from", pa.string()), ("sha256", pa.string()),
                              ("document", pa.string()), ("file", pa.string())])),
        ("outcome", pa.string()),
        ("target_segment", pa.string()),
        ("route", pa.struct([
            ("id", pa.string()), ("channel", pa.string()), ("office", pa.string()),
            ("name", pa.string()), ("source", pa.string()),
            ("steps", pa.list_(pa.struct([("actor", pa.string()), ("action", pa.string()),
                                          ("minutes", pa.int64())]))),
            ("members", pa.list_(pa.string()))])),
        ("required_documents", pa.list_(pa.struct([
            ("id", pa.string()), ("any_of", pa.list_(pa.string())), ("name", _TEXT),
            ("why", _TEXT), ("source", pa.string()), ("at", pa.string()),
            ("assumption", _TEXT)]))),
        ("missing_documents", pa.list_(pa.string())),
        ("deadlines", DEADLINES_TYPE),
        ("reasons", pa.list_(pa.struct([
            ("code", pa.string()), ("message", _TEXT), ("source", pa.string()),
            ("at", pa.string()), ("fields", pa.list_(pa.string())),
            ("documents", pa.list_(pa.string())), ("assumption", _TEXT)]))),
    ]
    if trace:
        fields.append(("trace", pa.list_(pa.string())))
    fields.append(("error", pa.string()))
    return pa.schema(fields)


def decision_row(row: int, result: Mapping[str, Any]) -> dict[str, Any]:
    """The decision columns of one result (``Result.to_dict()``)."""
    policy = result["policy"]
    route = result["route"]
    return {
        "row": row,
        "policy": {k: policy[k] for k in ("regency", "version", "effective_from", "sha256")},
        "outcome": result["outcome"],
        "target_segment": result["target_segment"],
        "route": None if route is None else {"id": route["id"], "channel": route["channel"]},
        "required_documents": [
            {"id": item["id"]} if "id" in item else {"any_of": list(item["any_of"])}
            for item in result["required_documents"]
        ],
        "missing_documents": result["missing_documents"],
        "deadlines": dict(result["deadlines"]),
        "error": None,
    }


def full_row(row: int, result: Mapping[str, Any], trace: bool) -> dict[str, Any]:
    """Every column of one result (``check_keys`` refuses keys the schema lacks)."""
    out = {"row": row, **{k: v for k, v in result.items() if k != "trace"}, "error": None}
    if trace:
        out["trace"] = [json.dumps(e, ensure_ascii=False) for e in result["trace"]]
    return out


def error_row(row: int, message: str, trace: bool = False, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"row": row, "error": message}
    if full and trace:
        out["trace"] = None
    return out


def check_keys(rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Raise if a result carries a key the output schema has no column for."""
    for row in rows:
        _check(row, pa.struct(list(schema)), "")


def _check(value: Any, typ: pa.DataType, where: str) -> None:
    if value is None:
        return
    if pa.types.is_struct(typ):
        names = {typ.field(i).name: typ.field(i).type for i in range(typ.num_fields)}
        extra = set(value) - set(names)
        if extra:
            raise RuntimeError(f"result key(s) {sorted(extra)} at {where or '.'} have no column")
        for k, v in value.items():
            _check(v, names[k], f"{where}.{k}")
    elif pa.types.is_list(typ):
        for item in value:
            _check(item, typ.value_type, f"{where}[]")
