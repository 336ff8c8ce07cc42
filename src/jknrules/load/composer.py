"""YAML text -> nodes, from one of two parsers.

- :class:`PureLoader`: PyYAML's pure-Python ``SafeLoader`` — the reference — with its
  composer bounded (:data:`MAX_NODES`, :data:`MAX_DEPTH`) and marking a scalar whose tag
  was written. Every message about bad YAML (its wording, line and column) is this
  parser's.
- :class:`FastLoader`: libyaml's C scanner and parser (``yaml._yaml.CParser``, present in
  PyYAML's wheels), about six times faster than the pure-Python one on the shipped
  policies, under a lean composer that builds the very nodes PyYAML's composer builds
  (same tags through the same resolver, same marks, same bounds) for a document with no
  anchor or alias; ``None`` when this PyYAML was built without libyaml.

:func:`jknrules.load.source.parse` keeps :class:`FastLoader`'s reading only while
nothing is wrong — no syntax error, no anchor, within the bounds, nothing the builder
refuses — and reads the document again with :class:`PureLoader` to say what is.

libyaml's own ``CSafeLoader`` composes in C, but that composer cannot be bounded or told
to keep whether a tag was written, so it is not used.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import (
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import Resolver

MAX_DEPTH = 64
MAX_NODES = 50_000


class Limit(Exception):
    """A document too large (:data:`MAX_NODES`) or too deep (:data:`MAX_DEPTH`), at the
    mark of the event where composing stopped."""

    def __init__(self, mark: yaml.Mark, deep: bool) -> None:
        self.mark = mark
        self.deep = deep


class _Bounded(Composer):
    """A composer that stops once a document is too large or too deep, so a hostile file
    costs bounded time and memory, and marks a scalar whose tag was written."""

    _nodes = 0
    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._nodes += 1
        self._depth += 1
        try:
            if self._nodes > MAX_NODES or self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[attr-defined]
                raise Limit(event.start_mark, self._depth > MAX_DEPTH)
            node: yaml.Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1

    def compose_scalar_node(self, anchor: Any) -> yaml.ScalarNode:
        """A scalar node, marked when its tag was written (``!!str key``), so that a tag
        on a key can be refused."""
        event = self.peek_event()  # type: ignore[attr-defined]
        node: yaml.ScalarNode = super().compose_scalar_node(anchor)
        if event.tag not in (None, "!"):
            node.explicit_tag = True  # type: ignore[attr-defined]
        return node


class PureLoader(_Bounded, yaml.SafeLoader):
    """PyYAML's pure-Python ``SafeLoader``, bounded."""

    def __init__(self, stream: str) -> None:
        yaml.SafeLoader.__init__(self, stream)


class Fallback(Exception):
    """Raised by :class:`FastLoader` where it leaves the document to the pure parser (an
    anchor or alias, more than one document, an event out of place)."""


def _fast_loader() -> type[Any] | None:  # CParser has no type stubs
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml
        return None

    class FastLoader(CParser, SafeConstructor, Resolver):
        """libyaml's scanner and parser, a lean composer, PyYAML's safe constructor and
        resolver: for a document without anchors, the nodes :class:`PureLoader` builds."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._nodes = 0
            self._tags: dict[tuple[str, Any], str] = {}  # resolved plain tags, this text only

        def get_single_node(self) -> yaml.Node | None:
            get = self.get_event
            get()  # the stream's start
            event = get()
            if type(event) is StreamEndEvent:
                return None
            node = self._node(get(), 1)  # after the document's start
            if type(get()) is not DocumentEndEvent or type(get()) is not StreamEndEvent:
                raise Fallback
            return node

        def _node(self, event: Any, depth: int) -> yaml.Node:
            """The node that starts with ``event``, composed as PyYAML's ``Composer``
            composes it, counted as :class:`_Bounded` counts."""
            self._nodes += 1
            if self._nodes > MAX_NODES or depth > MAX_DEPTH:
                raise Limit(event.start_mark, depth > MAX_DEPTH)
            if event.anchor is not None:  # an anchor, or an alias (which has one too)
                raise Fallback
            kind, tag = type(event), event.tag
            if kind is ScalarEvent:
                value = event.value
                if tag is None or tag == "!":
                    # the resolver's answer depends on the text and ``implicit`` only
                    found = self._tags.get((value, event.implicit))
                    if found is None:
                        found = self._tags[value, event.implicit] = self.resolve(
                            ScalarNode, value, event.implicit)  # type: ignore[no-untyped-call]
                    return ScalarNode(found, value, event.start_mark, event.end_mark,
                                      style=event.style)
                node = ScalarNode(tag, value, event.start_mark, event.end_mark,
                                  style=event.style)
                node.explicit_tag = True  # type: ignore[attr-defined]
                return node
            get = self.get_event
            if kind is SequenceStartEvent:
                if tag is None or tag == "!":
                    tag = self.resolve(SequenceNode, None, event.implicit)  # type: ignore[no-untyped-call]
                sequence = SequenceNode(tag, [], event.start_mark, None,
                                        flow_style=event.flow_style)
                items = sequence.value
                child = get()
                while type(child) is not SequenceEndEvent:
                    items.append(self._node(child, depth + 1))
                    child = get()
                sequence.end_mark = child.end_mark
                return sequence
            if kind is MappingStartEvent:
                if tag is None or tag == "!":
                    tag = self.resolve(MappingNode, None, event.implicit)  # type: ignore[no-untyped-call]
                mapping = MappingNode(tag, [], event.start_mark, None,
                                      flow_style=event.flow_style)
                pairs = mapping.value
                child = get()
                while type(child) is not MappingEndEvent:
                    key = self._node(child, depth + 1)
                    pairs.append((key, self._node(get(), depth + 1)))
                    child = get()
                mapping.end_mark = child.end_mark
                return mapping
            raise Fallback

    return FastLoader


#: The loader read first, or ``None`` without libyaml.
FastLoader = _fast_loader()

#: Where libyaml reads differently from PyYAML's pure-Python parser (found by
#: ``tests/test_yaml_parsers.py``): it takes a tab as a space in more places, a byte order
#: mark inside the text, ``?`` inside a flow collection and a comment straight after a
#: block scalar's ``|``/``>`` without complaint. A text with any of these is read by the
#: pure parser only. (A document that is empty — only ``---``, at the end of the text —
#: is placed on the next line by libyaml: :func:`jknrules.load.source.parse` leaves an
#: empty document to the pure parser too.)
_PURE_ONLY = ("\t", "\ufeff", "\x85", "\u2028", "\u2029", "?")
_COMMENT_AFTER_HEADER = re.compile(r"[|>][-+0-9]*#")


def fast_fits(text: str) -> bool:
    """Whether libyaml's parser reads ``text`` as PyYAML's pure-Python one does."""
    if any(character in text for character in _PURE_ONLY):
        return False
    return "#" not in text or _COMMENT_AFTER_HEADER.search(text) is None
