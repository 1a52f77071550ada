"""Evidence pinned to decisions, benchmark files frozen with the criteria (issue 10).

``decision_runs`` holds the runs each gate decision rested on; the decisions made
before it get their pins here, from the run ids they stored (``gate_decisions.runs``),
for the runs that still exist. ``prototype_file_freezes`` holds each benchmark file's
content hash and git commit as the criteria froze them; assay fills it itself, the
next time a prototype is written, from the runs' own records.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from assay.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_runs",
        sa.Column(
            "decision_pk",
            sa.Integer(),
            sa.ForeignKey("gate_decisions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "run_pk",
            sa.Integer(),
            sa.ForeignKey("runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_decision_runs_run", "decision_runs", ["run_pk"])
    op.create_table(
        "prototype_file_freezes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "prototype_id",
            sa.Integer(),
            sa.ForeignKey("prototypes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("git_commit", sa.String(64), nullable=True),
        sa.Column("git_dirty", sa.Boolean(), nullable=True),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("prototype_id", "source", name="uq_prototype_file_freezes_source"),
    )
    _pin_existing_decisions()


def _pin_existing_decisions() -> None:
    """Pin every stored decision to the runs it named, where they still exist."""
    conn = op.get_bind()
    runs: dict[str, int] = {r: pk for r, pk in conn.execute(sa.text("SELECT run_id, id FROM runs"))}
    pins = []
    for decision_pk, named in conn.execute(sa.text("SELECT id, runs FROM gate_decisions")).all():
        ids = json.loads(named) if isinstance(named, str) else (named or [])
        pins += [
            {"decision_pk": decision_pk, "run_pk": runs[run_id]}
            for run_id in dict.fromkeys(ids)
            if run_id in runs
        ]
    if pins:
        conn.execute(
            sa.text(
                "INSERT INTO decision_runs (decision_pk, run_pk) VALUES (:decision_pk, :run_pk)"
            ),
            pins,
        )


def downgrade() -> None:
    op.drop_table("prototype_file_freezes")
    op.drop_index("ix_decision_runs_run", table_name="decision_runs")
    op.drop_table("decision_runs")
