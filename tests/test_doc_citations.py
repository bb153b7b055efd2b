"""Comments cite docs/ in this repository, by file and section; every cited section exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
SOURCES = ["airflow_provider_bigcommerce", "tests", "benchmarks", "scripts"]
# A page of docs/ and its section in double quotes, or in single quotes as messages inside a double-quoted string
# quote it, then maybe more sections, each after a comma.
CITATION = re.compile(r'(docs/[a-z_-]+\.md)\b[^"\'\n]{0,3}(["\'])([^"\'\n]+)\2((?:, "[^"\n]+")*)')
TABLE_ROW_NAME = re.compile(r"^\| \*\*([^*]+)\*\*")  # a table row whose first cell starts with a bold name
OUTSIDE = re.compile(r"\b(FACTS|STYLE|PROPERTIES)\.md\b")


def python_files() -> list[Path]:
    return [path for folder in SOURCES if (REPO / folder).is_dir() for path in sorted((REPO / folder).rglob("*.py"))]


def headings(doc: Path) -> set[str]:
    """The sections of a doc a comment may cite: its headings, and the bold names opening a table's rows."""
    lines = doc.read_text().splitlines()
    named = {match.group(1) for line in lines if (match := TABLE_ROW_NAME.match(line))}
    return {line.lstrip("#").strip() for line in lines if line.startswith("#")} | named


def test_every_cited_docs_section_exists() -> None:
    missing, cited = [], 0
    for path in python_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in CITATION.finditer(line):
                doc = REPO / match.group(1)
                sections = [match.group(3), *re.findall(r'"([^"]+)"', match.group(4))]
                cited += len(sections)
                known = headings(doc) if doc.is_file() else set()
                missing += [
                    f"{path.relative_to(REPO)}:{number}: {match.group(1)} {s!r}" for s in sections if s not in known
                ]

    assert cited > 20, "the pattern must see the citations"
    assert not missing, "\n".join(missing)


def test_no_comment_cites_a_document_outside_the_repository() -> None:
    this = Path(__file__).resolve()
    found = [
        f"{path.relative_to(REPO)}:{number}"
        for path in python_files()
        if path.resolve() != this
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    ]

    assert not found, found
