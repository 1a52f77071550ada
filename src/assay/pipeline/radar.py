"""The research radar: techniques, their rings, and the rules for moving them.

Value objects only; the store turns rows into these and the surfaces render them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from assay.errors import InputError
from assay.types import Ring

__all__ = [
    "REASON_REQUIRED",
    "RingMove",
    "Technique",
    "check_move",
    "check_name",
    "overdue",
]

#: Rings a technique may only enter with a written reason: the reasoning is the point.
REASON_REQUIRED = frozenset({Ring.HOLD, Ring.SKIP})

_NAME_MAX = 120


@dataclasses.dataclass(frozen=True)
class RingMove:
    """One placement of a technique on the radar: who moved it, when, where, why."""

    from_ring: Ring | None
    to_ring: Ring
    at: dt.datetime
    by: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_ring.value if self.from_ring else None,
            "to": self.to_ring.value,
            "at": self.at.isoformat(),
            "by": self.by,
            "why": self.why,
        }


@dataclasses.dataclass(frozen=True)
class Technique:
    """A technique the team tracks, where it sits on the radar and how it got there."""

    name: str
    area: str
    ring: Ring
    owner: str | None = None
    summary: str | None = None
    next_action: str | None = None
    due: dt.date | None = None
    history: tuple[RingMove, ...] = ()

    def is_overdue(self, today: dt.date) -> bool:
        """True when the next action's due date has passed."""
        return self.due is not None and self.next_action is not None and self.due < today

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "area": self.area,
            "ring": self.ring.value,
            "owner": self.owner,
            "summary": self.summary,
            "next_action": self.next_action,
            "due": self.due.isoformat() if self.due else None,
            "history": [move.to_dict() for move in self.history],
        }


def check_name(name: str, *, field: str = "name") -> str:
    """A technique or area name, trimmed; blank or overlong names are refused."""
    cleaned = re.sub(r"\s+", " ", name).strip()
    if not cleaned:
        raise InputError(f"{field} is empty; expected a short name such as 'FlashAttention'")
    if len(cleaned) > _NAME_MAX:
        raise InputError(f"{field} is {len(cleaned)} characters long; expected at most {_NAME_MAX}")
    return cleaned


def check_move(name: str, current: Ring, target: Ring, why: str | None) -> str:
    """Validate a ring move and return the cleaned reason.

    A move to the ring a technique is already in is refused (nothing would change),
    and so is a move to HOLD or SKIP without a reason.
    """
    reason = (why or "").strip()
    if target == current:
        raise InputError(f"{name} is already in {target.value}; nothing to move")
    if target in REASON_REQUIRED and not reason:
        raise InputError(
            f"moving {name} to {target.value} needs --why: say what the team learned, "
            "so the next person does not repeat the evaluation"
        )
    return reason


def overdue(techniques: Iterable[Technique], today: dt.date) -> list[Technique]:
    """Techniques whose next action is past due, the most overdue first."""
    late = [t for t in techniques if t.is_overdue(today)]
    return sorted(late, key=lambda t: (t.due or today, t.name.lower()))


def grouped(techniques: Sequence[Technique]) -> dict[Ring, dict[str, list[Technique]]]:
    """Techniques grouped by ring (ADOPT first), then by area, names sorted."""
    groups: dict[Ring, dict[str, list[Technique]]] = {}
    for ring in Ring:
        in_ring = [t for t in techniques if t.ring == ring]
        areas: dict[str, list[Technique]] = {}
        for technique in sorted(in_ring, key=lambda t: (t.area.lower(), t.name.lower())):
            areas.setdefault(technique.area, []).append(technique)
        if areas:
            groups[ring] = areas
    return groups
