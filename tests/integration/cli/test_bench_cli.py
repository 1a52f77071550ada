"""``assay bench`` through the real command line and a real workspace database."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from support import run_assay

SLOW_BENCH = """
import time
import assay

@assay.workload
def data(seed):
    return seed

@assay.baseline
def base(data):
    time.sleep(0.05)

@assay.candidate
def cand(data):
    time.sleep(0.05)
"""

FAILING_BENCH = """
import os
import time
import assay

@assay.workload
def data(seed):
    return seed

@assay.baseline
def base(data):
    return sum(range(1000))

@assay.candidate
def aborts_on_odd_seeds(data):
    if data % 2:
        os.abort()
    return sum(range(1000))

@assay.candidate
def loops_forever(data):
    while True:
        time.sleep(0.01)

@assay.candidate
def hogs_memory(data):
    hog = bytearray(600 * 2**20)
    return len(hog)
"""


assay = run_assay


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    assert assay(tmp_path, "init").returncode == 0
    return tmp_path


def runs(root: Path) -> list[dict[str, object]]:
    done = assay(root, "bench", "list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["runs"]  # type: ignore[no-any-return]


def test_kill_9_then_resume_finishes_without_repeating_a_trial(ws: Path) -> None:
    (ws / "slow.py").write_text(SLOW_BENCH)
    env = {k: v for k, v in os.environ.items() if k != "ASSAY_DATABASE_URL"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assay", "bench", "run", "slow.py", "--trials", "12", "--seed", "3"],
        cwd=ws,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    db = ws / ".assay" / "assay.db"
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and stored < 6:
        time.sleep(0.2)
        if db.exists():
            con = sqlite3.connect(db)
            try:
                stored = con.execute("SELECT count(*) FROM trials").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
            finally:
                con.close()
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its fork server, mid-run
    proc.wait(timeout=30)
    assert stored > 0

    (run,) = runs(ws)
    assert run["state"] == "interrupted"
    trials = run["trials"]
    assert isinstance(trials, dict)
    assert trials["completed"] < trials["planned"] == 24

    done = assay(ws, "bench", "resume", str(run["run_id"]), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["trials"]["completed"] == report["trials"]["planned"] == 24
    assert report["state"] == "finished"

    con = sqlite3.connect(db)
    keys = con.execute("SELECT method, params_key, seed FROM trials").fetchall()
    con.close()
    assert len(keys) == len(set(keys)) == 24
    again = assay(ws, "bench", "resume", str(run["run_id"]))
    assert again.returncode == 2
    assert "nothing to resume" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1  # refused before any progress bar


def test_failing_candidates_are_recorded_and_the_run_goes_on(ws: Path) -> None:
    (ws / "failing.py").write_text(FAILING_BENCH)
    done = assay(
        ws,
        "bench",
        "run",
        "failing.py",
        "--trials",
        "4",
        "--timeout",
        "3s",
        "--memory-limit",
        "400MiB",
        "--json",
    )
    assert done.returncode == 1, done.stderr  # two candidates failed every trial
    assert "hogs_memory, loops_forever failed every trial" in done.stderr
    report = json.loads(done.stdout)
    assert report["trials"]["completed"] == report["trials"]["planned"] == 16
    rates = report["failure_rates"]
    assert rates["base"] == 0
    con = sqlite3.connect(ws / ".assay" / "assay.db")
    rows = con.execute(
        "SELECT seed, status FROM trials WHERE method = 'aborts_on_odd_seeds'"
    ).fetchall()
    con.close()
    assert len(rows) == 4
    assert all((status == "crash") == (seed % 2 == 1) for seed, status in rows), rows
    assert rates["aborts_on_odd_seeds"] == sum(seed % 2 for seed, _ in rows) / 4
    assert rates["loops_forever"] == 1
    assert rates["hogs_memory"] == 1
    statuses = {
        method: {f["status"] for f in failures} for method, failures in report["failures"].items()
    }
    assert statuses.get("aborts_on_odd_seeds", {"crash"}) == {"crash"}
    assert statuses["loops_forever"] == {"timeout"}
    assert statuses["hogs_memory"] == {"memory"}
    reasons = [f["reason"] for f in report["failures"].get("aborts_on_odd_seeds", [])]
    assert all("SIGABRT" in r or "signal" in r for r in reasons)
    shown = assay(ws, "bench", "show", report["run_id"])
    assert "failed" in shown.stdout


BAD = {
    "no_baseline.py": (
        "import assay\n@assay.workload\ndef w(seed):\n    return seed\n"
        "@assay.candidate\ndef c(w):\n    return w\n",
        "baseline",
    ),
    "two_baselines.py": (
        "import assay\n@assay.workload\ndef w(seed):\n    return seed\n"
        "@assay.baseline\ndef a(w):\n    return w\n@assay.baseline\ndef b(w):\n    return w\n"
        "@assay.candidate\ndef c(w):\n    return w\n",
        "baseline",
    ),
    "broken.py": ("import assay\nx = 1\nraise RuntimeError('boom at import')\n", "boom at import"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_benchmark_files_record_nothing(ws: Path, name: str) -> None:
    source, message = BAD[name]
    (ws / name).write_text(textwrap.dedent(source))
    done = assay(ws, "bench", "run", name, "--trials", "3")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback (most recent call last)" not in done.stderr.splitlines()[0]
    assert runs(ws) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--trials", "1"), "at least 2"),
        (("--timeout", "soon"), "not a duration"),
        (("--memory-limit", "lots"), "memory-limit"),
        (("--memory-limit", "9" * 400), "too large; expected at most 1048576TiB"),
        (("--budget", "5m"), "--until-decided"),
        (("--isolation", "docker"), "--isolation"),
        (("--interleave", "sometimes"), "interleave"),
        (("--no-such-option",), "No such option"),
    ],
)
def test_bad_options_record_nothing(ws: Path, args: tuple[str, ...], message: str) -> None:
    (ws / "slow.py").write_text(SLOW_BENCH)
    done = assay(ws, "bench", "run", "slow.py", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert runs(ws) == []


def test_unknown_run(ws: Path) -> None:
    for command in (("show", "nope"), ("resume", "nope"), ("compare", "nope", "--metric", "time")):
        done = assay(ws, "bench", *command)
        assert done.returncode == 2
        assert "unknown run 'nope'" in done.stderr
