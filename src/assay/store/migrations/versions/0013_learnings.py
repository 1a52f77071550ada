"""Area owners, learnings entries and dissents on gate decisions (issue 16).

- ``area_owners``: who owns each area of the radar (one row per area, keyed by the
  casefolded area name), who set it and when.
- ``learnings``: what a prototype taught, kept or killed: learned, surprises,
  implicit knowledge, advice for the next person, the outcome, who wrote it and when.
- ``gate_decisions.dissents``: who disagreed with a decision and why (JSON list of
  ``[name, reason]``; NULL: none, a decision taken with consensus).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import JSONValue, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_owners",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("area", sa.String(120), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "learnings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "prototype_id",
            sa.Integer(),
            sa.ForeignKey("prototypes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.Column("learned", sa.Text(), nullable=False),
        sa.Column("surprises", sa.Text(), nullable=False),
        sa.Column("implicit", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_learnings_prototype", "learnings", ["prototype_id"])
    op.add_column("gate_decisions", sa.Column("dissents", JSONValue, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gate_decisions") as batch:
        batch.drop_column("dissents")
    op.drop_index("ix_learnings_prototype", table_name="learnings")
    op.drop_table("learnings")
    op.drop_table("area_owners")
