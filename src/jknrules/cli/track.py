"""``jknrules track …``: follow each application to activation.

- ``track record EVENT --case-id ID --actor NAME --key KEY [--at TIME] [--case FILE]``
  stores one event (``received`` evaluates the case file and stores case and result);
- ``track status CASE_ID`` the case's decision, deadlines, events and alerts;
- ``track alerts [--as-of TIME]`` rebuilds the monitor from the store up to that time,
  stores the new alerts and lists them all;
- ``track recap REGENCY --month YYYY-MM [--out FILE.csv|FILE.xlsx]`` the month's list
  for BPJS (the one output with personal data);
- ``track report [--month YYYY-MM] [--regency R] [--chart FILE.png]`` counts and
  timeliness per office and month.

The store is ``--db`` (a SQLite file or a ``postgresql://`` URL), else
``$JKNRULES_TRACK_DB``, else ``jknrules-track.db``. Bad input: exit 2 with a bilingual
message (codes ``JKN-K…``).
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from jknrules.cli.common import EXIT_OK, locate
from jknrules.errors import CaseError
from jknrules.track.store import (
    ALERT_WORDS,
    CLOSES,
    EVENT_NAMES_ID,
    EVENTS,
    Alert,
    Event,
    open_store,
    parse_time,
    track_error,
)

NAME = "track"
HELP = ("pemantauan permohonan: catat peristiwa, status, peringatan, rekap bulanan, laporan / "
        "case tracking: record events, status, alerts, the monthly recap, the report")

_FORMAT_HELP = "format keluaran / output format (default text)"
_DB_HELP = ("berkas SQLite atau URL postgresql:// (bawaan $JKNRULES_TRACK_DB, lalu "
            "jknrules-track.db) / SQLite file or postgresql:// URL (default $JKNRULES_TRACK_DB, "
            "then jknrules-track.db)")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="track_command", required=True, metavar="SUBCOMMAND",
                                help="record | status | alerts | recap | report (tiap perintah "
                                "punya --help / each has --help)")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", default=None, metavar="URL", help=_DB_HELP)
        return p

    rec = add("record", "catat satu peristiwa / record one event")
    rec.add_argument("event", choices=EVENTS, metavar="EVENT", help=" | ".join(EVENTS))
    rec.add_argument("--case-id", required=True, help="nomor berkas / the case's id")
    rec.add_argument("--actor", required=True, help="petugas / who records it")
    rec.add_argument("--key", required=True,
                     help="kunci idempoten (sama = dicatat sekali) / idempotency key")
    rec.add_argument("--at", default=None, metavar="TIME",
                     help="waktu ISO 8601 dengan zona (bawaan untuk received: submitted_at) / "
                     "ISO 8601 time with offset (received: default submitted_at)")
    rec.add_argument("--case", type=Path, default=None, metavar="FILE",
                     help="berkas kasus (wajib untuk received) / case file (received only)")
    rec.add_argument("--policies", type=Path, default=None, metavar="DIR",
                     help="folder kebijakan / policy folder")

    st = add("status", "status satu permohonan / one case's status")
    st.add_argument("case_id", metavar="CASE_ID", help="nomor berkas / the case's id")
    st.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)

    al = add("alerts", "peringatan sampai suatu waktu / alerts up to a time")
    al.add_argument("--as-of", default=None, metavar="TIME",
                    help="waktu ISO 8601 dengan zona (bawaan: sekarang) / ISO 8601 time (default "
                    "now)")
    al.add_argument("--lead", action="append", default=[], metavar="DEADLINE=DURATION",
                    help="waktu peringatan sebelum batas, mis. submit_to_bpjs_by=2d, "
                    "response_due=15m / lead time before a deadline")
    al.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)
    add_webhook_options(al)

    rc = add("recap", "rekap bulanan ke BPJS (CSV/XLSX) / the monthly recap to BPJS")
    rc.add_argument("regency", metavar="REGENCY", help="id kabupaten / regency id")
    rc.add_argument("--month", required=True, metavar="YYYY-MM",
                    help="bulan batas kirim ke BPJS / the month of the cut-off to BPJS")
    rc.add_argument("--policies", type=Path, default=None, metavar="DIR",
                    help="folder kebijakan / policy folder")
    rc.add_argument("--out", type=Path, default=None, metavar="FILE",
                    help="berkas .csv atau .xlsx (bawaan: CSV ke stdout) / .csv or .xlsx file "
                    "(default: CSV on stdout)")

    rp = add("report", "laporan per kantor dan bulan / report per office and month")
    rp.add_argument("--month", default=None, metavar="YYYY-MM",
                    help="hanya bulan penerimaan ini / only this month of receipt")
    rp.add_argument("--regency", default=None, help="hanya kabupaten ini / only this regency")
    rp.add_argument("--as-of", default=None, metavar="TIME",
                    help="batas yang lewat sebelum waktu ini terhitung terlambat (bawaan: sekarang) "
                    "/ deadlines passed before this time count as late (default now)")
    rp.add_argument("--chart", type=Path, default=None, metavar="FILE.png",
                    help="tulis grafik PNG / write a PNG chart")
    rp.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)


def add_webhook_options(parser: argparse.ArgumentParser) -> None:
    """``--alert-webhook URL`` and ``--alert-webhook-secret-file FILE`` (also ``serve``)."""
    parser.add_argument("--alert-webhook", default=None, metavar="URL",
                        help="kirim tiap peringatan baru (JSON, tanpa data pribadi) ke URL ini "
                        "/ POST each new alert (JSON, no personal data) to this URL")
    parser.add_argument("--alert-webhook-secret-file", type=Path, default=None, metavar="FILE",
                        help="rahasia HMAC untuk header X-Jknrules-Signature (juga: "
                        "$JKNRULES_ALERT_WEBHOOK_SECRET) / HMAC secret for the "
                        "X-Jknrules-Signature header (also $JKNRULES_ALERT_WEBHOOK_SECRET)")


def _parse_lead(items: list[str]) -> dict[str, timedelta]:
    out: dict[str, timedelta] = {}
    units = {"m": "minutes", "h": "hours", "d": "days"}
    for item in items:
        match = re.fullmatch(r"([a-z_]+)=([0-9]{1,6})([mhd])", item)
        if match is None or match.group(1) not in CLOSES:
            raise track_error("JKN-K040", f"--lead {item!r} tidak dikenali",
                              f"--lead {item!r} is not understood", where="--lead",
                              hint_id="NAMA=ANGKA(m|h|d), NAMA salah satu dari: " + ", ".join(CLOSES),
                              hint_en="NAME=NUMBER(m|h|d), NAME one of: " + ", ".join(CLOSES))
        out[match.group(1)] = timedelta(**{units[match.group(3)]: int(match.group(2))})
    return out


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    command = args.track_command
    if command == "record":
        return _record(args, out, err)
    if command == "recap":
        return _recap(args, out, err)
    with open_store(args.db) as store:
        if command == "status":
            return _status(store, args, out)
        if command == "alerts":
            as_of = parse_time(args.as_of, "--as-of") if args.as_of else datetime.now(UTC)
            lead = _parse_lead(args.lead)
            hook = None
            if args.alert_webhook is not None:
                from jknrules.track.webhook import webhook

                hook = webhook(args.alert_webhook, args.alert_webhook_secret_file)
            from jknrules.track.monitor import rebuild

            rebuild(store, as_of, lead)
            alerts = store.alerts(as_of)
            if hook is not None:
                from jknrules.track.webhook import deliver_pending

                sent, failed = deliver_pending(store, hook, as_of)
                err.write(f"webhook: {sent} terkirim / delivered, {failed} gagal / failed\n")
            if args.format == "json":
                out.write(json.dumps([a.to_json() for a in alerts], indent=2) + "\n")
            else:
                out.write(_alert_lines(alerts))
            return EXIT_OK
        # report
        from jknrules.track.recap import parse_month, report, report_chart, report_json, report_table

        month = parse_month(args.month) if args.month else None
        as_of = parse_time(args.as_of, "--as-of") if args.as_of else datetime.now(UTC)
        rows = report(store.events(), as_of, args.regency, month)
        out.write(report_json(rows) if args.format == "json" else report_table(rows))
        if args.chart is not None:
            report_chart(rows, args.chart)
            err.write(f"grafik / chart: {args.chart}\n")
        return EXIT_OK


def _alert_lines(alerts: list[Alert]) -> str:
    if not alerts:
        return "tidak ada peringatan / no alerts\n"
    lines = []
    for a in alerts:
        id_word, en_word = ALERT_WORDS[a.alert]
        due = f"  (batas / due {a.due.isoformat()})" if a.due else ""
        lines.append(f"{a.at.isoformat()}  {a.case_id}  {a.alert}  {a.subject}  "
                     f"{id_word} / {en_word}{due}")
    return "\n".join(lines) + "\n"


def _record(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    case_data = result_data = None
    if args.event == "received":
        if args.case is None:
            raise track_error("JKN-K041", "peristiwa received memerlukan --case FILE",
                              "the received event needs --case FILE", where="--case")
        from jknrules.api import load_policies
        from jknrules.engine.evaluator import evaluate_compiled
        from jknrules.load.loader import display_name, load_case_source, read_text

        case, doc = load_case_source(read_text(args.case, CaseError), display_name(args.case))
        policies = load_policies(args.policies)
        try:
            result = evaluate_compiled(policies.get(case.regency), case, trace=False)
        except CaseError as exc:
            raise CaseError(locate(exc.diagnostics, doc)) from None
        case_data = case.model_dump(mode="json", exclude_unset=True)
        result_data = result.to_dict()
        at_text = args.at or case_data.get("submitted_at")
        if args.at is None and isinstance(at_text, str) and \
                datetime.fromisoformat(at_text).tzinfo is None:
            at_text = None  # the case's local time has no offset: ask for --at
        if not isinstance(at_text, str):
            raise track_error("JKN-K042", "submitted_at kasus tanpa zona waktu: beri --at",
                              "the case's submitted_at has no offset: give --at", where="--at")
    elif args.case is not None:
        raise track_error("JKN-K005", "--case hanya untuk peristiwa received",
                          "--case goes with the received event only", where="--case")
    else:
        if args.at is None:
            raise track_error("JKN-K043", f"peristiwa {args.event} memerlukan --at TIME",
                              f"the {args.event} event needs --at TIME", where="--at")
        at_text = args.at
    event = Event(args.case_id, args.event, parse_time(at_text, "--at"), args.actor, args.key,
                  case_data, result_data)
    with open_store(args.db) as store:
        stored, new = store.record(event)
    word = ("dicatat / recorded" if new else
            "sudah tercatat (kunci sama) / already recorded (same key)")
    out.write(f"{stored.case_id} {stored.event} #{stored.seq}: {word}\n")
    return EXIT_OK


def _status(store: object, args: argparse.Namespace, out: TextIO) -> int:
    from jknrules.track.status import case_status
    from jknrules.track.store import Store

    assert isinstance(store, Store)
    data = case_status(store, args.case_id)
    deadlines: dict[str, dict[str, Any]] = data["deadlines"]
    events: list[dict[str, Any]] = data["events"]
    alerts: list[dict[str, Any]] = data["alerts"]
    if args.format == "json":
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    lines = [f"berkas / case {data['case_id']}: {data['regency'] or '-'}, versi / version "
             f"{data['policy_version'] or '-'}, hasil / outcome {data['outcome'] or '-'}"]
    for name, d in deadlines.items():
        state = ("belum / open" if d["met_at"] is None else
                 "tepat waktu / on time" if d["on_time"] else "terlambat / late")
        lines.append(f"  {name}: {d['due']}  {state}")
    for e in events:
        lines.append(f"  {e['at']}  {e['event']} ({EVENT_NAMES_ID[str(e['event'])]})  {e['actor']}")
    for a in alerts:
        lines.append(f"  ! {a['at']}  {a['alert']}  {a['subject']}")
    out.write("\n".join(lines) + "\n")
    return EXIT_OK


def _recap(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jknrules.load.policyset import find_policy_dir
    from jknrules.track.recap import parse_month, recap_csv_text, recap_rows, write_recap

    year, month = parse_month(args.month)
    regency = args.regency
    known = {p.stem for p in find_policy_dir(args.policies).path.glob("*.yaml")}
    if regency not in known:
        raise track_error("JKN-K045", f"kabupaten {regency!r} tidak dikenal",
                          f"unknown regency {regency!r}", where="REGENCY",
                          hint_id="salah satu dari: " + ", ".join(sorted(known)),
                          hint_en="one of: " + ", ".join(sorted(known)))
    with open_store(args.db) as store:
        rows, warnings = recap_rows(store.events(), regency, year, month)
    for w in warnings:
        err.write(f"peringatan / warning: {w}\n")
    if args.out is None:
        out.write(recap_csv_text(rows))
    else:
        write_recap(rows, args.out)
        err.write(f"{len(rows)} baris / rows: {args.out}\n")
    return EXIT_OK
