"""Watched metrics and decisions that stay true (issue 14).

The history per benchmark and metric, change points, revisit conditions and
reopened decisions. A placeholder until the watch work fills it; no database has
it yet.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
