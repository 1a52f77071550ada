"""Claims a paper makes, and whether the team's own runs reproduce them.

A claim is a number the paper promises ("40% lower latency at sequence length
4096": metric ``latency reduction``, value ``0.40``, higher is better). A
reproduction is what the team measured, with its interval. :func:`assess` turns
the pair into a gap and a status; the thresholds are documented in
``docs/research-record.md`` and below.

Shortfall is the fraction of the claimed value that the reproduction fails to
reach, in the claim's own direction (a reproduction that beats the claim has a
negative shortfall)::

    higher is better:  shortfall = (claimed - x) / |claimed|
    lower is better:   shortfall = (x - claimed) / |claimed|
    either way:        shortfall = |x - claimed| / |claimed|

With the point estimate's shortfall ``s`` and the shortfalls of the interval's
best and worst ends ``s_best ≤ s_worst``:

- **reproduced** when ``s ≤ 0.10`` and ``s_worst ≤ 0.50``: the estimate is within
  10% of the claim and even the weak end of the interval reaches half of it;
- **not reproduced** when ``s_best > 0.50``: even the favourable end of the
  interval falls short of half the claim;
- **partially reproduced** otherwise;
- **untested** with no reproduction.

A point shortfall above 0.25 (a large gap) raises a reproducibility red flag on
the paper automatically: high severity when not reproduced, medium otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Sequence
from typing import Any

from assay.errors import InputError
from assay.pipeline.reading import Evidence, RedFlag, RedFlagKind, Severity
from assay.stats.intervals import mean_interval

__all__ = [
    "LARGE_GAP",
    "PARTIAL_LIMIT",
    "REPRODUCED_WITHIN",
    "Assessment",
    "Claim",
    "Direction",
    "Finding",
    "ReproStatus",
    "Reproduction",
    "assess",
    "gap_red_flag",
    "reproduction_from_trials",
]

#: Point shortfall at or below which a claim counts as reproduced.
REPRODUCED_WITHIN = 0.10
#: Shortfall beyond which a claim is not reproduced (applied to the interval's best end).
PARTIAL_LIMIT = 0.50
#: Point shortfall above which the paper gets an automatic red flag.
LARGE_GAP = 0.25


class Direction(enum.StrEnum):
    """Which way is better for the claimed metric."""

    HIGHER = "higher"
    LOWER = "lower"
    EITHER = "either"


class ReproStatus(enum.StrEnum):
    REPRODUCED = "reproduced"
    PARTIALLY = "partially reproduced"
    NOT_REPRODUCED = "not reproduced"
    UNTESTED = "untested"


@dataclasses.dataclass(frozen=True)
class Finding:
    """Implicit knowledge found while reproducing ("layer-norm eps must be 1e-5")."""

    text: str
    by: str
    at: dt.datetime

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise InputError("a finding needs text: what did reproducing the claim teach you?")


@dataclasses.dataclass(frozen=True)
class Claim:
    """A quantitative claim of a paper, in the paper's own terms."""

    paper: str
    metric: str
    value: float
    setting: str = ""
    direction: Direction = Direction.HIGHER
    unit: str = ""
    findings: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        if not self.metric.strip():
            raise InputError("a claim needs a metric name, for example --metric latency-reduction")
        if not math.isfinite(self.value):
            raise InputError(f"claimed value {self.value!r} is not a finite number")
        if self.value == 0:
            raise InputError(
                "a claimed value of 0 has no relative gap; state the value the paper promises "
                "(for example accuracy 0.912) rather than a zero change"
            )
        object.__setattr__(self, "findings", tuple(self.findings))

    def with_finding(self, finding: Finding) -> Claim:
        return dataclasses.replace(self, findings=(*self.findings, finding))

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        setting = f" ({self.setting})" if self.setting else ""
        return f"{self.metric} {self.value:g}{unit}{setting}"


@dataclasses.dataclass(frozen=True)
class Reproduction:
    """What the team measured for a claim: a value, its interval, the runs behind it."""

    value: float
    low: float
    high: float
    runs: tuple[str, ...] = ()
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (self.value, self.low, self.high)):
            raise InputError(
                f"reproduced value {self.value} [{self.low}, {self.high}] is not finite"
            )
        if not self.low <= self.value <= self.high:
            raise InputError(
                f"interval [{self.low}, {self.high}] does not contain the estimate {self.value}"
            )
        if not 0 < self.confidence < 1:
            raise InputError(f"confidence {self.confidence} must lie between 0 and 1")
        object.__setattr__(self, "runs", tuple(self.runs))


