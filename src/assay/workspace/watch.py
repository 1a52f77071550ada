"""Decisions that stay true (issue 14, part 3), reached as ``workspace.watch``.

**Series, written on write.** Every run that finishes or is imported (``bench run``,
``bench resume``, ``bench import``, ``POST /api/runs``: they meet in
:mod:`assay.workspace.runs`) appends, in its own write, one point per (benchmark,
method, sweep point, metric) to the watched history (:func:`record_run`): the
median of the run's trial values (``time`` gives ``latency``, and its pooled
per-call percentiles ``latency.p99`` ...; see :func:`assay.pipeline.revisit.summary_series`),
the run's time (when it began) and its git commit. The benchmark is the run's name,
stable across runs of one file. The change points of the series the run touched are
then recomputed (:func:`assay.stats.changepoint.change_points`) and stored; reads
never recompute. Runs stored before the history existed are added once, by the
first ``assay watch check`` (:meth:`WatchBook.check`).

**What a decision watches** is stored with it (:func:`record_decision`): the metrics
its prototype's criteria name, for the benchmark and candidate method of the runs it
was decided on, with the harmful direction; and its parsed revisit-when conditions
(:mod:`assay.pipeline.revisit`).

**Reopening.** Only the newest decision on a prototype can be reopened. A change
point after the decision on a watched metric in the harmful direction (either
direction for ``change(METRIC)``), a criteria condition that holds on the newest
evidence of the prototype (checked when a run that judges it is written), or a date
reached (shown at read time; stored by ``assay watch check``) reopens it, once per
change point or condition; a series that already holds an open reopening of the
decision adds none; a change point reopens only once :data:`CONFIRM` runs stand
from it on. A new decision on the prototype closes its open reopenings;
``assay watch dismiss`` (approver) closes them with a reason. Recording points and
reopenings happens inside the run's own write, under the run's permission.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assay.errors import InputError, NotFoundError
from assay.pipeline.revisit import Condition, series_metric, summary_series
from assay.store import watch as watch_rows
from assay.store.sql import Sql
from assay.store.watch import Point, Reopening, Series, SeriesKey
from assay.workspace.reopening import (
    check_conditions,
    check_criteria,
    current_decisions,
    decisions_by_prototype,
    reopen_on_changes,
)
from assay.workspace.users import authorize

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.store.prototype_reads import PrototypeRecord
    from assay.workspace.context import Context

__all__ = [
    "Reopened",
    "SeriesHistory",
    "WatchBook",
    "check_conditions",
    "point_label",
    "record_decision",
    "record_run",
    "reopened",
]

TAIL = 500
"""How many of a series' newest points a write searches for change points: those
found earlier in the series are kept as stored, so that appending to a long history
costs the same as to a short one."""

MIN_CHANGE = 0.02
"""The smallest shift of a series' level (relative) reported as a change point. On
pure noise of 1% the change-point test alone finds a shift in about 10 of 100
series of 100 points, nearly all smaller than this; with it, about 1 of 100 (see
``docs/watch.md``). A decision should not be reopened by a shift nobody would act on."""


def point_label(params: dict[str, Any]) -> str:
    """``n=4096, k=8`` for a sweep point (``""`` without parameters)."""
    return ", ".join(f"{k}={params[k]}" for k in sorted(params))


@dataclasses.dataclass(frozen=True)
class Reopened:
    """A reopened decision as people read it: the decision, why, the evidence."""

    decision_id: int
    prototype: str
    technique: str
    stage: str
    answer: str
    decided_at: dt.datetime
    reason: str
    evidence: dict[str, Any]
    at: dt.datetime
    stored: bool

    def line(self) -> str:
        """One line: ``technique: decision 3 (YES at validation) reopened: reason``."""
        return (
            f"{self.technique}: decision {self.decision_id} ({self.answer.upper()} at the "
            f"{self.stage} gate, {self.decided_at:%Y-%m-%d}) reopened: {self.reason}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "decision": self.decision_id,
            "prototype": self.prototype,
            "technique": self.technique,
            "stage": self.stage,
            "answer": self.answer,
            "decided_at": self.decided_at.isoformat(),
            "reason": self.reason,
            "evidence": self.evidence,
            "at": self.at.isoformat(),
            "stored": self.stored,
        }


@dataclasses.dataclass(frozen=True)
class SeriesHistory:
    """One series with its points and change points (``assay watch show``)."""

    key: SeriesKey
    points: tuple[Point, ...]
    changes: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            **self.key.to_dict(),
            "points": [p.to_dict() for p in self.points],
            "change_points": list(self.changes),
        }


# -- the write side: a run's points ---------------------------------------------------


def record_run(session: Session, run_id: str, judged: Sequence[str] = ()) -> list[SeriesKey]:
    """Append the finished run's points, recompute the change points of the series it
    touched, and reopen what they (or a criteria condition of a prototype in
    ``judged``, the prototypes the run judges) call for; in the caller's write."""
    keys = _append(session, run_id)
    now = dt.datetime.now(dt.UTC)
    sql = Sql.of_session(session)
    for key in keys:
        _recompute(session, sql, key)
    reopen_on_changes(session, sql, keys, now)
    check_criteria(session, sql, judged, now)
    return keys


