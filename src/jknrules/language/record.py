"""A decision record (one line of ``evaluate --record``) as pydantic models: the source
of ``schemas/record.schema.json``.

The records are written and read by :mod:`jknrules.audit.records` (``DecisionLog``);
these models only describe them, for integrators who store or forward records.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jknrules.language.case import Case
from jknrules.language.result import ResultModel

#: The format written in every record's ``format``.
RECORD_FORMAT = "jknrules.record/1"
#: Case fields that identify a person: left out of a record written without identity.
IdentityField = Literal["applicant.nik", "applicant.kk_number", "applicant.birth_date"]
IDENTITY_FIELDS: tuple[IdentityField, ...] = (
    "applicant.nik", "applicant.kk_number", "applicant.birth_date")


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Engine(_M):
    name: Literal["jknrules"]
    version: str = Field(description="Versi jknrules yang memutuskan / jknrules version "
                         "that decided (`jknrules --version`)")


class RecordPolicy(_M):
    regency: str = Field(description="Regency id")
    effective_from: str = Field(description="The deciding version's effective date (YYYY-MM-DD)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                        description="Fingerprint of the policy content that decided: "
                        "`jknrules replay` finds the content again by it")
    file: str = Field(description="Policy file the version was loaded from")
    document: str = Field(description="Title (and number) of the signed document")


class DecisionRecord(_M):
    """One decision as `jknrules evaluate --record` and `jknrules.DecisionLog` append it
    (one JSON object per line of a JSON Lines file)."""

    format: Literal["jknrules.record/1"] = Field(description="Record format and its version")
    recorded_at: str = Field(description="When the record was written (UTC, ISO 8601, "
                             "ending in Z)")
    engine: Engine
    policy: RecordPolicy
    case: Case = Field(description="The case exactly as given: fields it did not give are "
                       "absent (not null). Without identity: NIK, KK number and birth date "
                       "are left out (see `redacted`)")
    result: ResultModel = Field(description="The result, as `evaluate` printed it (without "
                                "identity: those fields are also left out of the trace's "
                                "`facts`)")
    redacted: list[IdentityField] | None = Field(
        None, description="Present when the record was written without identity: the case "
        "fields the case gave that were left out. Replay re-evaluates without them")
