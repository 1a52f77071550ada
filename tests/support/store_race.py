"""Driving the writer processes of :mod:`support.store_writers` against one run."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from assay.bench.sink import RunHeader
from assay.store import runs as run_rows
from assay.store.database import Database
from assay.store.url import parse_url

TESTS = Path(__file__).parents[1]


def new_run(url: str, run_id: str = "race-1") -> str:
    """Migrate the store at ``url`` and create the run the writers share."""
    db = Database(parse_url(url))
    try:
        db.migrate()
        header = RunHeader(
            spec={"name": "race", "baseline": "w0", "candidates": []},
            options={},
            environment={},
            planned=None,
        )
        with db.write() as session:
            run_rows.create_run(
                session,
                name="race",
                source="race.py",
                kind="bench",
                header=header,
                by="ana",
                at=dt.datetime.now(dt.UTC),
                run_id=run_id,
                state="interrupted",
            )
    finally:
        db.close()
    return run_id


def race(url: str, run_id: str, writers: int, count: int, *extra: str) -> list[dict[str, Any]]:
    """``writers`` processes writing ``count`` trials each into ``run_id``, started
    together; what each reported."""
    path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    command = [sys.executable, "-m", "support.store_writers", url, run_id]
    procs = [
        subprocess.Popen(
            [*command, str(i), str(count), *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(writers)
    ]
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", (line, proc.stderr.read() if proc.stderr else "")
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports
