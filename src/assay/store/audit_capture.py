"""The ORM's side of the audit trail: every write session's changes, captured.

:func:`install` hooks a write session factory. Each flush notes the records of
:data:`assay.store.audit.TABLES` that it inserts, updates or deletes, with the image
each had before this transaction first touched it (read from the database before
the flush writes); when the transaction commits, every noted record is read back and
one entry per record that really changed is appended to the chain, in the same
transaction (:func:`assay.store.audit.append`). A rollback forgets them.

Who acts comes from the session's ``info``: the workspace's context
(``info["assay.context"]``: its ``user``, ``on_behalf_of`` and ``via``), else a
:class:`~assay.store.audit.Who` under ``info["assay.who"]``.

Writes that bypass the ORM's unit of work (plain SQL, a bulk ``insert``) note their
records with :func:`touch` (or append themselves, over a bare connection).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, event, inspect
from sqlalchemy.orm import Mapper, Session, object_session, sessionmaker

from assay.store import audit
from assay.store.sql import Sql

__all__ = ["install", "touch"]

_NOTED = "assay.audit"
_WHO = "assay.who"

_Noted = dict[tuple[str, audit.PK], "tuple[str, str] | None"]


def install(factory: sessionmaker[Session]) -> None:
    """Capture every change made through sessions of ``factory``."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_soft_rollback", _forget)
    if not event.contains(Mapper, "before_delete", _before_delete):
        # A child removed from its parent's collection (delete-orphan) is deleted by
        # the flush without ever being in ``session.deleted``: catch every DELETE.
        event.listen(Mapper, "before_delete", _before_delete)


def _sql(session: Session) -> Sql:
    raw = session.connection().connection.dbapi_connection
    return Sql(raw, session.get_bind().dialect.name)


def _noted(session: Session) -> _Noted:
    noted: _Noted = session.info.setdefault(_NOTED, {})
    return noted


def _table_pk(obj: Any) -> tuple[str, audit.PK | None]:
    mapper = inspect(obj).mapper
    table = mapper.persist_selectable.name
    # Not the identity key: a row just inserted has none until the flush finalises.
    pk = tuple(mapper.primary_key_from_instance(obj))
    return table, (None if any(value is None for value in pk) else pk)


def touch(session: Session, table: str, pks: list[audit.PK]) -> None:
    """Note records written behind the ORM's unit of work in this session (their
    images now are taken as their images before; call it before writing them)."""
    if table not in audit.TABLES:
        return
    noted = _noted(session)
    fresh = [pk for pk in pks if (table, pk) not in noted]
    if not fresh:
        return
    found = audit.images(_sql(session), table, fresh)
    for pk in fresh:
        noted[(table, pk)] = found.get(pk)


def inserted(session: Session, table: str, pks: list[audit.PK]) -> None:
    """Note records just inserted behind the ORM's unit of work in this session."""
    if table in audit.TABLES:
        noted = _noted(session)
        for pk in pks:
            noted.setdefault((table, pk), None)


def _before_flush(session: Session, context: Any, instances: Any) -> None:
    del context, instances
    wanted: dict[str, list[audit.PK]] = {}
    for obj in [*session.dirty, *session.deleted]:
        table, pk = _table_pk(obj)
        if pk is not None and table in audit.TABLES:
            wanted.setdefault(table, []).append(pk)
    for table, pks in wanted.items():
        touch(session, table, pks)


def _after_flush(session: Session, context: Any) -> None:
    del context
    noted = _noted(session)
    for obj in session.new:
        table, pk = _table_pk(obj)
        if pk is not None and table in audit.TABLES:
            noted.setdefault((table, pk), None)


def _before_delete(mapper: Any, connection: Connection, target: Any) -> None:
    session = object_session(target)
    table = mapper.persist_selectable.name
    if session is None or table not in audit.TABLES:
        return
    pk = tuple(mapper.primary_key_from_instance(target))
    noted = _noted(session)
    if (table, pk) not in noted:
        sql = Sql(connection.connection.dbapi_connection, connection.dialect.name)
        noted[(table, pk)] = audit.image(sql, table, pk)


def _before_commit(session: Session) -> None:
    session.flush()  # what is still pending is noted by the flush's own events
    if not session.info.get(_NOTED):
        return
    noted: _Noted = session.info.pop(_NOTED)
    by_table: dict[str, dict[audit.PK, tuple[str, str] | None]] = {}
    for (table, pk), before in noted.items():
        by_table.setdefault(table, {})[pk] = before
    sql = _sql(session)
    changes = []
    for table in audit.TABLES:  # parents before children
        if table in by_table:
            changes += audit.changes_since(sql, table, by_table[table])
    audit.append(sql, _who(session), changes, dt.datetime.now(dt.UTC))


def _who(session: Session) -> audit.Who:
    ctx = session.info.get("assay.context")
    if ctx is not None:
        return audit.Who.of(ctx)
    who = session.info.get(_WHO)
    return who if isinstance(who, audit.Who) else audit.Who("assay")


def _forget(session: Session, previous_transaction: Any) -> None:
    del previous_transaction
    session.info.pop(_NOTED, None)
