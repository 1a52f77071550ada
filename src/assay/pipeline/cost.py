"""Cost-benefit: what adopting a technique costs, what it saves, and when it pays back.

The model, in US dollars and months::

    one-off cost   C = engineer_weeks * cost_per_engineer_week + infrastructure_one_off
    compute hours  H = compute_hours_per_month, or
                       requests_per_month * seconds_per_request / 3600
    saved share    s = e_q / (1 + e_q)   from the throughput change e_q (more requests
                                         per compute hour means fewer hours), else
                   s = -e_t              from the change e_t of time per request
    compute saving   = H * price_per_compute_hour * s
    memory saving    = memory_gib * price_per_gib_month * (-e_m)
    monthly benefit B = compute saving + memory saving - maintenance_per_month
    payback          = C / B months (never, i.e. infinite, when B <= 0)
    12-month ROI     = (12 * B - C) / C

Effects are relative changes as fractions (-0.3 is 30% less), candidate against
baseline, each with its confidence interval. Throughput and time per request
measure the same saving two ways, so they are never added: throughput is used
when given (it is what capacity is bought for), time per request otherwise, and
the result says which (:attr:`CostBenefit.basis`).

**Intervals.** Every output is monotone in each effect, so its interval is
taken at the ends of the effects' intervals: the pessimistic end combines the
worst end of every effect, the optimistic end the best. This is a
propagation through the interval ends, not a joint confidence statement; with
one measured effect it is that effect's interval carried through exactly.

**Recommendation** (on the point estimate; the pessimistic end is reported beside
it): monthly benefit <= 0: not worthwhile; payback under 3 months: likely
worthwhile; 3 to 12 months: a judgement call; over 12 months: needs a strategic
reason.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Sequence
from typing import Any

from assay.criteria import MetricEstimate
from assay.errors import InputError

__all__ = [
    "CostBenefit",
    "CostInputs",
    "CostVerdict",
    "Figure",
    "MeasuredEffects",
    "SensitivityRow",
    "cost_benefit",
]

SENSITIVITY_CHANGES = (-0.5, -0.2, 0.2, 0.5)


class CostVerdict(enum.StrEnum):
    """The cost-benefit recommendation."""

    LIKELY_WORTHWHILE = "likely worthwhile"
    JUDGEMENT_CALL = "judgement call"
    NEEDS_STRATEGIC_REASON = "needs a strategic reason"
    NOT_WORTHWHILE = "not worthwhile"

    @classmethod
    def of(cls, monthly_benefit: float, payback_months: float) -> CostVerdict:
        """The verdict for a benefit and payback, by the thresholds of the module docstring."""
        if monthly_benefit <= 0:
            return cls.NOT_WORTHWHILE
        if payback_months < 3:
            return cls.LIKELY_WORTHWHILE
        if payback_months <= 12:
            return cls.JUDGEMENT_CALL
        return cls.NEEDS_STRATEGIC_REASON


@dataclasses.dataclass(frozen=True)
class Figure:
    """A figure with its interval; ends may be infinite (a payback that never comes)."""

    value: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float | None]:
        """A JSON-able dictionary; infinity becomes ``None`` ("never")."""
        return {k: (v if math.isfinite(v) else None) for k, v in dataclasses.asdict(self).items()}


@dataclasses.dataclass(frozen=True)
class CostInputs:
    """What adoption costs and what the baseline spends.

    Money in US dollars; give either ``compute_hours_per_month`` or
    ``requests_per_month`` with ``seconds_per_request`` (the baseline's
    compute time per request).
    """

    engineer_weeks: float
    cost_per_engineer_week: float
    infrastructure_one_off: float = 0.0
    maintenance_per_month: float = 0.0
    price_per_compute_hour: float = 0.0
    requests_per_month: float = 0.0
    seconds_per_request: float | None = None
    compute_hours_per_month: float | None = None
    memory_gib: float = 0.0
    price_per_gib_month: float = 0.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise InputError(f"{field.name}={value!r} must be a finite number, at least 0")
        if self.one_off_cost <= 0:
            raise InputError(
                "the one-off cost (engineer_weeks * cost_per_engineer_week + "
                "infrastructure_one_off) must be above 0 for a payback and an ROI"
            )
        if self.compute_hours_per_month is not None and self.seconds_per_request is not None:
            raise InputError(
                "give compute_hours_per_month or seconds_per_request with "
                "requests_per_month, not both"
            )

    @property
    def one_off_cost(self) -> float:
        """Engineering plus infrastructure, spent once."""
        return self.engineer_weeks * self.cost_per_engineer_week + self.infrastructure_one_off

    @property
    def compute_hours(self) -> float:
        """The baseline's compute hours per month."""
        if self.compute_hours_per_month is not None:
            return self.compute_hours_per_month
        return self.requests_per_month * (self.seconds_per_request or 0.0) / 3600