def _append(session: Session, run_id: str) -> list[SeriesKey]:
    """Store the run's points; the series they belong to."""
    from sqlalchemy import select

    from assay.store.run_models import RunRow

    row = session.scalars(select(RunRow).where(RunRow.run_id == run_id)).one()
    if row.state != "finished" or not row.result:
        return []
    values = [
        (SeriesKey(row.name, metric, str(s["method"]), point_label(s.get("params") or {})), v)
        for s in row.result.get("summaries") or []
        for metric, v in summary_series(s.get("metrics") or {}).items()
    ]
    git = ((row.header or {}).get("environment") or {}).get("git") or {}
    commit = git.get("commit")
    watch_rows.append_points(
        session, row.id, row.created_at, None if commit is None else str(commit), values
    )
    return sorted({key for key, _ in values})


def _recompute(session: Session, sql: Sql, key: SeriesKey) -> None:
    """Recompute and store the change points of one series."""
    from assay.stats.changepoint import change_points

    total, rows = watch_rows.series_tail(sql, key, TAIL)
    start = total - len(rows)
    values = [value for value, _, _ in rows]
    found = change_points(values, min_magnitude=MIN_CHANGE) if len(rows) >= 2 else ()
    watch_rows.replace_changes(
        session,
        key,
        [
            {
                "position": start + c.index,
                "run_pk": rows[c.index][1],
                "at": rows[c.index][2],
                "pvalue": c.pvalue,
                "mean_before": c.mean_before,
                "mean_after": c.mean_after,
                "data": c.to_dict() | {"index": start + c.index},
            }
            for c in found
        ],
        since=start,
    )


# -- the write side: decisions ---------------------------------------------------------


def record_decision(
    session: Session,
    decision_id: int,
    record: PrototypeRecord,
    run_ids: Sequence[str],
    conditions: Sequence[Condition],
    *,
    by: str,
    at: dt.datetime,
) -> None:
    """Store what a new decision watches, and close the open reopenings of the
    prototype's earlier decisions (a new decision answers them)."""
    from assay.workspace.evidence import resolve_metric

    registration = record.registration
    criteria = [*registration.success, *(k.criterion for k in registration.kill)]
    named = sorted({m for c in criteria for m in c.metrics})
    arms = _judged_arms(session, run_ids, record.candidate)
    rows: list[dict[str, Any]] = []
    for benchmark, method, spec in arms:
        for metric in named:
            lower = resolve_metric(metric).lower_is_better
            if lower is None:
                lower = _spec_lower(spec, metric)
            rows.append(_watch("metric", metric, series_metric(metric), benchmark, method, lower))
        for c in conditions:
            if c.kind == "change":
                rows.append(_watch("change", c.text, c.metric, benchmark, method, None))
    for c in conditions:
        if c.kind != "change":
            rows.append({**_watch(c.kind, c.text, None, None, None, None), "on_date": c.on})
    watch_rows.add_watches(session, decision_id, rows)
    earlier = [d for d in _decisions_of_prototype(Sql.of_session(session), decision_id)]
    watch_rows.close_reopenings(
        session, earlier, by=by, why=f"a new decision (number {decision_id})", at=at
    )


def _watch(
    kind: str,
    text: str,
    metric: str | None,
    benchmark: str | None,
    method: str | None,
    lower: bool | None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "text": text,
        "metric": metric,
        "benchmark": benchmark,
        "method": method,
        "lower_is_better": lower,
        "on_date": None,
    }


