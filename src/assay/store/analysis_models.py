"""Tables of stored analyses: what a prototype's evidence says, computed when it changes.

A run's own analysis is its ``runs.result`` (the analysed
:class:`~assay.bench.BenchmarkResult` as JSON, written when the run finishes). What
the runs say about a prototype is one row here per prototype, written whenever the
prototype or a run that judges it changes (see :mod:`assay.workspace.analyses`), so
that gate reviews, status, the review agenda and the radar's staleness marks read
it instead of re-analysing every run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from assay.store import decision_models as _decision_models
from assay.store.models import Base, JSONValue, UTCDateTime

__all__ = ["PrototypeEvidenceRow"]

_PROTOTYPES = _decision_models.PrototypeRow.__tablename__


class PrototypeEvidenceRow(Base):
    """The evidence snapshot of one prototype (see :mod:`assay.workspace.analyses`).

    ``basis`` is a digest of everything the snapshot was computed from (the
    registration, candidate, point, facts, links and the judging runs with their
    state); a reader that finds a different basis does not trust the snapshot.
    ``finished`` is False while a judging run has not finished (its evidence may
    still change). ``newest_run_at`` is when the newest judging run began: the
    radar's staleness reads it.
    """

    __tablename__ = "prototype_evidence"

    prototype_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(f"{_PROTOTYPES}.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(64))
    finished: Mapped[bool] = mapped_column(Boolean)
    newest_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSONValue)
