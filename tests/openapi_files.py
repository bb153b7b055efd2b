"""BigCommerce's official OpenAPI files, for the tests: validators of their response schemas, and what each GET
declares (its path template and query parameters), so requests a client sent can be checked against them.

The files are BigCommerce's own (github.com/bigcommerce/docs, folder reference/), which carries no license, so
they are not copied into this repository. These tests were last run against its commit 24f580ca (2026-04-01).
A test asks for them through the ``openapi`` fixture (tests/conftest.py): without the files it skips, except under
``CI=true``, where that skip is a failure.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

OPENAPI_DIR = Path(os.environ["BIGCOMMERCE_OPENAPI_DIR"])  # its default is set in tests/conftest.py
OPENAPI_SOURCE = "https://github.com/bigcommerce/docs"
_PLACEHOLDER = re.compile(r"\{[^/{}]+\}")


def _anyof_for_oneof(node: Any) -> Any:
    """The spec's ``oneOf`` alternatives overlap (e.g. an order's ``consignments`` is ``oneOf`` a resource link
    with no required member, which every object matches, and the consignments object), so strict ``oneOf``
    rejects every valid document. ``anyOf`` keeps the intent: the value has one of the listed shapes."""
    if isinstance(node, dict):
        return {("anyOf" if key == "oneOf" else key): _anyof_for_oneof(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_anyof_for_oneof(item) for item in node]
    return node


def _missing(what: str) -> None:
    # A skip everywhere but CI, where tests/conftest.py turns it into a failure.
    pytest.skip(
        f"BigCommerce's OpenAPI {what} not found under {OPENAPI_DIR}: git clone {OPENAPI_SOURCE} and set "
        "BIGCOMMERCE_OPENAPI_DIR to its reference/ folder"
    )


def _spec_path(file_name: str) -> Path:
    """``file_name`` in the folder, or anywhere below it: a checkout's reference/ keeps catalog files in catalog/."""
    if (OPENAPI_DIR / file_name).is_file():
        return OPENAPI_DIR / file_name
    found = sorted(OPENAPI_DIR.rglob(file_name), key=lambda path: len(path.parts)) if OPENAPI_DIR.is_dir() else []
    if not found:
        _missing(f"file {file_name}")
    return found[0]


@cache
def _load(path: Path) -> dict:
    with path.open() as handle:
        return yaml.load(handle, Loader=yaml.CSafeLoader)


@cache
def _spec(file_name: str) -> dict:
    return _anyof_for_oneof(_load(_spec_path(file_name)))


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@cache
def _registry(file_name: str) -> Registry:
    resource = Resource.from_contents(_spec(file_name), default_specification=DRAFT4)
    return Registry().with_resource(f"urn:bigcommerce:{file_name}", resource)


def _resolved(document: dict, node: Any) -> Any:
    """``node`` with its local ``$ref`` (``#/components/parameters/...``) followed."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@dataclass(frozen=True)
class DeclaredGet:
    """One ``GET`` of an official file: the file, its path template with the API version (``v2/orders/{order_id}``)
    and the names of the query parameters it declares (path-level and operation-level)."""

    file: str
    template: str
    query: frozenset[str]

    def matches(self, request_path: str) -> bool:
        pattern = "[^/]+".join(re.escape(piece) for piece in _PLACEHOLDER.split(self.template))
        return re.fullmatch(pattern, request_path.strip("/")) is not None

    @property
    def placeholders(self) -> int:
        return len(_PLACEHOLDER.findall(self.template))


@cache
def _declared_gets() -> tuple[DeclaredGet, ...]:
    files = sorted(OPENAPI_DIR.rglob("*.yml")) if OPENAPI_DIR.is_dir() else []
    if not files:
        _missing("files")
    declared = []
    for path in files:
        document = _load(path)
        servers = document.get("servers") or [{}]
        version = str(servers[0].get("url", "")).rstrip("/").rsplit("/", 1)[-1]
        if version not in ("v2", "v3"):
            continue
        for template, item in (document.get("paths") or {}).items():
            if "get" not in item:
                continue
            parameters = [*(item.get("parameters") or ()), *(item["get"].get("parameters") or ())]
            query = frozenset(
                found["name"] for found in (_resolved(document, p) for p in parameters) if found.get("in") == "query"
            )
            declared.append(DeclaredGet(path.name, f"{version}/{template.strip('/')}", query))
    return tuple(declared)


class OpenApi:
    """Validates documents against the response schemas of the official OpenAPI files, ``$ref``s resolved, and
    finds what a request's GET declares."""

    def response_validator(self, file_name: str, path: str, status: str = "200") -> OAS30ReadValidator:
        """The validator of ``GET {path}``'s ``status`` answer (``path`` as in the file: ``/orders``)."""
        response = _spec(file_name)["paths"][path]["get"]["responses"][status]
        location = (
            response["$ref"].removeprefix("#")
            if "$ref" in response
            else _pointer("paths", path, "get", "responses", status)
        )
        return self._validator(file_name, f"{location}/content/application~1json/schema")

    def schema_validator(self, file_name: str, schema_name: str) -> OAS30ReadValidator:
        """The validator of ``components.schemas.{schema_name}``."""
        return self._validator(file_name, _pointer("components", "schemas", schema_name))

    def schema(self, file_name: str, schema_name: str) -> dict:
        """``components.schemas.{schema_name}`` as the file writes it (``oneOf`` kept)."""
        return _load(_spec_path(file_name))["components"]["schemas"][schema_name]

    def _validator(self, file_name: str, pointer: str) -> OAS30ReadValidator:
        return OAS30ReadValidator(
            {"$ref": f"urn:bigcommerce:{file_name}#{pointer}"},
            registry=_registry(file_name),
            format_checker=oas30_format_checker,
        )

    def assert_valid(self, validator: OAS30ReadValidator, document: Any) -> None:
        errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
        assert not errors, "\n".join(f"{list(error.absolute_path)}: {error.message}" for error in errors[:10])

    def undeclared(self, log: Any) -> list[tuple[str, tuple[str, ...]]]:
        """Each distinct (the template a request of ``log`` matched, or its own path when none did; the query
        parameter names no matching GET declares, or all of them). ``log``: the lookalike's request log."""
        found = set()
        for request in log:
            declared = self.declared_get(request.path)
            if request.method != "GET" or not declared:
                found.add((request.path, request.params))
                continue
            allowed = frozenset().union(*(get.query for get in declared))
            extra = tuple(name for name in request.params if name not in allowed)
            if extra:
                found.add((declared[0].template, extra))
        return sorted(found)

    def declared_get(self, request_path: str) -> list[DeclaredGet]:
        """The GETs whose template matches ``request_path`` (``v3/orders/101/transactions``), the most literal
        template only (``v2/orders/count`` over ``v2/orders/{order_id}``); one per file that declares it."""
        found = [get for get in _declared_gets() if get.matches(request_path)]
        fewest = min((get.placeholders for get in found), default=0)
        return [get for get in found if get.placeholders == fewest]


