"""Stored analyses: each prototype's evidence snapshot (see
:mod:`assay.store.analysis_models`).

The snapshot's ``data`` is the JSON document :mod:`assay.workspace.analyses`
writes and reads; this repository only stores it, with the columns the readers
query (the format, the basis digest, whether every judging run had finished and
when the newest began).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.store.analysis_models import PrototypeEvidenceRow
from assay.store.decision_models import DecisionRow, PrototypeRow, RadarEvidenceRow
from assay.store.models import RingMoveRow, TechniqueRow

__all__ = [
    "SNAPSHOT_FORMAT",
    "Backing",
    "Placed",
    "Snapshot",
    "backings",
    "get",
    "get_many",
    "missing",
    "newest_by_technique",
    "placed_in",
    "put",
]


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """A prototype's stored evidence snapshot, as written by the workspace."""

    prototype_id: int
    format: int
    basis: str
    finished: bool
    newest_run_at: dt.datetime | None
    computed_at: dt.datetime
    data: dict[str, Any]


def _snapshot(row: PrototypeEvidenceRow) -> Snapshot:
    return Snapshot(
        prototype_id=row.prototype_id,
        format=row.format,
        basis=row.basis,
        finished=row.finished,
        newest_run_at=row.newest_run_at,
        computed_at=row.computed_at,
        data=dict(row.data),
    )


def get(session: Session, prototype_id: int) -> Snapshot | None:
    """The stored snapshot of the prototype with this id, if there is one."""
    row = session.get(PrototypeEvidenceRow, prototype_id)
    return None if row is None else _snapshot(row)


def get_many(session: Session, prototype_ids: Iterable[int]) -> dict[int, Snapshot]:
    """The stored snapshots of these prototypes, by prototype id (one query)."""
    wanted = sorted(set(prototype_ids))
    if not wanted:
        return {}
    rows = session.scalars(
        select(PrototypeEvidenceRow).where(PrototypeEvidenceRow.prototype_id.in_(wanted))
    )
    return {row.prototype_id: _snapshot(row) for row in rows}


def put(
    session: Session,
    prototype_id: int,
    *,
    format: int,
    basis: str,
    finished: bool,
    newest_run_at: dt.datetime | None,
    data: dict[str, Any],
    at: dt.datetime,
) -> Snapshot:
    """Store (or replace) the prototype's snapshot in the caller's transaction."""
    row = session.get(PrototypeEvidenceRow, prototype_id)
    if row is None:
        row = PrototypeEvidenceRow(prototype_id=prototype_id)
        session.add(row)
    row.format = format
    row.basis = basis
    row.finished = finished
    row.newest_run_at = newest_run_at
    row.computed_at = at
    row.data = data
    session.flush()
    return _snapshot(row)


SNAPSHOT_FORMAT = 2  # 2: the frozen files and the newest decision's pins (issue 10)
"""The format of the evidence snapshots that :mod:`assay.workspace.analyses` writes; a
snapshot in another format is recomputed (see :func:`missing`)."""


def missing(session: Session, format: int) -> list[str]:
    """The names of the prototypes without a snapshot in ``format``, by name."""
    rows = session.scalars(
        select(PrototypeRow.name)
        .outerjoin(PrototypeEvidenceRow, PrototypeEvidenceRow.prototype_id == PrototypeRow.id)
        .where(
            (PrototypeEvidenceRow.prototype_id.is_(None)) | (PrototypeEvidenceRow.format != format)
        )
        .order_by(PrototypeRow.key)
    )
    return list(rows)


def newest_by_technique(session: Session) -> dict[int, tuple[dt.datetime | None, int]]:
    """For each technique with prototypes: when the newest run that judges one of them
    began (from the stored snapshots), and how many of its prototypes have no snapshot
    (their runs are not counted here)."""
    query = (
        select(
            PrototypeRow.technique_id,
            func.max(PrototypeEvidenceRow.newest_run_at),
            func.count(PrototypeRow.id) - func.count(PrototypeEvidenceRow.prototype_id),
        )
        .outerjoin(PrototypeEvidenceRow, PrototypeEvidenceRow.prototype_id == PrototypeRow.id)
        .group_by(PrototypeRow.technique_id)
    )
    return {tid: (newest, int(unknown)) for tid, newest, unknown in session.execute(query)}


@dataclasses.dataclass(frozen=True)
class Backing:
    """A ring move that rests on a gate decision: the technique, the ring it moved
    to, and the decision (its id, prototype and time)."""

    technique_id: int
    to_ring: str
    decision_id: int
    prototype_id: int
    decided_at: dt.datetime


def backings(session: Session) -> dict[int, list[Backing]]:
    """Every ring move that rests on a gate decision, by technique, oldest first (one
    query: what the radar's staleness checks for contradicting runs)."""
    rows = session.execute(
        select(
            RingMoveRow.technique_id,
            RingMoveRow.to_ring,
            DecisionRow.id,
            DecisionRow.prototype_id,
            DecisionRow.at,
        )
        .join(RadarEvidenceRow, RadarEvidenceRow.move_id == RingMoveRow.id)
        .join(DecisionRow, DecisionRow.id == RadarEvidenceRow.decision_id)
        .order_by(RingMoveRow.id)
    )
    out: dict[int, list[Backing]] = {}
    for technique_id, ring, decision_id, prototype_id, at in rows:
        out.setdefault(technique_id, []).append(
            Backing(technique_id, ring, decision_id, prototype_id, at)
        )
    return out


@dataclasses.dataclass(frozen=True)
class Placed:
    """A technique in one of some rings: its id, name, ring and when its newest ring
    move was made (``None`` without any)."""

    technique_id: int
    name: str
    ring: str
    placed_at: dt.datetime | None


def placed_in(session: Session, rings: Iterable[str]) -> list[Placed]:
    """The techniques in ``rings``, by name, each with its newest move's time (two
    queries; the other techniques and the rest of their history are not read)."""
    wanted = sorted(set(rings))
    rows = session.execute(
        select(TechniqueRow.id, TechniqueRow.name, TechniqueRow.ring)
        .where(TechniqueRow.ring.in_(wanted))
        .order_by(TechniqueRow.key)
    ).all()
    if not rows:
        return []
    newest = (
        select(func.max(RingMoveRow.id))
        .join(TechniqueRow, TechniqueRow.id == RingMoveRow.technique_id)
        .where(TechniqueRow.ring.in_(wanted))
        .group_by(RingMoveRow.technique_id)
    )
    moved = dict(
        session.execute(
            select(RingMoveRow.technique_id, RingMoveRow.at).where(RingMoveRow.id.in_(newest))
        ).all()
    )
    return [Placed(tid, name, ring, moved.get(tid)) for tid, name, ring in rows]
