"""Self-assessments in the store: ratings with their history, and growth areas.

Reads are plain SQL over :class:`~assay.store.sql.Sql` (one person's rows, by an
index); writes go through the ORM (:mod:`assay.store.self_models`) so that the audit
trail records them. Names are matched without regard to case, as users are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.pipeline.credibility import GrowthArea, Rating
from assay.store.sql import Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["add_growth", "add_rating", "growth_of", "ratings_of"]


def ratings_of(sql: Sql, person: str) -> list[Rating]:
    """Every rating of ``person``, oldest first."""
    rows = sql.rows(
        "SELECT person, capability, score, note, by, at FROM self_ratings "
        "WHERE lower(person) = lower(:person) ORDER BY at, id",
        {"person": person},
    )
    when = sql.datetimes()
    return [
        Rating(person=p, capability=c, score=int(s), note=n or "", by=b, at=when(a))
        for p, c, s, n, b, a in rows
    ]


def growth_of(sql: Sql, person: str) -> list[GrowthArea]:
    """Every growth area of ``person``, by date to look back at, then as recorded."""
    rows = sql.rows(
        "SELECT id, person, area, practice, measure, due, by, at FROM growth_areas "
        "WHERE lower(person) = lower(:person) ORDER BY due, id",
        {"person": person},
    )
    when = sql.datetimes()
    out = []
    for id_, p, area, practice, measure, due, by, at in rows:
        day = sql.date(due)
        assert day is not None  # NOT NULL
        out.append(GrowthArea(p, area, practice, measure, day, by, when(at), int(id_)))
    return out


def add_rating(session: Session, rating: Rating) -> None:
    """Append ``rating``."""
    from assay.store.self_models import SelfRatingRow  # the ORM writes

    session.add(
        SelfRatingRow(
            person=rating.person,
            capability=rating.capability,
            score=rating.score,
            note=rating.note,
            by=rating.by,
            at=rating.at,
        )
    )
    session.flush()


def add_growth(session: Session, growth: GrowthArea) -> int:
    """Append ``growth``; its id."""
    from assay.store.self_models import GrowthAreaRow

    row = GrowthAreaRow(
        person=growth.person,
        area=growth.area,
        practice=growth.practice,
        measure=growth.measure,
        due=growth.due,
        by=growth.by,
        at=growth.at,
    )
    session.add(row)
    session.flush()
    return row.id
