"""Predictions and their forecasts: add, forecast again, resolve, list, import.

Functions take an open session and return :class:`assay.pipeline.predictions.Prediction`
values whose ``id`` is the stored id as text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from assay.display import Displayable
from assay.errors import InputError, NotFoundError
from assay.formats.paper_records import Problem
from assay.pipeline.predictions import (
    Forecast,
    Outcome,
    Prediction,
    Resolution,
    Score,
    resolve_from_evidence,
)
from assay.store.research_models import ForecastRow, PredictionRow
from assay.types import check_id

if TYPE_CHECKING:
    from assay.criteria import Evidence

__all__ = [
    "EvidenceCheck",
    "FatebookResult",
    "Merged",
    "ScoreReport",
    "add",
    "add_forecast",
    "all_predictions",
    "check",
    "find_row",
    "import_one",
    "parse_prediction_id",
    "resolve",
    "to_value",
]


@dataclasses.dataclass(frozen=True, repr=False)  # repr, _repr_html_, to_pandas(): Displayable
class ScoreReport(Displayable):
    """Scores on ``as_of``: overall (for the filter given), per person, per tag, overdue."""

    as_of: dt.date
    overall: Score
    by_person: dict[str, Score]
    by_tag: dict[str, Score]
    overdue: tuple[Prediction, ...]

    _display_facts = ("as_of",)
    _display_rows = ("overall", "by_person", "by_tag")  # one row per scope
    _display_columns = Score._display_facts

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "overall": self.overall.to_dict(),
            "by_person": {k: v.to_dict() for k, v in self.by_person.items()},
            "by_tag": {k: v.to_dict() for k, v in self.by_tag.items()},
            "overdue": [p.to_dict() for p in self.overdue],
        }


@dataclasses.dataclass(frozen=True)
class FatebookResult:
    """What a Fatebook import did. Questions: ``new`` and ``merged`` (already here).
    Rows: ``rows == rows_added + rows_merged + rows_skipped``, always, where a row is
    added when its forecast (or, without one, its question) is new here, merged when
    what it says is already here, and skipped when it is bad (``--skip-invalid``,
    listed in ``problems``) or a multiple-choice row (``skipped`` names the questions).
    """

    new: int
    merged: int
    forecasts_added: int
    skipped: tuple[str, ...]
    source: str = ""
    kind: str = ""
    rows: int = 0
    rows_added: int = 0
    rows_merged: int = 0
    choice_rows: int = 0
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def rows_skipped(self) -> int:
        return self.choice_rows + len(self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source or None,
            "kind": self.kind,
            "rows": self.rows,
            "rows_added": self.rows_added,
            "rows_merged": self.rows_merged,
            "rows_skipped": self.rows_skipped,
            "new": self.new,
            "merged": self.merged,
            "forecasts_added": self.forecasts_added,
            "skipped": list(self.skipped),
            "skipped_rows": [p.to_dict() for p in self.problems],
            "notes": list(self.notes),
        }


@dataclasses.dataclass(frozen=True)
class EvidenceCheck:
    """A criterion prediction checked against evidence, and what that did."""

    prediction: Prediction
    outcome: str
    reason: str
    resolved: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "prediction": self.prediction.to_dict(),
            "criterion_outcome": self.outcome,
            "reason": self.reason,
            "resolved_now": self.resolved,
        }


_ID = re.compile(r"^\s*(?:#|p(?:rediction)?[-\s]?)?(\d+)\s*$", re.IGNORECASE)


def parse_prediction_id(text: str) -> int:
    """A prediction id as people write it: ``7``, ``#7`` or ``p7``."""
    match = _ID.match(text)
    if not match:
        raise InputError(
            f"prediction {text!r} is not a prediction id; expected a number such as 7 "
            "(see: assay predict list)"
        )
    return check_id(int(match.group(1)), noun="prediction", see="assay predict list")


def to_value(row: PredictionRow) -> Prediction:
    resolution = None
    if row.outcome is not None:
        assert row.resolved_at is not None
        resolution = Resolution(Outcome(row.outcome), row.resolved_by or "", row.resolved_at)
    return Prediction(
        question=row.question,
        resolve_by=row.resolve_by,
        forecasts=tuple(Forecast(f.p, f.by, f.at) for f in row.forecasts),
        created_at=row.created_at,
        tags=tuple(row.tags),
        notes=row.notes,
        criterion=row.criterion,
        resolution=resolution,
        id=str(row.id),
    )


def find_row(session: Session, prediction_id: int) -> PredictionRow:
    row = session.get(PredictionRow, prediction_id)
    if row is None:
        raise NotFoundError(f"no prediction {prediction_id}; see: assay predict list")
    return row


def all_predictions(session: Session) -> list[Prediction]:
    rows = session.scalars(
        select(PredictionRow)
        .options(selectinload(PredictionRow.forecasts))
        .order_by(PredictionRow.id)
    ).all()
    return [to_value(row) for row in rows]


