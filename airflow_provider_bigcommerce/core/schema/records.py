"""A resource's declared record schema (``RecordSchema``) and the typing of its records against it (``RecordTyper``).

Every file of a resource has the same columns, whatever fields one window's records happen to hold: the declared
fields, in declared order, then ``_extra``. What the schema cannot hold is kept there, as the API wrote it, never
dropped: a field the schema does not know (the API added one, or the store sends one its file does not document),
and a value its declared type cannot hold unchanged (money with more decimals than its scale, an unreadable date).
``_extra`` is a JSON object text, or null when there was nothing to keep. The typer counts both, once per run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_bigcommerce.core.schema.types import JSON, FieldType, Unconvertible, json_text

EXTRA = "_extra"


@dataclass(frozen=True)
class SpecSource:
    """Where the official files document a resource's records: the list ``path`` of ``file`` (as the file writes
    it: ``/orders``) and, for records taken from inside another record, the ``within`` fields leading to them
    (``consignments.shipping`` for shipping addresses; a list on the way is stepped into)."""

    file: str
    path: str
    within: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType


@dataclass(frozen=True)
class RecordSchema:
    """The declared fields of one resource's records, its primary ``key`` and where its fields are documented.

    ``added`` names the fields the export adds to what the API writes (an order's id on each of its shipping
    addresses), ``omitted`` those it leaves out (a shipping consignment's line items, a resource of their own).
    """

    resource: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    sources: tuple[SpecSource, ...]
    added: frozenset[str] = field(default_factory=frozenset)
    omitted: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        names = [declared.name for declared in self.fields]
        if len(set(names)) != len(names) or EXTRA in names:
            raise ValueError(f"RecordSchema {self.resource}: a field is declared twice, or named {EXTRA}")
        if not set(self.key) <= set(names):
            raise ValueError(f"RecordSchema {self.resource}: key {self.key} is not among its fields")

    @property
    def columns(self) -> tuple[Field, ...]:
        """The declared fields and ``_extra``: every file's columns, in order."""
        return (*self.fields, Field(EXTRA, JSON))

    def type_of(self, name: str) -> FieldType | None:
        return next((declared.type for declared in self.fields if declared.name == name), None)

    def as_facet(self) -> list[dict[str, str]]:
        """``[{"name", "type"}]`` of every column: the asset event's and the lineage facet's schema."""
        return [{"name": column.name, "type": column.type.label} for column in self.columns]


class RecordTyper:
    """Turns API records into rows of ``schema.columns`` (a tuple per record), counting what went to ``_extra``.

    ``promotable`` says which fields the schema does not know may be given to the caller instead of ``_extra``
    (a table can grow a column for them; a file keeps its columns).
    """

    def __init__(self, schema: RecordSchema, promotable: Callable[[str], bool] | None = None) -> None:
        self.schema = schema
        self._promotable = promotable
        self._position = {declared.name: index for index, declared in enumerate(schema.fields)}
        self._convert: list[Callable[[Any], Any]] = [declared.type.converter() for declared in schema.fields]
        self._width = len(schema.fields)
        # an empty string is a missing value, except where it is a value: text, and JSON text ('""')
        self._empty_is_missing = [declared.type.kind not in ("string", "json") for declared in schema.fields]
        self.unknown_fields: dict[str, int] = {}
        self.unconverted: dict[str, int] = {}

    def row(self, record: Mapping[str, Any], promoted: dict[str, Any] | None = None) -> tuple[Any, ...]:
        """The record's row; with ``promoted``, unknown fields ``promotable`` accepts go there, not to ``_extra``."""
        values: list[Any] = [None] * (self._width + 1)
        extra: dict[str, Any] | None = None
        for name, value in record.items():
            index = self._position.get(name)
            if index is None:
                self.unknown_fields[name] = self.unknown_fields.get(name, 0) + 1
                if promoted is not None and self._promotable is not None and self._promotable(name):
                    promoted[name] = value
                    continue
                extra = extra or {}
                extra[name] = value
                continue
            if value is None or (value == "" and self._empty_is_missing[index]):
                continue
            try:
                values[index] = self._convert[index](value)
            except Unconvertible:
                self.unconverted[name] = self.unconverted.get(name, 0) + 1
                extra = extra or {}
                extra[name] = value
        if extra is not None:
            values[self._width] = json_text(extra)
        return tuple(values)

    def report(self) -> dict[str, Any]:
        """What went to ``_extra`` in this run: ``{"unknown_fields": {name: records}, "unconverted": {...}}``."""
        return {"unknown_fields": dict(sorted(self.unknown_fields.items())), "unconverted": dict(self.unconverted)}
