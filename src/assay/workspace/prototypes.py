"""Prototypes and gates (issue 5), reached as ``workspace.prototypes``.

Prototypes pre-register a hypothesis, success and kill criteria and a time-box;
runs judge them; a gate's recommendation is computed from the criteria evaluated
against those runs with their uncertainty; someone with the approver role
decides. The radar moves only with a YES gate (or a recorded override) behind it
(see :mod:`assay.workspace.radar`).

**Pre-registration.** The registration's time is when its content was written
(creation, or an edit before the freeze). A run judges a prototype when it is
linked to it (:meth:`Prototypes.link_run`) or runs one of its declared benchmark
files or modules, and it *began at or after* that time: a run that began before
the criteria were written is refused as evidence. The criteria freeze (content
hash, text, time) at the start of the first run that judges them; from then on a
change is an :class:`~assay.pipeline.prototype.Amendment`, dated, attributed and
kept, and the review warns about every run that began before it.

Every method that writes is one unit of work: it stores the effective freeze
first, checks the acting user's role, and reads everything it decides on inside
that transaction; what is refused leaves no trace. Checks of the input that need
no database run before it opens (:mod:`assay.workspace.preregistration`).
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.errors import InputError, NotFoundError
from assay.pipeline import gates as gate_rules
from assay.pipeline.gates import Answer, DecisionPin
from assay.pipeline.prototype import Amendment, Prototype, Stage, amend
from assay.store import prototype_reads
from assay.store import techniques as technique_rows
from assay.store.gate_reads import DecisionRecord
from assay.store.prototype_reads import PrototypeRecord, RecordedFacts
from assay.store.sql import Sql
from assay.store.study import CostReport, EvidenceRun, GateReview, Study
from assay.workspace import gate_check, judging
from assay.workspace import preregistration as checks
from assay.workspace.analyses import refresh_prototype
from assay.workspace.context import Context, now
from assay.workspace.costing import cost_report, merged_inputs
from assay.workspace.evidence import RunEvidence
from assay.workspace.evidence_runs import Judge, effective_freeze, judges_of
from assay.workspace.gate_check import KillCheck, StrictCheck
from assay.workspace.judging import (
    effective_record,
    evidence_runs,
    gate_review,
    marked,
    technique_row,
)
from assay.workspace.madr import madr_record
from assay.workspace.preregistration import PORTFOLIOS
from assay.workspace.users import Users, quoted

# The store's ORM (SQLAlchemy) is imported inside the methods that write or compute:
# reading a stored gate review (``assay gate review``) is plain SQL.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "PORTFOLIOS",
    "CostReport",
    "DecisionRecord",
    "EvidenceRun",
    "GateReview",
    "KillCheck",
    "PrototypeRecord",
    "Prototypes",
    "RecordedFacts",
    "StrictCheck",
    "Study",
]


def _persist_freeze(session: Session, name: str) -> PrototypeRecord:
    """The prototype's effective record, its freeze stored (see :mod:`.judging`)."""
    from assay.store import prototypes as prototype_rows
    from assay.workspace.pins import persist_file_freezes

    record = effective_record(session, name)
    if record.freeze is not None:
        prototype_rows.freeze(session, record.name, record.freeze)
        persist_file_freezes(session, record)
    return record


