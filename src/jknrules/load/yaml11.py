"""YAML 1.1's surprises: scalars PyYAML (a YAML 1.1 parser) reads as something other than
they look, and other than YAML 1.2 and JSON read them.

``030`` is the octal 24, ``1:30`` the base-60 90, ``0x1F`` 31, ``1_000`` 1000, ``yes``/``on``
true and ``NO`` false, ``.inf`` and ``.nan`` not numbers at all. A policy or case that holds
one is refused (``JKN-Y008`` for numbers, ``JKN-Y009`` for booleans) at the scalar's line
and column, with a hint ("tulis 30", "quote it") — never quietly read. :func:`surprise`
judges a scalar by its resolved tag and its raw text (so an explicit ``!!int "030"`` is
caught too); quoted text resolves to a string and is never a surprise.
"""

from __future__ import annotations

import re

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
#: how integers and decimals are written in YAML 1.2 and JSON: what an officer means
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_FRACTION = re.compile(r"[-+]?(0|[1-9][0-9]*)\.[0-9]+([eE][-+]?[0-9]+)?")
#: the booleans of YAML 1.2 (YAML 1.1 also reads yes/no/on/off, y/n in some parsers)
_TRUE_FALSE = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
#: more digits than this is no count, amount or day of a policy or case: an identifier
#: (NIK, KK number: 16 digits) is text and must be quoted
MAX_DIGITS = 18

Problem = tuple[str, str, str, str, str]  # code, message id/en, hint id/en


def surprise(tag: str, raw: str) -> Problem | None:
    """Why a scalar YAML 1.1 resolves to ``tag`` from the text ``raw`` must not be read
    as a value, or ``None``. Checked on the raw text, whatever the style (an explicit
    ``!!int "030"`` is octal too)."""
    if tag == _INT:
        return None if _DECIMAL.fullmatch(raw) and _digits(raw) <= MAX_DIGITS else _int(raw)
    if tag == _FLOAT:
        return None if _FRACTION.fullmatch(raw) and _digits(raw) <= MAX_DIGITS else \
            _float(raw)
    if tag == _BOOL and raw not in _TRUE_FALSE:
        value = "true" if raw.lower() in ("yes", "on", "y") else "false"
        return ("JKN-Y009",
                f"YAML 1.1 membaca {raw} sebagai {value}; kebijakan hanya menerima true/false",
                f"YAML 1.1 reads {raw} as {value}; policies accept only true/false",
                f"tulis {value}, atau \"{raw}\" dalam tanda kutip bila yang dimaksud teks",
                f"write {value}, or quote it (\"{raw}\") if you mean text")
    return None


def _digits(raw: str) -> int:
    return sum(c.isdigit() for c in raw)


def _quote(raw: str) -> tuple[str, str]:
    return (f"\"{raw}\" dalam tanda kutip bila yang dimaksud teks",
            f"quote it (\"{raw}\") if you mean text")


