"""Watched metrics, their change points, what decisions watch and reopened decisions.

Reads are plain SQL (:class:`~assay.store.sql.Sql`: ``assay watch``, status and the
review agenda read them on the fast path); writes go through the ORM session of the
write they belong to (a run finishing, a gate decision, a dismissal), so that the
audit trail sees the record tables (``decision_watches``, ``watch_reopenings``).
The tables are described in :mod:`assay.store.watch_models`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from assay.store.sql import Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "Point",
    "Reopening",
    "Series",
    "SeriesKey",
    "Watch",
    "add_reopening",
    "add_watches",
    "append_points",
    "close_reopenings",
    "latest_changes",
    "reopenings",
    "replace_changes",
    "series_changes",
    "series_list",
    "series_points",
    "series_tail",
    "watches",
]


@dataclasses.dataclass(frozen=True, order=True)
class SeriesKey:
    """A watched series: benchmark (the run's name), metric, method and sweep point."""

    benchmark: str
    metric: str
    method: str
    point: str = ""

    def label(self) -> str:
        """``bench latency.p99 fast [n=4]``."""
        where = f" [{self.point}]" if self.point else ""
        return f"{self.benchmark} {self.metric} {self.method}{where}"

    def to_dict(self) -> dict[str, str]:
        """A JSON-able dictionary."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Point:
    """One value of a series, from one run."""

    value: float
    low: float | None
    high: float | None
    run_id: str
    at: dt.datetime
    git_commit: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {**dataclasses.asdict(self), "at": self.at.isoformat()}


@dataclasses.dataclass(frozen=True)
class Series:
    """A series as ``assay watch`` lists it: its last value, size, latest change."""

    key: SeriesKey
    points: int
    last: float
    last_at: dt.datetime
    change: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            **self.key.to_dict(),
            "points": self.points,
            "last": self.last,
            "last_at": self.last_at.isoformat(),
            "latest_change": self.change,
        }


@dataclasses.dataclass(frozen=True)
class Watch:
    """One row of what a decision watches (see ``DecisionWatchRow``)."""

    decision_id: int
    kind: str
    text: str
    metric: str | None
    benchmark: str | None
    method: str | None
    lower_is_better: bool | None
    on: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary; ``checked`` is False for free text."""
        found = dataclasses.asdict(self)
        found["on"] = None if self.on is None else self.on.isoformat()
        return found | {"checked": self.kind != "text"}


@dataclasses.dataclass(frozen=True)
class Reopening:
    """A stored reopening of a decision, open or closed."""

    id: int
    decision_id: int
    key: str
    reason: str
    evidence: dict[str, Any]
    at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: str | None
    closed_why: str | None

    @property
    def open(self) -> bool:
        """Not closed by a new decision or a dismissal."""
        return self.closed_at is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "decision": self.decision_id,
            "reason": self.reason,
            "evidence": self.evidence,
            "at": self.at.isoformat(),
            "open": self.open,
            "closed_at": None if self.closed_at is None else self.closed_at.isoformat(),
            "closed_by": self.closed_by,
            "closed_why": self.closed_why,
        }


# -- writes (ORM) -------------------------------------------------------------------


def append_points(
    session: Session, run_pk: int, at: dt.datetime, commit: str | None, values: Iterable[Any]
) -> None:
    """Append one point per ``(key, value)`` in ``values`` for run ``run_pk``; points
    this run already has (a finish written twice) are replaced."""
    from sqlalchemy import delete

    from assay.store.watch_models import WatchPointRow

    session.execute(delete(WatchPointRow).where(WatchPointRow.run_pk == run_pk))
    session.add_all(
        WatchPointRow(
            benchmark=key.benchmark,
            method=key.method,
            point=key.point,
            metric=key.metric,
            value=value,
            run_pk=run_pk,
            at=at,
            git_commit=commit,
        )
        for key, value in values
    )
    session.flush()


