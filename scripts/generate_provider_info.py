"""Write ``airflow_provider_bigcommerce/get_provider_info.py`` from ``provider.yaml`` beside it.

Airflow's own providers keep ``provider.yaml`` as the source of their metadata and generate ``get_provider_info.py``
from it, so that the runtime reads a plain dict and needs no YAML parser. This script does the same: it renders the
YAML's dict as a Python literal that ``ruff format`` leaves as it is (dicts one key a line, long strings split at
spaces within the line length). ``tests/test_provider_yaml.py`` renders it again and compares byte for byte.

    python scripts/generate_provider_info.py           # rewrite get_provider_info.py
    python scripts/generate_provider_info.py --check   # exit 1 if it is not what provider.yaml gives
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

PACKAGE = Path(__file__).resolve().parents[1] / "airflow_provider_bigcommerce"
PROVIDER_YAML = PACKAGE / "provider.yaml"
GENERATED = PACKAGE / "get_provider_info.py"
LINE_LENGTH = 120  # pyproject.toml [tool.ruff] line-length
INDENT = "    "
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

HEADER = '''"""What Airflow learns about this provider without importing it (``apache_airflow_provider`` entry point).

Generated from ``provider.yaml`` by ``scripts/generate_provider_info.py``: edit provider.yaml, then run the script.
Airflow calls this in every process that lists providers, so it imports nothing and returns a plain dict.
"""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
'''


def load_provider_yaml(path: Path = PROVIDER_YAML) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def render(info: dict[str, Any]) -> str:
    """The module's text for the provider info ``info``."""
    lines = _lines(f"{INDENT}return ", info, INDENT, "")
    # Only a string without a space (a dotted path) can still be too long; ruff format leaves such a line as it is.
    return HEADER + "".join(f"{line}  # noqa: E501\n" if len(line) > LINE_LENGTH else f"{line}\n" for line in lines)


def _lines(prefix: str, value: Any, indent: str, suffix: str) -> list[str]:
    """``value`` as source lines: the first starts with ``prefix`` (indentation included), nested lines are indented
    one level below ``indent``, and the last ends with ``suffix``."""
    inner = indent + INDENT
    if isinstance(value, dict):
        if not value:
            return [f"{prefix}{{}}{suffix}"]
        lines = [f"{prefix}{{"]
        for key, item in value.items():
            lines += _lines(f"{inner}{_scalar(key)}: ", item, inner, ",")
        return [*lines, f"{indent}}}{suffix}"]
    if isinstance(value, list):
        if not any(isinstance(item, dict | list) for item in value):
            one_line = f"{prefix}[{', '.join(_scalar(item) for item in value)}]{suffix}"
            if len(one_line) <= LINE_LENGTH:
                return [one_line]
        lines = [f"{prefix}["]
        for item in value:
            lines += _lines(inner, item, inner, ",")
        return [*lines, f"{indent}]{suffix}"]
    if isinstance(value, str) and len(prefix) + len(_scalar(value)) + len(suffix) > LINE_LENGTH:
        return _split_string(prefix, value, indent, suffix)
    return [f"{prefix}{_scalar(value)}{suffix}"]


def _split_string(prefix: str, text: str, indent: str, suffix: str) -> list[str]:
    """A long string as implicitly concatenated pieces, each ending at a space; ``ruff format`` keeps the pieces at
    the indentation of the key they belong to."""
    pieces: list[str] = []
    current = ""
    lead = prefix
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and len(lead) + len(_scalar(candidate + " ")) > LINE_LENGTH:
            pieces.append(lead + _scalar(current + " "))
            lead, candidate = indent, word
        current = candidate
    return [*pieces, lead + _scalar(current) + suffix]


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        # ruff format's choice: double quotes, unless the text holds more double than single quotes.
        quote = "'" if value.count('"') > value.count("'") else '"'
        return quote + "".join(_escaped(char, quote) for char in value) + quote
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    raise TypeError(f"provider.yaml holds a {type(value).__name__}, which has no literal here: {value!r}")


def _escaped(char: str, quote: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char == quote:
        return "\\" + char
    if ord(char) < 0x20 or char == "\x7f":
        return f"\\x{ord(char):02x}"
    return char


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the file is up to date")
    args = parser.parse_args(argv)
    text = render(load_provider_yaml())
    if args.check:
        if GENERATED.read_text(encoding="utf-8") != text:
            print(f"{GENERATED} differs from {PROVIDER_YAML}: run python scripts/generate_provider_info.py")
            return 1
        return 0
    GENERATED.write_text(text, encoding="utf-8")
    print(f"wrote {GENERATED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
