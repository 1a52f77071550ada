"""Cost-benefit against a hand calculation.

The fixed example (US dollars):

    one-off cost   C = 6 engineer-weeks * 4,000 + 6,000 infrastructure  = 30,000
    compute hours  H = 300,000,000 requests * 0.12 s / 3600             = 10,000 h/month
    compute spend    = 10,000 h * 2.50 usd                              = 25,000 /month
    time per request changes by -30% (95% CI -36% to -24%)
    compute saving   = 25,000 * 0.30 = 7,500   (0.24 -> 6,000; 0.36 -> 9,000)
    net benefit    B = 7,500 - 1,000 maintenance = 6,500   (5,000 to 8,000)
    payback          = 30,000 / 6,500 = 4.615 months  (30,000/8,000 = 3.75 to 30,000/5,000 = 6.0)
    12-month ROI     = (12 * 6,500 - 30,000) / 30,000 = 1.6
                       ((60,000 - 30,000)/30,000 = 1.0 to (96,000 - 30,000)/30,000 = 2.2)
    recommendation   : payback between 3 and 12 months -> judgement call (also at both ends)
"""

from __future__ import annotations

import math

import pytest

from assay.criteria import MetricEstimate
from assay.errors import InputError
from assay.pipeline.cost import (
    CostInputs,
    CostVerdict,
    Figure,
    MeasuredEffects,
    cost_benefit,
)

INPUTS = CostInputs(
    engineer_weeks=6,
    cost_per_engineer_week=4_000,
    infrastructure_one_off=6_000,
    maintenance_per_month=1_000,
    price_per_compute_hour=2.50,
    requests_per_month=300_000_000,
    seconds_per_request=0.12,
)
FASTER = MeasuredEffects(time_per_request=MetricEstimate(-0.30, -0.36, -0.24))


def close(figure: Figure, value: float, low: float, high: float) -> bool:
    return (
        figure.value == pytest.approx(value)
        and figure.low == pytest.approx(low)
        and figure.high == pytest.approx(high)
    )


def test_the_fixed_example_matches_the_hand_calculation() -> None:
    result = cost_benefit(INPUTS, FASTER)
    assert result.one_off_cost == 30_000
    assert result.compute_hours_per_month == pytest.approx(10_000)
    assert result.basis == "time per request"
    assert close(result.monthly_compute_saving, 7_500, 6_000, 9_000)
    assert close(result.monthly_memory_saving, 0, 0, 0)
    assert close(result.monthly_benefit, 6_500, 5_000, 8_000)
    assert close(result.payback_months, 30_000 / 6_500, 3.75, 6.0)
    assert result.payback_months.value == pytest.approx(4.615, abs=1e-3)
    assert close(result.roi_12_months, 1.6, 1.0, 2.2)
    assert result.verdict is CostVerdict.JUDGEMENT_CALL
    assert result.pessimistic_verdict is CostVerdict.JUDGEMENT_CALL
    assert result.reason.startswith("judgement call: payback 4.6 months (3.8 months to 6.0 months")
    assert result.notes == ()


def test_effects_in_percent_give_the_same_figures() -> None:
    percent = MeasuredEffects(time_per_request=MetricEstimate(-30, -36, -24, "%"))
    assert (
        cost_benefit(INPUTS, percent).monthly_benefit
        == cost_benefit(INPUTS, FASTER).monthly_benefit
    )


def test_throughput_is_the_basis_when_given_and_is_not_added_to_time() -> None:
    # 25% more requests per compute hour: hours needed fall to 1/1.25 = 80%, saving 20%
    # of 25,000 = 5,000; interval +20%..+33.3%: 1-1/1.2 = 16.67% -> 4,166.67; 25% -> 6,250.
    effects = MeasuredEffects(
        time_per_request=MetricEstimate(-0.30, -0.36, -0.24),
        throughput=MetricEstimate(0.25, 0.20, 1 / 3),
    )
    result = cost_benefit(INPUTS, effects)
    assert result.basis == "throughput"
    assert close(result.monthly_compute_saving, 5_000, 25_000 / 6, 6_250)
    assert close(result.monthly_benefit, 4_000, 25_000 / 6 - 1_000, 5_250)
    assert any("throughput is used" in note for note in result.notes)


def test_priced_memory_adds_its_saving() -> None:
    # 512 GiB at 3 usd/GiB-month = 1,536; -25% (-30%..-20%) saves 384 (307.2..460.8).
    inputs = CostInputs(**{**INPUTS.__dict__, "memory_gib": 512, "price_per_gib_month": 3})
    effects = MeasuredEffects(
        time_per_request=MetricEstimate(-0.30, -0.36, -0.24),
        memory=MetricEstimate(-0.25, -0.30, -0.20),
    )
    result = cost_benefit(inputs, effects)
    assert close(result.monthly_memory_saving, 384, 307.2, 460.8)
    assert close(result.monthly_benefit, 6_884, 5_307.2, 8_460.8)


def test_compute_hours_may_be_given_directly() -> None:
    inputs = CostInputs(
        engineer_weeks=6,
        cost_per_engineer_week=4_000,
        infrastructure_one_off=6_000,
        maintenance_per_month=1_000,
        price_per_compute_hour=2.50,
        compute_hours_per_month=10_000,
    )
    assert (
        cost_benefit(inputs, FASTER).monthly_benefit == cost_benefit(INPUTS, FASTER).monthly_benefit
    )


