"""Rollouts, reached as ``workspace.rollouts``: the production ramp of a technique
(1% → 5% → 25% → 100%) behind a feature flag, with the A/B evidence at each step.

The rules are :mod:`assay.pipeline.rollout`'s; this service reads the record, calls
them and writes inside one unit of work. A step up re-reads the A/B analysis of every
run attached to the step it leaves (``workspace.ab``: analysed when the run was
stored, read here) in the transaction that writes the step. Where each technique
stands (:meth:`Rollouts.latest`) is one plain-SQL read, for the radar, ``status``
and the review agenda.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from assay.errors import InputError, NotFoundError
from assay.pipeline import rollout as rules
from assay.pipeline.rollout import ABEvidence, Rollout, Step, StepKind
from assay.store import rollouts as rollout_rows
from assay.store import techniques as technique_rows
from assay.store.sql import Sql
from assay.types import Ring
from assay.workspace.context import Context, now
from assay.workspace.users import authorize

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.workspace.ab import ABBook, ABRun

__all__ = ["STALLED_AFTER_DAYS", "Rollouts", "judge_run", "notes_of"]

STALLED_AFTER_DAYS = rules.STALLED_AFTER_DAYS

_PASSED_GATE = """
SELECT d.stage, p.name, d.id, d.at FROM gate_decisions d
JOIN prototypes p ON p.id = d.prototype_id
WHERE p.technique_id = :id AND d.answer = 'yes' AND p.status <> 'stopped'
  AND d.stage IN ('validation', 'integration')
