"""The team store under concurrency (issue 15), with real processes on SQLite and on
PostgreSQL: four writers into one run lose and duplicate nothing; of two resumers of
one run, one is refused before it writes; two processes opening an old store migrate
it once. Each guard is also shown to matter: without the retry the lock error reaches
the writer, and a deadlock victim surfaces.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from assay.errors import RunLockedError, StoreBusyError
from assay.store import migrations
from assay.store.database import Database, RetryPolicy
from assay.store.url import parse_url
from assay.workspace import Workspace
from support import run_assay
from support.store_race import new_run, race

WRITERS, TRIALS = 4, 1000


# Migrating a store from nothing takes seconds; each test starts from a copy of one
# migrated once (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "store.db"
    path.touch()
    db = Database(parse_url(f"sqlite:///{path}"))
    db.migrate()
    db.close()
    return path


@pytest.fixture(scope="module")
def postgres_template(postgres_server: Any) -> str:
    name = postgres_server.create_database()
    db = Database(parse_url(postgres_server.url(name)))
    db.migrate()
    db.close()
    return str(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a migrated store of its own, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    name = "t_" + uuid.uuid4().hex[:12]
    server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return str(server.url(name))


def _sqlite_copy(template: Path, folder: Path) -> str:
    path = folder / "store.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return _sqlite_copy(sqlite_template, tmp_path)


def _trial_keys(url: str, run_id: str) -> list[tuple[str, int]]:
    db = Database(parse_url(url))
    try:
        with db.read() as session:
            rows = session.execute(
                text(
                    "SELECT t.method, t.seed FROM trials t JOIN runs r ON r.id = t.run_pk "
                    "WHERE r.run_id = :run_id"
                ),
                {"run_id": run_id},
            )
            return [(str(m), int(s)) for m, s in rows]
    finally:
        db.close()


# -- four writers into one run --------------------------------------------------------


@pytest.mark.slow  # 4,000 transactions: 34 s (SQLite), 70 s (PostgreSQL) on 2 shared cores
def test_four_writer_processes_store_every_trial_exactly_once(store_url: str) -> None:
    run_id = new_run(store_url)
    reports = race(store_url, run_id, WRITERS, TRIALS)
    assert [r["error"] for r in reports] == [None] * WRITERS
    assert [r["written"] for r in reports] == [TRIALS] * WRITERS
    keys = _trial_keys(store_url, run_id)
    assert len(keys) == len(set(keys)) == WRITERS * TRIALS
    assert set(keys) == {(f"w{w}", s) for w in range(WRITERS) for s in range(TRIALS)}


def test_without_the_retry_the_lock_error_reaches_the_writer(sqlite_url: str) -> None:
    # The violation injected: no retry and no busy wait. Four writers then meet
    # "database is locked" as the driver raises it: what the retry keeps from users.
    url = sqlite_url
    run_id = new_run(url)
    reports = race(url, run_id, WRITERS, 200, "--no-retry", "--busy-timeout-ms", "0")
    errors = [r["error"] for r in reports if r["error"]]
    assert errors, reports
    assert all(e.startswith("OperationalError") and "database is locked" in e for e in errors)


# -- the retry itself, on a lock held on purpose --------------------------------------


def _hold_sqlite_lock(path: Path, seconds: float, held: threading.Event) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    con.execute("ROLLBACK")
    con.close()


def _sqlite_store(url: str) -> tuple[str, Path]:
    new_run(url)
    return url, Path(url.removeprefix("sqlite:///"))


def _add_technique(db: Database, name: str) -> None:
    with db.write() as session:
        session.execute(
            text("INSERT INTO radar_meta (key, value) VALUES (:k, :v)"),
            {"k": name, "v": '"x"'},
        )


def test_a_write_waits_out_a_held_lock_by_retrying(sqlite_url: str) -> None:
    url, path = _sqlite_store(sqlite_url)
    db = Database(
        parse_url(url), retry=RetryPolicy(attempts=30, base_s=0.02, cap_s=0.1), busy_timeout_ms=0
    )
    held = threading.Event()
    holder = threading.Thread(target=_hold_sqlite_lock, args=(path, 0.4, held))
    holder.start()
    try:
        assert held.wait(10)
        _add_technique(db, "retried")
        assert db.retries > 0  # the lock was met, and waited out
    finally:
        holder.join()
        db.close()
    assert _radar_keys(url) == ["retried"]


def test_a_lock_held_past_the_bound_is_one_clear_error_and_nothing_written(
    sqlite_url: str,
) -> None:
    url, path = _sqlite_store(sqlite_url)
    db = Database(
        parse_url(url), retry=RetryPolicy(attempts=3, base_s=0.01, cap_s=0.02), busy_timeout_ms=0
    )
    held = threading.Event()
    holder = threading.Thread(target=_hold_sqlite_lock, args=(path, 1.0, held))
    holder.start()
    try:
        assert held.wait(10)
        busy = r"busy with other writers through 3 tries.*database is locked.*nothing of this"
        with pytest.raises(StoreBusyError, match=busy):
            _add_technique(db, "refused")
        assert db.retries == 2
        # The guard is the retry: with it disabled, the driver's error itself escapes.
        off = Database(parse_url(url), retry=RetryPolicy.disabled(), busy_timeout_ms=0)
        with pytest.raises(OperationalError, match="database is locked"):
            _add_technique(off, "refused")
        off.close()
    finally:
        holder.join()
        db.close()
    assert _radar_keys(url) == []


def test_a_hung_holder_of_the_write_queue_delays_a_write_by_the_busy_timeout_only(
    sqlite_url: str,
) -> None:
    # The write queue (a flock beside the file) only orders assay's writers; a holder
    # that never lets go costs the others one busy timeout, then SQLite's lock decides.
    url, path = _sqlite_store(sqlite_url)
    with open(path.with_name(path.name + ".write.lock"), "a") as queue:
        fcntl.flock(queue, fcntl.LOCK_EX)
        db = Database(parse_url(url), busy_timeout_ms=100)
        try:
            _add_technique(db, "past the queue")
        finally:
            db.close()
    assert _radar_keys(url) == ["past the queue"]


def _radar_keys(url: str) -> list[str]:
    db = Database(parse_url(url))
    try:
        with db.read() as session:
            return [str(k) for (k,) in session.execute(text("SELECT key FROM radar_meta"))]
    finally:
        db.close()


def _deadlock(url: str, retry: RetryPolicy) -> tuple[list[str], list[int], int]:
    """Two transactions updating two rows in opposite orders, so that PostgreSQL picks
    one as the deadlock victim: how each ended, the rows' counts, the retries."""
    dbs = [Database(parse_url(url), retry=retry) for _ in range(2)]
    with dbs[0].write() as session:
        session.execute(text("DROP TABLE IF EXISTS pair"))
        session.execute(text("CREATE TABLE pair (id int PRIMARY KEY, n int NOT NULL)"))
        session.execute(text("INSERT INTO pair VALUES (1, 0), (2, 0)"))
    both = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def swap(db: Database, first: int, second: int) -> None:
        tries: list[int] = []

        def work(session: Any) -> None:
            tries.append(1)
            session.execute(text("UPDATE pair SET n = n + 1 WHERE id = :i"), {"i": first})
            if len(tries) == 1:
                both.wait()  # each holds its first row: now each asks for the other's
            session.execute(text("UPDATE pair SET n = n + 1 WHERE id = :i"), {"i": second})

        try:
            db.transaction(work)
            outcomes.append("ok")
        except OperationalError as exc:
            outcomes.append("deadlock" if "deadlock" in str(exc) else str(exc))

    threads = [
        threading.Thread(target=swap, args=(dbs[0], 1, 2)),
        threading.Thread(target=swap, args=(dbs[1], 2, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with dbs[0].read() as session:
        counts = [int(n) for n in session.execute(text("SELECT n FROM pair ORDER BY id")).scalars()]
    retries = sum(db.retries for db in dbs)
    for db in dbs:
        db.close()
    return sorted(outcomes), counts, retries


@pytest.mark.postgres
def test_a_deadlock_victim_is_run_again(postgres_server: Any) -> None:
    url = postgres_server.url(postgres_server.create_database())
    # Database.transaction reruns the victim: both commit, each counted once.
    assert _deadlock(url, RetryPolicy()) == (["ok", "ok"], [2, 2], 1)
    # The guard is the retry: without it the victim's error surfaces.
    assert _deadlock(url, RetryPolicy.disabled()) == (["deadlock", "ok"], [1, 1], 0)


# -- two resumers ----------------------------------------------------------------------

SLOW_BENCH = """
import time
import assay

@assay.workload
def data(seed):
    time.sleep(1.0)  # each trial takes a second: two resumers overlap for certain
    return seed

@assay.baseline
def base(data):
    return data + 1

@assay.candidate
def cand(data):
    return data + 2
"""


def _interrupted_run(root: Path, env: dict[str, str]) -> tuple[str, int]:
    """A run of SLOW_BENCH killed (-9) after its first trials: its id and plan size."""
    (root / "slow.py").write_text(SLOW_BENCH)
    full = {k: v for k, v in os.environ.items() if k not in ("ASSAY_DATABASE_URL", "ASSAY_USER")}
    full.update({"ASSAY_USER": "tester", **env})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assay",
            "bench",
            "run",
            "slow.py",
            "--trials",
            "3",
            "--seed",
            "3",
            "--isolation",
            "in-process",
        ],
        cwd=root,
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = env["ASSAY_DATABASE_URL"]
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            time.sleep(0.2)
            with contextlib.suppress(Exception):  # not created yet, or mid-migration
                if _count_trials(url) >= 1:
                    break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    done = run_assay(root, "bench", "list", "--json", env=env)
    (run,) = json.loads(done.stdout)["runs"]
    assert run["state"] == "interrupted"
    return str(run["run_id"]), int(run["trials"]["planned"])


def _count_trials(url: str) -> int:
    db = Database(parse_url(url))
    try:
        with db.read() as session:
            return int(session.execute(text("SELECT count(*) FROM trials")).scalar_one())
    finally:
        db.close()


def test_of_two_resumers_one_is_refused_before_it_writes(store_url: str, tmp_path: Path) -> None:
    env = {"ASSAY_DATABASE_URL": store_url}
    url = store_url
    run_id, planned = _interrupted_run(tmp_path, env)
    full = {k: v for k, v in os.environ.items() if k not in ("ASSAY_DATABASE_URL", "ASSAY_USER")}
    full.update({"ASSAY_USER": "tester", "COLUMNS": "200", **env})
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "assay", "bench", "resume", run_id, "--json"],
            cwd=tmp_path,
            env=full,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(proc.wait(timeout=300), *proc.communicate()) for proc in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    (refused,) = [err for code, _, err in results if code == 2]
    # One line, no traceback (after a progress bar when it passed the first look just
    # before the other took the run).
    assert "Traceback" not in refused
    last = refused.strip().splitlines()[-1]
    assert last.startswith(f"error: run {run_id} is being resumed by pid "), refused
    assert " on host " in refused and " since " in refused
    keys = _trial_keys(url, run_id)
    assert len(keys) == len(set(keys)) == planned


def test_the_refused_resumer_names_the_holder_and_writes_nothing(
    store_url: str, tmp_path: Path
) -> None:
    run_id = new_run(store_url)
    ws = Workspace.open(tmp_path, url=store_url, user="ana")
    other = Workspace.open(tmp_path, url=store_url, user="ben")
    try:
        before = _snapshot(store_url)
        with ws.db.run_lock(run_id, doing="resume"):
            holder = other.db.run_lock_holder(run_id)
            assert holder is not None and holder.pid == os.getpid()
            with pytest.raises(
                RunLockedError,
                match=rf"run {run_id} is being resumed by pid "
                rf"{os.getpid()} on host .+ since \d{{4}}-",
            ):
                other.runs.resume(run_id)
            with pytest.raises(RunLockedError):
                other.runs.resumable(run_id)
            with (
                pytest.raises(RunLockedError, match="is being resumed"),
                other.db.run_lock(run_id, doing="resume"),
            ):
                pass
            assert _snapshot(store_url) == before
        assert other.db.run_lock_holder(run_id) is None  # let go at the block's end
        with other.db.run_lock(run_id, doing="resume"):  # and free for the next one
            pass
    finally:
        ws.close()
        other.close()


def _snapshot(url: str) -> Any:
    db = Database(parse_url(url))
    try:
        with db.read() as session:
            return [
                sorted(map(tuple, session.execute(text(f"SELECT * FROM {t}"))), key=repr)
                for t in ("runs", "trials", "audit_entries")
            ]
    finally:
        db.close()


def test_a_lock_file_left_by_a_killed_holder_does_not_block(
    sqlite_url: str, tmp_path: Path
) -> None:
    url = sqlite_url
    run_id = new_run(url)
    code = (
        "import os, sys\n"
        "from assay.store.database import Database\n"
        "from assay.store.url import parse_url\n"
        f"db = Database(parse_url({url!r}))\n"
        f"with db.run_lock({run_id!r}, doing='resume'):\n"
        "    print('held', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    db = Database(parse_url(url))
    try:
        holder = db.run_lock_holder(run_id)
        assert holder is not None and holder.pid == proc.pid
        proc.kill()
        proc.communicate(timeout=30)
        assert (tmp_path / f"store.db.run-{run_id}.lock").exists()  # left behind...
        assert db.run_lock_holder(run_id) is None  # ...but held by nobody
        with db.run_lock(run_id, doing="resume"):
            assert db.run_lock_holder(run_id) is not None
        assert not (tmp_path / f"store.db.run-{run_id}.lock").exists()
    finally:
        db.close()


# -- two migrators -----------------------------------------------------------------------

_MIGRATE = """
import sys
from assay.store.database import Database
from assay.store.url import parse_url
db = Database(parse_url(sys.argv[1]))
before = db.current_revision()
print(before, db.migrate().current)
"""


@pytest.mark.postgres
def test_two_processes_opening_an_old_postgres_store_migrate_it_once(
    postgres_server: Any,
) -> None:
    # An old store: the schema of 0001, with a run in it (SQLite's case, from a real
    # 0.1 file, is tests/integration/store/test_migrations.py).
    from alembic import command

    url = postgres_server.url(postgres_server.create_database())
    db = Database(parse_url(url))
    config = db._alembic_config()
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.commit()
    assert db.current_revision() == "0001"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], results
    assert sorted(out.split()[-1] for out, _ in results) == [migrations.HEAD] * 2
    with db.read() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (migrations.HEAD,)
        ]
    db.close()


