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

**The claim's unit.** A run's trial values are read as the claim speaks
(:data:`READINGS`: a value, a ratio, "times smaller", a reduction or an increase);
the comparison is made in the claim's unit (:func:`unit_scale`): a reduction of
0.4 is 40 for a claim in ``%``, and a reading that cannot be in the claim's unit (a
factor for a claim in ``%``, a fraction for a claim in ``x``) is refused.

**The explanation says the real relation** between the measured value and the
claim: "within 10% of the claim", "38.2x the claim" or "40% below the claim",
then what the status rests on (:func:`explain`).
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
    "READINGS",
    "REPRODUCED_WITHIN",
    "Assessment",
    "Claim",
    "Direction",
    "Finding",
    "ReproStatus",
    "Reproduction",
    "assess",
    "explain",
    "gap_red_flag",
    "reproduction_from_trials",
    "unit_scale",
]

#: Point shortfall at or below which a claim counts as reproduced.
REPRODUCED_WITHIN = 0.10
#: Shortfall beyond which a claim is not reproduced (applied to the interval's best end).
PARTIAL_LIMIT = 0.50
#: Point shortfall above which the paper gets an automatic red flag.
LARGE_GAP = 0.25
#: How a reproduction's trial values were read from a run (see
#: :mod:`assay.store.reproductions`): as is, method ÷ against, against ÷ method,
#: 1 − method ÷ against, method ÷ against − 1.
READINGS = ("value", "ratio", "times-smaller", "reduction", "increase")
_FACTOR_UNITS = frozenset({"x", "×", "times", "fold"})
_PERCENT_UNITS = frozenset({"%", "percent", "pct"})
_FACTORS = ("ratio", "times-smaller")
_FRACTIONS = ("reduction", "increase")


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
    reading: str = "value"
    """How the trial values were read from the runs (one of :data:`READINGS`)."""

    def __post_init__(self) -> None:
        if self.reading not in READINGS:
            raise InputError(f"reading {self.reading!r} is not one of {', '.join(READINGS)}")
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
                "as": r.reading,
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


def _status(s: float, best: float, worst: float) -> ReproStatus:
    if s <= REPRODUCED_WITHIN and worst <= PARTIAL_LIMIT:
        return ReproStatus.REPRODUCED
    if best > PARTIAL_LIMIT:
        return ReproStatus.NOT_REPRODUCED
    return ReproStatus.PARTIALLY


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
    status = _status(s, best, worst)
    why = explain(claim, r, status, best)
    return Assessment(claim, r, status, gap, gap / abs(claim.value), s, why)


def _unit(claim: Claim, reading: str) -> str:
    """The unit a number is written with: the claim's, or ``x`` for a factor."""
    unit = claim.unit.strip()
    if not unit:
        return "x" if reading in _FACTORS else ""
    if unit.lower() in _PERCENT_UNITS:
        return "%"
    return unit if unit.lower() in _FACTOR_UNITS else f" {unit}"


def _amount(value: float, claim: Claim, reading: str) -> str:
    """A value as the claim speaks: ``381.9x smaller``, ``40% lower``, ``12 ms``."""
    text = f"{value:.4g}{_unit(claim, reading)}"
    suffix = {"times-smaller": " smaller", "reduction": " lower", "increase": " higher"}
    return text + suffix.get(reading, "")


def _relation(measured: float, claimed: float) -> str:
    """How the measured value stands to the claimed one, in numbers that say it:
    ``within 10% of``, ``38.2x``, ``40% below``, ``25% above``."""
    gap = (measured - claimed) / abs(claimed)
    if abs(gap) <= REPRODUCED_WITHIN:
        return f"within {REPRODUCED_WITHIN:.0%} of"
    ratio = measured / claimed
    if ratio >= 2:
        return f"{ratio:.3g}x"
    return f"{abs(gap):.0%} {'above' if gap > 0 else 'below'}"


def explain(claim: Claim, r: Reproduction, status: ReproStatus, best: float) -> str:
    """The sentence behind a status: what was measured, in the claim's unit, how it
    stands to the claim (:func:`_relation`), and what the status rests on.

    ``best`` is the shortfall of the interval's favourable end.
    """
    level = f"{r.confidence:.0%}"
    unit = _unit(claim, r.reading)
    head = (
        f"measured {_amount(r.value, claim, r.reading)} "
        f"({level} interval {r.low:.4g}{unit} to {r.high:.4g}{unit}) is "
        f"{_relation(r.value, claim.value)} the claimed {_amount(claim.value, claim, r.reading)}"
    )
    s = _shortfall(claim, r.value)
    if status is ReproStatus.REPRODUCED:
        return head + ("" if s >= -REPRODUCED_WITHIN else ", better than claimed")
    if status is ReproStatus.NOT_REPRODUCED:
        return f"{head}; even the favourable end of the interval falls {best:.0%} short of it"
    if s <= REPRODUCED_WITHIN:
        return f"{head}, but the interval is too wide to confirm it"
    return f"{head}: {s:.0%} short of it"


def unit_scale(claim: Claim, reading: str) -> float:
    """The factor that puts values read as ``reading`` into the claim's unit.

    A reduction or an increase is a fraction (0.4 for 40%): times 100 for a claim in
    ``%``. A factor (``ratio``, ``times-smaller``) cannot be compared with a claim in
    ``%``, nor a fraction with a claim in ``x``: :class:`InputError` names the
    reading that fits. ``times-smaller`` and ``reduction`` grow as the method gets
    better, so a claim that says lower is better cannot be read that way.
    """
    if reading not in READINGS:
        raise InputError(f"--as {reading!r} is not one of {', '.join(READINGS)}")
    if reading in ("times-smaller", "reduction") and claim.direction is Direction.LOWER:
        raise InputError(
            f"--as {reading} reads how much smaller the method is, where more is better, but "
            "the claim says lower is better; add the claim with --direction higher, or read "
            "the run with --as ratio (method ÷ against, lower is better)"
        )
    unit = claim.unit.strip().lower()
    if reading in _FACTORS and unit in _PERCENT_UNITS:
        fits = "reduction" if reading == "times-smaller" else "increase"
        raise InputError(
            f"the claim is in %, and --as {reading} gives a factor (3 for '3x'); "
            f"read the run with --as {fits}, or add the claim again in x"
        )
    if reading in _FRACTIONS and unit in _FACTOR_UNITS:
        fits = "times-smaller" if reading == "reduction" else "ratio"
        raise InputError(
            f"the claim is in {claim.unit.strip()} (a factor), and --as {reading} gives a "
            f"fraction (0.4 for 40%); read the run with --as {fits}"
        )
    return 100.0 if reading in _FRACTIONS and unit in _PERCENT_UNITS else 1.0


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
    values: Sequence[float],
    *,
    runs: Sequence[str] = (),
    confidence: float = 0.95,
    reading: str = "value",
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
    return Reproduction(mean, low, high, tuple(runs), confidence, reading)
