"""Techniques and their ring history: reading and writing rows, returning values.

The reads and the next-action write are plain SQL over :class:`~assay.store.sql.Sql`
(the radar and ``technique next`` must start without SQLAlchemy); adding, editing and
moving write through the ORM :class:`~sqlalchemy.orm.Session` of a unit of work and
read their result back over the same session's connection. Callers get the value
objects of :mod:`assay.pipeline.radar`, :class:`TechniqueRef`, or (:func:`row`, for
an ORM unit of work that links other rows to it) the ORM row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from assay.errors import DuplicateError, InputError, NotFoundError
from assay.pipeline.radar import RingMove, Technique
from assay.store.sql import Row, Sql
from assay.types import Ring

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.store import audit
    from assay.store.models import TechniqueRow

__all__ = [
    "TechniqueRef",
    "add",
    "all_techniques",
    "documents",
    "edit",
    "get",
    "last_review",
    "move",
    "radar_extras",
    "ref",
    "retired",
    "ring_of",
    "row",
    "set_next",
    "set_tags",
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


def ref(sql: Sql, name: str, *, retired: bool = False) -> TechniqueRef:
    """The technique ``name`` (any case; one query, its history not read), or
    :class:`NotFoundError` with a "did you mean" hint. A retired technique is not
    found (an :class:`InputError` says so) unless ``retired`` is True."""
    found = sql.one(
        "SELECT id, name, ring, retired_at FROM techniques WHERE key = :key", {"key": _key(name)}
    )
    if found is not None and found[3] is not None and not retired:
        raise InputError(
            f"technique {found[1]!r} is retired; unretire it first: "
            f"assay technique retire {found[1]!r} --undo"
        )
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


def get(sql: Sql, name: str, *, retired: bool = False) -> Technique:
    """The technique named ``name`` (any case) with its ring history, or
    :class:`NotFoundError` (a retired one only when ``retired``: see :func:`ref`)."""
    found = ref(sql, name, retired=retired)
    technique = sql.one(f"SELECT {_COLUMNS} FROM techniques WHERE id = :id", {"id": found.id})
    assert technique is not None
    return _technique(technique, _moves(sql, " WHERE technique_id = :id", {"id": found.id}))


def _listed(include_retired: bool) -> str:
    """The techniques a list shows: those not retired, unless ``include_retired``."""
    where = "" if include_retired else " WHERE retired_at IS NULL"
    return f"SELECT {_COLUMNS} FROM techniques{where} ORDER BY key"


def all_techniques(sql: Sql, *, include_retired: bool = False) -> list[Technique]:
    """Every technique not retired (all with ``include_retired``), ordered by name:
    two plain queries (techniques, then every ring move in order), whatever the
    number of techniques."""
    moves = _moves(sql)
    return [_technique(found, moves) for found in sql.rows(_listed(include_retired))]


def documents(sql: Sql, *, include_retired: bool = False) -> list[dict[str, Any]]:
    """Every technique not retired (all with ``include_retired``), ordered by name,
    as :meth:`Technique.to_dict <assay.pipeline.radar.Technique.to_dict>` writes it,
    built straight from the rows:
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
            _listed(include_retired)
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

    existing = session.execute(
        select(TechniqueRow.name, TechniqueRow.retired_at).where(TechniqueRow.key == _key(name))
    ).first()
    if existing is not None and existing[1] is not None:
        raise DuplicateError(
            f"a retired technique is named {existing[0]!r}; choose another name, or unretire "
            f"it: assay technique retire {existing[0]!r} --undo"
        )
    if existing is not None:
        raise DuplicateError(
            f"a technique named {existing[0]!r} already exists; "
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
    if new_name is not None and new_name != found.name:
        former = found.name
        found.name, found.key = new_name, _key(new_name)
        _rename_texts(session, found.id, former, new_name)
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
    sql: Sql,
    name: str,
    *,
    action: str,
    due: dt.date | None,
    at: dt.datetime,
    who: audit.Who | None = None,
) -> Technique:
    """Set (or, with an empty ``action``, clear) the next action and its due date.

    Plain SQL, so the audit entry is appended here, as ``who`` (``None``: inside an
    ORM write that took the technique on its audit trail already, as an import does).
    """
    from assay.store import audit  # here: the radar's reads never need it

    found = ref(sql, name)
    before = {(found.id,): audit.image(sql, "techniques", (found.id,))} if who else {}
    sql.execute(
        "UPDATE techniques SET next_action = :action, due = :due, updated_at = :at WHERE id = :id",
        {
            "action": action or None,
            "due": sql.bind_date(due if action else None),
            "at": sql.bind_datetime(at),
            "id": found.id,
        },
    )
    if who is not None:
        audit.append(sql, who, audit.changes_since(sql, "techniques", before), at)
    return get(sql, found.name)


