"""Tables of the web app's accounts (issue 12): web sessions and login attempts.

A :class:`WebSessionRow` is one log-in: only the SHA-256 of its secret (the session
cookie) is stored, so a copy of the database opens no session. A session ends when
it is revoked (log-out, a new password, the user retired), at ``expires_at`` (seven
days after the log-in at most) or after twelve hours without a request
(``last_seen_at``).

A :class:`LoginAttemptRow` is one attempt to log in, kept a day for the rate limit
(see :mod:`assay.workspace.accounts`). The users' passwords are columns of
``users`` (:class:`~assay.store.decision_models.UserRow`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from assay.store import decision_models as _decision_models
from assay.store.models import Base, UTCDateTime

__all__ = ["LoginAttemptRow", "WebSessionRow"]

_USERS = _decision_models.UserRow.__tablename__


class WebSessionRow(Base):
    """A web session: a user logged in from a browser, until revoked or expired."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(f"{_USERS}.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    client: Mapped[str] = mapped_column(String(300))


class LoginAttemptRow(Base):
    """One attempt to log in: the name given (casefolded), the client, when, whether
    it succeeded."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_name", "name", "at"),
        Index("ix_login_attempts_client", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    client: Mapped[str] = mapped_column(String(300))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(Boolean)
