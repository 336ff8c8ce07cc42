"""Reproducible synthetic case sets for the benchmark (seeded, numpy).

Distributions (rough shapes of the populations the policies serve, not statistics):
regency karangasem 45% / batang 35% / malinau 20%; submitted uniformly over every
minute-of-day weight below, every day from 2024-01-01 to 2026-12-31 (weekends,
national holidays and cuti bersama included, Karangasem's 2025-12-31 version
change inside); office hours 75%, evenings 17%, nights 8%; a fifth of the times
carry an explicit offset, a twentieth microseconds. Request register 70% /
transfer 20% / reactivate 10%. DTSEN desil: 1–5 60%, 6–10 30%, not found (null)
10%. Emergency 15% (inpatient in 60% of those). Documents given in 85% of cases;
each document a case's route may ask for is brought with probability 0.8.

    python bench/generate.py 1200000 cases.parquet [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jknrules.batch.schema import case_schema  # noqa: E402
from jknrules.language.vocab import DOCUMENTS  # noqa: E402

START = dt.date(2024, 1, 1)
DAYS = (dt.date(2026, 12, 31) - START).days + 1
REGENCIES = np.array(["karangasem", "batang", "malinau"])
OFFSETS = {"karangasem": "+08:00", "batang": "+07:00", "malinau": "+08:00"}
DOCS = np.array(list(DOCUMENTS))
COMMON = ["kk", "ktp", "surat_keterangan_emergency", "surat_rawat_inap", "surat_rujukan",
          "surat_kontrol", "struk_pembayaran", "surat_berhenti_bekerja", "sktm",
          "surat_keterangan_lahir"]


def _pick(rng: np.random.Generator, values: list[object], p: list[float], n: int) -> np.ndarray:
    return rng.choice(np.array(values, dtype=object), size=n, p=p)


def _submitted(rng: np.random.Generator, day: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """ISO texts of moments on ``day`` (days after START): office hours 75 %, evenings 17 %,
    nights 8 %; a tenth with seconds, a twentieth with microseconds, a fifth with the
    regency's offset."""
    n = len(day)
    band = rng.choice(3, size=n, p=[0.75, 0.17, 0.08])
    minute = np.where(band == 0, rng.integers(8 * 60, 15 * 60, size=n),
                      np.where(band == 1, rng.integers(15 * 60, 23 * 60, size=n),
                               rng.integers(0, 8 * 60, size=n)))
    second = np.where(rng.random(n) < 0.1, rng.integers(0, 60, size=n), 0)
    base = np.datetime64(START.isoformat()) + day.astype("timedelta64[D]")
    moments = base.astype("datetime64[s]") + (minute * 60 + second).astype("timedelta64[s]")
    micro = rng.random(n) < 0.05
    text = np.datetime_as_string(moments, unit="s").astype(object)
    text[micro] = np.datetime_as_string(
        moments[micro].astype("datetime64[us]") + rng.integers(1, 999_999, micro.sum()).astype(
            "timedelta64[us]"), unit="us").astype(object)
    with_offset = rng.random(n) < 0.2
    return np.where(with_offset, text + offsets.astype(object), text)


#: the first and last day of the emergency set: Karangasem's 2025 version is in force
EMERGENCY_DAYS = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
_PBI = ["pbi_apbn", "pbi_apbd", "pbpu_bp_pemda"]


