"""No import cycle anywhere in ``src/assay``, and nothing imports the package root.

The graph is grimp's (``build_graph("assay")``): every import statement counts,
function-level and ``if TYPE_CHECKING:`` imports included. The only edges left out
are the documented lazy imports of ``LAZY_IMPORTS``: each one names its importer, what
it imports and why, must still exist, and must sit inside a function (a module-level
import is not lazy), so the list cannot rot. docs/architecture.md lists them for
people. Every Python file of the package must be in the graph (a folder without
``__init__.py`` would hide its files from these checks and from ``lint-imports``).
The tests below inject a cycle into a copy of the package to see the check fire.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from support.package_copy import SRC, PackageCopy, package_copy

__all__ = ["package_copy"]  # the fixture, used by name

# importer -> imported -> line numbers of the import statements
Graph = Mapping[str, Mapping[str, list[int]]]


@dataclasses.dataclass(frozen=True)
class LazyImport:
    """An import kept inside a function to keep start-up fast, allowed to close a cycle."""

    importer: str
    imported: str
    reason: str


# The documented lazy imports that may close a cycle. None is needed today.
LAZY_IMPORTS: tuple[LazyImport, ...] = ()

_DUMP = """
import json
import grimp

graph = grimp.build_graph("assay", include_external_packages=False, cache_dir=None)
edges = {}
for importer in sorted(graph.modules):
    edges[importer] = {}
    for imported in sorted(graph.find_modules_directly_imported_by(importer)):
        details = graph.get_import_details(importer=importer, imported=imported)
        edges[importer][imported] = sorted({d["line_number"] for d in details})
