"""Credibility, self-assessment and the integration loop (issue 16): pure rules.

- **Credibility** rests on a track record: for each technique the team adopted or
  rejected, what was predicted (the prototype's pre-registered success criteria, the
  forecasts that mention it) beside what was measured (the stored evaluations of
  those criteria, the A/B runs of its rollout). :func:`technique_verdict` says which
  techniques have a verdict at all; a technique still in flight has no record yet.
- **Self-assessment**: the seed's capabilities (:data:`CAPABILITIES`) rated 1-5 per
  person, the history kept (a rating is appended, never edited, so growth shows), and
  growth areas with a practice, a measure and a date.
- **Coverage**: papers read → prototyped → in production, the integration loop's
  funnel (:func:`funnel`).

No I/O: the workspace gathers the record and stores what these functions accept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from assay.errors import InputError

__all__ = [
    "CAPABILITIES",
    "SCORE_MAX",
    "SCORE_MIN",
    "Funnel",
    "GrowthArea",
    "Rating",
    "check_growth",
    "check_score",
    "funnel",
    "latest_ratings",
    "parse_capability",
    "technique_verdict",
]

#: The capabilities the seed asks a research engineer to develop, key → label. The
#: keys are what ``assay self rate`` takes; the order is the order they are shown.
CAPABILITIES: dict[str, str] = {
    "paper-reading": "paper reading",
    "reproduction": "reproduction",
    "benchmarking": "benchmarking",
    "production-judgement": "production judgement",
    "communication": "communication",
}

SCORE_MIN, SCORE_MAX = 1, 5
_TEXT_MAX = 2000


def parse_capability(text: str) -> str:
    """The key of the capability ``text`` names: any case, spaces, underscores or
    hyphens between words ("Production judgement", ``production_judgement``)."""
    key = re.sub(r"[\s_-]+", "-", text.strip().lower())
    if key == "production-judgment":  # the American spelling
        key = "production-judgement"
    if key not in CAPABILITIES:
        raise InputError(f"unknown capability {text!r}; expected one of {', '.join(CAPABILITIES)}")
    return key


def check_score(score: int) -> int:
    """A self-rating: a whole number from 1 (beginner) to 5 (could teach it)."""
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise InputError(
            f"score {score!r} is out of range; expected a whole number from {SCORE_MIN} "
            f"(beginner) to {SCORE_MAX} (could teach it)"
        )
    return score


def _text(value: str, field: str, *, required: bool) -> str:
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InputError(f"{field} holds a control character; expected plain text")
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise InputError(f"{field} is empty; say it in a few words")
    if len(cleaned) > _TEXT_MAX:
        raise InputError(f"{field} is {len(cleaned)} characters long; expected at most {_TEXT_MAX}")
    return cleaned


@dataclasses.dataclass(frozen=True)
class Rating:
    """One self-rating: ``person`` rated ``capability`` at ``score`` (1-5), recorded by
    ``by`` (the person, or an admin for them) at ``at``."""

    person: str
    capability: str
    score: int
    note: str
    by: str
    at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "capability", parse_capability(self.capability))
        check_score(self.score)
        object.__setattr__(self, "note", _text(self.note, "the note", required=False))
        if not self.person.strip():
            raise InputError("a rating needs the person it rates")

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "capability": self.capability,
            "label": CAPABILITIES[self.capability],
            "score": self.score,
            "note": self.note,
            "by": self.by,
            "at": self.at.isoformat(),
        }


@dataclasses.dataclass(frozen=True)
class GrowthArea:
    """A growth area: what to get better at, the practice, how progress is measured,
    and the date to look back at it."""

    person: str
    area: str
    practice: str
    measure: str
    due: dt.date
    by: str
    at: dt.datetime
    id: int | None = None

    def to_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "person": self.person,
            "area": self.area,
            "practice": self.practice,
            "measure": self.measure,
            "due": self.due.isoformat(),
            "by": self.by,
            "at": self.at.isoformat(),
        }
        if today is not None:
            data["overdue"] = self.due < today
        return data


def check_growth(
    area: str, practice: str, measure: str, due: dt.date, *, today: dt.date
) -> tuple[str, str, str]:
    """A growth area's texts, cleaned: all three are required (a growth area without a
    practice is a wish, without a measure it cannot be checked), and the date must
    not lie in the past."""
    cleaned = (
        _text(area, "the growth area", required=True),
        _text(practice, "--practice", required=True),
        _text(measure, "--measure", required=True),
    )
    if due < today:
        raise InputError(
            f"--due {due.isoformat()} is in the past; expected today ({today.isoformat()}) "
            "or a later date to look back at it"
        )
    return cleaned


def latest_ratings(ratings: Iterable[Rating]) -> dict[str, Rating]:
    """Each capability's newest rating, by key (capabilities never rated are absent)."""
    newest: dict[str, Rating] = {}
    for rating in sorted(ratings, key=lambda r: r.at):
        newest[rating.capability] = rating
    return newest


def technique_verdict(
    ring: str, decisions: Iterable[tuple[str, str, dt.datetime]], rollout_status: str | None
) -> str | None:
    """``"adopted"``, ``"rejected"`` or ``None`` (no verdict yet) for a technique.

    ``decisions`` are its prototypes' gate decisions as ``(stage, answer, at)``. The
    newest decision that is not NOT YET decides: a YES at the validation or
    integration gate adopts (the team chose to build it for production), a NO
    rejects. Without such a decision the radar speaks: ADOPT (imported, or moved with
    an override) is adopted, HOLD after a prototype is rejected. A completed rollout
    adopts; a rollback after the last decision rejects.
    """
    decided = list(decisions)
    final = [
        (at, stage, answer)
        for stage, answer, at in decided
        if answer == "no" or (answer == "yes" and stage in ("validation", "integration"))
    ]
    if rollout_status == "rolled back":
        return "rejected"
    if rollout_status == "complete":
        return "adopted"
    if final:
        _, _, answer = max(final)
        return "adopted" if answer == "yes" else "rejected"
    if ring == "ADOPT":
        return "adopted"
    if ring == "HOLD" and decided:
        return "rejected"
    return None


@dataclasses.dataclass(frozen=True)
class Funnel:
    """Papers read → prototyped → in production, for a person or the team."""

    who: str
    read: int
    prototyped: int
    production: int

    @property
    def prototype_rate(self) -> float | None:
        return self.prototyped / self.read if self.read else None

    @property
    def production_rate(self) -> float | None:
        return self.production / self.read if self.read else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "who": self.who,
            "read": self.read,
            "prototyped": self.prototyped,
            "production": self.production,
            "prototype_rate": self.prototype_rate,
            "production_rate": self.production_rate,
        }


def funnel(
    who: str,
    papers: Mapping[str, Iterable[str]],
    prototyped: set[str],
    production: set[str],
) -> Funnel:
    """The funnel of ``papers`` (paper key → the techniques it is linked to, names
    folded to lower case by the caller): a paper is prototyped when one of its
    techniques has a prototype, in production when one is adopted or rolled out."""
    read = prototyped_n = production_n = 0
    for techniques in papers.values():
        names = set(techniques)
        read += 1
        prototyped_n += bool(names & prototyped)
        production_n += bool(names & production)
    return Funnel(who, read, prototyped_n, production_n)
