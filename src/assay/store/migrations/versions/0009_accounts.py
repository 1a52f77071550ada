"""Accounts for the web app (issue 12): passwords, web sessions, login attempts.

- ``users.password_hash``: the user's password as an argon2id hash (``None``: no
  password, the user cannot log in to the web app); ``users.password_set_at``: when
  it was last set. The hash never enters the audit trail (see ``docs/audit.md``).
- ``web_sessions``: one row per log-in; only the SHA-256 of the session's secret
  (the cookie) is stored, beside its CSRF token, when it was created, when it
  expires at the latest, when it was last seen, when it was revoked, and the client
  (an address) it was opened from.
- ``login_attempts``: every attempt to log in, by name and by client, for the rate
  limit; attempts older than a day are pruned.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
        batch.add_column(sa.Column("password_set_at", UTCDateTime(), nullable=True))
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("client", sa.String(300), nullable=False),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),  # casefolded, as typed
        sa.Column("client", sa.String(300), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempts_name", "login_attempts", ["name", "at"])
    op.create_index("ix_login_attempts_client", "login_attempts", ["client", "at"])
    _forget_columns()


def _forget_columns() -> None:
    """The audit trail caches each table's columns; ``users`` just gained two (the
    process that migrates goes on writing)."""
    from assay.store import audit

    audit._COLUMNS.clear()  # the schema changed under the cache


def downgrade() -> None:
    op.drop_index("ix_login_attempts_client", table_name="login_attempts")
    op.drop_index("ix_login_attempts_name", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index("ix_web_sessions_user", table_name="web_sessions")
    op.drop_table("web_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_set_at")
        batch.drop_column("password_hash")
