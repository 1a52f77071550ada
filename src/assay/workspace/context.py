"""What every service of a workspace shares: the store, the settings, who acts.

A service (radar, papers, prototypes and gates, runs...) is built on one
:class:`Context` and opens its own unit of work for each public method:
``with self.ctx.write() as session:`` for a write, ``with self.ctx.read() as
session:`` for a read. Everything a decision reads happens inside the transaction
that decides; no public method of a service takes or returns a database session.

The hot paths (the radar, status, gate review, a next action) use
:meth:`Context.sql_read` and :meth:`Context.sql_write` instead, which yield an
:class:`~assay.store.sql.Sql`: on a SQLite workspace opened by the fast path, a bare
:mod:`sqlite3` transaction (SQLAlchemy is never imported); otherwise the ORM
session's own connection, in its transaction.

Units of work nest: a service method called while another unit of work of the same
context is open (a service calling the :class:`~assay.workspace.users.Users`
service to check a role, the radar adding a technique for a post-mortem) joins it,
so its reads and writes belong to the enclosing transaction and commit or roll back
with it; an ``sql_*`` unit inside an ORM one reads and writes through the ORM
session's connection. A write inside a read-only unit of work is a bug and raises,
and so does an ORM unit of work inside a bare SQLite one (it would be a second
transaction).

Every write is authorized: a write unit (ORM or plain SQL) that changed rows without
an authorization check (:meth:`Context.checked`, which
:func:`assay.workspace.users.authorize` calls) is rolled back with
:class:`UncheckedWriteError` when it ends, so that a new write method cannot forget
the check. The rows changed are counted by the database (SQLite's
``total_changes()``, PostgreSQL's ``pg_stat_xact_user_tables``), so a write through
raw SQL is seen as well as one through the ORM.

Services never hold the :class:`~assay.workspace.Workspace`: a service that needs
another one receives it in its constructor, so the import graph stays acyclic.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assay.errors import InputError
from assay.store.sql import Sql, SqliteUnit
from assay.workspace.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.store import Database
    from assay.store.retry import RetryPolicy
    from assay.store.tokens import Token

__all__ = ["TOUCH_EVERY", "Context", "UncheckedWriteError", "now"]

log = logging.getLogger(__name__)

TOUCH_EVERY = dt.timedelta(minutes=5)
"""How stale a web session's ``last_seen_at`` or a token's ``last_used_at`` may get
before a use notes it again (:meth:`Context.bookkeeping`)."""


def now() -> dt.datetime:
    """The current time, aware, in UTC: when a change is recorded."""
    return dt.datetime.now(dt.UTC)


class _Unit:
    """An open unit of work: the ORM session (or None for a bare SQLite one), the Sql
    it reads through (None until asked for), whether it may write, and the action an
    authorization check allowed in it (None until one did)."""

    __slots__ = ("checked", "session", "sql", "writable")

    def __init__(self, session: Session | None, sql: Sql | None, writable: bool) -> None:
        self.session = session
        self.sql = sql
        self.writable = writable
        self.checked: str | None = None


class UncheckedWriteError(RuntimeError):
    """A unit of work changed rows without an authorization check: a bug in assay (a
    write method that forgot :func:`assay.workspace.users.authorize`)."""


def _sqlite_changes(connection: object) -> int:
    """Rows changed on a bare SQLite connection since it was opened."""
    return int(getattr(connection, "total_changes", 0))


def _orm_changes(session: Session) -> int:
    """Rows changed so far on the session's connection: since it opened on SQLite,
    in this transaction on PostgreSQL (``pg_stat_xact_user_tables``)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        query = "SELECT total_changes()"
    else:
        query = (
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_user_tables"
        )
    return int(connection.exec_driver_sql(query).scalar() or 0)


@contextlib.contextmanager
def _refused_values() -> Iterator[None]:
    """A value the database refuses to store or compare (PostgreSQL's text takes no NUL
    byte; a number out of a column's range) is bad input, whatever surface sent it:
    :class:`InputError` naming the database's reason, not a traceback or a 500."""
    try:
        yield
    except Exception as error:
        # DB-API 2.0 names the class DataError in every driver (psycopg's, sqlite3's)
        # and SQLAlchemy wraps it in its own DataError: no driver need be imported.
        if not any(cls.__name__ == "DataError" for cls in type(error).__mro__):
            raise
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise InputError(f"the database refused a value: {reason}") from None


