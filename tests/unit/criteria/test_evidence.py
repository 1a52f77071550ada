"""The in-memory evidence, its dictionary form, and the validation of estimates."""

from __future__ import annotations

import json
import math

import pytest

from assay.criteria import (
    EffectEstimate,
    Evidence,
    InMemoryEvidence,
    MetricEstimate,
    VerdictEstimate,
    trials_to_settle,
)
from assay.criteria.units import Dimension, dimension_of_metric, from_base, to_base
from assay.errors import InputError

DATA = {
    "candidate": {"latency.p99": {"value": 180, "low": 170, "high": 192, "unit": "ms", "n": 10}},
    "baseline": {"latency.p99": {"value": 240, "low": 230, "high": 250, "unit": "ms", "n": 10}},
    "effects": {
        "latency.p99": {
            "relative": {"value": -0.25, "low": -0.3, "high": -0.21, "n": 10},
            "lower_is_better": True,
        },
        "accuracy": {
            "relative": {"value": -0.002, "low": -0.01, "high": 0.005},
            "lower_is_better": False,
            "difference": {"value": -0.4, "low": -0.9, "high": 0.2, "unit": "%"},
        },
    },
    "verdicts": {"latency.p50": {"verdict": "better", "n": 10}},
}


def test_from_dict_and_to_dict_round_trip_through_json() -> None:
    evidence = InMemoryEvidence.from_dict(DATA)
    again = InMemoryEvidence.from_dict(json.loads(json.dumps(evidence.to_dict())))
    assert again == evidence
    assert evidence.statistic("candidate", "latency.p99") == MetricEstimate(
        180, 170, 192, "ms", n=10
    )
    assert evidence.statistic("baseline", "accuracy") is None
    effect = evidence.effect("accuracy")
    assert effect is not None
    assert effect.difference == MetricEstimate(-0.4, -0.9, 0.2, "%")
    assert evidence.verdict("latency.p50") == VerdictEstimate("better", None, 10)
    assert evidence.verdict("latency.p99") is None


def test_in_memory_evidence_satisfies_the_protocol() -> None:
    evidence: Evidence = InMemoryEvidence()
    assert evidence.effect("x") is None


ONE = {"value": 1, "low": 0, "high": 2}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"candidates": {}}, "unknown evidence section"),
        ({"candidate": {"x": {"value": 1, "low": 0}}}, "candidate.x lacks 'high'"),
        ({"candidate": {"x": {"value": "a", "low": 0, "high": 1}}}, "x is not an estimate"),
        ({"candidate": {"x": {"value": 1, "low": 2, "high": 0}}}, "low <= high"),
        ({"candidate": {"x": {"value": 1, "low": 0, "high": 2, "unit": "ft"}}}, "unknown unit"),
        ({"candidate": {"x": 3}}, "must map metric names to objects"),
        ({"candidate": []}, "must map metric names to objects"),
        ({"effects": {"x": {"relative": {"value": 1, "low": 0, "high": 2}}}}, "lower_is_better"),
        (
            {"effects": {"x": {"relative": {**ONE, "unit": "ms"}, "lower_is_better": True}}},
            "fraction or in %",
        ),
        ({"verdicts": {"x": {"verdict": "great"}}}, "not one of better"),
        ({"verdicts": {"x": {}}}, "needs a verdict"),
    ],
)  # fmt: skip
def test_bad_evidence_is_an_input_error_naming_the_field(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        InMemoryEvidence.from_dict(data)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value": math.nan, "low": 0, "high": 1},
        {"value": math.inf, "low": 0, "high": 1},
        {"value": 0, "low": math.nan, "high": 1},
        {"value": 0, "low": 0, "high": 1, "confidence": 1.0},
        {"value": 0, "low": 0, "high": 1, "n": 0},
    ],
)
def test_estimates_are_validated(kwargs: dict[str, float]) -> None:
    with pytest.raises(InputError):
        MetricEstimate(**kwargs)  # type: ignore[arg-type]


def test_a_one_sided_interval_is_allowed() -> None:
    estimate = MetricEstimate(0.1, -math.inf, 0.2)
    assert estimate.half_width == math.inf


