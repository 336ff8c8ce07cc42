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

#: The format written in every record's ``format``: a record linked into a hash chain.
RECORD_FORMAT = "jknrules.record/2"
#: The format of records written before the chain (still read; replay says they are not
#: chained).
UNCHAINED_FORMAT = "jknrules.record/1"
#: A signed checkpoint line of a record file.
CHECKPOINT_FORMAT = "jknrules.checkpoint/1"
#: Case fields that identify a person: left out of a record written without identity.
IdentityField = Literal["applicant.nik", "applicant.kk_number", "applicant.birth_date",
                        "applicant.name", "applicant.birth_place", "applicant.sex",
                        "applicant.address", "applicant.family_status", "applicant.faskes"]
IDENTITY_FIELDS: tuple[IdentityField, ...] = (
    "applicant.nik", "applicant.kk_number", "applicant.birth_date", "applicant.name",
    "applicant.birth_place", "applicant.sex", "applicant.address", "applicant.family_status",
    "applicant.faskes")


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


class TornWrite(_M):
    bytes: int = Field(ge=1, description="Length of the line an interrupted write left")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of those bytes")


class Chain(_M):
    seq: int = Field(ge=0, description="Urutan dalam rantai / position in the chain (0, 1, 2, …)")
    prev: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hash of the line before "
                      "(64 zeros for the first line of a chain)")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of this line's "
                      "canonical JSON (sorted keys, no spaces, UTF-8) without `chain.hash` "
                      "and `signature`")
    torn: TornWrite | None = Field(
        None, description="Present on the first line written after an interrupted write "
        "(a writer killed mid-write): the bytes it left, kept on the line just before this "
        "one. `replay` reports them (JKN-A032) and notices if they are removed or changed "
        "(JKN-A057)")


class HolidayData(_M):
    package: Literal["holidays"]
    version: str = Field(description="The `holidays` release that gave the national "
                         "holidays and cuti bersama")
    from_: str | None = Field(None, alias="from", description="First day of the window "
                              "the deadlines ran over (YYYY-MM-DD)")
    to: str | None = Field(None, description="Last day of that window (YYYY-MM-DD)")
    closed: list[tuple[str, str]] | None = Field(
        None, description="National closed days in the window: [date, name]")


class DecisionRecord(_M):
    """One decision as `jknrules evaluate --record` and `jknrules.DecisionLog` append it
    (one JSON object per line of a JSON Lines file; a file may also hold signed
    checkpoints, format `jknrules.checkpoint/1`)."""

    format: Literal["jknrules.record/2", "jknrules.record/1"] = Field(
        description="Record format and its version (`/1`: written before the hash chain)")
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
    holidays: HolidayData | None = Field(None, description="The holiday data behind the "
                                         "deadlines (absent in `/1` records)")
    key_name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9._@-]{1,64}$",
        description="Nama kunci yang meminta keputusan / the name of the key (an API key's "
        "or a signed-in officer's, `jknrules serve`) the decision was asked with; never the "
        "key. Absent when none was used")
    chain: Chain | None = Field(None, description="The record's link in the file's hash chain "
                                "(absent in `/1` records)")