# -- the policy -------------------------------------------------------------------------


def test_the_pauses_grow_and_stay_bounded() -> None:
    import random

    from assay.store.retry import RetryPolicy as Policy

    policy = Policy(attempts=10, base_s=0.02, cap_s=2.0)
    pauses = list(policy.pauses(random.Random(1)))
    assert len(pauses) == 9  # between ten tries
    for n, pause in enumerate(pauses):
        step = min(2.0, 0.02 * 2**n)
        assert step / 2 <= pause <= step  # half fixed, half jitter
    assert list(Policy.disabled().pauses()) == []


def test_only_refusals_that_wrote_nothing_are_retried() -> None:
    from assay.store.retry import is_transient

    class Driver(Exception):
        def __init__(self, message: str, sqlstate: str | None = None, code: int | None = None):
            super().__init__(message)
            self.sqlstate = sqlstate
            self.sqlite_errorcode = code

    assert is_transient(Driver("database is locked", code=5))
    assert is_transient(Driver("busy", code=5 | (2 << 8)))  # SQLITE_BUSY_SNAPSHOT
    assert is_transient(Driver("deadlock detected", sqlstate="40P01"))
    assert is_transient(Driver("could not serialize access", sqlstate="40001"))
    assert is_transient(OperationalError("BEGIN", {}, Driver("database is locked")))
    assert not is_transient(Driver("UNIQUE constraint failed", code=19))
    assert not is_transient(Driver("duplicate key", sqlstate="23505"))
    assert not is_transient(Driver("connection refused"))
