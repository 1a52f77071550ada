"""Helpers shared by test modules (on pytest's ``pythonpath``): ``from support import ...``."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "Run",
    "hyperfine_file",
    "json_ok",
    "main_runner",
    "new_team",
    "run_assay",
    "run_main",
    "store_cli",
    "store_rows",
    "table_digest",
]

# ``assay ARGS`` in this process: (exit code, stdout, stderr).
Run = Callable[..., tuple[int, str, str]]


def new_team(
    tmp_path: Path, monkeypatch: Any, *, user: str | None = None, columns: int | None = None
) -> Path:
    """A fresh workspace ``tmp_path/team``, made the current directory, with no database
    URL from the outer environment; ``user`` and ``columns`` set ``ASSAY_USER`` and
    ``COLUMNS`` when given (``monkeypatch`` is pytest's fixture, which undoes it all)."""
    from assay.workspace import Workspace

    home = tmp_path / "team"
    Workspace.init(home, user="tester").close()
    monkeypatch.chdir(home)
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    if user is not None:
        monkeypatch.setenv("ASSAY_USER", user)
    if columns is not None:
        monkeypatch.setenv("COLUMNS", str(columns))
    return home


def run_assay(
    cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess, as user ``tester``, 120 columns wide.

    ``ASSAY_DATABASE_URL`` and ``ASSAY_USER`` from the outer environment are dropped so
    the workspace found from ``cwd`` is the one used.
    """
    full_env = {
        k: v for k, v in os.environ.items() if k not in ("ASSAY_DATABASE_URL", "ASSAY_USER")
    }
    full_env.update({"ASSAY_USER": "tester", "COLUMNS": "120"})
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "assay", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_main(argv: list[str], capsys: Any) -> tuple[int, str, str]:
    """``assay.cli.main`` in this process: its exit code, stdout and stderr (``capsys`` is
    pytest's fixture, which captures them)."""
    from assay.cli import main

    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def main_runner(capsys: Any) -> Run:
    """A :data:`Run` over :func:`run_main` that takes paths as well as strings."""

    def run(*args: str | Path) -> tuple[int, str, str]:
        return run_main([str(a) for a in args], capsys)

    return run


def store_cli(
    database_url: str, where: Path, monkeypatch: Any, capsys: Any, *, columns: int = 200
) -> Run:
    """A :data:`Run` of ``assay ARGS`` in this process against the store at
    ``database_url``, from the folder ``where``, as ``priya`` unless ``by=NAME`` is
    given; arguments may be paths."""
    monkeypatch.setenv("ASSAY_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.chdir(where)

    def run(*args: str | Path, by: str = "priya") -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setenv("ASSAY_USER", by)
        return run_main([str(a) for a in args], capsys)

    return run


def store_rows(database_url: str, tables: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of each of ``tables`` in the store at ``database_url`` (the workspace of
    the current folder), sorted: equal before and after a command that wrote nothing."""
    from sqlalchemy import text

    from assay.workspace import Workspace

    ws = Workspace.open(Path.cwd(), url=database_url, user="priya")
    try:
        with ws.db.read() as session:
            return {
                t: sorted((tuple(r) for r in session.execute(text(f"SELECT * FROM {t}"))), key=repr)
                for t in tables
            }
    finally:
        ws.close()


def json_ok(result: tuple[int, str, str]) -> Any:
    """The JSON a command printed, after checking it exited 0 (else its stderr)."""
    code, out, err = result
    assert code == 0, err
    return json.loads(out)


def table_digest(root: Path) -> str:
    """A digest of every row of every table of a workspace's SQLite database, to prove
    that a command wrote nothing."""
    con = sqlite3.connect(root / ".assay" / "assay.db")
    try:
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        digest = hashlib.sha256()
        for name in names:
            for row in con.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        con.close()


class CliChecks:
    """The three checks a :func:`store_cli` test module runs commands through: ``ok``
    (exit 0, its stdout), ``as_json`` (``--json`` added, parsed) and ``refused`` (exit 2,
    one line on stderr, no traceback, and every row of ``tables`` unchanged). Unpack
    them at module level: ``ok, as_json, refused = CliChecks(TABLES).functions()``."""

    def __init__(self, tables: Any) -> None:
        self.tables = tuple(tables)

    def ok(self, cli: Run, *args: Any, by: str = "priya") -> str:
        code, out, err = cli(*args, by=by)
        assert code == 0, (args, err)
        return out

    def as_json(self, cli: Run, *args: Any, by: str = "priya") -> Any:
        return json.loads(self.ok(cli, *args, "--json", by=by))

    def refused(self, cli: Run, database_url: str, *args: Any, by: str = "priya") -> str:
        before = store_rows(database_url, self.tables)
        code, out, err = cli(*args, by=by)
        assert code == 2, (args, out, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err + out, err
        assert store_rows(database_url, self.tables) == before
        return " ".join(err.split())

    def functions(
        self,
    ) -> tuple[Callable[..., str], Callable[..., Any], Callable[..., str]]:
        return self.ok, self.as_json, self.refused


def hyperfine_file(path: Path) -> Path:
    """A hyperfine results file at ``path``: ``tiled`` four times faster than ``naive``,
    ten runs each; returns ``path``."""

    def times(base: float) -> list[float]:
        return [base * (1 + 0.01 * ((i * 7) % 5 - 2)) for i in range(10)]

    results = [
        {"command": name, "mean": base, "stddev": 0.02 * base, "median": base, "user": base,
         "system": 0.0, "min": min(times(base)), "max": max(times(base)),
         "times": times(base), "exit_codes": [0] * 10}
        for name, base in (("naive", 4.0), ("tiled", 1.0))
    ]  # fmt: skip
    path.write_text(json.dumps({"results": results}), "utf-8")
    return path
