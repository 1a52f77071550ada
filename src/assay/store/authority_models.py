"""Tables of authority (issue 11): API tokens and the hash-chained audit trail.

An :class:`ApiTokenRow` stores only the SHA-256 of a token (the token itself is
shown once, when created) and a short prefix to tell tokens apart in listings.

An :class:`AuditEntryRow` is one changed record of one write: who acted (and for
whom), when, through which command or endpoint, the record's table and key, and
its canonical JSON before and after. Each entry's ``hash`` covers its own fields and
the previous entry's hash (``prev_hash``), so that an entry edited, deleted or
inserted behind assay's back breaks the chain. :class:`AuditHeadRow` is the one-row
head of the chain (the newest entry's id and hash, and the count): every write
locks it, so that appends are serial on a shared server.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assay.store import decision_models as _decision_models
from assay.store.models import Base, UTCDateTime

__all__ = ["ApiTokenRow", "AuditEntryRow", "AuditHeadRow"]

_USERS = _decision_models.UserRow.__tablename__


class ApiTokenRow(Base):
    """A token for automation; it acts with its user's role until revoked or expired."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(f"{_USERS}.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AuditEntryRow(Base):
    """One changed record of one write, chained to the entry before it."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_record", "record_table", "record_key"),
        Index("ix_audit_entries_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    txn: Mapped[str] = mapped_column(String(36))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    on_behalf_of: Mapped[str | None] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(20))  # insert, update, delete
    record_table: Mapped[str] = mapped_column(String(80))
    record_key: Mapped[str] = mapped_column(String(300))
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRow(Base):
    """The head of the audit chain: one row, id 1, locked by every write."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int | None] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
