"""Every catalogue resource's declared schema (core.schema.catalogue) against the official OpenAPI response schema
of its list: every documented field declared, none invented, each with a type the file's type allows, dates as
timestamps, v2 money strings as exact decimals."""

from __future__ import annotations

import re

import pytest

from airflow_provider_bigcommerce.core.export.resources import RESOURCES
from airflow_provider_bigcommerce.core.schema.catalogue import SCHEMAS
from airflow_provider_bigcommerce.core.schema.records import Field, RecordSchema
from airflow_provider_bigcommerce.core.schema.types import JSON, MONEY, STRING, TIMESTAMP
from tests.openapi_files import DocumentedField, record_fields

# Which declared kinds each JSON type of a file allows (ids are integers where a file says number or string;
# money is a decimal where it says number or string; a number where text is declared keeps its JSON text).
ALLOWED = {
    "integer": {"integer"},
    "number": {"integer", "number", "decimal", "string"},
    "string": {"integer", "decimal", "timestamp", "date", "string"},
    "boolean": {"boolean"},
    "object": {"json"},
    "array": {"json"},
}
V2_MONEY = re.compile(r"-?\d+\.\d{4}")


def documented(schema: RecordSchema) -> dict[str, DocumentedField]:
    fields: dict[str, DocumentedField] = {}
    for source in schema.sources:
        fields.update(record_fields(source.file, source.path, source.within))
    return {name: doc for name, doc in fields.items() if name not in schema.omitted}


def problems(schema: RecordSchema) -> list[str]:
    """What is wrong with ``schema`` against its files, one line each (empty when it agrees)."""
    docs = documented(schema)
    declared = {field.name: field.type for field in schema.fields if field.name not in schema.added}
    found = [f"not declared: {name}" for name in sorted(docs.keys() - declared.keys())]
    found += [f"invented: {name}" for name in sorted(declared.keys() - docs.keys())]
    for name in sorted(docs.keys() & declared.keys()):
        doc, kind = docs[name], declared[name]
        allowed = set().union(*(ALLOWED[t] for t in doc.types)) if doc.types else {"json"}
        if kind.kind not in allowed:
            found.append(f"{name}: {kind.label} where the file allows {sorted(doc.types)}")
        # v3 says format date-time; v2 says nothing, its dates are named date_* (RFC 2822 in the examples)
        a_date = doc.format == "date-time" or (doc.types == {"string"} and name.startswith("date_"))
        if a_date and kind != TIMESTAMP:
            found.append(f"{name}: a date, declared {kind.label}")
        v2_money = doc.types == {"string"} and isinstance(doc.example, str) and V2_MONEY.fullmatch(doc.example)
        if v2_money and kind != MONEY:
            found.append(f"{name}: v2 money ({doc.example!r}), declared {kind.label}")
    return found


def test_every_catalogue_resource_has_a_declared_schema():
    assert set(SCHEMAS) == set(RESOURCES)


@pytest.mark.parametrize("resource", sorted(SCHEMAS))
def test_declared_schema_matches_the_official_list_schema(openapi, resource):
    assert problems(SCHEMAS[resource]) == []


def test_schema_check_catches_a_missing_an_invented_and_a_mistyped_field(openapi):
    """The check above has teeth: a field left out, one made up, money as text and a date as text all fail it."""
    orders = SCHEMAS["orders"]
    kept = [field for field in orders.fields if field.name != "payment_method"]
    retyped = {"total_inc_tax": STRING, "date_created": STRING, "is_deleted": JSON}
    fields = [Field(field.name, retyped.get(field.name, field.type)) for field in kept]
    broken = RecordSchema("orders", (*fields, Field("invented_here", STRING)), orders.key, orders.sources)

    assert problems(broken) == [
        "not declared: payment_method",
        "invented: invented_here",
        "date_created: a date, declared string",
        "is_deleted: json where the file allows ['boolean']",
        "total_inc_tax: v2 money ('225.0000'), declared string",
    ]


def test_an_enum_that_names_no_type_is_documented_as_the_type_of_its_values(openapi):
    """promotions.v3.yml ``CreatedFrom`` is an enum of three strings with no ``type``: text, not an open value."""
    assert record_fields("promotions.v3.yml", "/promotions")["created_from"].types == {"string"}
