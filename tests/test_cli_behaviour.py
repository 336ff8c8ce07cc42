"""The command line as a well-behaved program: a closed pipe is no error, ``python -m
jknrules`` works, help is Indonesian first, and nothing POSIX-only is called."""

from __future__ import annotations

import argparse
import importlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jknrules.cli.main import EXIT_BROKEN_PIPE, build_parser, main

from .conftest import ROOT

CASE = ROOT / "examples" / "cases" / "karangasem-emergency.json"
cli_main = importlib.import_module("jknrules.cli.main")  # the module (jknrules.cli.main is
# also the name of the function that jknrules.cli exports)


def jknrules(*argv: str) -> subprocess.Popen[bytes]:
    """``python -m jknrules ARGV`` with stdout and stderr as pipes."""
    return subprocess.Popen([sys.executable, "-m", "jknrules", *argv], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("argv", [
    ("render", "karangasem", "--as-of", "2026-01-15"),
    ("evaluate", str(CASE)),
    ("history", "karangasem", "--format", "json"),
])
def test_a_closed_pipe_is_not_a_traceback(argv: tuple[str, ...]) -> None:
    """``jknrules render karangasem | head -1``: the reader has gone before the output is
    written; the command ends quietly, as a command stopped by SIGPIPE."""
    proc = jknrules(*argv)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away at once: every write meets a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
    assert "internal error" not in err


def test_reading_part_of_the_output_is_fine() -> None:
    """``jknrules evaluate … | head -c 10``."""
    proc = jknrules("evaluate", str(CASE))
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10) == b'{\n  "polic'
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, EXIT_BROKEN_PIPE)  # 0 if it all fitted in the pipe
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell pipeline")
def test_a_shell_pipeline_into_head() -> None:
    command = f"'{sys.executable}' -m jknrules render karangasem --format html | head -1"
    done = subprocess.run(["sh", "-c", command], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.startswith("<!DOCTYPE html>") and done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_main_passes_a_broken_pipe_up_instead_of_an_internal_error() -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        main(["schema", "case"], Closed(), io.StringIO())


def test_console_main_exits_quietly_on_a_broken_pipe(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    def closed() -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli_main, "main", closed)
    monkeypatch.setattr(cli_main.os, "dup2", lambda fd, fd2: None)  # keep pytest's stdout
    with pytest.raises(SystemExit) as exit_:
        cli_main.console_main()
    assert exit_.value.code == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


def test_python_dash_m() -> None:
    done = subprocess.run([sys.executable, "-m", "jknrules", "evaluate", str(CASE), "--format",
                           "text"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Hasil: ")
    version = subprocess.run([sys.executable, "-m", "jknrules", "--version"],
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("jknrules ")


# --- help: Indonesian first, English after " / " --------------------------------------

def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _bilingual(text: str | None) -> bool:
    if not text or " / " not in text:
        return False
    first, _, second = text.partition(" / ")
    return bool(first.strip()) and bool(second.strip()) and first.strip() != second.strip()


def test_every_help_text_is_indonesian_then_english() -> None:
    parser = build_parser()
    assert _bilingual(parser.description)
    problems = [f"jknrules {a.option_strings}" for a in parser._actions
                if not isinstance(a, argparse._SubParsersAction) and not _bilingual(a.help)]
    for name, command in _subparsers(parser).items():
        if not _bilingual(command.description):
            problems.append(f"{name}: HELP {command.description!r}")
        for action in command._actions:
            if not _bilingual(action.help):
                label = "/".join(action.option_strings) or action.dest
                problems.append(f"{name} {label}: {action.help!r}")
    assert not problems, "\n".join(problems)


def test_help_of_every_command_exits_0() -> None:
    for name in _subparsers(build_parser()):
        out, err = io.StringIO(), io.StringIO()
        assert main([name, "--help"], out, err) == 0
        assert "tampilkan bantuan ini / show this help" in out.getvalue()


# --- portable -----------------------------------------------------------------------

POSIX_ONLY = re.compile(r"\bos\.(pread|pwrite|preadv|pwritev|fork|forkpty|getuid|geteuid|"
                        r"getpgid|setsid|killpg|mkfifo|sync|statvfs|uname|getloadavg)\b"
                        r"|^\s*import (fcntl|termios|pwd|grp|resource)\b", re.MULTILINE)


def test_no_posix_only_calls() -> None:
    """So it runs on Windows too (``fcntl`` is allowed only behind ``except ImportError``)."""
    found = []
    for path in sorted((ROOT / "src" / "jknrules").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in POSIX_ONLY.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            context = text.splitlines()[line - 1: line + 2]
            if match.group(0).strip() == "import fcntl" and any(
                    "except ImportError" in c for c in context):
                continue
            found.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0).strip()}")
    assert not found, found


def test_decision_records_append_on_a_fresh_line_without_pread(tmp_path: Path) -> None:
    from jknrules.audit.records import append_record

    log = tmp_path / "decisions.jsonl"
    log.write_bytes(b'{"cut short')  # a crash in the middle of an earlier append
    append_record(log, {"n": 1})
    append_record(log, {"n": 2})
    assert log.read_bytes().split(b"\n") == [b'{"cut short', b'{"n":1}', b'{"n":2}', b""]
    assert os.path.getsize(log) == len(b'{"cut short\n{"n":1}\n{"n":2}\n')
