"""The architecture holds: imports flow one way, from surfaces down to the base.

Walks every module's syntax tree (imports inside functions included) and checks
each ``assay.*`` import against DESIGN.md's layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import assay

PACKAGE = Path(assay.__file__).parent

# Lowest first. A module may import its own layer and the layers below it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("assay.errors", "assay.types")),
    ("statistics", ("assay.stats", "assay.criteria")),
    ("decisions", ("assay.pipeline",)),
    ("execution", ("assay.bench", "assay.measure", "assay.formats", "assay.repro")),
    ("storage", ("assay.store",)),
    ("reports", ("assay.report",)),
    ("application", ("assay.workspace",)),
    ("surfaces", ("assay.cli", "assay.web")),
]
# Extra rules inside a layer: (importer prefix, forbidden prefix).
WITHIN = [("assay.stats", "assay.criteria")]
# The package root re-exports everything; demo_study is a user's benchmark file shipped
# as an example, so it imports the public ``assay`` namespace like any user would.
EXEMPT = ("assay", "assay.__main__", "assay.demo_study")


def _layer(module: str) -> int | None:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                base = module.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return [(line, name) for line, name in found if name == "assay" or name.startswith("assay.")]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    unplaced = [
        _module_name(p)
        for p in MODULES
        if _layer(_module_name(p)) is None
        and not any(_module_name(p) == e or _module_name(p).startswith(e + ".") for e in EXEMPT)
        and "migrations" not in p.parts
    ]
    assert unplaced == [], "add these to a layer in DESIGN.md and LAYERS"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_one_way(path: Path) -> None:
    module = _module_name(path)
    if any(module == e or module.startswith(e + ".") for e in EXEMPT):
        return
    own = _layer(module)
    if own is None:  # migrations belong to the store
        own = _layer("assay.store")
    assert own is not None
    wrong = []
    for line, target in _imports(path, module):
        layer = _layer(target)
        if target == "assay" or layer is None:
            wrong.append(f"line {line}: imports {target} (import the defining module instead)")
        elif layer > own:
            wrong.append(f"line {line}: {LAYERS[own][0]} imports {target} ({LAYERS[layer][0]})")
        for importer, forbidden in WITHIN:
            if module.startswith(importer) and target.startswith(forbidden):
                wrong.append(f"line {line}: {module} must not import {target}")
    assert wrong == []


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    fake = PACKAGE / "stats" / "_probe_for_test.py"
    assert _layer("assay.stats._probe_for_test") == 1
    tree_text = "from assay.store import Database\n"
    probe = tmp_path / "probe.py"
    probe.write_text(tree_text)
    found = _imports(probe, "assay.stats._probe_for_test")
    assert found == [(1, "assay.store")]
    assert _layer(found[0][1]) > _layer("assay.stats._probe_for_test")  # type: ignore[operator]
    assert not fake.exists()
