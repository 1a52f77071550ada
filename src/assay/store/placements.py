"""Ring placements with no evidence behind them: overrides and imported placements.

A technique's ring *rests on an override* when its newest ring move was made by
override (an approver moved it without a YES gate, recorded in
``ring_move_evidence.override``), and *is imported* when that move came from an
imported radar (``ring_move_evidence.imported``: no evidence on record). Either
mark stands until a YES gate decision on one of the technique's prototypes is
taken after the move (or a later move replaces it): every surface that shows the
technique (``technique show``, the radar and ``radar --json``, the review agenda,
the reports) shows it, with who, when, why and what was waived.

One plain-SQL query over :class:`~assay.store.sql.Sql` (the radar's hot path starts
without SQLAlchemy), reading only the moves that carry such evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from assay.store.sql import Sql
from assay.types import Ring

__all__ = ["IMPORTED", "OVERRIDE", "Placement", "unbacked"]

OVERRIDE = "override"
IMPORTED = "imported"

_UNBACKED = """
SELECT t.name, t.ring, m.from_ring, m.at, m.by, m.why, e.override, e.imported, e.waived
FROM ring_move_evidence e
JOIN ring_moves m ON m.id = e.move_id
JOIN techniques t ON t.id = m.technique_id
WHERE (e.override OR e.imported) AND t.retired_at IS NULL
  AND m.id = (SELECT max(x.id) FROM ring_moves x WHERE x.technique_id = m.technique_id)
  AND NOT EXISTS (
    SELECT 1 FROM gate_decisions d JOIN prototypes p ON p.id = d.prototype_id
    WHERE p.technique_id = t.id AND d.answer = 'yes' AND d.at >= m.at)
ORDER BY t.key
"""


@dataclasses.dataclass(frozen=True)
class Placement:
    """A technique's current ring, resting on an override or an imported radar."""

    technique: str
    ring: Ring
    kind: str  # OVERRIDE or IMPORTED
    from_ring: Ring | None
    at: dt.datetime
    by: str
    why: str
    waived: tuple[str, ...] = ()

    @property
    def recommended(self) -> Ring:
        """The ring the evidence rule recommended: where the technique was before."""
        return self.from_ring or Ring.ASSESS

    @property
    def mark(self) -> str:
        """The short mark beside the technique's name: ``override`` or ``imported``."""
        return self.kind

    def describe(self) -> str:
        """One line for people: ``TRIAL by override (priya, 2026-12-06): recommended
        ASSESS; waived a YES gate decision; why: ...`` or ``ADOPT imported, no evidence
        on record (by priya, 2026-12-06)``."""
        when = f"{self.at:%Y-%m-%d}"
        if self.kind == IMPORTED:
            return f"{self.ring.value} imported, no evidence on record ({self.by}, {when})"
        waived = f"; waived {', '.join(self.waived)}" if self.waived else ""
        return (
            f"{self.ring.value} by override ({self.by}, {when}): recommended "
            f"{self.recommended.value}{waived}; why: {self.why}"
        )

    def override_dict(self) -> dict[str, Any] | None:
        """What ``radar --json`` says under ``override``: who, when, why, what was
        waived and what was recommended; ``None`` for an imported placement."""
        if self.kind != OVERRIDE:
            return None
        return {
            "by": self.by,
            "at": self.at.isoformat(),
            "why": self.why,
            "waived": list(self.waived),
            "recommended": self.recommended.value,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "technique": self.technique,
            "ring": self.ring.value,
            "kind": self.kind,
            "from": self.from_ring.value if self.from_ring else None,
            "at": self.at.isoformat(),
            "by": self.by,
            "why": self.why,
            "waived": list(self.waived),
            "recommended": self.recommended.value,
        }


def unbacked(sql: Sql) -> dict[str, Placement]:
    """Every technique (not retired) whose ring rests on an override or an imported
    radar with no YES gate decision since, by name (one query)."""
    found = {}
    for name, ring, from_ring, at, by, why, override, _imported, waived in sql.rows(_UNBACKED):
        when = sql.datetime(at)
        assert when is not None  # ring_moves.at is NOT NULL
        found[name] = Placement(
            technique=name,
            ring=Ring(ring),
            kind=OVERRIDE if override else IMPORTED,
            from_ring=Ring(from_ring) if from_ring else None,
            at=when,
            by=by,
            why=why,
            waived=tuple(str(w) for w in sql.json(waived) or ()),
        )
    return found
