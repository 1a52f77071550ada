"""Tables of the decision layer (issue 5): users and roles, prototypes with their
pre-registration, amendments and evidence runs, gate decisions, the evidence behind
radar moves, knowledge-transfer artifacts and review meetings.

Structured values (criteria, facts, cost inputs, a recommendation's snapshot) are
JSON columns (JSONB on PostgreSQL): they are read back whole and validated by
:mod:`assay.pipeline`, never queried column by column.

Who wrote a record: the writes that require a role (registering, amending and
linking evidence to a prototype, attaching an artifact, recording a review, adding
a user or changing a role, deciding a gate) keep their actor as a foreign key to
``users`` when the actor is a registered user. A workspace without users lets
anyone make them, so those tables also keep a name (column ``by``) for an actor who
is not a user: exactly one of ``by_id`` and ``by`` is set, and the ``by`` property
gives the name either way. Deciding a gate and changing a role always need a
registered user: their actor is a foreign key only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from assay.store import run_models as _run_models
from assay.store.models import Base, JSONValue, TechniqueRow, UTCDateTime

_CASCADE = "all, delete-orphan"


class UserRow(Base):
    """A registered user; who added them (a user, or for the first one any name) and
    who last changed their role (``None``: the role they were added with)."""

    __tablename__ = "users"
    # Named as revision 0008 names it: a new store and a migrated one are the same.
    __table_args__ = (UniqueConstraint("db_role", name="uq_users_db_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120), unique=True)  # casefolded name
    role: Mapped[str] = mapped_column(String(20))  # viewer, contributor, approver, admin
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str | None] = mapped_column("by", String(120))
    role_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The database login that proves who this user is (PostgreSQL session_user).
    db_role: Mapped[str | None] = mapped_column(String(120))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    retired_by: Mapped[str | None] = mapped_column(String(120))
    retired_why: Mapped[str | None] = mapped_column(Text)
    # The web app's password (argon2id; None: cannot log in) and when it was set.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_set_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    # post_update: the first admin adds themselves, a row that refers to itself.
    by_user: Mapped[UserRow | None] = relationship(
        remote_side="UserRow.id", foreign_keys="UserRow.by_id", post_update=True
    )
    role_by: Mapped[UserRow | None] = relationship(
        remote_side="UserRow.id", foreign_keys="UserRow.role_by_id", post_update=True
    )

    @property
    def by(self) -> str:
        """Who added this user."""
        return _actor_name(self.by_user, self.by_name)


def _actor_name(user: UserRow | None, name: str | None) -> str:
    if user is not None:
        return user.name
    assert name is not None, "a record with neither an actor user nor an actor name"
    return name


class ActorColumns:
    """The actor of a write that requires a role: a user, or (in a workspace without
    users) a name."""

    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str | None] = mapped_column("by", String(120))

    @declared_attr
    def by_user(cls: Any) -> Mapped[UserRow | None]:
        return relationship(UserRow, foreign_keys=f"{cls.__name__}.by_id", lazy="joined")

    @property
    def by(self) -> str:
        """The actor's name: the user's, or the one stored."""
        return _actor_name(self.by_user, self.by_name)


class PrototypeRow(ActorColumns, Base):
    __tablename__ = "prototypes"
    __table_args__ = (Index("ix_prototypes_technique", "technique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120), unique=True)  # casefolded name
    technique_id: Mapped[int] = mapped_column(ForeignKey("techniques.id", ondelete="CASCADE"))
    registration: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # hypothesis, criteria...
    content_hash: Mapped[str] = mapped_column(String(64))  # of the current registration
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # active, stopped, complete
    strategy: Mapped[str | None] = mapped_column(String(40))
    portfolio: Mapped[str | None] = mapped_column(String(20))  # core, adjacent, exploratory
    timebox_start: Mapped[dt.date | None] = mapped_column(Date)
    timebox_end: Mapped[dt.date | None] = mapped_column(Date)
    candidate: Mapped[str | None] = mapped_column(String(200))
    point: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)  # {param: value}
    evidence_files: Mapped[list[str]] = mapped_column(JSONValue)  # [file or module]
    facts: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # store.prototypes.RecordedFacts
    cost_inputs: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)  # CostInputs fields
    frozen_hash: Mapped[str | None] = mapped_column(String(64))
    frozen_text: Mapped[str | None] = mapped_column(Text)
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
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


class AmendmentRow(ActorColumns, Base):
    __tablename__ = "prototype_amendments"
    __table_args__ = (Index("ix_prototype_amendments_prototype", "prototype_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    old_hash: Mapped[str] = mapped_column(String(64))
    new_hash: Mapped[str] = mapped_column(String(64))
    changes: Mapped[list[str]] = mapped_column(JSONValue)  # ["- line", "+ line"]


class PrototypeRunRow(ActorColumns, Base):
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
    advocates: Mapped[list[list[str]]] = mapped_column(JSONValue)  # [[who, position]]
    revisit_when: Mapped[str] = mapped_column(Text)
    # Who disagreed and why (issue 16): [[who, reason]]; None: decided with consensus.
    dissents: Mapped[list[list[str]] | None] = mapped_column(JSONValue)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    registration_hash: Mapped[str] = mapped_column(String(64))
    recommendation: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # Recommendation.to_dict()
    runs: Mapped[list[str]] = mapped_column(JSONValue)  # [run id] the recommendation rested on

    by_user: Mapped[UserRow] = relationship(lazy="joined")

    @property
    def decided_by(self) -> str:
        """The name of the approver (or admin) who decided."""
        return self.by_user.name


class DecisionRunRow(Base):
    """A run a gate decision rested on, pinned when it was decided (issue 10): later
    runs are new evidence since the decision, never a change of what was decided."""

    __tablename__ = "decision_runs"
    __table_args__ = (Index("ix_decision_runs_run", "run_pk"),)

    decision_pk: Mapped[int] = mapped_column(
        ForeignKey("gate_decisions.id", ondelete="CASCADE"), primary_key=True
    )
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)


class FileFreezeRow(Base):
    """A benchmark file (or module) of a prototype's evidence as the criteria froze it
    (issue 10): its content hash and git commit, as the first judging run that ran it
    recorded them at its start; a later run of other content is marked as changed."""

    __tablename__ = "prototype_file_freezes"
    __table_args__ = (
        UniqueConstraint("prototype_id", "source", name="uq_prototype_file_freezes_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(1000))  # the file, or the module
    sha256: Mapped[str] = mapped_column(String(64))  # "" when the run could not read it
    git_commit: Mapped[str | None] = mapped_column(String(64))
    git_dirty: Mapped[bool | None] = mapped_column(Boolean)
    run_id: Mapped[str] = mapped_column(String(40))  # the run whose start froze it
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


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
    # Placed by an imported radar: no evidence on record until a gate decision backs it.
    imported: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    waived: Mapped[list[str]] = mapped_column(JSONValue)  # [what the override waived]


class ArtifactRow(ActorColumns, Base):
    """A knowledge-transfer document attached to a technique; the newest of a kind counts."""

    __tablename__ = "technique_artifacts"
    __table_args__ = (Index("ix_technique_artifacts_technique", "technique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technique_id: Mapped[int] = mapped_column(ForeignKey("techniques.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # implementation, decision-record, runbook
    filename: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ReviewMeetingRow(ActorColumns, Base):
    """A research review meeting and what it decided."""

    __tablename__ = "review_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    attendees: Mapped[list[str]] = mapped_column(JSONValue)  # [name]
    decisions: Mapped[list[str]] = mapped_column(JSONValue)  # [text]
    notes: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


__all__ = [
    "ActorColumns",
    "AmendmentRow",
    "ArtifactRow",
    "DecisionRow",
    "DecisionRunRow",
    "FileFreezeRow",
    "PrototypeRow",
    "PrototypeRunRow",
    "RadarEvidenceRow",
    "ReviewMeetingRow",
    "UserRow",
]
