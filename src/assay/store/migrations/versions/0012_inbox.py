"""The reading inbox (issue 16): tracked sources and their items.

- ``inbox_sources``: a feed the team tracks (name, casefolded ``key``, its format,
  where it was last read from, who added it and when).
- ``inbox_items``: one item of a source, imported once (``arxiv_id``, ``doi`` and the
  page's normalised ``url_key`` are unique, so a paper is not added twice), with its
  triage on the row (``status``: new, pass1, skipped, technique; the reason, the
  person assigned, who triaged it and when) and its links to the paper record and the
  technique, indexed so a source's yield is a few joins.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import JSONValue, UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("key", sa.String(80), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer(),
            sa.ForeignKey("inbox_sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("authors", JSONValue, nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("url_key", sa.String(1000), nullable=True, unique=True),
        sa.Column("arxiv_id", sa.String(40), nullable=True, unique=True),
        sa.Column("doi", sa.String(300), nullable=True, unique=True),
        sa.Column("title_key", sa.String(1000), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("imported_by", sa.String(120), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("assignee", sa.String(120), nullable=True),
        sa.Column("triaged_by", sa.String(120), nullable=True),
        sa.Column("triaged_at", UTCDateTime(), nullable=True),
        sa.Column(
            "paper_id", sa.Integer(), sa.ForeignKey("papers.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "technique_id",
            sa.Integer(),
            sa.ForeignKey("techniques.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index("ix_inbox_items_source", "inbox_items", ["source_id", "status"])
    op.create_index("ix_inbox_items_triaged", "inbox_items", ["triaged_at"])
    op.create_index("ix_inbox_items_paper", "inbox_items", ["paper_id"])
    op.create_index("ix_inbox_items_technique", "inbox_items", ["technique_id"])


def downgrade() -> None:
    for name in ("technique", "paper", "triaged", "source"):
        op.drop_index(f"ix_inbox_items_{name}", table_name="inbox_items")
    op.drop_table("inbox_items")
    op.drop_table("inbox_sources")
