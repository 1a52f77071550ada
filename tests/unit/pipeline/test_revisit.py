"""Revisit-when conditions: parsing, series names, the harmful direction (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.errors import InputError
from assay.pipeline.revisit import (
    is_regression,
    parse_condition,
    parse_conditions,
    series_metric,
    summary_series,
)


def test_a_date_condition() -> None:
    c = parse_condition("on 2027-03-01")
    assert (c.kind, c.on, c.checked) == ("date", dt.date(2027, 3, 1), True)


def test_a_change_condition_names_the_series() -> None:
    c = parse_condition("change(latency.p99)")
    assert (c.kind, c.metric) == ("change", "latency.p99")
    assert parse_condition("change( time )").metric == "latency"


def test_a_criteria_condition_is_parsed_and_canonical() -> None:
    c = parse_condition("effect( latency.p99 ) > -10.0%")
    assert (c.kind, c.criterion) == ("criteria", "effect(latency.p99) > -10%")


def test_free_text_is_kept_and_not_checked() -> None:
    c = parse_condition("when the vendor ships v3")
    assert (c.kind, c.checked) == ("text", False)
    assert c.describe() == "when the vendor ships v3 (not checked by assay)"


def test_several_conditions_by_semicolon_and_repetition() -> None:
    found = parse_conditions(["on 2027-03-01; change(accuracy)", "the team grows"])
    assert [c.kind for c in found] == ["date", "change", "text"]
    assert parse_conditions("") == ()


@pytest.mark.parametrize(
    "text",
    ["on 2027-13-01", "on tuesday", "change()", "change(latency p99)", "effect(latency.p99) >"],
)
def test_a_condition_that_does_not_parse_is_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_condition(text)


@pytest.mark.parametrize(
    ("metric", "series"),
    [
        ("latency", "latency"),
        ("time", "latency"),
        ("latency.median", "latency"),
        ("latency.p99", "latency.p99"),
        ("latency.p99_9", "latency.p99.9"),
        ("memory.peak_rss", "peak_rss"),
        ("gpu_memory", "peak_cuda"),
        ("accuracy.mean", "accuracy"),
        ("throughput", "throughput"),
    ],
)
def test_series_names(metric: str, series: str) -> None:
    assert series_metric(metric) == series


def test_summary_series_reads_the_median_and_per_call_percentiles() -> None:
    metrics = {
        "time": {"n": 5, "median": 0.1, "mean": 0.2, "per_call_p50": 0.09, "per_call_p99": 0.3},
        "accuracy": {"n": 5, "median": 0.9, "mean": 0.8},
        "peak_rss": {"n": 5, "median": float("nan")},
    }
    assert summary_series(metrics) == {"latency": 0.1, "latency.p99": 0.3, "accuracy": 0.9}


def test_summary_series_without_a_median_reads_the_compared_value() -> None:
    """A load run's or an A/B arm's summary holds the value it compares, not a median."""
    metrics = {
        "latency_p99_ms": {"n": 900, "mean": 12.5, "compared": 12.5},
        "conversion": {"n": 1e5, "mean": 0.3, "compared": 0.3},
        "both": {"n": 5, "median": 2.0, "compared": 1.9},
    }
    found = summary_series(metrics)
    assert found[series_metric("latency_p99_ms")] == 12.5 and found["conversion"] == 0.3
    assert found["both"] == 2.0  # the median when there is one


def test_regression_direction() -> None:
    assert is_regression(1.0, 1.2, lower_is_better=True)
    assert not is_regression(1.0, 0.8, lower_is_better=True)
    assert is_regression(0.9, 0.8, lower_is_better=False)
    assert not is_regression(0.9, 0.95, lower_is_better=False)
