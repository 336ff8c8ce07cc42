"""What reading, verifying and replaying a decision log reports: a finding per line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jknrules.language.text import Bilingual


@dataclass(frozen=True, slots=True)
class Difference:
    """One part of a decision (or the holiday data behind it) that differs."""

    field: str
    recorded: Any
    replayed: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "recorded": self.recorded, "replayed": self.replayed}


@dataclass(frozen=True)
class ReplayFinding:
    """A finding about the line ``line`` of a record file (codes ``JKN-A031``–``A056``)."""

    line: int
    code: str
    message: Bilingual
    sha256: str | None = None
    differences: tuple[Difference, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code,
                "message": {"id": self.message.id, "en": self.message.en},
                "sha256": self.sha256, "differences": [d.to_json() for d in self.differences]}
