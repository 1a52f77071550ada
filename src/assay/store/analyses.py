"""Stored analyses: each prototype's evidence snapshot (see
:mod:`assay.store.analysis_models`).

The snapshot's ``data`` is the JSON document :mod:`assay.workspace.analyses`
writes and reads; this repository only stores it, with the columns the readers
query (the format, the basis digest, whether every judging run had finished and
when the newest began). The reads are plain SQL over :class:`~assay.store.sql.Sql`
(they are on the radar's, status's and gate review's paths); :func:`put` writes
through the ORM.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from assay.store.sql import Row, Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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


_SNAPSHOT_COLUMNS = "prototype_id, format, basis, finished, newest_run_at, computed_at, data"


def _snapshot(row: Row) -> Snapshot:
    prototype_id, format, basis, finished, newest_run_at, computed_at, data = row
    computed = Sql.datetime(computed_at)
    assert computed is not None
    return Snapshot(
        prototype_id=prototype_id,
        format=format,
        basis=basis,
        finished=bool(finished),
        newest_run_at=Sql.datetime(newest_run_at),
        computed_at=computed,
        data=dict(Sql.json(data)),
    )


def get(sql: Sql, prototype_id: int) -> Snapshot | None:
    """The stored snapshot of the prototype with this id, if there is one."""
    row = sql.one(
        f"SELECT {_SNAPSHOT_COLUMNS} FROM prototype_evidence WHERE prototype_id = :id",
        {"id": prototype_id},
    )
    return None if row is None else _snapshot(row)


def get_many(sql: Sql, prototype_ids: Iterable[int]) -> dict[int, Snapshot]:
    """The stored snapshots of these prototypes, by prototype id (one query)."""
    wanted = sorted(set(prototype_ids))
    if not wanted:
        return {}
    rows = sql.rows(
        f"SELECT {_SNAPSHOT_COLUMNS} FROM prototype_evidence WHERE prototype_id IN (:ids)",
        {"ids": wanted},
    )
    return {row[0]: _snapshot(row) for row in rows}


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
    from assay.store.analysis_models import PrototypeEvidenceRow  # the ORM writes

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
    return Snapshot(prototype_id, format, basis, finished, newest_run_at, at, dict(data))


SNAPSHOT_FORMAT = 2  # 2: the frozen files and the newest decision's pins (issue 10)
"""The format of the evidence snapshots that :mod:`assay.workspace.analyses` writes; a
snapshot in another format is recomputed (see :func:`missing`)."""


def missing(sql: Sql, format: int, *, limit: int | None = None) -> list[str]:
    """The names of the prototypes without a snapshot in ``format``, by name (the
    first ``limit`` of them, when given: opening a workspace asks whether any is)."""
    return [
        name
        for (name,) in sql.rows(
            "SELECT p.name FROM prototypes p"
            " LEFT OUTER JOIN prototype_evidence e ON e.prototype_id = p.id"
            " WHERE e.prototype_id IS NULL OR e.format != :format ORDER BY p.key"
            + ("" if limit is None else f" LIMIT {int(limit)}"),
            {"format": format},
        )
    ]


def newest_by_technique(sql: Sql) -> dict[int, tuple[dt.datetime | None, int]]:
    """For each technique with prototypes: when the newest run that judges one of them
    began (from the stored snapshots), and how many of its prototypes have no snapshot
    (their runs are not counted here)."""
    rows = sql.rows(
        "SELECT p.technique_id, max(e.newest_run_at), count(p.id) - count(e.prototype_id)"
        " FROM prototypes p LEFT OUTER JOIN prototype_evidence e ON e.prototype_id = p.id"
        " GROUP BY p.technique_id"
    )
    return {tid: (Sql.datetime(newest), int(unknown)) for tid, newest, unknown in rows}


@dataclasses.dataclass(frozen=True)
class Backing:
    """A ring move that rests on a gate decision: the technique, the ring it moved
    to, and the decision (its id, prototype and time)."""

    technique_id: int
    to_ring: str
    decision_id: int
    prototype_id: int
    decided_at: dt.datetime


def backings(sql: Sql) -> dict[int, list[Backing]]:
    """Every ring move that rests on a gate decision, by technique, oldest first (one
    query: what the radar's staleness checks for contradicting runs)."""
    rows = sql.rows(
        "SELECT m.technique_id, m.to_ring, d.id, d.prototype_id, d.at FROM ring_moves m"
        " JOIN ring_move_evidence r ON r.move_id = m.id"
        " JOIN gate_decisions d ON d.id = r.decision_id ORDER BY m.id"
    )
    out: dict[int, list[Backing]] = {}
    for technique_id, ring, decision_id, prototype_id, at in rows:
        decided = Sql.datetime(at)
        assert decided is not None
        out.setdefault(technique_id, []).append(
            Backing(technique_id, ring, decision_id, prototype_id, decided)
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


def placed_in(sql: Sql, rings: Iterable[str]) -> list[Placed]:
    """The techniques in ``rings``, by name, each with its newest move's time (two
    queries; the other techniques and the rest of their history are not read)."""
    wanted = sorted(set(rings))
    rows = sql.rows(
        "SELECT id, name, ring FROM techniques WHERE ring IN (:rings)"
        " AND retired_at IS NULL ORDER BY key",
        {"rings": wanted},
    )
    if not rows:
        return []
    moved: dict[int, Any] = dict(
        sql.rows(
            "SELECT technique_id, at FROM ring_moves WHERE id IN ("
            " SELECT max(m.id) FROM ring_moves m JOIN techniques t ON t.id = m.technique_id"
            " WHERE t.ring IN (:rings) GROUP BY m.technique_id)",
            {"rings": wanted},
        )
    )
    return [Placed(tid, name, ring, Sql.datetime(moved.get(tid))) for tid, name, ring in rows]
