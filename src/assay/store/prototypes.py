"""Prototypes in the store: their pre-registration, freeze, amendments, stage facts,
cost inputs and the runs linked to them as evidence.

Functions take an open session and return :class:`PrototypeRecord` values built
on :class:`assay.pipeline.prototype.Prototype`; callers never see rows. The rules
(when to freeze, what an amendment is) live in :mod:`assay.pipeline.prototype` and
are applied by the workspace; this module stores what it is given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assay.errors import DuplicateError, NotFoundError
from assay.pipeline.prototype import (
    Amendment,
    Freeze,
    KillCriterion,
    Prototype,
    Registration,
    Severity,
    Stage,
    Strategy,
    TimeBox,
)
from assay.store.actors import actor, set_actor
from assay.store.decision_models import AmendmentRow, PrototypeRow, PrototypeRunRow
from assay.store.run_models import RunRow

__all__ = [
    "STATUSES",
    "EvidenceLink",
    "PrototypeRecord",
    "RecordedFacts",
    "add",
    "add_amendment",
    "all_records",
    "by_technique",
    "edit_registration",
    "freeze",
    "get",
    "link_run",
    "record",
    "row",
    "set_cost_inputs",
    "set_facts",
    "set_stage",
    "set_status",
]

STATUSES = ("active", "stopped", "complete")
"""active: gathering evidence or awaiting a gate; stopped: a NO ended it; complete: YES
at the integration gate."""


@dataclasses.dataclass(frozen=True)
class RecordedFacts:
    """What people recorded for the stage checks (the runs supply the rest).

    Attributes:
        declared_scale: the largest scale that matters in production (tokens,
            batch size, requests per second...).
        scale_unit: its unit, for messages.
        scale_param: the benchmark's sweep parameter that measures the scale
            (``n``); runs at a point of that parameter count as tested there.
        production_representative: the evaluation data is marked as such.
        baseline_strongest: the baseline is recorded as the strongest available.
        baseline_justification: why it is the strongest.
        rollout_plan: the rollout plan (integration stage).
        by, at: who recorded the facts last, and when.
    """

    declared_scale: float | None = None
    scale_unit: str = ""
    scale_param: str | None = None
    production_representative: bool = False
    baseline_strongest: bool = False
    baseline_justification: str = ""
    rollout_plan: str = ""
    by: str = ""
    at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary; :meth:`from_dict` reads it back."""
        data = dataclasses.asdict(self)
        data["at"] = self.at.isoformat() if self.at else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordedFacts:
        """Facts from their stored dictionary."""
        at = data.get("at")
        known = {field.name for field in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k != "at"}
        return cls(**values, at=dt.datetime.fromisoformat(at) if at else None)


@dataclasses.dataclass(frozen=True)
class EvidenceLink:
    """A run linked to a prototype as evidence.

    ``started_at`` is when the run began (what pre-registration is measured
    against); ``online_ab`` marks an online A/B comparison; ``scale`` the scale the
    run was made at, when its benchmark does not sweep one.
    """

    run_id: str
    run_name: str
    source: str
    kind: str
    started_at: dt.datetime
    online_ab: bool
    scale: float | None
    by: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "run_id": self.run_id,
            "run_name": self.run_name,
            "source": self.source,
            "kind": self.kind,
            "started_at": self.started_at.isoformat(),
            "online_ab": self.online_ab,
            "scale": self.scale,
            "by": self.by,
            "at": self.at.isoformat(),
        }