@pytest.mark.parametrize(
    ("effect", "verdict"),
    [
        (-0.80, CostVerdict.LIKELY_WORTHWHILE),  # B = 19,000: payback 1.58 months
        (-0.30, CostVerdict.JUDGEMENT_CALL),  # 4.6 months
        (-0.10, CostVerdict.NEEDS_STRATEGIC_REASON),  # B = 1,500: 20 months
        (-0.04, CostVerdict.NOT_WORTHWHILE),  # B = 0: never
        (0.10, CostVerdict.NOT_WORTHWHILE),  # slower: B = -3,500
    ],
)
def test_the_recommendation_thresholds(effect: float, verdict: CostVerdict) -> None:
    effects = MeasuredEffects(time_per_request=MetricEstimate(effect, effect, effect))
    assert cost_benefit(INPUTS, effects).verdict is verdict


def test_threshold_edges() -> None:
    assert CostVerdict.of(1, 2.999) is CostVerdict.LIKELY_WORTHWHILE
    assert CostVerdict.of(1, 3) is CostVerdict.JUDGEMENT_CALL
    assert CostVerdict.of(1, 12) is CostVerdict.JUDGEMENT_CALL
    assert CostVerdict.of(1, 12.001) is CostVerdict.NEEDS_STRATEGIC_REASON
    assert CostVerdict.of(0, 0) is CostVerdict.NOT_WORTHWHILE


def test_an_interval_reaching_a_loss_gives_a_payback_that_may_never_come() -> None:
    # -10% (-20%..+2%): B = 1,500 (4,000 .. -1,500)
    effects = MeasuredEffects(time_per_request=MetricEstimate(-0.10, -0.20, 0.02))
    result = cost_benefit(INPUTS, effects)
    assert close(result.monthly_benefit, 1_500, -1_500, 4_000)
    assert result.payback_months.value == pytest.approx(20)
    assert result.payback_months.low == pytest.approx(7.5)
    assert result.payback_months.high == math.inf
    assert result.payback_months.to_dict() == {"value": 20.0, "low": 7.5, "high": None}
    assert result.pessimistic_verdict is CostVerdict.NOT_WORTHWHILE
    assert "at the pessimistic end: not worthwhile" in result.reason
    assert "to never over the measured interval" in result.reason


def test_the_sensitivity_table_varies_each_input_with_the_others_held() -> None:
    result = cost_benefit(INPUTS, FASTER)
    rows = {(row.input, row.change): row for row in result.sensitivity}
    # engineer-weeks +50%: 9 weeks, C = 42,000: payback 42,000/6,500 = 6.46,
    # ROI (78,000 - 42,000)/42,000 = 0.857
    row = rows["engineer_weeks", 0.5]
    assert row.value == 9
    assert row.monthly_benefit == pytest.approx(6_500)
    assert row.payback_months == pytest.approx(42_000 / 6_500)
    assert row.roi_12_months == pytest.approx(36_000 / 42_000)
    # price per compute hour -20%: spend 20,000, saving 6,000, B = 5,000: payback 6.0, ROI 1.0
    row = rows["price_per_compute_hour", -0.2]
    assert (row.payback_months, row.roi_12_months) == (pytest.approx(6.0), pytest.approx(1.0))
    # the effect itself -50%: -15%, saving 3,750, B = 2,750
    row = rows["effect on time_per_request", -0.5]
    assert row.value == pytest.approx(-0.15)
    assert row.monthly_benefit == pytest.approx(2_750)
    # maintenance +50%: B = 6,000
    assert rows["maintenance_per_month", 0.5].monthly_benefit == pytest.approx(6_000)
    assert rows["seconds_per_request", 0.2].monthly_benefit == pytest.approx(8_000)
    # inputs that are zero are not varied
    assert not any(row.input == "memory_gib" for row in result.sensitivity)
    assert {change for _, change in rows} == {-0.5, -0.2, 0.2, 0.5}
    assert len(result.sensitivity) == 8 * 4


def test_a_variation_that_would_be_invalid_is_left_out() -> None:
    effects = MeasuredEffects(time_per_request=MetricEstimate(-0.8, -0.85, -0.75))
    result = cost_benefit(INPUTS, effects)
    changes = {
        row.change for row in result.sensitivity if row.input == "effect on time_per_request"
    }
    assert changes == {-0.5, -0.2, 0.2}  # +50% would be -120%


def test_notes_say_what_is_not_counted() -> None:
    assert cost_benefit(INPUTS, MeasuredEffects()).notes == (
        "no throughput or time-per-request effect: no compute saving is counted",
    )
    result = cost_benefit(INPUTS, MeasuredEffects(memory=MetricEstimate(-0.2, -0.3, -0.1)))
    assert (
        "a memory effect without memory_gib and price_per_gib_month is not priced" in result.notes
    )


def test_to_dict_is_plain_data() -> None:
    data = cost_benefit(INPUTS, FASTER).to_dict()
    assert data["verdict"] == "judgement call"
    assert data["monthly_benefit"] == {"value": 6_500.0, "low": 5_000.0, "high": 8_000.0}
    assert data["sensitivity"][0]["input"] == "engineer_weeks"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engineer_weeks": -1}, "engineer_weeks=-1 must be a finite number, at least 0"),
        ({"price_per_compute_hour": math.nan}, "price_per_compute_hour"),
        ({"engineer_weeks": 0, "infrastructure_one_off": 0}, "one-off cost"),
        ({"compute_hours_per_month": 5}, "not both"),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        CostInputs(**{**INPUTS.__dict__, **kwargs})


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        ({"time_per_request": MetricEstimate(-0.5, -1.0, -0.2)}, "100% or more"),
        ({"throughput": MetricEstimate(0.5, 0.6, 0.7)}, "outside"),
        ({"memory": MetricEstimate(1, 0, 2, "ms")}, "relative change"),
    ],
)
def test_bad_effects_are_refused(effects: dict[str, MetricEstimate], message: str) -> None:
    with pytest.raises(InputError, match=message):
        MeasuredEffects(**effects)