def replace_changes(
    session: Session, key: SeriesKey, found: Sequence[dict[str, Any]], *, since: int = 0
) -> None:
    """Store ``found`` as the change points of ``key`` from position ``since`` on
    (each with ``position``, ``run_pk``, ``at``, ``pvalue``, ``mean_before``,
    ``mean_after`` and ``data``); those before ``since`` are kept."""
    from sqlalchemy import delete

    from assay.store.watch_models import WatchChangeRow

    session.execute(
        delete(WatchChangeRow).where(
            WatchChangeRow.benchmark == key.benchmark,
            WatchChangeRow.metric == key.metric,
            WatchChangeRow.method == key.method,
            WatchChangeRow.point == key.point,
            WatchChangeRow.position >= since,
        )
    )
    session.add_all(WatchChangeRow(**dataclasses.asdict(key), **item) for item in found)
    session.flush()


def add_watches(session: Session, decision_id: int, rows: Iterable[dict[str, Any]]) -> None:
    """Store what decision ``decision_id`` watches (``DecisionWatchRow`` fields)."""
    from assay.store.watch_models import DecisionWatchRow

    session.add_all(DecisionWatchRow(decision_pk=decision_id, **row) for row in rows)
    session.flush()


def add_reopening(
    session: Session,
    decision_id: int,
    key: str,
    reason: str,
    evidence: dict[str, Any],
    at: dt.datetime,
) -> bool:
    """Reopen decision ``decision_id`` for ``key`` unless that key already did
    (open or closed): True when stored."""
    from sqlalchemy import select

    from assay.store.watch_models import WatchReopeningRow

    query = select(WatchReopeningRow.id).where(
        WatchReopeningRow.decision_pk == decision_id, WatchReopeningRow.key == key
    )
    if session.execute(query).first() is not None:
        return False
    session.add(
        WatchReopeningRow(decision_pk=decision_id, key=key, reason=reason, evidence=evidence, at=at)
    )
    session.flush()
    return True


def close_reopenings(
    session: Session, decision_ids: Sequence[int], *, by: str, why: str, at: dt.datetime
) -> int:
    """Close every open reopening of these decisions; how many were open."""
    from sqlalchemy import select

    from assay.store.watch_models import WatchReopeningRow

    if not decision_ids:
        return 0
    rows = session.scalars(
        select(WatchReopeningRow).where(
            WatchReopeningRow.decision_pk.in_(list(decision_ids)),
            WatchReopeningRow.closed_at.is_(None),
        )
    ).all()
    for row in rows:
        row.closed_at, row.closed_by, row.closed_why = at, by, why
    session.flush()
    return len(rows)


# -- reads (plain SQL) ----------------------------------------------------------------

_SERIES = "benchmark = :benchmark AND metric = :metric AND method = :method AND point = :point"


def _series_of(alias: str) -> str:
    """:data:`_SERIES` with the columns of table ``alias``."""
    return " AND ".join(
        f"{alias}.{name} = :{name}" for name in ("benchmark", "metric", "method", "point")
    )


def series_points(sql: Sql, key: SeriesKey) -> list[Point]:
    """The points of a series, oldest first (by the run's time, then insertion)."""
    rows = sql.rows(
        "SELECT p.value, p.low, p.high, r.run_id, p.at, p.git_commit FROM watch_points p "
        f"JOIN runs r ON r.id = p.run_pk WHERE {_series_of('p')} "
        "ORDER BY p.at, p.id",
        key.to_dict(),
    )
    at = sql.datetimes()
    return [Point(v, lo, hi, run_id, at(when), commit) for v, lo, hi, run_id, when, commit in rows]


def series_tail(
    sql: Sql, key: SeriesKey, limit: int
) -> tuple[int, list[tuple[float, int, dt.datetime]]]:
    """The number of points of a series, and the value, run number and time of its
    newest ``limit`` points, oldest first, in the order of :func:`series_points`
    (what change points are computed from; two indexed queries, whatever the size)."""
    total = int(sql.scalar(f"SELECT COUNT(*) FROM watch_points WHERE {_SERIES}", key.to_dict()))
    rows = sql.rows(
        f"SELECT value, run_pk, at FROM watch_points WHERE {_SERIES} "
        "ORDER BY at DESC, id DESC LIMIT :limit",
        {**key.to_dict(), "limit": limit},
    )
    at = sql.datetimes()
    return total, [(float(value), int(pk), at(when)) for value, pk, when in reversed(rows)]


