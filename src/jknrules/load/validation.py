"""pydantic validation errors -> located, bilingual diagnostics.

Every message is the project's own wording in both languages (``_MESSAGES``), never
pydantic's English: an officer reads "tulis jam sebagai HH:MM-HH:MM", not a regular
expression. Hints add what the officer most likely meant: a known key or value close
to the one written ("maksud Anda …? / did you mean …?"), quotes around a number that
must be text (YAML reads ``5107`` as a number), a colon for the dotted hours of the
signed documents (``07.30``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError

from jknrules.errors import Diagnostic
from jknrules.language.checks import BILINGUAL_ERROR
from jknrules.language.policy import HOURS_PATTERN, PATTERN_WORDS
from jknrules.language.text import Bilingual
from jknrules.language.vocab import DOCUMENTS
from jknrules.load.source import SourceText

# pydantic error type -> its message; ``{…}`` filled from the error and its context
_MESSAGES: dict[str, Bilingual] = {
    "missing": Bilingual("kolom wajib '{field}' tidak diisi", "required field '{field}' is missing"),
    "extra_forbidden": Bilingual("kolom '{field}' tidak dikenal", "unknown field '{field}'"),
    "literal_error": Bilingual("nilai {input} tidak diizinkan; harus salah satu dari {expected_id}",
                               "value {input} is not allowed; expected one of {expected_en}"),
    "enum": Bilingual("nilai {input} tidak diizinkan; harus salah satu dari {expected_id}",
                      "value {input} is not allowed; expected one of {expected_en}"),
    "string_pattern_mismatch": Bilingual("nilai {input} tidak sesuai format ({pattern})",
                                         "value {input} does not have the expected form ({pattern})"),
    "string_type": Bilingual("harus berupa teks, bukan {input}", "must be text, not {input}"),
    "string_too_short": Bilingual("teks tidak boleh kosong", "the text must not be empty"),
    "string_too_long": Bilingual("teks terlalu panjang (paling banyak {max_length} karakter)",
                                 "the text is too long (at most {max_length} characters)"),
    "int_type": Bilingual("harus berupa bilangan bulat, bukan {input}",
                          "must be a whole number, not {input}"),
    "int_parsing": Bilingual("harus berupa bilangan bulat, bukan {input}",
                             "must be a whole number, not {input}"),
    "int_from_float": Bilingual("harus berupa bilangan bulat, bukan {input}",
                                "must be a whole number, not {input}"),
    "finite_number": Bilingual("harus berupa bilangan bulat, bukan {input}",
                               "must be a whole number, not {input}"),
    "bool_type": Bilingual("harus true atau false, bukan {input}", "must be true or false, not {input}"),
    "bool_parsing": Bilingual("harus true atau false, bukan {input}",
                              "must be true or false, not {input}"),
    "greater_than_equal": Bilingual("nilai {input} terlalu kecil; paling kecil {ge}",
                                    "value {input} is too small; the smallest allowed is {ge}"),
    "less_than_equal": Bilingual("nilai {input} terlalu besar; paling besar {le}",
                                 "value {input} is too large; the largest allowed is {le}"),
    "greater_than": Bilingual("nilai {input} harus lebih besar dari {gt}",
                              "value {input} must be greater than {gt}"),
    "less_than": Bilingual("nilai {input} harus lebih kecil dari {lt}",
                           "value {input} must be less than {lt}"),
    "date_type": Bilingual("harus berupa tanggal (YYYY-MM-DD), bukan {input}",
                           "must be a date (YYYY-MM-DD), not {input}"),
    "date_parsing": Bilingual("harus berupa tanggal (YYYY-MM-DD), bukan {input}",
                              "must be a date (YYYY-MM-DD), not {input}"),
    "date_from_datetime_inexact": Bilingual("harus berupa tanggal tanpa jam, bukan {input}",
                                            "must be a date without a time, not {input}"),
    "date_from_datetime_parsing": Bilingual("harus berupa tanggal (YYYY-MM-DD), bukan {input}",
                                            "must be a date (YYYY-MM-DD), not {input}"),
    "datetime_type": Bilingual("harus berupa waktu ISO 8601, bukan {input}",
                               "must be an ISO 8601 date and time, not {input}"),
    "datetime_parsing": Bilingual("harus berupa waktu ISO 8601 (mis. 2026-02-03T09:00:00+08:00), "
                                  "bukan {input}",
                                  "must be an ISO 8601 date and time (e.g. 2026-02-03T09:00:00+08:00), "
                                  "not {input}"),
    "datetime_from_date_parsing": Bilingual("harus berupa waktu ISO 8601, bukan {input}",
                                            "must be an ISO 8601 date and time, not {input}"),
    "datetime_object_invalid": Bilingual("harus berupa waktu ISO 8601, bukan {input}",
                                         "must be an ISO 8601 date and time, not {input}"),
    "list_type": Bilingual("harus berupa daftar (list), bukan {input}", "must be a list, not {input}"),
    "tuple_type": Bilingual("harus berupa daftar [min, max], bukan {input}",
                            "must be a list [min, max], not {input}"),
    "dict_type": Bilingual("harus berupa pemetaan (kunci: nilai), bukan {input}",
                           "must be a mapping (key: value), not {input}"),
    "model_type": Bilingual("harus berupa pemetaan (kunci: nilai), bukan {input}",
                            "must be a mapping (key: value), not {input}"),
    "model_attributes_type": Bilingual("harus berupa pemetaan (kunci: nilai), bukan {input}",
                                       "must be a mapping (key: value), not {input}"),
    "too_short": Bilingual("isinya terlalu sedikit (paling sedikit {min_length})",
                           "too few items (at least {min_length})"),
    "too_long": Bilingual("isinya terlalu banyak (paling banyak {max_length})",
                          "too many items (at most {max_length})"),
    "none_required": Bilingual("harus null", "must be null"),
    "null_not_allowed": Bilingual("null tidak berlaku di sini; hapus kolom ini bila nilainya tidak "
                                  "diketahui",
                                  "null is not a value here; leave the field out if it is unknown"),
    "union_tag_invalid": Bilingual("nilai {input} tidak valid", "invalid value {input}"),
    # a validator's own check (``ValueError``): its message is already the project's words
    "value_error": Bilingual("nilai tidak valid: {msg}", "{msg}"),
    "assertion_error": Bilingual("nilai tidak valid: {msg}", "{msg}"),
}
_FALLBACK = Bilingual("nilai {input} tidak valid ({type})", "invalid value {input} ({type})")

#: Text patterns outside the policy language, in words (the case's NIK and KK number).
_OTHER_PATTERNS: dict[str, Bilingual] = {
    r"^[0-9]{16}$": Bilingual("tulis 16 angka 0–9", "write 16 digits 0–9"),
    r"^([a-z][a-z_]*|[0-9]{4})$": Bilingual(
        "tulis id kabupaten (mis. batang) atau kode BPS 4 angka 0–9",
        "write a regency id (e.g. batang) or a 4-digit BPS code"),
}
#: Hours as the signed documents write them: 07.30-10.30, 7:30 - 10:30, 07.30–10.30.
_LOOSE_HOURS = re.compile(r"^(\d{1,2})[.:](\d{2})\s*[-–—]\s*(\d{1,2})[.:](\d{2})$")


def _show(value: Any, lang: str = "en") -> str:
    """A value as the officer wrote it, short enough for a one-line message."""
    if isinstance(value, dict):
        return ("sebuah pemetaan" if lang == "id" else "a mapping") if value else "{}"
    if isinstance(value, list):
        return ("sebuah daftar" if lang == "id" else "a list") if value else "[]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _huge(value):  # repr fails past 4300 digits
        digits = int(value.bit_length() * 0.30103) + 1
        return f"<angka {digits} digit>" if lang == "id" else f"<a {digits}-digit number>"
    text = repr(value.isoformat()) if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _huge(value: Any) -> bool:
    """An integer too long to show (Python refuses to print one past 4300 digits)."""
    return isinstance(value, int) and not isinstance(value, bool) and \
        not -10**24 < value < 10**24


def _choices(expected: str) -> list[str]:
    """The allowed values pydantic lists in a literal error's context (``'a', 'b' or 'c'``)."""
    return re.findall(r"'([^']*)'", expected)


