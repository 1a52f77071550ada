"""assay.stats stays a pure bottom layer: no assay imports but the base layer, no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import assay.stats

PACKAGE = Path(assay.stats.__file__).parent
ALLOWED_ASSAY = {"assay.errors", "assay.types", "assay.display", "assay.encoding"}
FORBIDDEN = {"os", "io", "pathlib", "shutil", "subprocess", "socket", "sqlite3", "open"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_base_layer_is_imported_from_assay() -> None:
    for path in PACKAGE.glob("*.py"):
        outside = {
            name
            for name in _imports(path)
            if name.startswith("assay") and not name.startswith("assay.stats")
        }
        assert outside <= ALLOWED_ASSAY, f"{path.name} imports {outside - ALLOWED_ASSAY}"


def test_no_io_modules_or_open_calls() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        assert not (_imports(path) & FORBIDDEN), path.name
        calls = {
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert not calls & {"open", "print", "input"}, path.name


def test_modules_and_functions_stay_small() -> None:
    for path in PACKAGE.glob("*.py"):
        lines = path.read_text().splitlines()
        assert len(lines) < 600, f"{path.name} has {len(lines)} lines"
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 50, f"{path.name}:{node.name} has {length} lines"


def test_public_names_are_sorted_and_exist() -> None:
    names = assay.stats.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(assay.stats, name) is not None
    for name in ("compare", "Comparison", "Verdict"):
        assert name in names
