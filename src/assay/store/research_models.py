"""The research record's tables (migration ``0002``), on the shared declarative ``Base``.

Lists and small structures (authors, pass answers, evidence, tags, a post-mortem's
timeline) are JSON columns (JSONB on PostgreSQL), read back into
:mod:`assay.pipeline` value objects by the repositories. Everything that is queried
or updated on its own (passes, flags, claims, runs, forecasts, action items) has its
own table.
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
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assay.store import run_models as _run_models
from assay.store.models import Base, JSONValue, UTCDateTime

__all__ = [
    "AdoptionRow",
    "ClaimRow",
    "ClaimRunRow",
    "FindingRow",
    "ForecastRow",
    "NoteRow",
    "PaperRow",
    "PaperTechniqueRow",
    "PassRow",
    "PostMortemActionRow",
    "PostMortemRow",
    "PredictionRow",
    "RedFlagRow",
    "ViabilityScoreRow",
]

_CASCADE = "all, delete-orphan"


def _paper_fk(*, primary_key: bool = False) -> Mapped[int]:
    return mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=primary_key)


class PaperRow(Base):
    __tablename__ = "papers"
    __table_args__ = (Index("ix_papers_title_key", "title_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    raw_title: Mapped[str] = mapped_column(Text)
    # The normalised title without spaces (assay.pipeline.papers.paper_keys).
    title_key: Mapped[str] = mapped_column(String(1000))
    authors: Mapped[list[dict[str, str]]] = mapped_column(JSONValue)  # [{family, given}]
    year: Mapped[int | None] = mapped_column(Integer)
    venue: Mapped[str] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(300), unique=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    url: Mapped[str | None] = mapped_column(Text)
    code_url: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    code_checklist: Mapped[dict[str, bool] | None] = mapped_column(JSONValue)  # {item: bool}
    by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    retired_by: Mapped[str | None] = mapped_column(String(120))
    retired_why: Mapped[str | None] = mapped_column(Text)

    passes: Mapped[list[PassRow]] = relationship(order_by="PassRow.number", cascade=_CASCADE)
    note: Mapped[NoteRow | None] = relationship(cascade=_CASCADE)
    flags: Mapped[list[RedFlagRow]] = relationship(order_by="RedFlagRow.id", cascade=_CASCADE)
    viability: Mapped[list[ViabilityScoreRow]] = relationship(cascade=_CASCADE)
    adoption: Mapped[AdoptionRow | None] = relationship(cascade=_CASCADE)
    claims: Mapped[list[ClaimRow]] = relationship(
        order_by="ClaimRow.id", cascade=_CASCADE, back_populates="paper"
    )
    techniques: Mapped[list[PaperTechniqueRow]] = relationship(cascade=_CASCADE)


class PaperTechniqueRow(Base):
    __tablename__ = "paper_techniques"
    __table_args__ = (Index("ix_paper_techniques_technique", "technique_id"),)

    paper_id: Mapped[int] = _paper_fk(primary_key=True)
    technique_id: Mapped[int] = mapped_column(
        ForeignKey("techniques.id", ondelete="CASCADE"), primary_key=True
    )
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PassRow(Base):
    __tablename__ = "reading_passes"
    __table_args__ = (
        UniqueConstraint("paper_id", "number", name="uq_reading_passes_paper_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = _paper_fk()
    number: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # {question: answer}
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    read_on: Mapped[dt.date] = mapped_column(Date)


class NoteRow(Base):
    __tablename__ = "paper_notes"

    paper_id: Mapped[int] = _paper_fk(primary_key=True)
    date_read: Mapped[dt.date] = mapped_column(Date)
    relevance: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    key_insight: Mapped[str] = mapped_column(Text)
    results_vs_baselines: Mapped[str] = mapped_column(Text)
    limitations: Mapped[str] = mapped_column(Text)
    production_viability: Mapped[str] = mapped_column(Text)
    implementation_effort: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ViabilityScoreRow(Base):
    __tablename__ = "viability_scores"

    paper_id: Mapped[int] = _paper_fk(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text)
    red_flags: Mapped[list[str]] = mapped_column(JSONValue)  # [text]
    green_flags: Mapped[list[str]] = mapped_column(JSONValue)  # [text]
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AdoptionRow(Base):
    __tablename__ = "adoption_factors"

    paper_id: Mapped[int] = _paper_fk(primary_key=True)
    reversibility: Mapped[str] = mapped_column(String(10))
    expected_gain: Mapped[str] = mapped_column(String(10))
    maturity: Mapped[str] = mapped_column(String(10))
    criticality: Mapped[str] = mapped_column(String(10))
    shadow_mode: Mapped[bool] = mapped_column(Boolean)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_paper", "paper_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = _paper_fk()
    metric: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    setting: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str] = mapped_column(String(40))
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    paper: Mapped[PaperRow] = relationship(back_populates="claims")
    runs: Mapped[list[ClaimRunRow]] = relationship(order_by="ClaimRunRow.id", cascade=_CASCADE)
    findings: Mapped[list[FindingRow]] = relationship(order_by="FindingRow.id", cascade=_CASCADE)


class ClaimRunRow(Base):
    """A run that tries to reproduce a claim.

    A run in this store is a foreign key (``run_pk``); a run recorded elsewhere, whose
    trial values were given by hand, keeps its id as text in ``elsewhere``. Exactly
    one of the two is set (the repository makes sure).

    ``trial_values`` holds the per-trial values of the claimed metric and where they
    came from (``{"values": [...], "source": "..."}``): read from a stored run when
    linked, or given for a run recorded elsewhere. The reproduction is built from them.
    """

    __tablename__ = "claim_runs"
    __table_args__ = (
        UniqueConstraint("claim_id", "run_pk", name="uq_claim_runs_claim_run"),
        UniqueConstraint("claim_id", "elsewhere", name="uq_claim_runs_claim_elsewhere"),
        Index("ix_claim_runs_run", "run_pk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    run_pk: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    run: Mapped[_run_models.RunRow | None] = relationship(lazy="joined")
    elsewhere: Mapped[str | None] = mapped_column(String(200))
    trial_values: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    @property
    def run_id(self) -> str:
        """The run's id, in this store or elsewhere."""
        if self.run is not None:
            return self.run.run_id
        assert self.elsewhere is not None
        return self.elsewhere


