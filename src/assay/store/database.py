"""A connection to a workspace's database, its schema version and its transactions.

Every write goes through :meth:`Database.write`, one transaction that commits as a
whole or not at all: a process killed half-way leaves no partial record. SQLite runs
in WAL mode with real transactions around DDL too (pysqlite's own transaction
handling is switched off and assay issues ``BEGIN`` itself), writes take the write
lock up front (``BEGIN IMMEDIATE``) so two writers queue instead of failing. A write
the database refuses for a moment (SQLite's lock still taken after its busy timeout,
a PostgreSQL deadlock victim) is tried again with a bounded, jittered backoff
(:mod:`assay.store.retry`): :meth:`Database.write` retries taking its transaction,
where SQLite's refusals happen; :meth:`Database.transaction` reruns a whole unit of
work, for the refusals PostgreSQL gives mid-transaction. ``Database.retries`` counts
the retries, for benchmarks. SQLite writers also wait their turn in a write queue (an
``flock`` beside the file, see :meth:`Database._enqueue`) so that SQLite's lock is
handed on at once rather than polled.

:meth:`Database.run_lock` holds a run for the process that runs or resumes it (an
advisory lock on PostgreSQL, a file lock beside a SQLite file; see
:mod:`assay.store.run_locks`), so a second resumer is refused before it writes.

The schema is owned by Alembic migrations shipped in :mod:`assay.store.migrations`.
:meth:`Database.migrate` applies them under a lock (a file lock beside a SQLite
file, an advisory lock on PostgreSQL), so two processes opening a new workspace at
once do not both migrate it. Opening an up-to-date database costs one query: the
stored revision is compared with :data:`assay.store.migrations.HEAD` and Alembic's
scripts are parsed only when they differ. An empty database is not walked through
every migration (on SQLite, revision 0005 alone rebuilds 39 tables one by one, most
of a second): its schema is created from the models at once, with the rows the
migrations seed (:func:`create_at_head`), and stamped with the head revision. A test
(``tests/integration/store/test_migrations.py``) keeps the two paths identical:
same tables, columns, types, keys, indexes, constraints and seeded rows on SQLite
and PostgreSQL.

JSON columns are written by one serializer, by :mod:`assay.encoding`'s rules: NaN
and infinity become null (PostgreSQL's JSONB refuses them), and non-ASCII text is
kept as it is, so that a search with ``LIKE`` finds it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, text
from sqlalchemy import inspect as schema_of
from sqlalchemy.engine import URL
from sqlalchemy.exc import (
    DatabaseError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from assay import encoding
from assay.errors import (
    DatabaseUnreachableError,
    DuplicateError,
    SchemaTooNewError,
    WorkspaceError,
)
from assay.store import audit_capture, run_locks
from assay.store.migrations import HEAD
from assay.store.retry import BUSY_TIMEOUT_MS, RetryPolicy, retrying
from assay.store.url import describe
from assay.version import __version__

if TYPE_CHECKING:
    import sqlite3

    from alembic.config import Config

__all__ = ["Database", "RetryPolicy", "SchemaStatus"]

T = TypeVar("T")

_MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x61_73_73_61_79  # "assay"
_QUEUED = "assay.write_queue"


@dataclasses.dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands against the migrations this assay ships."""

    current: str | None
    head: str
    pending: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