def test_a_verdict_enum_is_normalised_to_its_value() -> None:
    import enum

    class Verdict(enum.Enum):
        BETTER = "better"

    assert VerdictEstimate(Verdict.BETTER).verdict == "better"  # type: ignore[arg-type]
    assert VerdictEstimate(" Inconclusive ").verdict == "inconclusive"


def test_an_effect_needs_a_relative_interval_without_a_physical_unit() -> None:
    with pytest.raises(InputError, match="fraction or in %"):
        EffectEstimate(MetricEstimate(1, 0, 2, "ms"), True)


def test_units_convert_through_decimal_and_back() -> None:
    assert to_base(200, "ms") == 0.2
    assert to_base(29, "%") == 0.29
    assert to_base(2, "GiB") == 2 * 1024**3
    assert to_base(250, "µs") == to_base(250, "us") == 0.00025
    assert from_base(0.2, "ms") == 200
    assert from_base(0.29, "%") == 29
    assert to_base(math.inf, "ms") == math.inf
    assert dimension_of_metric("latency.p99") is Dimension.TIME
    assert dimension_of_metric("memory.peak_rss") is Dimension.MEMORY
    assert dimension_of_metric("my_score") is Dimension.UNKNOWN


@pytest.mark.parametrize(
    ("half_width", "distance", "n", "expected"),
    [
        # spread s = w / 1.95996 * sqrt(n); one-sample t, 5% two-sided, 80% power;
        # the figures agree with statsmodels' TTestPower().solve_power rounded up.
        (15, 10, 10, 48),  # d/s = 0.4132
        (10, 10, 10, 23),  # d/s = 0.6198
        (1, 10, 10, 11),  # d/s = 6.2 needs 2 trials: already enough, so at least n + 1
        (15, 1, 10, 4600),  # d/s = 0.0413
        # beyond 100,000 trials the normal approximation n * ((z + z_0.8) w / (z d))^2
        (15, 0.01, 10, 45_972_065),  # z = 1.959964, z_0.8 = 0.841621
        (15, 0, 10, None),  # the estimate on the threshold: no number can be promised
        (15, 10, None, None),
        (math.inf, 10, 10, None),
    ],
)
def test_trials_to_settle(
    half_width: float, distance: float, n: int | None, expected: int | None
) -> None:
    assert trials_to_settle(half_width, distance, n) == expected


def test_trials_to_settle_is_capped() -> None:
    assert trials_to_settle(1e6, 1e-9, 10) == 10**9


def test_effect_and_verdict_from_a_comparison_of_the_statistics_engine() -> None:
    import dataclasses
    import enum

    class Verdict(enum.StrEnum):
        INCONCLUSIVE = "inconclusive"

    @dataclasses.dataclass(frozen=True)
    class Comparison:  # the fields of assay.stats.Comparison the adapters read
        verdict: Verdict = Verdict.INCONCLUSIVE
        effect: float = -0.12
        ci: tuple[float, float] = (-0.2, -0.04)
        confidence: float = 0.9
        lower_is_better: bool = True
        n_baseline: int = 12
        n_candidate: int = 10
        needed_trials: int | None = 25

    effect = EffectEstimate.from_comparison(Comparison())
    assert effect.relative == MetricEstimate(-0.12, -0.2, -0.04, None, 0.9, 10)
    assert effect.lower_is_better
    assert effect.difference is None
    assert VerdictEstimate.from_comparison(Comparison()) == VerdictEstimate("inconclusive", 25, 10)


def test_an_unbounded_end_is_none_in_the_dictionary_form() -> None:
    estimate = MetricEstimate(0.1, -math.inf, 0.2)
    data = estimate.to_dict()
    assert data["low"] is None
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert MetricEstimate.from_dict(data) == estimate


@pytest.mark.parametrize(
    ("half_width", "distance", "n", "expected"),
    [(1e-6, 1e6, 10, 11), (1e-300, 1e300, 2, 3), (1.0, 100.0, 1, 3), (5e-324, 1.0, 1, 3)],
)
def test_trials_to_settle_far_from_the_threshold_needs_no_search(
    half_width: float, distance: float, n: int, expected: int
) -> None:
    assert trials_to_settle(half_width, distance, n) == expected
