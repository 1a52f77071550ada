"""The layers hold: ``lint-imports`` keeps the contracts in pyproject.toml, and can fail.

The contracts (``[tool.importlinter]`` in pyproject.toml, explained in
docs/architecture.md) are checked by ``make lint``. These tests run the same command on
a copy of the package: the copy as it is must pass, and each injected violation (an
upward import, statistics importing the criteria language, two execution siblings
importing each other, a package in no layer) must break the contract that forbids it.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from support.package_copy import PYPROJECT, PackageCopy, package_copy

__all__ = ["package_copy"]  # the fixture, used by name

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
LAYERS = "Layers: imports flow one way, from the surfaces down to the base"
EXECUTION = "Execution: bench, formats and repro are independent of one another"


def _lint(copy: PackageCopy) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` with the project's contracts on ``copy``."""
    return subprocess.run(
        [str(LINT_IMPORTS), str(PYPROJECT), "--no-cache"],
        cwd=copy.root,
        env=copy.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _broken(output: str) -> str:
    """The part of lint-imports' report that lists the broken contracts."""
    assert "Broken contracts" in output, output
    return output.split("Broken contracts", 1)[1]


def test_the_package_keeps_every_contract(package_copy: PackageCopy) -> None:
    result = _lint(package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module_file", "line", "violation"),
    [
        ("stats/__init__.py", "import assay.cli", "assay.stats is not allowed to import assay.cli"),
        (
            "stats/summary.py",
            "from assay.criteria import Criterion",
            "assay.stats is not allowed to import assay.criteria",
        ),
        (
            "errors.py",
            "import assay.workspace",
            "assay.errors is not allowed to import assay.workspace",
        ),
        (
            "store/__init__.py",
            "def _later() -> None:\n    import assay.report",
            "assay.store is not allowed to import assay.report",
        ),
    ],
    ids=["stats-imports-cli", "stats-imports-criteria", "base-imports-app", "lazy-upward"],
)
def test_an_upward_import_breaks_the_layers(
    package_copy: PackageCopy, module_file: str, line: str, violation: str
) -> None:
    package_copy.inject(module_file, line)
    result = _lint(package_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = _broken(result.stdout)
    assert f"{LAYERS}\n" in broken
    assert violation in broken


def test_execution_siblings_stay_independent(package_copy: PackageCopy) -> None:
    package_copy.inject("repro/diff.py", "import assay.formats.bibtex")
    result = _lint(package_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = _broken(result.stdout)
    assert f"{EXECUTION}\n" in broken
    assert "assay.repro is not allowed to import assay.formats" in broken


def test_a_package_in_no_layer_breaks_the_layers(package_copy: PackageCopy) -> None:
    package_copy.inject("gui/__init__.py", '"""A new surface nobody placed in a layer."""')
    result = _lint(package_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = _broken(result.stdout)
    assert f"{LAYERS}\n" in broken
    assert "assay.gui" in broken


def test_the_layers_name_every_package_and_nothing_is_exempt() -> None:
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    assert layers["containers"] == ["assay"]
    assert layers["exhaustive"] is True
    assert not layers.get("exhaustive_ignores")


def _uncommented_ignores(pyproject_text: str) -> list[str]:
    """``ignore_imports`` entries whose line in pyproject.toml carries no ``# reason``."""
    config = tomllib.loads(pyproject_text)
    contracts = config.get("tool", {}).get("importlinter", {}).get("contracts", [])
    lines = pyproject_text.splitlines()
    missing = []
    for contract in contracts:
        for entry in contract.get("ignore_imports", []):
            found = [line for line in lines if f'"{entry}"' in line]
            if not found or not all("#" in line.split(f'"{entry}"', 1)[1] for line in found):
                missing.append(f"{contract.get('id', contract['name'])}: {entry}")
    return missing


def test_every_ignored_import_says_why() -> None:
    assert _uncommented_ignores(PYPROJECT.read_text(encoding="utf-8")) == []


def test_an_ignored_import_without_a_reason_is_found() -> None:
    text = (
        "[[tool.importlinter.contracts]]\n"
        'name = "x"\ntype = "layers"\nlayers = ["a", "b"]\n'
        "ignore_imports = [\n"
        '    "assay.b -> assay.a",  # the reason\n'
        '    "assay.c -> assay.a",\n'
        "]\n"
    )
    assert _uncommented_ignores(text) == ["x: assay.c -> assay.a"]
