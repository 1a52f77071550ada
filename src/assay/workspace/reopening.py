"""Reopening decisions (issue 14): the write side of :mod:`assay.workspace.watch`.

A change point on a watched series after the newest decision on a prototype, in the
harmful direction (either direction for ``change(METRIC)``), once
:data:`CONFIRM` runs stand from it on, reopens the decision;
so does a criteria condition that PASSes on the prototype's newest evidence. Each is
stored once per decision (:func:`assay.store.watch.add_reopening`), in the write
of the run (or link) that brought it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from assay.pipeline.revisit import is_regression
from assay.store import watch as watch_rows
from assay.store.sql import Sql
from assay.store.watch import SeriesKey

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "CONFIRM",
    "check_conditions",
    "check_criteria",
    "current_decisions",
    "decisions_by_prototype",
    "reopen_on_changes",
]

CONFIRM = 3
"""How many points a change point needs from its index on before it reopens a
decision: one outlying run at the end of a series reopens nothing."""

_NEIGHBOURS = 5
"""How many runs before and after a change point its evidence names."""


def current_decisions(sql: Sql, decision_ids: Iterable[int]) -> dict[int, tuple[dt.datetime, int]]:
    """Of these decisions, those that are the newest on their prototype: their time
    and prototype number."""
    wanted = sorted(set(decision_ids))
    if not wanted:
        return {}
    rows = sql.rows(
        "SELECT d.id, d.at, d.prototype_id FROM gate_decisions d WHERE d.id IN (:ids) AND "
        "d.id = (SELECT MAX(e.id) FROM gate_decisions e WHERE e.prototype_id = d.prototype_id)",
        {"ids": wanted},
    )
    at = sql.datetimes()
    return {int(pk): (at(when), int(proto)) for pk, when, proto in rows}


def reopen_on_changes(
    session: Session, sql: Sql, keys: Sequence[SeriesKey], now: dt.datetime
) -> None:
    """Reopen the current decisions that watch a touched series with a change point
    after them in the direction that matters."""
    for key in keys:
        total = watch_rows.series_tail(sql, key, 0)[0]
        changes = [
            c for c in watch_rows.series_changes(sql, key) if total - int(c["index"]) >= CONFIRM
        ]
        if not changes:
            continue
        candidates = [
            w
            for w in watch_rows.watches(sql, benchmark=key.benchmark)
            if w.kind in ("metric", "change")
            and (w.benchmark, w.metric) == (key.benchmark, key.metric)
            and w.method in (None, key.method)
        ]
        current = current_decisions(sql, (w.decision_id for w in candidates))
        for watch in candidates:
            if watch.decision_id not in current:
                continue
            decided_at = current[watch.decision_id][0]
            for change in changes:
                if dt.datetime.fromisoformat(change["at"]) <= decided_at:
                    continue
                harmful = is_regression(
                    change["mean_before"],
                    change["mean_after"],
                    lower_is_better=watch.lower_is_better is not False,
                )
                if watch.kind == "metric" and not harmful:
                    continue
                _reopen_change(session, sql, watch, key, change, now)


def _reopen_change(
    session: Session,
    sql: Sql,
    watch: watch_rows.Watch,
    key: SeriesKey,
    change: dict[str, Any],
    now: dt.datetime,
) -> None:
    prefix = f"change:{key.label()}@"
    held = watch_rows.reopenings(sql, decision_ids=[watch.decision_id], open_only=True)
    if any(r.key.startswith(prefix) for r in held):
        return
    points = watch_rows.series_points(sql, key)
    index = int(change["index"])
    before = [p.run_id for p in points[max(0, index - _NEIGHBOURS) : index]]
    after = [p.run_id for p in points[index : index + _NEIGHBOURS]]
    relative = change.get("relative_change")
    shift = f"{relative:+.1%}" if isinstance(relative, float) else "changed"
    what = (
        f"revisit-when {watch.text} met"
        if watch.kind == "change"
        else f"{key.metric} regressed, a metric the decision rests on"
    )
    reason = (
        f"{what}: {key.label()} {change['mean_before']:.4g} → {change['mean_after']:.4g} "
        f"({shift}) from run {change['run_id']} (p = {change['pvalue']:.2g})"
    )
    evidence = {
        "kind": watch.kind,
        "condition": watch.text,
        "series": key.to_dict(),
        "change": change,
        "runs_before": before,
        "runs_after": after,
    }
    watch_rows.add_reopening(
        session, watch.decision_id, prefix + str(change["run_id"]), reason, evidence, now
    )


def check_conditions(session: Session, names: Sequence[str]) -> None:
    """Check the criteria conditions of the current decisions on these prototypes
    against their newest evidence (a run linked to one is new evidence for it)."""
    check_criteria(session, Sql.of_session(session), names, dt.datetime.now(dt.UTC))


def check_criteria(session: Session, sql: Sql, judged: Sequence[str], now: dt.datetime) -> None:
    """Reopen the current decision of each prototype in ``judged`` whose criteria
    condition holds (PASS) on the prototype's newest evidence."""
    from assay.criteria import Outcome, parse
    from assay.store import prototype_reads
    from assay.workspace.evidence import RunEvidence
    from assay.workspace.evidence_runs import judges, load_evidence_runs, slices
    from assay.workspace.judging import effective_record

    for name in judged:
        ids = decisions_by_prototype(sql, prototype_reads.prototype_id(sql, name))
        current = current_decisions(sql, ids)
        conditions = [
            w for w in watch_rows.watches(sql, decision_ids=list(current)) if w.kind == "criteria"
        ]
        if not conditions:
            continue
        record = effective_record(session, name)
        runs = load_evidence_runs(session, record, judges(session, record), trials=True)
        evidence = RunEvidence(slices(record, runs)[0])
        for watch in conditions:
            evaluation = parse(watch.text).evaluate(evidence)
            if evaluation.outcome is not Outcome.PASS:
                continue
            reason = f"revisit-when {watch.text} holds on the newest evidence: {evaluation.reason}"
            found: dict[str, Any] = {
                "kind": "criteria",
                "condition": watch.text,
                "evaluation": evaluation.reason,
                "sources": dict(sorted(evidence.sources.items())),
            }
            key = f"criteria:{watch.text}"
            watch_rows.add_reopening(session, watch.decision_id, key, reason, found, now)


def decisions_by_prototype(sql: Sql, prototype_id: int) -> list[int]:
    return [
        int(r[0])
        for r in sql.rows(
            "SELECT id FROM gate_decisions WHERE prototype_id = :id", {"id": prototype_id}
        )
    ]
