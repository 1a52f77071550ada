"""Claims against their reproductions: gap, status, and the automatic red flag."""

from __future__ import annotations

import datetime as dt

import pytest
from scipy import stats

from assay.errors import InputError
from assay.pipeline.claims import (
    Claim,
    Direction,
    Finding,
    Reproduction,
    ReproStatus,
    assess,
    gap_red_flag,
    reproduction_from_trials,
)
from assay.pipeline.reading import RedFlagKind, Severity

# "40% lower latency at sequence length 4096"
LATENCY = Claim("dao2022", "latency reduction", 0.40, "seq len 4096, A100", Direction.HIGHER)


@pytest.mark.parametrize(
    ("value", "low", "high", "status", "shortfall"),
    [
        (0.38, 0.35, 0.41, ReproStatus.REPRODUCED, 0.05),  # within 10%
        (0.50, 0.45, 0.55, ReproStatus.REPRODUCED, -0.25),  # beats the claim
        (0.25, 0.20, 0.30, ReproStatus.PARTIALLY, 0.375),  # best end reaches 75% of it
        (0.10, -0.25, 0.45, ReproStatus.PARTIALLY, 0.75),  # too uncertain to rule out
        (0.39, -0.30, 1.10, ReproStatus.PARTIALLY, 0.025),  # close, but the interval is wide
        (0.05, 0.02, 0.08, ReproStatus.NOT_REPRODUCED, 0.875),  # best end: 80% short
        (-0.05, -0.10, 0.00, ReproStatus.NOT_REPRODUCED, 1.125),  # the wrong way
    ],
)
def test_status_from_the_point_and_the_interval(
    value: float, low: float, high: float, status: ReproStatus, shortfall: float
) -> None:
    result = assess(LATENCY, Reproduction(value, low, high, ("run-7", "run-8")))
    assert result.status is status
    assert result.shortfall == pytest.approx(shortfall)
    assert result.gap == pytest.approx(value - 0.40)
    assert result.relative_gap == pytest.approx((value - 0.40) / 0.40)


def test_a_reproduced_claim_reads_well() -> None:
    result = assess(LATENCY, Reproduction(0.38, 0.35, 0.41, ("run-7",)))
    assert result.explanation == (
        "measured 0.38 (95% interval 0.35 to 0.41) is within 10% of the claimed 0.4"
    )
    data = result.to_dict()
    assert data["status"] == "reproduced"
    assert data["reproduced"]["runs"] == ["run-7"]
    assert gap_red_flag(result) is None


def test_lower_is_better_and_either_way() -> None:
    p50 = Claim("p", "p50 latency", 12.0, unit="ms", direction=Direction.LOWER)
    assert assess(p50, Reproduction(13.0, 12.5, 13.5)).status is ReproStatus.REPRODUCED
    assert assess(p50, Reproduction(11.0, 10.0, 12.0)).shortfall == pytest.approx(-1 / 12)
    assert assess(p50, Reproduction(20.0, 19.0, 21.0)).status is ReproStatus.NOT_REPRODUCED
    accuracy = Claim("p", "top-1", 0.912, direction=Direction.EITHER)
    assert assess(accuracy, Reproduction(0.90, 0.89, 0.91)).status is ReproStatus.REPRODUCED
    # either way, an interval straddling the claim has a best-end shortfall of 0
    wide = assess(accuracy, Reproduction(0.40, 0.10, 1.00))
    assert wide.status is ReproStatus.PARTIALLY


def test_no_reproduction_is_untested() -> None:
    result = assess(LATENCY, None)
    assert result.status is ReproStatus.UNTESTED
    assert (result.gap, result.shortfall) == (None, None)
    assert gap_red_flag(result) is None
    assert result.to_dict()["reproduced"] is None


def test_a_large_gap_raises_a_red_flag() -> None:
    failed = assess(LATENCY, Reproduction(0.05, 0.02, 0.08, ("run-9",)))
    flag = gap_red_flag(failed)
    assert flag is not None
    assert (flag.kind, flag.severity, flag.origin) == (
        RedFlagKind.REPRODUCIBILITY,
        Severity.HIGH,
        "auto",
    )
    assert str(flag.evidence[0]) == (
        "claim: latency reduction 0.4 (seq len 4096, A100): "
        "reproduced 0.05 [0.02, 0.08] (runs run-9); not reproduced"
    )
    partial = gap_red_flag(assess(LATENCY, Reproduction(0.25, 0.20, 0.30)))
    assert partial is not None
    assert partial.severity is Severity.MEDIUM
    # a 20% shortfall is partial but not a large gap: no flag
    assert gap_red_flag(assess(LATENCY, Reproduction(0.32, 0.30, 0.34))) is None


def test_findings_are_kept_with_the_claim() -> None:
    at = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    claim = LATENCY.with_finding(Finding("layer-norm eps must be 1e-5, not 1e-6", "ana", at))
    data = assess(claim, None).to_dict()
    assert data["findings"] == [
        {"text": "layer-norm eps must be 1e-5, not 1e-6", "by": "ana", "at": at.isoformat()}
    ]
    with pytest.raises(InputError, match="needs text"):
        Finding(" ", "ana", at)


def test_reproduction_from_trials_is_a_student_t_interval() -> None:
    values = [0.36, 0.40, 0.38, 0.42, 0.39]
    r = reproduction_from_trials(values, runs=["a", "b"])
    # mean 0.39; sd = sqrt(0.002 / 4) = 0.02236; half-width = t(0.975, 4) * sd / sqrt(5)
    low, high = stats.t.interval(0.95, 4, loc=0.39, scale=stats.sem(values))
    assert r.value == pytest.approx(0.39)
    assert r.low == pytest.approx(low)
    assert r.high == pytest.approx(high)
    assert r.high - r.value == pytest.approx(2.776445 * 0.01, rel=1e-5)
    assert r.runs == ("a", "b")
    with pytest.raises(InputError, match="at least 2 trials"):
        reproduction_from_trials([0.4])


def test_validation() -> None:
    with pytest.raises(InputError, match="claimed value of 0 has no relative gap"):
        Claim("p", "loss", 0.0)
    with pytest.raises(InputError, match="needs a metric"):
        Claim("p", " ", 1.0)
    with pytest.raises(InputError, match="does not contain the estimate"):
        Reproduction(0.5, 0.1, 0.2)
    with pytest.raises(InputError, match="not finite"):
        Reproduction(float("nan"), 0.1, 0.2)
