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
import os
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
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


def make_cases(n: int, seed: int = 1, only: str | None = None) -> pa.Table:
    """``n`` cases; ``only="karangasem-2026-emergency"``: Karangasem emergency registrations
    submitted in 2026 (the decision the peer engines encode)."""
    rng = np.random.default_rng(seed)
    regency = REGENCIES[rng.choice(3, size=n, p=[0.45, 0.35, 0.20])]
    day = rng.integers(0, DAYS, size=n)
    if only == "karangasem-2026-emergency":
        regency = np.full(n, "karangasem")
        day = rng.integers((dt.date(2026, 1, 1) - START).days, DAYS, size=n)
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
    offsets = np.array([OFFSETS[r] for r in REGENCIES])[
        np.searchsorted(REGENCIES, regency, sorter=np.argsort(REGENCIES))]
    text = np.where(with_offset, text + offsets.astype(object), text)
    request = _pick(rng, ["register", "transfer", "reactivate"], [0.7, 0.2, 0.1], n)
    if only:
        request = np.full(n, "register", dtype=object)
    desil = rng.choice(11, size=n, p=[0.10] + [0.12] * 5 + [0.06] * 5)
    emergency = (rng.random(n) < 0.15) | (only is not None)
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
    table = pa.table(columns)
    # the canonical nested schema (struct children in the contract's order)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_cases(args.n, args.out, args.seed)


def write_cases(n: int, out: Path, seed: int = 1, part: int = 1_000_000) -> None:
    """``n`` cases into ``out`` (.parquet or .jsonl), made and written ``part`` at a time
    (part ``i`` from seed ``seed * 1000 + i``; a file of at most one part is
    ``make_cases(n, seed)``)."""
    sizes = [min(part, n - start) for start in range(0, n, part)] or [0]
    writer = None
    with out.open("w") if out.suffix == ".jsonl" else open(os.devnull, "w") as handle:
        for i, size in enumerate(sizes):
            table = make_cases(size, seed if len(sizes) == 1 else seed * 1000 + i)
            if out.suffix == ".jsonl":
                for case in as_json_cases(table):
                    handle.write(json.dumps(case) + "\n")
                continue
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    if writer is not None:
        writer.close()


if __name__ == "__main__":
    main()
