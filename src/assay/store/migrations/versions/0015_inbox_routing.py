"""An inbox source may belong to an area of the radar: its items are routed to the
area's owner (issue 16).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_sources") as batch:
        batch.add_column(sa.Column("area", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox_sources") as batch:
        batch.drop_column("area")
