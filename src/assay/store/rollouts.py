"""Rollouts in the store: the steps of each technique's ramp and their A/B runs.

Reads are plain SQL over :class:`~assay.store.sql.Sql` (the radar, ``status`` and
the review agenda show where each technique's rollout stands, on their hot paths);
writes go through the ORM (:mod:`assay.store.rollout_models`), so the audit trail
records them. The steps come back as :class:`assay.pipeline.rollout.Step` with each
attached run as an :class:`~assay.pipeline.rollout.ABEvidence` holding only the run's
id and who attached it when: the workspace adds what the A/B analysis says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assay.pipeline.rollout import ABEvidence, Rollout, Step, StepKind, rollouts_of
from assay.store.sql import Row, Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["add_step", "attach", "latest_all", "retired_runs", "steps_of"]

_STEPS = """
SELECT s.id, t.name, s.rollout, s.kind, s.percent, s.flag, s.on_date, s.by, s.at,
       s.reason, s.override, s.waived
FROM rollout_steps s JOIN techniques t ON t.id = s.technique_id
"""

_EVIDENCE = """
SELECT e.step_id, e.run_id, e.by, e.at FROM rollout_evidence e
WHERE e.step_id IN (:ids) ORDER BY e.id
"""

_LATEST = """
WHERE t.retired_at IS NULL AND s.rollout = (
  SELECT max(x.rollout) FROM rollout_steps x WHERE x.technique_id = s.technique_id)
ORDER BY t.key, s.id
"""


def _steps(sql: Sql, rows: Sequence[Row]) -> list[Step]:
    evidence: dict[int, list[ABEvidence]] = {}
    ids = [row[0] for row in rows]
    if ids:
        when = sql.datetimes()
        for step_id, run_id, by, at in sql.rows(_EVIDENCE, {"ids": ids}):
            evidence.setdefault(step_id, []).append(
                ABEvidence(run_id=run_id, attached_by=by, attached_at=when(at))
            )
    when = sql.datetimes()
    out = []
    for id_, name, rollout, kind, percent, flag, on, by, at, reason, override, waived in rows:
        day = sql.date(on)
        assert day is not None  # on_date is NOT NULL
        out.append(
            Step(
                technique=name,
                rollout=int(rollout),
                kind=StepKind(kind),
                percent=float(percent),
                flag=flag,
                on=day,
                by=by,
                at=when(at),
                reason=reason or "",
                override=override,
                waived=tuple(str(w) for w in sql.json(waived) or ()),
                evidence=tuple(evidence.get(id_, ())),
                id=int(id_),
            )
        )
    return out


def steps_of(sql: Sql, technique_id: int) -> list[Step]:
    """Every step of the technique's rollouts, oldest first."""
    rows = sql.rows(_STEPS + " WHERE s.technique_id = :id ORDER BY s.id", {"id": technique_id})
    return _steps(sql, rows)


def latest_all(sql: Sql) -> dict[str, Rollout]:
    """The newest rollout of every technique (not retired) that has one, by name."""
    steps = _steps(sql, sql.rows(_STEPS + _LATEST))
    found: dict[str, list[Step]] = {}
    for step in steps:
        found.setdefault(step.technique, []).append(step)
    return {name: rollouts_of(group)[-1] for name, group in found.items()}


def add_step(session: Session, technique_id: int, step: Step) -> int:
    """Append ``step`` (its ``technique``, ``id`` and ``evidence`` are ignored); its id."""
    from assay.store.rollout_models import RolloutStepRow  # the ORM writes

    row = RolloutStepRow(
        technique_id=technique_id,
        rollout=step.rollout,
        kind=step.kind.value,
        percent=step.percent,
        flag=step.flag,
        on_date=step.on,
        by=step.by,
        at=step.at,
        reason=step.reason,
        override=step.override,
        waived=list(step.waived) or None,
    )
    session.add(row)
    session.flush()
    return row.id


def attach(session: Session, step_id: int, run_id: str, *, by: str, at: dt.datetime) -> None:
    """Attach the A/B run ``run_id`` to the step ``step_id``."""
    from assay.store.rollout_models import RolloutEvidenceRow

    session.add(RolloutEvidenceRow(step_id=step_id, run_id=run_id, by=by, at=at))
    session.flush()


def retired_runs(sql: Sql, run_ids: Sequence[str]) -> set[str]:
    """Those of ``run_ids`` that were retired (``bench retire``): no longer evidence."""
    if not run_ids:
        return set()
    query = "SELECT run_id FROM runs WHERE retired_at IS NOT NULL AND run_id IN (:ids)"
    return {run_id for (run_id,) in sql.rows(query, {"ids": list(run_ids)})}
