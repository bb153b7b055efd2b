"""Links between the README and the pages of docs/ lead somewhere: the file exists, and so does the section an
``#anchor`` names (GitHub's anchors: the heading in lower case, punctuation dropped, spaces as hyphens)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", flags=re.DOTALL | re.MULTILINE)


def anchors(doc: Path) -> set[str]:
    text = FENCE.sub("", doc.read_text(encoding="utf-8"))
    headings = [line.lstrip("#").strip() for line in text.splitlines() if re.match(r"#{1,6} ", line)]
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def broken_links(doc: Path) -> list[str]:
    broken = []
    for target in LINK.findall(FENCE.sub("", doc.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto: and the like: outside the repository
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.exists():
            broken.append(f"{doc.name}: {target} (no such file)")
        elif anchor and anchor not in anchors(linked):
            broken.append(f"{doc.name}: {target} (no such section in {linked.name})")
    return broken


def test_every_link_of_the_readme_and_docs_leads_to_a_file_and_section_that_exist() -> None:
    links = sum(len(LINK.findall(doc.read_text(encoding="utf-8"))) for doc in DOCS)

    assert links > 30, "the pattern must see the links"
    assert [problem for doc in DOCS for problem in broken_links(doc)] == []


def test_a_link_to_a_missing_section_or_file_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## Exactly once: reading a store\n\n```\n## Not a heading\n```\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#exactly-once-reading-a-store) [here](#page) [gone](other.md#not-a-heading) "
        "[missing](nowhere.md) [web](https://example.com/x#y)\n\n# Page\n"
    )

    assert broken_links(page) == [
        "page.md: other.md#not-a-heading (no such section in other.md)",
        "page.md: nowhere.md (no such file)",
    ]
