"""Gate decisions in the store, and the evidence recorded behind radar moves.

A decision is stored with a snapshot of the recommendation it answered, the hash
of the registration it judged and the runs it rested on, so it can be explained
later even after criteria are amended or runs are added. A radar move to TRIAL
or ADOPT records the YES decision behind it, or that it was an override and what
the override waived.

:class:`DecisionRecord` and the read of a prototype's decisions are in
:mod:`assay.store.gate_reads` (plain SQL), re-exported here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.pipeline.gates import Answer, Decision, Role
from assay.pipeline.prototype import Stage
from assay.store import gate_reads
from assay.store.actors import user_row
from assay.store.decision_models import DecisionRow, PrototypeRow, RadarEvidenceRow
from assay.store.gate_reads import DecisionRecord
from assay.store.models import RingMoveRow
from assay.store.sql import Sql

__all__ = [
    "DecisionRecord",
    "MoveEvidence",
    "add_decision",
    "all_decisions",
    "decision_by_id",
    "decisions_of",
    "move_evidence",
    "record_move_evidence",
]


def _record(found: DecisionRow, prototype: PrototypeRow) -> DecisionRecord:
    decision = Decision(
        stage=Stage(found.stage),
        answer=Answer(found.answer),
        recommended=Answer(found.recommended),
        why=found.why,
        decided_by=found.decided_by,
        role=Role(found.role),
        at=found.at,
        override=found.override,
        conditions=found.conditions,
        advocates=tuple((str(who), str(what)) for who, what in found.advocates),
        revisit_when=found.revisit_when,
        dissents=tuple((str(who), str(why)) for who, why in found.dissents or ()),
    )
    return DecisionRecord(
        id=found.id,
        prototype=prototype.name,
        technique=prototype.technique.name,
        decision=decision,
        registration_hash=found.registration_hash,
        recommendation=dict(found.recommendation),
        runs=tuple(found.runs),
    )


def add_decision(
    session: Session,
    prototype: PrototypeRow,
    decision: Decision,
    *,
    registration_hash: str,
    recommendation: dict[str, Any],
    runs: Sequence[str],
) -> DecisionRecord:
    """Store a validated decision (see :func:`assay.pipeline.gates.decide`).

    ``decision.decided_by`` must name a registered user (any case): an
    :class:`InputError` otherwise.
    """
    found = DecisionRow(
        prototype_id=prototype.id,
        stage=decision.stage.value,
        answer=decision.answer.value,
        recommended=decision.recommended.value,
        override=decision.override,
        why=decision.why,
        conditions=decision.conditions,
        advocates=[list(pair) for pair in decision.advocates],
        revisit_when=decision.revisit_when,
        dissents=[list(pair) for pair in decision.dissents] or None,
        by_user=user_row(session, decision.decided_by, "deciding a gate"),
        role=decision.role.value,
        at=decision.at,
        registration_hash=registration_hash,
        recommendation=dict(recommendation),
        runs=list(runs),
    )
    session.add(found)
    session.flush()
    return _record(found, prototype)


def decisions_of(session: Session, prototype: PrototypeRow) -> list[DecisionRecord]:
    """The decisions on one prototype, oldest first
    (:func:`assay.store.gate_reads.decisions_of` in the session's transaction)."""
    return gate_reads.decisions_of(Sql.of_session(session), prototype.id)


def all_decisions(session: Session, *, since: dt.datetime | None = None) -> list[DecisionRecord]:
    """Every decision (at or after ``since``), oldest first."""
    query = select(DecisionRow, PrototypeRow).join(
        PrototypeRow, PrototypeRow.id == DecisionRow.prototype_id
    )
    if since is not None:
        query = query.where(DecisionRow.at >= since)
    return [_record(d, p) for d, p in session.execute(query.order_by(DecisionRow.id))]


def decision_by_id(session: Session, decision_id: int) -> DecisionRecord | None:
    """The decision with this number, if it exists."""
    found = session.get(DecisionRow, decision_id)
    if found is None:
        return None
    prototype = session.get(PrototypeRow, found.prototype_id)
    assert prototype is not None
    return _record(found, prototype)


@dataclasses.dataclass(frozen=True)
class MoveEvidence:
    """What stood behind one ring move: a decision, or an override and what it waived."""

    move_id: int
    to_ring: str
    at: dt.datetime
    by: str
    why: str
    decision_id: int | None
    override: bool
    waived: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "to": self.to_ring,
            "at": self.at.isoformat(),
            "by": self.by,
            "why": self.why,
            "decision": self.decision_id,
            "override": self.override,
            "waived": list(self.waived),
        }


def record_move_evidence(
    session: Session,
    technique_id: int,
    *,
    decision_id: int | None,
    override: bool,
    waived: Sequence[str],
) -> None:
    """Attach the evidence to the technique's newest ring move (just recorded)."""
    move_id = session.scalar(
        select(RingMoveRow.id)
        .where(RingMoveRow.technique_id == technique_id)
        .order_by(RingMoveRow.id.desc())
        .limit(1)
    )
    assert move_id is not None, "record the move before its evidence"
    session.add(
        RadarEvidenceRow(
            move_id=move_id,
            decision_id=decision_id,
            override=override,
            waived=list(waived),
        )
    )
    session.flush()


def move_evidence(session: Session, technique_id: int) -> list[MoveEvidence]:
    """The technique's ring moves that carry recorded evidence, oldest first."""
    rows = session.execute(
        select(RingMoveRow, RadarEvidenceRow)
        .join(RadarEvidenceRow, RadarEvidenceRow.move_id == RingMoveRow.id)
        .where(RingMoveRow.technique_id == technique_id)
        .order_by(RingMoveRow.id)
    )
    return [
        MoveEvidence(
            move_id=move.id,
            to_ring=move.to_ring,
            at=move.at,
            by=move.by,
            why=move.why,
            decision_id=evidence.decision_id,
            override=evidence.override,
            waived=tuple(evidence.waived),
        )
        for move, evidence in rows
    ]
