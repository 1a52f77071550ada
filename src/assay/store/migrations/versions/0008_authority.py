"""Authority that holds (issue 11): proven identities, tokens, an audit trail, retiring.

- ``users.db_role``: the database login (PostgreSQL ``session_user``) that proves
  who a user is; ``users.retired_*``: a user who may no longer act.
- ``api_tokens``: tokens for automation; only the SHA-256 of each token is stored.
- ``audit_entries``: one entry per changed record, hash-chained (each entry's hash
  covers the previous one's); ``audit_head`` is the chain's one-row head, locked by
  every write so that appends are serial on a shared server.
- ``techniques``, ``papers``, ``runs``: ``retired_at``/``retired_by``/``retired_why``;
  a retired record leaves views and evidence and stays in the audit log.
- ``ring_move_evidence.imported``: a ring placement taken from an imported radar,
  with no evidence on record until a gate decision backs it.
- ``techniques.fields``: what an imported radar said of a technique beyond assay's
  own columns (extra CSV columns, Backstage ids, links, timeline text), kept so that
  an export gives them back; ``radar_meta``: the radar's own layout (ring
  descriptions, quadrant order) as read from an imported file.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from assay.store.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_RETIRABLE = ("techniques", "papers", "runs")


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def _retired_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("retired_by", sa.String(120), nullable=True),
        sa.Column("retired_why", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("db_role", sa.String(120), nullable=True))
        for column in _retired_columns():
            batch.add_column(column)
        batch.create_unique_constraint("uq_users_db_role", ["db_role"])
    for name in _RETIRABLE:
        with op.batch_alter_table(name) as batch:
            for column in _retired_columns():
                batch.add_column(column)
    with op.batch_alter_table("techniques") as batch:
        batch.add_column(sa.Column("fields", _json(), nullable=True))
    op.create_table(
        "radar_meta",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", _json(), nullable=False),
    )
    with op.batch_alter_table("ring_move_evidence") as batch:
        batch.add_column(
            sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),  # shown in listings
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(120), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"])
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("txn", sa.String(36), nullable=False),  # the write (unit of work) it is part of
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("on_behalf_of", sa.String(120), nullable=True),
        sa.Column("via", sa.String(300), nullable=False),  # the command or endpoint
        sa.Column("action", sa.String(20), nullable=False),  # insert, update, delete
        sa.Column("record_table", sa.String(80), nullable=False),
        sa.Column("record_key", sa.String(300), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),  # canonical JSON
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_entries_record", "audit_entries", ["record_table", "record_key"])
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.execute(
        sa.text("INSERT INTO audit_head (id, entry_id, hash, count) VALUES (1, NULL, '', 0)")
    )
    _genesis()


def _genesis() -> None:
    """The records of a workspace made before the audit trail go on it, one "genesis"
    entry each, so that ``assay audit verify`` covers them (a new store has none)."""
    import datetime as dt

    from assay.store import audit
    from assay.store.sql import Sql

    bind = op.get_bind()
    audit.genesis(Sql(bind.connection.dbapi_connection, bind.dialect.name), dt.datetime.now(dt.UTC))


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_audit_entries_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_record", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index("ix_api_tokens_user", table_name="api_tokens")
    op.drop_table("api_tokens")
    with op.batch_alter_table("ring_move_evidence") as batch:
        batch.drop_column("imported")
    op.drop_table("radar_meta")
    with op.batch_alter_table("techniques") as batch:
        batch.drop_column("fields")
    for name in _RETIRABLE:
        with op.batch_alter_table(name) as batch:
            for column in ("retired_why", "retired_by", "retired_at"):
                batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_db_role", type_="unique")
        for column in ("retired_why", "retired_by", "retired_at", "db_role"):
            batch.drop_column(column)
