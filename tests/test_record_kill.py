"""Decision records survive a writer killed mid-write, and a real full disk.

What a serious audit log must do after a crash, and what these tests hold it to:

- **Nothing acknowledged is lost.** A record whose append returned (``evaluate`` printed
  the decision, ``DecisionLog.append`` returned) is in the file, whole, however often
  writers are killed and however the next append repairs the file.
- **An interrupted write is never silently accepted.** ``replay --verify`` reports it at
  its line (``JKN-A032``: how many bytes, of a record or a checkpoint, which place in the
  chain) and exits 1, before and after it is sealed.
- **The next append seals it, documented and checkable.** The torn bytes stay where they
  are, on a line of their own; the new line carries their length and SHA-256
  (``chain.torn``) under its hash and the next signature; the chain goes on from the last
  complete line. Removing or changing the torn bytes afterwards is ``JKN-A057``.

The kills are real ``SIGKILL``\\s of a child process: once at a chosen byte of the write
(``os.write`` writes part of the line and the process kills itself), and at random
moments while a loop appends through the public ``jknrules.DecisionLog``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import jknrules
from jknrules.cli.main import main

from .conftest import POLICY_DIR, ROOT, fill
from .test_record_integrity import ACCEPTED, EMERGENCY


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "JKNRULES_DEBUG"}
    out["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + out.get("PYTHONPATH", "")
    return out


def verify(path: Path, public: Path) -> tuple[int, dict[str, Any]]:
    code, out, err = run("replay", str(path), "--policies", str(POLICY_DIR), "--format",
                         "json", "--verify", "--public-key", str(public))
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    return code, report


def codes(report: dict[str, Any]) -> list[tuple[int, str]]:
    return [(f["line"], f["code"]) for f in report["findings"]]


def record(case: dict[str, Any], tmp_path: Path, log: Path, key: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    code, _, err = run("evaluate", str(path), "--policies", str(POLICY_DIR), "--record",
                       str(log), "--key", str(key))
    assert code == 0, err


# --- a write cut at a chosen byte by SIGKILL ----------------------------------------------

#: ``jknrules evaluate …`` in a child whose first record write stops after part of its
#: bytes: the process kills itself with SIGKILL, as a kill or a power cut would stop it
KILLED_EVALUATE = """
import os, signal, sys
from jknrules.cli.main import main

where = sys.argv[1]
real = os.write

def write(fd, data):
    if b'"format":"jknrules.record/2"' in data:
        end = data.index(b"\\n", 1)  # the end of the record line (the checkpoint follows)
        cut = end // 2 if where == "record" else end + 1 + (len(data) - end - 1) // 2
        real(fd, data[:cut])
        os.kill(os.getpid(), signal.SIGKILL)
    return real(fd, data)