def make_emergency_cases(n: int, seed: int = 1) -> pa.Table:
    """``n`` Karangasem emergency registrations decided by the 2025 Standar Pelayanan
    (submitted in 2026): the cases of the benchmark's "limit" row (``reference.py``) and of
    the peer engines. Every one takes the ``emergency_registration`` route (no Mandiri
    members, no inactive government-paid memberships: those go to other routes) and gives
    every fact the route's rules read, so the decision is one of accepted, incomplete,
    needs_review (desil 1–5 not hospitalised; a baby under 28 days whose parents are not
    registered), ineligible (domicile), already_registered (active government-paid or PPU
    member) or redirected (a PPU household member). Times as in :func:`make_cases`, so about
    half the cases arrive when both channels are closed (evenings, nights, holidays)."""
    rng = np.random.default_rng(seed)
    first, last = ((d - START).days for d in EMERGENCY_DAYS)
    day = rng.integers(first, last + 1, size=n)
    text = _submitted(rng, day, np.full(n, OFFSETS["karangasem"], dtype=object))
    status = _pick(rng, ["none", "active", "inactive"], [0.6, 0.15, 0.25], n)
    segment = np.where(status == "none", "none",
                       np.where(status == "active",
                                _pick(rng, [*_PBI, "ppu"], [0.3, 0.3, 0.2, 0.2], n), "ppu"))
    inactive_ppu = (status == "inactive") & (segment == "ppu")
    has_ktp = rng.random(n) < 0.9
    newborn = ~has_ktp | (rng.random(n) < 0.02)
    desil = rng.choice(11, size=n, p=[0.10] + [0.12] * 5 + [0.06] * 5)
    inpatient = rng.random(n) < 0.6
    documents_given = rng.random(n) < 0.85
    brought = rng.random((n, len(COMMON))) < 0.85
    docs = [[d for d, b in zip(COMMON, row, strict=True) if b] if g else None
            for row, g in zip(brought.tolist(), documents_given.tolist(), strict=True)]
    columns = {
        "regency": pa.array(np.full(n, "karangasem")),
        "submitted_at": pa.array(text.astype(str)),
        "request": pa.array(np.full(n, "register")),
        "applicant": pa.StructArray.from_arrays(
            [pa.array(np.where(rng.random(n) < 0.95, "karangasem", "bangli")),
             pa.array(has_ktp)], names=["domicile_regency", "has_ktp"]),
        "welfare": pa.StructArray.from_arrays(
            [pa.array(desil, mask=desil == 0, type=pa.int64()),
             pa.array(_pick(rng, ["registered", "proposed", "none"], [0.5, 0.2, 0.3], n)
                      .astype(str))], names=["desil", "dtks"]),
        "health": pa.StructArray.from_arrays([pa.array(np.ones(n, bool)), pa.array(inpatient)],
                                             names=["emergency", "inpatient"]),
        "newborn": pa.StructArray.from_arrays(
            [pa.array(rng.integers(0, 60, size=n)), pa.array(rng.random(n) < 0.7)],
            names=["age_days", "parents_registered"], mask=pa.array(~newborn)),
        "employment": pa.StructArray.from_arrays(
            [pa.array(rng.random(n) < 0.7)], names=["deactivated_by_employer"],
            mask=pa.array(~inactive_ppu)),
        "household": pa.StructArray.from_arrays([pa.array(rng.random(n) < 0.1)],
                                                names=["has_ppu_member"]),
        "membership": pa.StructArray.from_arrays(
            [pa.array(status.astype(str)), pa.array(segment.astype(str))],
            names=["status", "segment"]),
        "payment": pa.StructArray.from_arrays([pa.array(rng.random(n) < 0.7)],
                                              names=["mandiri_paid_current_month"]),
        "documents": pa.array(docs, pa.list_(pa.string())),
    }
    return _canonical(pa.table(columns))