ORDER BY d.at DESC, d.id DESC
"""


def notes_of(sql: Sql, today: dt.date) -> builtins.list[rules.RolloutNote]:
    """What ``status`` and the review agenda say about rollouts (see
    :func:`assay.pipeline.rollout.notes`): two plain-SQL reads."""
    latest = rollout_rows.latest_all(sql)
    if not latest:
        return []
    rings = {
        name: Ring(ring)
        for name, ring in sql.rows("SELECT name, ring FROM techniques WHERE retired_at IS NULL")
        if name in latest
    }
    return rules.notes(latest, rings, today)


def judge_run(run: ABRun, *, attached: ABEvidence | None = None) -> ABEvidence:
    """A stored A/B analysis (``workspace.ab.show(run_id)``) as the evidence a step
    carries: valid or not, whether its guardrails hold, which failed, each verdict."""
    summary = run.summary()
    rails = run.document.get("guardrails") or {}
    failed = [str(g["metric"]) for g in rails.get("guardrails", ()) if not g.get("holds")]
    return ABEvidence(
        run_id=summary.run_id,
        name=summary.name,
        valid=summary.valid,
        guardrails_hold=summary.guardrails_hold,
        failed=tuple(failed),
        verdicts=tuple(f"{metric} {word}" for metric, word in summary.verdicts.items()),
        attached_by=attached.attached_by if attached else "",
        attached_at=attached.attached_at if attached else None,
    )


class Rollouts:
    """Reached as ``workspace.rollouts``; see the module docstring. ``ab`` gives the
    A/B service (built on first use)."""

    def __init__(self, ctx: Context, ab: Callable[[], ABBook]) -> None:
        self.ctx = ctx
        self._ab = ab

    # -- writes ---------------------------------------------------------------------

    def start(
        self,
        technique: str,
        *,
        flag: str,
        percent: float,
        on: dt.date | None = None,
        ab: Sequence[str] = (),
        note: str = "",
        today: dt.date | None = None,
    ) -> Rollout:
        """Start a rollout of ``technique`` behind ``flag`` at ``percent`` (see
        :func:`assay.pipeline.rollout.check_start` for who may)."""
        flag = rules.check_flag(flag)
        percent = rules.check_percent(percent)
        day = rules.check_on(on or today or dt.date.today(), today or dt.date.today(), None)
        with self.ctx.write() as session:
            authorize(self.ctx, "rollout.start")
            sql = Sql.of_session(session)
            found = technique_rows.ref(sql, technique)
            history = rules.rollouts_of(rollout_rows.steps_of(sql, found.id))
            last = history[-1] if history else None
            active = last if last and last.status is rules.RolloutStatus.ACTIVE else None
            rules.check_start(
                found.name,
                found.ring,
                passed_gate=self._passed_gate(sql, found.id),
                active=active,
                percent=percent,
            )
            step = self._step(found.name, len(history) + 1, StepKind.START, percent, flag, day)
            step = dataclasses.replace(step, reason=note.strip())
            return self._write(session, found.id, step, ab)

    def step(
        self,
        technique: str,
        *,
        percent: float,
        on: dt.date | None = None,
        ab: Sequence[str] = (),
        override: str | None = None,
        note: str = "",
        today: dt.date | None = None,
    ) -> Rollout:
        """Raise the active rollout to ``percent`` (100: complete it). The step being
        left must carry A/B evidence that holds, unless an approver overrides with a
        reason (see :func:`assay.pipeline.rollout.step_refusals`)."""
        percent = rules.check_percent(percent)
        reason = None if override is None else rules.check_reason(override, what="--override")
        with self.ctx.write() as session:
            authorize(self.ctx, "rollout.step")
            sql = Sql.of_session(session)
            found = technique_rows.ref(sql, technique)
            current = self._latest_judged(sql, found.id)
            refusals = rules.step_refusals(current, found.name, percent)
            assert current is not None  # step_refusals raises otherwise
            day = rules.check_on(
                on or today or dt.date.today(), today or dt.date.today(), current.current
            )
            if refusals and reason is None:
                raise InputError(
                    f"cannot step {found.name} up to {rules.format_percent(percent)}: "
                    + "; ".join(refusals)
                    + " (an approver may step up anyway with --override REASON)"
                )
            if reason is not None:
                authorize(self.ctx, "rollout.override")
            kind = StepKind.COMPLETE if percent >= 100 else StepKind.STEP
            step = self._step(found.name, current.number, kind, percent, current.flag, day)
            step = dataclasses.replace(
                step, reason=note.strip(), override=reason, waived=tuple(refusals)
            )
            return self._write(session, found.id, step, ab)

    def complete(self, technique: str, **options: Any) -> Rollout:
        """Step the active rollout to 100% (the same rule as :meth:`step`)."""
        return self.step(technique, percent=100.0, **options)

    def rollback(
        self,
        technique: str,
        *,
        reason: str,
        on: dt.date | None = None,
        ab: Sequence[str] = (),
        today: dt.date | None = None,
    ) -> Rollout:
        """Record that the flag was turned off: who, when, why, at what percentage,
        with the evidence (``ab``) that showed the harm."""
        why = rules.check_reason(reason, what="a rollback (--reason)")
        with self.ctx.write() as session:
            authorize(self.ctx, "rollout.rollback")
            sql = Sql.of_session(session)
            found = technique_rows.ref(sql, technique)
            history = rules.rollouts_of(rollout_rows.steps_of(sql, found.id))
            ending = rules.check_rollback(history[-1] if history else None, found.name)
            day = rules.check_on(
                on or today or dt.date.today(), today or dt.date.today(), ending.current
            )
            step = self._step(
                found.name, ending.number, StepKind.ROLLBACK, ending.percent, ending.flag, day
            )
            return self._write(session, found.id, dataclasses.replace(step, reason=why), ab)

    def attach(self, technique: str, ab: Sequence[str]) -> Rollout:
        """Attach A/B runs to the newest step of the technique's newest rollout."""
        if not ab:
            raise InputError("name the A/B run to attach with --ab RUN")
        with self.ctx.write() as session:
            authorize(self.ctx, "rollout.evidence")
            sql = Sql.of_session(session)
            found = technique_rows.ref(sql, technique)
            history = rules.rollouts_of(rollout_rows.steps_of(sql, found.id))
            if not history:
                raise InputError(
                    f"{found.name} has no rollout; start one with `assay rollout start`"
                )
            current = history[-1].current
            taken = {e.run_id for e in current.evidence}
            self._attach(session, current.id, ab, taken)
            return self._judged(rules.rollouts_of(rollout_rows.steps_of(sql, found.id))[-1])

    # -- reads ----------------------------------------------------------------------

    def history(self, technique: str) -> builtins.list[Rollout]:
        """Every rollout of ``technique``, oldest first, each run's A/B analysis read."""
        with self.ctx.sql_read() as sql:
            found = technique_rows.ref(sql, technique)
            steps = rollout_rows.steps_of(sql, found.id)
        return [self._judged(r) for r in rules.rollouts_of(steps)]  # the ORM reads the runs

    def latest(self) -> dict[str, Rollout]:
        """The newest rollout of every technique that has one, by name (plain SQL; the
        runs' analyses are not read)."""
        with self.ctx.sql_read() as sql:
            return rollout_rows.latest_all(sql)

    def stalled(
        self, *, today: dt.date | None = None, days: int = STALLED_AFTER_DAYS
    ) -> builtins.list[Rollout]:
        """Active rollouts whose current step has had no A/B evidence for ``days``."""
        day = today or dt.date.today()
        return [
            r
            for r in self.latest().values()
            if r.status is rules.RolloutStatus.ACTIVE
            and not r.current.evidence
            and (day - r.since).days >= days
        ]

    # -- helpers --------------------------------------------------------------------

    def _step(
        self, name: str, number: int, kind: StepKind, percent: float, flag: str, on: dt.date
    ) -> Step:
        return Step(name, number, kind, percent, flag, on, by=self.ctx.user, at=now())

    @staticmethod
    def _passed_gate(sql: Sql, technique_id: int) -> str | None:
        found = sql.one(_PASSED_GATE, {"id": technique_id})
        if found is None:
            return None
        return f"YES at the {found[0]} gate of {found[1]} (decision #{found[2]})"

    def _run(self, run_id: str) -> ABRun:
        return self._ab().show(run_id)

    def _attach(self, session: Session, step_id: int, ab: Sequence[str], taken: set[str]) -> None:
        at = now()
        for run_id in dict.fromkeys(r.strip() for r in ab):
            if not run_id:
                raise InputError("--ab is empty; name an A/B run (see: assay ab list)")
            if run_id in taken:
                raise InputError(f"A/B run {run_id} is already attached to this step")
            found = self._run(run_id)  # NotFoundError: unknown, or not an A/B analysis
            if rollout_rows.retired_runs(Sql.of_session(session), [found.run_id]):
                raise InputError(
                    f"A/B run {found.run_id} is retired and no longer evidence; attach "
                    f"another, or unretire it: assay bench retire {found.run_id} --undo"
                )
            rollout_rows.attach(session, step_id, found.run_id, by=self.ctx.user, at=at)

    def _write(self, session: Session, technique_id: int, step: Step, ab: Sequence[str]) -> Rollout:
        step_id = rollout_rows.add_step(session, technique_id, step)
        if ab:
            self._attach(session, step_id, ab, set())
        sql = Sql.of_session(session)
        return self._judged(rules.rollouts_of(rollout_rows.steps_of(sql, technique_id))[-1])

    def _latest_judged(self, sql: Sql, technique_id: int) -> Rollout | None:
        history = rules.rollouts_of(rollout_rows.steps_of(sql, technique_id))
        return self._judged(history[-1]) if history else None

    def _judged(self, rollout: Rollout) -> Rollout:
        """``rollout`` with each attached run's A/B analysis read; a retired run is
        marked as no longer evidence."""
        with self.ctx.sql_read() as sql:
            ids = [e.run_id for s in rollout.steps for e in s.evidence]
            retired = rollout_rows.retired_runs(sql, ids)
        steps = tuple(
            dataclasses.replace(
                s, evidence=tuple(self._evidence(e, e.run_id in retired) for e in s.evidence)
            )
            for s in rollout.steps
        )
        return Rollout(rollout.technique, rollout.number, steps)

    def _evidence(self, attached: ABEvidence, retired: bool) -> ABEvidence:
        try:
            found = judge_run(self._run(attached.run_id), attached=attached)
        except NotFoundError:
            return dataclasses.replace(attached, found=False, valid=False)
        return dataclasses.replace(found, found=False) if retired else found