def ring_of(sql: Sql, name: str) -> tuple[str, Ring]:
    """The stored name and current ring of a technique."""
    found = ref(sql, name)
    return found.name, found.ring


def retired(sql: Sql) -> dict[str, tuple[dt.datetime, str, str]]:
    """The retired techniques: name -> (when, by whom, why), by name."""
    found = {}
    for name, at, by, why in sql.rows(
        "SELECT name, retired_at, retired_by, retired_why FROM techniques"
        " WHERE retired_at IS NOT NULL ORDER BY key"
    ):
        when = sql.datetime(at)
        assert when is not None
        found[name] = (when, by or "", why or "")
    return found


def _tags(value: Any) -> tuple[str, ...]:
    """A technique's tags as stored in ``fields["tags"]``: a list of strings (a
    single string is one tag; anything else none)."""
    if isinstance(value, str) and value.startswith("["):
        with contextlib.suppress(ValueError):  # else one tag that starts with a bracket
            value = Sql.json(value)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def radar_extras(sql: Sql) -> dict[str, tuple[dt.datetime | None, tuple[str, ...]]]:
    """What the radar's history and filters need beyond :func:`documents`: for each
    technique that is retired or tagged, name -> (when it was retired, its tags).

    Tags are ``fields["tags"]`` (a list of strings), read by the database's own JSON
    operator so that the rest of an imported radar's fields is never parsed."""
    tags = "json_extract(fields, '$.tags')" if sql.dialect == "sqlite" else "fields -> 'tags'"
    found: dict[str, tuple[dt.datetime | None, tuple[str, ...]]] = {}
    for name, at, value in sql.rows(
        f"SELECT name, retired_at, {tags} FROM techniques"
        f" WHERE retired_at IS NOT NULL OR {tags} IS NOT NULL"
    ):
        found[name] = (sql.datetime(at), _tags(value))
    return found


def set_tags(session: Session, name: str, tags: list[str], *, at: dt.datetime) -> None:
    """Store a technique's tags in ``fields["tags"]`` (an empty list removes them),
    keeping the rest of its fields."""
    found = row(session, name)
    kept = {k: v for k, v in (found.fields or {}).items() if k != "tags"}
    found.fields = (kept | {"tags": tags}) if tags else (kept or None)
    found.updated_at = at
    session.flush()


def last_review(sql: Sql, day: dt.date) -> dt.date | None:
    """The day of the newest review meeting held on or before ``day``, if any (the
    radar's movement marks count from it)."""
    held = sql.scalar(
        "SELECT MAX(held_on) FROM review_meetings WHERE held_on <= :day",
        {"day": sql.bind_date(day)},
    )
    return Sql.date(held)


def _rename_texts(session: Session, technique_id: int, former: str, new: str) -> None:
    """Rewrite where a renamed technique's name is kept as text (everything else
    points at it by id): its post-mortems' subject, and the predictions' tags that
    were its name (tags are lower case)."""
    from sqlalchemy import select

    from assay.store.research_models import PostMortemRow, PredictionRow

    key = former.casefold()
    subjects = select(PostMortemRow).where(PostMortemRow.technique_id == technique_id)
    for pm in session.scalars(subjects):
        if pm.subject.casefold() == key:
            pm.subject = new
    old_tag, new_tag = former.strip().lower(), new.strip().lower()
    for prediction in session.scalars(select(PredictionRow)):
        if old_tag in prediction.tags:
            tags = [new_tag if t == old_tag else t for t in prediction.tags]
            prediction.tags = list(dict.fromkeys(tags))
    session.flush()
