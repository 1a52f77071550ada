"""API tokens: automation acting as a user, with that user's role.

A token is ``assay_`` followed by 43 URL-safe characters (``secrets.token_urlsafe(32)``:
256 random bits). It is shown once, when created; the store keeps only its SHA-256
(to recognise it) and its first characters (to tell tokens apart in a listing). A
token acts until it expires or is revoked.

Reads are plain SQL over :class:`~assay.store.sql.Sql` (a write that acts by token
looks it up); creating and revoking use the ORM, so the audit trail sees them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from assay.errors import InputError, NotFoundError
from assay.store.sql import Row, Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "PREFIX",
    "Token",
    "by_secret",
    "create",
    "digest",
    "get",
    "listed",
    "revoke",
    "touch",
]

PREFIX = "assay_"
_SHOWN = 12  # characters of a token kept to tell it apart: "assay_" and six more


@dataclasses.dataclass(frozen=True)
class Token:
    """A stored token, without its secret."""

    id: int
    user: str
    label: str
    prefix: str
    by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_by: str | None
    last_used_at: dt.datetime | None = None

    def state(self, at: dt.datetime) -> str:
        """``active``, ``expired`` or ``revoked`` at ``at``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= at:
            return "expired"
        return "active"

    def to_dict(self, at: dt.datetime) -> dict[str, Any]:
        """A JSON-able dictionary (never the secret: the store does not have it)."""

        def iso(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "id": self.id,
            "user": self.user,
            "label": self.label,
            "prefix": self.prefix,
            "by": self.by,
            "created_at": self.created_at.isoformat(),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "revoked_by": self.revoked_by,
            "last_used_at": iso(self.last_used_at),
            "state": self.state(at),
        }


_SELECT = (
    "SELECT t.id, u.name, t.label, t.prefix, t.by, t.created_at, t.expires_at,"
    " t.revoked_at, t.revoked_by, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id"
)


def _value(row: Row) -> Token:
    ident, user, label, prefix, by, created, expires, revoked, revoked_by, used = row
    created_at = Sql.datetime(created)
    assert created_at is not None
    return Token(
        int(ident),
        user,
        label,
        prefix,
        by,
        created_at,
        Sql.datetime(expires),
        Sql.datetime(revoked),
        revoked_by,
        Sql.datetime(used),
    )


def digest(secret: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def by_secret(sql: Sql, secret: str) -> Token | None:
    """The token whose secret is ``secret``, whatever its state, or ``None``."""
    found = sql.one(f"{_SELECT} WHERE t.sha256 = :sha", {"sha": digest(secret.strip())})
    return None if found is None else _value(found)


def get(sql: Sql, ident: int) -> Token | None:
    """The token ``ident``, or ``None``."""
    found = sql.one(f"{_SELECT} WHERE t.id = :id", {"id": ident})
    return None if found is None else _value(found)


def listed(sql: Sql, user: str | None = None) -> list[Token]:
    """Every token (of ``user`` only, when given), oldest first."""
    if user is None:
        return [_value(row) for row in sql.rows(f"{_SELECT} ORDER BY t.id")]
    rows = sql.rows(f"{_SELECT} WHERE u.key = :key ORDER BY t.id", {"key": user.casefold()})
    return [_value(row) for row in rows]


def create(
    session: Session,
    user: str,
    *,
    label: str,
    expires_at: dt.datetime | None,
    by: str,
    at: dt.datetime,
) -> tuple[Token, str]:
    """Store a new token for the registered user ``user``; returns it and its secret,
    which is not kept."""
    from assay.store.actors import user_row
    from assay.store.authority_models import ApiTokenRow

    owner = user_row(session, user, "a token")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiTokenRow(
        user_id=owner.id,
        label=label,
        prefix=secret[:_SHOWN],
        sha256=digest(secret),
        by=by,
        created_at=at,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    found = get(Sql.of_session(session), row.id)
    assert found is not None
    return found, secret


def revoke(session: Session, ident: int, *, by: str, at: dt.datetime) -> Token:
    """Revoke the token ``ident``; it no longer acts."""
    from assay.store.authority_models import ApiTokenRow

    row = session.get(ApiTokenRow, ident)
    if row is None:
        raise NotFoundError(f"no token #{ident}; see them with: assay token list")
    if row.revoked_at is not None:
        raise InputError(f"token #{ident} was already revoked on {row.revoked_at:%Y-%m-%d}")
    row.revoked_at, row.revoked_by = at, by
    session.flush()
    found = get(Sql.of_session(session), ident)
    assert found is not None
    return found


def touch(sql: Sql, ident: int, *, at: dt.datetime) -> None:
    """Note that the token ``ident`` proved its user at ``at`` (not part of the record)."""
    sql.execute(
        "UPDATE api_tokens SET last_used_at = :at WHERE id = :id",
        {"at": sql.bind_datetime(at), "id": ident},
    )
