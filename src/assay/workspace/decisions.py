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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.errors import InputError, NotFoundError, PermissionDeniedError
from assay.pipeline import gates as gate_rules
from assay.pipeline import radar
from assay.pipeline.gates import Answer, Role, StageFacts
from assay.pipeline.prototype import (
    Amendment,
    Freeze,
    Prototype,
    Registration,
    Stage,
    TimeBox,
    amend,
)
from assay.pipeline.radar import MoveBacking, Technique
from assay.store import artifacts as artifact_rows
from assay.store import gates as gate_rows
from assay.store import prototypes as prototype_rows
from assay.store import reviews as review_rows
from assay.store import techniques as technique_rows
from assay.store import users as user_rows
from assay.store.artifacts import Artifact
from assay.store.gates import DecisionRecord
from assay.store.models import TechniqueRow
from assay.store.prototypes import EvidenceLink, PrototypeRecord, RecordedFacts
from assay.store.run_models import RunRow
from assay.store.runs import RunInfo
from assay.store.study import CostReport, EvidenceRun, GateReview, Study
from assay.store.users import User
from assay.types import Ring
from assay.workspace.evidence import RunEvidence, RunSlice, largest_scale

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

PORTFOLIOS = ("core", "adjacent", "exploratory")
MAX_ARTIFACT_BYTES = 1_000_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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


@dataclasses.dataclass(frozen=True)
class Staleness:
    """A stale blip: the technique, its ring, and why."""

    technique: str
    ring: Ring
    reasons: tuple[str, ...]
    newest_evidence: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "technique": self.technique,
            "ring": self.ring.value,
            "reasons": list(self.reasons),
            "newest_evidence": self.newest_evidence.isoformat() if self.newest_evidence else None,
        }


@dataclasses.dataclass(frozen=True)
class _Judge:
    """A run that judges a prototype: its row facts and how it came to count."""

    run_id: str
    started_at: dt.datetime
    link: EvidenceLink | None


def _technique_row(session: Session, name: str) -> TechniqueRow:
    technique_rows.get(session, name)  # NotFoundError with a hint
    found = session.scalar(select(TechniqueRow).where(TechniqueRow.key == name.casefold()))
    assert found is not None
    return found


def _evidence_entry(text: str, base: Path) -> str:
    """A declared evidence source: a benchmark file (made absolute) or a module name."""
    entry = text.strip()
    if not entry:
        raise InputError("an evidence entry is empty; give a benchmark file or module")
    path = Path(entry).expanduser()
    if entry.endswith(".py") or "/" in entry or path.exists():
        resolved = (base / path).resolve() if not path.is_absolute() else path.resolve()
        if resolved.suffix != ".py":
            raise InputError(f"evidence {entry!r} is not a benchmark file (.py) or module")
        return str(resolved)
    return entry