class Context:
    """The store, the workspace's settings and the acting user's name.

    ``user`` may be reassigned (``ws.user = "sam"``): every service built on this
    context acts as that user from then on. The ORM's :class:`Database` is built on
    first use (``connect``) unless one is given; ``fast`` is the bare SQLite
    connection of a workspace opened by the fast path.
    """

    def __init__(
        self,
        settings: Settings,
        user: str,
        root: Path | None = None,
        *,
        db: Database | None = None,
        connect: Callable[[], Database] | None = None,
        fast: SqliteUnit | None = None,
        named: str | None = None,
    ) -> None:
        if db is None and connect is None:
            raise ValueError("a Context needs a Database or a way to connect one")
        self.settings = settings
        self.user = user
        # For the audit trail: the command or endpoint that writes ("assay radar move"),
        # and the user an admin acts for, if any. Every ORM session of a write carries
        # this context in ``session.info["assay.context"]``.
        self.via = ""
        self.on_behalf_of: str | None = None
        # Who acts, as the surface was told (--by, ASSAY_USER; None: not named, the
        # name came from git or the OS), the API token given (None: ASSAY_TOKEN, if
        # set), and the user a token or database login proved, once identified (see
        # assay.workspace.users.identify).
        self.named = named
        self.token: str | None = None
        # The web app's session cookie (its secret), which proves its user first.
        self.web_session: str | None = None
        self.proven: str | None = None
        # The API token that proved the user, until its use is noted (users._note_use).
        self.proven_token: Token | None = None
        self.identified = False
        self.root = root
        self._db = db
        self._connect = connect
        self._fast = fast
        self._unit: contextvars.ContextVar[_Unit | None] = contextvars.ContextVar(
            "assay_unit_of_work", default=None
        )
        self._afterwards: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"Context(user={self.user!r}, root={self.root!r}, db_open={self._db is not None})"

    @property
    def db(self) -> Database:
        """The ORM's store, built (and SQLAlchemy imported) on first use."""
        if self._db is None:
            assert self._connect is not None
            self._db = self._connect()
        # Every write session of the store, even one opened without this context's
        # units of work (a benchmark's sink), is audited as this context's user.
        self._db.session_info["assay.context"] = self
        return self._db

    def close(self) -> None:
        """Close the bare SQLite connection and the store's connections, if opened."""
        if self._fast is not None:
            self._fast.close()
            self._fast = None
        if self._db is not None:
            self._db.close()

    @contextlib.contextmanager
    def _enter(self, unit: _Unit) -> Iterator[None]:
        token = self._unit.set(unit)
        try:
            yield
        finally:
            self._unit.reset(token)

    def _current_session(self, *, write: bool) -> Session | None:
        current = self._unit.get()
        if current is None:
            return None
        if current.session is None:
            raise RuntimeError("an ORM unit of work was started inside a bare SQLite one")
        if write and not current.writable:
            raise RuntimeError("a write was started inside a read-only unit of work")
        return current.session

    def checked(self, action: str) -> None:
        """Note that ``action`` was authorized in the open write unit, which may then
        change rows (see :meth:`write`). Outside a write unit it does nothing: a check
        made before a write that bypasses the context (a benchmark's trials)."""
        current = self._unit.get()
        if current is not None and current.writable:
            current.checked = action

    def afterwards(self, bookkeeping: Callable[[], None]) -> None:
        """Run ``bookkeeping`` (a write that is not part of the record: noting when a
        token was last used) once the outermost unit of work open now has ended well,
        and not at all if it failed: a read unit cannot write, and a refused command
        changes nothing. Outside any unit it runs at once."""
        self._afterwards.append(bookkeeping)
        if self._unit.get() is None:
            self._run_afterwards()

    def bookkeeping(self, action: str, note: Callable[[Sql], None]) -> None:
        """Write ``note`` (a change that is not part of the record: a web session's
        ``last_seen_at``, a token's ``last_used_at``), marked checked as ``action``,
        once the outermost unit of work has ended well (:meth:`afterwards`). One try
        at the store: one too busy with another writer, or unable to take it, leaves
        the note to a later use rather than slowing or failing what succeeded."""
        from assay.store.retry import RetryPolicy

        def write() -> None:
            try:
                with self.sql_write(retry=RetryPolicy.disabled()) as sql:
                    self.checked(action)
                    note(sql)
            except Exception as error:  # busy, unreachable, a read-only login: next time
                log.debug("%s was not noted: %s", action, error)

        self.afterwards(write)

    def _run_afterwards(self) -> None:
        while self._afterwards:
            self._afterwards.pop(0)()

    @contextlib.contextmanager
    def _outermost(self) -> Iterator[None]:
        """Around a unit of work that joins no other: the bookkeeping asked for inside
        it runs once it has ended well (committed, for a write), and is dropped when
        it fails."""
        try:
            yield
        except BaseException:
            self._afterwards.clear()
            raise
        if self._afterwards and self._unit.get() is None:
            self._run_afterwards()

    @staticmethod
    def _guard(unit: _Unit, changed: int) -> None:
        if changed and unit.checked is None:
            raise UncheckedWriteError(
                f"a write changed {changed} row(s) without an authorization check; every "
                "write method must call assay.workspace.users.authorize in its unit of work"
            )

    @contextlib.contextmanager
    def write(self, *, retry: RetryPolicy | None = None) -> Iterator[Session]:
        """One unit of work that writes: committed when the block ends, rolled back on
        error. Inside another write of this context, it joins that one. ``retry``: how
        its transaction is tried while others write (default: the store's policy).

        A unit that changed rows without an authorization check (:meth:`checked`,
        called by :func:`assay.workspace.users.authorize`) is rolled back with
        :class:`UncheckedWriteError`: a write method cannot forget the check."""
        session = self._current_session(write=True)
        if session is not None:
            yield session
            return
        unit = _Unit(None, None, True)
        with (
            self._outermost(),
            _refused_values(),
            self.db.write(retry) as session,
            self._enter(unit),
        ):
            unit.session = session
            session.info["assay.context"] = self
            before = _orm_changes(session) if self.db.dialect == "sqlite" else 0
            yield session
            session.flush()
            self._guard(unit, _orm_changes(session) - before)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """One unit of work that only reads: nothing done in it is committed. Inside
        another unit of work of this context, it reads in that one."""
        session = self._current_session(write=False)
        if session is not None:
            yield session
            return
        with (
            self._outermost(),
            _refused_values(),
            self.db.read() as session,
            self._enter(_Unit(session, None, False)),
        ):
            yield session

    @contextlib.contextmanager
    def sql_read(self) -> Iterator[Sql]:
        """A unit of work that reads over plain SQL (see the module docstring)."""
        with self._sql(write=False) as sql:
            yield sql

    @contextlib.contextmanager
    def sql_write(self, *, retry: RetryPolicy | None = None) -> Iterator[Sql]:
        """A unit of work that writes over plain SQL: committed when the block ends,
        rolled back on error; inside another write of this context, it joins it.
        ``retry`` as for :meth:`write`."""
        with self._sql(write=True, retry=retry) as sql:
            yield sql

    @contextlib.contextmanager
    def _sql(self, *, write: bool, retry: RetryPolicy | None = None) -> Iterator[Sql]:
        current = self._unit.get()
        if current is not None:
            if write and not current.writable:
                raise RuntimeError("a write was started inside a read-only unit of work")
            if current.sql is not None:
                yield current.sql
            else:
                assert current.session is not None
                yield Sql.of_session(current.session)
            return
        if self._fast is not None:
            connection = self._fast.connection
            begin = self._fast.write(retry) if write else self._fast.read()
            with self._outermost(), begin as sql:
                unit = _Unit(None, sql, write)
                before = _sqlite_changes(connection)
                with self._enter(unit):
                    yield sql
                if write:
                    self._guard(unit, _sqlite_changes(connection) - before)
            return
        with self.write(retry=retry) if write else self.read() as session:
            yield Sql.of_session(session)