class FindingRow(Base):
    __tablename__ = "claim_findings"
    __table_args__ = (Index("ix_claim_findings_claim", "claim_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class RedFlagRow(Base):
    __tablename__ = "red_flags"
    __table_args__ = (Index("ix_red_flags_paper", "paper_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = _paper_fk()
    kind: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSONValue)  # [{where, what}]
    note: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(10))
    # Set on the automatic flag a claim's reproduction gap raised; one per claim.
    claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), unique=True
    )
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PredictionRow(Base):
    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    resolve_by: Mapped[dt.date] = mapped_column(Date)
    tags: Mapped[list[str]] = mapped_column(JSONValue)  # [tag]
    notes: Mapped[str] = mapped_column(Text)
    criterion: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(10))
    resolved_by: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    forecasts: Mapped[list[ForecastRow]] = relationship(order_by="ForecastRow.id", cascade=_CASCADE)


class ForecastRow(Base):
    __tablename__ = "forecasts"
    __table_args__ = (Index("ix_forecasts_prediction", "prediction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prediction_id: Mapped[int] = mapped_column(ForeignKey("predictions.id", ondelete="CASCADE"))
    p: Mapped[float] = mapped_column(Float)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PostMortemRow(Base):
    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    technique_id: Mapped[int | None] = mapped_column(
        ForeignKey("techniques.id", ondelete="SET NULL")
    )
    timeline: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue)  # [{on, kind, text}]
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue)  # [{category, text}]
    why_chains: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue)  # [{problem, whys, ...}]
    lessons: Mapped[list[str]] = mapped_column(JSONValue)  # [text]
    wrong_predictions: Mapped[list[str]] = mapped_column(JSONValue)  # [prediction id]
    missed_red_flags: Mapped[list[str]] = mapped_column(JSONValue)  # [kind]
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    actions: Mapped[list[PostMortemActionRow]] = relationship(
        order_by="PostMortemActionRow.id", cascade=_CASCADE
    )


class PostMortemActionRow(Base):
    __tablename__ = "postmortem_actions"
    __table_args__ = (Index("ix_postmortem_actions_postmortem", "postmortem_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120))
    due: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    question: Mapped[str | None] = mapped_column(Text)
    # The technique this action opened on the radar, when it carried a question.
    technique_id: Mapped[int | None] = mapped_column(
        ForeignKey("techniques.id", ondelete="SET NULL")
    )
