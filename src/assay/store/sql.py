"""Plain SQL over a DB-API connection: the hot reads and writes, without the ORM.

The command line's everyday commands (``radar``, ``status``, ``gate review``, a
``technique next``) must answer in a blink; importing SQLAlchemy and building the
ORM's models costs more than their whole work. The repositories on those paths are
written once over :class:`Sql`, which takes either of two connections:

- :func:`connect_sqlite`: a bare :mod:`sqlite3` connection to a workspace's file,
  opened with the same settings as :mod:`assay.store.database` gives its engine
  (foreign keys enforced, a busy timeout, ``synchronous=NORMAL``; WAL is kept in
  the file), used by :class:`SqliteUnit` for one read-only or one write
  (``BEGIN IMMEDIATE``) transaction;
- :meth:`Sql.of_session`: the DB-API connection under an ORM session, so the same
  function runs inside an ORM unit of work, in its transaction (PostgreSQL, and
  every write path that also uses the ORM).

Text uses named parameters (``:name``); a list or tuple value expands to a
comma-separated list for ``IN (:ids)``. The value readers (:meth:`Sql.datetime`,
:meth:`Sql.date`, :meth:`Sql.boolean`, :meth:`Sql.json`) and writers
(:meth:`Sql.bind_datetime`, ...) make a SQLite row equal to a PostgreSQL one and to
what the ORM's column types return: aware UTC datetimes, dates, booleans, decoded
JSON. This module imports only the standard library (and :mod:`assay.store.retry`,
which does too).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.store.retry import BUSY_TIMEOUT_MS, RetryPolicy, retrying

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["BUSY_TIMEOUT_MS", "Row", "Sql", "SqliteUnit", "connect_sqlite"]

Row = tuple[Any, ...]
"""One result row, its columns in the order the query names them."""

_NAME = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class Sql:
    """Named-parameter SQL on one DB-API connection, in its open transaction.

    ``dialect`` is ``"sqlite"`` or ``"postgresql"``; ``before``, when given, is called
    before each statement (an ORM session flushes its pending changes) and
    ``after_write`` after each :meth:`execute` (it expires what it had loaded).
    """

    def __init__(
        self,
        connection: Any,
        dialect: str,
        *,
        before: Callable[[], object] | None = None,
        after_write: Callable[[], object] | None = None,
    ) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported dialect {dialect!r}; expected sqlite or postgresql")
        self.connection = connection
        self.dialect = dialect
        self._before = before
        self._after_write = after_write

    @classmethod
    def of_session(cls, session: Session) -> Sql:
        """The connection under an ORM session, in the session's transaction.

        Pending ORM changes are flushed before each statement, so the SQL sees them;
        a write through the returned :class:`Sql` expires the session's loaded
        objects, so the ORM reads it back.
        """
        raw = session.connection().connection.dbapi_connection
        dialect = session.get_bind().dialect.name
        return cls(raw, dialect, before=session.flush, after_write=session.expire_all)

    # -- queries ----------------------------------------------------------------

    def _prepare(self, text: str, params: Mapping[str, Any] | None) -> tuple[str, Any]:
        values = dict(params or {})
        for name, value in list(values.items()):
            if isinstance(value, list | tuple):
                names = [f"{name}__{i}" for i in range(len(value))]
                if not names:  # IN () is a syntax error; IN (NULL) matches nothing
                    text = re.sub(rf":{name}\b", "NULL", text)
                else:
                    text = re.sub(rf":{name}\b", ", ".join(f":{n}" for n in names), text)
                values.update(zip(names, value, strict=True))
                del values[name]
        if self.dialect == "postgresql":
            text = _NAME.sub(r"%(\1)s", text.replace("%", "%%"))
        return text, values

    def _cursor(self, text: str, params: Mapping[str, Any] | None) -> Any:
        query, values = self._prepare(text, params)
        if self._before is not None:
            self._before()
        cursor = self.connection.cursor()
        cursor.execute(query, values)
        return cursor

    def rows(self, text: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Every row the query returns."""
        cursor = self._cursor(text, params)
        try:
            found: list[Row] = cursor.fetchall()  # tuples with both drivers' defaults
        finally:
            cursor.close()
        return found

    def one(self, text: str, params: Mapping[str, Any] | None = None) -> Row | None:
        """The first row, or ``None`` when there is none."""
        cursor = self._cursor(text, params)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else tuple(row)  # a copy is cheap for one row

    def scalar(self, text: str, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or ``None``."""
        row = self.one(text, params)
        return None if row is None else row[0]

    def execute(self, text: str, params: Mapping[str, Any] | None = None) -> int:
        """Run a statement that writes; the number of rows it changed."""
        cursor = self._cursor(text, params)
        try:
            count = int(cursor.rowcount)
        finally:
            cursor.close()
        if self._after_write is not None:
            self._after_write()
        return count

    # -- values read --------------------------------------------------------------

    @staticmethod
    def datetime(value: Any) -> dt.datetime | None:
        """A stored point in time as the ORM's ``UTCDateTime`` reads it: aware, UTC."""
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def datetimes(self) -> Callable[[Any], dt.datetime]:
        """:meth:`datetime` for a column that is never NULL, specialised to this
        dialect: for reading thousands of rows (a SQLite value is always the ORM's
        naive UTC text; a PostgreSQL one an aware datetime)."""
        if self.dialect == "sqlite":
            parse, utc = dt.datetime.fromisoformat, dt.UTC
            return lambda value: parse(value).replace(tzinfo=utc)
        return lambda value: value.astimezone(dt.UTC)

    def isotimes(self) -> Callable[[Any], str]:
        """For a column that is never NULL: the text ``isoformat()`` gives the value
        :meth:`datetimes` reads (``2026-12-06T10:33:19.123456+00:00``, no fraction when
        it is zero), without building the datetime on SQLite, whose value is the ORM's
        ``YYYY-MM-DD HH:MM:SS.ffffff`` text: for documents of thousands of rows."""
        if self.dialect != "sqlite":
            return lambda value: value.astimezone(dt.UTC).isoformat()

        def text(value: str) -> str:
            if len(value) != 26 or value[10] != " " or value[19] != ".":
                return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC).isoformat()
            fraction = value[19:]
            return f"{value[:10]}T{value[11:19]}{'' if fraction == '.000000' else fraction}+00:00"

        return text

    @staticmethod
    def date(value: Any) -> dt.date | None:
        """A stored date (``YYYY-MM-DD`` text on SQLite)."""
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    @staticmethod
    def boolean(value: Any) -> bool | None:
        """A stored boolean (0 or 1 on SQLite)."""
        return None if value is None else bool(value)

    @staticmethod
    def json(value: Any) -> Any:
        """A stored JSON value: text on SQLite, already decoded from JSONB."""
        if isinstance(value, str | bytes):
            return json.loads(value)
        return value

    # -- values written -----------------------------------------------------------

    def bind_datetime(self, value: dt.datetime | None) -> Any:
        """A point in time to store, as the ORM's ``UTCDateTime`` writes it."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime")
        value = value.astimezone(dt.UTC)
        if self.dialect == "sqlite":
            return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def bind_date(self, value: dt.date | None) -> Any:
        """A date to store."""
        if value is None:
            return None
        return value.isoformat() if self.dialect == "sqlite" else value


def connect_sqlite(path: Path) -> sqlite3.Connection:
    """A connection to a workspace's SQLite file with the engine's settings
    (:func:`assay.store.database._sqlite_on_connect`); transactions are begun
    explicitly (autocommit mode of the driver)."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


class SqliteUnit:
    """Transactions on one bare SQLite connection: :meth:`read` rolls back,
    :meth:`write` takes the write lock up front and commits."""

    def __init__(self, connection: sqlite3.Connection, retry: RetryPolicy | None = None) -> None:
        self.connection = connection
        self.retry = retry or RetryPolicy()

    @contextlib.contextmanager
    def read(self) -> Iterator[Sql]:
        """One read-only transaction: a consistent view, nothing committed."""
        self.connection.execute("BEGIN")
        try:
            yield Sql(self.connection, "sqlite")
        finally:
            self.connection.execute("ROLLBACK")

    @contextlib.contextmanager
    def write(self, retry: RetryPolicy | None = None) -> Iterator[Sql]:
        """One write transaction (``BEGIN IMMEDIATE``): committed when the block ends,
        rolled back on error. Taking the write lock is retried while other writers hold
        it, as ``retry`` (default :attr:`retry`) says (see :mod:`assay.store.retry`)."""
        retrying(
            retry or self.retry,
            lambda: self.connection.execute("BEGIN IMMEDIATE"),
            where="the workspace database",
        )
        try:
            yield Sql(self.connection, "sqlite")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()
