"""Tables of watched metrics and decisions that stay true (issue 14).

``watch_points`` is the history per (benchmark, method, sweep point, metric): one
row per finished or imported run, appended in the run's own write. ``watch_changes``
holds the change points of each series, recomputed in that write for the series it
touched (reads never recompute). ``decision_watches`` is what a gate decision
watches: the metrics its criteria named (with the benchmark, method and harmful
direction of the runs that judged it) and its parsed revisit-when conditions.
``watch_reopenings`` records each reopening of a decision, with its evidence, and
how it was closed (a new decision, or a dismissal).
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
from sqlalchemy.orm import Mapped, mapped_column

from assay.store import decision_models as _decision_models
from assay.store import run_models as _run_models
from assay.store.models import Base, JSONValue, UTCDateTime

__all__ = ["DecisionWatchRow", "WatchChangeRow", "WatchPointRow", "WatchReopeningRow"]

_DECISIONS = _decision_models.DecisionRow.__tablename__
_RUNS = _run_models.RunRow.__tablename__


class WatchPointRow(Base):
    """One value of a watched series: a run's central estimate (the median of its
    trial values) of one metric, for one method at one sweep point."""

    __tablename__ = "watch_points"
    __table_args__ = (
        UniqueConstraint("run_pk", "method", "point", "metric", name="uq_watch_points_run"),
        Index("ix_watch_points_series", "benchmark", "metric", "method", "point", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benchmark: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(200))
    point: Mapped[str] = mapped_column(String(500))  # "" or "n=4096"
    metric: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    run_pk: Mapped[int] = mapped_column(ForeignKey(f"{_RUNS}.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    git_commit: Mapped[str | None] = mapped_column(String(64))


class WatchChangeRow(Base):
    """A change point of a series: ``position`` is the index of the first point after
    the change, ``run_pk`` its run."""

    __tablename__ = "watch_changes"
    __table_args__ = (Index("ix_watch_changes_series", "benchmark", "metric", "method", "point"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    benchmark: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(200))
    point: Mapped[str] = mapped_column(String(500))
    metric: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    run_pk: Mapped[int] = mapped_column(ForeignKey(f"{_RUNS}.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    pvalue: Mapped[float] = mapped_column(Float)
    mean_before: Mapped[float] = mapped_column(Float)
    mean_after: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # ChangePoint.to_dict()


class DecisionWatchRow(Base):
    """What a decision watches: a metric (``kind`` ``metric``) or a revisit-when
    condition (``date``, ``change``, ``criteria``, ``text``)."""

    __tablename__ = "decision_watches"
    __table_args__ = (
        Index("ix_decision_watches_decision", "decision_pk"),
        Index("ix_decision_watches_metric", "benchmark", "metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_pk: Mapped[int] = mapped_column(ForeignKey(f"{_DECISIONS}.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    metric: Mapped[str | None] = mapped_column(String(200))
    benchmark: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(200))
    lower_is_better: Mapped[bool | None] = mapped_column(Boolean)
    on_date: Mapped[dt.date | None] = mapped_column(Date)


class WatchReopeningRow(Base):
    """A decision reopened: why (``reason``), on what (``evidence``), when; ``key``
    makes it idempotent (the same change point or condition reopens a decision once)."""

    __tablename__ = "watch_reopenings"
    __table_args__ = (UniqueConstraint("decision_pk", "key", name="uq_watch_reopenings_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_pk: Mapped[int] = mapped_column(ForeignKey(f"{_DECISIONS}.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(400))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(120))
    closed_why: Mapped[str | None] = mapped_column(Text)
