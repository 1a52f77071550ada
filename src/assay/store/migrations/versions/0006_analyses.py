"""Stored analyses: one evidence snapshot per prototype (issue 9).

The snapshots are computed by assay itself (``assay.workspace.analyses``), not by
this migration: a workspace written before it gets them once, the first time it
is opened after the upgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from assay.store.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prototype_evidence",
        sa.Column(
            "prototype_id",
            sa.Integer(),
            sa.ForeignKey("prototypes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(64), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("newest_run_at", UTCDateTime(), nullable=True),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column(
            "data",
            sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_table("prototype_evidence")
