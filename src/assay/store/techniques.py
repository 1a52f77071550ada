"""Techniques and their ring history: reading and writing rows, returning values.

Functions take an open :class:`~sqlalchemy.orm.Session` from
:meth:`assay.store.Database.read` or ``.write`` and return the value objects of
:mod:`assay.pipeline.radar`; callers never see rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assay.errors import DuplicateError, NotFoundError
from assay.pipeline.radar import RingMove, Technique
from assay.store.models import RingMoveRow, TechniqueRow
from assay.types import Ring

__all__ = ["add", "all_techniques", "edit", "get", "move", "ring_of", "row", "set_next"]


def _key(name: str) -> str:
    return name.casefold()


def _row(session: Session, name: str, *, moves: bool = True) -> TechniqueRow:
    query = select(TechniqueRow).where(TechniqueRow.key == _key(name))
    if moves:
        query = query.options(selectinload(TechniqueRow.moves))
    found = session.scalar(query)
    if found is None:
        known = session.scalars(select(TechniqueRow.name).order_by(TechniqueRow.key)).all()
        hint = _closest(name, list(known))
        raise NotFoundError(
            f"unknown technique {name!r}"
            + (f"; did you mean {hint!r}?" if hint else "; see: assay technique list")
        )
    return found


def row(session: Session, name: str) -> TechniqueRow:
    """The technique's row (any case; one query, its ring moves not loaded), for a
    caller that needs its id, or :class:`NotFoundError` with a "did you mean" hint."""
    return _row(session, name, moves=False)


def _closest(name: str, known: list[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(name.casefold(), [k.casefold() for k in known], n=1)
    if not matches:
        return None
    return next(k for k in known if k.casefold() == matches[0])


def _value(row: TechniqueRow) -> Technique:
    history = tuple(
        RingMove(
            from_ring=Ring(move.from_ring) if move.from_ring else None,
            to_ring=Ring(move.to_ring),
            at=move.at,
            by=move.by,
            why=move.why,
        )
        for move in row.moves
    )
    return Technique(
        name=row.name,
        area=row.area,
        ring=Ring(row.ring),
        owner=row.owner,
        summary=row.summary,
        next_action=row.next_action,
        due=row.due,
        history=history,
    )


def get(session: Session, name: str) -> Technique:
    """The technique named ``name`` (any case), or :class:`NotFoundError`."""
    return _value(_row(session, name))


def all_techniques(session: Session) -> list[Technique]:
    """Every technique, ordered by name.

    Two plain queries (techniques, then every ring move in order) rather than ORM
    objects, run on the session's connection (no ORM result processing, about half
    the time per row): the radar of a large team reads thousands of rows on every
    command.
    """
    connection = session.connection()
    moves: dict[int, list[RingMove]] = {}
    move_rows = connection.execute(
        select(
            RingMoveRow.technique_id,
            RingMoveRow.from_ring,
            RingMoveRow.to_ring,
            RingMoveRow.at,
            RingMoveRow.by,
            RingMoveRow.why,
        ).order_by(RingMoveRow.technique_id, RingMoveRow.id)
    )
    rings = {ring.value: ring for ring in Ring}
    for technique_id, from_ring, to_ring, at, by, why in move_rows:
        moves.setdefault(technique_id, []).append(
            RingMove(
                from_ring=rings[from_ring] if from_ring else None,
                to_ring=rings[to_ring],
                at=at,
                by=by,
                why=why,
            )
        )
    rows = connection.execute(
        select(
            TechniqueRow.id,
            TechniqueRow.name,
            TechniqueRow.area,
            TechniqueRow.ring,
            TechniqueRow.owner,
            TechniqueRow.summary,
            TechniqueRow.next_action,
            TechniqueRow.due,
        ).order_by(TechniqueRow.key)
    )
    return [
        Technique(
            name=name,
            area=area,
            ring=rings[ring],
            owner=owner,
            summary=summary,
            next_action=next_action,
            due=due,
            history=tuple(moves.get(technique_id, ())),
        )
        for technique_id, name, area, ring, owner, summary, next_action, due in rows
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
    session.flush()
    return _value(row)


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
    row = _row(session, name)
    if new_name is not None and _key(new_name) != row.key:
        taken = session.scalar(select(TechniqueRow.name).where(TechniqueRow.key == _key(new_name)))
        if taken is not None:
            raise DuplicateError(f"cannot rename {row.name!r}: {taken!r} already exists")
    if new_name is not None:
        row.name, row.key = new_name, _key(new_name)
    if area is not None:
        row.area = area
    if owner is not None:
        row.owner = owner or None
    if summary is not None:
        row.summary = summary or None
    row.updated_at = at
    session.flush()
    return _value(row)


def move(session: Session, name: str, *, to: Ring, by: str, why: str, at: dt.datetime) -> RingMove:
    """Record a move to ring ``to``; the caller has checked the rules."""
    row = _row(session, name)
    record = RingMoveRow(from_ring=row.ring, to_ring=to.value, at=at, by=by, why=why)
    row.moves.append(record)
    row.ring = to.value
    row.updated_at = at
    session.flush()
    return RingMove(Ring(record.from_ring) if record.from_ring else None, to, at, by, why)


def set_next(
    session: Session, name: str, *, action: str, due: dt.date | None, at: dt.datetime
) -> Technique:
    """Set (or, with an empty ``action``, clear) the next action and its due date."""
    row = _row(session, name)
    row.next_action = action or None
    row.due = due if action else None
    row.updated_at = at
    session.flush()
    return _value(row)


def ring_of(session: Session, name: str) -> tuple[str, Ring]:
    """The stored name and current ring of a technique."""
    row = _row(session, name)
    return row.name, Ring(row.ring)
