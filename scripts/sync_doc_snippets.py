"""Copy the marked regions of the example DAGs into the docs that show them, so shown code is code that runs.

Airflow's providers mark the code their docs show in the example DAGs with ``# [START name]`` / ``# [END name]``
and include it from there, less its indentation (``:dedent:``). Markdown has no include directive, so a doc holds
the region itself, between comments that say where it comes from::

    <!-- include: dags_examples/bigcommerce_incremental_export.py howto_operator_bigcommerce_export -->
    ```python
    ... the lines between the markers, less their common indentation and blank ends ...
    ```
    <!-- end include -->

``tests/test_doc_snippets.py`` fails while a block differs from its region by one byte, or a marked region is shown
nowhere. The example DAGs run in the tests (``dag.test()`` and a real scheduler), so the code shown runs too.

    python scripts/sync_doc_snippets.py           # rewrite the blocks of README.md and docs/*.md
    python scripts/sync_doc_snippets.py --check   # exit 1, naming each block that is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = "dags_examples"
MARKER = re.compile(r"^[ \t]*# \[(?P<kind>START|END) (?P<name>[A-Za-z0-9_]+)\][ \t]*$")
INCLUDE = re.compile(
    r"<!-- include: (?P<file>\S+) (?P<name>[A-Za-z0-9_]+) -->\n```python\n(?P<body>.*?)```\n<!-- end include -->",
    flags=re.DOTALL,
)


class SnippetError(ValueError):
    """A marker or an include that cannot be resolved. ``code`` says which rule broke; ``where`` is the file."""

    def __init__(self, code: str, where: str, name: str, message: str) -> None:
        self.code = code
        self.where = where
        self.name = name
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Include:
    doc: Path
    source: str  # the marked file, relative to the repository root
    name: str
    body: str


def doc_files(root: Path = REPO_ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def marked_regions(path: Path, root: Path = REPO_ROOT) -> dict[str, str]:
    """Each ``# [START name]`` ... ``# [END name]`` region of ``path``: the lines between the two, less their common
    indentation and the blank lines at either end (a region inside a DAG function reads as top-level code, which is
    how ruff formats Markdown's)."""
    where = str(path.relative_to(root))
    regions: dict[str, str] = {}
    open_at: dict[str, int] = {}
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number, line in enumerate(lines):
        match = MARKER.match(line)
        if not match:
            continue
        name = match["name"]
        if match["kind"] == "START":
            if name in open_at or name in regions:
                raise SnippetError("marker_repeated", where, name, f"[START {name}] appears twice")
            open_at[name] = number
            continue
        if name not in open_at:
            raise SnippetError("end_without_start", where, name, f"[END {name}] has no [START {name}] before it")
        regions[name] = textwrap.dedent("".join(lines[open_at.pop(name) + 1 : number])).strip("\n") + "\n"
    if open_at:
        name = next(iter(open_at))
        raise SnippetError("start_without_end", where, name, f"[START {name}] has no [END {name}]")
    return regions


def example_regions(root: Path = REPO_ROOT) -> dict[tuple[str, str], str]:
    """(file, name) -> region, for every marked region of the example DAGs."""
    return {
        (str(path.relative_to(root)), name): region
        for path in sorted((root / EXAMPLES).glob("*.py"))
        for name, region in marked_regions(path, root).items()
    }


def includes(doc: Path) -> Iterator[Include]:
    for match in INCLUDE.finditer(doc.read_text(encoding="utf-8")):
        yield Include(doc, match["file"], match["name"], match["body"])


def synced(doc: Path, regions: dict[tuple[str, str], str], root: Path = REPO_ROOT) -> str:
    """The text of ``doc`` with every include block holding its region."""

    def region_for(match: re.Match[str]) -> str:
        key = (match["file"], match["name"])
        if key not in regions:
            where = str(doc.relative_to(root))
            raise SnippetError("region_missing", where, match["name"], f"no region {key[1]!r} in {key[0]}")
        return f"<!-- include: {key[0]} {key[1]} -->\n```python\n{regions[key]}```\n<!-- end include -->"

    return INCLUDE.sub(region_for, doc.read_text(encoding="utf-8"))


def stale_docs(root: Path = REPO_ROOT) -> list[Path]:
    regions = example_regions(root)
    return [doc for doc in doc_files(root) if synced(doc, regions, root) != doc.read_text(encoding="utf-8")]


def main(argv: list[str] | None = None, root: Path = REPO_ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only name the docs whose blocks are out of date")
    args = parser.parse_args(argv)
    stale = stale_docs(root)
    if args.check:
        for doc in stale:
            print(f"{doc.relative_to(root)} shows code that differs from its example DAG: run {Path(__file__).name}")
        return 1 if stale else 0
    regions = example_regions(root)
    for doc in stale:
        doc.write_text(synced(doc, regions, root), encoding="utf-8")
        print(f"rewrote {doc.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