@dataclasses.dataclass(frozen=True)
class PrototypeRecord:
    """A prototype as stored: the pipeline value and everything recorded around it.

    Attributes:
        prototype: name, technique, registration, stage, strategy, time-box,
            evidence (declared benchmark files or modules, then linked run ids).
        status: ``active``, ``stopped`` (a NO ended it) or ``complete``.
        portfolio: ``core``, ``adjacent`` or ``exploratory``, when categorised.
        candidate: the benchmark method that is the technique, when a run has
            several candidates.
        point: the sweep point at which the criteria are judged (``{"n": 4096}``);
            ``None`` means the largest point of each run.
        evidence_files: benchmark files (absolute paths) or modules whose runs count.
        facts: what people recorded for the stage checks.
        cost_inputs: :class:`assay.pipeline.cost.CostInputs` fields, when given.
        registered_at: when the pre-registered content was written (creation or the
            last edit before the freeze); runs that began earlier cannot judge it.
        freeze: hash, text and time of the freeze, once the first judging run began.
        amendments: changes since the freeze, oldest first.
        links: runs linked as evidence, in the order they were linked.
    """

    prototype: Prototype
    status: str
    portfolio: str | None
    candidate: str | None
    point: dict[str, Any] | None
    evidence_files: tuple[str, ...]
    facts: RecordedFacts
    cost_inputs: dict[str, float] | None
    registered_at: dt.datetime
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    freeze: Freeze | None = None
    amendments: tuple[Amendment, ...] = ()
    links: tuple[EvidenceLink, ...] = ()

    @property
    def name(self) -> str:
        """The prototype's name."""
        return self.prototype.name

    @property
    def technique(self) -> str:
        """The technique it tests."""
        return self.prototype.technique

    @property
    def stage(self) -> Stage:
        """The stage it is in."""
        return self.prototype.stage

    @property
    def registration(self) -> Registration:
        """The pre-registered content as it stands (after any amendment)."""
        return self.prototype.registration

    @property
    def active(self) -> bool:
        """Whether it is still going (not stopped by a NO, not complete)."""
        return self.status == "active"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary: everything above, criteria in canonical text."""
        p = self.prototype
        registration = registration_to_dict(p.registration)
        return {
            "name": p.name,
            "technique": p.technique,
            "stage": p.stage.value,
            "question": p.stage.question,
            "status": self.status,
            "strategy": p.strategy.value if p.strategy else None,
            "portfolio": self.portfolio,
            "timebox": None
            if p.timebox is None
            else {"start": p.timebox.start.isoformat(), "end": p.timebox.end.isoformat()},
            "registration": registration,
            "content_hash": p.registration.content_hash(),
            "registered_at": self.registered_at.isoformat(),
            "frozen": None
            if self.freeze is None
            else {
                "hash": self.freeze.content_hash,
                "at": self.freeze.at.isoformat(),
                "text": self.freeze.canonical_text,
            },
            "amendments": [a.to_dict() for a in self.amendments],
            "candidate": self.candidate,
            "point": self.point,
            "evidence_files": list(self.evidence_files),
            "runs": [link.to_dict() for link in self.links],
            "facts": self.facts.to_dict(),
            "cost_inputs": self.cost_inputs,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


# -- registration as JSON ---------------------------------------------------------------


def registration_to_dict(registration: Registration) -> dict[str, Any]:
    """The registration as stored: criteria in canonical text."""
    return {
        "hypothesis": registration.hypothesis,
        "success": [c.canonical for c in registration.success],
        "kill": [
            {"criterion": k.criterion.canonical, "severity": k.severity.value}
            for k in registration.kill
        ],
        "requirements": list(registration.requirements),
        "timebox_end": registration.timebox_end.isoformat() if registration.timebox_end else None,
    }


def registration_from_dict(data: Mapping[str, Any]) -> Registration:
    """The registration from its stored form (criteria are parsed again)."""
    end = data.get("timebox_end")
    return Registration.build(
        hypothesis=data["hypothesis"],
        success=data.get("success", []),
        kill=[
            KillCriterion.parse(item["criterion"], Severity(item["severity"]))
            for item in data.get("kill", [])
        ],
        requirements=data.get("requirements", []),
        timebox_end=dt.date.fromisoformat(end) if end else None,
    )


# -- rows ----------------------------------------------------------------------------------


def _key(name: str) -> str:
    return name.casefold()


def row(session: Session, name: str) -> PrototypeRow:
    """The row of the prototype ``name`` (any case), or :class:`NotFoundError`."""
    found = session.scalar(
        select(PrototypeRow)
        .where(PrototypeRow.key == _key(name))
        .options(
            selectinload(PrototypeRow.amendments),
            selectinload(PrototypeRow.links).selectinload(PrototypeRunRow.run),
            selectinload(PrototypeRow.technique),
        )
    )
    if found is None:
        import difflib

        known = list(session.scalars(select(PrototypeRow.name).order_by(PrototypeRow.key)))
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; see: assay prototype list"
        raise NotFoundError(f"unknown prototype {name!r}{hint}")
    return found


def _link(link: PrototypeRunRow) -> EvidenceLink:
    run = link.run
    return EvidenceLink(
        run_id=run.run_id,
        run_name=run.name,
        source=run.source,
        kind=run.kind,
        started_at=run.created_at,
        online_ab=link.online_ab,
        scale=link.scale,
        by=link.by,
        at=link.at,
    )


def record(found: PrototypeRow) -> PrototypeRecord:
    """The stored prototype as a value."""
    registration = registration_from_dict(found.registration)
    timebox = None
    if found.timebox_start is not None and found.timebox_end is not None:
        timebox = TimeBox(found.timebox_start, found.timebox_end)
    links = tuple(_link(link) for link in found.links)
    files = tuple(found.evidence_files)
    prototype = Prototype(
        name=found.name,
        technique=found.technique.name,
        registration=registration,
        stage=Stage(found.stage),
        strategy=Strategy(found.strategy) if found.strategy else None,
        timebox=timebox,
        evidence=(*files, *(link.run_id for link in links)),
    )
    freeze_value = None
    if found.frozen_hash and found.frozen_at is not None:
        freeze_value = Freeze(found.frozen_hash, found.frozen_text or "", found.frozen_at)
    amendments = tuple(
        Amendment(
            at=a.at,
            by=a.by,
            reason=a.reason,
            old_hash=a.old_hash,
            new_hash=a.new_hash,
            changes=tuple(a.changes),
        )
        for a in found.amendments
    )
    return PrototypeRecord(
        prototype=prototype,
        status=found.status,
        portfolio=found.portfolio,
        candidate=found.candidate,
        point=dict(found.point) if found.point else None,
        evidence_files=files,
        facts=RecordedFacts.from_dict(found.facts),
        cost_inputs=dict(found.cost_inputs) if found.cost_inputs else None,
        registered_at=found.registered_at,
        created_by=found.by,
        created_at=found.created_at,
        updated_at=found.updated_at,
        freeze=freeze_value,
        amendments=amendments,
        links=links,
    )


def get(session: Session, name: str) -> PrototypeRecord:
    """The prototype ``name`` (any case), or :class:`NotFoundError`."""
    return record(row(session, name))


def _all_rows(session: Session) -> list[PrototypeRow]:
    return list(
        session.scalars(
            select(PrototypeRow)
            .options(
                selectinload(PrototypeRow.amendments),
                selectinload(PrototypeRow.links).selectinload(PrototypeRunRow.run),
                selectinload(PrototypeRow.technique),
            )
            .order_by(PrototypeRow.key)
        )
    )


def all_records(session: Session) -> list[PrototypeRecord]:
    """Every prototype, by name."""
    return [record(found) for found in _all_rows(session)]


def by_technique(session: Session, technique_id: int) -> list[PrototypeRecord]:
    """The prototypes of one technique, by name."""
    return [record(found) for found in _all_rows(session) if found.technique_id == technique_id]


def add(
    session: Session,
    prototype: Prototype,
    *,
    technique_id: int,
    portfolio: str | None,
    candidate: str | None,
    point: Mapping[str, Any] | None,
    evidence_files: Sequence[str],
    facts: RecordedFacts,
    cost_inputs: Mapping[str, float] | None,
    by: str,
    at: dt.datetime,
) -> PrototypeRecord:
    """Store a new prototype; a taken name is a :class:`DuplicateError`."""
    taken = session.scalar(
        select(PrototypeRow.name).where(PrototypeRow.key == _key(prototype.name))
    )
    if taken is not None:
        raise DuplicateError(
            f"a prototype named {taken!r} already exists; pick another name, or change its "
            "criteria with: assay prototype amend"
        )
    timebox = prototype.timebox
    found = PrototypeRow(
        name=prototype.name,
        key=_key(prototype.name),
        technique_id=technique_id,
        registration=registration_to_dict(prototype.registration),
        content_hash=prototype.registration.content_hash(),
        registered_at=at,
        stage=prototype.stage.value,
        status="active",
        strategy=prototype.strategy.value if prototype.strategy else None,
        portfolio=portfolio,
        timebox_start=timebox.start if timebox else None,
        timebox_end=timebox.end if timebox else None,
        candidate=candidate,
        point=dict(point) if point else None,
        evidence_files=list(evidence_files),
        facts=facts.to_dict(),
        cost_inputs=dict(cost_inputs) if cost_inputs else None,
        **actor(session, by),
        created_at=at,
        updated_at=at,
    )
    session.add(found)
    session.flush()
    return get(session, prototype.name)


def _set_registration(found: PrototypeRow, registration: Registration) -> None:
    found.registration = registration_to_dict(registration)
    found.content_hash = registration.content_hash()


def edit_registration(
    session: Session,
    name: str,
    registration: Registration,
    *,
    timebox: TimeBox | None,
    at: dt.datetime,
) -> PrototypeRecord:
    """Replace the registration of a prototype that is not frozen yet; the
    registration time moves to ``at`` (runs that began earlier cannot judge it)."""
    found = row(session, name)
    _set_registration(found, registration)
    found.timebox_start = timebox.start if timebox else None
    found.timebox_end = timebox.end if timebox else None
    found.registered_at = at
    found.updated_at = at
    session.flush()
    return record(found)


def add_amendment(
    session: Session,
    name: str,
    registration: Registration,
    amendment: Amendment,
    *,
    timebox: TimeBox | None,
) -> PrototypeRecord:
    """Record an amendment to frozen criteria and make ``registration`` current."""
    found = row(session, name)
    _set_registration(found, registration)
    found.timebox_start = timebox.start if timebox else None
    found.timebox_end = timebox.end if timebox else None
    found.amendments.append(
        AmendmentRow(
            at=amendment.at,
            **actor(session, amendment.by),
            reason=amendment.reason,
            old_hash=amendment.old_hash,
            new_hash=amendment.new_hash,
            changes=list(amendment.changes),
        )
    )
    found.updated_at = amendment.at
    session.flush()
    return record(found)


def freeze(session: Session, name: str, frozen: Freeze) -> None:
    """Record the freeze of a prototype's registration (once)."""
    found = row(session, name)
    if found.frozen_at is None:
        found.frozen_hash = frozen.content_hash
        found.frozen_text = frozen.canonical_text
        found.frozen_at = frozen.at
        session.flush()


