"""Prediction scoring against a hand calculation on a fixed set of forecasts."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from assay.errors import InputError
from assay.pipeline.predictions import (
    Forecast,
    Outcome,
    Prediction,
    ScoredForecast,
    calibration_table,
    overdue,
    resolve_from_evidence,
    score,
    score_by_person,
    score_by_tag,
    scored_forecasts,
)

UTC = dt.UTC
AS_OF = dt.date(2026, 1, 1)


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


def _q(
    question: str,
    resolve_by: str,
    forecasts: list[tuple[float, str, str]],
    outcome: Outcome | None = None,
    resolved_at: str = "",
    tags: tuple[str, ...] = (),
) -> Prediction:
    prediction = Prediction(
        question=question,
        resolve_by=dt.date.fromisoformat(resolve_by),
        forecasts=tuple(Forecast(p, who, _at(at)) for p, who, at in forecasts),
        created_at=_at("2025-01-01"),
        tags=tags,
    )
    if outcome is not None:
        prediction = prediction.resolve(outcome, "lead", _at(resolved_at))
    return prediction


PREDICTIONS = [
    # Q1: YES. Ana's later 0.9 replaces her 0.8.
    _q(
        "Q1",
        "2025-06-30",
        [(0.8, "ana", "2025-02-01"), (0.9, "ana", "2025-05-01"), (0.6, "ben", "2025-02-01")],
        Outcome.YES,
        "2025-07-01",
        ("inference",),
    ),
    _q(
        "Q2",
        "2025-08-31",
        [(0.3, "ana", "2025-02-01"), (0.05, "ben", "2025-02-01")],
        Outcome.NO,
        "2025-09-01",
        ("Inference",),
    ),
    _q(
        "Q3",
        "2025-10-31",
        [(0.65, "ana", "2025-02-01"), (0.35, "ben", "2025-02-01")],
        Outcome.YES,
        "2025-11-01",
        ("training",),
    ),
    # Q4: NO. Ben's 0.99 came after the resolution and does not count.
    _q(
        "Q4",
        "2025-12-31",
        [(0.1, "ana", "2025-02-01"), (0.99, "ben", "2025-12-31T12:00")],
        Outcome.NO,
        "2025-12-31T08:00",
        ("inference",),
    ),
    # Q5: resolved YES early, but its resolve-by date has not passed: not counted yet.
    _q("Q5", "2026-06-30", [(0.95, "ana", "2025-02-01")], Outcome.YES, "2025-11-01"),
    # Q6: ambiguous never counts.
    _q("Q6", "2025-03-31", [(0.5, "ana", "2025-02-01")], Outcome.AMBIGUOUS, "2025-04-01"),
    # Q7: unresolved and past its date: overdue, not counted.
    _q("Q7", "2025-11-30", [(0.4, "ben", "2025-02-01")]),
    # Q8: resolves on its own resolve-by date, which is AS_OF: not past it yet.
    _q("Q8", "2026-01-01", [(0.7, "ana", "2025-02-01")], Outcome.NO, "2025-12-30"),
]

# The forecasts that count, written out: (p, outcome).
ANA = [(0.9, 1), (0.3, 0), (0.65, 1), (0.1, 0)]
BEN = [(0.6, 1), (0.05, 0), (0.35, 1)]


def test_which_forecasts_count() -> None:
    counted = scored_forecasts(PREDICTIONS, AS_OF)
    assert sorted((f.question, f.by, f.p, f.outcome) for f in counted) == [
        ("Q1", "ana", 0.9, 1),
        ("Q1", "ben", 0.6, 1),
        ("Q2", "ana", 0.3, 0),
        ("Q2", "ben", 0.05, 0),
        ("Q3", "ana", 0.65, 1),
        ("Q3", "ben", 0.35, 1),
        ("Q4", "ana", 0.1, 0),
    ]


def test_brier_and_log_score_match_the_hand_calculation() -> None:
    # Brier, by hand: Ana (0.9-1)² + (0.3-0)² + (0.65-1)² + (0.1-0)²
    #               = 0.01 + 0.09 + 0.1225 + 0.01 = 0.2325, over 4 = 0.058125
    #                 Ben (0.6-1)² + (0.05-0)² + (0.35-1)² = 0.16 + 0.0025 + 0.4225 = 0.585,
    #                 over 3 = 0.195; everyone: (0.2325 + 0.585) / 7 = 0.1167857...
    ana = score(PREDICTIONS, AS_OF, person="ana")
    ben = score(PREDICTIONS, AS_OF, person="ben")
    everyone = score(PREDICTIONS, AS_OF)
    assert ana.count == 4
    assert ana.brier == pytest.approx(0.058125)
    assert ben.brier == pytest.approx(0.195)
    assert everyone.brier == pytest.approx(0.8175 / 7)
    # Log score, by hand: the log of the probability given to what happened.
    ana_log = (math.log(0.9) + math.log(0.7) + math.log(0.65) + math.log(0.9)) / 4
    ben_log = (math.log(0.6) + math.log(0.95) + math.log(0.35)) / 3
    assert ana.log == pytest.approx(ana_log)
    assert ana.log == pytest.approx(-0.2495447, abs=1e-7)
    assert ben.log == pytest.approx(ben_log)
    assert ben.log == pytest.approx(-0.5373137, abs=1e-7)
    assert everyone.log == pytest.approx((4 * ana_log + 3 * ben_log) / 7)


def test_calibration_buckets_match_the_hand_calculation() -> None:
    # 0.05 N | 0.1 N | - | 0.3 N, 0.35 Y | - | - | 0.6 Y, 0.65 Y | - | - | 0.9 Y
    table = score(PREDICTIONS, AS_OF).calibration
    assert len(table) == 10
    rows = [(b.low, b.high, b.count, b.mean_forecast, b.observed) for b in table]
    expected = [
        (0.0, 0.1, 1, 0.05, 0.0),
        (0.1, 0.2, 1, 0.1, 0.0),
        (0.2, 0.3, 0, None, None),
        (0.3, 0.4, 2, 0.325, 0.5),
        (0.4, 0.5, 0, None, None),
        (0.5, 0.6, 0, None, None),
        (0.6, 0.7, 2, 0.625, 1.0),
        (0.7, 0.8, 0, None, None),
        (0.8, 0.9, 0, None, None),
        (0.9, 1.0, 1, 0.9, 1.0),
    ]
    for got, want in zip(rows, expected, strict=True):
        assert got[:3] == pytest.approx(want[:3])
        for g, w in zip(got[3:], want[3:], strict=True):
            assert g == (None if w is None else pytest.approx(w))


def test_bucket_edges() -> None:
    forecasts = [ScoredForecast(p, 1, "x", "q") for p in (0.0, 0.1, 0.3, 0.7, 0.99, 1.0)]
    counts = [b.count for b in calibration_table(forecasts)]
    assert counts == [1, 1, 0, 1, 0, 0, 0, 1, 0, 2]


def test_scores_per_person_and_per_tag() -> None:
    people = score_by_person(PREDICTIONS, AS_OF)
    assert list(people) == ["ana", "ben"]
    assert people["ana"].brier == pytest.approx(0.058125)
    tags = score_by_tag(PREDICTIONS, AS_OF)
    assert list(tags) == ["inference", "training"]  # tags are case-folded
    # inference: Q1 (0.9 Y, 0.6 Y), Q2 (0.3 N, 0.05 N), Q4 (0.1 N)
    # (0.01 + 0.16 + 0.09 + 0.0025 + 0.01) / 5 = 0.0545
    assert tags["inference"].count == 5
    assert tags["inference"].brier == pytest.approx(0.0545)
    assert tags["training"].brier == pytest.approx((0.1225 + 0.4225) / 2)


def test_nothing_to_score_gives_none_not_zero() -> None:
    empty = score(PREDICTIONS, AS_OF, person="nobody")
    assert (empty.count, empty.brier, empty.log) == (0, None, None)
    assert empty.to_dict()["log_clip"] == 0.001


def test_a_certain_wrong_forecast_is_clipped_for_the_log_score() -> None:
    certain = _q("Sure", "2025-01-31", [(1.0, "ana", "2025-01-02")], Outcome.NO, "2025-02-01")
    result = score([certain], AS_OF)
    assert result.brier == 1.0
    assert result.log == pytest.approx(math.log(0.001))


def test_overdue_lists_unresolved_past_their_date() -> None:
    assert [p.question for p in overdue(PREDICTIONS, AS_OF)] == ["Q7"]


def test_validation() -> None:
    with pytest.raises(InputError, match="not a probability"):
        Forecast(1.2, "ana", _at("2025-01-01"))
    with pytest.raises(InputError, match="no time zone"):
        Forecast(0.5, "ana", dt.datetime(2025, 1, 1))
    with pytest.raises(InputError, match="needs a question"):
        _q("  ", "2025-01-01", [])
    with pytest.raises(InputError, match="expected yes, no or ambiguous"):
        Outcome.parse("maybe")
    assert Outcome.parse(" YES ") is Outcome.YES
    resolved = PREDICTIONS[0]
    with pytest.raises(InputError, match="already resolved yes"):
        resolved.resolve(Outcome.NO, "ben", _at("2025-08-01"))


def test_a_criterion_resolves_the_prediction_when_the_evidence_decides() -> None:
    open_question = Prediction(
        question="FlashAttention-3 cuts p50 latency by 20%",
        resolve_by=dt.date(2026, 6, 30),
        forecasts=(Forecast(0.6, "ana", _at("2026-01-05")),),
        created_at=_at("2026-01-05"),
        criterion="p50_latency.change <= -20%",
    )
    at = _at("2026-02-01")
    assert resolve_from_evidence(open_question, None, at) is open_question
    resolved = resolve_from_evidence(open_question, True, at)
    assert resolved.resolution is not None
    assert resolved.resolution.outcome is Outcome.YES
    assert resolved.resolution.by == "criterion: p50_latency.change <= -20%"
    assert resolve_from_evidence(resolved, False, _at("2026-03-01")) is resolved
    with pytest.raises(InputError, match="has no criterion"):
        resolve_from_evidence(PREDICTIONS[6], True, at)