def _listed(values: Sequence[str], last: str) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) < 2:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f" {last} " + quoted[-1]


def _texts(err: Any, field: str) -> Bilingual:
    """The error in the project's words."""
    kind = err["type"]
    ctx = dict(err.get("ctx") or {})
    if kind == BILINGUAL_ERROR:
        return Bilingual(str(ctx["id"]), str(ctx["en"]))
    shown_id = _show(err.get("input"), "id")
    values: dict[str, Any] = {
        "field": field, "input": _show(err.get("input")), "type": kind,
        "msg": str(err.get("msg", "")).removeprefix("Value error, ").removeprefix(
            "Assertion failed, "),
        **{k: v for k, v in ctx.items() if k not in ("expected", "pattern")},
    }
    choices = _choices(str(ctx.get("expected", "")))
    values["expected_id"] = _listed(choices, "atau") or str(ctx.get("expected", ""))
    values["expected_en"] = _listed(choices, "or") or str(ctx.get("expected", ""))
    pattern = str(ctx.get("pattern", ""))
    words = PATTERN_WORDS.get(pattern) or _OTHER_PATTERNS.get(pattern)
    if kind == "string_pattern_mismatch" and words is not None:
        if pattern == HOURS_PATTERN:
            return Bilingual(f"jam {values['input']} tidak sesuai format: {words.id}",
                             f"hours {values['input']} are not in the expected form: {words.en}")
        return Bilingual(f"nilai {values['input']} tidak sesuai format: {words.id}",
                         f"value {values['input']} is not in the expected form: {words.en}")
    values["pattern"] = pattern
    template = _MESSAGES.get(kind, _FALLBACK)
    try:
        return Bilingual(template.id.format(**(values | {"input": shown_id})),
                         template.en.format(**values))
    except (KeyError, IndexError, ValueError):
        return Bilingual(_FALLBACK.id.format(**(values | {"input": shown_id})),
                         _FALLBACK.en.format(**values))