os.write = write
sys.exit(main(sys.argv[2:]))
"""


def kill_evaluate_mid_write(where: str, case: Path, log: Path, key: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_EVALUATE, where, "evaluate", str(case), "--policies",
         str(POLICY_DIR), "--record", str(log), "--key", str(key)],
        capture_output=True, text=True, env=env(), timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout == ""  # the decision was never printed


@pytest.mark.parametrize("where", ["record", "checkpoint"])
def test_evaluate_killed_mid_write_is_reported_then_sealed(
        tmp_path: Path, office_keys: tuple[Path, Path], where: str) -> None:
    key, public = office_keys
    log = tmp_path / "decisions.jsonl"
    record(ACCEPTED, tmp_path, log, key)
    record(EMERGENCY, tmp_path, log, key)  # lines 1–4: record, checkpoint, × 2
    before = log.read_bytes()
    case = tmp_path / "killed.json"
    case.write_text(json.dumps(ACCEPTED), encoding="utf-8")
    kill_evaluate_mid_write(where, case, log, key)

    killed = log.read_bytes()
    assert killed.startswith(before) and not killed.endswith(b"\n")
    torn = killed[killed.rindex(b"\n") + 1:]
    torn_line = 5 if where == "record" else 6
    code, report = verify(log, public)
    assert code == 1
    if where == "record":  # half a record: nothing of it counts
        assert codes(report) == [(5, "JKN-A032")] and report["records"] == 2
    else:  # the record is whole, its checkpoint is not: the record is not covered
        assert codes(report) == [(5, "JKN-A056"), (6, "JKN-A032")]
        assert report["records"] == 3
    message = report["findings"][-1]["message"]
    what = "decision record" if where == "record" else "checkpoint"
    assert message["en"].startswith(
        f"an interrupted write: {len(torn)} bytes of a {what} that was never completed "
        f"(seq {torn_line - 1} of the chain, after line {torn_line - 1})")
    assert "not sealed yet" in message["en"] and "belum disegel" in message["id"]

    # the next append seals the torn bytes, keeps them, and the chain goes on
    record(EMERGENCY, tmp_path, log, key)
    sealed = log.read_bytes()
    assert sealed.startswith(killed + b"\n")
    new = json.loads(sealed.splitlines()[torn_line])
    assert new["chain"]["torn"] == {"bytes": len(torn),
                                    "sha256": hashlib.sha256(torn).hexdigest()}
    assert new["chain"]["seq"] == torn_line - 1
    record(ACCEPTED, tmp_path, log, key)  # and a second one is an ordinary append
    assert "torn" not in json.loads(log.read_bytes().splitlines()[-2])["chain"]
    code, report = verify(log, public)
    assert code == 1, "an interrupted write never passes as clean"
    assert codes(report) == [(torn_line, "JKN-A032")]
    assert f"sealed by line {torn_line + 1} (chain.torn)" in \
        report["findings"][0]["message"]["en"]
    assert report["records"] == (4 if where == "record" else 5)
    assert report["reproduced"] == report["records"]
    assert report["integrity"]["interrupted_writes"] == 1
    code, text, _ = run("replay", str(log), "--policies", str(POLICY_DIR), "--lang", "en")
    assert code == 1 and "hash chain: " in text and ", 1 interrupted write;" in text
    assert report["integrity"]["signatures_verified"] == report["integrity"]["checkpoints"]

    # the sealed bytes cannot be taken away or changed unnoticed
    lines = log.read_bytes().split(b"\n")
    removed = tmp_path / "removed.jsonl"
    removed.write_bytes(b"\n".join(lines[:torn_line - 1] + lines[torn_line:]))
    code, report = verify(removed, public)
    assert code == 1 and codes(report) == [(torn_line, "JKN-A057")]
    assert "the bytes of that write were removed" in report["findings"][0]["message"]["en"]
    changed = tmp_path / "changed.jsonl"
    lines[torn_line - 1] = lines[torn_line - 1][:-1] + b"X"
    changed.write_bytes(b"\n".join(lines))
    code, report = verify(changed, public)
    assert code == 1
    assert codes(report) == [(torn_line, "JKN-A031"), (torn_line + 1, "JKN-A057")]


def test_a_torn_line_from_an_older_writer_stays_a_damaged_line(
        tmp_path: Path, office_keys: tuple[Path, Path]) -> None:
    """Bytes no later line seals (an older jknrules appended after them, or someone put
    them there) are reported as a damaged line, never as a sealed interrupted write."""
    key, public = office_keys
    log = tmp_path / "decisions.jsonl"
    record(ACCEPTED, tmp_path, log, key)
    with log.open("ab") as handle:
        handle.write(b'{"case":{"regency":"karangasem"\n')
    record(EMERGENCY, tmp_path, log, key)
    code, report = verify(log, public)
    assert code == 1 and codes(report) == [(3, "JKN-A031")]


def test_an_empty_checkpoint_leaves_a_torn_tail_unsealed(
        tmp_path: Path, office_keys: tuple[Path, Path]) -> None:
    """``DecisionLog.checkpoint()`` with nothing to sign writes nothing at all: not even the
    newline that would end the torn bytes without a seal."""
    key, _ = office_keys
    log = tmp_path / "decisions.jsonl"
    record(ACCEPTED, tmp_path, log, key)
    with log.open("ab") as handle:
        handle.write(b'{"algorithm":"ed25519","chain":{"ha')
    before = log.read_bytes()
    assert jknrules.DecisionLog(log, key=key).checkpoint() is None
    assert log.read_bytes() == before


# --- SIGKILL at random moments while a loop appends ---------------------------------------

#: a loop appending through the public DecisionLog; prints each NIK once its append
#: returned (acknowledged)
APPENDING = """
import sys, json
import jknrules