def _int(raw: str) -> Problem:
    quote_id, quote_en = _quote(raw)
    body = raw.lstrip("+-").replace("_", "")
    sign = "-" if raw.startswith("-") else ""
    if ":" in raw:
        try:
            parts = [int(p or "0") for p in body.split(":")]
        except ValueError:  # ``!!int 1:x``: a tag written on text that is no number
            return _not_whole(raw)
        total = 0
        for part in parts:
            total = total * 60 + part
        minutes = parts[0] * 60 + parts[1] if len(parts) == 2 else None
        fix_id = f"tulis {sign}{minutes} (menit)" if minutes is not None else "tulis angkanya"
        fix_en = f"write {sign}{minutes} (minutes)" if minutes is not None else \
            "write the number"
        return ("JKN-Y008",
                f"YAML 1.1 membaca {raw} sebagai bilangan basis 60 ({sign}{total}), bukan jam",
                f"YAML 1.1 reads {raw} as a base-60 number ({sign}{total}), not a time",
                f"{fix_id}, atau {quote_id}", f"{fix_en}, or {quote_en}")
    if body.lower().startswith(("0x", "0b")):
        base, word_id, word_en = (16, "heksadesimal", "hexadecimal") \
            if body.lower().startswith("0x") else (2, "biner", "binary")
        value = _parse(body[2:], base)
        return ("JKN-Y008",
                f"YAML 1.1 membaca {raw} sebagai bilangan {word_id} ({sign}{value})",
                f"YAML 1.1 reads {raw} as a {word_en} number ({sign}{value})",
                f"tulis {sign}{value} dalam desimal, atau {quote_id}",
                f"write {sign}{value} in decimal, or {quote_en}")
    if len(body) > 1 and body.startswith("0"):
        value = _parse(body, 8)
        plain = body.lstrip("0") or "0"
        return ("JKN-Y008",
                f"YAML 1.1 membaca {raw} sebagai bilangan oktal ({sign}{value}), bukan "
                f"{sign}{plain}",
                f"YAML 1.1 reads {raw} as an octal number ({sign}{value}), not {sign}{plain}",
                f"tulis {sign}{plain}, atau {quote_id}", f"write {sign}{plain}, or {quote_en}")
    if "_" in raw:
        return ("JKN-Y008",
                f"YAML 1.1 membaca {raw} sebagai {sign}{body} (garis bawah diabaikan)",
                f"YAML 1.1 reads {raw} as {sign}{body} (underscores are dropped)",
                f"tulis {sign}{body} tanpa garis bawah, atau {quote_id}",
                f"write {sign}{body} without underscores, or {quote_en}")
    return _too_long(raw) if _digits(raw) > MAX_DIGITS else _not_whole(raw)


def _not_whole(raw: str) -> Problem:
    """``!!int abc``, ``!!int 1:x``: the tag says a whole number, the text is none."""
    return ("JKN-Y008",
            f"{_short(raw)} ditandai !!int tetapi bukan bilangan bulat",
            f"{_short(raw)} is tagged !!int but is not a whole number",
            "hapus tag !!int dan tulis bilangannya, mis. 30",
            "remove the !!int tag and write the number, e.g. 30")


def _too_long(raw: str) -> Problem:
    quote_id, quote_en = _quote(raw)
    return ("JKN-Y008",
            f"angka {_short(raw)} terlalu panjang (lebih dari {MAX_DIGITS} angka)",
            f"number {_short(raw)} is too long (more than {MAX_DIGITS} digits)",
            f"nomor identitas (NIK, KK) adalah teks: {quote_id}",
            f"an identifier (NIK, KK number) is text: {quote_en}")


def _float(raw: str) -> Problem:
    quote_id, quote_en = _quote(raw)
    low = raw.lower().lstrip("+-").lstrip(".")
    if low in ("inf", "infinity", "nan"):
        what_id, what_en = ("tak hingga", "infinity") if low != "nan" else \
            ("bukan-angka (NaN)", "not-a-number (NaN)")
        return ("JKN-Y008", f"YAML membaca {raw} sebagai {what_id}; kebijakan dan kasus hanya "
                "memuat angka terhingga",
                f"YAML reads {raw} as {what_en}; policies and cases hold finite numbers only",
                f"tulis angkanya, atau {quote_id}", f"write the number, or {quote_en}")
    if ":" in raw:
        return ("JKN-Y008", f"YAML 1.1 membaca {raw} sebagai bilangan basis 60, bukan jam",
                f"YAML 1.1 reads {raw} as a base-60 number, not a time",
                f"tulis angkanya, atau {quote_id}", f"write the number, or {quote_en}")
    if _digits(raw) > MAX_DIGITS:
        return _too_long(raw)
    return ("JKN-Y008", f"angka {_short(raw)} ditulis dalam bentuk YAML 1.1 yang tidak lazim",
            f"the number {_short(raw)} is written in an unusual YAML 1.1 form",
            f"tulis mis. 0.5 atau 12.5, atau {quote_id}",
            f"write e.g. 0.5 or 12.5, or {quote_en}")


def _parse(digits: str, base: int) -> str:
    try:
        return str(int(digits, base)) if len(digits) <= MAX_DIGITS else "…"
    except ValueError:
        return "?"


def _short(raw: str) -> str:
    return raw if len(raw) <= 24 else raw[:21] + "..."
