"""The monthly recap to BPJS (CSV and XLSX with the office's columns) and the report per
office and month (counts, on time and late per deadline, median and p90, table and
chart). Reads the event store; needs no durable-rules.

The recap is the one output holding personal data (it is what the office sends to BPJS);
warnings about it name case ids and columns only.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jknrules.track.store import CLOSES, Event, track_error

#: The recap's columns, as the office sends them, and the case field(s) behind each.
RECAP_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("No KK", ("kk_number",)),
    ("NIK", ("nik",)),
    ("Nama", ("name",)),
    ("Tempat/Tgl Lahir", ("birth_place", "birth_date")),
    ("Alamat", ("address",)),
    ("Faskes", ("faskes",)),
    ("Status", ("family_status",)),
    ("Jenis Kelamin", ("sex",)),
)


def parse_month(text: str) -> tuple[int, int]:
    try:
        d = datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise track_error("JKN-K030", f"bulan {text!r} tidak dikenali",
                          f"month {text!r} is not understood", where="--month",
                          hint_id="tulis YYYY-MM, mis. 2026-03",
                          hint_en="write YYYY-MM, e.g. 2026-03") from None
    if len(text) != 7 or not 1900 <= d.year <= 2100:
        raise track_error("JKN-K030", f"bulan {text!r} tidak dikenali",
                          f"month {text!r} is not understood", where="--month",
                          hint_id="tulis YYYY-MM, mis. 2026-03",
                          hint_en="write YYYY-MM, e.g. 2026-03")
    return d.year, d.month


@dataclass
class CaseFile:
    """What the store says about one case."""

    case_id: str
    received: Event | None = None
    events: list[Event] = field(default_factory=list)

    def first(self, names: Iterable[str]) -> Event | None:
        wanted = set(names)
        hits = [e for e in self.events if e.event in wanted]
        return min(hits, key=lambda e: e.at) if hits else None

    @property
    def withdrawn(self) -> bool:
        return any(e.event == "withdrawn" for e in self.events)

    @property
    def accepted(self) -> bool:
        if self.received is None or self.received.result is None:
            return False
        return self.received.result.get("outcome") == "accepted" or \
            any(e.event == "documents_completed" for e in self.events)

    def deadline(self, name: str) -> datetime | None:
        if self.received is None or self.received.result is None:
            return None
        text = (self.received.result.get("deadlines") or {}).get(name)
        return datetime.fromisoformat(text) if isinstance(text, str) else None


def case_files(events: Iterable[Event]) -> dict[str, CaseFile]:
    files: dict[str, CaseFile] = {}
    for e in events:
        f = files.setdefault(e.case_id, CaseFile(e.case_id))
        f.events.append(e)
        if e.event == "received" and f.received is None:
            f.received = e
    return files


# -- the recap ------------------------------------------------------------------------
def recap_rows(events: Iterable[Event], regency: str, year: int, month: int
               ) -> tuple[list[list[str]], list[str]]:
    """The recap's rows (cases of the regency accepted and not withdrawn whose cut-off to
    BPJS falls in the month, by time received) and warnings (case id and the columns
    the case leaves empty)."""
    chosen: list[CaseFile] = []
    for f in case_files(events).values():
        due = f.deadline("submit_to_bpjs_by")
        if f.received is None or f.received.regency != regency or due is None:
            continue
        if (due.year, due.month) == (year, month) and f.accepted and not f.withdrawn:
            chosen.append(f)
    chosen.sort(key=lambda f: (f.received.at if f.received else datetime.min, f.case_id))
    rows: list[list[str]] = []
    warnings: list[str] = []
    for f in chosen:
        assert f.received is not None
        applicant = (f.received.case or {}).get("applicant") or {}
        row: list[str] = []
        empty: list[str] = []
        for column, keys in RECAP_COLUMNS:
            values = [applicant.get(k) for k in keys]
            if column == "Tempat/Tgl Lahir":
                place, born = values
                born_text = date.fromisoformat(born).strftime("%d-%m-%Y") if born else ""
                text = ", ".join(v for v in (place, born_text) if v)
            else:
                text = str(values[0]) if values[0] is not None else ""
            if not text:
                empty.append(column)
            row.append(text)
        rows.append(row)
        if empty:
            warnings.append(f"{f.case_id}: kosong / empty: {', '.join(empty)}")
    return rows, warnings


def write_recap(rows: list[list[str]], path: Path) -> None:
    """CSV or XLSX by the file's suffix. XLSX cells are text (a 16-digit NIK keeps every
    digit; a value starting with '=' is never a formula)."""
    header = [c for c, _ in RECAP_COLUMNS]
    if path.suffix.lower() == ".xlsx":
        try:
            from openpyxl import Workbook
        except ImportError:
            raise track_error("JKN-K031", "rekap XLSX memerlukan paket openpyxl",
                              "the XLSX recap needs the openpyxl package", where="--out",
                              hint_id="pip install 'jknrules[track]'",
                              hint_en="pip install 'jknrules[track]'") from None
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "Rekap"
        for r, values in enumerate([header, *rows], start=1):
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=col)
                cell.value = value
                cell.data_type = "s"
                cell.number_format = "@"
        wb.save(path)
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
    else:
        raise track_error("JKN-K032", f"berkas rekap {path.name} harus .csv atau .xlsx",
                          f"the recap file {path.name} must be .csv or .xlsx", where="--out")


def recap_csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in RECAP_COLUMNS])
    w.writerows(rows)
    return buf.getvalue()


# -- the report -----------------------------------------------------------------------
@dataclass
class DeadlineFigures:
    on_time: int = 0
    late: int = 0
    open: int = 0
    #: hours from receipt to the event meeting the deadline
    hours: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"on_time": self.on_time, "late": self.late, "open": self.open,
                "median_hours": _round(statistics.median(self.hours)) if self.hours else None,
                "p90_hours": _round(_p90(self.hours)) if self.hours else None}


@dataclass
class ReportRow:
    regency: str
    month: str
    received: int = 0
    accepted: int = 0
    returned: int = 0
    deadlines: dict[str, DeadlineFigures] = field(
        default_factory=lambda: {name: DeadlineFigures() for name in CLOSES})

    def to_json(self) -> dict[str, Any]:
        return {"regency": self.regency, "month": self.month, "received": self.received,
                "accepted": self.accepted, "returned": self.returned,
                "deadlines": {k: v.to_json() for k, v in self.deadlines.items()}}


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _round(x: float) -> float:
    return round(x, 2)


def report(events: Iterable[Event], as_of: datetime, regency: str | None = None,
           month: tuple[int, int] | None = None) -> list[ReportRow]:
    """Per office (regency) and month of receipt: received, accepted, returned; for each
    deadline on time, late (met after it, or still open past it), open; median and p90
    hours from receipt to the event meeting it."""
    rows: dict[tuple[str, str], ReportRow] = {}
    for f in case_files(events).values():
        rec = f.received
        if rec is None or rec.regency is None or rec.result is None:
            continue
        if regency is not None and rec.regency != regency:
            continue
        local = rec.at
        if month is not None and (local.year, local.month) != month:
            continue
        key = (rec.regency, f"{local.year:04d}-{local.month:02d}")
        row = rows.setdefault(key, ReportRow(*key))
        row.received += 1
        row.accepted += f.accepted
        row.returned += rec.result.get("outcome") == "incomplete" or \
            any(e.event == "returned_incomplete" for e in f.events)
        for name, closers in CLOSES.items():
            due = f.deadline(name)
            if due is None:
                continue
            met = f.first(closers)
            fig = row.deadlines[name]
            if met is not None:
                fig.hours.append((met.at - rec.at).total_seconds() / 3600)
                if met.at <= due:
                    fig.on_time += 1
                else:
                    fig.late += 1
            elif f.withdrawn:
                continue
            elif as_of > due:
                fig.late += 1
            else:
                fig.open += 1
    return [rows[k] for k in sorted(rows)]


def report_table(rows: list[ReportRow]) -> str:
    head = ["kabupaten/regency", "bulan/month", "diterima/received", "lengkap/accepted",
            "dikembalikan/returned", "batas/deadline", "tepat/on time", "terlambat/late",
            "berjalan/open", "median (jam/h)", "p90 (jam/h)"]
    lines = [head]
    for r in rows:
        for name, fig in r.deadlines.items():
            j = fig.to_json()
            if not (fig.on_time or fig.late or fig.open):
                continue
            lines.append([r.regency, r.month, str(r.received), str(r.accepted), str(r.returned),
                          name, str(fig.on_time), str(fig.late), str(fig.open),
                          "" if j["median_hours"] is None else str(j["median_hours"]),
                          "" if j["p90_hours"] is None else str(j["p90_hours"])])
        if not any(f.on_time or f.late or f.open for f in r.deadlines.values()):
            lines.append([r.regency, r.month, str(r.received), str(r.accepted), str(r.returned),
                          "-", "", "", "", "", ""])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines) + "\n"


def report_json(rows: list[ReportRow]) -> str:
    return json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2) + "\n"


def report_chart(rows: list[ReportRow], path: Path) -> None:
    """A PNG: for each office and month, on time and late per deadline."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise track_error("JKN-K033", "grafik memerlukan paket matplotlib",
                          "the chart needs the matplotlib package", where="--chart",
                          hint_id="pip install 'jknrules[track]'",
                          hint_en="pip install 'jknrules[track]'") from None
    labels: list[str] = []
    on_time: list[int] = []
    late: list[int] = []
    for r in rows:
        for name, fig in r.deadlines.items():
            if fig.on_time or fig.late:
                labels.append(f"{r.regency} {r.month}\n{name}")
                on_time.append(fig.on_time)
                late.append(fig.late)
    figure, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(labels) + 2), 4.5))
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], on_time, width=0.4, label="tepat waktu / on time",
           color="#2e7d32")
    ax.bar([x + 0.2 for x in xs], late, width=0.4, label="terlambat / late", color="#c62828")
    ax.set_xticks(list(xs), labels, fontsize=7)
    ax.set_ylabel("permohonan / applications")
    ax.set_title("Ketepatan waktu per batas / timeliness per deadline")
    ax.legend()
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
