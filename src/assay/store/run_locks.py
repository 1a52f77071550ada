"""One process at a time runs or resumes a run: the run's lock.

Two ``bench resume`` of one interrupted run, started together, would both read the
same finished trials and both measure the missing ones; the unique key on a trial
stops the second copy, but only after both spent the time and one failed half-way.
So the process that runs or resumes a run holds the run's lock from before its first
write until it stops, and a second one is refused at once, before it writes
anything, with who holds the run: ``run X is being resumed by pid N on host H since
T``. The lock goes when its holder does, even by ``kill -9``:

- **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) on the
  run's key, held by a connection kept open for the run. Who holds it is in that
  connection's ``application_name``, read back through ``pg_locks`` and
  ``pg_stat_activity``; nothing is stored.
- **SQLite**: ``flock`` on a lock file beside the database
  (``assay.db.run-<run id>.lock``) holding the holder as JSON. The holder removes
  the file when it stops; a file left by a killed process is not locked, so the
  next one takes it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from assay.errors import RunLockedError

__all__ = ["Holder", "hold", "holder"]

_PG_SPACE = 0x61_73_72_6E  # "asrn": the first key of every run lock
_APP = "assay-run"
_KEYS = "CAST(:space AS integer), CAST(:key AS integer)"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_PROBE_TRIES = 5  # a lock refused this many times, 10 ms apart, is held (not probed)


@dataclasses.dataclass(frozen=True)
class Holder:
    """The process holding a run: what it does (``run`` or ``resume``), where, since when."""

    doing: str
    pid: int
    host: str
    since: dt.datetime

    def message(self, run_id: str) -> str:
        verb = "resumed" if self.doing == "resume" else "run"
        return (
            f"run {run_id} is being {verb} by pid {self.pid} on host {self.host} since "
            f"{self.since:%Y-%m-%d %H:%M:%S} UTC; nothing was written. Wait for it to end "
            "(assay bench list shows it), or stop that process and resume again"
        )

    def to_dict(self) -> dict[str, object]:
        return {"doing": self.doing, "pid": self.pid, "host": self.host,
                "since": self.since.isoformat()}  # fmt: skip


def _me(doing: str) -> Holder:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return Holder(doing=doing, pid=os.getpid(), host=socket.gethostname(), since=now)


@contextlib.contextmanager
def hold(engine: Engine, run_id: str, *, doing: str) -> Iterator[None]:
    """Hold ``run_id`` in the store of ``engine`` for the block; :class:`RunLockedError`
    if another process has it."""
    if engine.dialect.name == "postgresql":
        with _pg_hold(engine, run_id, _me(doing)):
            yield
    else:
        with _file_hold(_lock_file(engine, run_id), run_id, _me(doing)):
            yield


def holder(engine: Engine, run_id: str) -> Holder | None:
    """Who holds ``run_id`` now (``None``: nobody); nothing is written or kept."""
    if engine.dialect.name == "postgresql":
        return _pg_holder(engine, run_id)
    return _file_holder(_lock_file(engine, run_id))


# -- PostgreSQL ---------------------------------------------------------------------


def _pg_key(run_id: str) -> int:
    """The run's second lock key: 31 bits of its SHA-256, so it reads back the same in
    ``pg_locks.objid`` (an unsigned oid). Two runs sharing a key would only make one
    wait for the other's end: refused, never corrupted."""
    return int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:4], "big") & 0x7FFF_FFFF


def _app_name(me: Holder) -> str:
    # application_name keeps 63 bytes: the host goes last, where a cut costs least.
    return f"{_APP} {me.doing} {int(me.since.timestamp())} {me.pid} {me.host}"[:63]


def _parse_app(name: str) -> Holder | None:
    parts = name.split(" ", 4)
    if len(parts) != 5 or parts[0] != _APP:
        return None
    _, doing, since, pid, host = parts
    try:
        return Holder(doing, int(pid), host, dt.datetime.fromtimestamp(int(since), dt.UTC))
    except ValueError:
        return None


@contextlib.contextmanager
def _pg_hold(engine: Engine, run_id: str, me: Holder) -> Iterator[None]:
    key = {"space": _PG_SPACE, "key": _pg_key(run_id)}
    with engine.connect() as conn:
        conn.execute(text("SELECT set_config('application_name', :name, false)"),
                     {"name": _app_name(me)})  # fmt: skip
        got = conn.execute(
            text(f"SELECT pg_try_advisory_lock({_KEYS})"),
            key,
        ).scalar()
        conn.commit()  # a session lock outlives the transaction; no snapshot is kept open
        if not got:
            found = _pg_holder(engine, run_id)
            raise RunLockedError(_refusal(run_id, found))
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a dead connection has let go already
                conn.execute(
                    text(
                        "SELECT pg_advisory_unlock(CAST(:space AS integer), CAST(:key AS integer))"
                    ),
                    key,
                )
                conn.commit()


def _pg_holder(engine: Engine, run_id: str) -> Holder | None:
    query = text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid::bigint = :space AND l.objid::bigint = :key AND l.objsubid = 2"
    )
    with engine.connect() as conn:
        name = conn.execute(query, {"space": _PG_SPACE, "key": _pg_key(run_id)}).scalar()
        conn.rollback()
    if name is None:
        return None
    return _parse_app(str(name)) or Holder("run", 0, "unknown", dt.datetime.now(dt.UTC))


# -- SQLite -------------------------------------------------------------------------


def _lock_file(engine: Engine, run_id: str) -> Path:
    database = Path(str(engine.url.database))
    safe = _SAFE.sub("_", run_id)
    if safe != run_id or len(safe) > 80:
        safe = hashlib.sha256(run_id.encode()).hexdigest()[:16]
    return database.with_name(f"{database.name}.run-{safe}.lock")


def _try_lock(fd: int) -> bool:
    """Take ``fd``'s exclusive lock without waiting; a refusal is tried again a few
    times, 10 ms apart, so that a moment's look by :func:`holder` does not count."""
    for n in range(_PROBE_TRIES):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
        if n + 1 < _PROBE_TRIES:
            time.sleep(0.01)
    return False


@contextlib.contextmanager
def _file_hold(path: Path, run_id: str, me: Holder) -> Iterator[None]:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                raise RunLockedError(_refusal(run_id, _read_holder(path)))
            # The file may have been removed by its last holder between our open and
            # our lock: then we hold a lock nobody else can see; open it again.
            if _same_file(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.to_dict()).encode(), 0)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # while still locked: a waiter re-opens and sees it gone
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _file_holder(path: Path) -> Holder | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            return _read_holder(path) or Holder("run", 0, "unknown", dt.datetime.now(dt.UTC))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None  # left by a process that died: nobody holds it
    finally:
        os.close(fd)


def _read_holder(path: Path) -> Holder | None:
    # The holder writes its record right after taking the lock: give it a moment.
    for _ in range(20):
        try:
            data = json.loads(path.read_text())
            return Holder(
                str(data["doing"]), int(data["pid"]), str(data["host"]),
                dt.datetime.fromisoformat(str(data["since"])),
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            time.sleep(0.01)
    return None


def _refusal(run_id: str, found: Holder | None) -> str:
    if found is None:
        return (
            f"run {run_id} is being run or resumed by another process (it has just "
            "started); nothing was written. Wait for it to end, or stop it and resume again"
        )
    return found.message(run_id)
