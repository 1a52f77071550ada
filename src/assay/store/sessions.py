"""Web sessions, passwords and login attempts: the store's side of the web app's accounts.

A session's secret (the cookie) is ``secrets.token_urlsafe(32)``; the store keeps only
its SHA-256 (:func:`digest`), so a copy of the database opens no session. Reads are
plain SQL over :class:`~assay.store.sql.Sql` (the web reads a session on every
request); creating and revoking sessions and setting a password use the ORM, so the
audit trail sees them (without the hash or the secrets: see
:data:`assay.store.audit.TABLES`). Touching a session (``last_seen_at``) and the login
attempts are plain SQL: neither is part of the record.

Standard library and :mod:`assay.store.sql` only at import time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from assay.errors import NotFoundError
from assay.store.sql import Row, Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "IDLE",
    "LIFETIME",
    "Credentials",
    "StoredSession",
    "by_secret",
    "create",
    "credentials",
    "digest",
    "failures",
    "prune_attempts",
    "record_attempt",
    "revoke",
    "revoke_all",
    "set_password",
    "touch",
]


IDLE = dt.timedelta(hours=12)
"""A session ends after this long without a request."""
LIFETIME = dt.timedelta(days=7)
"""A session ends this long after its log-in, however busy."""


@dataclasses.dataclass(frozen=True)
class StoredSession:
    """A web session as stored (its user's name, role and retirement joined in)."""

    id: int
    user: str
    role: str
    user_retired_at: dt.datetime | None
    csrf: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_seen_at: dt.datetime
    revoked_at: dt.datetime | None
    client: str

    def ends_at(self) -> dt.datetime:
        """When it ends unless used again: its lifetime's end, or twelve hours after
        it was last seen, whichever is sooner."""
        return min(self.expires_at, self.last_seen_at + IDLE)

    def live(self, at: dt.datetime) -> bool:
        """Whether it proves its user at ``at``: not revoked, not expired, its user
        not retired."""
        return self.revoked_at is None and self.user_retired_at is None and at < self.ends_at()


@dataclasses.dataclass(frozen=True)
class Credentials:
    """What a log-in checks for one user: the name as registered, the role, when
    retired, and the password hash (``None``: no password set)."""

    id: int
    name: str
    role: str
    retired_at: dt.datetime | None
    password_hash: str | None


def digest(secret: str) -> str:
    """The SHA-256 of a session's secret, as stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_SELECT = (
    "SELECT s.id, u.name, u.role, u.retired_at, s.csrf, s.created_at, s.expires_at,"
    " s.last_seen_at, s.revoked_at, s.client FROM web_sessions s"
    " JOIN users u ON u.id = s.user_id"
)


def _session(row: Row) -> StoredSession:
    ident, user, role, retired, csrf, created, expires, seen, revoked, client = row
    created_at, expires_at, seen_at = (Sql.datetime(v) for v in (created, expires, seen))
    assert created_at is not None
    assert expires_at is not None
    assert seen_at is not None
    return StoredSession(
        int(ident),
        str(user),
        str(role),
        Sql.datetime(retired),
        str(csrf),
        created_at,
        expires_at,
        seen_at,
        Sql.datetime(revoked),
        str(client),
    )


def by_secret(sql: Sql, secret: str) -> StoredSession | None:
    """The session whose secret is ``secret``, whatever its state, or ``None``."""
    found = sql.one(f"{_SELECT} WHERE s.secret_hash = :h", {"h": digest(secret)})
    return None if found is None else _session(found)


def credentials(sql: Sql, name: str) -> Credentials | None:
    """The registered user ``name`` (any case) with their password hash, or ``None``."""
    found = sql.one(
        "SELECT id, name, role, retired_at, password_hash FROM users WHERE key = :key",
        {"key": name.strip().casefold()},
    )
    if found is None:
        return None
    ident, registered, role, retired, hashed = found
    return Credentials(int(ident), str(registered), str(role), Sql.datetime(retired), hashed)


def set_password(
    session: Session, name: str, password_hash: str, *, at: dt.datetime | None
) -> None:
    """Store ``password_hash`` for the registered user ``name`` (through the ORM: the
    audit trail records ``password_set_at``, never the hash); ``at=None`` keeps
    ``password_set_at`` (the same password, hashed again with newer parameters)."""
    from assay.store.actors import user_row

    row = user_row(session, name, "a password")
    row.password_hash = password_hash
    if at is not None:
        row.password_set_at = at
    session.flush()


def create(
    session: Session,
    user_id: int,
    *,
    secret: str,
    csrf: str,
    at: dt.datetime,
    expires_at: dt.datetime,
    client: str,
) -> int:
    """Store a new session for the user ``user_id``; its id."""
    from assay.store.account_models import WebSessionRow

    row = WebSessionRow(
        secret_hash=digest(secret),
        user_id=user_id,
        csrf=csrf,
        created_at=at,
        expires_at=expires_at,
        last_seen_at=at,
        client=client,
    )
    session.add(row)
    session.flush()
    return row.id


def revoke(session: Session, ident: int, *, at: dt.datetime) -> None:
    """Revoke the session ``ident`` (nothing when it was revoked already)."""
    from assay.store.account_models import WebSessionRow

    row = session.get(WebSessionRow, ident)
    if row is None:
        raise NotFoundError(f"no web session #{ident}")
    if row.revoked_at is None:
        row.revoked_at = at
        session.flush()


def revoke_all(session: Session, name: str, *, at: dt.datetime, keep: int | None = None) -> int:
    """Revoke every live session of the registered user ``name`` (but the session
    ``keep``); how many."""
    from sqlalchemy import select

    from assay.store.account_models import WebSessionRow
    from assay.store.actors import user_row

    owner = user_row(session, name, "ending sessions")
    rows = session.scalars(
        select(WebSessionRow).where(
            WebSessionRow.user_id == owner.id,
            WebSessionRow.revoked_at.is_(None),
            WebSessionRow.expires_at > at,
        )
    ).all()
    count = 0
    for row in rows:
        if row.id != keep:
            row.revoked_at = at
            count += 1
    session.flush()
    return count


def touch(sql: Sql, ident: int, *, at: dt.datetime) -> None:
    """Note that the session ``ident`` was seen at ``at`` (not part of the record)."""
    sql.execute(
        "UPDATE web_sessions SET last_seen_at = :at WHERE id = :id",
        {"at": sql.bind_datetime(at), "id": ident},
    )


# -- login attempts -------------------------------------------------------------------


def record_attempt(sql: Sql, name: str, client: str, *, at: dt.datetime, ok: bool) -> None:
    """Note one attempt to log in as ``name`` (casefolded) from ``client``."""
    sql.execute(
        "INSERT INTO login_attempts (name, client, at, ok) VALUES (:name, :client, :at, :ok)",
        {"name": _key(name), "client": client, "at": sql.bind_datetime(at), "ok": ok},
    )


def prune_attempts(sql: Sql, before: dt.datetime) -> int:
    """Forget the attempts made before ``before``; how many."""
    return sql.execute(
        "DELETE FROM login_attempts WHERE at < :before", {"before": sql.bind_datetime(before)}
    )


def failures(
    sql: Sql, *, since: dt.datetime, name: str | None = None, client: str | None = None
) -> list[tuple[dt.datetime, str]]:
    """The failed attempts since ``since`` for ``name`` or from ``client``, oldest
    first, as ``(at, client)``.

    By name, a client's failures made before its own last success for that name are
    left out: a success erases only the failures of the one who succeeded."""
    if (name is None) == (client is None):
        raise ValueError("failures() counts by name or by client, not both")
    where, params = ("name = :v", {"v": _key(name)}) if name else ("client = :v", {"v": client})
    params["since"] = sql.bind_datetime(since)
    rows = sql.rows(
        f"SELECT at, client, ok FROM login_attempts WHERE {where} AND at > :since ORDER BY at, id",
        params,
    )
    found: list[tuple[dt.datetime, str]] = []
    for at, by, ok in rows:
        moment = Sql.datetime(at)
        assert moment is not None
        if name is not None and ok:
            found = [(when, other) for when, other in found if other != by]
        elif not ok:
            found.append((moment, str(by)))
    return found


def _key(name: str) -> str:
    return name.strip().casefold()[:120]
