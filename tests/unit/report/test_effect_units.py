"""Reports say effects in the unit a reader thinks in, and problem 9's wording fixes
(issue 10): a 200x speed-up, a small change, the plural, no self-reference, PM risks."""

from __future__ import annotations

import dataclasses
from types import ModuleType

import pytest

from assay.bench import BenchmarkResult
from assay.pipeline.cost import CostInputs
from assay.pipeline.prototype import Registration
from assay.report import StudyView, render_report
from assay.report.product import plain_risks
from assay.stats import Verdict

TIME_ONLY = Registration.build(
    hypothesis="Tiled attention is at least 20% faster.",
    success=["effect(time) <= -20%"],
)


def _view(
    demo_result: BenchmarkResult,
    records: ModuleType,
    effect: tuple[float, float, float],
    registration: Registration = TIME_ONLY,
) -> StudyView:
    value, low, high = effect
    rows = [
        dataclasses.replace(row, verdict=Verdict.BETTER, effect=value, ci=(low, high))
        if row.metric == "time" and row.params == (("n", 1024),)
        else row
        for row in demo_result.comparisons
    ]
    result = dataclasses.replace(demo_result, comparisons=rows)
    view: StudyView = records.build_view(result, registration=registration, decided=False)
    return view


SPEEDUP = (-0.99503, -0.99556, -0.99444)  # 201x faster, 95% CI 180x to 225x


def test_a_200x_speed_up_in_the_exec_and_eng_reports(
    demo_result: BenchmarkResult, record_builder: ModuleType
) -> None:
    view = _view(demo_result, record_builder, SPEEDUP)
    executive = render_report(view, "exec", "md")
    assert "time per call 201x faster than naive at n=1024" in executive
    assert "between 180x and 225x faster" in executive
    assert "99% lower" not in executive
    assert "-100%" not in executive
    engineering = render_report(view, "eng", "md")
    assert "effect(time) = 201x faster" in engineering
    assert "180x to 225x faster" in engineering
    assert "-100%" not in engineering


def test_a_small_change_stays_a_percentage_in_the_reports(
    demo_result: BenchmarkResult, record_builder: ModuleType
) -> None:
    view = _view(demo_result, record_builder, (-0.089, -0.12, -0.051))
    executive = render_report(view, "exec", "md")
    assert "time per call 8.9% faster than naive" in executive
    assert "between 5.1% and 12% faster" in executive
    engineering = render_report(view, "eng", "md")
    assert "effect(time) = -8.9%" in engineering


@pytest.mark.parametrize(("weeks", "said"), [(1, "1 engineer-week and"), (3, "3 engineer-weeks")])
def test_engineer_weeks_take_the_plural_rule(demo_view: StudyView, weeks: int, said: str) -> None:
    view = dataclasses.replace(
        demo_view, cost_inputs=CostInputs(engineer_weeks=weeks, cost_per_engineer_week=4000)
    )
    assert said in render_report(view, "exec", "md")


def test_the_eng_report_does_not_send_readers_to_itself(
    demo_result: BenchmarkResult, record_builder: ModuleType
) -> None:
    view = _view(demo_result, record_builder, (0.4, 0.2, 0.6), registration=record_builder.AMENDED)
    assert view.recommendation is not None and len(view.recommendation.reasons) > 1
    assert "in the engineering report)" in render_report(view, "exec", "md")
    engineering = render_report(view, "eng", "md")
    assert "engineering report)" not in engineering
    assert "under Gate below)" in engineering


def test_pm_risks_are_written_for_a_product_manager(
    demo_result: BenchmarkResult, record_builder: ModuleType
) -> None:
    view = _view(demo_result, record_builder, (0.4, 0.2, 0.6), registration=record_builder.AMENDED)
    risks = plain_risks(view)
    assert risks[0] == (
        "A goal set before the measurements is missed: tiled is 40% slower than naive in "
        "time per call."
    )
    for risk in risks:  # no statistics: no criteria syntax, intervals, p-values or trials
        for jargon in ("effect(", "CI", "interval", "p =", "trials per arm", "criterion"):
            assert jargon not in risk, risk
    section = render_report(view, "pm", "md").split("## Main risks", 1)[1]
    assert "effect(" not in section and "confidence" not in section
    assert risks[0] in section
    executive = render_report(view, "exec", "md")  # the executive's key risk, in words too
    assert f"**Key risk:** {risks[0]}" in executive
