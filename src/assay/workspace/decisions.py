"""Decisions bound to evidence (issue 5): reached as ``workspace.decisions``.

Prototypes pre-register a hypothesis, success and kill criteria and a time-box;
runs judge them; a gate's recommendation is computed from the criteria evaluated
against those runs with their uncertainty; someone with the approver role
decides; the radar moves only with a YES gate (or a recorded override) behind it.

**Pre-registration.** The registration's time is when its content was written
(creation, or an edit before the freeze). A run judges a prototype when it is
linked to it (``link_run``) or runs one of its declared benchmark files or
modules, and it *began at or after* that time: a run that began before the
criteria were written is refused as evidence, so criteria are never evaluated
against data they were written after. The criteria freeze (content hash, text,
time) at the start of the first run that judges them; from then on a change is an
:class:`~assay.pipeline.prototype.Amendment`, dated, attributed and kept, and the
review warns about every run that began before it.

**Roles.** Deciding a gate needs the approver role (or admin) always. Once any
user is registered, adding users needs admin and changing the record needs
contributor; a radar override needs approver.

Every method that writes is one transaction; what is refused leaves no trace.
The work is done in :mod:`~assay.workspace.preregistration` (writing prototypes),
:mod:`~assay.workspace.judging` (runs, evidence, reviews),
:mod:`~assay.workspace.radar_evidence`, :mod:`~assay.workspace.staleness`,
:mod:`~assay.workspace.costing`, :mod:`~assay.workspace.rhythm` and
:mod:`~assay.workspace.madr`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assay.errors import InputError, PermissionDeniedError
from assay.pipeline import gates as gate_rules
from assay.pipeline import radar
from assay.pipeline.gates import Answer, Role
from assay.pipeline.prototype import Amendment, Prototype, Stage
from assay.pipeline.radar import MoveBacking, Technique
from assay.store import artifacts as artifact_rows
from assay.store import gates as gate_rows
from assay.store import prototypes as prototype_rows
from assay.store import reviews as review_rows
from assay.store import techniques as technique_rows
from assay.store import users as user_rows
from assay.store.artifacts import Artifact
from assay.store.gates import DecisionRecord
from assay.store.prototypes import PrototypeRecord, RecordedFacts
from assay.store.study import CostReport, EvidenceRun, GateReview, Study
from assay.store.users import User
from assay.types import Ring
from assay.workspace import preregistration, radar_evidence
from assay.workspace.evidence import RunEvidence
from assay.workspace.judging import EvidenceCache, build_review, effective_record, slices
from assay.workspace.preregistration import PORTFOLIOS
from assay.workspace.staleness import Staleness

if TYPE_CHECKING:
    from assay.workspace.core import Workspace
    from assay.workspace.rhythm import Agenda, Portfolio, Status

__all__ = [
    "PORTFOLIOS",
    "CostReport",
    "Decisions",
    "EvidenceRun",
    "GateReview",
    "KillCheck",
    "Staleness",
    "Study",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


@dataclasses.dataclass(frozen=True)
class KillCheck:
    """A prototype's kill criteria against its evidence, for ``assay gate check``."""

    prototype: str
    technique: str
    stage: Stage
    fired: tuple[gate_rules.CriterionReview, ...]
    timebox_expired: bool
    runs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "prototype": self.prototype,
            "technique": self.technique,
            "stage": self.stage.value,
            "fired": [review.to_dict() for review in self.fired],
            "timebox_expired": self.timebox_expired,
            "runs": list(self.runs),
        }


