"""JSON records with holes, compiled once and filled by one %-formatting.

A page of 250 orders with their line items is about 1.7 MB of JSON. Building dicts and ``json.dumps``-ing them
costs ~150 ms of CPU per page on a small machine, which would make the lookalike, not the client, the
bottleneck of every benchmark. A record written once as a template (its shape reads like the JSON it makes)
and filled by a single ``format % values`` costs a fraction of that: no per-field Python work at all.

Rendering can be split in two: ``Partial(template.render(id=later("id"), name="Mug", ...))`` keeps ``id`` a
hole, filled later by ``partial.fill({"id": 7})``. Records built from a shared shape (see ``shapes``) render
the shape once and fill only their own id and dates; filling joins pre-cut pieces, it does not re-scan text.

The price is a contract on values: they are inserted *as they are* (strings between quotes), so they must not
contain ``"``, ``\\``, ``%`` or control characters. Every string the lookalike generates comes from
``vocabulary``, digits and URLs, which a test checks; non-ASCII letters are fine (bodies are UTF-8).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

_SENTINEL = re.compile(r'"\\u0000(\d+)\\u0000"')
_HOLE = re.compile(r"%\((\w+)\)s")
_FLAG = {True: "true", False: "false"}


class Slot:
    """A hole in a template: a name, whether the value sits between quotes, and how to convert it first."""

    __slots__ = ("convert", "name", "quoted")

    def __init__(self, name: str, *, quoted: bool = False, convert: Callable[[Any], str] | None = None) -> None:
        self.name = name
        self.quoted = quoted
        self.convert = convert


def text(name: str) -> Slot:
    """A JSON string whose value needs no escaping (see the module's contract)."""
    return Slot(name, quoted=True)


def integer(name: str) -> Slot:
    """A JSON integer."""
    return Slot(name)


def decimal(name: str) -> Slot:
    """A JSON number from a float (``str(float)`` is what ``json`` writes)."""
    return Slot(name)


def flag(name: str) -> Slot:
    """``true`` or ``false`` from a bool."""
    return Slot(name, convert=_FLAG.__getitem__)


def raw(name: str) -> Slot:
    """Already-encoded JSON (a nested record or list made by another template or by ``encode``)."""
    return Slot(name)


def later(name: str) -> str:
    """A value that keeps its slot open, for a ``Partial``."""
    return f"%({name})s"


def encode(value: Any) -> str:
    """Compact JSON of a plain value (escaped, ASCII), for the parts that are not templates."""
    return json.dumps(value, separators=(",", ":"))


class JsonTemplate:
    """A JSON document whose ``Slot`` values are supplied at render time."""

    def __init__(self, shape: Any) -> None:
        slots: list[Slot] = []

        def mark(value: Any) -> str:
            if not isinstance(value, Slot):
                raise TypeError(f"not JSON and not a Slot: {value!r}")
            slots.append(value)
            return f"\x00{len(slots) - 1}\x00"

        document = json.dumps(shape, separators=(",", ":"), default=mark)
        pieces = []
        for position, part in enumerate(_SENTINEL.split(document)):
            if position % 2 == 0:
                if "%" in part:
                    raise ValueError(f"a template's constant text may not contain '%': {part!r}")
                pieces.append(part)
                continue
            slot = slots[int(part)]
            pieces.append(f'"%({slot.name})s"' if slot.quoted else f"%({slot.name})s")
        self._format = "".join(pieces)
        self._conversions = tuple({(slot.name, slot.convert) for slot in slots if slot.convert})
        self.names = frozenset(slot.name for slot in slots)

    def render(self, **values: Any) -> str:
        """The JSON text with every slot filled; a missing value raises ``KeyError``."""
        for name, convert in self._conversions:
            values[name] = convert(values[name])
        return self._format % values


class Partial:
    """A rendered document with holes left by ``later``; ``fill`` puts values (any ``str()``-able) in them."""

    __slots__ = ("_holes", "_pieces")

    def __init__(self, document: str) -> None:
        pieces = _HOLE.split(document)
        self._pieces = pieces
        self._holes = tuple((position, pieces[position]) for position in range(1, len(pieces), 2))

    def fill(self, values: dict[str, Any]) -> str:
        pieces = self._pieces.copy()
        for position, name in self._holes:
            pieces[position] = str(values[name])
        return "".join(pieces)


def with_member(document: str, key: str, fragment: str) -> str:
    """``document`` (a JSON object) with one more member whose value is the encoded ``fragment``."""
    return f"{document[:-1]},{encode_basestring_ascii(key)}:{fragment}}}"


def join_array(fragments: list[str]) -> str:
    """A JSON array of already-encoded elements."""
    return "[" + ",".join(fragments) + "]"


def join_array_utf8(fragments: list[str]) -> bytes:
    """``join_array`` as the UTF-8 bytes of the body, for large pages.

    Each element is encoded on its own: one accented name in a page of orders would otherwise make the whole
    joined page a wide string, which costs ~50x more to build and to encode (1.5 ms per 250 orders).
    """
    return b"[" + b",".join([fragment.encode("utf-8") for fragment in fragments]) + b"]"
