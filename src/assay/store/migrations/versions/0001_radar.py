"""The research radar: techniques and their ring history.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "techniques",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("area", sa.String(120), nullable=False),
        sa.Column("ring", sa.String(10), nullable=False),
        sa.Column("owner", sa.String(120), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("next_action", sa.Text(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "ring_moves",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "technique_id",
            sa.Integer(),
            sa.ForeignKey("techniques.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_ring", sa.String(10), nullable=True),
        sa.Column("to_ring", sa.String(10), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
    )
    op.create_index("ix_ring_moves_technique", "ring_moves", ["technique_id"])


def downgrade() -> None:
    op.drop_index("ix_ring_moves_technique", table_name="ring_moves")
    op.drop_table("ring_moves")
    op.drop_table("techniques")