def link_run(
    session: Session,
    name: str,
    run_id: str,
    *,
    online_ab: bool,
    scale: float | None,
    by: str,
    at: dt.datetime,
) -> PrototypeRecord:
    """Link run ``run_id`` to the prototype; linking it again updates the marks."""
    found = row(session, name)
    run = session.scalar(select(RunRow).where(RunRow.run_id == run_id))
    if run is None:
        raise NotFoundError(f"unknown run {run_id!r}; list the runs with: assay bench list")
    existing = next((link for link in found.links if link.run_pk == run.id), None)
    if existing is None:
        found.links.append(
            PrototypeRunRow(
                run_pk=run.id,
                run=run,
                online_ab=online_ab,
                scale=scale,
                at=at,
                **actor(session, by),
            )
        )
    else:
        existing.online_ab, existing.scale, existing.at = online_ab, scale, at
        set_actor(session, existing, by)
    found.updated_at = at
    session.flush()
    return record(found)


def set_facts(session: Session, name: str, facts: RecordedFacts) -> PrototypeRecord:
    """Replace the recorded stage facts."""
    found = row(session, name)
    found.facts = facts.to_dict()
    if facts.at is not None:
        found.updated_at = facts.at
    session.flush()
    return record(found)


def set_cost_inputs(
    session: Session, name: str, inputs: Mapping[str, float] | None, *, at: dt.datetime
) -> PrototypeRecord:
    """Replace the stored cost inputs (``None`` clears them)."""
    found = row(session, name)
    found.cost_inputs = dict(inputs) if inputs else None
    found.updated_at = at
    session.flush()
    return record(found)


