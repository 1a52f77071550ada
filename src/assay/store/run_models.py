"""Tables for benchmark runs: a run, its trials, and one compressed sample array per
trial and metric with summary columns beside it for queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assay.store.models import Base, JSONValue, UTCDateTime


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)  # the benchmark file, or the imported file
    kind: Mapped[str] = mapped_column(String(40))  # bench, pyperf, pytest-benchmark
    state: Mapped[str] = mapped_column(String(20))  # running, finished
    header: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # RunHeader.to_dict()
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)  # BenchmarkResult.to_dict()
    planned: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(Integer)
    by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    retired_by: Mapped[str | None] = mapped_column(String(120))
    retired_why: Mapped[str | None] = mapped_column(Text)

    trials: Mapped[list[TrialRow]] = relationship(
        back_populates="run", order_by="TrialRow.id", cascade="all, delete-orphan"
    )


class TrialRow(Base):
    __tablename__ = "trials"
    __table_args__ = (
        # The guarantee behind resume: a (method, sweep point, seed) is stored once per run.
        # It also serves every lookup of a run's trials (run_pk is its leading column).
        UniqueConstraint("run_pk", "method", "params_key", "seed", name="uq_trial_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(200))
    params_key: Mapped[str] = mapped_column(String(500))
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    block: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    wall_time: Mapped[float] = mapped_column(Float)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    record: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # TrialResult.to_dict(samples=False)

    run: Mapped[RunRow] = relationship(back_populates="trials")
    samples: Mapped[list[SampleRow]] = relationship(
        back_populates="trial", order_by="SampleRow.id", cascade="all, delete-orphan"
    )


class SampleRow(Base):
    __tablename__ = "samples"
    __table_args__ = (
        # Also the index of a trial's samples (trial_pk is its leading column).
        UniqueConstraint("trial_pk", "metric", name="uq_sample_metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_pk: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(200))
    encoding: Mapped[str] = mapped_column(String(20))  # zlib-f8le: little-endian float64, zlib
    data: Mapped[bytes] = mapped_column(LargeBinary)
    n: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float | None] = mapped_column(Float)
    std: Mapped[float | None] = mapped_column(Float)
    min: Mapped[float | None] = mapped_column(Float)
    max: Mapped[float | None] = mapped_column(Float)
    p50: Mapped[float | None] = mapped_column(Float)
    p90: Mapped[float | None] = mapped_column(Float)
    p99: Mapped[float | None] = mapped_column(Float)
    p99_9: Mapped[float | None] = mapped_column(Float)

    trial: Mapped[TrialRow] = relationship(back_populates="samples")
