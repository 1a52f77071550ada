"""The decision layer: users, prototypes, amendments, evidence runs, gate decisions,
the evidence behind radar moves, technique artifacts and review meetings.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _who() -> sa.Column[str]:
    return sa.Column("by", sa.String(120), nullable=False)


def _at(name: str = "at") -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(), nullable=False)


def _prototype_fk() -> sa.Column[int]:
    return sa.Column(
        "prototype_id",
        sa.Integer(),
        sa.ForeignKey("prototypes.id", ondelete="CASCADE"),
        nullable=False,
    )


def _users() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        _who(),
        _at("created_at"),
        _at("updated_at"),
    )


def _prototypes() -> None:
    op.create_table(
        "prototypes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column(
            "technique_id",
            sa.Integer(),
            sa.ForeignKey("techniques.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("registration", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _at("registered_at"),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("strategy", sa.String(40), nullable=True),
        sa.Column("portfolio", sa.String(20), nullable=True),
        sa.Column("timebox_start", sa.Date(), nullable=True),
        sa.Column("timebox_end", sa.Date(), nullable=True),
        sa.Column("candidate", sa.String(200), nullable=True),
        sa.Column("point", sa.Text(), nullable=True),
        sa.Column("evidence_files", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("cost_inputs", sa.Text(), nullable=True),
        sa.Column("frozen_hash", sa.String(64), nullable=True),
        sa.Column("frozen_text", sa.Text(), nullable=True),
        sa.Column("frozen_at", UTCDateTime(), nullable=True),
        _who(),
        _at("created_at"),
        _at("updated_at"),
    )
    op.create_index("ix_prototypes_technique", "prototypes", ["technique_id"])
    op.create_table(
        "prototype_amendments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _prototype_fk(),
        _at(),
        _who(),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_hash", sa.String(64), nullable=False),
        sa.Column("new_hash", sa.String(64), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
    )
    op.create_index("ix_prototype_amendments_prototype", "prototype_amendments", ["prototype_id"])
    op.create_table(
        "prototype_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _prototype_fk(),
        sa.Column(
            "run_pk", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("online_ab", sa.Boolean(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=True),
        _who(),
        _at(),
        sa.UniqueConstraint("prototype_id", "run_pk", name="uq_prototype_runs_prototype_run"),
    )
    op.create_index("ix_prototype_runs_run", "prototype_runs", ["run_pk"])


def _decisions() -> None:
    op.create_table(
        "gate_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _prototype_fk(),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("recommended", sa.String(10), nullable=False),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("advocates", sa.Text(), nullable=False),
        sa.Column("revisit_when", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        _at(),
        sa.Column("registration_hash", sa.String(64), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("runs", sa.Text(), nullable=False),
    )
    op.create_index("ix_gate_decisions_prototype", "gate_decisions", ["prototype_id"])
    op.create_table(
        "ring_move_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "move_id",
            sa.Integer(),
            sa.ForeignKey("ring_moves.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "decision_id",
            sa.Integer(),
            sa.ForeignKey("gate_decisions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.Column("waived", sa.Text(), nullable=False),
    )


def _team() -> None:
    op.create_table(
        "technique_artifacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "technique_id",
            sa.Integer(),
            sa.ForeignKey("techniques.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _who(),
        _at(),
    )
    op.create_index("ix_technique_artifacts_technique", "technique_artifacts", ["technique_id"])
    op.create_table(
        "review_meetings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        _who(),
        _at(),
    )


def upgrade() -> None:
    _users()
    _prototypes()
    _decisions()
    _team()


def downgrade() -> None:
    op.drop_table("review_meetings")
    op.drop_index("ix_technique_artifacts_technique", table_name="technique_artifacts")
    op.drop_table("technique_artifacts")
    op.drop_table("ring_move_evidence")
    op.drop_index("ix_gate_decisions_prototype", table_name="gate_decisions")
    op.drop_table("gate_decisions")
    op.drop_index("ix_prototype_runs_run", table_name="prototype_runs")
    op.drop_table("prototype_runs")
    op.drop_index("ix_prototype_amendments_prototype", table_name="prototype_amendments")
    op.drop_table("prototype_amendments")
    op.drop_index("ix_prototypes_technique", table_name="prototypes")
    op.drop_table("prototypes")
    op.drop_table("users")
