"""The research record: papers, reading passes, notes, red flags, viability, claims,
predictions and post-mortems.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _who() -> sa.Column[str]:
    return sa.Column("by", sa.String(120), nullable=False)


def _paper_fk() -> sa.Column[int]:
    return sa.Column(
        "paper_id", sa.Integer(), sa.ForeignKey("papers.id", ondelete="CASCADE"), nullable=False
    )


def _papers() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("raw_title", sa.Text(), nullable=False),
        sa.Column("title_key", sa.String(1000), nullable=False),
        sa.Column("authors", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("doi", sa.String(300), nullable=True, unique=True),
        sa.Column("arxiv_id", sa.String(40), nullable=True, unique=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("code_url", sa.Text(), nullable=True),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("code_checklist", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_papers_title_key", "papers", ["title_key"])
    op.create_table(
        "paper_techniques",
        sa.Column(
            "paper_id",
            sa.Integer(),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "technique_id",
            sa.Integer(),
            sa.ForeignKey("techniques.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_paper_techniques_technique", "paper_techniques", ["technique_id"])


def _reading() -> None:
    op.create_table(
        "reading_passes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _paper_fk(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _who(),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.UniqueConstraint("paper_id", "number", name="uq_reading_passes_paper_number"),
    )
    op.create_table(
        "paper_notes",
        sa.Column(
            "paper_id",
            sa.Integer(),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("date_read", sa.Date(), nullable=False),
        sa.Column("relevance", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("key_insight", sa.Text(), nullable=False),
        sa.Column("results_vs_baselines", sa.Text(), nullable=False),
        sa.Column("limitations", sa.Text(), nullable=False),
        sa.Column("production_viability", sa.Text(), nullable=False),
        sa.Column("implementation_effort", sa.Text(), nullable=False),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "viability_scores",
        sa.Column(
            "paper_id",
            sa.Integer(),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("dimension", sa.String(40), primary_key=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("red_flags", sa.Text(), nullable=False),
        sa.Column("green_flags", sa.Text(), nullable=False),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "adoption_factors",
        sa.Column(
            "paper_id",
            sa.Integer(),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("reversibility", sa.String(10), nullable=False),
        sa.Column("expected_gain", sa.String(10), nullable=False),
        sa.Column("maturity", sa.String(10), nullable=False),
        sa.Column("criticality", sa.String(10), nullable=False),
        sa.Column("shadow_mode", sa.Boolean(), nullable=False),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )


def _claims() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), primary_key=True),
        _paper_fk(),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("setting", sa.Text(), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_claims_paper", "claims", ["paper_id"])
    op.create_table(
        "claim_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "claim_id", sa.Integer(), sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("run", sa.String(200), nullable=False),
        sa.Column("trial_values", sa.Text(), nullable=True),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("claim_id", "run", name="uq_claim_runs_claim_run"),
    )
    op.create_table(
        "claim_findings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "claim_id", sa.Integer(), sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("text", sa.Text(), nullable=False),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_claim_findings_claim", "claim_findings", ["claim_id"])
    op.create_table(
        "red_flags",
        sa.Column("id", sa.Integer(), primary_key=True),
        _paper_fk(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        # The claim whose reproduction gap raised an automatic flag: one per claim.
        sa.Column(
            "claim_id",
            sa.Integer(),
            sa.ForeignKey("claims.id", ondelete="CASCADE"),
            nullable=True,
            unique=True,
        ),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_red_flags_paper", "red_flags", ["paper_id"])


def _predictions() -> None:
    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("resolve_by", sa.Date(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("criterion", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        _who(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "prediction_id",
            sa.Integer(),
            sa.ForeignKey("predictions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("p", sa.Float(), nullable=False),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_forecasts_prediction", "forecasts", ["prediction_id"])


def _postmortems() -> None:
    op.create_table(
        "postmortems",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column(
            "technique_id",
            sa.Integer(),
            sa.ForeignKey("techniques.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("timeline", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("why_chains", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("wrong_predictions", sa.Text(), nullable=False),
        sa.Column("missed_red_flags", sa.Text(), nullable=False),
        _who(),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "postmortem_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "postmortem_id",
            sa.Integer(),
            sa.ForeignKey("postmortems.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column(
            "technique_id",
            sa.Integer(),
            sa.ForeignKey("techniques.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index("ix_postmortem_actions_postmortem", "postmortem_actions", ["postmortem_id"])


def upgrade() -> None:
    _papers()
    _reading()
    _claims()
    _predictions()
    _postmortems()


_TABLES = (
    "postmortem_actions",
    "postmortems",
    "forecasts",
    "predictions",
    "red_flags",
    "claim_findings",
    "claim_runs",
    "claims",
    "adoption_factors",
    "viability_scores",
    "paper_notes",
    "reading_passes",
    "paper_techniques",
    "papers",
)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