print(json.dumps(edges))
"""


def _graph(root: Path) -> Graph:
    """The import graph of the ``assay`` package found under ``root``, built in a subprocess."""
    result = subprocess.run(
        [sys.executable, "-c", _DUMP],
        env=PackageCopy(root).env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    graph: Graph = json.loads(result.stdout)
    return graph


def _strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def cycles(graph: Graph, allowed: Iterable[LazyImport] = ()) -> list[list[str]]:
    """Every import cycle (a strongly connected component) once ``allowed`` edges are gone."""
    skip = {(lazy.importer, lazy.imported) for lazy in allowed}
    edges = {
        importer: [imported for imported in targets if (importer, imported) not in skip]
        for importer, targets in graph.items()
    }
    found = [
        component
        for component in _strongly_connected(edges)
        if len(component) > 1 or component[0] in edges[component[0]]
    ]
    return sorted(found)


def describe(graph: Graph, component: list[str]) -> str:
    """One shortest cycle through the component's first module, with the import lines."""
    start, members = component[0], set(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier and start not in previous:
        following = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child in members and child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    path = [start]
    while len(path) == 1 or path[-1] != start:
        path.append(previous[path[-1]])
    hops = reversed(list(zip(path[1:], path[:-1], strict=True)))
    steps = [f"{a} -> {b} (l.{','.join(map(str, graph[a][b]))})" for a, b in hops]
    others = f" [{len(component)} modules in this knot]" if len(component) > len(path) - 1 else ""
    return "; ".join(steps) + others


def _source(root: Path, module: str) -> Path:
    base = root.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _function_level_lines(path: Path) -> set[int]:
    """Line numbers of the import statements inside a function body in ``path``."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines |= {
                inner.lineno
                for inner in ast.walk(node)
                if isinstance(inner, ast.Import | ast.ImportFrom)
            }
    return lines


def rotten_allowances(graph: Graph, allowed: Iterable[LazyImport], root: Path) -> list[str]:
    """Allow-list entries that no longer describe a lazy import that exists."""
    rotten = []
    for lazy in allowed:
        lines = graph.get(lazy.importer, {}).get(lazy.imported)
        if not lazy.reason.strip():
            rotten.append(f"{lazy.importer} -> {lazy.imported}: no reason given")
        elif not lines:
            rotten.append(f"{lazy.importer} -> {lazy.imported}: no such import any more")
        elif not set(lines) <= _function_level_lines(_source(root, lazy.importer)):
            rotten.append(f"{lazy.importer} -> {lazy.imported}: imported at module level")
    return rotten


def root_importers(graph: Graph) -> list[str]:
    """Modules that import the package root or ``assay.__main__`` (both sit above all)."""
    return sorted(
        f"{importer} -> {imported}"
        for importer, targets in graph.items()
        for imported in targets
        if imported in ("assay", "assay.__main__")
    )


def unchecked_files(graph: Graph, root: Path) -> list[str]:
    """Python files of the package that are not modules of the graph (a folder without
    ``__init__.py`` hides them from grimp, and so from every check)."""
    files = (p for p in (root / "assay").rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(
        str(path.relative_to(root))
        for path in files
        if ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        not in graph
    )


@pytest.fixture(scope="module")
def graph() -> Graph:
    """The import graph of ``src/assay`` as it is in the working tree."""
    return _graph(SRC)


def test_there_is_no_import_cycle(graph: Graph) -> None:
    found = [describe(graph, component) for component in cycles(graph, LAZY_IMPORTS)]
    assert not found, "import cycles (one path through each):\n" + "\n".join(found)


def test_every_source_file_is_checked(graph: Graph) -> None:
    assert unchecked_files(graph, SRC) == []


def test_a_file_outside_any_package_is_found(package_copy: PackageCopy) -> None:
    package_copy.inject("stats/extra/probe.py", "import assay.cli")
    graph = _graph(package_copy.root)
    assert unchecked_files(graph, package_copy.root) == ["assay/stats/extra/probe.py"]


def test_nothing_imports_the_package_root(graph: Graph) -> None:
    assert root_importers(graph) == []


def test_every_allowed_lazy_import_exists_and_is_lazy(graph: Graph) -> None:
    assert rotten_allowances(graph, LAZY_IMPORTS, SRC) == []


INJECTED = "assay.types", "assay.pipeline.radar"


def _cycles_with(graph: Graph, modules: Iterable[str], allowed: Iterable[LazyImport] = ()) -> bool:
    return any(set(modules) <= set(component) for component in cycles(graph, allowed))


@pytest.mark.parametrize(
    "line",
    [
        "import assay.pipeline.radar",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import assay.pipeline.radar",
        "def _later() -> None:\n    from assay.pipeline import radar",
    ],
    ids=["module-level", "type-checking", "function-level"],
)
def test_an_injected_cycle_is_found(package_copy: PackageCopy, line: str) -> None:
    clean = _graph(package_copy.root)
    assert not _cycles_with(clean, INJECTED)
    package_copy.inject("types.py", line)  # assay.pipeline.radar imports assay.types
    assert _cycles_with(_graph(package_copy.root), INJECTED)


def test_an_allowed_lazy_import_closes_no_cycle(package_copy: PackageCopy) -> None:
    package_copy.inject("types.py", "def _later() -> None:\n    from assay.pipeline import radar")
    lazy = LazyImport("assay.types", "assay.pipeline.radar", "keeps start-up fast")
    graph = _graph(package_copy.root)
    assert not _cycles_with(graph, INJECTED, [lazy])
    assert rotten_allowances(graph, [lazy], package_copy.root) == []


def test_a_rotten_allowance_is_found(package_copy: PackageCopy) -> None:
    package_copy.inject("types.py", "import assay.pipeline.radar")
    graph = _graph(package_copy.root)
    allowed = [
        LazyImport("assay.types", "assay.pipeline.radar", "keeps start-up fast"),
        LazyImport("assay.errors", "assay.cli", "keeps start-up fast"),
        LazyImport("assay.types", "assay.errors", " "),
    ]
    assert rotten_allowances(graph, allowed, package_copy.root) == [
        "assay.types -> assay.pipeline.radar: imported at module level",
        "assay.errors -> assay.cli: no such import any more",
        "assay.types -> assay.errors: no reason given",
    ]


def test_an_import_of_the_package_root_is_found(package_copy: PackageCopy) -> None:
    package_copy.inject("pipeline/radar.py", "from assay import Ring")
    package_copy.inject("cli/common.py", "import assay.__main__")
    assert {"assay.pipeline.radar -> assay", "assay.cli.common -> assay.__main__"} <= set(
        root_importers(_graph(package_copy.root))
    )


def test_the_cycle_finder_sees_self_loops_and_long_cycles() -> None:
    graph = {"a": {"b": [1]}, "b": {"c": [1]}, "c": {"a": [1]}, "d": {"d": [1]}, "e": {"a": [1]}}
    assert cycles(graph) == [["a", "b", "c"], ["d"]]
    assert cycles(graph, [LazyImport("c", "a", "why")]) == [["d"]]
    assert describe(graph, ["a", "b", "c"]) == "a -> b (l.1); b -> c (l.1); c -> a (l.1)"
    assert describe(graph, ["d"]) == "d -> d (l.1)"
