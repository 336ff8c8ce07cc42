"""``/openapi.json``: FastAPI's document, with the case, result and diff schemas that
``jknrules schema`` prints (the same models) placed under ``components/schemas``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from jknrules.language import schemas

#: component name of each schema's root
ROOTS = {"case": "Case", "result": "Result", "diff": "DiffReport"}

ERROR = {
    "type": "object", "required": ["error", "message", "diagnostics"],
    "properties": {
        "error": {"type": "string", "description": "invalid_case, invalid_policy, "
                  "invalid_input, invalid_request, unauthorized, forbidden, not_found, "
                  "too_large, reload_refused, internal_error, …"},
        "message": {"type": "object", "properties": {"id": {"type": "string"},
                                                     "en": {"type": "string"}}},
        "diagnostics": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"},
            "message": {"type": "object", "properties": {"id": {"type": "string"},
                                                         "en": {"type": "string"}}},
            "file": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
            "column": {"type": ["integer", "null"]}, "path": {"type": "string"},
            "hint": {"type": ["object", "null"]}}}},
    },
}


def _moved(value: Any, names: dict[str, str]) -> Any:
    """``value`` with ``#/$defs/X`` references pointing at ``#/components/schemas/…``."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                out[k] = "#/components/schemas/" + names[v.removeprefix("#/$defs/")]
            elif k not in ("$schema", "$id", "$defs"):
                out[k] = _moved(v, names)
        return out
    if isinstance(value, list):
        return [_moved(v, names) for v in value]
    return value


def components() -> dict[str, Any]:
    out: dict[str, Any] = {"Error": ERROR}
    for name, root in ROOTS.items():
        schema = schemas.schema(name)
        defs = schema.get("$defs", {})
        names = {d: d if d not in out and d not in ROOTS.values() else f"{root}{d}"
                 for d in defs}
        for d, body in defs.items():
            out[names[d]] = _moved(body, names)
        out[root] = _moved(schema, names)
    return out


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version,
                                   description=app.description, routes=app.routes)
            document.setdefault("components", {}).setdefault("schemas", {}).update(components())
            document["components"]["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "an API key (needed when the server has keys, "
                           "and always for /v1/admin)"}}
            document["security"] = [{}, {"bearer": []}]
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
