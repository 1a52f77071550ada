"""Prototypes in the store: their pre-registration, freeze, amendments, stage facts,
cost inputs and the runs linked to them as evidence.

Functions take an open session and return :class:`PrototypeRecord` values built
on :class:`assay.pipeline.prototype.Prototype`; callers never see rows. The rules
(when to freeze, what an amendment is) live in :mod:`assay.pipeline.prototype` and
are applied by the workspace; this module stores what it is given.

The values and the reads are in :mod:`assay.store.prototype_reads` (plain SQL, no
SQLAlchemy), re-exported here; :func:`get` and :func:`all_records` run them on the
session's connection, so a record reads the same on either path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assay.errors import DuplicateError, NotFoundError
from assay.pipeline.prototype import Amendment, Freeze, Prototype, Registration, Stage, TimeBox
from assay.store import prototype_reads
from assay.store.actors import actor, set_actor
from assay.store.decision_models import AmendmentRow, PrototypeRow, PrototypeRunRow
from assay.store.prototype_reads import (
    STATUSES,
    EvidenceLink,
    PrototypeRecord,
    RecordedFacts,
    registration_from_dict,
    registration_to_dict,
)
from assay.store.run_models import RunRow
from assay.store.sql import Sql

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
    "registration_from_dict",
    "registration_to_dict",
    "row",
    "set_cost_inputs",
    "set_facts",
    "set_stage",
    "set_status",
]

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


def get(session: Session, name: str) -> PrototypeRecord:
    """The prototype ``name`` (any case), or :class:`NotFoundError`
    (:func:`assay.store.prototype_reads.get` in the session's transaction)."""
    return prototype_reads.get(Sql.of_session(session), name)


def all_records(session: Session) -> list[PrototypeRecord]:
    """Every prototype, by name."""
    return prototype_reads.all_records(Sql.of_session(session))


def by_technique(session: Session, technique_id: int) -> list[PrototypeRecord]:
    """The prototypes of one technique, by name."""
    return prototype_reads.by_technique(Sql.of_session(session), technique_id)


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
    return get(session, found.name)


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
    return get(session, found.name)


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
    return get(session, found.name)


def set_facts(session: Session, name: str, facts: RecordedFacts) -> PrototypeRecord:
    """Replace the recorded stage facts."""
    found = row(session, name)
    found.facts = facts.to_dict()
    if facts.at is not None:
        found.updated_at = facts.at
    session.flush()
    return get(session, found.name)


def set_cost_inputs(
    session: Session, name: str, inputs: Mapping[str, float] | None, *, at: dt.datetime
) -> PrototypeRecord:
    """Replace the stored cost inputs (``None`` clears them)."""
    found = row(session, name)
    found.cost_inputs = dict(inputs) if inputs else None
    found.updated_at = at
    session.flush()
    return get(session, found.name)


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
    return get(session, found.name)
