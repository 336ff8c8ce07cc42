"""The result JSON as pydantic models: the source of ``schemas/result.schema.json``.

The evaluator builds plain dicts for speed; tests validate its output against
the generated schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jknrules.language.text import Bilingual
from jknrules.language.vocab import ChannelId, DocumentId, Outcome, RouteId, Segment


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicyRef(_M):
    regency: str = Field(description="Regency id")
    version: str = Field(description="The version's effective date (YYYY-MM-DD)")
    effective_from: str = Field(description="YYYY-MM-DD")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                        description="Fingerprint of the layered policy content that decided")
    document: str = Field(description="Title (and number) of the signed document")
    file: str = Field(description="Policy file the version was loaded from")


class StepOut(_M):
    actor: str
    action: str
    minutes: int | None


class RouteOut(_M):
    id: RouteId
    channel: ChannelId | None = Field(description="Channel open now, or the next to open")
    office: str
    name: str = Field(description="The service's title in the source document")
    source: str
    steps: list[StepOut]
    members: list[str] | None = Field(
        None, description="Who takes part in the channel (e.g. the after-hours group)")


class RequiredDocument(_M):
    id: DocumentId | None = Field(None, description="One required document")
    any_of: list[DocumentId] | None = Field(None, description="One of these is enough")
    name: Bilingual
    why: Bilingual
    source: str = Field(description="Document and clause")
    at: str = Field(description="file:line:column of the requirement in the policy")
    assumption: Bilingual | None = None


class Reason(_M):
    code: str = Field(description="Stable code, e.g. rule.<id>, documents.missing")
    message: Bilingual
    source: str | None
    at: str | None = None
    fields: list[str] | None = Field(None, description="Case fields that were missing")
    documents: list[DocumentId] | None = None
    assumption: Bilingual | None = None


class Deadlines(_M):
    response_due: str | None = None
    intake_opens: str | None = None
    intake_closes: str | None = None
    submit_to_bpjs_by: str | None = None
    expected_active_by: str | None = None
    next_service_opening: str | None = None


class TraceEntry(_M):
    rule: str = Field(description="route/…, or the service's rules/documents/channels key")
    kind: str = Field(description="route, rule, document, notice, channel, window or cutoff")
    fired: bool | None = Field(description="true, false, or null when a fact was missing")
    facts: dict[str, Any] = Field(description="The case facts the rule read")
    absent: list[str] | None = Field(None, description="Fields the rule needed but were absent")
    source: str | None = None
    at: str | None = None
    outcome: Outcome | None = None
    documents: list[DocumentId] | None = None
    routes: list[RouteId] | None = Field(
        None, description="The routes a case could still take (when facts are missing)")
    opens: str | None = None
    service_starts: str | None = None
    date: str | None = None


class ResultModel(_M):
    """The result of evaluating one case (the contract's JSON)."""

    policy: PolicyRef
    outcome: Outcome
    target_segment: Segment | None
    route: RouteOut | None
    required_documents: list[RequiredDocument]
    missing_documents: list[DocumentId] | None
    deadlines: Deadlines
    reasons: list[Reason]
    trace: list[TraceEntry]
