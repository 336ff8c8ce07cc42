"""Tamper-evident decision records: the hash chain, signed checkpoints, ``replay --verify``.

:data:`EDITS` is the list of edits an auditor must be able to detect in a record file
(each one a test): every one makes ``jknrules replay --verify`` exit 1 and name the
line. The column ``plain`` says whether ``replay`` without ``--verify`` (no key needed)
already catches it. One edit is *not* caught from the file alone, and a test says so.
"""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import jknrules
from jknrules.audit import keys as keymod
from jknrules.audit.canonical import canonical
from jknrules.audit.chain import body_hash, link, signed_bytes
from jknrules.audit.logfile import iter_entries
from jknrules.cli.main import main

from .conftest import POLICY_DIR

ACCEPTED = {  # desil 3: accepted at the counter, with deadlines and an office
    "regency": "karangasem",
    "submitted_at": "2026-02-05T09:00:00+08:00",
    "request": "transfer",
    "applicant": {"domicile_regency": "karangasem", "has_ktp": True},
    "welfare": {"desil": 3},
    "membership": {"status": "active", "segment": "pbpu_mandiri"},
    "payment": {"mandiri_paid_current_month": True},
    "documents": ["kk", "ktp", "struk_pembayaran"],
}
REFUSED = dict(ACCEPTED, welfare={"desil": 7})  # the 2025 rule 'desil_6_10'
EMERGENCY = {
    "regency": "karangasem",
    "submitted_at": "2026-02-03T09:00:00+08:00",
    "applicant": {"has_ktp": True},
    "welfare": {"desil": None},
    "health": {"emergency": True},
}
CASES = (ACCEPTED, REFUSED, EMERGENCY, ACCEPTED)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@dataclass(frozen=True)
class Signed:
    """A record file written by ``evaluate --record --key``: record, checkpoint, × 4."""

    lines: tuple[bytes, ...]
    key: Path
    public: Path
    other_key: Path


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    folder = tmp_path_factory.mktemp("signed")
    key, public = folder / "office.key", folder / "office.pub"
    keymod.generate(key, public)
    other = folder / "other.key"
    keymod.generate(other, folder / "other.pub")
    log = folder / "decisions.jsonl"
    for number, case in enumerate(CASES):
        path = folder / f"case{number}.json"
        path.write_text(json.dumps(case), encoding="utf-8")
        code, _, err = run("evaluate", str(path), "--policies", str(POLICY_DIR), "--record",
                           str(log), "--key", str(key))
        assert code == 0, err
    return Signed(tuple(log.read_bytes().splitlines()), key, public, other)


