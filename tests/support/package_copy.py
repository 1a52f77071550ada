"""A private copy of the package, for the architecture tests to break on purpose.

``from support.package_copy import package_copy`` in a test module makes the fixture
available there. The checks (``lint-imports``, the import graph) run in a subprocess
whose ``PYTHONPATH`` puts the copy ahead of the installed package, so a test can inject
a bad import and see the check fire without touching ``src/``.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
PYPROJECT = REPO / "pyproject.toml"


@dataclasses.dataclass(frozen=True)
class PackageCopy:
    """A copy of ``src/assay`` under ``root`` (the directory to put on ``PYTHONPATH``)."""

    root: Path

    def inject(self, module_file: str, line: str) -> None:
        """Append ``line`` to ``assay/<module_file>`` in the copy."""
        path = self.root / "assay" / module_file
        path.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(f"{text}\n{line}\n", encoding="utf-8")

    def env(self) -> dict[str, str]:
        """The environment of a subprocess that must see the copy, not ``src/``."""
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.root)
        return env


@pytest.fixture
def package_copy(tmp_path: Path) -> PackageCopy:
    """A fresh copy of the package, as it is in the working tree now."""
    root = tmp_path / "src"
    shutil.copytree(SRC / "assay", root / "assay", ignore=shutil.ignore_patterns("__pycache__"))
    return PackageCopy(root)
