"""The types a record's field is declared with (``FieldType``) and how one JSON value becomes a value of that type.

Each type has an Arrow type (Parquet), and a converter from what the API writes to one plain Python value the
writers take as it is (``int``, ``float``, ``Decimal``, an aware UTC ``datetime``, ``date``, ``bool``, ``str``):

- ``integer``: ids and counts; a whole float (``5.0``) or a string of digits is accepted (the v2 ``customer_id``
  is declared a ``number``, the v3 transactions' ``order_id`` a ``string``).
- ``decimal(scale)``: money, exactly. v2 writes it as strings with 4 decimals (``"336.3200"``, docs/bigcommerce.md
  "Listing and paging"), v3 as JSON numbers, read through their shortest text (``591.78``), never through a float
  sum. A value with more decimals than the scale is not rounded: it is refused (``Unconvertible``).
- ``timestamp``: v2 RFC 2822 (``Wed, 05 Dec 2018 20:16:55 +0000``) and v3 ISO 8601, as UTC.
- ``json``: nested objects and lists, as JSON text. Why not Arrow structs: the official files leave nested shapes
  open (``oneOf`` of an object or a list, ``additionalProperties``, custom fields of the merchant's own), so a
  struct type would differ from window to window or drop what it does not name; JSON text keeps every byte, and
  DuckDB, pandas, PostgreSQL (``jsonb``) and every warehouse read it.

An empty string is a missing value for every type but ``string`` and ``json`` (v2 writes ``"date_shipped": ""``
for an order not shipped yet, ``"expires": ""`` for a coupon that does not expire).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from airflow_provider_bigcommerce.core.export.windows import record_moment

KINDS = ("integer", "number", "decimal", "timestamp", "date", "boolean", "string", "json")


class Unconvertible(ValueError):
    """A value the declared type cannot hold without changing it; the caller keeps it as it came."""


@dataclass(frozen=True)
class FieldType:
    """A declared type: one of ``KINDS``; decimals carry their ``precision`` and ``scale``."""

    kind: str
    precision: int = 0
    scale: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"FieldType: unknown kind {self.kind!r}")

    @property
    def label(self) -> str:
        """``decimal(20,4)``, ``timestamp``: how the type is named in lineage facets and asset events."""
        return f"decimal({self.precision},{self.scale})" if self.kind == "decimal" else self.kind

    def arrow(self) -> Any:
        """The Arrow type (pyarrow is imported only here and by the Parquet writer)."""
        import pyarrow as pa

        return {
            "integer": pa.int64,
            "number": pa.float64,
            "decimal": lambda: pa.decimal128(self.precision, self.scale),
            "timestamp": lambda: pa.timestamp("us", tz="UTC"),
            "date": pa.date32,
            "boolean": pa.bool_,
            "string": pa.string,
            "json": lambda: pa.json_(pa.string()),
        }[self.kind]()

    def converter(self) -> Callable[[Any], Any]:
        """A function from a JSON value (not None) to this type's value; raises ``Unconvertible``."""
        if self.kind == "decimal":
            return _decimal_of(self.precision, self.scale)
        return _CONVERTERS[self.kind]


INTEGER = FieldType("integer")
NUMBER = FieldType("number")
MONEY = FieldType("decimal", 20, 4)  # BigCommerce keeps money to 4 decimals (v2 "336.3200")
RATE = FieldType("decimal", 28, 10)  # v2 exchange rates: "1.0000000000"
TIMESTAMP = FieldType("timestamp")
DATE = FieldType("date")
BOOLEAN = FieldType("boolean")
STRING = FieldType("string")
JSON = FieldType("json")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise Unconvertible(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii():
        try:
            return int(value)
        except ValueError:
            pass
    raise Unconvertible(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Unconvertible(value)
    try:
        number = float(value)
    except ValueError:
        raise Unconvertible(value) from None
    if not math.isfinite(number):
        raise Unconvertible(value)
    return number


def _decimal_of(precision: int, scale: int) -> Callable[[Any], Decimal]:
    quantum = Decimal(1).scaleb(-scale)
    limit = Decimal(10) ** (precision - scale)
    written_exactly = re.compile(rf"-?[0-9]{{1,{precision - scale}}}\.[0-9]{{{scale}}}")  # v2: "336.3200"

    def convert(value: Any) -> Decimal:
        if type(value) is str and written_exactly.fullmatch(value):
            return Decimal(value)  # already at the scale and within the precision
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Unconvertible(value)
        try:
            # repr: a JSON number's shortest text (591.78), not the binary float's expansion
            exact = Decimal(
                repr(value) if isinstance(value, float) else value.strip() if isinstance(value, str) else value
            )
            fixed = exact.quantize(quantum)
        except InvalidOperation:  # not a number, or one too long for any quantum
            raise Unconvertible(value) from None
        if fixed != exact or abs(fixed) >= limit:  # more decimals than the scale, or too large: never rounded
            raise Unconvertible(value)
        return fixed

    return convert


def _timestamp(value: Any) -> datetime:
    # the one reading of a record's date, the window filter's too (a date without an offset is UTC there as here)
    moment = record_moment(value) if isinstance(value, str) else None
    if moment is None:
        raise Unconvertible(value)
    return moment.astimezone(UTC)


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise Unconvertible(value)
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise Unconvertible(value) from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Unconvertible(value)


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)  # a number where text is declared: its JSON text, unchanged
    raise Unconvertible(value)


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder: dumps makes one per call


def json_text(value: Any) -> str:
    """Compact JSON, non-ASCII kept: the same text a value gets in an NDJSON file."""
    return _COMPACT.encode(value)


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "integer": _integer,
    "number": _number,
    "timestamp": _timestamp,
    "date": _date,
    "boolean": _boolean,
    "string": _string,
    "json": json_text,
}