def did_you_mean(meant: str) -> Bilingual:
    """The hint naming the likely intended key or value."""
    return Bilingual(f"maksud Anda '{meant}'?", f"did you mean '{meant}'?")


_NULL_HINT = Bilingual("null bukan nilai di sini; hapus kolom ini bila nilainya tidak diketahui",
                       "null is not a value here; leave the field out if it is unknown")


def _hint(err: Any, field: str, siblings: Sequence[str] | None) -> Bilingual | None:
    """What the officer most likely meant (``None``: no hint)."""
    kind = err["type"]
    value = err.get("input", ...)
    ctx = dict(err.get("ctx") or {})
    if value is None and kind != "missing":
        return _NULL_HINT
    if kind == "extra_forbidden" and siblings:
        close = get_close_matches(field, siblings, n=1)
        if close:
            return did_you_mean(close[0])
        listed = ", ".join(siblings)
        return Bilingual(f"kolom yang dikenal: {listed}", f"known fields: {listed}")
    if kind in ("literal_error", "enum") and isinstance(value, str):
        return _closest_value(value, _choices(str(ctx.get("expected", ""))))
    if kind == "string_type" and isinstance(value, bool | int | float | dt.date) \
            and not _huge(value):
        return _quote_hint(value, field)
    if kind == "int_type" and isinstance(value, str) and value.strip().isascii() \
            and value.strip().lstrip("-").isdigit() and len(value) <= 18:
        number = int(value.strip())
        return Bilingual(f"tulis {number} tanpa tanda kutip", f"write {number} without quotes")
    if kind in ("int_type", "int_from_float") and isinstance(value, bool | float):
        return Bilingual(
            "tulis bilangan bulat tanpa tanda kutip, mis. 30 (bukan true/false atau pecahan)",
            "write a whole number without quotes, e.g. 30 (not true/false or a fraction)")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == HOURS_PATTERN \
            and isinstance(value, str):
        return _hours_hint(value)
    if kind in ("date_parsing", "date_type", "date_from_datetime_parsing"):
        return Bilingual("tulis tanggal sebagai YYYY-MM-DD, mis. 2025-12-31",
                         "write a date as YYYY-MM-DD, e.g. 2025-12-31")
    return None


