"""Self-assessments and growth areas (issue 16).

- ``self_ratings``: one row per rating of a capability by a person (1-5), appended,
  never edited, so the history shows growth: the person rated, the capability key
  (``assay.pipeline.credibility.CAPABILITIES``), the score, a note, who recorded it
  (the person, or an admin for them) and when.
- ``growth_areas``: a person's growth area with its practice, its measure and the
  day to look back at it, who recorded it and when.

Both are private to the person and admins (the rule is in the workspace service).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "self_ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person", sa.String(120), nullable=False),
        sa.Column("capability", sa.String(40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_self_ratings_person", "self_ratings", ["person", "capability"])
    op.create_table(
        "growth_areas",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person", sa.String(120), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("practice", sa.Text(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_growth_areas_person", "growth_areas", ["person"])


def downgrade() -> None:
    op.drop_index("ix_growth_areas_person", table_name="growth_areas")
    op.drop_table("growth_areas")
    op.drop_index("ix_self_ratings_person", table_name="self_ratings")
    op.drop_table("self_ratings")
