"""Tables of rollouts (issue 14): the steps of each technique's ramp and the A/B runs
attached to them.

A :class:`RolloutStepRow` is one step (``start``, ``step``, ``complete`` or
``rollback``) of rollout number ``rollout`` of a technique: the percentage of
traffic, the feature flag, the day it took effect, who recorded it and when, a
reason (a rollback's why), and an approver's override with the refusals it waived.
Steps are appended, never edited: the ramp is a record.

A :class:`RolloutEvidenceRow` attaches one A/B run to one step. It is a table of its
own rather than a JSON list on the step because evidence is often attached days
after the step (when the experiment has run), and an append keeps the step's row,
and its audit image, unchanged; it also lets a run be attached once per step (a
unique key) and found from the run.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assay.store.models import Base, JSONValue, UTCDateTime

__all__ = ["RolloutEvidenceRow", "RolloutStepRow"]


class RolloutStepRow(Base):
    """One step of a technique's rollout."""

    __tablename__ = "rollout_steps"
    __table_args__ = (Index("ix_rollout_steps_technique", "technique_id", "rollout"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technique_id: Mapped[int] = mapped_column(ForeignKey("techniques.id", ondelete="CASCADE"))
    rollout: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    percent: Mapped[float] = mapped_column(Float)
    flag: Mapped[str] = mapped_column(String(200))
    on_date: Mapped[dt.date] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    override: Mapped[str | None] = mapped_column(Text)
    waived: Mapped[list[str] | None] = mapped_column(JSONValue)


class RolloutEvidenceRow(Base):
    """An A/B run attached to a rollout step."""

    __tablename__ = "rollout_evidence"
    __table_args__ = (UniqueConstraint("step_id", "run_id", name="uq_rollout_evidence_run"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("rollout_steps.id", ondelete="CASCADE"))
    run_id: Mapped[str] = mapped_column(String(120))
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