def _closest_value(value: str, choices: list[str]) -> Bilingual | None:
    """'did you mean' for a value outside a fixed list; a document id is also found by
    the words of its name ('kartu_keluarga' -> 'kk', 'surat_keterangan_tidak_mampu' ->
    'sktm')."""
    if not choices:
        return None
    close: list[str] = []
    if set(choices) <= set(DOCUMENTS):
        words = [w for w in re.split(r"[\s_\-]+", value.lower()) if len(w) > 2]
        named = [doc for doc in choices
                 if words and all(w in DOCUMENTS[doc].id.lower() for w in words)]
        close = named if len(named) == 1 else []
    if not close:
        close = sorted(get_close_matches(value, choices, n=3),
                       key=lambda c: _edits(value, c))[:1]  # stable: difflib's order on ties
    return did_you_mean(close[0]) if close else None


def _edits(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit
    ('pbi_apdb' is one edit from 'pbi_apbd', two from 'pbi_apbn')."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


def _quote_hint(value: bool | int | float | dt.date, field: str) -> Bilingual:
    """YAML read a scalar as a number, yes/no or a date where text is expected."""
    if isinstance(value, bool):
        what = Bilingual.same("true/false")
        text = "yes" if value else "no"
    elif isinstance(value, dt.date):
        what, text = Bilingual("tanggal", "a date"), value.isoformat()
    else:
        what, text = Bilingual("angka", "a number"), str(value)
    written = f'{field}: "{text}"' if field and not field.isdigit() else f'"{text}"'
    return Bilingual(f"YAML membaca {text} sebagai {what.id}; tulis dalam tanda kutip: {written}",
                     f"YAML reads {text} as {what.en}; put it in quotes: {written}")


def _hours_hint(text: str) -> Bilingual | None:
    """The hours in the policy's form, when the officer's text is recognisably hours."""
    match = _LOOSE_HOURS.match(text.strip())
    if match is None:
        return None
    h1, m1, h2, m2 = match.groups()
    fixed = f"{int(h1):02d}:{m1}-{int(h2):02d}:{m2}"
    if not re.match(HOURS_PATTERN, fixed):
        return None
    if "." in text:
        return Bilingual(f"dokumen yang ditandatangani menulis jam dengan titik ({h1}.{m1}); di "
                         f"kebijakan pakai titik dua: '{fixed}'",
                         f"the signed documents write hours with a dot ({h1}.{m1}); in a policy "
                         f"use a colon: '{fixed}'")
    return Bilingual(f"tulis '{fixed}'", f"write '{fixed}'")


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
        message = _texts(err, field)
        siblings = _sibling_fields(model, loc[:-1]) if (
            kind == "extra_forbidden" and model is not None) else None
        hint = _hint(err, field, siblings)
        out.append(doc.diag(code, message.id, message.en, path,
                            hint_id=hint.id if hint else "", hint_en=hint.en if hint else ""))
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
        if current is Bilingual:  # a text in both languages: its two keys
            return [f.name for f in dataclasses.fields(Bilingual)]
    return [f.alias or name for name, f in current.model_fields.items()]


def _field_by_name(model: type[BaseModel], name: str) -> Any:
    for fname, f in model.model_fields.items():
        if name in (fname, f.alias):
            return f
    return None


def _model_in(annotation: Any) -> type[BaseModel] | type[Bilingual] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | Bilingual):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
