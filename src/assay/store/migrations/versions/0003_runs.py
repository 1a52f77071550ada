"""Benchmark runs, their trials and compressed samples.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("planned", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_pk", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("params_key", sa.String(500), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("wall_time", sa.Float(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.UniqueConstraint("run_pk", "method", "params_key", "seed", name="uq_trial_key"),
    )
    op.create_index("ix_trials_run", "trials", ["run_pk"])
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "trial_pk",
            sa.Integer(),
            sa.ForeignKey("trials.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("encoding", sa.String(20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in ("mean", "std", "min", "max", "p50", "p90", "p99", "p99_9")
        ),
        sa.UniqueConstraint("trial_pk", "metric", name="uq_sample_metric"),
    )
    op.create_index("ix_samples_trial", "samples", ["trial_pk"])


def downgrade() -> None:
    op.drop_index("ix_samples_trial", table_name="samples")
    op.drop_table("samples")
    op.drop_index("ix_trials_run", table_name="trials")
    op.drop_table("trials")
    op.drop_table("runs")