def load(line: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(line)
    return data


def dump(data: dict[str, Any]) -> bytes:
    return canonical(data)


def edit(lines: list[bytes], index: int, change: Callable[[dict[str, Any]], None]) -> None:
    data = load(lines[index])
    change(data)
    lines[index] = dump(data)


def relink(lines: list[bytes], start: int) -> None:
    """Recompute every hash and link from ``start`` on, as a forger without the key would
    (checkpoints keep their old signatures)."""
    prev = load(lines[start - 1])["chain"]["hash"] if start else "0" * 64
    for i in range(start, len(lines)):
        data = load(lines[i])
        signature = data.pop("signature", None)
        data = link(data, data["chain"]["seq"], prev)
        if signature is not None:
            data["signature"] = signature
        prev = data["chain"]["hash"]
        lines[i] = dump(data)


def resign(lines: list[bytes], index: int, key_file: Path, *, keep_key_id: bool) -> None:
    key = keymod.load_private_key(key_file)
    data = load(lines[index])
    del data["signature"]
    if not keep_key_id:
        data["key_id"] = keymod.key_id(key.public_key())
    data["chain"]["hash"] = body_hash(data)
    data["signature"] = keymod.sign(key, signed_bytes(data))
    lines[index] = dump(data)


# --- the edits ------------------------------------------------------------------------
# Lines (0-based index → file line): 0 r1, 1 c1, 2 r2, 3 c2, 4 r3, 5 c3, 6 r4, 7 c4.

def copy_case_and_result(s: Signed, lines: list[bytes]) -> None:
    donor = load(lines[0])
    edit(lines, 2, lambda d: d.update(case=donor["case"], result=donor["result"]))


def delete_a_record(s: Signed, lines: list[bytes]) -> None:
    del lines[2]


def delete_the_first_record(s: Signed, lines: list[bytes]) -> None:
    del lines[0]


def delete_a_checkpoint(s: Signed, lines: list[bytes]) -> None:
    del lines[1]


def duplicate_a_line(s: Signed, lines: list[bytes]) -> None:
    lines.insert(1, lines[0])


def move_a_record_to_the_end(s: Signed, lines: list[bytes]) -> None:
    lines.append(lines.pop(0))


def swap_two_records(s: Signed, lines: list[bytes]) -> None:
    lines[2], lines[4] = lines[4], lines[2]


def edit_a_reason_text(s: Signed, lines: list[bytes]) -> None:
    def change(d: dict[str, Any]) -> None:
        d["result"]["reasons"][0]["message"]["id"] += " (disetujui)"
    edit(lines, 2, change)


def edit_the_office(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 0, lambda d: d["result"]["route"].update(office="Kantor Camat"))


def change_recorded_at(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 0, lambda d: d.update(recorded_at="2020-01-01T00:00:00Z"))


def add_approved_by(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 0, lambda d: d.update(approved_by="Kepala Dinas"))


def flip_the_outcome(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 2, lambda d: d["result"].update(outcome="accepted"))


def change_the_policy_sha256(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 0, lambda d: d["policy"].update(sha256="0" * 64))


def change_the_engine_version(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 0, lambda d: d["engine"].update(version="9.9.9"))


def remove_a_field(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 0, lambda d: d["result"].pop("deadlines"))


def change_the_holiday_data(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 0, lambda d: d["holidays"].update(closed=[]))


def insert_garbage(s: Signed, lines: list[bytes]) -> None:
    lines.insert(2, b"\x00garbage{{{")


def cut_the_last_line(s: Signed, lines: list[bytes]) -> None:
    lines[-1] = lines[-1][: len(lines[-1]) // 2]


def cut_a_middle_line(s: Signed, lines: list[bytes]) -> None:
    lines[2] = lines[2][: len(lines[2]) // 2]


def append_an_unsigned_record(s: Signed, lines: list[bytes]) -> None:
    last = load(lines[-1])["chain"]
    forged = {k: v for k, v in load(lines[6]).items() if k != "chain"}
    lines.append(dump(link(forged, last["seq"] + 1, last["hash"])))


def resign_with_another_key(s: Signed, lines: list[bytes]) -> None:
    resign(lines, 7, s.other_key, keep_key_id=False)


def forge_a_signature_under_the_published_key_id(s: Signed, lines: list[bytes]) -> None:
    resign(lines, 7, s.other_key, keep_key_id=True)


def garble_a_signature(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 1, lambda d: d.update(signature="AAAA" + d["signature"][4:]))


def edit_and_rehash_the_whole_chain(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 2, lambda d: d["result"]["reasons"][0].update(source="SK Bupati 1/2026"))
    relink(lines, 2)


def edit_a_checkpoint(s: Signed, lines: list[bytes]) -> None:
    edit(lines, 1, lambda d: d.update(signed_at="2030-01-01T00:00:00Z"))


def strip_the_chain(s: Signed, lines: list[bytes]) -> None:
    def change(d: dict[str, Any]) -> None:
        d.pop("chain")
        d["format"] = "jknrules.record/1"
    edit(lines, 0, change)


def reformat_a_line(s: Signed, lines: list[bytes]) -> None:
    lines[0] = json.dumps(load(lines[0]), indent=None).encode()  # spaces after : and ,


def add_a_duplicate_key(s: Signed, lines: list[bytes]) -> None:
    lines[2] = lines[2][:-1] + b',"format":"jknrules.record/2"}'


#: (edit, a (line, code) replay --verify must report, whether plain replay catches it)
EDITS: list[tuple[Callable[[Signed, list[bytes]], None], tuple[int, str], bool]] = [
    (copy_case_and_result, (3, "JKN-A051"), True),
    (delete_a_record, (3, "JKN-A052"), True),
    (delete_the_first_record, (1, "JKN-A052"), True),
    (delete_a_checkpoint, (2, "JKN-A052"), True),
    (duplicate_a_line, (2, "JKN-A052"), True),
    (move_a_record_to_the_end, (1, "JKN-A052"), True),
    (swap_two_records, (3, "JKN-A052"), True),
    (edit_a_reason_text, (3, "JKN-A051"), True),
    (edit_the_office, (1, "JKN-A051"), True),
    (change_recorded_at, (1, "JKN-A051"), True),
    (add_approved_by, (1, "JKN-A051"), True),
    (flip_the_outcome, (3, "JKN-A051"), True),
    (change_the_policy_sha256, (1, "JKN-A051"), True),
    (change_the_engine_version, (1, "JKN-A051"), True),
    (remove_a_field, (1, "JKN-A051"), True),
    (change_the_holiday_data, (1, "JKN-A051"), True),
    (insert_garbage, (3, "JKN-A031"), True),
    (cut_the_last_line, (8, "JKN-A032"), True),
    (cut_a_middle_line, (3, "JKN-A031"), True),
    (append_an_unsigned_record, (9, "JKN-A056"), False),
    (resign_with_another_key, (8, "JKN-A055"), False),
    (forge_a_signature_under_the_published_key_id, (8, "JKN-A054"), False),
    (garble_a_signature, (2, "JKN-A054"), False),
    (edit_and_rehash_the_whole_chain, (4, "JKN-A054"), False),
    (edit_a_checkpoint, (2, "JKN-A051"), True),
    (strip_the_chain, (1, "JKN-A050"), True),  # plain: the next line's link breaks
    (reformat_a_line, (1, "JKN-A053"), True),
    (add_a_duplicate_key, (3, "JKN-A033"), True),
]


def tampered(tmp_path: Path, signed: Signed,
             change: Callable[[Signed, list[bytes]], None]) -> Path:
    lines = list(signed.lines)
    change(signed, lines)
    path = tmp_path / "decisions.jsonl"
    cut = change is cut_the_last_line
    path.write_bytes(b"\n".join(lines) + (b"" if cut else b"\n"))
    return path


def verify(path: Path, public: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run("replay", str(path), "--policies", str(POLICY_DIR), "--format",
                         "json", *extra)
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    return code, report


def test_the_untouched_file_verifies(tmp_path: Path, signed: Signed) -> None:
    path = tmp_path / "decisions.jsonl"
    path.write_bytes(b"\n".join(signed.lines) + b"\n")
    code, report = verify(path, signed.public, "--verify", "--public-key", str(signed.public))
    assert code == 0, report["findings"]
    assert report["integrity"] == {"chained": 4, "unchained": 0, "checkpoints": 4,
                                   "interrupted_writes": 0, "signatures_verified": 4}
    assert len(signed.lines) == 8


def test_there_are_at_least_22_edits() -> None:
    assert len(EDITS) >= 22
    assert len({e[0].__name__ for e in EDITS}) == len(EDITS)


@pytest.mark.parametrize(("change", "expected", "plain"), EDITS,
                         ids=[e[0].__name__ for e in EDITS])
def test_every_edit_is_caught(tmp_path: Path, signed: Signed,
                              change: Callable[[Signed, list[bytes]], None],
                              expected: tuple[int, str], plain: bool) -> None:
    path = tampered(tmp_path, signed, change)
    code, report = verify(path, signed.public, "--verify", "--public-key", str(signed.public))
    found = [(f["line"], f["code"]) for f in report["findings"]]
    assert code == 1 and expected in found, found
    code, report = verify(path, signed.public)
    assert (code == 1) is plain, report["findings"]


def test_the_text_report_names_the_first_broken_link(tmp_path: Path, signed: Signed) -> None:
    path = tampered(tmp_path, signed, delete_a_record)
    code, out, _ = run("replay", str(path), "--policies", str(POLICY_DIR), "--verify",
                       "--public-key", str(signed.public))
    assert code == 1
    assert "decisions.jsonl:3: JKN-A052 rantai putus: 1 baris hilang antara baris 2" in out
    assert "(en) broken link: 1 lines are missing between line 2 and this line" in out


def test_cutting_whole_lines_off_the_end_is_not_detectable_from_the_file(
        tmp_path: Path, signed: Signed) -> None:
    """What replay cannot prove: the last record and its checkpoint removed together leave
    a shorter file that is still a valid, signed chain. Keep the last checkpoint's hash
    elsewhere (docs/audit-guide.md) to detect this."""
    path = tmp_path / "decisions.jsonl"
    path.write_bytes(b"\n".join(signed.lines[:-2]) + b"\n")
    code, report = verify(path, signed.public, "--verify", "--public-key", str(signed.public))
    assert code == 0 and report["records"] == 3


def test_verify_without_a_public_key_is_an_input_error(tmp_path: Path, signed: Signed) -> None:
    path = tmp_path / "decisions.jsonl"
    path.write_bytes(b"\n".join(signed.lines) + b"\n")
    code, _, err = run("replay", str(path), "--policies", str(POLICY_DIR), "--verify")
    assert code == 2 and "JKN-A036" in err


def test_keys_published_with_the_policies_are_used(tmp_path: Path, signed: Signed) -> None:
    folder = tmp_path / "policies"
    (folder / "keys").mkdir(parents=True)
    (folder / "karangasem.yaml").write_bytes((POLICY_DIR / "karangasem.yaml").read_bytes())
    raw = keymod.load_public_key(signed.public).public_bytes_raw()
    (folder / "keys" / "office.pub").write_bytes(raw)  # raw 32 bytes work as well as PEM
    path = tmp_path / "decisions.jsonl"
    path.write_bytes(b"\n".join(signed.lines) + b"\n")
    code, out, _ = run("replay", str(path), "--policies", str(folder), "--verify")
    assert code == 0, out
    assert "4 tanda tangan sah" in out


def test_old_unchained_records_are_read_and_said_to_be_unchained(tmp_path: Path,
                                                                 signed: Signed) -> None:
    old = []
    for line in signed.lines[::2]:
        data = load(line)
        data.pop("chain")
        data.pop("holidays")
        data["format"] = "jknrules.record/1"
        old.append(json.dumps(data).encode())
    path = tmp_path / "old.jsonl"
    path.write_bytes(b"\n".join(old) + b"\n")
    code, out, _ = run("replay", str(path), "--policies", str(POLICY_DIR))
    assert code == 0, out
    assert "4 catatan tidak berantai" in out
    code, report = verify(path, signed.public, "--verify", "--public-key", str(signed.public))
    assert code == 1
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(1, "JKN-A050")]
    assert "4 records (lines 1–4) were written before the hash chain" in \
        report["findings"][0]["message"]["en"]
    # appending to an old file starts a chain after the old records
    log = jknrules.DecisionLog(path, key=signed.key)
    policies = jknrules.load_policies(POLICY_DIR)
    log.append(ACCEPTED, jknrules.evaluate(ACCEPTED, policies))
    code, report = verify(path, signed.public, "--verify", "--public-key", str(signed.public))
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(1, "JKN-A050")]
    assert report["integrity"]["signatures_verified"] == 1


def test_record_without_identity_is_chained_and_signed(tmp_path: Path, signed: Signed) -> None:
    case = dict(EMERGENCY, applicant={"nik": "5107014203900001", "has_ktp": True})
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    log = tmp_path / "d.jsonl"
    code, _, err = run("evaluate", str(path), "--record-without-identity", str(log), "--key",
                       str(signed.key), "--policies", str(POLICY_DIR))
    assert code == 0, err
    assert b"5107014203900001" not in log.read_bytes()
    code, report = verify(log, signed.public, "--verify", "--public-key", str(signed.public))
    assert code == 0, report


def test_decision_log_checkpoints_every_n_records(tmp_path: Path, signed: Signed) -> None:
    policies = jknrules.load_policies(POLICY_DIR)
    result = jknrules.evaluate(ACCEPTED, policies)
    log = jknrules.DecisionLog(tmp_path / "d.jsonl", key=signed.key, checkpoint_every=3)
    assert "BEGIN" not in repr(log) and "key_id=" in repr(log)
    for _ in range(7):
        log.append(ACCEPTED, result)
    kinds = ["c" if e.checkpoint else "r" for e in log.read()]
    assert "".join(kinds) == "rrrcrrrcr"
    report = log.replay(policies, verify=True, public_keys=[signed.public])
    assert [(f.line, f.code) for f in report.findings] == [(9, "JKN-A056")]
    assert log.checkpoint() is not None and log.checkpoint() is None
    assert log.replay(policies, verify=True, public_keys=[signed.public]).clean


def test_concurrent_appends_keep_one_chain(tmp_path: Path, signed: Signed) -> None:
    import threading

    policies = jknrules.load_policies(POLICY_DIR)
    result = jknrules.evaluate(ACCEPTED, policies)
    path = tmp_path / "d.jsonl"

    def worker() -> None:
        log = jknrules.DecisionLog(path, key=signed.key, checkpoint_every=5)
        for _ in range(10):
            log.append(ACCEPTED, result)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log = jknrules.DecisionLog(path, key=signed.key)
    log.checkpoint()
    report = log.replay(policies, verify=True, public_keys=[signed.public])
    assert report.clean and report.records == 40, report.findings


def test_replay_reads_the_file_line_by_line(tmp_path: Path, signed: Signed,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Streaming: the file is never read whole (no read_bytes/read_text/readlines)."""
    path = tmp_path / "decisions.jsonl"
    path.write_bytes(b"\n".join(signed.lines) + b"\n")
    for name in ("read_bytes", "read_text"):
        monkeypatch.setattr(Path, name, _forbidden)
    entries = iter_entries(path)
    first = next(entries)
    assert first.line == 1 and first.record is not None
    assert sum(1 for _ in entries) == 7


def _forbidden(*args: object, **kwargs: object) -> None:
    raise AssertionError("the record file was read whole")


def test_a_line_longer_than_the_limit_is_reported_and_skipped(
        tmp_path: Path, signed: Signed, monkeypatch: pytest.MonkeyPatch) -> None:
    from jknrules.audit import logfile

    monkeypatch.setattr(logfile, "MAX_LINE", 1000)
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"x" * 5000 + b"\n" + b'{"format":"other"}\n')
    entries = list(iter_entries(path))
    assert [(e.line, e.problem.code if e.problem else None) for e in entries] == [
        (1, "JKN-A031"), (2, "JKN-A033")]


# --- a full disk ----------------------------------------------------------------------

def test_a_full_disk_rolls_the_file_back(tmp_path: Path, signed: Signed,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "decisions.jsonl"
    path.write_bytes(b"\n".join(signed.lines) + b"\n")
    before = path.read_bytes()
    real = os.write

    def full(fd: int, data: bytes) -> int:
        real(fd, data[: len(data) // 3])  # part of it reaches the disk, then it is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(ACCEPTED), encoding="utf-8")
    code, out, err = run("evaluate", str(case), "--policies", str(POLICY_DIR), "--record",
                         str(path), "--key", str(signed.key))
    assert code == 2 and out == ""
    assert "JKN-A034" in err and "No space left on device" in err
    assert "berkas dikembalikan ke panjangnya semula" in err
    assert path.read_bytes() == before


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_file_size_limit_rolls_the_file_back(tmp_path: Path, signed: Signed) -> None:
    """A real short write: the child may not grow the file past its size + 100 bytes."""
    path = tmp_path / "decisions.jsonl"
    path.write_bytes(b"\n".join(signed.lines) + b"\n")
    before = path.read_bytes()
    case = tmp_path / "case.json"
    case.write_text(json.dumps(ACCEPTED), encoding="utf-8")
    script = (
        "import resource, sys\n"
        "from jknrules.cli.main import main\n"
        f"limit = {len(before) + 100}\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
        "sys.exit(main(sys.argv[1:]))\n")
    done = subprocess.run(
        [sys.executable, "-c", script, "evaluate", str(case), "--policies", str(POLICY_DIR),
         "--record", str(path), "--key", str(signed.key)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "JKN-A034" in done.stderr
    assert path.read_bytes() == before
    code, report = verify(path, signed.public, "--verify", "--public-key", str(signed.public))
    assert code == 0, report["findings"]


def test_a_failing_fsync_rolls_back_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"n":0}\n')
    from jknrules.audit.logfile import append_record

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(jknrules.JknrulesError) as exc:
        append_record(path, {"n": 1})
    assert exc.value.diagnostics[0].code == "JKN-A034"
    monkeypatch.undo()
    assert path.read_bytes() == b'{"n":0}\n'


def test_the_key_never_appears_in_output_or_records(tmp_path: Path, signed: Signed) -> None:
    secret = keymod.load_private_key(signed.key).private_bytes_raw()
    path = tmp_path / "d.jsonl"
    case = tmp_path / "case.json"
    case.write_text(json.dumps(ACCEPTED), encoding="utf-8")
    code, out, err = run("evaluate", str(case), "--policies", str(POLICY_DIR), "--record",
                         str(path), "--key", str(signed.key))
    assert code == 0
    pem = signed.key.read_text(encoding="ascii")
    body = pem.splitlines()[1]
    data = path.read_bytes()
    assert secret not in data and body.encode() not in data
    assert body not in out + err


@pytest.mark.parametrize("content", [b"not a key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_a_bad_key_file_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    key = tmp_path / "bad.key"
    key.write_bytes(content)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(ACCEPTED), encoding="utf-8")
    code, _, err = run("evaluate", str(case), "--policies", str(POLICY_DIR), "--record",
                       str(tmp_path / "d.jsonl"), "--key", str(key))
    assert code == 2 and "JKN-A035" in err
    assert "AAAA" not in err and not (tmp_path / "d.jsonl").exists()


def test_the_records_say_which_holiday_data_they_used(signed: Signed) -> None:
    first = load(signed.lines[0])
    holidays = first["holidays"]
    assert holidays["package"] == "holidays" and holidays["version"]
    # from the day before the intake window opens to the expected activation
    assert holidays["from"] == "2026-02-01" and holidays["to"] == "2026-03-25"
    assert ["2026-02-17", "Tahun Baru Imlek"] in holidays["closed"]
    assert all(len(day) == 2 and "2026-02-01" <= day[0] <= "2026-03-25"
               for day in holidays["closed"])


def test_replay_shows_that_a_new_cuti_bersama_moved_a_deadline(
        tmp_path: Path, signed: Signed) -> None:
    """The record lists the national closed days its deadlines ran over; replayed with
    holiday data that has one more (as a new `holidays` release would), the moved deadline
    comes with the day that moved it."""
    lines = list(signed.lines)

    def older_data(d: dict[str, Any]) -> None:
        d["holidays"]["closed"] = [c for c in d["holidays"]["closed"]
                                   if c[0] != "2026-02-16"]
        d["holidays"]["version"] = "0.60"
        d["result"]["deadlines"]["submit_to_bpjs_by"] = "2026-02-27T23:59:59+08:00"
    edit(lines, 0, older_data)
    relink(lines, 0)
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, report = verify(path, signed.public)
    [finding] = [f for f in report["findings"] if f["code"] == "JKN-A041"]
    fields = {d["field"]: d for d in finding["differences"]}
    assert "deadlines" in fields and "holidays" in fields
    assert "holidays 0.60 →" in finding["message"]["en"]
    assert "+ 2026-02-16" in finding["message"]["en"]


def test_records_and_checkpoints_alternate_with_a_key(signed: Signed) -> None:
    formats = [load(line)["format"] for line in signed.lines]
    assert formats == ["jknrules.record/2", "jknrules.checkpoint/1"] * 4
    assert [load(line)["chain"]["seq"] for line in signed.lines] == list(range(8))