def series_changes(sql: Sql, key: SeriesKey) -> list[dict[str, Any]]:
    """The stored change points of a series, oldest first, each with its run id."""
    rows = sql.rows(
        "SELECT c.position, r.run_id, c.at, c.data FROM watch_changes c JOIN runs r "
        f"ON r.id = c.run_pk WHERE {_series_of('c')} "
        "ORDER BY c.position",
        key.to_dict(),
    )
    at = sql.datetimes()
    return [
        {**sql.json(data), "index": position, "run_id": run_id, "at": at(when).isoformat()}
        for position, run_id, when, data in rows
    ]


def latest_changes(sql: Sql) -> dict[SeriesKey, dict[str, Any]]:
    """The latest change point of every series that has one."""
    rows = sql.rows(
        "SELECT c.benchmark, c.metric, c.method, c.point, c.position, r.run_id, c.at, c.data "
        "FROM watch_changes c JOIN runs r ON r.id = c.run_pk ORDER BY c.position"
    )
    at = sql.datetimes()
    return {
        SeriesKey(b, m, meth, p): {
            **sql.json(data),
            "index": pos,
            "run_id": run_id,
            "at": at(when).isoformat(),
        }
        for b, m, meth, p, pos, run_id, when, data in rows
    }


def series_list(
    sql: Sql, *, benchmark: str | None = None, metric: str | None = None
) -> list[Series]:
    """Every series (optionally of one benchmark or metric) with its size, last value
    and latest change point, sorted by key."""
    where, params = [], {}
    if benchmark is not None:
        where.append("benchmark = :benchmark")
        params["benchmark"] = benchmark
    if metric is not None:
        where.append("metric = :metric")
        params["metric"] = metric
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = sql.rows(
        "SELECT benchmark, metric, method, point, value, at FROM watch_points "
        f"{clause} ORDER BY at, id",
        params,
    )
    at = sql.datetimes()
    count: dict[SeriesKey, int] = {}
    last: dict[SeriesKey, tuple[float, dt.datetime]] = {}
    for b, m, meth, p, value, when in rows:
        key = SeriesKey(b, m, meth, p)
        count[key] = count.get(key, 0) + 1
        last[key] = (float(value), at(when))
    changes = latest_changes(sql)
    return [
        Series(key, count[key], last[key][0], last[key][1], changes.get(key))
        for key in sorted(count)
    ]


def watches(
    sql: Sql, *, decision_ids: Sequence[int] | None = None, benchmark: str | None = None
) -> list[Watch]:
    """What decisions watch: of these decisions, or the metric rows of one benchmark
    (with every date, change and criteria condition when ``benchmark`` is given)."""
    text = (
        "SELECT decision_pk, kind, text, metric, benchmark, method, lower_is_better, on_date "
        "FROM decision_watches"
    )
    params: dict[str, Any] = {}
    if decision_ids is not None:
        text += " WHERE decision_pk IN (:ids)"
        params["ids"] = list(decision_ids)
    elif benchmark is not None:
        text += " WHERE benchmark = :benchmark OR kind IN ('change', 'criteria')"
        params["benchmark"] = benchmark
    rows = sql.rows(text + " ORDER BY id", params)
    return [
        Watch(int(d), k, t, m, b, meth, sql.boolean(lib), sql.date(on))
        for d, k, t, m, b, meth, lib, on in rows
    ]


def reopenings(
    sql: Sql, *, decision_ids: Sequence[int] | None = None, open_only: bool = False
) -> list[Reopening]:
    """Stored reopenings, oldest first (of these decisions; only the open ones)."""
    where = []
    params: dict[str, Any] = {}
    if decision_ids is not None:
        where.append("decision_pk IN (:ids)")
        params["ids"] = list(decision_ids)
    if open_only:
        where.append("closed_at IS NULL")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = sql.rows(
        "SELECT id, decision_pk, key, reason, evidence, at, closed_at, closed_by, closed_why "
        f"FROM watch_reopenings{clause} ORDER BY at, id",
        params,
    )
    return [
        Reopening(
            int(pk),
            int(d),
            key,
            reason,
            sql.json(evidence),
            sql.datetime(at) or dt.datetime.min.replace(tzinfo=dt.UTC),
            sql.datetime(closed),
            by,
            why,
        )
        for pk, d, key, reason, evidence, at, closed, by, why in rows
    ]
