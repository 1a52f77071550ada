"""The everyday reads (``radar --json``, ``status``, ``gate review``) and a radar write
(``technique next``) import neither the benchmark engine nor NumPy: what they show
is stored, and importing the engine costs more than the rest of the command. Each
command is probed in a fresh interpreter, on a workspace whose prototype was judged
by an imported run, decided YES, and whose technique was moved to TRIAL on it, so
that gate review and staleness have stored evidence to read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay import Workspace
from assay.bench.trial import TrialStatus
from assay.cli import main
from assay.store import runs as run_rows

PYPERF = Path(__file__).parents[2] / "unit" / "bench" / "data" / "pyperf-2.11-two-benchmarks.json"
ENGINE = ("assay.bench", "numpy")
PREFIXES = tuple(f"{name}." for name in ENGINE)
COMMANDS = {
    "radar": ("radar", "--json"),
    "status": ("status",),
    "gate review": ("gate", "review", "proto-0"),
    "technique next": ("technique", "next", "tiling", "tile it", "--due", "2030-01-01"),
}


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
        _run("bench", "import", str(PYPERF))
        with Workspace.open(root) as ws:
            (run,) = ws.runs.list()
        _run("prototype", "evidence", "proto-0", run.run_id)
        _run("gate", "decide", "proto-0", "yes", "--why", "faster on our data", "--override")
        _run("radar", "move", "tiling", "trial", "--why", "gate said YES")
    return root


def loaded_after(cwd: Path, args: tuple[str, ...], prelude: str = "") -> list[str]:
    """The engine modules loaded once ``assay ARGS`` finished in a fresh interpreter
    in ``cwd`` (after ``prelude``); the command must succeed."""
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
    return sorted(m for m in json.loads(modules) if m in ENGINE or m.startswith(PREFIXES))


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
