"""Rollouts (issue 14): the ramp of an adopted technique, step by step.

- ``rollout_steps``: one row per step of a technique's rollout (number ``rollout``,
  from 1 per technique): its kind (``start``, ``step``, ``complete``, ``rollback``),
  percentage of traffic, feature flag, the day it took effect (``on_date``), who
  recorded it and when, a reason, and an approver's override with the refusals it
  waived (JSON list).
- ``rollout_evidence``: an A/B run attached to a step (once per step).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import JSONValue, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollout_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "technique_id",
            sa.Integer(),
            sa.ForeignKey("techniques.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("rollout", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("flag", sa.String(200), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("override", sa.Text(), nullable=True),
        sa.Column("waived", JSONValue, nullable=True),
    )
    op.create_index("ix_rollout_steps_technique", "rollout_steps", ["technique_id", "rollout"])
    op.create_table(
        "rollout_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "step_id",
            sa.Integer(),
            sa.ForeignKey("rollout_steps.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("run_id", sa.String(120), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("step_id", "run_id", name="uq_rollout_evidence_run"),
    )


def downgrade() -> None:
    op.drop_table("rollout_evidence")
    op.drop_index("ix_rollout_steps_technique", table_name="rollout_steps")
    op.drop_table("rollout_steps")