def mentioning(session: Session, text: str, ids: Sequence[int] = ()) -> list[Prediction]:
    """The predictions whose question, notes or tags may contain ``text`` (a case-
    insensitive test in SQL, a superset the caller narrows: every prediction when
    ``text`` is not plain ASCII), and those whose id is in ``ids``; by id."""
    needle = text.strip().lower()
    query = select(PredictionRow).options(selectinload(PredictionRow.forecasts))
    if needle.isascii() and needle.isprintable() and not set(needle) & set('"\\'):
        like = "%" + re.sub(r"([%_\\])", r"\\\1", needle) + "%"
        columns = (PredictionRow.question, PredictionRow.notes, cast(PredictionRow.tags, Text))
        matches = (func.lower(c).like(like, escape="\\") for c in columns)
        query = query.where(or_(PredictionRow.id.in_(ids), *matches))
    return [to_value(row) for row in session.scalars(query.order_by(PredictionRow.id))]


def _store_resolution(row: PredictionRow, resolution: Resolution | None) -> None:
    if resolution is None:
        return
    row.outcome = resolution.outcome.value
    row.resolved_by = resolution.by
    row.resolved_at = resolution.at


def add(session: Session, prediction: Prediction, *, by: str) -> Prediction:
    """Store a new prediction with its forecasts (and resolution, for imports)."""
    row = PredictionRow(
        question=prediction.question,
        resolve_by=prediction.resolve_by,
        tags=list(prediction.tags),
        notes=prediction.notes,
        criterion=prediction.criterion,
        by=by,
        created_at=prediction.created_at,
    )
    row.forecasts = [ForecastRow(p=f.p, by=f.by, at=f.at) for f in prediction.forecasts]
    _store_resolution(row, prediction.resolution)
    session.add(row)
    session.flush()
    return to_value(row)


def add_forecast(session: Session, row: PredictionRow, forecast: Forecast) -> Prediction:
    if row.outcome is not None:
        raise InputError(
            f"prediction {row.id} is resolved {row.outcome}; forecasts after the answer "
            "would not count"
        )
    row.forecasts.append(ForecastRow(p=forecast.p, by=forecast.by, at=forecast.at))
    session.flush()
    return to_value(row)


def resolve(
    session: Session, row: PredictionRow, outcome: Outcome, *, by: str, at: dt.datetime
) -> Prediction:
    """Resolve the prediction; one already resolved is refused (it says how)."""
    resolved = to_value(row).resolve(outcome, by, at)
    _store_resolution(row, resolved.resolution)
    session.flush()
    return to_value(row)


@dataclasses.dataclass(frozen=True)
class Merged:
    """What importing one prediction did: the stored value, and whether it was new."""

    prediction: Prediction
    new: bool
    forecasts_added: int


def import_one(session: Session, prediction: Prediction, *, by: str) -> Merged:
    """Store an imported prediction; the same question (title, resolve-by date and
    creation time) imported again only gains the forecasts and resolution it lacked."""
    candidates = session.scalars(
        select(PredictionRow).where(
            PredictionRow.question == prediction.question,
            PredictionRow.resolve_by == prediction.resolve_by,
        )
    ).all()
    row = next((r for r in candidates if r.created_at == prediction.created_at), None)
    if row is None:
        return Merged(add(session, prediction, by=by), True, len(prediction.forecasts))
    known = {(f.by, f.at, f.p) for f in row.forecasts}
    added = [f for f in prediction.forecasts if (f.by, f.at, f.p) not in known]
    row.forecasts.extend(ForecastRow(p=f.p, by=f.by, at=f.at) for f in added)
    if row.outcome is None:
        _store_resolution(row, prediction.resolution)
    session.flush()
    return Merged(to_value(row), False, len(added))


def check(
    session: Session, evidence: Evidence, ids: Sequence[int] | None, *, at: dt.datetime
) -> list[EvidenceCheck]:
    """Evaluate open predictions' criteria against ``evidence`` and resolve the ones it
    decides (:func:`assay.pipeline.predictions.resolve_from_evidence`)."""
    from assay.criteria import Outcome as CriterionOutcome
    from assay.criteria import parse

    for wanted in ids or []:
        if find_row(session, wanted).criterion is None:
            raise InputError(f"prediction {wanted} has no criterion to check")
    checks = []
    for prediction in all_predictions(session):
        assert prediction.id is not None
        ident = int(prediction.id)
        if prediction.criterion is None or prediction.resolution is not None:
            continue
        if ids and ident not in ids:
            continue
        evaluation = parse(prediction.criterion).evaluate(evidence)
        decisive = {CriterionOutcome.PASS: True, CriterionOutcome.FAIL: False}
        decided = decisive.get(evaluation.outcome)
        after = resolve_from_evidence(prediction, decided, at)
        if after.resolution is not None:
            r = after.resolution
            after = resolve(session, find_row(session, ident), r.outcome, by=r.by, at=r.at)
        checks.append(
            EvidenceCheck(after, evaluation.outcome.value, evaluation.reason, decided is not None)
        )
    return checks
