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
from json.encoder import encode_basestring
from typing import Any, Literal, NotRequired, TypedDict, cast

# the JSON form of jknrules.language.text.Bilingual: ``{"id": …, "en": …}``
from jknrules.language.text import BilingualText as BilingualText
from jknrules.language.vocab import ChannelId, DocumentId, Outcome, RegencyId, RouteId, Segment

#: What a trace entry is about (``trace[*].kind``).
TraceKind = Literal["route", "rule", "document", "notice", "channel", "window", "cutoff"]


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


_NAMES = ("policy", "outcome", "target_segment", "route", "required_documents",
          "missing_documents", "deadlines", "reasons", "trace")
_UNSET: Any = object()


class Shared(dict[str, Any]):
    """A part of results built once and shared by many (a route, a policy block, a reason,
    a required document, a trace entry): never changed, and never handed to an
    integrator (:class:`Result` hands out plain copies). It keeps its JSON text, as it
    is written at its place in a result (``indent=2``, and on one line), once it has been
    written."""

    __slots__ = ("level", "line", "text")
    text: str
    level: int
    line: str

    def json_text(self, level: int) -> str:
        """The JSON text of this part ``level`` levels deep in a result (``indent=2``; a
        part has one place in a result, so one level is kept)."""
        try:
            if self.level == level:
                return self.text
            return _dumps(self, _PAD[level])
        except AttributeError:
            # a benign race: two threads write the same text
            self.text = _dumps(self, _PAD[level])
            self.level = level
            return self.text

    def json_line(self) -> str:
        """The JSON text of this part on one line (``indent=None``)."""
        try:
            return self.line
        except AttributeError:
            self.line = _line(self)
            return self.line


class SharedList(list[Any]):
    """A list of results' parts built once and shared by many (the required documents of
    a combination of facts, the documents missing from them), under the same rule as
    :class:`Shared`: never changed, never handed out, and it keeps its JSON text once
    written (its items may be :class:`Shared`)."""

    __slots__ = ("level", "line", "text")
    text: str
    level: int
    line: str

    def json_text(self, level: int) -> str:
        """The JSON text of this list ``level`` levels deep in a result (``indent=2``)."""
        try:
            if self.level == level:
                return self.text
            return _list_text(self, level + 1)
        except AttributeError:
            self.text = _list_text(self, level + 1)
            self.level = level
            return self.text

    def json_line(self) -> str:
        """The JSON text of this list on one line (``indent=None``)."""
        try:
            return self.line
        except AttributeError:
            self.line = _line_list(self)
            return self.line


_CONTAINERS = (dict, list, Shared, SharedList)


