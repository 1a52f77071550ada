"""Predictions: forecasts with a resolve-by date, their resolution, and scores.

Scoring follows the rules forecasters use (and Fatebook's):

- A question counts only once it is resolved YES or NO **and** its resolve-by date
  has passed (``as_of > resolve_by``). Questions that resolve early are mostly the
  ones that came true, so counting them before their date would flatter the
  forecaster. AMBIGUOUS resolutions never count.
- For each (question, person) the person's last forecast made before the question
  resolved is scored; a question forecast by three people counts three times in the
  overall table and once in each person's.
- Brier score: mean of (p - o)², o = 1 for YES, 0 for NO; 0 is perfect, 0.25 is
  what always saying 50% earns; lower is better (Brier 1950).
- Log score: mean of ln(p) for YES and ln(1 - p) for NO; 0 is perfect, ln 0.5 ≈
  -0.693 is always-50%; higher is better. A certain forecast that turns out wrong
  would score -∞, so p is clipped to [0.001, 0.999] for the log score only.
- Calibration: 10 buckets [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0]; each reports its
  count, mean forecast and the observed frequency of YES.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Iterable, Sequence
from typing import Any

from assay.display import Displayable
from assay.errors import InputError

__all__ = [
    "LOG_CLIP",
    "Bucket",
    "Forecast",
    "Outcome",
    "Prediction",
    "Resolution",
    "Score",
    "ScoredForecast",
    "brier_score",
    "calibration_table",
    "log_score",
    "overdue",
    "resolve_from_evidence",
    "score",
    "score_by_person",
    "score_by_tag",
    "scored_forecasts",
]

#: Probabilities are clipped to [LOG_CLIP, 1 - LOG_CLIP] for the log score.
LOG_CLIP = 0.001


class Outcome(enum.StrEnum):
    YES = "yes"
    NO = "no"
    AMBIGUOUS = "ambiguous"

    @classmethod
    def parse(cls, text: str) -> Outcome:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InputError(
                f"resolution {text!r} is not an outcome; expected yes, no or ambiguous"
            ) from None


def _check_probability(p: float, field: str = "probability") -> float:
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
        raise InputError(f"{field} {p!r} is not a probability; expected a number from 0 to 1")
    return float(p)


def _check_aware(at: dt.datetime, field: str) -> None:
    if at.tzinfo is None:
        raise InputError(f"{field} {at.isoformat()} has no time zone; expected a UTC time")


@dataclasses.dataclass(frozen=True)
class Forecast:
    """One person's probability for a question, at a moment."""

    p: float
    by: str
    at: dt.datetime

    def __post_init__(self) -> None:
        _check_probability(self.p)
        _check_aware(self.at, "forecast time")
        if not self.by.strip():
            raise InputError("a forecast needs the name of who made it")


@dataclasses.dataclass(frozen=True)
class Resolution:
    outcome: Outcome
    by: str
    at: dt.datetime

    def __post_init__(self) -> None:
        _check_aware(self.at, "resolution time")


@dataclasses.dataclass(frozen=True, repr=False)  # repr, _repr_html_, to_pandas(): Displayable
class Prediction(Displayable):
    """A question with a resolve-by date, its forecasts, and (later) its resolution.

    ``criterion`` is an optional expression in the criteria language; when the
    evidence decides it, the workspace resolves the prediction by itself.
    """

    question: str
    resolve_by: dt.date
    forecasts: tuple[Forecast, ...]
    created_at: dt.datetime
    tags: tuple[str, ...] = ()
    notes: str = ""
    criterion: str | None = None
    resolution: Resolution | None = None
    id: str | None = None

    _display_columns = ("id", "question", "resolve_by", "resolution.outcome", "tags", "criterion")

    def __post_init__(self) -> None:
        question = " ".join(self.question.split())
        if not question:
            raise InputError("a prediction needs a question, for example 'X ships by 2027-06'")
        object.__setattr__(self, "question", question)
        object.__setattr__(self, "forecasts", tuple(self.forecasts))
        tags = tuple(dict.fromkeys(t.strip().lower() for t in self.tags if t.strip()))
        object.__setattr__(self, "tags", tags)
        _check_aware(self.created_at, "creation time")

    @property
    def is_resolved(self) -> bool:
        return self.resolution is not None

    def is_due(self, as_of: dt.date) -> bool:
        """True once the resolve-by date has passed."""
        return as_of > self.resolve_by

    def with_forecast(self, forecast: Forecast) -> Prediction:
        return dataclasses.replace(self, forecasts=(*self.forecasts, forecast))

    def resolve(self, outcome: Outcome, by: str, at: dt.datetime) -> Prediction:
        if self.resolution is not None:
            raise InputError(
                f"{self.question!r} is already resolved {self.resolution.outcome.value} "
                f"(by {self.resolution.by} on {self.resolution.at.date().isoformat()})"
            )
        return dataclasses.replace(self, resolution=Resolution(outcome, by, at))

    def to_dict(self) -> dict[str, Any]:
        r = self.resolution
        return {
            "id": self.id,
            "question": self.question,
            "resolve_by": self.resolve_by.isoformat(),
            "created_at": self.created_at.isoformat(),
            "tags": list(self.tags),
            "notes": self.notes,
            "criterion": self.criterion,
            "forecasts": [{"p": f.p, "by": f.by, "at": f.at.isoformat()} for f in self.forecasts],
            "resolution": None
            if r is None
            else {"outcome": r.outcome.value, "by": r.by, "at": r.at.isoformat()},
        }


@dataclasses.dataclass(frozen=True)
class ScoredForecast:
    """A forecast that counts: its probability, the outcome (1 or 0), and whose."""

    p: float
    outcome: int
    by: str
    question: str
    tags: tuple[str, ...] = ()


