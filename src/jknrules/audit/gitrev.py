"""Reading policy files as they were at a git revision (``git show REV:path``).

Only read-only git commands are run (``rev-parse``, ``show``, ``log``,
``ls-tree``, ``cat-file``), always with ``-C`` the file's folder so that paths
are relative to it and any working directory works. Every failure becomes a
:class:`~jknrules.errors.JknrulesError` with a JKN-A01x code.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from jknrules.errors import JknrulesError, Span, diag


@dataclass(frozen=True, slots=True)
class Blob:
    """A file's content at a commit."""

    commit: str
    path: str  # relative to the folder given to the command
    text: str


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, check=False, timeout=60,
        )
    except FileNotFoundError:
        raise JknrulesError([diag(
            "JKN-A010", "program git tidak ditemukan; pasang git untuk membaca revisi",
            "the git program is not installed; install git to read revisions",
        )]) from None
    except subprocess.TimeoutExpired:
        raise JknrulesError([diag(
            "JKN-A013", f"git {args[0]} terlalu lama (lebih dari 60 detik)",
            f"git {args[0]} took too long (over 60 seconds)",
        )]) from None


def _stderr(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "git failed"


def resolve(folder: Path, rev: str) -> str:
    """The full commit id of ``rev`` (a branch, tag, ``HEAD~1``, a hash)."""
    if rev.startswith("-"):
        raise JknrulesError([diag(
            "JKN-A011", f"revisi git '{rev}' tidak valid", f"invalid git revision '{rev}'")])
    proc = _git(folder, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if proc.returncode != 0:
        inside = _git(folder, "rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0:
            raise JknrulesError([diag(
                "JKN-A010", f"{folder} tidak berada di dalam repositori git ({_stderr(inside)})",
                f"{folder} is not inside a git repository ({_stderr(inside)})",
                span=Span(str(folder), 1, 1),
            )])
        raise JknrulesError([diag(
            "JKN-A011", f"revisi git '{rev}' tidak ditemukan", f"git revision '{rev}' not found",
            hint_id="contoh: HEAD, HEAD~1, main, nama tag, atau hash commit",
            hint_en="e.g. HEAD, HEAD~1, main, a tag name, or a commit hash",
        )])
    return proc.stdout.decode().strip()


def show(path: Path, rev: str) -> Blob:
    """The text of ``path`` at ``rev``."""
    folder = path.parent if str(path.parent) else Path(".")
    commit = resolve(folder, rev)
    proc = _git(folder, "show", f"{commit}:./{path.name}")
    if proc.returncode != 0:
        raise JknrulesError([diag(
            "JKN-A012", f"berkas {path} tidak ada pada revisi {rev} ({commit[:12]})",
            f"file {path} does not exist at revision {rev} ({commit[:12]})",
            span=Span(str(path), 1, 1),
        )])
    return Blob(commit, path.name, _decode(proc.stdout, path))


def history(folder: Path, rev: str) -> list[Blob]:
    """Every distinct ``*.yaml``/``*.yml`` file content in ``folder`` over the commits
    reachable from ``rev`` that touched it (newest first, each blob once)."""
    tip = resolve(folder, rev)
    log = _git(folder, "log", "--format=%H", tip, "--", ".")
    if log.returncode != 0:
        raise JknrulesError([diag("JKN-A013", f"git log gagal: {_stderr(log)}",
                                  f"git log failed: {_stderr(log)}")])
    seen: set[str] = set()
    out: list[Blob] = []
    for commit in log.stdout.decode().split():
        tree = _git(folder, "ls-tree", commit, "--", ".")
        for line in tree.stdout.decode("utf-8", "replace").splitlines():
            meta, _, name = line.partition("\t")
            parts = meta.split()
            if len(parts) != 3 or parts[1] != "blob" or not name.endswith((".yaml", ".yml")):
                continue
            if parts[2] in seen:
                continue
            seen.add(parts[2])
            blob = _git(folder, "cat-file", "blob", parts[2])
            if blob.returncode == 0:
                out.append(Blob(commit, name, blob.stdout.decode("utf-8", "replace")))
    return out


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JknrulesError([diag(
            "JKN-F002", f"berkas bukan teks UTF-8: {exc.reason}", f"file is not UTF-8 text: {exc.reason}",
            span=Span(str(path), 1, 1),
        )]) from None
