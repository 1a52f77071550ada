"""Tables of the reading inbox (issue 16): the sources a team scans and the items they
brought.

An :class:`InboxSourceRow` is a feed the team tracks (an arXiv listing, a conference's
list, a newsletter), named by the team, with where it was last read from.

An :class:`InboxItemRow` is one entry of a source, imported once: a second import of
the same paper (same arXiv id, DOI or page URL) is counted, not stored again. Its
triage is written on the row (``status``, ``reason``, who and when), and its links
(the paper record a *read pass 1* created, the technique it was sent to) are foreign
keys, so a source's yield (how many of its items reached pass 2, pass 3, a prototype,
the radar) is a handful of indexed joins rather than a replay of history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assay.store import research_models as _research_models
from assay.store.models import Base, JSONValue, UTCDateTime

__all__ = ["InboxItemRow", "InboxSourceRow"]

_ = _research_models  # papers' table, which items link to, is registered first


class InboxSourceRow(Base):
    """A tracked source of papers."""

    __tablename__ = "inbox_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(80), unique=True)  # casefolded name
    kind: Mapped[str] = mapped_column(String(10))  # atom, rss, csv, jsonl
    location: Mapped[str] = mapped_column(Text)  # the file or URL last read
    area: Mapped[str | None] = mapped_column(String(120))  # the radar area's key: routing
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class InboxItemRow(Base):
    """One item of the inbox and its triage."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        Index("ix_inbox_items_source", "source_id", "status"),
        Index("ix_inbox_items_triaged", "triaged_at"),
        Index("ix_inbox_items_paper", "paper_id"),
        Index("ix_inbox_items_technique", "technique_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("inbox_sources.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSONValue)
    url: Mapped[str | None] = mapped_column(Text)
    url_key: Mapped[str | None] = mapped_column(String(1000), unique=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    doi: Mapped[str | None] = mapped_column(String(300), unique=True)
    title_key: Mapped[str] = mapped_column(String(1000))
    abstract: Mapped[str] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    imported_by: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))  # new, pass1, skipped, technique
    reason: Mapped[str] = mapped_column(Text, default="")
    assignee: Mapped[str | None] = mapped_column(String(120))
    triaged_by: Mapped[str | None] = mapped_column(String(120))
    triaged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id", ondelete="SET NULL"))
    technique_id: Mapped[int | None] = mapped_column(
        ForeignKey("techniques.id", ondelete="SET NULL")
    )