@dataclasses.dataclass(frozen=True)
class MeasuredEffects:
    """Measured relative changes, candidate against baseline, with their intervals.

    Each is an :class:`~assay.criteria.MetricEstimate` of a fraction (``-0.3`` for 30%
    less), or ``None`` when not measured.
    """

    time_per_request: MetricEstimate | None = None
    throughput: MetricEstimate | None = None
    memory: MetricEstimate | None = None

    def __post_init__(self) -> None:
        for name in ("time_per_request", "throughput", "memory"):
            effect: MetricEstimate | None = getattr(self, name)
            if effect is None:
                continue
            if effect.unit not in (None, "%"):
                raise InputError(f"{name} is a relative change, not in {effect.unit}")
            low, value, high = _fractions(effect)
            if not low <= value <= high:
                raise InputError(f"{name}: the estimate {value} lies outside [{low}, {high}]")
            if low <= -1:
                raise InputError(f"{name} cannot fall by 100% or more; its interval reaches {low}")


def _fractions(effect: MetricEstimate) -> tuple[float, float, float]:
    scale = 0.01 if effect.unit == "%" else 1.0
    return effect.low * scale, effect.value * scale, effect.high * scale


@dataclasses.dataclass(frozen=True)
class SensitivityRow:
    """One input varied by ``change`` (``0.2`` is +20%), the others held at their values."""

    input: str
    change: float
    value: float
    monthly_benefit: float
    payback_months: float
    roi_12_months: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary; an infinite payback becomes ``None``."""
        data = dataclasses.asdict(self)
        data["payback_months"] = self.payback_months if math.isfinite(self.payback_months) else None
        return data


@dataclasses.dataclass(frozen=True)
class CostBenefit:
    """The cost-benefit figures, each with its interval, and the recommendation."""

    one_off_cost: float
    compute_hours_per_month: float
    basis: str
    monthly_compute_saving: Figure
    monthly_memory_saving: Figure
    monthly_benefit: Figure
    payback_months: Figure
    roi_12_months: Figure
    verdict: CostVerdict
    pessimistic_verdict: CostVerdict
    reason: str
    sensitivity: tuple[SensitivityRow, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "one_off_cost": self.one_off_cost,
            "compute_hours_per_month": self.compute_hours_per_month,
            "basis": self.basis,
            "monthly_compute_saving": self.monthly_compute_saving.to_dict(),
            "monthly_memory_saving": self.monthly_memory_saving.to_dict(),
            "monthly_benefit": self.monthly_benefit.to_dict(),
            "payback_months": self.payback_months.to_dict(),
            "roi_12_months": self.roi_12_months.to_dict(),
            "verdict": self.verdict.value,
            "pessimistic_verdict": self.pessimistic_verdict.value,
            "reason": self.reason,
            "sensitivity": [row.to_dict() for row in self.sensitivity],
            "notes": list(self.notes),
        }


def _saved_share(effects: MeasuredEffects, end: int) -> float:
    """The share of compute saved at one end (0 point, 1 pessimistic, 2 optimistic)."""
    if effects.throughput is not None:
        low, value, high = _fractions(effects.throughput)
        e_q = (value, low, high)[end]
        return e_q / (1 + e_q)
    if effects.time_per_request is not None:
        low, value, high = _fractions(effects.time_per_request)
        return -(value, high, low)[end]
    return 0.0


def _memory_share(effects: MeasuredEffects, end: int) -> float:
    if effects.memory is None:
        return 0.0
    low, value, high = _fractions(effects.memory)
    return -(value, high, low)[end]


def _payback(one_off: float, benefit: float) -> float:
    return one_off / benefit if benefit > 0 else math.inf


def _roi(one_off: float, benefit: float) -> float:
    return (12 * benefit - one_off) / one_off


def _figures(inputs: CostInputs, effects: MeasuredEffects) -> tuple[Figure, Figure, Figure]:
    """Compute saving, memory saving and net benefit at the point and both ends."""
    compute_spend = inputs.compute_hours * inputs.price_per_compute_hour
    memory_spend = inputs.memory_gib * inputs.price_per_gib_month
    compute = [compute_spend * _saved_share(effects, end) for end in range(3)]
    memory = [memory_spend * _memory_share(effects, end) for end in range(3)]
    net = [c + m - inputs.maintenance_per_month for c, m in zip(compute, memory, strict=True)]
    return Figure(*compute), Figure(*memory), Figure(*net)


def _point(inputs: CostInputs, effects: MeasuredEffects) -> tuple[float, float, float]:
    benefit = _figures(inputs, effects)[2].value
    return benefit, _payback(inputs.one_off_cost, benefit), _roi(inputs.one_off_cost, benefit)


def _scaled_effect(effect: MetricEstimate, factor: float) -> MetricEstimate | None:
    value = effect.value * factor
    if (value / 100 if effect.unit == "%" else value) <= -1:
        return None
    return MetricEstimate(value, value, value, effect.unit)


def _sensitivity(
    inputs: CostInputs, effects: MeasuredEffects, changes: Sequence[float]
) -> tuple[SensitivityRow, ...]:
    """Each non-zero input and each measured effect (its point estimate) varied by
    ``changes``; a variation that makes the inputs invalid is left out."""
    rows: list[SensitivityRow] = []
    volume = "compute_hours_per_month" if inputs.compute_hours_per_month is not None else None
    names = [
        "engineer_weeks",
        "cost_per_engineer_week",
        "infrastructure_one_off",
        "maintenance_per_month",
        "price_per_compute_hour",
        volume or "requests_per_month",
        "seconds_per_request",
        "memory_gib",
        "price_per_gib_month",
    ]
    point = dataclasses.replace(
        effects,
        **{
            name: MetricEstimate(e.value, e.value, e.value, e.unit)
            for name in ("time_per_request", "throughput", "memory")
            if (e := getattr(effects, name)) is not None
        },
    )
    for name in names:
        base = getattr(inputs, name)
        if not base:
            continue
        for change in changes:
            varied = base * (1 + change)
            try:
                figures = _point(dataclasses.replace(inputs, **{name: varied}), point)
            except InputError:
                continue
            rows.append(SensitivityRow(name, change, varied, *figures))
    for name in ("time_per_request", "throughput", "memory"):
        effect = getattr(point, name)
        if effect is None or not effect.value:
            continue
        for change in changes:
            scaled = _scaled_effect(effect, 1 + change)
            if scaled is None:
                continue
            figures = _point(inputs, dataclasses.replace(point, **{name: scaled}))
            rows.append(SensitivityRow(f"effect on {name}", change, scaled.value, *figures))
    return tuple(rows)


def _notes(inputs: CostInputs, effects: MeasuredEffects, basis: str) -> tuple[str, ...]:
    """What the figures leave out, in words."""
    notes = []
    if basis == "none":
        notes.append("no throughput or time-per-request effect: no compute saving is counted")
    elif inputs.compute_hours == 0 or inputs.price_per_compute_hour == 0:
        notes.append("no compute volume or price given: the compute saving is zero")
    if effects.throughput is not None and effects.time_per_request is not None:
        notes.append("throughput and time per request measure one saving; throughput is used")
    if effects.memory is not None and inputs.memory_gib * inputs.price_per_gib_month == 0:
        notes.append("a memory effect without memory_gib and price_per_gib_month is not priced")
    return tuple(notes)


def _months(value: float) -> str:
    return "never" if not math.isfinite(value) else f"{value:.1f} months"


def cost_benefit(
    inputs: CostInputs,
    effects: MeasuredEffects,
    *,
    sensitivity_changes: Sequence[float] = SENSITIVITY_CHANGES,
) -> CostBenefit:
    """The cost-benefit of adopting a technique (the model is in the module docstring)."""
    compute, memory, benefit = _figures(inputs, effects)
    one_off = inputs.one_off_cost
    payback = Figure(
        _payback(one_off, benefit.value),
        _payback(one_off, benefit.high),
        _payback(one_off, benefit.low),
    )
    roi = Figure(
        _roi(one_off, benefit.value), _roi(one_off, benefit.low), _roi(one_off, benefit.high)
    )
    verdict = CostVerdict.of(benefit.value, payback.value)
    pessimistic = CostVerdict.of(benefit.low, payback.high)
    basis = (
        "throughput"
        if effects.throughput is not None
        else "time per request"
        if effects.time_per_request is not None
        else "none"
    )
    reason = (
        f"{verdict.value}: payback {_months(payback.value)} "
        f"({_months(payback.low)} to {_months(payback.high)} over the measured interval), "
        f"monthly benefit {benefit.value:,.0f} usd ({benefit.low:,.0f} to {benefit.high:,.0f})"
    )
    if pessimistic is not verdict:
        reason += f"; at the pessimistic end: {pessimistic.value}"
    return CostBenefit(
        one_off_cost=one_off,
        compute_hours_per_month=inputs.compute_hours,
        basis=basis,
        monthly_compute_saving=compute,
        monthly_memory_saving=memory,
        monthly_benefit=benefit,
        payback_months=payback,
        roi_12_months=roi,
        verdict=verdict,
        pessimistic_verdict=pessimistic,
        reason=reason,
        sensitivity=_sensitivity(inputs, effects, sensitivity_changes),
        notes=_notes(inputs, effects, basis),
    )