def _judged_arms(
    session: Session, run_ids: Sequence[str], candidate: str | None
) -> list[tuple[str, str, dict[str, Any]]]:
    """(benchmark, candidate method, spec) of each run the decision rested on."""
    from sqlalchemy import select

    from assay.store.run_models import RunRow

    if not run_ids:
        return []
    rows = session.scalars(select(RunRow).where(RunRow.run_id.in_(list(run_ids)))).all()
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        summaries = (row.result or {}).get("summaries") or []
        methods = {str(s["method"]) for s in summaries if s.get("role") == "candidate"}
        if candidate is not None and candidate in {str(s["method"]) for s in summaries}:
            methods = {candidate}
        spec = (row.header or {}).get("spec") or {}
        for method in methods:
            found.setdefault((row.name, method), spec)
    return [(b, m, spec) for (b, m), spec in sorted(found.items())]


def _spec_lower(spec: dict[str, Any], metric: str) -> bool:
    """Whether lower is better for a benchmark's own metric (lower, when unsaid)."""
    name = series_metric(metric)
    for item in spec.get("metrics") or []:
        if isinstance(item, dict) and item.get("name") == name:
            return not bool(item.get("higher_is_better"))
    return True


def _decisions_of_prototype(sql: Sql, decision_id: int) -> list[int]:
    """The other decisions on the prototype of ``decision_id``."""
    rows = sql.rows(
        "SELECT e.id FROM gate_decisions d JOIN gate_decisions e "
        "ON e.prototype_id = d.prototype_id WHERE d.id = :id AND e.id <> :id",
        {"id": decision_id},
    )
    return [int(r[0]) for r in rows]


# -- reads --------------------------------------------------------------------------------


def _due_dates(sql: Sql, today: dt.date) -> list[tuple[watch_rows.Watch, Reopening | None]]:
    """Date conditions of current decisions reached by ``today`` and not stored yet."""
    rows = sql.rows("SELECT DISTINCT decision_pk FROM decision_watches WHERE kind = 'date'")
    current = current_decisions(sql, (int(r[0]) for r in rows))
    due = [
        w
        for w in watch_rows.watches(sql, decision_ids=list(current))
        if w.kind == "date" and w.on is not None and w.on <= today
    ]
    stored = {
        (r.decision_id, r.key) for r in watch_rows.reopenings(sql, decision_ids=list(current))
    }
    return [(w, None) for w in due if (w.decision_id, f"date:{w.on}") not in stored]


def reopened(sql: Sql, today: dt.date) -> list[Reopened]:
    """Every open reopening of a current decision, stored or a date reached by
    ``today`` (not stored yet), oldest first. Plain SQL, no analysis."""
    items = watch_rows.reopenings(sql, open_only=True)
    current = current_decisions(sql, (r.decision_id for r in items))
    opened = [
        (r.decision_id, r.reason, r.evidence, r.at, True) for r in items if r.decision_id in current
    ]
    for watch, _ in _due_dates(sql, today):
        at = dt.datetime.combine(watch.on or today, dt.time(), dt.UTC)
        reason = f"revisit-when {watch.text} reached"
        opened.append(
            (watch.decision_id, reason, {"kind": "date", "condition": watch.text}, at, False)
        )
    about = _about(sql, {d for d, *_ in opened})
    return [
        Reopened(d, *about[d], reason=reason, evidence=evidence, at=at, stored=stored)
        for d, reason, evidence, at, stored in opened
        if d in about
    ]


def _about(sql: Sql, ids: set[int]) -> dict[int, tuple[str, str, str, str, dt.datetime]]:
    """(prototype, technique, stage, answer, at) of these decisions."""
    if not ids:
        return {}
    rows = sql.rows(
        "SELECT d.id, p.name, t.name, d.stage, d.answer, d.at FROM gate_decisions d "
        "JOIN prototypes p ON p.id = d.prototype_id JOIN techniques t ON t.id = p.technique_id "
        "WHERE d.id IN (:ids)",
        {"ids": sorted(ids)},
    )
    at = sql.datetimes()
    return {int(r[0]): (r[1], r[2], r[3], r[4], at(r[5])) for r in rows}


