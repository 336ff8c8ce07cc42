"""The result of evaluating one case: the contract's JSON object, typed.

:class:`Result` holds plain JSON values (``dict``/``list``/``str``), and its
annotations say exactly which: the contract's enums are ``Literal`` types (from
:mod:`jknrules.language.vocab`) and the parts of a result are ``TypedDict``\\ s.
So an integrator's ``mypy --strict`` reports ``result.outcome == "acepted"``
(a comparison that can never be true) and ``result.route["channell"]`` (no
such key). Nothing is converted at run time: ``to_dict()``/``to_json()`` give
the same bytes as before these types were written down.

The shapes here and the pydantic models of :mod:`jknrules.language.result`
(the source of ``schemas/result.schema.json``) describe the same object; a test
checks that their keys agree.
"""

# No ``from __future__ import annotations`` here: ``TypedDict`` reads ``NotRequired``
# from the evaluated annotations, so ``__required_keys__`` is right at run time too.

import json
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

from jknrules.language.vocab import ChannelId, DocumentId, Outcome, RegencyId, RouteId, Segment

#: What a trace entry is about (``trace[*].kind``).
TraceKind = Literal["route", "rule", "document", "notice", "channel", "window", "cutoff"]


class BilingualText(TypedDict):
    """A text in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str
    en: str


class PolicyRef(TypedDict):
    """``result.policy``: the version that decided and its fingerprint."""

    regency: RegencyId
    version: str
    effective_from: str
    sha256: str
    document: str
    file: str


class Step(TypedDict):
    """One row of a route's procedure."""

    actor: str
    action: str
    minutes: int | None


class Route(TypedDict):
    """``result.route``: the route the case proceeds along (``None`` when there is none)."""

    id: RouteId
    channel: ChannelId | None
    office: str
    name: str
    source: str
    steps: list[Step]
    members: NotRequired[list[str]]


class RequiredDocument(TypedDict):
    """An item of ``result.required_documents``: ``id`` (one document) or ``any_of``."""

    id: NotRequired[DocumentId]
    any_of: NotRequired[list[DocumentId]]
    name: BilingualText
    why: BilingualText
    source: str
    at: str
    assumption: NotRequired[BilingualText]


class Deadlines(TypedDict, total=False):
    """``result.deadlines``: only the deadlines the policy defines are present (ISO 8601,
    with the regency's offset)."""

    response_due: str
    intake_opens: str
    intake_closes: str
    submit_to_bpjs_by: str
    expected_active_by: str
    next_service_opening: str


class Reason(TypedDict):
    """An item of ``result.reasons``."""

    code: str
    message: BilingualText
    source: str | None
    at: NotRequired[str]
    fields: NotRequired[list[str]]
    documents: NotRequired[list[DocumentId]]
    assumption: NotRequired[BilingualText]


class TraceEntry(TypedDict):
    """An item of ``result.trace``: one rule considered, whether it fired, the facts read."""

    rule: str
    kind: TraceKind
    fired: bool | None
    facts: dict[str, Any]
    absent: NotRequired[list[str]]
    source: NotRequired[str]
    at: NotRequired[str]
    outcome: NotRequired[Outcome]
    documents: NotRequired[list[DocumentId]]
    routes: NotRequired[list[RouteId]]
    opens: NotRequired[str | None]
    service_starts: NotRequired[str]
    date: NotRequired[str]


@dataclass(frozen=True, slots=True)
class Result:
    """One decision. ``to_dict()`` is exactly the CLI's JSON.

    Fields follow the contract: ``policy``, ``outcome``, ``target_segment``,
    ``route``, ``required_documents``, ``missing_documents``, ``deadlines``,
    ``reasons``, ``trace``.
    """

    policy: PolicyRef
    outcome: Outcome
    target_segment: Segment | None
    route: Route | None
    required_documents: list[RequiredDocument]
    missing_documents: list[DocumentId] | None
    deadlines: Deadlines
    reasons: list[Reason]
    trace: list[TraceEntry]

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "outcome": self.outcome,
            "target_segment": self.target_segment,
            "route": self.route,
            "required_documents": self.required_documents,
            "missing_documents": self.missing_documents,
            "deadlines": self.deadlines,
            "reasons": self.reasons,
            "trace": self.trace,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Deterministic JSON: the same case and policies give byte-identical text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
