"""Watched metrics and decisions that stay true (issue 14).

The history per benchmark and metric (``watch_points``), its change points
(``watch_changes``), what each decision watches (``decision_watches``) and reopened
decisions (``watch_reopenings``). Existing runs are not backfilled here: the first
``assay watch`` command that writes (``assay watch check``) fills the history from
the stored runs once (see :mod:`assay.workspace.watch`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from assay.store.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def _series() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("benchmark", sa.String(200), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("point", sa.String(500), nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
    ]


def _run() -> sa.Column[object]:
    return sa.Column(
        "run_pk", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    )


def _decision() -> sa.Column[object]:
    return sa.Column(
        "decision_pk",
        sa.Integer(),
        sa.ForeignKey("gate_decisions.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "watch_points",
        *_series(),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        _run(),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("git_commit", sa.String(64), nullable=True),
        sa.UniqueConstraint("run_pk", "method", "point", "metric", name="uq_watch_points_run"),
    )
    op.create_index(
        "ix_watch_points_series", "watch_points", ["benchmark", "metric", "method", "point", "at"]
    )
    op.create_table(
        "watch_changes",
        *_series(),
        sa.Column("position", sa.Integer(), nullable=False),
        _run(),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("pvalue", sa.Float(), nullable=False),
        sa.Column("mean_before", sa.Float(), nullable=False),
        sa.Column("mean_after", sa.Float(), nullable=False),
        sa.Column("data", _json(), nullable=False),
    )
    op.create_index(
        "ix_watch_changes_series", "watch_changes", ["benchmark", "metric", "method", "point"]
    )
    op.create_table(
        "decision_watches",
        sa.Column("id", sa.Integer(), primary_key=True),
        _decision(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("metric", sa.String(200), nullable=True),
        sa.Column("benchmark", sa.String(200), nullable=True),
        sa.Column("method", sa.String(200), nullable=True),
        sa.Column("lower_is_better", sa.Boolean(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=True),
    )
    op.create_index("ix_decision_watches_decision", "decision_watches", ["decision_pk"])
    op.create_index("ix_decision_watches_metric", "decision_watches", ["benchmark", "metric"])
    op.create_table(
        "watch_reopenings",
        sa.Column("id", sa.Integer(), primary_key=True),
        _decision(),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", _json(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(120), nullable=True),
        sa.Column("closed_why", sa.Text(), nullable=True),
        sa.UniqueConstraint("decision_pk", "key", name="uq_watch_reopenings_key"),
    )


def downgrade() -> None:
    op.drop_table("watch_reopenings")
    op.drop_index("ix_decision_watches_metric", table_name="decision_watches")
    op.drop_index("ix_decision_watches_decision", table_name="decision_watches")
    op.drop_table("decision_watches")
    op.drop_index("ix_watch_changes_series", table_name="watch_changes")
    op.drop_table("watch_changes")
    op.drop_index("ix_watch_points_series", table_name="watch_points")
    op.drop_table("watch_points")