def make_cases(n: int, seed: int = 1) -> pa.Table:
    """``n`` cases from the three regencies (the distributions of the module docstring)."""
    rng = np.random.default_rng(seed)
    regency = REGENCIES[rng.choice(3, size=n, p=[0.45, 0.35, 0.20])]
    day = rng.integers(0, DAYS, size=n)
    offsets = np.array([OFFSETS[r] for r in REGENCIES])[
        np.searchsorted(REGENCIES, regency, sorter=np.argsort(REGENCIES))]
    text = _submitted(rng, day, offsets)
    request = _pick(rng, ["register", "transfer", "reactivate"], [0.7, 0.2, 0.1], n)
    desil = rng.choice(11, size=n, p=[0.10] + [0.12] * 5 + [0.06] * 5)
    emergency = rng.random(n) < 0.15
    inpatient = emergency & (rng.random(n) < 0.6)
    status = _pick(rng, ["none", "active", "inactive"], [0.6, 0.15, 0.25], n)
    segment = np.where(status == "none", "none",
                       _pick(rng, ["pbi_apbn", "pbi_apbd", "pbpu_bp_pemda", "pbpu_mandiri", "ppu"],
                             [0.2, 0.2, 0.2, 0.3, 0.1], n))
    newborn = rng.random(n) < 0.03
    documents_given = rng.random(n) < 0.85
    brought = rng.random((n, len(COMMON))) < 0.8
    docs = [[d for d, b in zip(COMMON, row, strict=True) if b] if g else None
            for row, g in zip(brought.tolist(), documents_given.tolist(), strict=True)]
    domicile = np.where(rng.random(n) < 0.95, regency, "bangli")
    columns = {
        "regency": pa.array(regency),
        "submitted_at": pa.array(text.astype(str)),
        "request": pa.array(request.astype(str)),
        "applicant": pa.StructArray.from_arrays(
            [pa.array(domicile), pa.array(rng.random(n) < 0.9)],
            names=["domicile_regency", "has_ktp"]),
        "welfare": pa.StructArray.from_arrays(
            [pa.array(desil, mask=desil == 0, type=pa.int64()),
             pa.array(_pick(rng, ["registered", "proposed", "none"], [0.5, 0.2, 0.3], n)
                      .astype(str))], names=["desil", "dtks"]),
        "health": pa.StructArray.from_arrays([pa.array(emergency), pa.array(inpatient)],
                                             names=["emergency", "inpatient"]),
        "newborn": pa.StructArray.from_arrays(
            [pa.array(rng.integers(0, 60, size=n)), pa.array(rng.random(n) < 0.7)],
            names=["age_days", "parents_registered"], mask=pa.array(~newborn)),
        "household": pa.StructArray.from_arrays([pa.array(rng.random(n) < 0.1)],
                                                names=["has_ppu_member"]),
        "membership": pa.StructArray.from_arrays(
            [pa.array(status.astype(str)), pa.array(segment.astype(str))],
            names=["status", "segment"]),
        "payment": pa.StructArray.from_arrays([pa.array(rng.random(n) < 0.7)],
                                              names=["mandiri_paid_current_month"]),
        "documents": pa.array(docs, pa.list_(pa.string())),
    }
    return _canonical(pa.table(columns))


def _canonical(table: pa.Table) -> pa.Table:
    """``table`` in the canonical nested schema (struct children in the contract's order)."""
    n = table.num_rows
    return pa.Table.from_arrays([_conform(table.column(f.name).combine_chunks(), f.type)
                                 if f.name in table.column_names else
                                 pa.nulls(n, f.type) for f in case_schema()],
                                schema=case_schema())


def _conform(array: pa.Array, typ: pa.DataType) -> pa.Array:
    if not pa.types.is_struct(typ):
        return array.cast(typ)
    names = [array.type.field(i).name for i in range(array.type.num_fields)]
    children = [array.field(names.index(typ.field(i).name)).cast(typ.field(i).type)
                if typ.field(i).name in names else pa.nulls(len(array), typ.field(i).type)
                for i in range(typ.num_fields)]
    return pa.StructArray.from_arrays(children, fields=list(typ), mask=array.is_null())


def as_json_cases(table: pa.Table) -> list[dict[str, object]]:
    """The cases as JSON objects (nulls inside structs dropped, except a null desil)."""
    out = []
    for row in table.to_pylist():
        case: dict[str, object] = {}
        for key, value in row.items():
            if isinstance(value, dict):
                part = {k: v for k, v in value.items()
                        if v is not None or (key, k) == ("welfare", "desil")}
                case[key] = part
            elif value is not None:
                case[key] = value
        out.append(case)
    return out


