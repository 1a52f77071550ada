"""Numbers in words, Markdown escaping, and the input type's conversions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from assay.bench import BenchmarkResult
from assay.errors import InputError
from assay.report import RunEvidence, StudyView
from assay.report import phrasing as say
from assay.report.document import md_escape


@pytest.mark.parametrize(
    ("effect", "words"),
    [
        (-0.3, "30% lower"),
        (0.25, "25% higher"),
        (0.045, "4.5% higher"),
        (-0.0012, "0.12% lower"),
        (1.5, "2.5x higher"),
        (99.0, "100x higher"),
        (-0.6, "2.5x lower"),
        (0.0, "unchanged"),
        (math.inf, "unbounded"),
    ],
)
def test_change(effect: float, words: str) -> None:
    assert say.change(effect) == words


def test_compared_reads_as_english() -> None:
    assert say.compared(-0.3, "naive") == "30% lower than naive"
    assert say.compared(2.0, "naive") == "3.0x higher than naive"
    assert say.compared(0.0, "naive") == "the same as naive"


def test_the_words_follow_the_metric_as_criteria_name_it() -> None:
    assert say.change(-0.99503, "latency") == "201x faster"
    assert say.change(-0.089, "time") == "8.9% faster"
    assert say.compared(2.2, "naive", "memory.peak_heap") == "3.2x more than naive"
    assert say.compared(0.3, "naive", "throughput") == "30% higher than naive"


def test_a_200x_speed_up_is_never_99_percent_lower() -> None:
    sentence = say.change_interval(-0.99556, -0.99444, effect=-0.99503, metric="time")
    assert sentence == "95% confidence interval: between 180x and 225x faster"
    assert "99%" not in say.compared(-0.99503, "sorted", "time")


def test_change_interval() -> None:
    level = "95% confidence interval"
    assert say.change_interval(-0.35, -0.25) == f"{level}: between 25% and 35% lower"
    assert say.change_interval(0.1, 0.2) == f"{level}: between 10% and 20% higher"
    assert say.change_interval(-0.2, 0.15) == f"{level}: between 20% lower and 15% higher"
    assert say.change_interval(-0.5, -0.5) == f"{level}: 2.0x lower in every trial alike"
    assert say.change_interval(-0.2, -0.2) == f"{level}: 20% lower in every trial alike"
    assert say.change_interval(-0.2, math.inf, 0.9).startswith("90% confidence interval")
    assert "no bound" in say.change_interval(-0.2, math.inf)


def test_wide_intervals() -> None:
    assert say.is_wide(-0.72, 3.5)
    assert say.is_wide(-0.1, math.inf)
    assert not say.is_wide(-0.52, -0.39)


def test_money_months_dates_points() -> None:
    assert say.money(12000) == "$12,000"
    assert say.money(-798.4) == "-$798"
    assert say.months(math.inf) == "never"
    assert say.months(2.34) == "2.3 months"
    assert say.date(dt.datetime(2026, 5, 8, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == (
        "2026-05-08 14:00 UTC"
    )
    assert say.point_label((("n", 4096.0), ("dtype", "f32"))) == "n=4096, dtype=f32"


def test_metric_names_of_criteria_and_engine() -> None:
    assert say.engine_metric("memory.peak_heap") == "peak_heap"
    assert say.engine_metric("latency") == "time"
    assert say.engine_metric("accuracy.mean") == "accuracy"
    assert say.engine_metric("latency.p99") == "latency.p99"
    assert say.metric_label("memory.peak_heap") == "peak heap memory"
    assert say.metric_label("latency.p99") == "P99 latency"
    assert say.metric_label("max_abs_error") == "max abs error"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("effect(peak_heap) <= -50%", "effect(peak_heap) <= -50%"),
        ("<script>x</script>", r"\<script>x\</script>"),
        ("*bold* and _it_", r"\*bold\* and \_it\_"),
        ("[link](http://x)", r"\[link\](http://x)"),
        ("a | b", r"a \| b"),
        ("&amp;", r"\&amp;"),
        ("line\nbreak", "line break"),
    ],
)
def test_markdown_escapes_markup_and_nothing_else(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


def test_markdown_escapes_block_starts() -> None:
    assert md_escape("# not a heading", start=True) == r"\# not a heading"
    assert md_escape("- not a list", start=True) == r"\- not a list"
    assert md_escape("1. not a list", start=True) == r"1\. not a list"
    assert md_escape("-68%", start=True) == "-68%"


def test_run_evidence_defaults_and_conversion(demo_result: BenchmarkResult) -> None:
    run = RunEvidence("r1", demo_result)
    assert run.env == demo_result.header.environment
    assert run.baseline == "naive"
    assert run.candidates == ("tiled",)

    @dataclasses.dataclass
    class Info:
        run_id: str
        created_at: dt.datetime

    @dataclasses.dataclass
    class Report:  # the shape of the workspace's RunReport and the store's EvidenceRun
        info: Info
        result: BenchmarkResult
        after_amendment: bool = True

    at = dt.datetime(2026, 5, 4, tzinfo=dt.UTC)
    converted = RunEvidence.from_record(Report(Info("r2", at), demo_result))
    assert (converted.run_id, converted.started_at, converted.before_amendment) == ("r2", at, True)
    with pytest.raises(InputError, match="cannot read a run from str"):
        RunEvidence.from_record("r3")
    with pytest.raises(InputError, match="needs its run id"):
        RunEvidence(" ", demo_result)


def test_study_view_fills_what_it_can(demo_view: StudyView) -> None:
    bare = dataclasses.replace(
        demo_view, evaluations=(), point={"n": 1024}, candidate=None, as_of=None
    )
    assert demo_view.recommendation is not None
    assert bare.evaluations == demo_view.recommendation.criteria
    assert bare.point == (("n", 1024),)
    assert bare.chosen_candidate == "tiled"
    assert bare.as_of == dt.date.today()
    largest = dataclasses.replace(demo_view, point=None)
    assert largest.chosen_point == (("n", 1024),)
