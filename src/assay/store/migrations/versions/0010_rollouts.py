"""Rollouts (issue 14): the ramp of an adopted technique, step by step.

A placeholder until the rollouts work fills it; no database has it yet.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
