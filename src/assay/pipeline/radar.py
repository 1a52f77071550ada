"""The research radar: techniques, their rings, and the rules for moving them.

Value objects only; the store turns rows into these and the surfaces render them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from assay.display import Displayable
from assay.errors import InputError
from assay.types import Ring

__all__ = [
    "ARTIFACT_KINDS",
    "EVIDENCE_RINGS",
    "REASON_REQUIRED",
    "MoveBacking",
    "RingMove",
    "Technique",
    "check_backing",
    "check_move",
    "check_name",
    "overdue",
    "stale_reasons",
]

#: Rings a technique may only enter with a written reason: the reasoning is the point.
REASON_REQUIRED = frozenset({Ring.HOLD, Ring.SKIP})

#: Rings a technique may only be promoted into with a YES gate behind it (or an override).
EVIDENCE_RINGS = frozenset({Ring.TRIAL, Ring.ADOPT})

#: The knowledge-transfer artifacts a technique needs before it is adopted.
ARTIFACT_KINDS = ("implementation", "decision-record", "runbook")

_NAME_MAX = 120
# Characters that reorder how text displays: a name must read as it is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


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


@dataclasses.dataclass(frozen=True, repr=False)  # repr, _repr_html_, to_pandas(): Displayable
class Technique(Displayable):
    """A technique the team tracks, where it sits on the radar and how it got there.

    A list of them renders as one table with ``assay.display.table(techniques)``.
    """

    _display_columns = ("name", "ring", "area", "owner", "next_action", "due", "summary")

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
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in name):
        raise InputError(
            f"{field} {name!r} holds a control character (a newline, tab or terminal escape); "
            "expected plain text on one line"
        )
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


@dataclasses.dataclass(frozen=True)
class MoveBacking:
    """What stands behind a promotion to TRIAL or ADOPT: the YES decision, or an
    override and what it waived (recorded with the move, for good)."""

    decision: int | None
    override: bool
    waived: tuple[str, ...] = ()
    summary: str = ""
    """The decision in a sentence, recorded as the move's reason when none is given."""


def check_backing(
    name: str,
    current: Ring,
    target: Ring,
    *,
    yes_decision: int | None,
    artifacts: Collection[str],
    override: bool,
    why: str,
    decision_summary: str = "",
) -> MoveBacking | None:
    """The evidence a ring move needs, or an :class:`InputError` saying what is missing.

    Only a promotion into TRIAL or ADOPT (towards the centre) needs evidence: a
    YES gate decision on one of the technique's prototypes (``yes_decision``, its
    id; ``decision_summary`` says it in a sentence), or ``override`` with a reason,
    which waives the gate and is recorded as an override. ADOPT also needs the
    knowledge-transfer artifacts (:data:`ARTIFACT_KINDS`), override or not: a
    technique nobody can run or explain is not adopted. Returns ``None`` for moves
    that need no evidence.
    """
    if target not in EVIDENCE_RINGS or target.order >= current.order:
        return None
    missing = [kind for kind in ARTIFACT_KINDS if kind not in artifacts]
    no_gate = yes_decision is None and not override
    if target is Ring.ADOPT and missing:
        gate = (
            "a YES gate decision on one of its prototypes (none has one: assay gate decide "
            "PROTOTYPE yes, or --override --why REASON) and "
            if no_gate
            else ""
        )
        raise InputError(
            f"moving {name} to ADOPT needs {gate}the knowledge-transfer artifacts; missing: "
            f"{', '.join(missing)}; attach each with: assay technique attach "
            f"{_quoted(name)} --kind {missing[0]} FILE"
        )
    if yes_decision is not None:
        return MoveBacking(yes_decision, False, summary=decision_summary)
    if not override:
        raise InputError(
            f"moving {name} to {target.value} needs a YES gate decision on one of its "
            "prototypes, and none has one; decide a gate (assay gate decide PROTOTYPE yes), "
            "or move with --override --why REASON, which stays on the record as an override"
        )
    if not why.strip():
        raise InputError("an override needs --why: say why the move goes ahead without a YES gate")
    return MoveBacking(None, True, ("a YES gate decision",))


def _quoted(name: str) -> str:
    return f"'{name}'" if " " in name else name


def stale_reasons(
    ring: Ring,
    *,
    today: dt.date,
    stale_after_days: int,
    newest_evidence: dt.datetime | None,
    placed_at: dt.datetime | None,
    contradictions: Sequence[str] = (),
) -> tuple[str, ...]:
    """Why a technique's blip is stale, or ``()`` when it is not.

    A technique in TRIAL or ADOPT is stale when its newest evidence is older than
    ``stale_after_days``, when it has no evidence at all and was placed longer ago
    than that, or when a newer run contradicts the verdict it was moved on
    (``contradictions``, each a sentence). Other rings are never stale.
    """
    if ring not in EVIDENCE_RINGS:
        return ()
    reasons = list(contradictions)
    limit = dt.timedelta(days=stale_after_days)
    if newest_evidence is not None:
        age = today - newest_evidence.date()
        if age > limit:
            reasons.append(
                f"newest evidence is {age.days} days old (from {newest_evidence.date()}); "
                f"evidence goes stale after {stale_after_days} days"
            )
    elif placed_at is not None and today - placed_at.date() > limit:
        days = (today - placed_at.date()).days
        reasons.append(
            f"no evidence on record, and placed in {ring.value} {days} days ago "
            f"(stale after {stale_after_days} days)"
        )
    return tuple(reasons)