class Prototypes:
    """Reached as ``workspace.prototypes``; see the module docstring."""

    def __init__(self, ctx: Context, users: Users) -> None:
        self.ctx = ctx
        self.users = users

    # -- registering and changing ---------------------------------------------------

    def new(
        self,
        prototype: Prototype,
        *,
        portfolio: str | None = None,
        candidate: str | None = None,
        point: Mapping[str, Any] | None = None,
        facts: RecordedFacts | None = None,
        cost_inputs: Mapping[str, float] | None = None,
        base: Path | None = None,
        at: dt.datetime | None = None,
    ) -> PrototypeRecord:
        """Record a new prototype of an existing technique, registered now (or ``at``,
        for imports and the demo). ``prototype.evidence`` lists benchmark files
        (resolved against ``base``, default the current directory) or modules whose
        runs count; ``candidate`` and ``point`` say where its criteria are judged."""
        from assay.store import prototypes as prototype_rows

        checks.check_portfolio(portfolio)
        files = [checks.evidence_entry(e, base or Path.cwd()) for e in prototype.evidence]
        for entry in files:
            checks.check_against_benchmark(entry, prototype.registration, candidate, point)
        if cost_inputs:
            checks.check_cost_inputs(cost_inputs)
        with self.ctx.write() as session:
            self.users.authorize("prototype.new")
            technique = technique_row(session, prototype.technique)
            stored = dataclasses.replace(prototype, technique=technique.name, evidence=())
            record = prototype_rows.add(
                session,
                stored,
                technique_id=technique.id,
                portfolio=portfolio,
                candidate=candidate,
                point=point,
                evidence_files=files,
                facts=facts or RecordedFacts(),
                cost_inputs=cost_inputs,
                by=self.ctx.user,
                at=at or now(),
            )
            refresh_prototype(session, record.name)
            return record

    def amend(
        self,
        name: str,
        *,
        why: str = "",
        hypothesis: str | None = None,
        success: Sequence[str] | None = None,
        kill: Sequence[str] | None = None,
        soft_kill: Sequence[str] | None = None,
        requirements: Sequence[str] | None = None,
        timebox: str | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[PrototypeRecord, Amendment | None]:
        """Change the pre-registered content. Before the freeze this is an edit;
        after it, an :class:`Amendment` that needs ``why`` and is kept for good.
        A section not given (``None``) stays as it is; a given one is replaced."""
        from assay.store import prototypes as prototype_rows

        changes = {
            "hypothesis": hypothesis,
            "success": success,
            "kill": kill,
            "soft_kill": soft_kill,
            "requirements": requirements,
            "timebox": timebox,
        }
        at = at or now()
        with self.ctx.write() as session:
            self.users.authorize("prototype.amend")
            record = _persist_freeze(session, name)
            if not record.active:
                raise InputError(f"{record.name} is {record.status}; its criteria no longer change")
            new, box = checks.replaced(record, changes, at)
            old = record.registration
            if record.freeze is None:
                if new.canonical_lines() == old.canonical_lines():
                    raise InputError("nothing to change: the pre-registered content is the same")
                edited = prototype_rows.edit_registration(
                    session, record.name, new, timebox=box, at=at
                )
                refresh_prototype(session, record.name)
                return edited, None
            amendment = amend(old, new, by=self.ctx.user, reason=why, at=at)
            prototype_rows.add_amendment(session, record.name, new, amendment, timebox=box)
            refresh_prototype(session, record.name)
            return effective_record(session, record.name), amendment

    def link_run(
        self,
        name: str,
        run_id: str,
        *,
        online_ab: bool = False,
        scale: float | None = None,
        at: dt.datetime | None = None,
    ) -> PrototypeRecord:
        """Link a run as evidence; ``online_ab`` marks an online A/B comparison and
        ``scale`` the scale it ran at. A run that began before the criteria were
        registered is refused. The first judging run freezes the criteria at its start."""
        from sqlalchemy import select

        from assay.store import prototypes as prototype_rows
        from assay.store.run_models import RunRow
        from assay.workspace.watch import check_conditions

        if scale is not None and not scale > 0:
            raise InputError(f"--scale {scale} must be a positive number")
        with self.ctx.write() as session:
            self.users.authorize("prototype.evidence")
            record = _persist_freeze(session, name)
            run = session.scalar(select(RunRow).where(RunRow.run_id == run_id))
            if run is None:
                raise NotFoundError(f"unknown run {run_id!r}; list the runs with: assay bench list")
            if run.created_at < record.registered_at:
                raise InputError(
                    f"run {run_id} began at {run.created_at:%Y-%m-%d %H:%M} UTC, before the "
                    f"criteria of {record.name} were registered "
                    f"({record.registered_at:%Y-%m-%d %H:%M} UTC); criteria are judged only by "
                    "runs that start after them. Start a new run: assay bench run FILE"
                )
            prototype_rows.link_run(
                session,
                record.name,
                run_id,
                online_ab=online_ab,
                scale=scale,
                by=self.ctx.user,
                at=at or now(),
            )
            linked = _persist_freeze(session, record.name)
            refresh_prototype(session, record.name)
            check_conditions(session, [record.name])  # new evidence (assay.workspace.watch)
            return linked

    def set_facts(self, name: str, **changes: Any) -> PrototypeRecord:
        """Record stage facts (fields of :class:`RecordedFacts`; ``None`` keeps one)."""
        from assay.store import prototypes as prototype_rows

        updates = checks.check_facts(changes)
        with self.ctx.write() as session:
            self.users.authorize("prototype.facts")
            record = _persist_freeze(session, name)
            facts = dataclasses.replace(record.facts, **updates, by=self.ctx.user, at=now())
            stored = prototype_rows.set_facts(session, record.name, facts)
            refresh_prototype(session, record.name)
            return stored

    def set_details(
        self,
        name: str,
        *,
        portfolio: str | None = None,
        candidate: str | None = None,
        point: Mapping[str, Any] | None = None,
        evidence: Sequence[str] | None = None,
        base: Path | None = None,
    ) -> PrototypeRecord:
        """Change what is not pre-registered: portfolio, the declared benchmark files or
        modules, and (before the freeze) candidate and sweep point; ``None`` keeps each."""
        from assay.store import prototypes as prototype_rows

        checks.check_portfolio(portfolio or None)
        files = None
        if evidence is not None:
            files = [checks.evidence_entry(e, base or Path.cwd()) for e in evidence]
        with self.ctx.write() as session:
            self.users.authorize("prototype.set")
            record = _persist_freeze(session, name)
            if record.freeze is not None and (candidate is not None or point is not None):
                raise InputError(
                    f"the criteria of {record.name} are frozen; the candidate and sweep point "
                    "they are judged at no longer change (register a new prototype instead)"
                )
            prototype_rows.set_details(
                session,
                record.name,
                portfolio=portfolio,
                candidate=candidate,
                point=point,
                evidence_files=files,
                at=now(),
            )
            changed = _persist_freeze(session, record.name)
            refresh_prototype(session, record.name)
            return changed

    def set_cost_inputs(self, name: str, inputs: Mapping[str, float] | None) -> PrototypeRecord:
        """Store the cost inputs on the prototype (``None`` clears them)."""
        from assay.store import prototypes as prototype_rows

        if inputs:
            checks.check_cost_inputs(inputs)
        with self.ctx.write() as session:
            self.users.authorize("prototype.cost")
            record = _persist_freeze(session, name)
            prototype_rows.set_cost_inputs(session, record.name, inputs, at=now())
            refresh_prototype(session, record.name)
            return effective_record(session, record.name)

    # -- reading --------------------------------------------------------------------

    def get(self, name: str) -> PrototypeRecord:
        """The prototype ``name`` with its effective freeze (see the module docstring)."""
        with self.ctx.sql_read() as sql:
            return effective_freeze(sql, prototype_reads.get(sql, name))

    def list(self) -> builtins.list[PrototypeRecord]:
        """Every prototype, by name."""
        with self.ctx.sql_read() as sql:
            return [effective_freeze(sql, p) for p in prototype_reads.all_records(sql)]

    def judging_runs(self, name: str) -> builtins.list[Judge]:
        """The runs that are the prototype's evidence, newest first: those linked to it
        and those of its declared benchmark files begun since its registration (the
        runs its evidence snapshot is computed from; one query, no analysis)."""
        with self.ctx.sql_read() as sql:
            return judges_of(sql, prototype_reads.get(sql, name))

    def review(self, name: str, *, today: dt.date | None = None) -> GateReview:
        """Every criterion evaluated against the runs, the stage checks, and the
        recommended answer at the prototype's current gate. Read over plain SQL from
        the stored snapshot; when it is not current, computed in an ORM unit of work."""
        day = today or dt.date.today()
        with self.ctx.sql_read() as sql:
            stored = judging.stored_review(
                sql, effective_freeze(sql, prototype_reads.get(sql, name)), day
            )
        if stored is not None:
            return stored[0]
        with self.ctx.read() as session:
            return gate_review(session, effective_record(session, name), day)[0]

    def evidence(self, name: str) -> RunEvidence:
        """The evidence the prototype's criteria are evaluated against (as stored
        when the prototype or its runs last changed)."""
        with self.ctx.read() as session:
            record = effective_record(session, name)
            return gate_review(session, record, dt.date.today())[1]

    def decided(
        self, technique: str, *, today: dt.date | None = None
    ) -> builtins.list[tuple[str, DecisionPin]]:
        """The newest decision on each prototype of ``technique`` (by prototype name),
        with the runs it was decided on and the new evidence since (issue 10)."""
        found = self.decided_all([technique], today=today)
        return next(iter(found.values()), [])

    def decided_all(
        self, techniques: Iterable[str], *, today: dt.date | None = None
    ) -> dict[str, builtins.list[tuple[str, DecisionPin]]]:
        """:meth:`decided` for several techniques at once (any case), by technique name
        as stored: one pass over the prototypes (the radar asks it of those in TRIAL
        and ADOPT)."""
        keys = {name.strip().casefold() for name in techniques}
        day = today or dt.date.today()
        out: dict[str, builtins.list[tuple[str, DecisionPin]]] = {}
        if not keys:
            return out
        stale: builtins.list[str] = []  # snapshots not current: computed below
        with self.ctx.sql_read() as sql:
            for stored in prototype_reads.all_records(sql):
                if stored.technique.casefold() not in keys:
                    continue
                review = judging.stored_review(sql, effective_freeze(sql, stored), day)
                if review is None:
                    stale.append(stored.name)
                elif review[0].decided is not None:
                    out.setdefault(stored.technique, []).append((stored.name, review[0].decided))
        for name in stale:
            computed = self.review(name, today=day)
            if computed.decided is not None:
                out.setdefault(computed.technique, []).append((name, computed.decided))
        return out

    def decisions(self, name: str | None = None) -> builtins.list[DecisionRecord]:
        """The decisions on one prototype, or on all, oldest first."""
        from assay.store import gates as gate_rows
        from assay.store import prototypes as prototype_rows

        with self.ctx.read() as session:
            if name is None:
                return gate_rows.all_decisions(session)
            return gate_rows.decisions_of(session, prototype_rows.row(session, name))

    def check(
        self, name: str | None = None, *, today: dt.date | None = None
    ) -> builtins.list[KillCheck]:
        """Kill criteria against the evidence, for one prototype or every active one;
        each check also carries the failing success criteria and the amendments written
        after data, for :meth:`strict_check`."""
        from assay.store import prototypes as prototype_rows

        day = today or dt.date.today()
        with self.ctx.read() as session:
            if name is not None:
                names = [name]
            else:
                names = [r.name for r in prototype_rows.all_records(session) if r.active]
            out = []
            for each in names:
                record = effective_record(session, each)
                found = judging.judges(session, record)
                review = gate_review(session, record, day, found)[0]
                rec = review.recommendation
                fired = {r.criterion.canonical: r for r in rec.fired}
                for extra in review.amended.fired if review.amended else ():
                    fired.setdefault(extra.criterion.canonical, extra)
                started = [(judge.run_id, judge.started_at) for judge in found]
                out.append(
                    KillCheck(
                        prototype=record.name,
                        technique=record.technique,
                        stage=record.stage,
                        fired=tuple(fired.values()),
                        timebox_expired=rec.timebox_expired,
                        runs=review.runs,
                        failing=gate_check.failing_success(rec, review.amended),
                        amended_after_data=gate_check.amended_after_data(
                            record.amendments, started
                        ),
                    )
                )
            return out

    def strict_check(self, name: str | None = None, *, today: dt.date | None = None) -> StrictCheck:
        """``gate check --strict`` (see :mod:`assay.workspace.gate_check`): the checks of
        :meth:`check`, the stale techniques in TRIAL or ADOPT (only the prototype's
        technique when ``name`` is given), and one line per problem."""
        from assay.workspace.radar import Radar  # lazily: the radar service's staleness

        checks = self.check(name, today=today)
        stale = Radar(self.ctx, self.users).stale(today=today)
        if name is not None:
            wanted = {check.technique for check in checks}
            stale = [item for item in stale if item.technique in wanted]
        lines = gate_check.strict_lines(checks, stale)
        return StrictCheck(tuple(checks), tuple(stale), tuple(lines))

    # -- deciding -------------------------------------------------------------------

    def decide(
        self,
        name: str,
        answer: Answer | str,
        *,
        why: str,
        conditions: str = "",
        override: bool = False,
        advocates: Sequence[tuple[str, str]] = (),
        revisit_when: str | Sequence[str] = "",
        at: dt.datetime | None = None,
        today: dt.date | None = None,
        dissents: Sequence[tuple[str, str]] = (),
    ) -> DecisionRecord:
        """Answer the prototype's current gate. Only an approver (or admin) may; an
        answer against the recommendation needs ``override``. A YES moves the
        prototype to the next stage (or completes it); a NO stops it. The review it
        answers is read inside the transaction that decides. ``revisit_when`` (one
        text, ``;``-separated, or several) is parsed first (:mod:`assay.pipeline.revisit`):
        a malformed condition writes nothing; what the decision watches is stored
        with it (:mod:`assay.workspace.watch`).

        Issue 16: a NO needs a learnings entry on the prototype first
        (:func:`assay.workspace.learnings.require_for_no`). ``dissents`` (name, reason)
        name registered users; a decision with dissents is without consensus and is
        revisited on a date: without an ``on DATE`` condition, one is added
        :data:`assay.pipeline.learnings.DEFAULT_REVISIT_DAYS` after it."""
        from assay.pipeline.learnings import revisit_date
        from assay.pipeline.revisit import parse_condition, parse_conditions
        from assay.store import decision_runs
        from assay.store import gates as gate_rows
        from assay.store import prototypes as prototype_rows
        from assay.workspace.learnings import check_dissents, require_for_no
        from assay.workspace.watch import record_decision

        revisit = parse_conditions(revisit_when)
        at = at or now()
        if dissents and not any(c.kind == "date" for c in revisit):
            revisit = (*revisit, parse_condition(f"on {revisit_date(at.date()).isoformat()}"))
        with self.ctx.write() as session:
            role = self.users.authorize("gate.decide")
            record = _persist_freeze(session, name)
            if not record.active:
                raise InputError(
                    f"{record.name} is {record.status}; there is no open gate to decide"
                )
            review = gate_review(session, record, today or at.date())[0]
            # Compared with the recommendation on the registered criteria (issue 10).
            decision = gate_rules.decide(
                review.recommendation,
                answer,
                user=self.ctx.user,
                role=role,
                why=why,
                at=at,
                conditions=conditions,
                override=override,
                advocates=advocates,
                revisit_when="; ".join(c.text for c in revisit),
                amended=review.amended,
                dissents=check_dissents(Sql.of_session(session), dissents),
            )
            row = prototype_rows.row(session, record.name)
            if decision.answer is Answer.NO:
                require_for_no(Sql.of_session(session), row.id, record.name)
            recommendation = review.recommendation.to_dict()
            if review.amended is not None:
                recommendation["amended"] = review.amended.to_dict()
            stored = gate_rows.add_decision(
                session,
                row,
                decision,
                registration_hash=record.registration.content_hash(),
                recommendation=recommendation,
                runs=list(review.runs),
            )
            decision_runs.pin(session, stored.id, review.runs)
            record_decision(
                session, stored.id, record, review.runs, revisit, by=self.ctx.user, at=at
            )
            _advance(session, record, decision.answer, at)
            refresh_prototype(session, record.name)
            return stored

    def madr(self, name: str, *, stage: Stage | str | None = None) -> str:
        """The newest decision on the prototype (at ``stage``, when given) as a MADR 4
        decision record in Markdown (see :mod:`assay.workspace.madr`)."""
        from assay.store import gates as gate_rows
        from assay.store import prototypes as prototype_rows

        wanted = stage if stage is None or isinstance(stage, Stage) else Stage.parse(stage)
        with self.ctx.read() as session:
            record = effective_record(session, name)
            sql = Sql.of_session(session)
            technique = technique_rows.get(sql, record.technique, retired=True)  # history
            taken = gate_rows.decisions_of(session, prototype_rows.row(session, record.name))
        chosen = [d for d in taken if wanted is None or d.decision.stage is wanted]
        if not chosen:
            at = f" at the {wanted.value} gate" if wanted else ""
            raise InputError(
                f"no decision is recorded for {record.name}{at}; decide it first: "
                f"assay gate decide {quoted(record.name)} yes|no|not-yet --why TEXT"
            )
        days = self.ctx.settings.radar.stale_after_days
        return madr_record(technique, record, chosen[-1], stale_days=days)

    # -- cost and the whole study -----------------------------------------------------

    def cost(
        self, name: str, inputs: Mapping[str, float | None] | None = None, *, save: bool = False
    ) -> CostReport:
        """The cost-benefit from the stored inputs overlaid with ``inputs``, and the
        measured effects (see :mod:`assay.workspace.costing`); ``save`` stores the
        given inputs on the prototype, in the same transaction."""
        given = dict(inputs or {})
        with self.ctx.write() if save else self.ctx.read() as session:
            record = effective_record(session, name)
            report = self._cost(session, record, given)
            if save:
                self.set_cost_inputs(record.name, merged_inputs(record, given))
            return report

    def _cost(self, session: Session, record: PrototypeRecord, given: dict[str, Any]) -> CostReport:
        evidence = gate_review(session, record, dt.date.today())[1]
        price = self.ctx.settings.cost.usd_per_hour
        return cost_report(record, given, evidence, usd_per_hour=price)

    def study(self, name: str, *, today: dt.date | None = None) -> Study:
        """Everything the record holds about a prototype, for the reports."""
        from assay.store import gates as gate_rows
        from assay.store import prototypes as prototype_rows

        day = today or dt.date.today()
        with self.ctx.read() as session:
            record = effective_record(session, name)
            review = gate_review(session, record, day)[0]
            runs = marked(review, evidence_runs(session, record, trials=True))  # plotted
            sql = Sql.of_session(session)
            technique = technique_rows.get(sql, record.technique, retired=True)  # history
            decisions = gate_rows.decisions_of(session, prototype_rows.row(session, name))
            costs = self._cost(session, record, {}) if record.cost_inputs else None
        return Study(
            technique=technique,
            record=record,
            review=review,
            decision_records=tuple(decisions),
            runs=tuple(reversed(runs)),
            cost_report=costs,
            as_of=day,
        )


def _advance(session: Session, record: PrototypeRecord, answer: Answer, at: dt.datetime) -> None:
    """After a decision: a YES moves to the next stage (or completes), a NO stops."""
    from assay.store import prototypes as prototype_rows

    if answer is Answer.YES:
        following = record.stage.next
        if following is None:
            prototype_rows.set_status(session, record.name, "complete", at=at)
        else:
            prototype_rows.set_stage(session, record.name, following, at=at)
    elif answer is Answer.NO:
        prototype_rows.set_status(session, record.name, "stopped", at=at)