class WatchBook:
    """``assay watch``: the watched series, reopened decisions, check and dismiss."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def series(
        self, *, benchmark: str | None = None, metric: str | None = None
    ) -> builtins.list[Series]:
        """Every watched series with its last value, size and latest change point."""
        with self.ctx.sql_read() as sql:
            return watch_rows.series_list(sql, benchmark=benchmark, metric=metric)

    def show(
        self, benchmark: str, metric: str, *, method: str | None = None
    ) -> builtins.list[SeriesHistory]:
        """The history and change points of a benchmark's metric (every method and
        sweep point, or one method); :class:`NotFoundError` when there is none."""
        metric = series_metric(metric)
        with self.ctx.sql_read() as sql:
            keys = [
                s.key
                for s in watch_rows.series_list(sql, benchmark=benchmark, metric=metric)
                if method is None or s.key.method == method
            ]
            if not keys:
                raise NotFoundError(
                    f"no watched series {benchmark} {metric}"
                    + (f" of method {method}" if method else "")
                    + "; `assay watch` lists them"
                )
            return [
                SeriesHistory(
                    k,
                    tuple(watch_rows.series_points(sql, k)),
                    tuple(watch_rows.series_changes(sql, k)),
                )
                for k in keys
            ]

    def reopened(self, *, today: dt.date | None = None) -> builtins.list[Reopened]:
        """Open reopenings of current decisions (see :func:`reopened`)."""
        with self.ctx.sql_read() as sql:
            return reopened(sql, today or dt.date.today())

    def of_prototype(self, name: str, *, today: dt.date | None = None) -> dict[str, Any]:
        """What the newest decision on a prototype watches (``watching``) and its open
        reopenings with their evidence (``reopened``), for the gate's page."""
        from assay.store import prototype_reads

        with self.ctx.sql_read() as sql:
            ids = decisions_by_prototype(sql, prototype_reads.prototype_id(sql, name))
            current = builtins.list(current_decisions(sql, ids))
            watching = watch_rows.watches(sql, decision_ids=current)
            opened = reopened(sql, today or dt.date.today())
        return {
            "watching": [w.to_dict() for w in watching],
            "reopened": [r.to_dict() for r in opened if r.prototype == name],
        }

    def check(self, *, today: dt.date | None = None) -> builtins.list[Reopened]:
        """Add the runs stored before the history existed (once), store the date
        conditions reached by ``today``, and list the reopened decisions; a write,
        authorized as ``watch.check`` (``assay watch`` reads the same list)."""
        day = today or dt.date.today()
        with self.ctx.write() as session:
            authorize(self.ctx, "watch.check")
            sql = Sql.of_session(session)
            _backfill(session, _unrecorded_runs(sql))
            now = dt.datetime.now(dt.UTC)
            for watch, _ in _due_dates(sql, day):
                reason = f"revisit-when {watch.text} reached"
                found = {"kind": "date", "condition": watch.text}
                watch_rows.add_reopening(
                    session, watch.decision_id, f"date:{watch.on}", reason, found, now
                )
        return self.reopened(today=day)

    def dismiss(self, decision_id: int, *, why: str, today: dt.date | None = None) -> int:
        """Close the open reopenings of a decision with a reason (approver); how many
        were closed. :class:`InputError` without a reason or an open reopening."""
        if not why.strip():
            raise InputError("dismissing a reopening needs a reason (--reason)")
        day = today or dt.date.today()
        with self.ctx.write() as session:
            authorize(self.ctx, "watch.dismiss")
            sql = Sql.of_session(session)
            now = dt.datetime.now(dt.UTC)
            for watch, _ in _due_dates(sql, day):
                if watch.decision_id == decision_id:
                    found = {"kind": "date", "condition": watch.text}
                    reason = f"revisit-when {watch.text} reached"
                    watch_rows.add_reopening(
                        session, decision_id, f"date:{watch.on}", reason, found, now
                    )
            closed = watch_rows.close_reopenings(
                session, [decision_id], by=self.ctx.user, why=why.strip(), at=now
            )
            if not closed:
                raise InputError(f"decision {decision_id} has no open reopening to dismiss")
            return closed


def _unrecorded_runs(sql: Sql) -> list[str]:
    """Finished runs with a stored result and no watched point, oldest first."""
    rows = sql.rows(
        "SELECT r.run_id FROM runs r WHERE r.state = 'finished' AND r.result IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM watch_points p WHERE p.run_pk = r.id) "
        "ORDER BY r.created_at, r.id"
    )
    return [str(r[0]) for r in rows]


def _backfill(session: Session, run_ids: Sequence[str]) -> None:
    """Append the points of these runs, then recompute each touched series once."""
    keys = sorted({key for run_id in run_ids for key in _append(session, run_id)})
    sql = Sql.of_session(session)
    for key in keys:
        _recompute(session, sql, key)
    reopen_on_changes(session, sql, keys, dt.datetime.now(dt.UTC))
