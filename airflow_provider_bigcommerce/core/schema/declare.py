"""How a catalogue schema is written down (``declared``): field names grouped by type, the key first.

The modules that declare schemas (``catalogue`` and the subject modules it merges) all write them this way; the
type rules they follow are in ``catalogue``'s docstring.
"""

from __future__ import annotations

from airflow_provider_bigcommerce.core.schema.records import Field, RecordSchema, SpecSource
from airflow_provider_bigcommerce.core.schema.types import (
    BOOLEAN,
    DATE,
    INTEGER,
    JSON,
    MONEY,
    NUMBER,
    RATE,
    STRING,
    TIMESTAMP,
    FieldType,
)

_TYPES: dict[str, FieldType] = {
    "integer": INTEGER,
    "money": MONEY,
    "rate": RATE,
    "number": NUMBER,
    "timestamp": TIMESTAMP,
    "date": DATE,
    "boolean": BOOLEAN,
    "string": STRING,
    "json": JSON,
}


def declared(
    resource: str,
    *sources: SpecSource,
    key: tuple[str, ...] = ("id",),
    added: str = "",
    omitted: str = "",
    **groups: str,
) -> RecordSchema:
    """A schema from space-separated field names grouped by type (``money="total_ex_tax total_inc_tax"``)."""
    fields = [Field(name, _TYPES[kind]) for kind, names in groups.items() for name in names.split()]
    ordered = sorted(fields, key=lambda field: field.name not in key)  # stable: the key first
    return RecordSchema(resource, tuple(ordered), key, sources, frozenset(added.split()), frozenset(omitted.split()))
