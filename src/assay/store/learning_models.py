"""Tables of area owners and learnings (issue 16).

An :class:`AreaOwnerRow` says who owns an area of the radar: one row per area,
keyed by the casefolded name so that ``Serving`` and ``serving`` are one area; a new
owner replaces the row (the audit trail keeps the old one).

A :class:`LearningRow` is what a prototype taught, written when it ends, kept or
killed: what was learned, what surprised, the implicit knowledge nobody writes down,
and advice for the next person. Entries are appended, never edited: a prototype may
have several (one per person, or one per stage), and the newest is shown first.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assay.store import decision_models as _decision_models  # the prototypes table
from assay.store.models import Base, UTCDateTime

__all__ = ["AreaOwnerRow", "LearningRow"]

_PROTOTYPES = _decision_models.PrototypeRow  # the foreign key below resolves against it


class AreaOwnerRow(Base):
    """The owner of one area of the radar."""

    __tablename__ = "area_owners"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # casefolded area
    area: Mapped[str] = mapped_column(String(120))
    owner: Mapped[str] = mapped_column(String(120))
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LearningRow(Base):
    """A learnings entry on a prototype."""

    __tablename__ = "learnings"
    __table_args__ = (Index("ix_learnings_prototype", "prototype_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id", ondelete="CASCADE"))
    outcome: Mapped[str | None] = mapped_column(String(10))  # kept, killed
    learned: Mapped[str] = mapped_column(Text)
    surprises: Mapped[str] = mapped_column(Text)
    implicit: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
