"""Techniques and their ring history: reading and writing rows, returning values.

The reads and the next-action write are plain SQL over :class:`~assay.store.sql.Sql`
(the radar and ``technique next`` must start without SQLAlchemy); adding, editing and
moving write through the ORM :class:`~sqlalchemy.orm.Session` of a unit of work and
read their result back over the same session's connection. Callers get the value
objects of :mod:`assay.pipeline.radar`, :class:`TechniqueRef`, or (:func:`row`, for
an ORM unit of work that links other rows to it) the ORM row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from assay.errors import DuplicateError, NotFoundError
from assay.pipeline.radar import RingMove, Technique
from assay.store.sql import Row, Sql
from assay.types import Ring

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.store.models import TechniqueRow

__all__ = [
    "TechniqueRef",
    "add",
    "all_techniques",
    "documents",
    "edit",
    "get",
    "move",
    "ref",
    "ring_of",
    "row",
    "set_next",
]

_RINGS = {ring.value: ring for ring in Ring}
_COLUMNS = "id, name, area, ring, owner, summary, next_action, due"


@dataclasses.dataclass(frozen=True)
class TechniqueRef:
    """A technique's id, stored name and current ring: what a caller needs to link
    records to it or check a move."""

    id: int
    name: str
    ring: Ring


def _key(name: str) -> str:
    return name.casefold()


def ref(sql: Sql, name: str) -> TechniqueRef:
    """The technique ``name`` (any case; one query, its history not read), or
    :class:`NotFoundError` with a "did you mean" hint."""
    found = sql.one("SELECT id, name, ring FROM techniques WHERE key = :key", {"key": _key(name)})
    if found is None:
        known = [k for (k,) in sql.rows("SELECT name FROM techniques ORDER BY key")]
        hint = _closest(name, known)
        raise NotFoundError(
            f"unknown technique {name!r}"
            + (f"; did you mean {hint!r}?" if hint else "; see: assay technique list")
        )
    return TechniqueRef(found[0], found[1], _RINGS[found[2]])


def row(session: Session, name: str) -> TechniqueRow:
    """The technique's ORM row (any case, its ring moves not loaded), for an ORM unit
    of work that links other rows to it; :class:`NotFoundError` as :func:`ref`."""
    from assay.store.models import TechniqueRow  # the ORM: only its callers pay for it

    found = session.get(TechniqueRow, ref(Sql.of_session(session), name).id)
    assert found is not None
    return found


def _closest(name: str, known: list[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(name.casefold(), [k.casefold() for k in known], n=1)
    if not matches:
        return None
    return next(k for k in known if k.casefold() == matches[0])


def _moves(
    sql: Sql, where: str = "", params: dict[str, object] | None = None
) -> dict[int, list[RingMove]]:
    """Ring moves by technique id, oldest first (one query; a large radar reads
    every move, so the loop is kept tight)."""
    moves: dict[int, list[RingMove]] = {}
    rows = sql.rows(
        "SELECT technique_id, from_ring, to_ring, at, by, why FROM ring_moves"
        f"{where} ORDER BY technique_id, id",
        params,
    )
    when, rings, add = sql.datetimes(), _RINGS, moves.setdefault
    for technique_id, from_ring, to_ring, at, by, why in rows:
        add(technique_id, []).append(
            RingMove(rings[from_ring] if from_ring else None, rings[to_ring], when(at), by, why)
        )
    return moves


def _technique(found: Row, moves: dict[int, list[RingMove]]) -> Technique:
    technique_id, name, area, ring, owner, summary, next_action, due = found
    return Technique(
        name=name,
        area=area,
        ring=_RINGS[ring],
        owner=owner,
        summary=summary,
        next_action=next_action,
        due=Sql.date(due),
        history=tuple(moves.get(technique_id, ())),
    )


def get(sql: Sql, name: str) -> Technique:
    """The technique named ``name`` (any case) with its ring history, or
    :class:`NotFoundError`."""
    found = ref(sql, name)
    technique = sql.one(f"SELECT {_COLUMNS} FROM techniques WHERE id = :id", {"id": found.id})
    assert technique is not None
    return _technique(technique, _moves(sql, " WHERE technique_id = :id", {"id": found.id}))


def all_techniques(sql: Sql) -> list[Technique]:
    """Every technique, ordered by name: two plain queries (techniques, then every
    ring move in order), whatever the number of techniques."""
    moves = _moves(sql)
    return [
        _technique(found, moves)
        for found in sql.rows(f"SELECT {_COLUMNS} FROM techniques ORDER BY key")
    ]


def documents(sql: Sql) -> list[dict[str, Any]]:
    """Every technique, ordered by name, as :meth:`Technique.to_dict
    <assay.pipeline.radar.Technique.to_dict>` writes it, built straight from the rows:
    ``radar --json`` on 10,000 techniques would otherwise spend most of its time
    building values only to turn them back into dictionaries. A test keeps the two
    equal."""
    when = sql.isotimes()
    history: dict[int, list[dict[str, Any]]] = {}
    add = history.setdefault
    query = "SELECT technique_id, from_ring, to_ring, at, by, why FROM ring_moves"
    for technique_id, from_ring, to_ring, at, by, why in sql.rows(
        f"{query} ORDER BY technique_id, id"
    ):
        add(technique_id, []).append(
            {"from": from_ring or None, "to": to_ring, "at": when(at), "by": by, "why": why}
        )
    day = sql.date
    return [
        {
            "name": name,
            "area": area,
            "ring": ring,
            "owner": owner,
            "summary": summary,
            "next_action": next_action,
            "due": None if due is None else day(due).isoformat(),  # type: ignore[union-attr]
            "history": history.get(technique_id, []),
        }
        for technique_id, name, area, ring, owner, summary, next_action, due in sql.rows(
            f"SELECT {_COLUMNS} FROM techniques ORDER BY key"
        )
    ]


def add(
    session: Session,
    *,
    name: str,
    area: str,
    ring: Ring,
    owner: str | None,
    summary: str | None,
    by: str,
    why: str,
    at: dt.datetime,
) -> Technique:
    """Add a technique with its first placement; a taken name is a :class:`DuplicateError`."""
    from sqlalchemy import select

    from assay.store.models import RingMoveRow, TechniqueRow

    existing = session.scalar(select(TechniqueRow.name).where(TechniqueRow.key == _key(name)))
    if existing is not None:
        raise DuplicateError(
            f"a technique named {existing!r} already exists; "
            "pick another name or change it with: assay technique edit"
        )
    row = TechniqueRow(
        name=name,
        key=_key(name),
        area=area,
        ring=ring.value,
        owner=owner,
        summary=summary,
        created_at=at,
        updated_at=at,
    )
    row.moves.append(RingMoveRow(from_ring=None, to_ring=ring.value, at=at, by=by, why=why))
    session.add(row)
    return get(Sql.of_session(session), name)


def edit(
    session: Session,
    name: str,
    *,
    new_name: str | None = None,
    area: str | None = None,
    owner: str | None = None,
    summary: str | None = None,
    at: dt.datetime,
) -> Technique:
    """Change the given fields of a technique; ``None`` leaves a field as it is."""
    from sqlalchemy import select

    from assay.store.models import TechniqueRow

    found = row(session, name)
    if new_name is not None and _key(new_name) != found.key:
        taken = session.scalar(select(TechniqueRow.name).where(TechniqueRow.key == _key(new_name)))
        if taken is not None:
            raise DuplicateError(f"cannot rename {found.name!r}: {taken!r} already exists")
    if new_name is not None:
        found.name, found.key = new_name, _key(new_name)
    if area is not None:
        found.area = area
    if owner is not None:
        found.owner = owner or None
    if summary is not None:
        found.summary = summary or None
    found.updated_at = at
    return get(Sql.of_session(session), found.name)


def move(session: Session, name: str, *, to: Ring, by: str, why: str, at: dt.datetime) -> RingMove:
    """Record a move to ring ``to``; the caller has checked the rules."""
    from assay.store.models import RingMoveRow

    found = row(session, name)
    record = RingMoveRow(from_ring=found.ring, to_ring=to.value, at=at, by=by, why=why)
    found.moves.append(record)
    found.ring = to.value
    found.updated_at = at
    session.flush()
    return RingMove(Ring(record.from_ring) if record.from_ring else None, to, at, by, why)


def set_next(
    sql: Sql, name: str, *, action: str, due: dt.date | None, at: dt.datetime
) -> Technique:
    """Set (or, with an empty ``action``, clear) the next action and its due date."""
    found = ref(sql, name)
    sql.execute(
        "UPDATE techniques SET next_action = :action, due = :due, updated_at = :at WHERE id = :id",
        {
            "action": action or None,
            "due": sql.bind_date(due if action else None),
            "at": sql.bind_datetime(at),
            "id": found.id,
        },
    )
    return get(sql, found.name)


def ring_of(sql: Sql, name: str) -> tuple[str, Ring]:
    """The stored name and current ring of a technique."""
    found = ref(sql, name)
    return found.name, found.ring
