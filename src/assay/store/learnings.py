"""Area owners, learnings entries and the dissents of gate decisions in the store
(issue 16).

Reads are plain SQL over :class:`~assay.store.sql.Sql` (the radar shows owners on
its hot path, and the gate's refusal of a NO reads whether an entry exists inside the
deciding transaction); writes go through the ORM (:mod:`assay.store.learning_models`),
so that the audit trail records them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assay.pipeline.learnings import AreaOwner, Learning, LearningOutcome, area_key
from assay.store.sql import Row, Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "add_learning",
    "areas",
    "dissents_of",
    "learned_prototypes",
    "learnings",
    "owner_of",
    "owners",
    "set_owner",
    "technique_prototypes",
]

_LEARNINGS = """
SELECT l.id, p.name, t.name, l.outcome, l.learned, l.surprises, l.implicit, l.advice,
       l.by, l.at
FROM learnings l JOIN prototypes p ON p.id = l.prototype_id
JOIN techniques t ON t.id = p.technique_id
"""


def _learning(sql: Sql, row: Row) -> Learning:
    id_, prototype, technique, outcome, learned, surprises, implicit, advice, by, at = row
    when = sql.datetime(at)
    assert when is not None  # NOT NULL
    return Learning(
        prototype=prototype,
        technique=technique,
        learned=learned,
        surprises=surprises,
        implicit=implicit,
        advice=advice,
        by=by,
        at=when,
        outcome=None if outcome is None else LearningOutcome(outcome),
        id=int(id_),
    )


def learnings(
    sql: Sql,
    *,
    prototype_id: int | None = None,
    technique_id: int | None = None,
    learning_id: int | None = None,
) -> list[Learning]:
    """Learnings entries, oldest first: all, one prototype's, one technique's or one."""
    where, params = [], {}
    if prototype_id is not None:
        where.append("l.prototype_id = :prototype")
        params["prototype"] = prototype_id
    if technique_id is not None:
        where.append("p.technique_id = :technique")
        params["technique"] = technique_id
    if learning_id is not None:
        where.append("l.id = :id")
        params["id"] = learning_id
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    return [_learning(sql, row) for row in sql.rows(_LEARNINGS + clause + " ORDER BY l.id", params)]


def technique_prototypes(sql: Sql, technique_id: int) -> list[str]:
    """The names of the technique's prototypes, oldest first."""
    rows = sql.rows(
        "SELECT name FROM prototypes WHERE technique_id = :id ORDER BY id", {"id": technique_id}
    )
    return [str(r[0]) for r in rows]


def learned_prototypes(sql: Sql, prototype_ids: Sequence[int]) -> set[int]:
    """Those of ``prototype_ids`` that have at least one learnings entry."""
    if not prototype_ids:
        return set()
    rows = sql.rows(
        "SELECT DISTINCT prototype_id FROM learnings WHERE prototype_id IN (:ids)",
        {"ids": list(prototype_ids)},
    )
    return {int(r[0]) for r in rows}


def add_learning(session: Session, prototype_id: int, learning: Learning) -> int:
    """Append ``learning`` to the prototype (its ``prototype``, ``technique`` and ``id``
    are ignored); its id."""
    from assay.store.learning_models import LearningRow  # the ORM writes

    row = LearningRow(
        prototype_id=prototype_id,
        outcome=None if learning.outcome is None else learning.outcome.value,
        learned=learning.learned,
        surprises=learning.surprises,
        implicit=learning.implicit,
        advice=learning.advice,
        by=learning.by,
        at=learning.at,
    )
    session.add(row)
    session.flush()
    return row.id


def owners(sql: Sql) -> list[AreaOwner]:
    """Every area with an owner, by area."""
    when = sql.datetimes()
    rows = sql.rows("SELECT area, owner, by, at FROM area_owners ORDER BY key")
    return [AreaOwner(area, owner, by, when(at)) for area, owner, by, at in rows]


def owner_of(sql: Sql, area: str) -> str | None:
    """The owner of ``area`` (any case), or ``None``."""
    found = sql.scalar("SELECT owner FROM area_owners WHERE key = :key", {"key": area_key(area)})
    return None if found is None else str(found)


def areas(sql: Sql) -> dict[str, str]:
    """The areas of the radar's techniques (not retired): key -> the name as written."""
    rows = sql.rows("SELECT DISTINCT area FROM techniques WHERE retired_at IS NULL ORDER BY area")
    found: dict[str, str] = {}
    for (area,) in rows:  # two spellings of one area: the first in order names it
        found.setdefault(area_key(str(area)), str(area))
    return found


def set_owner(session: Session, area: str, owner: str, *, by: str, at: dt.datetime) -> AreaOwner:
    """Make ``owner`` the owner of ``area`` (replacing any owner before)."""
    from assay.store.learning_models import AreaOwnerRow

    key = area_key(area)
    row = session.get(AreaOwnerRow, key)
    if row is None:
        row = AreaOwnerRow(key=key, area=area, owner=owner, by=by, at=at)
        session.add(row)
    else:
        row.area, row.owner, row.by, row.at = area, owner, by, at
    session.flush()
    return AreaOwner(area, owner, by, at)


def dissents_of(sql: Sql, decision_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """The dissents of those of ``decision_ids`` that have any, by decision."""
    if not decision_ids:
        return {}
    rows = sql.rows(
        "SELECT id, dissents FROM gate_decisions WHERE id IN (:ids) AND dissents IS NOT NULL",
        {"ids": sorted(set(decision_ids))},
    )
    out = {}
    for id_, value in rows:
        pairs = [(str(who), str(why)) for who, why in sql.json(value) or ()]
        if pairs:
            out[int(id_)] = pairs
    return out