def set_stage(session: Session, name: str, stage: Stage, *, at: dt.datetime) -> None:
    """Move the prototype to ``stage`` (after a YES at the previous gate)."""
    found = row(session, name)
    found.stage = stage.value
    found.updated_at = at
    session.flush()


def set_status(session: Session, name: str, status: str, *, at: dt.datetime) -> None:
    """Set the status: ``active``, ``stopped`` or ``complete``."""
    if status not in STATUSES:
        raise ValueError(f"unknown prototype status {status!r}")
    found = row(session, name)
    found.status = status
    found.updated_at = at
    session.flush()


def set_details(
    session: Session,
    name: str,
    *,
    portfolio: str | None = None,
    candidate: str | None = None,
    point: Mapping[str, Any] | None = None,
    evidence_files: Sequence[str] | None = None,
    at: dt.datetime,
) -> PrototypeRecord:
    """Change details outside the pre-registration; ``None`` leaves one as it is."""
    found = row(session, name)
    if portfolio is not None:
        found.portfolio = portfolio or None
    if candidate is not None:
        found.candidate = candidate or None
    if point is not None:
        found.point = dict(point) if point else None
    if evidence_files is not None:
        found.evidence_files = list(evidence_files)
    found.updated_at = at
    session.flush()
    return record(found)
