"""The everyday reads (``radar --json``, ``status``, ``gate review``) and a radar write
(``technique next``) import neither the benchmark engine nor NumPy: what they show
is stored, and importing the engine costs more than the rest of the command. On a
SQLite workspace none of them imports SQLAlchemy, Alembic or pydantic either: they
read and write over :mod:`assay.store.sql` on a bare connection (status and gate
review read each prototype's stored evidence snapshot). Each command is probed in a
fresh interpreter, on a workspace whose prototype was judged by an imported run,
decided YES, and whose technique was moved to TRIAL on it, so that gate review and
staleness have stored evidence to read.

A new read that must start fast belongs in :data:`COMMANDS` (and, once it reads over
plain SQL, in :data:`FAST`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from assay import Workspace
from assay.bench.trial import TrialStatus
from assay.cli import main
from assay.store import runs as run_rows
from assay.store.models import TechniqueRow

PYPERF = Path(__file__).parents[2] / "unit" / "bench" / "data" / "pyperf-2.11-two-benchmarks.json"
ENGINE = ("assay.bench", "numpy")
ORM = ("sqlalchemy", "alembic", "pydantic")
COMMANDS = {
    "radar": ("radar", "--json"),
    "status": ("status",),
    "gate review": ("gate", "review", "proto-0"),
    "technique next": ("technique", "next", "tiling", "tile it", "--due", "2030-01-01"),
    "rollout list": ("rollout", "list"),
    "inbox": ("inbox", "--status", "all"),
    "cadence": ("cadence",),
}
FAST = ("radar", "status", "gate review", "technique next", "rollout list", "inbox", "cadence")
"""The commands that read and write over plain SQL on a SQLite workspace."""


def _run(*args: str) -> None:
    """``assay ARGS`` in this process; fails the test unless it exits 0."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    assert done.value.code == 0, args


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with a technique in TRIAL on a YES gate backed by an imported run.

    Its criterion is decided by the run: an undetermined one says how many trials
    would settle it, a power calculation that imports SciPy (and NumPy with it)."""
    root = tmp_path_factory.mktemp("reads")
    Workspace.init(root, user="bench").close()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("ASSAY_USER", "bench")
        _run("user", "add", "bench", "--role", "admin")
        _run("technique", "add", "tiling", "--area", "Techniques")
        _run(
            "prototype", "new", "tiling", "proto-0", "--hypothesis", "tiling is faster",
            "--success", "effect(time) <= +100%", "--timebox", "60d",
        )  # fmt: skip
        _run("bench", "import", str(PYPERF), "--baseline", "sorted")
        with Workspace.open(root) as ws:
            (run,) = ws.runs.list()
        _run("prototype", "evidence", "proto-0", run.run_id)
        _run("gate", "decide", "proto-0", "yes", "--why", "faster on our data", "--override")
        _run("radar", "move", "tiling", "trial", "--why", "gate said YES")
        _run("rollout", "start", "tiling", "--flag", "tiling", "--on", "2026-11-01")
    return root


def loaded_after(
    cwd: Path, args: tuple[str, ...], prelude: str = "", watched: tuple[str, ...] = ENGINE
) -> list[str]:
    """The ``watched`` modules (and their submodules) loaded once ``assay ARGS``
    finished in a fresh interpreter in ``cwd`` (after ``prelude``); the command must
    succeed."""
    code = (
        "import json, sys\n"
        f"{prelude}\n"
        "from assay.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "sys.stderr.write('\\n' + json.dumps(sorted(sys.modules)) + '\\n')\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env["ASSAY_USER"] = "bench"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )
    *_, modules = done.stderr.rstrip("\n").split("\n")
    assert done.returncode == 0, done.stderr
    prefixes = tuple(f"{name}." for name in watched)
    return sorted(m for m in json.loads(modules) if m in watched or m.startswith(prefixes))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_command_imports_no_engine(workspace: Path, command: str) -> None:
    assert loaded_after(workspace, COMMANDS[command]) == []


def test_the_probe_sees_an_engine_import(workspace: Path) -> None:
    """The check can fail: a command run after importing the engine is caught."""
    found = loaded_after(workspace, COMMANDS["radar"], prelude="import assay.bench.trial")
    assert "assay.bench" in found
    assert "numpy" in found


def test_the_stored_ok_status_is_the_engines() -> None:
    """store.runs counts failed trials without importing the engine: its spelling of
    a successful trial's status must stay the engine's."""
    assert TrialStatus.OK.value == run_rows._OK


@pytest.mark.parametrize("command", FAST)
def test_the_fast_command_imports_no_orm(workspace: Path, command: str) -> None:
    assert loaded_after(workspace, COMMANDS[command], watched=ORM) == []


def test_the_probe_sees_an_orm_import(workspace: Path) -> None:
    """The check can fail: SQLAlchemy, Alembic and pydantic imported first are caught."""
    found = loaded_after(
        workspace, COMMANDS["radar"], prelude="import alembic, pydantic, sqlalchemy", watched=ORM
    )
    assert {"sqlalchemy", "alembic", "pydantic"} <= set(found)


def test_the_fast_write_is_committed_and_seen_by_the_orm(workspace: Path) -> None:
    """``technique next`` on the bare connection commits; the ORM reads it back."""
    args = ("technique", "next", "tiling", "fast write", "--due", "2031-02-03")
    assert loaded_after(workspace, args, watched=ORM) == []
    with Workspace.open(workspace) as ws, ws.db.read() as session:
        found = session.scalar(select(TechniqueRow).where(TechniqueRow.key == "tiling"))
        assert found is not None
        assert (found.next_action, found.due) == ("fast write", dt.date(2031, 2, 3))


def _snapshot(root: Path) -> bytes:
    """Every technique row, for "nothing was written" (read with sqlite3 alone)."""
    with sqlite3.connect(root / ".assay" / "assay.db") as conn:
        return repr(conn.execute("SELECT * FROM techniques ORDER BY id").fetchall()).encode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("technique", "next", "tilling", "x", "--due", "2030-01-01"), "did you mean 'tiling'"),
        (("technique", "next", "tiling", "x", "--due", "2030-13-01"), "is not a date"),
        (("technique", "next", "tiling", "x"), "needs --due"),
    ],
)
def test_the_fast_write_keeps_its_rules(
    workspace: Path, args: tuple[str, ...], message: str
) -> None:
    """Through the fast path: exit code 2, one line naming the mistake, nothing written."""
    before = _snapshot(workspace)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env["ASSAY_USER"] = "bench"
    done = subprocess.run(
        [sys.executable, "-m", "assay", *args],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert _snapshot(workspace) == before
