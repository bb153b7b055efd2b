"""The house's imports, every one of them (at module level, inside functions, under ``if TYPE_CHECKING``), form no
circle; the Airflow layer never reaches up into the command line; the core imports nothing of Airflow or of the
layers above it; the lookalike imports nothing of the provider."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"airflow_provider_bigcommerce": REPO, "bigcommerce_lookalike": REPO / "lookalike"}
PROVIDER = "airflow_provider_bigcommerce"
AIRFLOW_LAYER = ("hooks", "operators", "sensors", "triggers", "transfers", "assets")


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path, modules: set[str]) -> set[str]:
    """The house's modules ``path`` imports, wherever the import statement stands."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).rstrip(".")
            # "from package import module" imports the module; "from module import name" the module itself.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in modules and target != name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {path: root for package, root in PACKAGES.items() for path in sorted((root / package).rglob("*.py"))}
    modules = {module_name(path, root) for path, root in paths.items()}
    return {module_name(path, root): imports_of(path, root, modules) for path, root in paths.items()}


def external_imports(path: Path) -> set[str]:
    """Top-level names of what ``path`` imports from outside (``airflow``, ``requests``, ...), anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(module: str) -> list[str] | None:
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.get(module, ())):
            if imported in on_stack:
                return [*stack[stack.index(imported) :], imported]
            if imported not in done and (cycle := visit(imported)):
                return cycle
        stack.pop()
        on_stack.discard(module)
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done and (cycle := visit(module)):
            return cycle
    return None


def test_no_import_anywhere_closes_a_circle() -> None:
    graph = import_graph()

    assert len(graph) > 60 and graph[f"{PROVIDER}.sensors.token"], "the graph must see the house's imports"
    assert f"{PROVIDER}.core.export.tombstones" in graph[f"{PROVIDER}.core.export.run"], "in-function imports count"
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_airflow_layer_never_imports_the_command_line() -> None:
    graph = import_graph()
    layer = [module for module in graph if module.split(".")[1:2] and module.split(".")[1] in AIRFLOW_LAYER]

    assert layer, "the Airflow layer's modules are in the graph"
    assert {module: sorted(m for m in graph[module] if m.startswith(f"{PROVIDER}.cli")) for module in layer} == {
        module: [] for module in layer
    }


def test_the_core_is_plain_python_and_the_lookalike_stands_alone() -> None:
    core = sorted((REPO / PROVIDER / "core").rglob("*.py"))
    lookalike = sorted((REPO / "lookalike" / "bigcommerce_lookalike").rglob("*.py"))

    assert core and lookalike
    assert {p.name: "airflow" in external_imports(p) for p in core} == {p.name: False for p in core}
    graph = import_graph()
    above = tuple(f"{PROVIDER}.{layer}" for layer in (*AIRFLOW_LAYER, "cli", "messages", "lineage"))
    for path in core:
        module = module_name(path, REPO)
        assert not [m for m in graph[module] if m.startswith(above)], module
    assert {p.name: PROVIDER in external_imports(p) for p in lookalike} == {p.name: False for p in lookalike}


def test_the_cycle_finder_reports_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
