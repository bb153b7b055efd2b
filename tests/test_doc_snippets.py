"""Code shown in the docs is the example DAGs' code: every include block equals its ``# [START name]`` /
``# [END name]`` region byte for byte (less the region's common indentation and blank ends), and every region is
shown somewhere (scripts/sync_doc_snippets.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import sync_doc_snippets as snippets

pytestmark = pytest.mark.unit

SHOWN = [include for doc in snippets.doc_files() for include in snippets.includes(doc)]


def _checkout(tmp_path: Path, dag: str, doc: str) -> Path:
    (tmp_path / "dags_examples").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "dags_examples" / "example.py").write_text(dag)
    (tmp_path / "docs" / "page.md").write_text(doc)
    (tmp_path / "README.md").write_text("# readme\n")
    return tmp_path


def _block(body: str) -> str:
    return f"Before.\n\n<!-- include: dags_examples/example.py shown -->\n```python\n{body}```\n<!-- end include -->\n"


def test_every_code_block_included_in_the_docs_is_its_marked_region_byte_for_byte() -> None:
    regions = snippets.example_regions()

    assert len(SHOWN) >= 8, "the pattern must see the include blocks"
    for include in SHOWN:
        where = f"{include.doc.name}: {include.source} {include.name}"
        assert (include.source, include.name) in regions, where
        assert include.body == regions[(include.source, include.name)], f"{where}: run scripts/sync_doc_snippets.py"
    assert snippets.main(["--check"]) == 0


def test_every_marked_region_of_the_example_dags_is_shown_in_the_docs() -> None:
    shown = {(include.source, include.name) for include in SHOWN}

    assert set(snippets.example_regions()) <= shown


def test_a_block_that_drifted_from_its_dag_is_named_and_rewritten_without_the_regions_indentation(
    tmp_path: Path,
) -> None:
    dag = "def f():\n    # [START shown]\n\n    with DAG('d'):\n        task = Op(a=2)\n\n    # [END shown]\n"
    root = _checkout(tmp_path, dag, _block("with DAG('d'):\n    task = Op(a=1)\n"))

    assert snippets.main(["--check"], root=root) == 1
    assert snippets.main([], root=root) == 0
    assert (root / "docs" / "page.md").read_text() == _block("with DAG('d'):\n    task = Op(a=2)\n")
    assert snippets.main(["--check"], root=root) == 0


@pytest.mark.parametrize(
    ("dag", "code"),
    [
        ("# [START shown]\nx = 1\n", "start_without_end"),
        ("x = 1\n# [END shown]\n", "end_without_start"),
        ("# [START shown]\nx = 1\n# [END shown]\n# [START shown]\n# [END shown]\n", "marker_repeated"),
        ("# [START other]\nx = 1\n# [END other]\n", "region_missing"),
    ],
)
def test_a_marker_or_include_that_cannot_be_resolved_is_refused_with_its_rule(
    tmp_path: Path, dag: str, code: str
) -> None:
    root = _checkout(tmp_path, dag, _block("x = 1\n"))

    with pytest.raises(snippets.SnippetError) as raised:
        snippets.main(["--check"], root=root)

    assert raised.value.code == code
