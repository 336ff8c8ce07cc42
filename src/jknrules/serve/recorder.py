"""``--record``: every evaluation the server makes appended to one decision log.

One :class:`~jknrules.DecisionLog` per process, written under a lock (one writer at a
time in the process; between worker processes the log's own file lock keeps the chain
whole). An evaluation whose record cannot be written is not answered as a decision
(the caller answers 503): a decision the audit trail does not hold is not given out.
"""

from __future__ import annotations

import threading
from typing import Any

from jknrules import __version__
from jknrules.audit.records import DecisionLog
from jknrules.engine.result import Result
from jknrules.errors import JknrulesError, Span, diag
from jknrules.language.case import Case
from jknrules.serve.config import ServeConfig


class Recorder:
    def __init__(self, config: ServeConfig) -> None:
        assert config.record is not None
        path = config.record
        if not path.parent.is_dir():
            raise JknrulesError([diag(
                "JKN-S004", f"folder berkas catatan tidak ada: {path.parent}",
                f"the record file's folder does not exist: {path.parent}",
                span=Span(str(path), 1, 1))])
        try:
            with path.open("ab"):
                pass
        except OSError as exc:
            raise JknrulesError([diag(
                "JKN-S004", f"berkas catatan tidak dapat ditulis: {path} ({exc.strerror})",
                f"the record file cannot be written: {path} ({exc.strerror})",
                span=Span(str(path), 1, 1))]) from None
        self.log = DecisionLog(path, redact=config.record_without_identity,
                               engine=__version__, key=config.record_key)
        self._lock = threading.Lock()

    def append(self, case: Case | dict[str, Any], result: Result,
               key_name: str | None = None) -> str:
        """Record the decision about ``case`` (a ``Case`` or the case's JSON object), asked
        with the key named ``key_name`` (if any); its ``decision_id`` (the record's chain
        hash)."""
        with self._lock:
            record: dict[str, Any] = self.log.append(case, result, key_name=key_name)
        return str(record["chain"]["hash"])
