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

Services never hold the :class:`~assay.workspace.Workspace`: a service that needs
another one receives it in its constructor, so the import graph stays acyclic.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assay.store.sql import Sql, SqliteUnit
from assay.workspace.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.store import Database

__all__ = ["Context", "now"]


def now() -> dt.datetime:
    """The current time, aware, in UTC: when a change is recorded."""
    return dt.datetime.now(dt.UTC)


# An open unit of work: the ORM session (or None for a bare SQLite one), the Sql
# it reads through (None until asked for), and whether it may write.
_Unit = tuple["Session | None", "Sql | None", bool]


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
        self.root = root
        self._db = db
        self._connect = connect
        self._fast = fast
        self._unit: contextvars.ContextVar[_Unit | None] = contextvars.ContextVar(
            "assay_unit_of_work", default=None
        )

    def __repr__(self) -> str:
        return f"Context(user={self.user!r}, root={self.root!r}, db_open={self._db is not None})"

    @property
    def db(self) -> Database:
        """The ORM's store, built (and SQLAlchemy imported) on first use."""
        if self._db is None:
            assert self._connect is not None
            self._db = self._connect()
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
        session, _, writable = current
        if session is None:
            raise RuntimeError("an ORM unit of work was started inside a bare SQLite one")
        if write and not writable:
            raise RuntimeError("a write was started inside a read-only unit of work")
        return session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work that writes: committed when the block ends, rolled back on
        error. Inside another write of this context, it joins that one."""
        session = self._current_session(write=True)
        if session is not None:
            yield session
            return
        with self.db.write() as session, self._enter((session, None, True)):
            session.info["assay.context"] = self
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """One unit of work that only reads: nothing done in it is committed. Inside
        another unit of work of this context, it reads in that one."""
        session = self._current_session(write=False)
        if session is not None:
            yield session
            return
        with self.db.read() as session, self._enter((session, None, False)):
            yield session

    @contextlib.contextmanager
    def sql_read(self) -> Iterator[Sql]:
        """A unit of work that reads over plain SQL (see the module docstring)."""
        with self._sql(write=False) as sql:
            yield sql

    @contextlib.contextmanager
    def sql_write(self) -> Iterator[Sql]:
        """A unit of work that writes over plain SQL: committed when the block ends,
        rolled back on error; inside another write of this context, it joins it."""
        with self._sql(write=True) as sql:
            yield sql

    @contextlib.contextmanager
    def _sql(self, *, write: bool) -> Iterator[Sql]:
        current = self._unit.get()
        if current is not None:
            session, sql, writable = current
            if write and not writable:
                raise RuntimeError("a write was started inside a read-only unit of work")
            yield sql if sql is not None else Sql.of_session(session)  # type: ignore[arg-type]
            return
        if self._fast is not None:
            begin = self._fast.write if write else self._fast.read
            with begin() as sql, self._enter((None, sql, write)):
                yield sql
            return
        orm = self.write if write else self.read
        with orm() as session:
            yield Sql.of_session(session)