def scored_forecasts(
    predictions: Iterable[Prediction],
    as_of: dt.date,
    *,
    person: str | None = None,
    tag: str | None = None,
) -> list[ScoredForecast]:
    """The forecasts that count on ``as_of``, by the rules in the module docstring."""
    wanted_tag = tag.strip().lower() if tag else None
    result = []
    for prediction in predictions:
        r = prediction.resolution
        if r is None or r.outcome is Outcome.AMBIGUOUS or not prediction.is_due(as_of):
            continue
        if wanted_tag is not None and wanted_tag not in prediction.tags:
            continue
        latest: dict[str, Forecast] = {}
        for forecast in sorted(prediction.forecasts, key=lambda f: f.at):
            if forecast.at <= r.at:
                latest[forecast.by] = forecast
        for who, forecast in latest.items():
            if person is None or who == person:
                outcome = 1 if r.outcome is Outcome.YES else 0
                result.append(
                    ScoredForecast(forecast.p, outcome, who, prediction.question, prediction.tags)
                )
    return result


def brier_score(forecasts: Sequence[ScoredForecast]) -> float | None:
    """Mean squared error of the probabilities (Brier 1950); None without forecasts."""
    if not forecasts:
        return None
    return math.fsum((f.p - f.outcome) ** 2 for f in forecasts) / len(forecasts)


def log_score(forecasts: Sequence[ScoredForecast]) -> float | None:
    """Mean natural log of the probability given to what happened; None without any."""
    if not forecasts:
        return None
    total = 0.0
    for f in forecasts:
        p = min(max(f.p, LOG_CLIP), 1 - LOG_CLIP)
        total += math.log(p if f.outcome == 1 else 1 - p)
    return total / len(forecasts)


@dataclasses.dataclass(frozen=True)
class Bucket:
    """One calibration bucket: forecasts with ``low <= p < high`` (the last includes 1)."""

    low: float
    high: float
    count: int
    mean_forecast: float | None
    observed: float | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _bucket_index(p: float) -> int:
    # The small epsilon keeps 0.3 (stored as 0.29999...) in [0.3, 0.4).
    return min(math.floor(p * 10 + 1e-9), 9)


def calibration_table(forecasts: Sequence[ScoredForecast]) -> list[Bucket]:
    """Ten buckets of width 0.1, each with its mean forecast and observed YES rate."""
    groups: list[list[ScoredForecast]] = [[] for _ in range(10)]
    for f in forecasts:
        groups[_bucket_index(f.p)].append(f)
    table = []
    for i, group in enumerate(groups):
        n = len(group)
        table.append(
            Bucket(
                low=i / 10,
                high=(i + 1) / 10,
                count=n,
                mean_forecast=math.fsum(f.p for f in group) / n if n else None,
                observed=sum(f.outcome for f in group) / n if n else None,
            )
        )
    return table


@dataclasses.dataclass(frozen=True, repr=False)  # repr, _repr_html_, to_pandas(): Displayable
class Score(Displayable):
    """How well a set of forecasts did: Brier, log score and calibration."""

    _display_facts = ("person", "tag", "count", "brier", "log")
    _display_rows = "calibration"

    count: int
    brier: float | None
    log: float | None
    calibration: tuple[Bucket, ...]
    person: str | None = None
    tag: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "tag": self.tag,
            "count": self.count,
            "brier": self.brier,
            "log": self.log,
            "log_clip": LOG_CLIP,
            "calibration": [b.to_dict() for b in self.calibration],
        }


def score(
    predictions: Iterable[Prediction],
    as_of: dt.date,
    *,
    person: str | None = None,
    tag: str | None = None,
) -> Score:
    """Brier score, log score and calibration table of the forecasts that count."""
    counted = scored_forecasts(predictions, as_of, person=person, tag=tag)
    return Score(
        count=len(counted),
        brier=brier_score(counted),
        log=log_score(counted),
        calibration=tuple(calibration_table(counted)),
        person=person,
        tag=tag,
    )


def score_by_person(predictions: Sequence[Prediction], as_of: dt.date) -> dict[str, Score]:
    """One :class:`Score` per forecaster, names sorted."""
    people = sorted({f.by for p in predictions for f in p.forecasts})
    return {who: score(predictions, as_of, person=who) for who in people}


def score_by_tag(predictions: Sequence[Prediction], as_of: dt.date) -> dict[str, Score]:
    """One :class:`Score` per tag, tags sorted."""
    tags = sorted({t for p in predictions for t in p.tags})
    return {t: score(predictions, as_of, tag=t) for t in tags}


def resolve_from_evidence(
    prediction: Prediction, decided: bool | None, at: dt.datetime
) -> Prediction:
    """Resolve a prediction by its criterion once the evidence decides it.

    ``decided`` is the criterion's value from the criteria engine: True resolves
    YES, False resolves NO, None (the evidence does not decide yet) leaves the
    prediction open. A prediction already resolved is returned unchanged, so the
    workspace can call this after every new run.
    """
    if prediction.criterion is None:
        raise InputError(
            f"{prediction.question!r} has no criterion; "
            "resolve it by hand with yes, no or ambiguous"
        )
    if decided is None or prediction.resolution is not None:
        return prediction
    outcome = Outcome.YES if decided else Outcome.NO
    return prediction.resolve(outcome, f"criterion: {prediction.criterion}", at)


def overdue(predictions: Iterable[Prediction], as_of: dt.date) -> list[Prediction]:
    """Unresolved predictions past their resolve-by date, the oldest first."""
    late = [p for p in predictions if p.resolution is None and p.is_due(as_of)]
    return sorted(late, key=lambda p: (p.resolve_by, p.question))
