"""pydantic validation errors -> located, bilingual diagnostics."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError

from jknrules.errors import Diagnostic
from jknrules.load.source import SourceText

# pydantic error type -> Indonesian message (``{ctx}`` filled from the error context)
_ID = {
    "missing": "kolom wajib '{field}' tidak diisi",
    "extra_forbidden": "kolom '{field}' tidak dikenal",
    "literal_error": "nilai {input!r} tidak diizinkan; harus salah satu dari {expected}",
    "enum": "nilai {input!r} tidak diizinkan; harus salah satu dari {expected}",
    "string_pattern_mismatch": "nilai {input!r} tidak sesuai format ({pattern})",
    "string_type": "harus berupa teks, bukan {input!r}",
    "string_too_short": "teks tidak boleh kosong",
    "string_too_long": "teks terlalu panjang",
    "int_type": "harus berupa bilangan bulat, bukan {input!r}",
    "int_parsing": "harus berupa bilangan bulat, bukan {input!r}",
    "int_from_float": "harus berupa bilangan bulat, bukan {input!r}",
    "bool_type": "harus true atau false, bukan {input!r}",
    "bool_parsing": "harus true atau false, bukan {input!r}",
    "greater_than_equal": "nilai {input!r} terlalu kecil; paling kecil {ge}",
    "less_than_equal": "nilai {input!r} terlalu besar; paling besar {le}",
    "greater_than": "nilai {input!r} harus lebih besar dari {gt}",
    "less_than": "nilai {input!r} harus lebih kecil dari {lt}",
    "date_type": "harus berupa tanggal (YYYY-MM-DD), bukan {input!r}",
    "date_parsing": "harus berupa tanggal (YYYY-MM-DD), bukan {input!r}",
    "date_from_datetime_inexact": "harus berupa tanggal tanpa jam, bukan {input!r}",
    "date_from_datetime_parsing": "harus berupa tanggal (YYYY-MM-DD), bukan {input!r}",
    "datetime_type": "harus berupa waktu ISO 8601, bukan {input!r}",
    "datetime_parsing": "harus berupa waktu ISO 8601 (mis. 2026-02-03T09:00:00+08:00), "
    "bukan {input!r}",
    "datetime_from_date_parsing": "harus berupa waktu ISO 8601, bukan {input!r}",
    "list_type": "harus berupa daftar (list), bukan {input!r}",
    "dict_type": "harus berupa pemetaan (kunci: nilai), bukan {input!r}",
    "model_type": "harus berupa pemetaan (kunci: nilai), bukan {input!r}",
    "model_attributes_type": "harus berupa pemetaan (kunci: nilai), bukan {input!r}",
    "too_short": "daftar terlalu pendek (paling sedikit {min_length})",
    "too_long": "daftar terlalu panjang (paling banyak {max_length})",
    "tuple_type": "harus berupa daftar [min, max]",
    "value_error": "nilai tidak valid: {msg}",
    "none_required": "harus null",
    "null_not_allowed": "null tidak berlaku di sini; hapus kolom ini bila nilainya tidak diketahui",
    "union_tag_invalid": "nilai tidak valid",
}


def _fill(template: str, err: Any, field: str) -> str:
    ctx = dict(err.get("ctx") or {})
    ctx.setdefault("expected", "")
    msg = err.get("msg", "")
    if err["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")
    values = {"field": field, "input": err.get("input"), "msg": msg, **ctx}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return str(err.get("msg", ""))


def diagnostics_from(
    exc: ValidationError,
    doc: SourceText,
    code: str,
    model: type[BaseModel] | None = None,
    prefix: tuple[str | int, ...] = (),
) -> list[Diagnostic]:
    """Map each pydantic error to its place in the YAML/JSON source."""
    out: list[Diagnostic] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    for err in exc.errors():
        loc = _clean_loc(err["loc"])
        path = (*prefix, *loc)
        field = str(loc[-1]) if loc else "$"
        kind = err["type"]
        # a union of a model and None reports both branches; keep the useful one
        if kind in ("none_required",) or (path, kind) in seen:
            continue
        seen.add((path, kind))
        template = _ID.get(kind, "nilai tidak valid: {msg}")
        message_id = _fill(template, err, field)
        message_en = err.get("msg", "invalid value").removeprefix("Value error, ")
        if kind == "missing":
            message_en = f"required field '{field}' is missing"
        elif kind == "extra_forbidden":
            message_en = f"unknown field '{field}'"
        hint_id = hint_en = ""
        if err.get("input", ...) is None and kind != "missing":
            hint_id = "null bukan nilai di sini; hapus kolom ini bila nilainya tidak diketahui"
            hint_en = "null is not a value here; leave the field out if it is unknown"
        if kind == "extra_forbidden" and model is not None:
            siblings = _sibling_fields(model, loc[:-1])
            close = get_close_matches(field, siblings, n=1)
            if close:
                hint_id, hint_en = f"maksud Anda '{close[0]}'?", f"did you mean '{close[0]}'?"
            elif siblings:
                listed = ", ".join(siblings)
                hint_id, hint_en = f"kolom yang dikenal: {listed}", f"known fields: {listed}"
        out.append(doc.diag(code, message_id, message_en, path, hint_id=hint_id, hint_en=hint_en))
    return out


def _clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's union-branch labels (e.g. ``function-after[...]``, ``int``)."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and ("[" in part or part in _BRANCH_LABELS):
            continue
        out.append(part)
    return tuple(out)


_BRANCH_LABELS = {"str", "int", "bool", "none", "float", "list", "dict", "tuple", "date",
                  "datetime", "literal['current']", "constrained-str"}


def _sibling_fields(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names (aliases) of the model found at ``loc`` below ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = _field_by_name(current, part)
        if field is None:  # a key of a dict such as ``services``
            continue
        current = _model_in(field.annotation)
        if current is None:
            return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _field_by_name(model: type[BaseModel], name: str) -> Any:
    for fname, f in model.model_fields.items():
        if name in (fname, f.alias):
            return f
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