class Database:
    """An open database: an engine, its dialect's rules, and transactions."""

    def __init__(
        self,
        url: URL,
        *,
        lock_path: Path | None = None,
        retry: RetryPolicy | None = None,
        busy_timeout_ms: int | None = None,
    ) -> None:
        self.url = url
        self.lock_path = lock_path
        self.retry = retry or RetryPolicy()
        self.retries = 0
        """Writes tried again since this database was opened (see :mod:`assay.store.retry`)."""
        # See _keep_warm. A dict, so that the copies one per web request
        # (Workspace.for_request) share the one idle connection of the server's store.
        self._warm: dict[str, sqlite3.Connection | Literal[False]] = {}
        busy_ms = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        self._busy_s = busy_ms / 1000
        self._queue_path: Path | None = None  # see _enqueue
        if url.drivername == "sqlite" and url.database:
            database = Path(url.database)
            self._queue_path = database.with_name(database.name + ".write.lock")
        self.engine = _create_engine(url, busy_ms)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(assay_write=True), expire_on_commit=False
        )
        # Every write session's changes go on the audit trail (issue 11); each write
        # session's ``info`` starts as ``session_info`` (the workspace's context: who
        # acts, and through what).
        audit_capture.install(self._write)
        self.session_info: dict[str, Any] = {}

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        keeper = self._warm.pop("keeper", None)
        if keeper:
            keeper.close()
        self.engine.dispose()

    # -- transactions -----------------------------------------------------------

    @contextlib.contextmanager
    def write(self, retry: RetryPolicy | None = None) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on error.

        The transaction begins before the block runs, retried while other writers hold
        the database (see :meth:`_begin_write`) as ``retry`` (default :attr:`retry`)
        says; the block itself runs once.
        """
        with self._translate():
            session = retrying(
                retry or self.retry, self._begin_write, where=self._where(), on_retry=self._count
            )
            queued = session.info.pop(_QUEUED, None)
            try:
                with session:
                    try:
                        yield session
                    except BaseException:
                        session.rollback()
                        raise
                    session.commit()
            finally:
                _dequeue(queued)

    def transaction(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in one write transaction, the whole of it run again when the
        database refuses it part-way for a moment (a PostgreSQL deadlock victim or
        serialisation failure; SQLite's lock, wherever it is met), as :attr:`retry`
        says. ``work`` must do nothing outside the transaction: it may run more than
        once, and only the last run commits."""

        def once() -> T:
            session = self._begin_write()
            queued = session.info.pop(_QUEUED, None)
            try:
                with session:
                    try:
                        out = work(session)
                    except BaseException:
                        session.rollback()
                        raise
                    session.commit()
                    return out
            finally:
                _dequeue(queued)

        with self._translate():
            return retrying(self.retry, once, where=self._where(), on_retry=self._count)

    def _begin_write(self) -> Session:
        """A write session whose transaction has begun: on SQLite ``BEGIN IMMEDIATE``
        has taken the write lock, the one place a SQLite write waits for another, after
        waiting its turn in the write queue (:meth:`_enqueue`; its file descriptor is
        left in ``session.info`` for the caller to release after the transaction)."""
        queued = None
        if self.dialect == "sqlite":
            if "keeper" not in self._warm:
                self._keep_warm()
            queued = self._enqueue()
        try:
            session = self._write()
            try:
                session.info.update(self.session_info)
                session.connection()
            except BaseException:
                session.close()
                raise
        except BaseException:
            _dequeue(queued)
            raise
        session.info[_QUEUED] = queued
        return session

    def _enqueue(self) -> int | None:
        """Wait for this SQLite file's write queue: an ``flock`` on a file beside it,
        held by assay's writers for the length of their transaction.

        SQLite's own wait for its write lock polls in steps of up to 100 ms, so with
        four writers the lock lay idle most of the time: they stored 0.4x the trials/s
        of one writer (benchmarks/bench_store_concurrency.py). The queue's lock is
        polled in steps of at most 2 ms and, as every assay writer takes it first, a
        writer holding it finds SQLite's lock free. It only orders writers: SQLite's
        lock still decides, and past the busy timeout (or where the file cannot be
        made) the writer goes on to it without the queue. ``None``: not queued."""
        if self._queue_path is None:
            return None
        try:
            fd = os.open(self._queue_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return None
        deadline = time.monotonic() + self._busy_s
        pause = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                pass
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)

    def _keep_warm(self) -> None:
        """Keep one idle connection open to a SQLite file in WAL mode while this
        database is open. Each transaction opens and closes its own connection, and
        the last connection to close checkpoints the WAL into the file and deletes it:
        two fsyncs per write, which halved the rate of ``bench run`` writing trials
        (benchmarks/bench_store_concurrency.py). The idle one holds no lock and no
        transaction; it only keeps the WAL in place between writes."""
        import sqlite3

        keeper = sqlite3.connect(str(self.url.database), check_same_thread=False)
        try:
            mode = keeper.execute("PRAGMA journal_mode").fetchone()
        except sqlite3.Error:
            mode = None
        if mode is None or str(mode[0]).lower() != "wal":
            keeper.close()
            self._warm["keeper"] = False  # not an assay store in WAL mode: leave it alone
            return
        if self._warm.setdefault("keeper", keeper) is not keeper:
            keeper.close()  # another thread of a web server was first

    def _count(self, exc: BaseException) -> None:
        del exc
        self.retries += 1

    def _where(self) -> str:
        return f"the database {describe(self.url)}"

    # -- run locks --------------------------------------------------------------

    def run_lock(
        self, run_id: str, *, doing: str = "run"
    ) -> contextlib.AbstractContextManager[None]:
        """Hold ``run_id`` for this process while it runs or resumes it (``doing``:
        ``"run"`` or ``"resume"``); :class:`~assay.errors.RunLockedError` naming the
        holder when another process has it. See :mod:`assay.store.run_locks`."""
        return run_locks.hold(self.engine, run_id, doing=doing)

    def run_lock_holder(self, run_id: str) -> run_locks.Holder | None:
        """Who holds ``run_id`` now, or ``None``; nothing is written or taken."""
        return run_locks.holder(self.engine, run_id)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only view; nothing done in it is committed."""
        with self._translate(), self._read() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            if _is_connection_error(exc):
                raise self._unreachable(exc) from None
            raise
        except IntegrityError as exc:
            if not _is_unique_violation(exc):
                raise  # a NOT NULL or foreign key failure is a bug in assay: keep it loud
            raise _raced(exc) from None
        except DatabaseError as exc:
            if "file is not a database" in str(exc.orig).lower():
                raise WorkspaceError(
                    f"{describe(self.url)} is not a SQLite database; "
                    "point --db at an assay database, or create one with: assay init"
                ) from None
            raise

    def _unreachable(self, exc: DBAPIError) -> DatabaseUnreachableError:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return DatabaseUnreachableError(
            f"cannot reach the database {describe(self.url)}: {reason}; "
            "check that the server runs and the URL (ASSAY_DATABASE_URL or --db) is right"
        )

    # -- schema -----------------------------------------------------------------

    def status(self) -> SchemaStatus:
        """The schema revision in the database against the newest this assay knows."""
        # Alembic is imported here, not at the top: it costs about half a second, and an
        # up-to-date database never needs it (see migrate).
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(self._alembic_config())
        head = script.get_current_head()
        assert head is not None
        with self._translate(), self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        known = {rev.revision for rev in script.walk_revisions()}
        if current is not None and current not in known:
            raise SchemaTooNewError(
                f"the database {describe(self.url)} was created by a newer assay "
                f"(schema revision {current!r} is unknown to assay {__version__}); "
                "upgrade assay: pip install --upgrade assay"
            )
        pending = [
            rev.revision
            for rev in script.iterate_revisions(head, current or "base")
            if rev.revision != current
        ]
        return SchemaStatus(current=current, head=head, pending=tuple(reversed(pending)))

    def current_revision(self) -> str | None:
        """The schema revision stored in the database (``None`` before the first
        migration), read with one query and no migration script."""
        with self._translate(), self.engine.connect() as conn:
            try:
                row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            except (OperationalError, ProgrammingError) as exc:
                if "alembic_version" not in str(exc.orig):
                    raise
                return None
        return None if row is None else str(row[0])

    def migrate(self, *, replay: bool = False) -> SchemaStatus:
        """Apply pending migrations under a lock; a no-op when up to date.

        An up-to-date database is recognised without parsing Alembic's scripts. An
        empty one gets the head schema at once (:func:`create_at_head`) unless
        ``replay``, which walks it through every migration (what the tests that keep
        the two paths identical do).
        """
        if self.current_revision() == HEAD:
            return SchemaStatus(current=HEAD, head=HEAD, pending=())
        status = self.status()
        if status.up_to_date:
            return status
        if self.dialect == "sqlite":
            self._sqlite_wal()
        with self._migration_lock() as conn:
            # Someone else may have migrated while we waited for the lock.
            status = self.status()
            if status.current is None:
                self._refuse_foreign(conn)
            if not status.up_to_date:
                config = self._alembic_config()
                if status.current is None and not replay:
                    create_at_head(conn, config)
                else:
                    from alembic import command  # lazy: see status()

                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                if self.dialect == "sqlite":
                    _check_foreign_keys(conn)
                conn.commit()
        return self.status()

    def _sqlite_wal(self) -> None:
        """Put an assay SQLite file in WAL mode (a setting kept in the file itself) before
        its schema is created; a file holding someone else's tables is left untouched."""
        raw = self.engine.raw_connection()
        try:
            names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
            if names - {"alembic_version"} and "alembic_version" not in names:
                return  # not ours: _refuse_foreign explains, nothing is written
            raw.execute("PRAGMA journal_mode=WAL")
        finally:
            raw.close()

    def _refuse_foreign(self, conn: Connection) -> None:
        """A database with tables but no assay schema belongs to something else."""
        tables = [t for t in schema_of(conn).get_table_names() if t != "alembic_version"]
        if tables:
            shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
            raise WorkspaceError(
                f"{describe(self.url)} is not an assay database (it holds tables {shown} and "
                "no assay schema); refusing to write into it. Give assay a database of its own"
            )

    def _alembic_config(self) -> Config:
        from alembic.config import Config  # lazy: see status()

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        return config

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[Connection]:
        with self._translate(), self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
                try:
                    yield conn
                finally:
                    conn.rollback()
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                    conn.commit()
            else:
                with _file_lock(self.lock_path):
                    # A migration recreates tables (Alembic's batch mode): with foreign
                    # keys enforced, dropping the old table would cascade to its
                    # children. SQLite's own recipe: enforcement off (before the
                    # transaction begins), then a foreign_key_check before commit.
                    conn.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                        "PRAGMA foreign_keys=OFF"
                    )
                    yield conn


