"""Research review meetings: when they were held, who came, what they decided."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.store.actors import actor
from assay.store.decision_models import ReviewMeetingRow

__all__ = ["ReviewMeeting", "add", "all_meetings", "latest"]


@dataclasses.dataclass(frozen=True)
class ReviewMeeting:
    """A review meeting as recorded."""

    id: int
    held_on: dt.date
    attendees: tuple[str, ...]
    decisions: tuple[str, ...]
    notes: str
    by: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "id": self.id,
            "held_on": self.held_on.isoformat(),
            "attendees": list(self.attendees),
            "decisions": list(self.decisions),
            "notes": self.notes,
            "by": self.by,
            "at": self.at.isoformat(),
        }


def _value(row: ReviewMeetingRow) -> ReviewMeeting:
    return ReviewMeeting(
        row.id,
        row.held_on,
        tuple(row.attendees),
        tuple(row.decisions),
        row.notes,
        row.by,
        row.at,
    )


def add(
    session: Session,
    *,
    held_on: dt.date,
    attendees: Sequence[str],
    decisions: Sequence[str],
    notes: str,
    by: str,
    at: dt.datetime,
) -> ReviewMeeting:
    """Record a meeting."""
    row = ReviewMeetingRow(
        held_on=held_on,
        attendees=list(attendees),
        decisions=list(decisions),
        notes=notes,
        **actor(session, by),
        at=at,
    )
    session.add(row)
    session.flush()
    return _value(row)


def all_meetings(session: Session) -> list[ReviewMeeting]:
    """Every meeting, oldest first."""
    query = select(ReviewMeetingRow).order_by(ReviewMeetingRow.held_on, ReviewMeetingRow.id)
    return [_value(row) for row in session.scalars(query)]


def latest(session: Session) -> ReviewMeeting | None:
    """The most recent meeting, if any."""
    meetings = all_meetings(session)
    return meetings[-1] if meetings else None
