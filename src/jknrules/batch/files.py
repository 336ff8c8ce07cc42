"""The files of a batch run, and what may go wrong with them.

A run reads INPUT and writes OUTPUT and its errors file, each first as ``NAME.partial``
in the same folder, renamed into place (``os.replace``) only when the run is complete:
whoever reads OUTPUT reads a whole file or the previous one, never a half-written one.
Beside them while a run is under way: ``OUTPUT.progress.json`` (how far it got; see
:mod:`jknrules.batch.progress`) and, for a Parquet OUTPUT, ``OUTPUT.chunks/`` (each
chunk's rows, from which ``--resume`` rebuilds the partial Parquet file, which has no
footer until it is closed).

A file the run would write that *is* the input (the same path, through a symlink, or
a hard link to it) is refused before anything is opened (``JKN-X010``). A file that
cannot be read or written is :class:`BatchFileError` naming the file and saying why in
both languages (``JKN-X011`` reading, ``JKN-X012`` writing: a missing folder, no
permission, a full disk, a file-size limit) — invalid circumstances (exit 2), never an
internal error.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jknrules.errors import Diagnostic, JknrulesError, Span, diag


class BatchFileError(JknrulesError):
    """A file of a batch run cannot be read or written, would overwrite the input, is
    damaged, or a run cannot be resumed."""


#: why an operating-system call failed, in Indonesian (the English is the system's own)
_REASONS = {
    errno.ENOENT: "berkas atau folder tidak ada",
    errno.EACCES: "izin ditolak",
    errno.EPERM: "izin ditolak",
    errno.ENOSPC: "disk penuh",
    errno.EDQUOT: "kuota disk habis",
    errno.EFBIG: "berkas melebihi batas ukuran",
    errno.EROFS: "sistem berkas hanya-baca",
    errno.EISDIR: "ini sebuah folder, bukan berkas",
    errno.ENOTDIR: "bagian dari path bukan folder",
    errno.EIO: "kesalahan masukan/keluaran perangkat",
    errno.ENAMETOOLONG: "nama terlalu panjang",
}


def problem(code: str, path: Path | str, message_id: str, message_en: str, *,
            hint_id: str = "", hint_en: str = "") -> BatchFileError:
    return BatchFileError([diag(code, message_id, message_en, span=Span(str(path), 1, 1),
                                hint_id=hint_id, hint_en=hint_en)])


def os_reason(exc: OSError) -> tuple[str, str]:
    """Why ``exc`` happened: (Indonesian, English)."""
    english = exc.strerror or str(exc) or type(exc).__name__
    return _REASONS.get(exc.errno or 0, english), english


def file_error(path: Path | str, exc: OSError, *, writing: bool) -> BatchFileError:
    reason_id, reason_en = os_reason(exc)
    if writing:
        hint = ("kosongkan ruang lalu jalankan lagi dengan --resume",
                "free some space, then run again with --resume") \
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else ("", "")
        return problem("JKN-X012", path, f"tidak dapat menulis '{path}': {reason_id}",
                       f"cannot write '{path}': {reason_en}", hint_id=hint[0], hint_en=hint[1])
    return problem("JKN-X011", path, f"tidak dapat membaca '{path}': {reason_id}",
                   f"cannot read '{path}': {reason_en}")


@contextlib.contextmanager
def reading(path: Path | str) -> Iterator[None]:
    """Turn an ``OSError`` while reading ``path`` into :class:`BatchFileError`."""
    try:
        yield
    except OSError as exc:
        raise file_error(path, exc, writing=False) from exc


@contextlib.contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Turn an ``OSError`` while writing ``path`` into :class:`BatchFileError`."""
    try:
        yield
    except OSError as exc:
        raise file_error(path, exc, writing=True) from exc


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same path, a symlink to it, a hard link."""
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies in it (symlinks resolved)."""
    real, top = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return real == top or top in real.parents


@dataclass(frozen=True)
class RunFiles:
    """Every file a local run reads or writes."""

    input: Path
    output: Path
    errors: Path

    @property
    def partial(self) -> Path:
        return self.output.with_name(self.output.name + ".partial")

    @property
    def errors_partial(self) -> Path:
        return self.errors.with_name(self.errors.name + ".partial")

    @property
    def progress(self) -> Path:
        return self.output.with_name(self.output.name + ".progress.json")

    @property
    def chunks(self) -> Path:
        return self.output.with_name(self.output.name + ".chunks")

    def written(self) -> dict[str, Path]:
        return {"--out": self.output, "--errors": self.errors, "--out (.partial)": self.partial,
                "--errors (.partial)": self.errors_partial,
                "--out (.progress.json)": self.progress}

    def check(self) -> None:
        """Refuse, before anything is opened, a run that would write over its input or
        write two things to one file, or whose output folder is missing."""
        diags: list[Diagnostic] = []
        for option, path in self.written().items():
            if same_file(path, self.input):
                diags.append(diag(
                    "JKN-X010",
                    f"{option} '{path}' adalah berkas masukan itu sendiri; hasil akan "
                    "menimpa kasus yang sedang dibaca",
                    f"{option} '{path}' is the input file itself; the results would "
                    "overwrite the cases being read",
                    span=Span(str(path), 1, 1),
                    hint_id="pilih nama lain untuk berkas hasil",
                    hint_en="choose another name for the output"))
        if inside(self.input, self.chunks):
            diags.append(diag("JKN-X010",
                              f"berkas masukan ada di dalam '{self.chunks}', folder kerja run "
                              "ini", f"the input lies in '{self.chunks}', this run's work "
                              "folder", span=Span(str(self.input), 1, 1)))
        if same_file(self.output, self.errors):
            diags.append(diag("JKN-X010",
                              f"--out dan --errors menunjuk berkas yang sama: '{self.output}'",
                              f"--out and --errors name the same file: '{self.output}'",
                              span=Span(str(self.output), 1, 1)))
        if diags:
            raise BatchFileError(diags)
        for path in (self.output, self.errors):
            check_writable_place(path)


def check_folder(path: Path) -> None:
    """The folder ``path`` goes in exists."""
    folder = path.parent
    if not folder.is_dir():
        raise problem("JKN-X012", path,
                      f"tidak dapat menulis '{path}': folder '{folder}' tidak ada",
                      f"cannot write '{path}': the folder '{folder}' does not exist")


def check_writable_place(path: Path) -> None:
    """``path`` can be created: its folder exists, and it is not a folder itself."""
    check_folder(path)
    if path.is_dir():
        raise file_error(path, IsADirectoryError(errno.EISDIR, "Is a directory"), writing=True)


def fsync_file(path: Path) -> None:
    with writing(path):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace(partial: Path, final: Path) -> None:
    """Put a complete ``partial`` file in place of ``final`` in one step."""
    with writing(final):
        os.replace(partial, final)


def remove(path: Path) -> None:
    """Remove a file or folder of the run if it is there."""
    with writing(path):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
