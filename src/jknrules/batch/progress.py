"""How far a batch run got: ``OUTPUT.progress.json``, written after every chunk, so that
``jknrules batch … --resume`` continues a killed run from its last complete chunk.

The file is small JSON, replaced in one step (written to ``.partial``, then
``os.replace``), so a kill leaves the previous chunk's state or the new one, never half
of one. It records:

- the input: its size, the byte length of the prefix that holds the rows decided so far
  (text files: up to the end of the last line read; Parquet: up to the end of the last
  row group read) and the SHA-256 of that prefix; for Parquet also the SHA-256 of the
  footer (schema, row groups);
- what decides: the options that shape the output (``--full``, ``--trace``), the output
  and errors files, the jknrules version and a fingerprint of the policies (each
  version's ``sha256``, each file's name and text);
- how much was written: rows, chunks, the byte lengths of the partial output (JSON
  Lines, CSV) and errors files, and the summary's counts so far.

``--resume`` reads it and refuses (``JKN-X014``) when anything differs: another input
(size, prefix hash, footer), other options or policies, or partial files shorter than
recorded. The partial text files are cut back to the recorded lengths (a chunk written
after the last record is dropped and decided again) and written on from there.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jknrules import __version__
from jknrules.batch.files import BatchFileError, problem, reading, writing
from jknrules.load.policyset import PolicySet

FORMAT = "jknrules-batch-progress/1"
_PIECE = 1 << 20


@dataclass
class Progress:
    """The progress file's content (see the module docstring)."""

    input: str
    input_size: int
    input_footer: str
    output: str
    errors: str
    options: dict[str, Any]
    rows: int = 0
    input_offset: int = 0
    input_lines: int = 0
    input_sha256: str = hashlib.sha256().hexdigest()
    output_bytes: int = 0
    errors_bytes: int = 0
    chunks: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    state: str = "running"

    def save(self, path: Path) -> None:
        temporary = path.with_name(path.name + ".partial")
        with writing(path):
            temporary.write_text(json.dumps({"format": FORMAT, **asdict(self)},
                                            ensure_ascii=False, indent=1) + "\n",
                                 encoding="utf-8")
            os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> Progress:
        if not path.exists():
            raise problem("JKN-X014", path,
                          f"tidak ada run terputus yang dapat dilanjutkan: '{path}' tidak ada",
                          f"there is no interrupted run to resume: '{path}' does not exist",
                          hint_id="jalankan tanpa --resume", hint_en="run without --resume")
        with reading(path):
            text = path.read_text(encoding="utf-8", errors="replace")
        try:
            data = json.loads(text)
            if data.pop("format") != FORMAT:
                raise ValueError(f"not {FORMAT}")
            return cls(**data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise problem("JKN-X014", path, f"berkas kemajuan rusak: {exc}",
                          f"the progress file is damaged: {exc}",
                          hint_id="jalankan tanpa --resume",
                          hint_en="run without --resume") from exc


def policies_fingerprint(policies: PolicySet) -> str:
    """What decides: every version's fingerprint and every policy file's name and text
    (``--full`` results cite ``file:line``)."""
    digest = hashlib.sha256()
    for policy in sorted(policies, key=lambda p: p.policy.regency):
        digest.update(f"{policy.policy.regency}\0{policy.file}\0".encode())
        for version in policy.versions:
            digest.update(f"{version.effective_from}\0{version.sha256}\0".encode())
        if policy.source is not None:
            digest.update("\n".join(policy.source.lines).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def options(full: bool, trace: bool, policies: PolicySet) -> dict[str, Any]:
    return {"full": full, "trace": trace, "jknrules": __version__,
            "policies": policies_fingerprint(policies)}


class Digest:
    """SHA-256 of a growing prefix of a file, read from its own handle."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self._hash = hashlib.sha256()

    def advance(self, offset: int) -> str:
        """Hash up to byte ``offset``; the hex digest of the prefix ``[0, offset)``."""
        if offset > self.offset:
            with reading(self.path), self.path.open("rb") as handle:
                handle.seek(self.offset)
                left = offset - self.offset
                while left:
                    piece = handle.read(min(left, _PIECE))
                    if not piece:
                        break
                    self._hash.update(piece)
                    left -= len(piece)
            self.offset = offset - left
        return self._hash.hexdigest()


def refuse(path: Path, what_id: str, what_en: str) -> BatchFileError:
    return problem("JKN-X014", path, f"--resume ditolak: {what_id}", f"--resume refused: {what_en}",
                   hint_id="jalankan tanpa --resume untuk memulai dari awal",
                   hint_en="run without --resume to start again from the beginning")


def verify(saved: Progress, now: Progress, progress_file: Path) -> Digest:
    """Refuse to resume unless the input, options and files are the ones recorded; the
    digest of the input, advanced to the recorded prefix."""
    if saved.input_size != now.input_size or saved.input_footer != now.input_footer:
        raise refuse(Path(now.input),
                     f"berkas masukan '{now.input}' berubah sejak run yang terputus (ukuran "
                     f"{saved.input_size:,} → {now.input_size:,} bita)",
                     f"the input '{now.input}' changed since the interrupted run (size "
                     f"{saved.input_size:,} → {now.input_size:,} bytes)")
    for key, label_id, label_en in (("full", "--full", "--full"), ("trace", "--trace", "--trace"),
                                    ("policies", "kebijakan", "the policies"),
                                    ("jknrules", "versi jknrules", "the jknrules version")):
        if saved.options.get(key) != now.options.get(key):
            raise refuse(progress_file,
                         f"{label_id} berbeda dari run yang terputus",
                         f"{label_en} differ(s) from the interrupted run")
    if (saved.output, saved.errors) != (now.output, now.errors):
        raise refuse(progress_file,
                     f"berkas hasil atau galat berbeda dari run yang terputus ({saved.output}, "
                     f"{saved.errors})",
                     f"the output or errors file differs from the interrupted run "
                     f"({saved.output}, {saved.errors})")
    digest = Digest(Path(now.input))
    if digest.advance(saved.input_offset) != saved.input_sha256:
        raise refuse(Path(now.input),
                     f"isi berkas masukan '{now.input}' pada {saved.rows:,} baris pertama "
                     "berubah sejak run yang terputus",
                     f"the first {saved.rows:,} rows of the input '{now.input}' changed since "
                     "the interrupted run")
    return digest
