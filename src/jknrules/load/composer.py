"""YAML text -> nodes: PyYAML's composer over one of two parsers.

A node graph is built by PyYAML's (pure-Python) ``Composer`` in both cases, with the same
bounds (:data:`MAX_NODES`, :data:`MAX_DEPTH`) and the same record of a tag written on a
scalar. What differs is where the parser's events come from:

- :class:`FastLoader`: libyaml's C scanner and parser (``yaml._yaml.CParser``, present in
  PyYAML's wheels), about six times faster than the pure-Python one on the shipped
  policies; ``None`` when this PyYAML was built without libyaml.
- :class:`PureLoader`: PyYAML's pure-Python ``SafeLoader`` — the reference. Every message
  about bad YAML (its wording, line and column) is this parser's:
  :func:`jknrules.load.source.parse` reads a document with :class:`FastLoader` only
  while nothing is wrong, and reads it again with :class:`PureLoader` to say what is.

libyaml's own ``CSafeLoader`` composes in C, but that composer cannot be bounded or told
to keep whether a tag was written, so it is not used.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
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


def _fast_loader() -> type[Any] | None:  # CParser has no type stubs
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml
        return None

    class FastLoader(_Bounded, CParser, SafeConstructor, Resolver):
        """libyaml's scanner and parser, PyYAML's composer (bounded), safe constructor
        and resolver: the same nodes as :class:`PureLoader`'s."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

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
