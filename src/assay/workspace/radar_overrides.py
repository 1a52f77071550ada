"""Ring moves made by override, as the record keeps them.

A promotion to TRIAL or ADOPT needs a YES gate on one of the technique's
prototypes; an approver may move it without one, with a reason, and the move is
recorded as an override with what it waived (:mod:`assay.workspace.radar_evidence`).
The evidence rule *recommended* leaving the technique where it was: its ring before
the move (ASSESS for a technique that entered the radar by override). This module
reads those moves back for ``radar move``, ``technique show`` and the review agenda.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.store.decision_models import RadarEvidenceRow
from assay.store.models import RingMoveRow, TechniqueRow
from assay.types import Ring

__all__ = ["RadarOverride", "radar_overrides"]


@dataclasses.dataclass(frozen=True)
class RadarOverride:
    """One ring move made by override: where from and to, who, when, why, what it waived."""

    technique: str
    from_ring: Ring | None
    to_ring: Ring
    at: dt.datetime
    by: str
    why: str
    waived: tuple[str, ...]

    @property
    def recommended(self) -> Ring:
        """The ring the evidence rule recommended: where the technique was (ASSESS for a
        technique placed by override when it was added)."""
        return self.from_ring or Ring.ASSESS

    def describe(self) -> str:
        """``override: recommended ASSESS; waived a YES gate decision; why: ...``."""
        waived = f"; waived {', '.join(self.waived)}" if self.waived else ""
        return f"override: recommended {self.recommended.value}{waived}; why: {self.why}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "technique": self.technique,
            "from": self.from_ring.value if self.from_ring else None,
            "to": self.to_ring.value,
            "at": self.at.isoformat(),
            "by": self.by,
            "why": self.why,
            "recommended": self.recommended.value,
            "waived": list(self.waived),
        }


def radar_overrides(
    session: Session, technique: str | None = None, *, since: dt.date | None = None
) -> list[RadarOverride]:
    """The ring moves made by override, oldest first (one query): of one technique
    (any case), and from ``since`` on, when given."""
    query = (
        select(TechniqueRow.name, RingMoveRow, RadarEvidenceRow.waived)
        .join(RingMoveRow, RingMoveRow.technique_id == TechniqueRow.id)
        .join(RadarEvidenceRow, RadarEvidenceRow.move_id == RingMoveRow.id)
        .where(RadarEvidenceRow.override.is_(True))
        .order_by(RingMoveRow.at, RingMoveRow.id)
    )
    if technique is not None:
        query = query.where(TechniqueRow.key == technique.strip().casefold())
    found = []
    for name, move, waived in session.execute(query):
        if since is not None and move.at.date() < since:
            continue
        found.append(
            RadarOverride(
                technique=name,
                from_ring=Ring(move.from_ring) if move.from_ring else None,
                to_ring=Ring(move.to_ring),
                at=move.at,
                by=move.by,
                why=move.why,
                waived=tuple(str(w) for w in waived or ()),
            )
        )
    return found
