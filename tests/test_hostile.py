"""The hostile-policy corpus (``fixtures/hostile/``): every file through ``validate``,
``check``, ``evaluate``, ``render`` and ``batch`` via the CLI's ``main()`` gives exit 2 with
the code ``expected.yaml`` names, located, in both languages; never exit 3 or a traceback.
And inputs that never end (``/dev/zero``, a multi-gigabyte file) stop at the size limit."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from jknrules.cli.main import main
from jknrules.load import reader

from .hostile import POLICY_COMMANDS, POLICY_CORPUS, SMALL_CASE, corpus, run_policy

EXPECTED = corpus(POLICY_CORPUS)
#: A located diagnostic as the CLI prints it: ``file:line:column: JKN-…``.
LOCATED = re.compile(r"^\S.*:\d+:\d+: JKN-[A-Z]\d{3} ", re.MULTILINE)


def test_every_hostile_policy_has_an_expectation() -> None:
    files = {p.name for p in POLICY_CORPUS.iterdir()} - {"expected.yaml"}
    assert files == set(EXPECTED)
    for name, want in EXPECTED.items():
        assert re.fullmatch(r"JKN-[A-Z]\d{3}", want["code"]), name
        assert want.get("why"), name


@pytest.mark.parametrize("command", POLICY_COMMANDS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_policy_is_refused_with_its_code(name: str, command: str, tmp_path: Path) -> None:
    run = run_policy(name, command, tmp_path, limit=30)
    assert run.outcome == "clean", (run.outcome, run.exit_code, run.code, run.expected,
                                    run.stderr[:2000])
    assert run.exit_code == 2
    assert LOCATED.search(run.stderr), run.stderr  # file:line:column
    assert "(en)" in run.stderr  # Indonesian first, then English


def _cli(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err, io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(SMALL_CASE), encoding="utf-8")
    return case


ZERO = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not ZERO.exists(), reason="no /dev/zero here")


@needs_dev_zero
@pytest.mark.parametrize("argv", [
    ["validate", "/dev/zero"],
    ["check", "/dev/zero"],
    ["evaluate", "/dev/zero", "--policies", "policies"],
    ["evaluate", "{case}", "--policies", "/dev/zero"],
    ["batch", "{cases}", "--policies", "/dev/zero", "--out", "{out}"],
    ["diff", "policies/batang.yaml", "policies/batang.yaml", "--cases", "/dev/zero"],
], ids=lambda a: " ".join(a[:2]))
def test_regression_dev_zero_stops_at_the_size_limit(argv: list[str], tmp_path: Path) -> None:
    """``/dev/zero`` as a policy, a case or a cases file was read to the end of memory
    (23.9 GB RSS); now reading stops at the limit with JKN-Y006."""
    root = Path(__file__).resolve().parents[1]
    case = _case(tmp_path)
    cases = tmp_path / "cases.jsonl"
    cases.write_text(case.read_text() + "\n")
    fill = {"{case}": str(case), "{cases}": str(cases), "{out}": str(tmp_path / "o.jsonl")}
    argv = [fill.get(a, a) for a in argv]
    argv = [str(root / a) if a.startswith("policies") else a for a in argv]
    code, _, err = _cli(argv)
    assert code == 2, err
    assert "JKN-Y006" in err
    assert "Traceback" not in err


@needs_dev_zero
def test_regression_replay_of_dev_zero_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record file is read a line at a time, and an over-long line is skipped to its end:
    on ``/dev/zero`` that end never came (replay hung). A device or a pipe now stops at the
    first over-long line."""
    from jknrules.audit import logfile

    monkeypatch.setattr(logfile, "MAX_LINE", 1 << 20)
    code, out, err = _cli(["replay", "/dev/zero", "--policies",
                           str(Path(__file__).resolve().parents[1] / "policies")])
    assert code == 1, err
    assert "/dev/zero:1: JKN-A031" in out and "not a regular file" in out
    assert "reading stopped" in out


@needs_dev_zero
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_regression_batch_refuses_a_device_as_its_input(tmp_path: Path, suffix: str) -> None:
    """``/dev/zero`` under a cases file's name: batch skipped its one endless line forever.
    A device or a pipe has no size for --resume to check: refused, exit 2, naming it."""
    link = tmp_path / f"cases{suffix}"
    link.symlink_to(ZERO)
    code, _, err = _cli(["batch", str(link), "--out", str(tmp_path / "o.jsonl"), "--policies",
                         str(Path(__file__).resolve().parents[1] / "policies")])
    assert code == 2 and "JKN-X013" in err and "not a regular file" in err, err
    assert str(link) in err


@needs_dev_zero
def test_regression_a_device_in_the_policy_folder_is_read_not_skipped(tmp_path: Path) -> None:
    """A ``*.yaml`` in the policy folder that is not a regular file was silently left out
    by ``evaluate`` (``validate`` reported it): now both stop at the size limit, and a
    dangling link is "not found"."""
    root = Path(__file__).resolve().parents[1]
    folder = tmp_path / "policies"
    folder.mkdir()
    for file in (root / "policies").glob("*.yaml"):
        (folder / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "zero.yaml").symlink_to(ZERO)
    case = str(_case(tmp_path))
    for argv in (["evaluate", case, "--policies", str(folder)],
                 ["validate", "--policies", str(folder)]):
        code, _, err = _cli(argv)
        assert code == 2 and "JKN-Y006" in err and "zero.yaml" in err, (argv, err)
    (folder / "zero.yaml").unlink()
    (folder / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    code, _, err = _cli(["evaluate", case, "--policies", str(folder)])
    assert code == 2 and "gone.yaml" in err and "JKN-F001" in err, err


def test_regression_a_record_is_never_written_into_a_device(tmp_path: Path) -> None:
    """``--record /dev/null`` printed the decision as recorded while the record went
    nowhere: a record file must be a regular file (exit 2, JKN-A034)."""
    null = Path(os.devnull)
    code, out, err = _cli(["evaluate", str(_case(tmp_path)), "--policies",
                           str(Path(__file__).resolve().parents[1] / "policies"),
                           "--record", str(null)])
    assert code == 2 and out == "" and "JKN-A034" in err and "not a regular file" in err


def test_a_multi_gigabyte_file_stops_at_the_size_limit(tmp_path: Path) -> None:
    """A sparse 5 GB file (no disk used): the case and the policy reader read one byte
    past the limit, not five gigabytes."""
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(5 * 2**30)
    for argv in (["validate", str(big)], ["evaluate", str(big), "--policies", str(big)],
                 ["evaluate", str(_case(tmp_path)), "--policies", str(big)]):
        code, _, err = _cli(argv)
        assert code == 2 and "JKN-Y006" in err, (argv, err)


def test_stdin_is_read_with_a_bound() -> None:
    code, _, err = _cli(["evaluate", "-"], stdin=" " * (reader.MAX_FILE_BYTES + 10))
    assert code == 2 and "JKN-Y006" in err and "<stdin>" in err


def test_a_policy_just_under_the_limit_is_read(tmp_path: Path) -> None:
    minimal = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text()
    padded = tmp_path / "batang.yaml"
    padded.write_text(minimal + "#" * (reader.MAX_FILE_BYTES - len(minimal) - 10) + "\n")
    assert os.path.getsize(padded) < reader.MAX_FILE_BYTES
    code, _, err = _cli(["validate", str(padded)])
    assert code == 0, err