def _copy(value: Any) -> Any:
    """A deep copy of JSON-like data as plain dicts and lists (other values shared)."""
    kind = type(value)
    if kind is dict or kind is Shared:
        return {k: _copy(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list or kind is SharedList:
        return [_copy(v) if type(v) in _CONTAINERS else v for v in value]
    return value


#: ``"\n"`` and the indentation of a value ``level`` levels deep (``indent=2``)
_PAD = tuple("\n" + "  " * level for level in range(16))
_string = encode_basestring  # json's own (C) string encoder, as ensure_ascii=False uses


def _dumps(value: Any, pad: str) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` of a value whose lines start
    at ``pad`` (the same bytes; JSON's own encoder for what is not a str, int, bool,
    None, dict or list)."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is dict or kind is Shared:
        if not value:
            return "{}"
        inner = pad + "  "
        return "{" + inner + ("," + inner).join(
            [(_string(k) if type(k) is str else _key(k)) + ": " + _dumps(v, inner)
             for k, v in value.items()]) + pad + "}"
    if kind is list or kind is SharedList:
        if not value:
            return "[]"
        inner = pad + "  "
        return "[" + inner + ("," + inner).join([_dumps(v, inner) for v in value]) + pad + "]"
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", pad)


#: ``json.dumps(value, ensure_ascii=False)`` (JSON's C encoder)
_line = json.JSONEncoder(ensure_ascii=False).encode


def _key(key: Any) -> str:
    """A dict key that is not a str, as JSON writes it."""
    return json.dumps({key: 0}, ensure_ascii=False)[1:-4]


def _line_items(values: list[Any]) -> str:
    """A list whose items may be :class:`Shared`, on one line."""
    if type(values) is SharedList:
        return values.json_line()
    return _line_list(values)


def _line_list(values: list[Any]) -> str:
    return "[" + ", ".join(
        [v.json_line() if type(v) is Shared else _line(v) for v in values]) + "]"


def _items(values: list[Any], level: int) -> str:
    """A list ``level - 1`` levels deep whose items may be :class:`Shared`."""
    if not values:
        return "[]"
    if type(values) is SharedList:
        return values.json_text(level - 1)
    return _list_text(values, level)


def _list_text(values: list[Any], level: int) -> str:
    if not values:
        return "[]"
    pad = _PAD[level]
    return "[" + pad + ("," + pad).join(
        [v.json_text(level) if type(v) is Shared else _dumps(v, pad) for v in values]
    ) + _PAD[level - 1] + "]"


class Result:
    """One decision. ``to_dict()`` is exactly the CLI's JSON.

    Read-only attributes follow the contract: ``policy``, ``outcome``,
    ``target_segment``, ``route``, ``required_documents``, ``missing_documents``,
    ``deadlines``, ``reasons``, ``trace``.

    Parts of a result are shared with the compiled policy (the route, the policy block,
    reasons, required documents and trace entries recorded once per combination of
    facts): they are never handed out. An attribute is built on first access as the
    result's own copy (plain ``dict``/``list`` values, the same object on every later
    access and in ``to_dict()``), so changing it changes this result only — never the
    policy or another result. ``to_json()`` serialises what was not accessed straight
    from the shared parts, and what was from the result's own copy.
    """

    __slots__ = ("_given", "_own")

    def __init__(self, policy: PolicyRef, outcome: Outcome, target_segment: Segment | None,
                 route: Route | None, required_documents: list[RequiredDocument],
                 missing_documents: list[DocumentId] | None, deadlines: Deadlines,
                 reasons: list[Reason], trace: list[TraceEntry]) -> None:
        self._given: tuple[Any, ...] = (policy, outcome, target_segment, route,
                                        required_documents, missing_documents, deadlines,
                                        reasons, trace)
        #: the parts handed out so far (the result's own copies), by index
        self._own: list[Any] | None = None

    @classmethod
    def of_parts(cls, parts: tuple[Any, ...]) -> "Result":
        """A result of its nine parts in the order of ``__init__``'s parameters (the
        evaluator's way: no keyword arguments to match)."""
        result = cls.__new__(cls)
        result._given = parts
        result._own = None
        return result

    def _part(self, index: int) -> Any:
        own = self._own
        if own is None:
            own = self._own = [_UNSET] * 9
        value = own[index]
        if value is _UNSET:
            # two threads reading a part first both copy it; both get the copy kept
            value = _copy(self._given[index])
            if own[index] is _UNSET:
                own[index] = value
            value = own[index]
        return value

    @property
    def policy(self) -> PolicyRef:
        return cast(PolicyRef, self._part(0))

    @property
    def outcome(self) -> Outcome:
        return cast(Outcome, self._given[1])

    @property
    def target_segment(self) -> Segment | None:
        return cast("Segment | None", self._given[2])

    @property
    def route(self) -> Route | None:
        return cast("Route | None", self._part(3))

    @property
    def required_documents(self) -> list[RequiredDocument]:
        return cast("list[RequiredDocument]", self._part(4))

    @property
    def missing_documents(self) -> list[DocumentId] | None:
        return cast("list[DocumentId] | None", self._part(5))

    @property
    def deadlines(self) -> Deadlines:
        return cast(Deadlines, self._part(6))

    @property
    def reasons(self) -> list[Reason]:
        return cast("list[Reason]", self._part(7))

    @property
    def trace(self) -> list[TraceEntry]:
        return cast("list[TraceEntry]", self._part(8))

    def _values(self) -> tuple[Any, ...]:
        """The parts as they stand: the result's own copy where one was handed out."""
        own = self._own
        if own is None:
            return self._given
        return tuple(g if o is _UNSET else o for g, o in zip(self._given, own, strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _NAMES}

    def to_json(self, *, indent: int | None = 2) -> str:
        """Deterministic JSON: the same case and policies give byte-identical text
        (``json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)``)."""
        if self._own is None:
            if indent == 2:
                return self._json()
            if indent is None:
                return self._json_line()
        return json.dumps(dict(zip(_NAMES, self._values(), strict=True)), ensure_ascii=False,
                          indent=indent)

    def _json(self) -> str:
        """``to_json()`` of a result none of whose parts was handed out: the shared parts'
        texts are written once (:class:`Shared`), the rest as ``json.dumps`` would."""
        policy, outcome, segment, route, required, missing, deadlines, reasons, trace = \
            self._given
        pad = _PAD[1]
        return "".join((
            '{\n  "policy": ',
            policy.json_text(1) if type(policy) is Shared else _dumps(policy, pad),
            ',\n  "outcome": ', _string(outcome),
            ',\n  "target_segment": ', "null" if segment is None else _string(segment),
            ',\n  "route": ',
            route.json_text(1) if type(route) is Shared else _dumps(route, pad),
            ',\n  "required_documents": ', _items(required, 2),
            ',\n  "missing_documents": ',
            "null" if missing is None else _items(missing, 2),
            ',\n  "deadlines": ',
            deadlines.json_text(1) if type(deadlines) is Shared else _dumps(deadlines, pad),
            ',\n  "reasons": ', _items(reasons, 2),
            ',\n  "trace": ', _items(trace, 2),
            "\n}",
        ))

    def _json_line(self) -> str:
        """``to_json(indent=None)`` of a result none of whose parts was handed out."""
        policy, outcome, segment, route, required, missing, deadlines, reasons, trace = \
            self._given
        return "".join((
            '{"policy": ', policy.json_line() if type(policy) is Shared else _line(policy),
            ', "outcome": ', _string(outcome),
            ', "target_segment": ', "null" if segment is None else _string(segment),
            ', "route": ', route.json_line() if type(route) is Shared else _line(route),
            ', "required_documents": ', _line_items(required),
            ', "missing_documents": ', "null" if missing is None else _line_items(missing),
            ', "deadlines": ', deadlines.json_line() if type(deadlines) is Shared
            else _line(deadlines),
            ', "reasons": ', _line_items(reasons),
            ', "trace": ', _line_items(trace),
            "}",
        ))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable parts, as a dataclass of dicts

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}={v!r}" for n, v in zip(_NAMES, self._values(), strict=True))
        return f"Result({parts})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Result, self._values())