@dataclasses.dataclass(frozen=True)
class Assessment:
    """A claim set against its reproduction."""

    claim: Claim
    reproduction: Reproduction | None
    status: ReproStatus
    gap: float | None
    relative_gap: float | None
    shortfall: float | None
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        r = self.reproduction
        return {
            "paper": self.claim.paper,
            "metric": self.claim.metric,
            "claimed": self.claim.value,
            "unit": self.claim.unit,
            "setting": self.claim.setting,
            "direction": self.claim.direction.value,
            "reproduced": None
            if r is None
            else {
                "value": r.value,
                "low": r.low,
                "high": r.high,
                "confidence": r.confidence,
                "runs": list(r.runs),
            },
            "gap": self.gap,
            "relative_gap": self.relative_gap,
            "shortfall": self.shortfall,
            "status": self.status.value,
            "explanation": self.explanation,
            "findings": [
                {"text": f.text, "by": f.by, "at": f.at.isoformat()} for f in self.claim.findings
            ],
        }


def _shortfall(claim: Claim, x: float) -> float:
    scale = abs(claim.value)
    if claim.direction is Direction.HIGHER:
        return (claim.value - x) / scale
    if claim.direction is Direction.LOWER:
        return (x - claim.value) / scale
    return abs(x - claim.value) / scale


def _interval_shortfalls(claim: Claim, r: Reproduction) -> tuple[float, float]:
    ends = sorted((_shortfall(claim, r.low), _shortfall(claim, r.high)))
    best, worst = ends
    if claim.direction is Direction.EITHER and r.low <= claim.value <= r.high:
        best = 0.0
    return best, worst


def assess(claim: Claim, reproduction: Reproduction | None) -> Assessment:
    """The gap between a claim and its reproduction, and the status it earns."""
    if reproduction is None:
        return Assessment(
            claim, None, ReproStatus.UNTESTED, None, None, None, "no run reproduces this claim yet"
        )
    r = reproduction
    gap = r.value - claim.value
    s = _shortfall(claim, r.value)
    best, worst = _interval_shortfalls(claim, r)
    level = f"{r.confidence:.0%}"
    measured = f"measured {r.value:g} ({level} interval {r.low:g} to {r.high:g})"
    if s <= REPRODUCED_WITHIN and worst <= PARTIAL_LIMIT:
        status = ReproStatus.REPRODUCED
        why = f"{measured} is within {REPRODUCED_WITHIN:.0%} of the claimed {claim.value:g}"
    elif best > PARTIAL_LIMIT:
        status = ReproStatus.NOT_REPRODUCED
        why = (
            f"{measured}: even the favourable end of the interval falls "
            f"{best:.0%} short of the claimed {claim.value:g}"
        )
    else:
        status = ReproStatus.PARTIALLY
        if s <= REPRODUCED_WITHIN:
            why = f"{measured} is close to the claim, but the interval is too wide to confirm it"
        else:
            why = f"{measured} falls {s:.0%} short of the claimed {claim.value:g}"
    return Assessment(claim, r, status, gap, gap / abs(claim.value), s, why)


def gap_red_flag(assessment: Assessment) -> RedFlag | None:
    """The red flag a large gap raises on the paper, or None.

    Raised when the point shortfall exceeds :data:`LARGE_GAP`: high severity when
    the claim is not reproduced, medium otherwise. Its evidence names the claim,
    the measured value and the runs.
    """
    if assessment.shortfall is None or assessment.shortfall <= LARGE_GAP:
        return None
    r = assessment.reproduction
    assert r is not None  # a shortfall exists only with a reproduction
    severity = Severity.HIGH if assessment.status is ReproStatus.NOT_REPRODUCED else Severity.MEDIUM
    runs = f" (runs {', '.join(r.runs)})" if r.runs else ""
    evidence = Evidence(
        where=f"claim: {assessment.claim.describe()}",
        what=f"reproduced {r.value:g} [{r.low:g}, {r.high:g}]{runs}; {assessment.status.value}",
    )
    return RedFlag(
        RedFlagKind.REPRODUCIBILITY,
        severity,
        (evidence,),
        note=f"large reproduction gap: {assessment.shortfall:.0%} short of the claim",
        origin="auto",
    )


def reproduction_from_trials(
    values: Sequence[float], *, runs: Sequence[str] = (), confidence: float = 0.95
) -> Reproduction:
    """A reproduction from per-trial values: their mean with a Student-t interval.

    The interval is mean ± t(1 - α/2, n - 1) · s / √n over trials (one value per
    trial or seed, never per inner sample). At least two trials are needed.
    """
    n = len(values)
    if n < 2:
        raise InputError(
            f"{n} trial(s) cannot give an interval; reproduce the claim with at least 2 trials"
        )
    if not all(math.isfinite(v) for v in values):
        raise InputError("a trial value is not finite (NaN or infinity); check the runs")
    mean, low, high = mean_interval(values, confidence)
    return Reproduction(mean, low, high, tuple(runs), confidence)
