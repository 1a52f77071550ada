"""The team store under concurrency (issue 15): four writer processes × 1,000 trials
each into one run, on SQLite (WAL) and on PostgreSQL.

Each writer is a real process writing its trials through the store's sink
(:class:`assay.store.runs.StoreSink`, one transaction per trial, as ``bench run``
does), all started at the same moment. Measured per store: trials/s (all trials over
the wall time from the first writer's start to the last one's end), the retries the
writers needed (:mod:`assay.store.retry`), and what was stored: every trial exactly
once, no error reaching a writer.

Reference in the same run, on the same store: one writer × 4,000 trials (the same
work without contention). ``ratio_to_one_writer`` is the four writers' rate over
it: SQLite writes one transaction at a time, so the gain comes only from the work
around the transaction; PostgreSQL writes in parallel.

Targets: nothing lost, nothing duplicated, no error reaching a writer, and four
writers at least 0.5x the one writer's rate (contention must not collapse the rate).

PostgreSQL is started from the installed server binaries (``initdb`` + ``pg_ctl``)
in a temporary folder on a free port, as the tests do; without them, only SQLite is
measured and the JSON says why.

Run: ``python benchmarks/bench_store_concurrency.py [--quick]`` (``--quick``: 4 × 250
against 1 × 1,000); writes ``benchmarks/results/store_concurrency.json`` and exits 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parent / "tests"))  # the writer processes of the tests

from support.store_race import new_run, race  # noqa: E402

WRITERS = 4
TRIALS = 1_000
MIN_RATIO = 0.5


def measure(url: str, run_id: str, writers: int, trials: int) -> dict[str, Any]:
    """``writers`` processes × ``trials`` into the new run ``run_id`` of ``url``."""
    new_run(url, run_id)
    reports = race(url, run_id, writers, trials)
    wall = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    stored = _stored(url, run_id)
    total = writers * trials
    return {
        "writers": writers,
        "trials_per_writer": trials,
        "seconds": round(wall, 3),
        "trials_per_second": round(total / wall, 1),
        "retries": sum(r["retries"] for r in reports),
        "errors": [r["error"] for r in reports if r["error"]],
        "stored": stored["rows"],
        "distinct": stored["distinct"],
        "exact": stored["rows"] == stored["distinct"] == total,
    }


def _stored(url: str, run_id: str) -> dict[str, int]:
    from sqlalchemy import text

    from assay.store.database import Database
    from assay.store.url import parse_url

    db = Database(parse_url(url))
    try:
        with db.read() as session:
            rows = session.execute(
                text(
                    "SELECT count(*), count(DISTINCT t.method || ':' || t.seed) FROM trials t "
                    "JOIN runs r ON r.id = t.run_pk WHERE r.run_id = :run_id"
                ),
                {"run_id": run_id},
            ).one()
    finally:
        db.close()
    return {"rows": int(rows[0]), "distinct": int(rows[1])}


def store(url: str, writers: int, trials: int) -> dict[str, Any]:
    """The reference (one writer, all trials) and the race, on one store."""
    reference = measure(url, "one-writer", 1, writers * trials)
    concurrent = measure(url, "four-writers", writers, trials)
    ratio = concurrent["trials_per_second"] / reference["trials_per_second"]
    met = (
        reference["exact"]
        and concurrent["exact"]
        and not reference["errors"]
        and not concurrent["errors"]
        and ratio >= MIN_RATIO
    )
    return {
        "reference_one_writer": reference,
        "concurrent": concurrent,
        "ratio_to_one_writer": round(ratio, 2),
        "met": met,
    }


# -- a PostgreSQL server of its own (as tests/conftest.py starts one) --------------------


def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    """The URL of a fresh database on a temporary server, or None without the binaries."""
    bindir = _pg_bindir()
    if bindir is None:
        yield None
        return
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="assay-bench-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    user = "postgres" if as_root else getpass.getuser()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8")
    # fsync stays on (unlike the tests' server): the figure is a store's, not a cache's.
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w",
        "start")  # fmt: skip
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user=user, dbname="postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute("CREATE DATABASE bench")
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/bench"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 x 250 trials, not 4 x 1,000")
    args = parser.parse_args()
    trials = 250 if args.quick else TRIALS
    result: dict[str, Any] = {"writers": WRITERS, "trials_per_writer": trials,
                              "min_ratio": MIN_RATIO}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "store.db"
        path.touch()
        result["sqlite"] = store(f"sqlite:///{path}", WRITERS, trials)
    with postgres() as url:
        if url is None:
            result["postgresql"] = {"skipped": "PostgreSQL server binaries not installed"}
        else:
            result["postgresql"] = store(url, WRITERS, trials)
    result["met"] = all(part.get("met", True) for part in (result["sqlite"], result["postgresql"]))
    RESULTS.mkdir(exist_ok=True)
    name = "store_concurrency_quick.json" if args.quick else "store_concurrency.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