class Decisions:
    """Reached as ``workspace.decisions``; see the module docstring."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.evidence_cache = EvidenceCache(ws)

    # -- users and roles ------------------------------------------------------------------

    def users(self) -> list[User]:
        """Every registered user, by name."""
        with self.ws.db.read() as session:
            return user_rows.all_users(session)

    def require(self, session: Session, needed: Role, action: str, *, always: bool = False) -> Role:
        """The acting user's role, or :class:`PermissionDeniedError` when it is not
        enough. Without registered users only ``always`` actions are checked."""
        user = user_rows.find(session, self.ws.user)
        if user is None:
            if not always and user_rows.count(session) == 0:
                return Role.ADMIN
            who = _quoted(self.ws.user)
            raise PermissionDeniedError(
                f"{action} needs the {needed.value} role"
                + (" (or admin)" if needed is not Role.ADMIN else "")
                + f"; {self.ws.user} is not a registered user (act as another user with --by, "
                f"or have an admin run: assay user add {who} --role {needed.value})"
            )
        gate_rules.require_role(user.name, user.role, needed, action)
        return user.role

    def add_user(self, name: str, role: Role | str, *, at: dt.datetime | None = None) -> User:
        """Register a user. The first user must be an admin; after that only an admin
        may add users."""
        role = role if isinstance(role, Role) else Role.parse(role)
        name = radar.check_name(name, field="user name")
        with self.ws.db.write() as session:
            if user_rows.count(session) == 0:
                if role is not Role.ADMIN:
                    raise InputError(
                        "the first user must be an admin, who can then add the others; "
                        f"start with: assay user add {_quoted(self.ws.user)} --role admin"
                    )
            else:
                self.require(session, Role.ADMIN, "adding a user")
            return user_rows.add(session, name, role, by=self.ws.user, at=at or _now())

    def set_role(self, name: str, role: Role | str) -> User:
        """Change a user's role (admin only)."""
        role = role if isinstance(role, Role) else Role.parse(role)
        with self.ws.db.write() as session:
            self.require(session, Role.ADMIN, "changing a role", always=True)
            return user_rows.set_role(session, name, role, at=_now())

    # -- prototypes -----------------------------------------------------------------------

    def new_prototype(
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
        return preregistration.new_prototype(
            self,
            prototype,
            portfolio=portfolio,
            candidate=candidate,
            point=point,
            facts=facts,
            cost_inputs=cost_inputs,
            base=base,
            at=at,
        )

    def prototype(self, name: str) -> PrototypeRecord:
        """The prototype ``name`` with its effective freeze (see the module docstring)."""
        with self.ws.db.read() as session:
            return effective_record(session, name)

    def prototypes(self) -> list[PrototypeRecord]:
        """Every prototype, by name."""
        with self.ws.db.read() as session:
            names = [p.name for p in prototype_rows.all_records(session)]
            return [effective_record(session, name) for name in names]

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
        changes = {
            "hypothesis": hypothesis,
            "success": success,
            "kill": kill,
            "soft_kill": soft_kill,
            "requirements": requirements,
            "timebox": timebox,
        }
        return preregistration.amend_registration(self, name, why=why, changes=changes, at=at)

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
        return preregistration.link_run(self, name, run_id, online_ab=online_ab, scale=scale, at=at)

    def set_facts(self, name: str, **changes: Any) -> PrototypeRecord:
        """Record stage facts (fields of :class:`RecordedFacts`; ``None`` keeps one)."""
        return preregistration.set_facts(self, name, changes)

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
        return preregistration.set_details(
            self,
            name,
            portfolio=portfolio,
            candidate=candidate,
            point=point,
            evidence=evidence,
            base=base,
        )

    def set_cost_inputs(self, name: str, inputs: Mapping[str, float] | None) -> PrototypeRecord:
        """Store the cost inputs on the prototype (``None`` clears them)."""
        return preregistration.set_cost_inputs(self, name, inputs)

    # -- evidence and review ------------------------------------------------------------------

    def review(self, name: str, *, today: dt.date | None = None) -> GateReview:
        """Every criterion evaluated against the runs, the stage checks, and the
        recommended answer at the prototype's current gate."""
        with self.ws.db.read() as session:
            record = effective_record(session, name)
            return build_review(self.evidence_cache, session, record, today or dt.date.today())[0]

    def evidence(self, name: str) -> RunEvidence:
        """The evidence the prototype's criteria are evaluated against."""
        with self.ws.db.read() as session:
            record = effective_record(session, name)
            runs = self.evidence_cache.runs(session, record)
        return RunEvidence(slices(record, runs)[0])

    # -- gate decisions ---------------------------------------------------------------------

    def decide(
        self,
        name: str,
        answer: Answer | str,
        *,
        why: str,
        conditions: str = "",
        override: bool = False,
        advocates: Sequence[tuple[str, str]] = (),
        revisit_when: str = "",
        at: dt.datetime | None = None,
        today: dt.date | None = None,
    ) -> DecisionRecord:
        """Answer the prototype's current gate. Only an approver (or admin) may; an
        answer against the recommendation needs ``override``. A YES moves the
        prototype to the next stage (or completes it); a NO stops it."""
        at = at or _now()
        with self.ws.db.write() as session:
            role = self.require(session, Role.APPROVER, "deciding a gate", always=True)
            record = effective_record(session, name)
            if record.freeze is not None:
                prototype_rows.freeze(session, record.name, record.freeze)
            if not record.active:
                raise InputError(
                    f"{record.name} is {record.status}; there is no open gate to decide"
                )
            review, runs, _ = build_review(self.evidence_cache, session, record, today or at.date())
            decision = gate_rules.decide(
                review.recommendation,
                answer,
                user=self.ws.user,
                role=role,
                why=why,
                at=at,
                conditions=conditions,
                override=override,
                advocates=advocates,
                revisit_when=revisit_when,
            )
            stored = gate_rows.add_decision(
                session,
                prototype_rows.row(session, record.name),
                decision,
                registration_hash=record.registration.content_hash(),
                recommendation=review.recommendation.to_dict(),
                runs=[run.run_id for run in runs],
            )
            _advance(session, record, decision.answer, at)
            return stored

    def decisions(self, name: str | None = None) -> list[DecisionRecord]:
        """The decisions on one prototype, or on all, oldest first."""
        with self.ws.db.read() as session:
            if name is None:
                return gate_rows.all_decisions(session)
            return gate_rows.decisions_of(session, prototype_rows.row(session, name))

    def check(self, name: str | None = None, *, today: dt.date | None = None) -> list[KillCheck]:
        """Kill criteria against the evidence, for one prototype or every active one."""
        today = today or dt.date.today()
        with self.ws.db.read() as session:
            if name is not None:
                names = [name]
            else:
                names = [r.name for r in prototype_rows.all_records(session) if r.active]
            out = []
            for each in names:
                record = effective_record(session, each)
                rec = build_review(self.evidence_cache, session, record, today)[0].recommendation
                out.append(
                    KillCheck(
                        prototype=record.name,
                        technique=record.technique,
                        stage=record.stage,
                        fired=rec.fired,
                        timebox_expired=rec.timebox_expired,
                        runs=tuple(r.run_id for r in self.evidence_cache.runs(session, record)),
                    )
                )
            return out

    def madr(self, name: str, *, stage: Stage | str | None = None) -> str:
        """The newest decision on the prototype (at ``stage``, when given) as a MADR 4
        decision record in Markdown (see :mod:`assay.workspace.madr`)."""
        from assay.workspace.madr import madr_record

        wanted = stage if stage is None or isinstance(stage, Stage) else Stage.parse(stage)
        with self.ws.db.read() as session:
            record = effective_record(session, name)
            technique = technique_rows.get(session, record.technique)
            taken = gate_rows.decisions_of(session, prototype_rows.row(session, record.name))
        chosen = [d for d in taken if wanted is None or d.decision.stage is wanted]
        if not chosen:
            at = f" at the {wanted.value} gate" if wanted else ""
            raise InputError(
                f"no decision is recorded for {record.name}{at}; decide it first: "
                f"assay gate decide {_quoted(record.name)} yes|no|not-yet --why TEXT"
            )
        days = self.ws.settings.radar.stale_after_days
        return madr_record(technique, record, chosen[-1], stale_days=days)

    # -- radar ----------------------------------------------------------------------------

    def radar_backing(
        self, session: Session, name: str, current: Ring, target: Ring, *, why: str, override: bool
    ) -> MoveBacking | None:
        """Check a ring move against the evidence rules inside the caller's transaction
        (see :func:`assay.pipeline.radar.check_backing`); an override needs the
        approver role once users are registered."""
        return radar_evidence.radar_backing(
            self, session, name, current, target, why=why, override=override
        )

    def record_backing(self, session: Session, name: str, backing: MoveBacking) -> None:
        """Record what stood behind the move just made, in the caller's transaction."""
        radar_evidence.record_backing(session, name, backing)

    def attach(
        self, technique: str, kind: str, path: Path, *, at: dt.datetime | None = None
    ) -> Artifact:
        """Attach a knowledge-transfer document (its text is kept in the record)."""
        content = radar_evidence.read_artifact(path)
        return self.attach_text(technique, kind, path.name, content, at=at)

    def attach_text(
        self,
        technique: str,
        kind: str,
        filename: str,
        content: str,
        *,
        at: dt.datetime | None = None,
    ) -> Artifact:
        """Attach a document given as text: ``implementation``, ``decision-record`` or
        ``runbook``."""
        return radar_evidence.attach_text(self, technique, kind, filename, content, at=at)

    def artifacts(self, technique: str) -> dict[str, Artifact]:
        """The newest artifact of each kind attached to a technique."""
        from assay.workspace.judging import technique_row

        with self.ws.db.read() as session:
            found = technique_row(session, technique)
            return artifact_rows.current(session, found.id, found.name)

    def stale_techniques(self, *, today: dt.date | None = None) -> list[Staleness]:
        """Techniques in TRIAL or ADOPT whose evidence is old or contradicted
        (see :mod:`assay.workspace.staleness`), by name."""
        from assay.workspace.staleness import stale_techniques

        return stale_techniques(self, today or dt.date.today())

    # -- cost and the whole study -------------------------------------------------------------

    def cost(
        self, name: str, inputs: Mapping[str, float | None] | None = None, *, save: bool = False
    ) -> CostReport:
        """The cost-benefit from the stored inputs overlaid with ``inputs``, and the
        measured effects; ``save`` stores the given inputs on the prototype."""
        from assay.workspace.costing import cost_report

        return cost_report(self, name, dict(inputs or {}), save=save)

    def study(self, name: str, *, today: dt.date | None = None) -> Study:
        """Everything the record holds about a prototype, for the reports."""
        today = today or dt.date.today()
        with self.ws.db.read() as session:
            record = effective_record(session, name)
            review, runs, _ = build_review(self.evidence_cache, session, record, today)
            technique: Technique = technique_rows.get(session, record.technique)
            decisions = gate_rows.decisions_of(session, prototype_rows.row(session, name))
        return Study(
            technique=technique,
            record=record,
            review=review,
            decision_records=tuple(decisions),
            runs=tuple(reversed(runs)),
            cost_report=self.cost(name) if record.cost_inputs else None,
            as_of=today,
        )

    # -- team rhythm ---------------------------------------------------------------------------

    def status(self, *, today: dt.date | None = None) -> Status:
        """Prototypes whose kill criteria fire or time-box expired; gates awaiting a
        decision (see :mod:`assay.workspace.rhythm`)."""
        from assay.workspace.rhythm import status

        return status(self, today or dt.date.today())

    def agenda(self, *, since: dt.date | None = None, today: dt.date | None = None) -> Agenda:
        """The research review's agenda, since ``since`` or the last recorded review."""
        from assay.workspace.rhythm import agenda

        return agenda(self, today or dt.date.today(), since)

    def portfolio(self, *, today: dt.date | None = None) -> Portfolio:
        """Effort across core, adjacent and exploratory work against the guide."""
        from assay.workspace.rhythm import portfolio

        return portfolio(self, today or dt.date.today())

    def record_review(
        self,
        *,
        attendees: Sequence[str],
        decisions: Sequence[str],
        notes: str = "",
        held_on: dt.date | None = None,
    ) -> review_rows.ReviewMeeting:
        """Record a research review meeting and the decisions it took."""
        people = [a.strip() for a in attendees if a.strip()]
        taken = [d.strip() for d in decisions if d.strip()]
        if not taken and not notes.strip():
            raise InputError("a review needs at least one --decision or --notes: what was decided")
        with self.ws.db.write() as session:
            self.require(session, Role.CONTRIBUTOR, "recording a review")
            return review_rows.add(
                session,
                held_on=held_on or dt.date.today(),
                attendees=people,
                decisions=taken,
                notes=notes.strip(),
                by=self.ws.user,
                at=_now(),
            )

    def reviews(self) -> list[review_rows.ReviewMeeting]:
        """Every recorded review meeting, oldest first."""
        with self.ws.db.read() as session:
            return review_rows.all_meetings(session)


def _advance(session: Session, record: PrototypeRecord, answer: Answer, at: dt.datetime) -> None:
    """After a decision: a YES moves to the next stage (or completes), a NO stops."""
    if answer is Answer.YES:
        following = record.stage.next
        if following is None:
            prototype_rows.set_status(session, record.name, "complete", at=at)
        else:
            prototype_rows.set_stage(session, record.name, following, at=at)
    elif answer is Answer.NO:
        prototype_rows.set_status(session, record.name, "stopped", at=at)
