"""``assay bench run --executor ray`` on a real local Ray cluster (``ray.cluster_utils``).

One head node without CPUs (so no block runs beside the driver's services) and two
worker nodes of one CPU each, 80 MB of object store apiece; the cluster is shared by
the module's tests (starting one costs 15-25 s on two busy cores). The driver is the
real command line in a subprocess, the store a real SQLite file read back with
``sqlite3``: every planned trial once, each with the node it ran on; a node removed
mid-run and a driver killed mid-run both end in a complete run without duplicates.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ray import cluster_utils  # the ray extra is part of dev: never skipped

from assay.workspace import Workspace, documents
from support import run_assay

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

MB = 2**20
NODE = {"num_cpus": 1, "object_store_memory": 80 * MB}

# Two methods over two sweep points: each trial sleeps through its calls (about
# 0.3 s a trial with the default timer), so a run of 4 rounds lasts long enough
# to lose a node or the driver in the middle of it.
SOURCE = """
    import time

    import assay.bench as assay

    @assay.workload(params={"n": [1, 2]})
    def data(seed, n):
        return n

    @assay.baseline
    def base(n):
        time.sleep(0.004)
        return n

    @assay.candidate
    def cand(n):
        time.sleep(0.004)
        return n
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A head without CPUs and two one-CPU worker nodes on this machine."""
    head = {"num_cpus": 0, "object_store_memory": 80 * MB, "include_dashboard": False}
    made = cluster_utils.Cluster(initialize_head=True, head_node_args=head)
    try:
        for _ in range(2):
            made.add_node(**NODE)
        made.wait_for_nodes()
        yield made
    finally:
        made.shutdown()


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A workspace with the benchmark file beside it."""
    home = tmp_path / "team"
    Workspace.init(home, user="tester").close()
    (home / "bench_it.py").write_text(textwrap.dedent(SOURCE))
    return home


def _db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / ".assay" / "assay.db")


