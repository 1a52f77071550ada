"""The web app has no second path to the store (issue 12).

``assay.web`` calls the workspace's services only: it never imports ``assay.store``
(models, repositories, SQL) nor SQLAlchemy, and never opens a unit of work on a
context itself (``ctx.read()``, ``ctx.write()``, ``ctx.sql_read()``,
``ctx.sql_write()``). The check walks every module of the package with :mod:`ast`,
lazy imports inside functions and relative imports included; the injected
violations below show that it finds each kind.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import assay

WEB = Path(assay.__file__).parent / "web"
FORBIDDEN = ("assay.store", "sqlalchemy")
UNITS = {"sql_read", "sql_write", "read", "write"}  # Context's units of work


def _module_name(path: Path, package: Path, base: str) -> str:
    """``assay.web.pages.radar`` for ``package/pages/radar.py`` (``base`` names the package)."""
    parts = [base, *path.relative_to(package).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``ImportFrom`` names, relative levels resolved."""
    if node.level == 0:
        return node.module or ""
    here = module.split(".") if is_package else module.split(".")[:-1]
    anchor = here[: len(here) - (node.level - 1)]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, is_package)
            names = [source] if _forbidden(source) else [f"{source}.{a.name}" for a in node.names]
            found += [(node.lineno, n) for n in names if _forbidden(n)]
    return found


def _units(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls like ``x.ctx.write()`` or ``ctx.sql_read()``: a unit of work opened here."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if node.func.attr in UNITS and owner_name == "ctx":
            found.append((node.lineno, f"ctx.{node.func.attr}()"))
    return found


def second_paths(package: Path, base: str = "assay.web") -> list[str]:
    """Every ``file:line: what`` of ``package`` that reaches the store directly."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        module = _module_name(path, package, base)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        hits = _imports(tree, module, is_package) + _units(tree)
        problems += [f"{path.relative_to(package)}:{line}: {what}" for line, what in hits]
    return problems


def test_the_web_app_reaches_the_store_only_through_services() -> None:
    assert WEB.is_dir(), f"no web package at {WEB}"
    assert any(WEB.rglob("*.py"))
    assert second_paths(WEB) == []


@pytest.mark.parametrize(
    ("file", "code", "what"),
    [
        ("pages/radar.py", "from assay.store import techniques", "assay.store"),
        ("pages/radar.py", "def later() -> None:\n    import assay.store.sql\n", "assay.store.sql"),
        ("app.py", "from assay import store", "assay.store"),
        ("pages/runs.py", "from ...store.models import Technique", "assay.store.models"),
        ("deps.py", "from .. import store", "assay.store"),
        ("render.py", "import sqlalchemy as sa", "sqlalchemy"),
        (
            "pages/gates.py",
            "def f(state):\n    with state.ws.ctx.write() as s:\n        pass\n",
            "ctx.write()",
        ),
        (
            "pages/gates.py",
            "def f(ctx):\n    with ctx.sql_read() as sql:\n        pass\n",
            "ctx.sql_read()",
        ),
    ],
    ids=[
        "from-store",
        "lazy-import",
        "from-assay-import-store",
        "relative-up",
        "relative-name",
        "sqlalchemy",
        "unit-of-work",
        "sql-read",
    ],
)
def test_a_second_path_to_the_store_is_found(
    tmp_path: Path, file: str, code: str, what: str
) -> None:
    package = tmp_path / "web"
    (package / "pages").mkdir(parents=True)
    for name in ("__init__.py", "pages/__init__.py", "deps.py"):
        (package / name).write_text('"""clean."""\nfrom assay.workspace import Workspace\n')
    assert second_paths(package) == []
    target = package / file
    target.write_text('"""injected."""\n' + code + "\n", encoding="utf-8")
    problems = second_paths(package)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{file}:")
    assert problems[0].endswith(f": {what}")