@contextlib.contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _dequeue(fd: int | None) -> None:
    """Leave the write queue (closing the descriptor lets go of its lock)."""
    if fd is not None:
        os.close(fd)


def _check_foreign_keys(conn: Connection) -> None:
    """Refuse (roll back) a SQLite migration that left a dangling reference."""
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise WorkspaceError(
            f"migrating the schema left {len(broken)} broken reference(s), the first from "
            f"{table} row {rowid} to {parent}; nothing was changed. Please report this bug"
        )


def _json_serializer(value: Any) -> str:
    """The store's JSON: :mod:`assay.encoding`'s rules (NaN and infinity as null,
    which JSONB requires), with non-ASCII text kept as it is for ``LIKE`` searches."""
    return json.dumps(encoding.to_jsonable(value), ensure_ascii=False, allow_nan=False)


def _create_engine(url: URL, busy_timeout_ms: int) -> Engine:
    if url.drivername == "sqlite":
        if url.database and not Path(url.database).parent.is_dir():
            raise WorkspaceError(
                f"cannot open {url.database}: its directory does not exist; "
                "create the workspace with: assay init"
            )
        engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"timeout": busy_timeout_ms / 1000},
            json_serializer=_json_serializer,
        )

        def on_connect(dbapi_connection: Any, record: Any) -> None:
            _sqlite_on_connect(dbapi_connection, record, busy_timeout_ms)

        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if url.drivername.startswith("postgresql"):
        _require_psycopg()
        return create_engine(
            url,
            poolclass=NullPool,
            connect_args={"connect_timeout": 10},
            pool_pre_ping=False,
            json_serializer=_json_serializer,
        )
    raise WorkspaceError(f"unsupported database driver {url.drivername!r}")