class Decisions:
    """Reached as ``workspace.decisions``; see the module docstring."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._reports: dict[tuple[str, dt.datetime | None, int], EvidenceRun] = {}

    # -- users and roles ------------------------------------------------------------------

    def users(self) -> list[User]:
        """Every registered user, by name."""
        with self.ws.db.read() as session:
            return user_rows.all_users(session)

    def _require(
        self, session: Session, needed: Role, action: str, *, always: bool = False
    ) -> Role:
        """The acting user's role, or :class:`PermissionDeniedError` when it is not
        enough. Without registered users only ``always`` actions are checked."""
        user = user_rows.find(session, self.ws.user)
        if user is None:
            if not always and user_rows.count(session) == 0:
                return Role.ADMIN
            raise PermissionDeniedError(
                f"{action} needs the {needed.value} role"
                + (" (or admin)" if needed is not Role.ADMIN else "")
                + f"; {self.ws.user} is not a registered user (act as another user with --by, "
                f"or have an admin run: assay user add {self.ws.user} --role {needed.value})"
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
                        f"the first user must be an admin, who can then add the others; "
                        f"start with: assay user add {self.ws.user} --role admin"
                    )
            else:
                self._require(session, Role.ADMIN, "adding a user")
            return user_rows.add(session, name, role, by=self.ws.user, at=at or _now())

    def set_role(self, name: str, role: Role | str) -> User:
        """Change a user's role (admin only)."""
        role = role if isinstance(role, Role) else Role.parse(role)
        with self.ws.db.write() as session:
            self._require(session, Role.ADMIN, "changing a role", always=True)
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
        (resolved against ``base``) or modules whose runs count."""
        check_portfolio(portfolio)
        files = [_evidence_entry(e, base or Path.cwd()) for e in prototype.evidence]
        if cost_inputs:
            check_cost_inputs(cost_inputs)
        at = at or _now()
        with self.ws.db.write() as session:
            self._require(session, Role.CONTRIBUTOR, "registering a prototype")
            technique = _technique_row(session, prototype.technique)
            stored = dataclasses.replace(prototype, technique=technique.name, evidence=())
            return prototype_rows.add(
                session,
                stored,
                technique_id=technique.id,
                portfolio=portfolio,
                candidate=candidate,
                point=point,
                evidence_files=files,
                facts=facts or RecordedFacts(),
                cost_inputs=cost_inputs,
                by=self.ws.user,
                at=at,
            )

    def prototype(self, name: str) -> PrototypeRecord:
        """The prototype ``name`` with its effective freeze (see the module docstring)."""
        with self.ws.db.read() as session:
            return self._record(session, name)

    def prototypes(self) -> list[PrototypeRecord]:
        """Every prototype, by name."""
        with self.ws.db.read() as session:
            names = [p.name for p in prototype_rows.all_records(session)]
            return [self._record(session, name) for name in names]

    def _record(self, session: Session, name: str) -> PrototypeRecord:
        found = prototype_rows.get(session, name)
        if found.freeze is None:
            judges = self._judges(session, found)
            if judges:
                first = min(judges, key=lambda j: j.started_at).started_at
                reg = found.registration
                frozen = Freeze(reg.content_hash(), reg.canonical_text(), first)
                found = dataclasses.replace(found, freeze=frozen)
        return found

    def _judges(self, session: Session, record: PrototypeRecord) -> list[_Judge]:
        """The runs that judge the prototype, newest first."""
        judges = {link.run_id: _Judge(link.run_id, link.started_at, link) for link in record.links}
        if record.evidence_files:
            rows = session.execute(
                select(RunRow.run_id, RunRow.created_at).where(
                    RunRow.source.in_(record.evidence_files),
                    RunRow.created_at >= record.registered_at,
                )
            )
            for run_id, started in rows:
                judges.setdefault(run_id, _Judge(run_id, started, None))
        return sorted(judges.values(), key=lambda j: (j.started_at, j.run_id), reverse=True)

    def _persist_freeze(self, session: Session, name: str) -> PrototypeRecord:
        record = self._record(session, name)
        if record.freeze is not None:
            prototype_rows.freeze(session, record.name, record.freeze)
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
        at = at or _now()
        with self.ws.db.write() as session:
            self._require(session, Role.CONTRIBUTOR, "changing a prototype's criteria")
            record = self._persist_freeze(session, name)
            if not record.active:
                raise InputError(f"{record.name} is {record.status}; its criteria no longer change")
            old = record.registration
            box = record.prototype.timebox
            if timebox is not None:
                box = TimeBox.parse(timebox, start=box.start if box else at.date())
            kills = [k for k in old.kill if k.severity.value == "hard"]
            softs = [k.criterion for k in old.kill if k.severity.value == "soft"]
            new = Registration.build(
                hypothesis=old.hypothesis if hypothesis is None else hypothesis,
                success=old.success if success is None else success,
                kill=kills if kill is None else kill,
                soft_kill=softs if soft_kill is None else soft_kill,
                requirements=old.requirements if requirements is None else requirements,
                timebox_end=box.end if box else None,
            )
            if record.freeze is None:
                if new.canonical_lines() == old.canonical_lines():
                    raise InputError("nothing to change: the pre-registered content is the same")
                edited = prototype_rows.edit_registration(
                    session, record.name, new, timebox=box, at=at
                )
                return edited, None
            amendment = amend(old, new, by=self.ws.user, reason=why, at=at)
            prototype_rows.add_amendment(session, record.name, new, amendment, timebox=box)
            return self._record(session, record.name), amendment

    def link_run(
        self,
        name: str,
        run_id: str,
        *,
        online_ab: bool = False,
        scale: float | None = None,
        at: dt.datetime | None = None,
    ) -> PrototypeRecord:
        """Link a run as evidence. A run that began before the criteria were
        registered is refused: it cannot judge criteria written after it started.
        The first judging run freezes the criteria at its start."""
        if scale is not None and not scale > 0:
            raise InputError(f"--scale {scale} must be a positive number")
        with self.ws.db.write() as session:
            self._require(session, Role.CONTRIBUTOR, "linking evidence")
            record = self._persist_freeze(session, name)
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
                by=self.ws.user,
                at=at or _now(),
            )
            return self._persist_freeze(session, record.name)

    def set_facts(self, name: str, **changes: Any) -> PrototypeRecord:
        """Record stage facts (fields of :class:`RecordedFacts`; ``None`` keeps one)."""
        known = {f.name for f in dataclasses.fields(RecordedFacts)} - {"by", "at"}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise InputError(f"unknown stage fact(s) {', '.join(unknown)}")
        updates = {k: v for k, v in changes.items() if v is not None}
        scale = updates.get("declared_scale")
        if scale is not None and not float(scale) > 0:
            raise InputError(f"declared scale {scale} must be a positive number")
        if (
            updates.get("baseline_strongest")
            and not str(updates.get("baseline_justification", "")).strip()
        ):
            raise InputError(
                "recording the baseline as the strongest available needs a justification: "
                "say why no stronger baseline exists"
            )
        with self.ws.db.write() as session:
            self._require(session, Role.CONTRIBUTOR, "recording stage facts")
            record = self._persist_freeze(session, name)
            facts = dataclasses.replace(record.facts, **updates, by=self.ws.user, at=_now())
            return prototype_rows.set_facts(session, record.name, facts)

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
        """Change what is not pre-registered: portfolio, candidate, sweep point, and
        the declared benchmark files or modules (``None`` keeps each)."""
        check_portfolio(portfolio or None)
        files = None
        if evidence is not None:
            files = [_evidence_entry(e, base or Path.cwd()) for e in evidence]
        with self.ws.db.write() as session:
            self._require(session, Role.CONTRIBUTOR, "changing a prototype")
            record = self._persist_freeze(session, name)
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
                at=_now(),
            )
            return self._persist_freeze(session, record.name)

    # -- evidence and review ------------------------------------------------------------------

    def _evidence_runs(self, session: Session, record: PrototypeRecord) -> list[EvidenceRun]:
        last_amendment = record.amendments[-1].at if record.amendments else None
        out = []
        for judge in self._judges(session, record):
            info = self._info(session, judge.run_id)
            key = (judge.run_id, info.finished_at, info.completed)
            cached = self._reports.get(key)
            if cached is None:
                report = self.ws.runs.report(judge.run_id)
                cached = EvidenceRun(report.info, report.result, judge.link)
                self._reports[key] = cached
            before = last_amendment is not None and judge.started_at < last_amendment
            out.append(dataclasses.replace(cached, link=judge.link, after_amendment=before))
        return out

    @staticmethod
    def _info(session: Session, run_id: str) -> RunInfo:
        from assay.store import runs as run_rows

        return run_rows.get_run(session, run_id)

    def _slices(
        self, record: PrototypeRecord, runs: Sequence[EvidenceRun]
    ) -> tuple[list[RunSlice], list[str]]:
        slices, warnings = [], []
        for run in runs:
            try:
                slices.append(
                    RunSlice.of(
                        run.run_id, run.result, candidate=record.candidate, point=record.point
                    )
                )
            except InputError as exc:
                warnings.append(f"run {run.run_id} does not count: {exc}")
        return slices, warnings

    def _stage_facts(
        self, record: PrototypeRecord, runs: Sequence[EvidenceRun], slices: Sequence[RunSlice]
    ) -> StageFacts:
        facts = record.facts
        tested = largest_scale(slices, facts.scale_param) if facts.scale_param else None
        stated = [run.link.scale for run in runs if run.link and run.link.scale is not None]
        if stated:
            tested = max([*stated, *([tested] if tested is not None else [])])
        return StageFacts(
            largest_declared_scale=facts.declared_scale,
            largest_tested_scale=tested,
            scale_unit=facts.scale_unit,
            production_representative=facts.production_representative,
            baseline_strongest=facts.baseline_strongest,
            baseline_justification=facts.baseline_justification,
            rollout_plan=facts.rollout_plan,
            online_ab=any(run.online_ab for run in runs),
        )

    def _review(
        self, session: Session, record: PrototypeRecord, today: dt.date
    ) -> tuple[GateReview, list[EvidenceRun], RunEvidence]:
        runs = self._evidence_runs(session, record)
        slices, warnings = self._slices(record, runs)
        evidence = RunEvidence(slices)
        facts = self._stage_facts(record, runs, slices)
        recommendation = gate_rules.review(record.prototype, evidence, today=today, facts=facts)
        warnings += _review_warnings(record, runs)
        review = GateReview(
            prototype=record.name,
            technique=record.technique,
            recommendation=recommendation,
            evidence=evidence.snapshot().to_dict(),
            sources=dict(sorted(evidence.sources.items())),
            runs=tuple(run.run_id for run in runs),
            facts=facts,
            frozen=record.freeze is not None,
            warnings=tuple(warnings),
            as_of=today,
        )
        return review, runs, evidence

    def review(self, name: str, *, today: dt.date | None = None) -> GateReview:
        """Every criterion evaluated against the runs, the stage checks, and the
        recommended answer at the prototype's current gate."""
        with self.ws.db.read() as session:
            record = self._record(session, name)
            return self._review(session, record, today or dt.date.today())[0]

    def evidence(self, name: str) -> RunEvidence:
        """The evidence the prototype's criteria are evaluated against."""
        with self.ws.db.read() as session:
            record = self._record(session, name)
            runs = self._evidence_runs(session, record)
        return RunEvidence(self._slices(record, runs)[0])

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
            role = self._require(session, Role.APPROVER, "deciding a gate", always=True)
            record = self._persist_freeze(session, name)
            if not record.active:
                raise InputError(
                    f"{record.name} is {record.status}; there is no open gate to decide"
                )
            review, runs, _ = self._review(session, record, today or at.date())
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
            found = prototype_rows.row(session, record.name)
            stored = gate_rows.add_decision(
                session,
                found,
                decision,
                registration_hash=record.registration.content_hash(),
                recommendation=review.recommendation.to_dict(),
                runs=[run.run_id for run in runs],
            )
            if decision.answer is Answer.YES:
                following = record.stage.next
                if following is None:
                    prototype_rows.set_status(session, record.name, "complete", at=at)
                else:
                    prototype_rows.set_stage(session, record.name, following, at=at)
            elif decision.answer is Answer.NO:
                prototype_rows.set_status(session, record.name, "stopped", at=at)
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
                records = [self._record(session, name)]
            else:
                records = [
                    self._record(session, r.name)
                    for r in prototype_rows.all_records(session)
                    if r.active
                ]
            out = []
            for record in records:
                review = self._review(session, record, today)[0]
                out.append(
                    KillCheck(
                        prototype=record.name,
                        technique=record.technique,
                        stage=record.stage,
                        fired=review.recommendation.fired,
                        timebox_expired=review.recommendation.timebox_expired,
                        runs=review.runs,
                    )
                )
            return out

    def madr(self, name: str, *, stage: Stage | str | None = None) -> str:
        """The newest decision on the prototype (at ``stage``, when given) as a MADR 4
        decision record in Markdown (see :mod:`assay.workspace.madr`)."""
        from assay.workspace.madr import madr_record

        wanted = stage if stage is None or isinstance(stage, Stage) else Stage.parse(stage)
        with self.ws.db.read() as session:
            record = self._record(session, name)
            technique = technique_rows.get(session, record.technique)
            taken = gate_rows.decisions_of(session, prototype_rows.row(session, record.name))
        chosen = [d for d in taken if wanted is None or d.decision.stage is wanted]
        if not chosen:
            at = f" at the {wanted.value} gate" if wanted else ""
            raise InputError(
                f"no decision is recorded for {record.name}{at}; decide it first: "
                f"assay gate decide {record.name} yes|no|not-yet --why TEXT"
            )
        days = self.ws.settings.radar.stale_after_days
        return madr_record(technique, record, chosen[-1], stale_days=days)

    # -- radar ----------------------------------------------------------------------------

    def radar_backing(
        self, session: Session, name: str, current: Ring, target: Ring, *, why: str, override: bool
    ) -> MoveBacking | None:
        """Check a ring move against the evidence rules inside the caller's transaction
        (see :func:`assay.pipeline.radar.check_backing`)."""
        technique = _technique_row(session, name)
        yes = None
        for record in prototype_rows.by_technique(session, technique.id):
            if record.status == "stopped":
                continue
            found = prototype_rows.row(session, record.name)
            for decision in gate_rows.decisions_of(session, found):
                if decision.answer is Answer.YES and (yes is None or decision.at >= yes.at):
                    yes = decision
        kinds = artifact_rows.current(session, technique.id, technique.name).keys()
        backing = radar.check_backing(
            technique.name,
            current,
            target,
            yes_decision=None if yes is None else yes.id,
            artifacts=kinds,
            override=override,
            why=why,
            decision_summary=""
            if yes is None
            else f"YES at the {yes.decision.stage.value} gate of {yes.prototype} "
            f"(decision #{yes.id}, {yes.decision.decided_by}): {yes.decision.why}",
        )
        if backing is not None and backing.override:
            self._require(session, Role.APPROVER, "overriding the evidence rule of the radar")
        return backing

    def record_backing(self, session: Session, name: str, backing: MoveBacking) -> None:
        """Record what stood behind the move just made."""
        technique = _technique_row(session, name)
        gate_rows.record_move_evidence(
            session,
            technique.id,
            decision_id=backing.decision,
            override=backing.override,
            waived=backing.waived,
        )

    def attach(
        self, technique: str, kind: str, path: Path, *, at: dt.datetime | None = None
    ) -> Artifact:
        """Attach a knowledge-transfer document (its text is kept in the record)."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
        if len(data) > MAX_ARTIFACT_BYTES:
            raise InputError(f"{path} is {len(data):,} bytes; attach at most 1 MB of text")
        try:
            content = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text; attach Markdown or plain text") from None
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
        """Attach a document given as text."""
        kind = kind.strip().lower().replace("_", "-").replace(" ", "-")
        if kind not in radar.ARTIFACT_KINDS:
            raise InputError(
                f"unknown artifact kind {kind!r}; expected {', '.join(radar.ARTIFACT_KINDS)}"
            )
        if not content.strip():
            raise InputError(f"{filename} is empty; attach a document with something in it")
        with self.ws.db.write() as session:
            self._require(session, Role.CONTRIBUTOR, "attaching an artifact")
            found = _technique_row(session, technique)
            return artifact_rows.attach(
                session,
                found.id,
                found.name,
                kind=kind,
                filename=filename,
                content=content,
                by=self.ws.user,
                at=at or _now(),
            )

    def artifacts(self, technique: str) -> dict[str, Artifact]:
        """The newest artifact of each kind attached to a technique."""
        with self.ws.db.read() as session:
            found = _technique_row(session, technique)
            return artifact_rows.current(session, found.id, found.name)

    def stale_techniques(self, *, today: dt.date | None = None) -> list[Staleness]:
        """Techniques in TRIAL or ADOPT whose evidence is old or contradicted
        (:func:`assay.pipeline.radar.stale_reasons`), by name."""
        from assay.workspace.staleness import stale_techniques

        return stale_techniques(self, today or dt.date.today())

    # -- cost and the whole study -------------------------------------------------------------

    def set_cost_inputs(self, name: str, inputs: Mapping[str, float] | None) -> PrototypeRecord:
        """Store the cost inputs on the prototype (``None`` clears them)."""
        if inputs:
            check_cost_inputs(inputs)
        with self.ws.db.write() as session:
            self._require(session, Role.CONTRIBUTOR, "storing cost inputs")
            record = self._persist_freeze(session, name)
            prototype_rows.set_cost_inputs(session, record.name, inputs, at=_now())
            return self._record(session, record.name)

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
            record = self._record(session, name)
            review, runs, _ = self._review(session, record, today)
            technique: Technique = technique_rows.get(session, record.technique)
            decisions = gate_rows.decisions_of(session, prototype_rows.row(session, name))
        cost = None
        if record.cost_inputs:
            cost = self.cost(name)
        return Study(
            technique=technique,
            record=record,
            review=review,
            decision_records=tuple(decisions),
            runs=tuple(reversed(runs)),
            cost_report=cost,
            as_of=today,
        )

    # -- team rhythm ---------------------------------------------------------------------------

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
            self._require(session, Role.CONTRIBUTOR, "recording a review")
            return review_rows.add(
                session,
                held_on=held_on or dt.date.today(),
                attendees=people,
                decisions=taken,
                notes=notes.strip(),
                by=self.ws.user,
                at=_now(),
            )

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

    def reviews(self) -> list[review_rows.ReviewMeeting]:
        """Every recorded review meeting, oldest first."""
        with self.ws.db.read() as session:
            return review_rows.all_meetings(session)


def _review_warnings(record: PrototypeRecord, runs: Sequence[EvidenceRun]) -> list[str]:
    warnings = []
    if not runs:
        warnings.append(
            f"no run judges {record.name} yet: link one with assay prototype evidence "
            f"{record.name} RUN_ID, or run a benchmark it declares"
        )
    for amendment in record.amendments:
        earlier = [run.run_id for run in runs if run.started_at < amendment.at]
        if earlier:
            warnings.append(
                f"the criteria were amended on {amendment.at:%Y-%m-%d} by {amendment.by} "
                f"({amendment.reason}) after run(s) {', '.join(earlier)} had begun: the amended "
                "criteria were written with that data available"
            )
    running = [run.run_id for run in runs if run.info.state != "finished"]
    if running:
        warnings.append(f"run(s) {', '.join(running)} have not finished; the evidence may change")
    return warnings


def check_portfolio(portfolio: str | None) -> None:
    """Refuse a portfolio category other than core, adjacent or exploratory."""
    if portfolio is not None and portfolio not in PORTFOLIOS:
        raise InputError(f"unknown portfolio {portfolio!r}; expected {', '.join(PORTFOLIOS)}")


def check_cost_inputs(inputs: Mapping[str, Any]) -> None:
    """Refuse cost inputs that are not fields of :class:`assay.pipeline.cost.CostInputs`
    or not non-negative numbers."""
    from assay.pipeline.cost import CostInputs

    known = {f.name for f in dataclasses.fields(CostInputs)}
    unknown = sorted(set(inputs) - known)
    if unknown:
        raise InputError(
            f"unknown cost input(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}"
        )
    for key, value in inputs.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InputError(f"cost input {key}={value!r} must be a number, at least 0")
