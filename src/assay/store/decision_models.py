"""Tables of the decision layer (issue 5): users and roles, prototypes with their
pre-registration, amendments and evidence runs, gate decisions, the evidence behind
radar moves, knowledge-transfer artifacts and review meetings.

Structured values (criteria, facts, cost inputs, a recommendation's snapshot) are
JSON text: they are read back whole and validated by :mod:`assay.pipeline`, never
queried column by column.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assay.store import run_models as _run_models
from assay.store.models import Base, TechniqueRow, UTCDateTime

_CASCADE = "all, delete-orphan"


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120), unique=True)  # casefolded name
    role: Mapped[str] = mapped_column(String(20))  # viewer, contributor, approver, admin
    by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PrototypeRow(Base):
    __tablename__ = "prototypes"
    __table_args__ = (Index("ix_prototypes_technique", "technique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120), unique=True)  # casefolded name
    technique_id: Mapped[int] = mapped_column(ForeignKey("techniques.id", ondelete="CASCADE"))
    registration: Mapped[str] = mapped_column(Text)  # JSON: hypothesis, criteria, requirements
    content_hash: Mapped[str] = mapped_column(String(64))  # of the current registration
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # active, stopped, complete
    strategy: Mapped[str | None] = mapped_column(String(40))
    portfolio: Mapped[str | None] = mapped_column(String(20))  # core, adjacent, exploratory
    timebox_start: Mapped[dt.date | None] = mapped_column(Date)
    timebox_end: Mapped[dt.date | None] = mapped_column(Date)
    candidate: Mapped[str | None] = mapped_column(String(200))
    point: Mapped[str | None] = mapped_column(Text)  # JSON {param: value}
    evidence_files: Mapped[str] = mapped_column(Text)  # JSON [file or module]
    facts: Mapped[str] = mapped_column(Text)  # JSON, see assay.store.prototypes.RecordedFacts
    cost_inputs: Mapped[str | None] = mapped_column(Text)  # JSON CostInputs fields
    frozen_hash: Mapped[str | None] = mapped_column(String(64))
    frozen_text: Mapped[str | None] = mapped_column(Text)
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    technique: Mapped[TechniqueRow] = relationship()
    amendments: Mapped[list[AmendmentRow]] = relationship(
        order_by="AmendmentRow.id", cascade=_CASCADE
    )
    links: Mapped[list[PrototypeRunRow]] = relationship(
        order_by="PrototypeRunRow.id", cascade=_CASCADE
    )
    decisions: Mapped[list[DecisionRow]] = relationship(order_by="DecisionRow.id", cascade=_CASCADE)


class AmendmentRow(Base):
    __tablename__ = "prototype_amendments"
    __table_args__ = (Index("ix_prototype_amendments_prototype", "prototype_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    old_hash: Mapped[str] = mapped_column(String(64))
    new_hash: Mapped[str] = mapped_column(String(64))
    changes: Mapped[str] = mapped_column(Text)  # JSON ["- line", "+ line"]


class PrototypeRunRow(Base):
    """A run linked to a prototype as evidence."""

    __tablename__ = "prototype_runs"
    __table_args__ = (
        UniqueConstraint("prototype_id", "run_pk", name="uq_prototype_runs_prototype_run"),
        Index("ix_prototype_runs_run", "run_pk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id", ondelete="CASCADE"))
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    run: Mapped[_run_models.RunRow] = relationship()
    online_ab: Mapped[bool] = mapped_column(Boolean)
    scale: Mapped[float | None] = mapped_column(Float)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DecisionRow(Base):
    __tablename__ = "gate_decisions"
    __table_args__ = (Index("ix_gate_decisions_prototype", "prototype_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(String(10))
    recommended: Mapped[str] = mapped_column(String(10))
    override: Mapped[bool] = mapped_column(Boolean)
    why: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str] = mapped_column(Text)
    advocates: Mapped[str] = mapped_column(Text)  # JSON [[who, position]]
    revisit_when: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    registration_hash: Mapped[str] = mapped_column(String(64))
    recommendation: Mapped[str] = mapped_column(Text)  # JSON Recommendation.to_dict()
    runs: Mapped[str] = mapped_column(Text)  # JSON [run id] the recommendation rested on


class RadarEvidenceRow(Base):
    """What stands behind a ring move to TRIAL or ADOPT: a YES decision, or an override."""

    __tablename__ = "ring_move_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(
        ForeignKey("ring_moves.id", ondelete="CASCADE"), unique=True
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gate_decisions.id", ondelete="SET NULL")
    )
    override: Mapped[bool] = mapped_column(Boolean)
    waived: Mapped[str] = mapped_column(Text)  # JSON [what the override waived]


class ArtifactRow(Base):
    """A knowledge-transfer document attached to a technique; the newest of a kind counts."""

    __tablename__ = "technique_artifacts"
    __table_args__ = (Index("ix_technique_artifacts_technique", "technique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technique_id: Mapped[int] = mapped_column(ForeignKey("techniques.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # implementation, decision-record, runbook
    filename: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ReviewMeetingRow(Base):
    """A research review meeting and what it decided."""

    __tablename__ = "review_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text)  # JSON [name]
    decisions: Mapped[str] = mapped_column(Text)  # JSON [text]
    notes: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


__all__ = [
    "AmendmentRow",
    "ArtifactRow",
    "DecisionRow",
    "PrototypeRow",
    "PrototypeRunRow",
    "RadarEvidenceRow",
    "ReviewMeetingRow",
    "UserRow",
]