def _trials(home: Path, run_id: str) -> list[dict[str, Any]]:
    with _db(home) as db:
        rows = db.execute(
            "SELECT t.record FROM trials t JOIN runs r ON r.id = t.run_pk "
            "WHERE r.run_id = ? ORDER BY t.id",
            (run_id,),
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def _key(record: dict[str, Any]) -> tuple[str, str, int]:
    key = record["key"]
    return key["method"], json.dumps(key["params"], sort_keys=True), key["seed"]


def _check_complete(home: Path, run_id: str, planned: int) -> list[dict[str, Any]]:
    """Every planned trial stored once, ok, with its node; each block on one node."""
    records = _trials(home, run_id)
    counts = Counter(_key(r) for r in records)
    assert [k for k, n in counts.items() if n > 1] == []
    assert len(counts) == planned
    assert {r["status"] for r in records} == {"ok"}
    nodes_of_block: dict[int, set[str]] = {}
    for record in records:
        node = record["details"]["node"]
        assert node["host"] and node["hardware"] and len(node["fingerprint"]) == 12
        nodes_of_block.setdefault(record["block"], set()).add(node["id"])
    assert all(len(ids) == 1 for ids in nodes_of_block.values())
    return records


def _worker_ids(cluster: Any) -> set[str]:
    return {node.node_id for node in cluster.worker_nodes}


def _start(
    home: Path, cluster: Any, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    given = env or {}
    env = {k: v for k, v in os.environ.items() if k not in ("ASSAY_DATABASE_URL", "RAY_ADDRESS")}
    env.update({"ASSAY_USER": "tester", "COLUMNS": "120", **given})
    command = [sys.executable, "-m", "assay", "bench", "run", "bench_it.py"]
    command += ["--executor", "ray", "--address", cluster.address, "--seed", "7", *extra]
    return subprocess.Popen(
        command, cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _stop(process: subprocess.Popen[str]) -> None:
    """Make sure a driver started by a test has ended and its pipes are closed."""
    if process.poll() is None:
        process.kill()
    process.communicate()


def _wait_for_trials(home: Path, count: int, process: subprocess.Popen[str]) -> str:
    """The run id once ``count`` trials are stored (the driver must still be running)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        with _db(home) as db:
            row = db.execute(
                "SELECT r.run_id, count(t.id) FROM runs r LEFT JOIN trials t ON t.run_pk = r.id "
                "GROUP BY r.id"
            ).fetchone()
        if row is not None and row[1] >= count:
            return str(row[0])
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} trials were stored in 120 s")


def test_a_run_sends_each_block_to_a_node_and_records_every_trial_once(
    cluster: Any, team: Path
) -> None:
    done = run_assay(
        team, "bench", "run", "bench_it.py", "--executor", "ray", "--address", cluster.address,
        "--trials", "3", "--seed", "7", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    run_id = data["run_id"]
    records = _check_complete(team, run_id, planned=3 * 2 * 2)
    used = {r["details"]["node"]["id"] for r in records}
    assert used <= _worker_ids(cluster)
    assert data["options"]["executor"] == "ray"
    assert data["options"]["address"] == cluster.address
    nodes = data["environment"]["nodes"]
    assert set(nodes) == _worker_ids(cluster)  # the head has no CPU: it takes no block
    assert len({n["hardware"] for n in nodes.values()}) == 1
    for record in records:  # a node's fingerprint is the same from the probe and a block
        node = record["details"]["node"]
        assert node["fingerprint"] == nodes[node["id"]]["fingerprint"]
    shown = run_assay(team, "bench", "show", run_id)
    assert "executor: ray (each block one task on a cluster node)" in shown.stdout
    assert "mixed hardware" not in shown.stdout + shown.stderr
    with Workspace.open(team) as ws:  # the web's trials.csv and trials.json
        rows = documents.run_trials(ws, run_id)
    assert {row["node"] for row in rows} == used
    assert all(row["host"] and row["hardware"] and row["fingerprint"] for row in rows)


# A candidate that waits while a file named ``hold`` exists, after leaving its process
# id beside it: the test then knows a block is running, and on which node.
HOLD = """
    import os
    import pathlib

    HOLD = pathlib.Path({hold!r})

    def _hold():
        if HOLD.exists():
            (HOLD.parent / f"held-{{os.getpid()}}").touch()
            deadline = time.monotonic() + 60
            while HOLD.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
"""


def _parent(pid: int) -> int:
    """A process's parent, from /proc (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rpartition(")")[2].split()[1])  # the name may hold spaces


def _node_running(cluster: Any, marks: Path) -> Any:
    """The worker node whose raylet is an ancestor of a trial process now held."""
    raylets = {node.all_processes["raylet"][0].process.pid: node for node in cluster.worker_nodes}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for mark in marks.glob("held-*"):
            pid = int(mark.name.removeprefix("held-"))
            while pid > 1:
                if pid in raylets:
                    return raylets[pid]
                pid = _parent(pid)
        time.sleep(0.05)
    raise AssertionError("no trial was held on a worker node within 120 s")


def test_a_node_removed_mid_run_has_its_blocks_sent_again(cluster: Any, team: Path) -> None:
    """The node removed is one known to be running a block: a trial on it is held (it
    waits on a file) until the node is gone, so the block cannot finish first."""
    hold = team / "hold"
    bench = team / "bench_it.py"
    source = bench.read_text().replace(
        "import time\n", "import time\n" + textwrap.dedent(HOLD.format(hold=str(hold))), 1
    )
    bench.write_text(source.replace("def cand(n):\n", "def cand(n):\n    _hold()\n"))
    process = _start(team, cluster, "--trials", "5")
    try:
        run_id = _wait_for_trials(team, 2, process)
        hold.touch()
        victim = _node_running(cluster, team)
        cluster.remove_node(victim)
        hold.unlink()
        out, err = process.communicate(timeout=300)
    finally:
        hold.unlink(missing_ok=True)
        _stop(process)
        cluster.add_node(**NODE)  # back to two workers for the other tests
        cluster.wait_for_nodes()
    assert process.returncode == 0, err
    records = _check_complete(team, run_id, planned=5 * 2 * 2)
    assert "Run" in out
    # the block the node held when it went was sent again, and ran elsewhere
    resent = [r for r in records if r["details"].get("resent")]
    assert resent
    assert victim.node_id not in {r["details"]["node"]["id"] for r in resent}


def test_a_driver_killed_mid_run_resumes_without_repeating_a_trial(
    cluster: Any, team: Path
) -> None:
    process = _start(team, cluster, "--trials", "4", "--allow-mixed-hardware")
    try:
        run_id = _wait_for_trials(team, 4, process)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    finally:
        _stop(process)
    before = {_key(r): r for r in _trials(team, run_id)}
    assert 4 <= len(before) < 4 * 2 * 2
    listed = run_assay(team, "bench", "list", "--json")
    assert '"interrupted"' in listed.stdout
    resumed = run_assay(team, "bench", "resume", run_id, "--json")
    assert resumed.returncode == 0, resumed.stderr
    after = {_key(r): r for r in _check_complete(team, run_id, planned=4 * 2 * 2)}
    assert all(after[key] == record for key, record in before.items())  # kept, not re-run
    shown = run_assay(team, "bench", "show", run_id)  # the flag is in every report of the run
    said = shown.stdout + shown.stderr  # warnings go to stderr
    assert "--allow-mixed-hardware: this run's trials may come from nodes of" in said


def test_an_address_nothing_answers_on_is_refused_before_anything_is_written(
    team: Path,
) -> None:
    with _db(team) as db:
        runs_before = db.execute("SELECT count(*) FROM runs").fetchone()
    done = run_assay(
        team, "bench", "run", "bench_it.py", "--executor", "ray", "--address", "127.0.0.1:9"
    )
    assert done.returncode == 2
    error = done.stderr.strip().splitlines()[-1]
    assert "nothing answers at the Ray address 127.0.0.1:9" in error
    assert "Traceback" not in done.stderr
    with _db(team) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == runs_before


@pytest.mark.parametrize(
    ("extra", "edit", "expected"),
    [
        (("--threads", "4"), None, "has no live node with 4 CPUs (--threads)"),
        ((), ("@assay.candidate", '@assay.candidate(device="cuda")'), "and a GPU"),
    ],
)
def test_blocks_no_node_could_take_are_refused_before_anything_is_written(
    cluster: Any, team: Path, extra: tuple[str, ...], edit: tuple[str, str] | None, expected: str
) -> None:
    bench = team / "bench_it.py"
    if edit is not None:
        bench.write_text(bench.read_text().replace(*edit))
    with _db(team) as db:
        before = db.execute("SELECT count(*) FROM runs").fetchone()
    done = run_assay(
        team, "bench", "run", "bench_it.py", "--executor", "ray", "--address", cluster.address,
        *extra,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr.strip().splitlines()[-1]
    assert "Traceback" not in done.stderr
    with _db(team) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == before


def test_a_cluster_without_live_nodes_stops_the_driver_and_the_run_resumes_later(
    cluster: Any, team: Path
) -> None:
    """Every worker goes: the driver stops after ASSAY_RAY_NODE_WAIT seconds with one line,
    keeping the finished trials; nodes come back and `bench resume --address` finishes."""
    process = _start(team, cluster, "--trials", "4", env={"ASSAY_RAY_NODE_WAIT": "3"})
    try:
        run_id = _wait_for_trials(team, 2, process)
        for node in list(cluster.worker_nodes):
            cluster.remove_node(node)
        _, err = process.communicate(timeout=180)
    finally:
        _stop(process)
        for _ in range(2):  # back to two workers for any test that follows
            cluster.add_node(**NODE)
        cluster.wait_for_nodes()
    assert process.returncode == 2, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert "no live node of the Ray cluster could take a block (1 CPU) for 3 s" in last
    assert f"assay bench resume {run_id}" in last
    kept = {_key(r): r for r in _trials(team, run_id)}
    assert 2 <= len(kept) < 4 * 2 * 2
    resumed = run_assay(team, "bench", "resume", run_id, "--address", cluster.address,
                        "--allow-mixed-hardware", "--json")  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    after = {_key(r): r for r in _check_complete(team, run_id, planned=4 * 2 * 2)}
    assert all(after[key] == record for key, record in kept.items())
    # where it went on is kept with the run, and every report says mixed hardware is allowed
    with _db(team) as db:
        (header,) = db.execute("SELECT header FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    options = json.loads(header)["options"]
    assert options["address"] == cluster.address and options["allow_mixed_hardware"] is True
    shown = run_assay(team, "bench", "show", run_id)
    assert "--allow-mixed-hardware: this run's trials may come from nodes of" in (
        shown.stdout + shown.stderr
    )


def test_resume_address_is_only_for_a_run_on_a_cluster(team: Path) -> None:
    local = run_assay(team, "bench", "run", "bench_it.py", "--trials", "2", "--json")
    assert local.returncode == 0, local.stderr
    run_id = json.loads(local.stdout)["run_id"]
    with _db(team) as db:  # make it look interrupted: a finished run is never resumed
        db.execute("UPDATE runs SET state = 'running', pid = 999999999 WHERE run_id = ?",
                   (run_id,))  # fmt: skip
    for flag in (("--address", "127.0.0.1:6379"), ("--allow-mixed-hardware",)):
        done = run_assay(team, "bench", "resume", run_id, *flag)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        last = done.stderr.strip().splitlines()[-1]
        assert f"{flag[0]}: run {run_id} ran on this machine, not on a Ray cluster" in last
