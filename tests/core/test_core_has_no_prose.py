"""``core/`` says nothing to people: its errors carry codes and facts, and the sentences (what went wrong, the fix,
the commands and form fields to name) are written from them in ``messages/``. So no string in ``core/``, docstrings
aside, is a sentence longer than a short label: log lines and error labels stay short, and a longer text (a regex,
a list of scopes, markup) is allowed only when it is not prose."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import airflow_provider_bigcommerce.core as core

pytestmark = pytest.mark.unit

CORE = Path(core.__file__).parent
LONGEST_LABEL = 60  # characters of literal text, each {placeholder} counted as two
PROSE_WORDS = 6  # a text of fewer words is a name, a pattern or a list, not a sentence


def _texts(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal and f-string outside docstrings (any string standing alone as a statement)."""
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    parts_of_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings or id(node) in parts_of_fstrings:
                continue
            text = node.value
        else:
            continue
        texts.append((node.lineno, text))
    return texts


SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|MERGE)\b", re.IGNORECASE)
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_:.]*$")


def is_prose(text: str) -> bool:
    """A sentence for people: more than a label's length, and as many words as a sentence has (markup aside).
    A statement of SQL, or a list of field names, is not."""
    words = re.sub(r"<[^>]*>", " ", text)
    if SQL.match(words) or all(IDENTIFIER.match(word) for word in words.split()):
        return False
    return len(words.strip()) > LONGEST_LABEL and len(words.split()) >= PROSE_WORDS


def _prose_in(source: str) -> list[tuple[int, str]]:
    return [(line, text) for line, text in _texts(ast.parse(source)) if is_prose(text)]


def test_no_module_of_core_writes_a_sentence_for_people():
    found = [
        f"{path.relative_to(CORE.parent)}:{line}: {text[:80]!r}"
        for path in sorted(CORE.rglob("*.py"))
        for line, text in _prose_in(path.read_text())
    ]

    assert not found, "sentences belong in messages/, written from the error's code and facts:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'raise ExportError(f"{name} has no way to find deleted records; export it without deletions.")',
        'log.warning("The quota ledger %s cannot be used (%s); this process paces the store on its own figures.")',
        'FIX = ("Copy the Client ID of your custom app " "from the BigCommerce Developer Portal.")',
    ],
)
def test_a_sentence_in_a_raise_a_log_line_or_a_constant_is_found(source):
    assert _prose_in(source)


@pytest.mark.parametrize(
    "source",
    [
        '"""A module docstring may explain at length why the code is the way it is, in whole sentences."""',
        'def f():\n    """So may a function\'s docstring, however long it grows, and it does grow here."""',
        'X = 1\n"""An attribute docstring too: what the constant above means and where it comes from."""',
        'raise SettingsStoreError("lock_timeout", location=location, waited_s=120.0, lock_path=path)',
        'SCOPE = "store_v2_orders store_v2_customers store_v2_products store_v2_information"',
        'PATTERN = re.compile(r"^(v3/catalog|v3/pricelists|v2/products|v2/brands|v2/categories)")',
        'log.info("%s %s: %d records, %d pages, %.1f s, %.0f/s, quota %s/%s", name, stage)',
        'PAGE = "<!doctype html><title>Timed out</title><p>Return to the terminal.</p>"',
        'SQL = "INSERT INTO {} ({}) SELECT {} FROM {} WHERE true ON CONFLICT ({}) DO UPDATE SET {}"',
        'FIELDS = "id order_id product_id variant_id order_pickup_method_id order_address_id quantity"',
    ],
)
def test_docstrings_labels_patterns_and_lists_are_not_sentences(source):
    assert not _prose_in(source)
