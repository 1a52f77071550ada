"""Tables of self-assessment (issue 16): ratings of capabilities and growth areas.

A :class:`SelfRatingRow` is appended for every rating, never edited: the history is
the point (a person rating benchmarking 2 in March and 4 in September shows growth).
A :class:`GrowthAreaRow` is a growth area with its practice, measure and date. Both
are read only through :mod:`assay.store.self_assessment`, and the workspace lets only
the person and admins read them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assay.store.models import Base, UTCDateTime

__all__ = ["GrowthAreaRow", "SelfRatingRow"]


class SelfRatingRow(Base):
    """One rating of one capability by (or for) one person."""

    __tablename__ = "self_ratings"
    __table_args__ = (Index("ix_self_ratings_person", "person", "capability"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(String(120))
    capability: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class GrowthAreaRow(Base):
    """A person's growth area: practice, measure, and the day to look back at it."""

    __tablename__ = "growth_areas"
    __table_args__ = (Index("ix_growth_areas_person", "person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(String(120))
    area: Mapped[str] = mapped_column(Text)
    practice: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    due: Mapped[dt.date] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
