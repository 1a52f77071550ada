"""Two writers racing for the same record on a real PostgreSQL server end in a clear
message, never a traceback (issue 11).

The race is made deterministic: writer A inserts and holds its transaction open until
PostgreSQL shows writer B waiting on A's lock (``pg_stat_activity``), then commits; B,
whose own checks ran before A committed, hits the unique key.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError

from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import DuplicateError
from assay.store import runs as run_rows
from assay.store import techniques as technique_rows
from assay.store.database import _is_unique_violation
from assay.types import Ring
from assay.workspace import Workspace

pytestmark = pytest.mark.postgres


def _waiting_on_a_lock(server: Any, database: str) -> bool:
    with psycopg.connect(host=server.host, port=server.port, user=server.user,
                         dbname=database, autocommit=True) as con:  # fmt: skip
        row = con.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (database,),
        ).fetchone()
    return bool(row and row[0])


def _add_dup(session: Any) -> None:
    at = dt.datetime.now(dt.UTC)
    technique_rows.add(session, name="dup", area="tools", ring=Ring.ASSESS, owner=None,
                       summary=None, by="a", why="first", at=at)  # fmt: skip


TRIAL = TrialResult(TrialKey("fast", (), 1), TrialStatus.OK, block=1, position=0,
                    values={"time": 0.1})  # fmt: skip


def _add_trial(session: Any) -> None:
    run_rows.add_trial(session, "run-1", TRIAL)


def _hold_then_commit(
    ws: Workspace, server: Any, database: str, ready: threading.Event, write: Any = _add_dup
) -> None:
    """Writer A: ``write``, wait until another writer blocks on it, commit."""
    with ws.db.write() as session:
        write(session)
        session.flush()
        ready.set()
        deadline = time.monotonic() + 60
        while not _waiting_on_a_lock(server, database) and time.monotonic() < deadline:
            time.sleep(0.05)


def test_a_same_name_race_is_one_clear_error(postgres_server: Any) -> None:
    database = postgres_server.create_database()
    url = postgres_server.url(database)
    first = Workspace.open(url=url, user="ana")
    second = Workspace.open(url=url, user="ben")
    try:
        ready = threading.Event()
        writer = threading.Thread(
            target=_hold_then_commit, args=(first, postgres_server, database, ready)
        )
        writer.start()
        assert ready.wait(60)
        with pytest.raises(DuplicateError, match="another process saved the same record"):
            second.radar.add("dup", area="tools")
        writer.join(60)
        assert [t.name for t in second.radar.list()] == ["dup"]  # A's write, whole
    finally:
        first.close()
        second.close()


def _write(ws: Workspace, write: Any) -> None:
    with ws.db.write() as session:
        write(session)


def test_two_resumes_saving_the_same_trial_end_in_one_clear_error(postgres_server: Any) -> None:
    database = postgres_server.create_database()
    url = postgres_server.url(database)
    first = Workspace.open(url=url, user="ana")
    second = Workspace.open(url=url, user="ana")
    header = RunHeader(spec={"name": "b", "baseline": "fast", "candidates": []},
                       options={}, environment={}, planned=2)  # fmt: skip
    with first.db.write() as session:
        run_rows.create_run(session, name="b", source="b.py", kind="bench", header=header,
                            by="ana", at=dt.datetime.now(dt.UTC), run_id="run-1",
                            state="interrupted")  # fmt: skip
    try:
        ready = threading.Event()
        writer = threading.Thread(
            target=_hold_then_commit, args=(first, postgres_server, database, ready, _add_trial)
        )
        writer.start()
        assert ready.wait(60)
        with pytest.raises(DuplicateError, match="another process saved the same record"):
            _write(second, _add_trial)
        writer.join(60)
    finally:
        first.close()
        second.close()


def test_only_unique_violations_are_translated() -> None:
    class Orig(Exception):
        sqlstate = "23502"  # not_null_violation: a bug, kept loud

    assert not _is_unique_violation(IntegrityError("INSERT", {}, Orig("null value")))
    assert _is_unique_violation(IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")))