def as_csv_table(table: pa.Table) -> pa.Table:
    """The cases as the text cells of a CSV batch input: flat dotted column names, ``true``
    / ``false``, an empty cell for a field not given, ``null`` for a desil not found,
    documents as ``kk;ktp`` (``[]`` for an empty list)."""
    columns: dict[str, pa.Array] = {}
    for field in table.schema:
        column = table.column(field.name).combine_chunks()
        if pa.types.is_struct(field.type):
            for k, child in enumerate(column.flatten()):
                name = f"{field.name}.{field.type.field(k).name}"
                text = _cells(child)
                if name == "welfare.desil":  # null inside a given part: not found
                    text = pc.if_else(pc.and_(column.is_valid(), child.is_null()),
                                      pa.scalar("null"), text)
                columns[name] = text
        elif pa.types.is_list(field.type):
            joined = pc.binary_join(column, ";")
            columns[field.name] = pc.if_else(pc.equal(pc.list_value_length(column), 0),
                                             pa.scalar("[]"), joined)
        else:
            columns[field.name] = _cells(column)
    return pa.table({name: pc.fill_null(text, "") for name, text in columns.items()})


def _cells(array: pa.Array) -> pa.Array:
    if pa.types.is_boolean(array.type):
        return pc.if_else(array, pa.scalar("true"), pa.scalar("false"))
    return array.cast(pa.string())


def write_table(table: pa.Table, out: Path) -> None:
    """``table`` as ``out`` (.parquet, .jsonl or .csv, by extension)."""
    if out.suffix == ".parquet":
        pq.write_table(table, out)
    elif out.suffix == ".jsonl":
        with out.open("w") as handle:
            for case in as_json_cases(table):
                handle.write(json.dumps(case) + "\n")
    elif out.suffix == ".csv":
        pacsv.write_csv(as_csv_table(table), out)
    else:
        raise ValueError(f"{out}: .parquet, .jsonl or .csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path, help=".parquet, .jsonl or .csv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--emergency", action="store_true",
                        help="the benchmark's Karangasem 2025 emergency set "
                             "(make_emergency_cases) instead of the mixed set")
    args = parser.parse_args()
    write_cases(args.n, args.out, args.seed, emergency=args.emergency)


def write_cases(n: int, out: Path, seed: int = 1, part: int = 1_000_000, *,
                emergency: bool = False) -> None:
    """``n`` cases into ``out`` (.parquet, .jsonl or .csv), made and written ``part`` at a
    time (part ``i`` from seed ``seed * 1000 + i``; a file of at most one part is
    ``make_cases(n, seed)``, or ``make_emergency_cases``)."""
    make = make_emergency_cases if emergency else make_cases
    sizes = [min(part, n - start) for start in range(0, n, part)] or [0]
    tables = (make(size, seed if len(sizes) == 1 else seed * 1000 + i)
              for i, size in enumerate(sizes))
    if out.suffix == ".parquet":
        first = next(tables)
        with pq.ParquetWriter(out, first.schema) as writer:
            writer.write_table(first)
            for table in tables:
                writer.write_table(table)
    elif out.suffix == ".jsonl":
        with out.open("w") as handle:
            for table in tables:
                for case in as_json_cases(table):
                    handle.write(json.dumps(case) + "\n")
    elif out.suffix == ".csv":
        first = as_csv_table(next(tables))
        with pacsv.CSVWriter(out, first.schema) as writer:
            writer.write_table(first)
            for table in tables:
                writer.write_table(as_csv_table(table))
    else:
        raise ValueError(f"{out}: .parquet, .jsonl or .csv")


if __name__ == "__main__":
    main()
