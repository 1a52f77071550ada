"""Area owners, learnings and dissent: the rules of issue 16, pure (no store, no clock).

*Share learnings, not just results.* Every prototype, kept or killed, ends with a
learnings entry: what was learned, what surprised, the implicit knowledge that is
in nobody's notes, and advice for the next person. A failed experiment is
institutional memory too, so the entry is **required before a NO is final** (a gate
decision NO on the prototype) and **before a technique goes to SKIP** (one of its
prototypes has an entry). A technique that was never prototyped may be skipped on
its move's reason alone: there is nothing built to learn from.

*Dissent on the record.* A gate decision may be taken without consensus: each
dissent names a known user and their reason (``NAME:reason``). Such a decision is
marked "without consensus" and must be revisited: when no ``on DATE`` revisit-when
condition is given, one is added :data:`DEFAULT_REVISIT_DAYS` after the decision
(:func:`revisit_date`), and the review agenda brings the decision back when the
date comes (:mod:`assay.workspace.watch` reopens it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any

from assay.errors import InputError

__all__ = [
    "DEFAULT_REVISIT_DAYS",
    "AreaOwner",
    "Learning",
    "LearningOutcome",
    "area_key",
    "check_learning",
    "missing_learnings",
    "missing_skip_learnings",
    "parse_dissent",
    "revisit_date",
]

DEFAULT_REVISIT_DAYS = 90
"""Days after a decision without consensus when it is revisited, unless told."""

FIELDS = ("learned", "surprises", "implicit", "advice")
"""The four parts of a learnings entry, as the command's options name them."""


class LearningOutcome(enum.StrEnum):
    """How the prototype ended."""

    KEPT = "kept"
    KILLED = "killed"

    @classmethod
    def parse(cls, text: str) -> LearningOutcome:
        """``kept`` or ``killed``, in any case."""
        key = text.strip().lower()
        for member in cls:
            if member.value == key:
                return member
        raise InputError(f"unknown outcome {text!r}; expected kept or killed")


@dataclasses.dataclass(frozen=True)
class Learning:
    """A learnings entry on a prototype."""

    prototype: str
    technique: str
    learned: str
    surprises: str
    implicit: str
    advice: str
    by: str
    at: dt.datetime
    outcome: LearningOutcome | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "id": self.id,
            "prototype": self.prototype,
            "technique": self.technique,
            "outcome": None if self.outcome is None else self.outcome.value,
            "learned": self.learned,
            "surprises": self.surprises,
            "implicit": self.implicit,
            "advice": self.advice,
            "by": self.by,
            "at": self.at.isoformat(),
        }


@dataclasses.dataclass(frozen=True)
class AreaOwner:
    """Who owns an area of the radar."""

    area: str
    owner: str
    by: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {"area": self.area, "owner": self.owner, "by": self.by, "at": self.at.isoformat()}


def area_key(area: str) -> str:
    """The area as it is looked up: trimmed, inner spaces collapsed, casefolded."""
    return " ".join(area.split()).casefold()


def check_learning(**parts: str) -> dict[str, str]:
    """The four parts trimmed; an :class:`InputError` naming the first empty one (a
    learnings entry that says nothing is no memory; 'none' is an answer)."""
    out = {}
    for name in FIELDS:
        text = (parts.get(name) or "").strip()
        if not text:
            raise InputError(
                f"--{name} is empty; a learnings entry needs all of --learned, --surprises, "
                "--implicit and --advice (write 'none' when there is nothing to say)"
            )
        out[name] = text
    return out


def missing_learnings(prototype: str) -> str:
    """The refusal of a NO on ``prototype`` without a learnings entry."""
    return (
        f"{prototype} has no learnings entry; a NO is final only once the prototype's "
        f"learnings are on the record: assay learning add {prototype} --learned ... "
        "--surprises ... --implicit ... --advice ... --outcome killed"
    )


def missing_skip_learnings(technique: str, prototypes: Sequence[str]) -> str:
    """The refusal of a move to SKIP when none of the technique's prototypes has an entry."""
    names = ", ".join(prototypes)
    first = prototypes[0]
    return (
        f"{technique} cannot move to SKIP: none of its prototypes ({names}) has a learnings "
        f"entry; add one first: assay learning add {first} --learned ... --surprises ... "
        "--implicit ... --advice ... --outcome killed"
    )


def parse_dissent(text: str) -> tuple[str, str]:
    """``NAME:reason`` as (name, reason); an :class:`InputError` otherwise."""
    who, sep, reason = text.partition(":")
    if not sep or not who.strip() or not reason.strip():
        raise InputError(
            f"--dissent {text!r} is not NAME:REASON; for example --dissent "
            "'marco:the P99 gain is within noise'"
        )
    return who.strip(), reason.strip()


def revisit_date(decided: dt.date, days: int = DEFAULT_REVISIT_DAYS) -> dt.date:
    """When a decision without consensus is revisited, unless a date was given."""
    return decided + dt.timedelta(days=days)