@dataclass(frozen=True)
class DocumentedField:
    """One field of a record as an official file documents it: the JSON types it allows (every alternative of a
    ``oneOf``/``anyOf``), its ``format`` and ``example`` where given."""

    types: frozenset[str]
    format: str | None
    example: Any


def _alternatives(document: dict, node: Any) -> list[dict]:
    """``node`` and, through ``$ref``, ``allOf``, ``oneOf`` and ``anyOf``, every schema it may be."""
    node = _resolved(document, node)
    found = [node]
    for key in ("allOf", "oneOf", "anyOf"):
        for part in node.get(key) or ():
            found.extend(_alternatives(document, part))
    return found


def _properties(document: dict, node: Any) -> dict[str, DocumentedField]:
    fields: dict[str, DocumentedField] = {}
    for schema in _alternatives(document, node):
        for name, prop in (schema.get("properties") or {}).items():
            kinds = _alternatives(document, prop)
            types = frozenset(alt["type"] for alt in kinds if "type" in alt) or _enum_types(kinds)
            formats = [alt["format"] for alt in kinds if alt.get("format")]
            example = next((alt["example"] for alt in kinds if "example" in alt), None)
            known = fields.get(name)
            if known is not None:
                types |= known.types
            fields[name] = DocumentedField(types, formats[0] if formats else None, example)
    return fields


def _enum_types(kinds: list[dict]) -> frozenset[str]:
    """The JSON types of an ``enum`` that names no ``type`` (promotions.v3.yml ``CreatedFrom``: three strings)."""
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    return frozenset(names[type(value)] for alt in kinds for value in alt.get("enum") or () if type(value) in names)


def _records_in(document: dict, node: Any) -> list[Any]:
    """The record schemas ``node`` may hold: each alternative's list items, a v3 envelope's ``data``, or itself. A
    sub-resource link ({url, resource}) is what a field holds when its records are not asked inline; the export
    refuses one (core/export/consignments.py), so its fields are not the records'."""
    records = []
    for schema in _alternatives(document, node):
        if schema.get("type") == "array" and "items" in schema:
            records.extend(_records_in(document, schema["items"]))
        elif "data" in (schema.get("properties") or {}):
            records.extend(_records_in(document, schema["properties"]["data"]))
        elif schema.get("properties") and set(schema["properties"]) != _LINK:
            records.append(schema)
    return records


_LINK = {"url", "resource"}


def record_fields(file_name: str, path: str, within: tuple[str, ...] = ()) -> dict[str, DocumentedField]:
    """The fields of a record of ``GET {path}``'s 200 answer in ``file_name`` (following ``within`` into nested
    records, stepping into lists), every alternative of a ``oneOf`` merged."""
    document = _load(_spec_path(file_name))
    response = _resolved(document, document["paths"][path]["get"]["responses"]["200"])
    content = response.get("content", {}).get("application/json", {}).get("schema") or response["schema"]
    records = _records_in(document, content)
    for name in within:
        found = [record["properties"][name] for record in records if name in record["properties"]]
        assert found, f"{file_name} {path}: no field {name!r} on the way to {within}"
        records = [record for schema in found for record in _records_in(document, schema)]
    return _properties(document, {"anyOf": records})