def _sqlite_on_connect(dbapi_connection: Any, record: Any, busy_timeout_ms: int) -> None:
    del record
    # Take transaction control away from pysqlite so DDL is transactional too.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("assay_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _is_connection_error(exc: OperationalError) -> bool:
    message = str(exc.orig).lower() if exc.orig else ""
    markers = (
        "connection refused",
        "could not connect",
        "connection failed",
        "timeout expired",
        "could not translate host",
        "name or service not known",
        "does not exist",
        "password authentication failed",
        "no password supplied",
        "unable to open database",
        "no such host",
    )
    return exc.connection_invalidated or any(marker in message for marker in markers)


def _require_psycopg() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        from assay.errors import MissingDependencyError

        raise MissingDependencyError("psycopg", "postgres") from None


def all_models() -> MetaData:
    """The metadata of every table assay stores: each module of :mod:`assay.store` is
    imported, so a model added in a new module is never left out."""
    import importlib
    import pkgutil

    from assay.store.models import Base

    for module in pkgutil.iter_modules([str(Path(__file__).parent)], "assay.store."):
        if module.name != "assay.store.migrations":
            importlib.import_module(module.name)
    return Base.metadata


SEEDED = ("INSERT INTO audit_head (id, entry_id, hash, count) VALUES (1, NULL, '', 0)",)
"""The rows the migrations write into a new store (revision 0008: the audit trail's
head, before its first entry); :func:`create_at_head` writes them too."""


def create_at_head(conn: Connection, config: Config) -> None:
    """Give an empty database the newest schema in one step: every table of
    :func:`all_models`, the rows the migrations seed (:data:`SEEDED`), and Alembic's
    stamp of the head revision, in the caller's transaction."""
    from alembic.runtime.migration import MigrationContext  # lazy: see Database.status
    from alembic.script import ScriptDirectory

    all_models().create_all(conn)
    for statement in SEEDED:
        conn.execute(text(statement))
    script = ScriptDirectory.from_config(config)
    MigrationContext.configure(conn).stamp(script, "head")


def _is_unique_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a row because a unique key is taken."""
    if getattr(exc.orig, "sqlstate", None) == "23505":  # PostgreSQL's unique_violation
        return True
    return "UNIQUE constraint failed" in str(exc.orig)


def _raced(exc: IntegrityError) -> DuplicateError:
    """A unique key taken between a write's checks and its commit: by another process
    writing the same record at the same moment (two `technique add` of one name, two
    `bench resume` of one run). The checks before a write catch every other case, with
    their own messages; this one says what happened and that nothing was written."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else "a unique key"
    return DuplicateError(
        f"another process saved the same record at the same moment ({detail}); nothing "
        "of this change was written: run the command again, it will see the other change"
    )