log_path, key, policies, first = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
case = json.loads(sys.argv[5])
P = jknrules.load_policies(policies)
log = jknrules.DecisionLog(log_path, key=key)
for n in range(first, first + 100_000):
    case["applicant"] = dict(case.get("applicant", {}), nik=f"{n:016d}")
    log.append(case, jknrules.evaluate(case, P))
    print(n, flush=True)
"""


def complete_niks(log: Path) -> list[str]:
    out = []
    for line in log.read_bytes().split(b"\n")[:-1]:  # the text after the last newline is torn
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if data.get("format") == "jknrules.record/2":
            out.append(data["case"].get("applicant", {}).get("nik"))
    return out


def test_appends_killed_at_random_moments_lose_nothing_acknowledged(
        tmp_path: Path, office_keys: tuple[Path, Path]) -> None:
    key, public = office_keys
    log = tmp_path / "decisions.jsonl"
    acknowledged: list[str] = []
    chance = random.Random(20261201)
    torn_seen = 0
    for round_ in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", APPENDING, str(log), str(key), str(POLICY_DIR),
             str(round_ * 1000), json.dumps(ACCEPTED)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
        assert child.stdout is not None
        wanted = 3 + round_
        deadline = time.monotonic() + 120
        got = 0
        while got < wanted and time.monotonic() < deadline:
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else "the child ended"
            acknowledged.append(f"{int(line):016d}")
            got += 1
        time.sleep(chance.uniform(0, 0.02))  # somewhere in the next evaluation or append
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL
        acknowledged += [f"{int(n):016d}" for n in rest.split()]

        niks = complete_niks(log)
        assert set(acknowledged) <= set(niks), "an acknowledged record was lost"
        assert len(niks) == len(set(niks))
        data = log.read_bytes()
        code, report = verify(log, public)
        found = codes(report)
        # only interrupted writes (and a record whose checkpoint was cut), each reported
        assert {c for _, c in found} <= {"JKN-A032", "JKN-A056"}, report["findings"]
        if data.endswith(b"\n"):
            assert all("sealed by line" in f["message"]["en"] for f in report["findings"])
        else:
            last = len(data.split(b"\n"))
            assert (last, "JKN-A032") in found, "a torn last line passed unreported"
            assert code == 1
        torn_seen = sum(c == "JKN-A032" for _, c in found)
        assert code == (1 if found else 0)
    # one more append after the last kill: every torn write is sealed, nothing else found
    whole = len(complete_niks(log))
    record(EMERGENCY, tmp_path, log, key)
    code, report = verify(log, public)
    assert codes(report) == [(f["line"], "JKN-A032") for f in report["findings"]]
    assert len(report["findings"]) == torn_seen
    assert all("sealed by line" in f["message"]["en"] for f in report["findings"])
    assert report["records"] == whole + 1 == len(complete_niks(log))
    assert set(acknowledged) <= set(complete_niks(log))


# --- a real full disk -------------------------------------------------------------------

def test_record_on_a_full_disk_rolls_back_and_exits_2(small_disk: Path, tmp_path: Path,
                                                       office_keys: tuple[Path, Path]) -> None:
    key, public = office_keys
    log = small_disk / "decisions.jsonl"
    record(ACCEPTED, tmp_path, log, key)
    before = log.read_bytes()
    fill(small_disk)  # the log's last page has room for part of the next record only
    assert 0 < os.statvfs(small_disk).f_bsize - len(before) % os.statvfs(small_disk).f_bsize \
        < len(before)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(EMERGENCY), encoding="utf-8")
    code, out, err = run("evaluate", str(case), "--policies", str(POLICY_DIR), "--record",
                         str(log), "--key", str(key))
    assert code == 2 and out == ""
    assert "JKN-A034" in err and "decisions.jsonl" in err
    assert re.search(r"only [1-9][0-9]* of [0-9]+ bytes written", err), err  # a short write
    assert "the file was truncated back to its previous length" in err
    assert log.read_bytes() == before
    (small_disk / "filler").unlink()  # space again: the next append is an ordinary one
    record(EMERGENCY, tmp_path, log, key)
    code, report = verify(log, public)
    assert code == 0 and report["records"] == 2, report["findings"]
