"""What a criterion is evaluated against: the :class:`Evidence` protocol.

The evaluator asks the evidence three questions, each of which may be answered
``None`` ("not measured"), which leaves the criterion UNDETERMINED:

* :meth:`Evidence.statistic` -- a statistic of one arm (``candidate.latency.p99``)
  as an :class:`MetricEstimate`: point estimate, confidence interval, unit, trials;
* :meth:`Evidence.effect` -- the change of a metric from baseline to candidate as
  an :class:`EffectEstimate`: the relative change with its interval, optionally
  the absolute difference with its interval, and the metric's direction;
* :meth:`Evidence.verdict` -- the statistics engine's verdict on a metric as a
  :class:`VerdictEstimate`, with the trials it reckons would settle it.

Any object with these three methods is evidence (the store builds one from its
runs). :class:`InMemoryEvidence` holds the answers in dictionaries, and converts
to and from plain JSON-able dictionaries.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, Protocol

from assay.criteria.nodes import ARMS, VERDICTS
from assay.criteria.units import canonical_unit
from assay.errors import InputError
from assay.stats.verdict import Verdict

__all__ = [
    "ComparisonLike",
    "EffectEstimate",
    "Evidence",
    "InMemoryEvidence",
    "MetricEstimate",
    "VerdictEstimate",
]


class ComparisonLike(Protocol):
    """What the effect and verdict adapters read from ``assay.stats.Comparison``
    (declared here so that the criteria need not import the statistics engine)."""

    @property
    def verdict(self) -> Any: ...
    @property
    def effect(self) -> float: ...
    @property
    def ci(self) -> tuple[float, float]: ...
    @property
    def confidence(self) -> float: ...
    @property
    def lower_is_better(self) -> bool: ...
    @property
    def n_baseline(self) -> int: ...
    @property
    def n_candidate(self) -> int: ...
    @property
    def needed_trials(self) -> int | None: ...


@dataclasses.dataclass(frozen=True)
class MetricEstimate:
    """A point estimate with its confidence interval.

    Attributes:
        value: the point estimate, finite.
        low, high: the interval, ``low <= high``; an end may be infinite (one-sided).
        unit: the unit of the three numbers (``"ms"``, ``"MiB"``, ``"%"``...), or
            ``None`` for plain numbers (fractions, rates, counts).
        confidence: the interval's confidence level, in (0, 1).
        n: trials per arm behind the estimate (pairs when paired), when known;
            needed to say how many more trials would settle a criterion.
    """

    value: float
    low: float
    high: float
    unit: str | None = None
    confidence: float = 0.95
    n: int | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise InputError(f"estimate value={self.value} must be a finite number")
        if math.isnan(self.low) or math.isnan(self.high) or self.low > self.high:
            raise InputError(f"interval [{self.low}, {self.high}] must have low <= high and no NaN")
        if self.unit is not None and canonical_unit(self.unit) is None:
            raise InputError(f"unknown unit {self.unit!r} in an estimate")
        if not 0 < self.confidence < 1:
            raise InputError(f"confidence={self.confidence} must lie between 0 and 1")
        if self.n is not None and self.n < 1:
            raise InputError(f"n={self.n} trials must be at least 1")

    @property
    def half_width(self) -> float:
        """Half the width of the interval (infinite for a one-sided interval)."""
        return (self.high - self.low) / 2

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary (an unbounded end is ``None``); :meth:`from_dict`
        reads it back."""
        data = dataclasses.asdict(self)
        for end in ("low", "high"):
            if not math.isfinite(data[end]):
                data[end] = None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, field: str = "estimate") -> MetricEstimate:
        """An estimate from ``{"value", "low", "high"[, "unit", "confidence", "n"]}``;
        ``low`` or ``high`` ``None`` is an unbounded end."""
        try:
            low, high = data["low"], data["high"]
            return cls(
                value=float(data["value"]),
                low=-math.inf if low is None else float(low),
                high=math.inf if high is None else float(high),
                unit=data.get("unit"),
                confidence=float(data.get("confidence", 0.95)),
                n=None if data.get("n") is None else int(data["n"]),
            )
        except KeyError as missing:
            raise InputError(f"{field} lacks {missing}; expected value, low and high") from None
        except (TypeError, ValueError) as error:
            if isinstance(error, InputError):
                raise InputError(f"{field}: {error}") from None
            raise InputError(f"{field} is not an estimate: {error}") from None


@dataclasses.dataclass(frozen=True)
class EffectEstimate:
    """The change of one metric from the baseline to the candidate.

    Attributes:
        relative: candidate / baseline - 1 with its interval, as a fraction
            (``unit=None``, -0.2 for 20% lower) or in ``%``. Positive means the
            candidate is larger, whatever the metric's direction.
        lower_is_better: the metric's direction (latency: True; accuracy: False).
        difference: candidate - baseline in the metric's unit, with its interval,
            when the evidence has it; absolute margins (``margin=1pt``) need it.
    """

    relative: MetricEstimate
    lower_is_better: bool
    difference: MetricEstimate | None = None

    def __post_init__(self) -> None:
        if self.relative.unit not in (None, "%"):
            raise InputError(
                f"a relative effect is a fraction or in %, not in {self.relative.unit!r}"
            )

    @classmethod
    def from_comparison(
        cls, comparison: ComparisonLike, *, difference: MetricEstimate | None = None
    ) -> EffectEstimate:
        """The effect of an ``assay.stats.Comparison``: its relative effect and
        interval, direction, and the smaller arm's trial count."""
        low, high = comparison.ci
        n = min(comparison.n_baseline, comparison.n_candidate)
        relative = MetricEstimate(comparison.effect, low, high, None, comparison.confidence, n)
        return cls(relative, comparison.lower_is_better, difference)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary; :meth:`from_dict` reads it back."""
        return {
            "relative": self.relative.to_dict(),
            "lower_is_better": self.lower_is_better,
            "difference": None if self.difference is None else self.difference.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, field: str = "effect") -> EffectEstimate:
        """An effect from ``{"relative": {...}, "lower_is_better"[, "difference": {...}]}``."""
        if "relative" not in data or "lower_is_better" not in data:
            raise InputError(f"{field} needs relative and lower_is_better")
        difference = data.get("difference")
        return cls(
            relative=MetricEstimate.from_dict(data["relative"], field=f"{field}.relative"),
            lower_is_better=bool(data["lower_is_better"]),
            difference=None
            if difference is None
            else MetricEstimate.from_dict(difference, field=f"{field}.difference"),
        )


@dataclasses.dataclass(frozen=True)
class VerdictEstimate:
    """The statistics engine's verdict on one metric.

    Attributes:
        verdict: the :class:`assay.stats.Verdict` (its word, ``"better"``,
            ``"worse"``, ``"equivalent"`` or ``"inconclusive"``, is accepted and
            normalised, as JSON and criteria files give it).
        needed_trials: trials per arm likely to settle an inconclusive verdict.
        n: trials per arm behind it.
    """

    verdict: Verdict
    needed_trials: int | None = None
    n: int | None = None

    def __post_init__(self) -> None:
        name = str(getattr(self.verdict, "value", self.verdict)).strip().lower()
        if name not in VERDICTS:
            raise InputError(f"verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}")
        object.__setattr__(self, "verdict", Verdict(name))

    @classmethod
    def from_comparison(cls, comparison: ComparisonLike) -> VerdictEstimate:
        """The verdict of an ``assay.stats.Comparison`` with its trial figures."""
        n = min(comparison.n_baseline, comparison.n_candidate)
        return cls(comparison.verdict, comparison.needed_trials, n)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary; :meth:`from_dict` reads it back."""
        return {**dataclasses.asdict(self), "verdict": self.verdict.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, field: str = "verdict") -> VerdictEstimate:
        """A verdict from ``{"verdict"[, "needed_trials", "n"]}``."""
        if "verdict" not in data:
            raise InputError(f"{field} needs a verdict")
        needed, n = data.get("needed_trials"), data.get("n")
        return cls(
            verdict=data["verdict"],  # a word: __post_init__ checks and normalises it
            needed_trials=None if needed is None else int(needed),
            n=None if n is None else int(n),
        )


class Evidence(Protocol):
    """Where the evaluator gets its numbers. ``None`` means "not measured"."""

    def statistic(self, arm: str, metric: str) -> MetricEstimate | None:
        """The statistic ``metric`` (``"latency.p99"``) of ``arm`` (``"candidate"`` or
        ``"baseline"``) with its interval."""
        ...

    def effect(self, metric: str) -> EffectEstimate | None:
        """The change of ``metric`` from the baseline to the candidate."""
        ...

    def verdict(self, metric: str) -> VerdictEstimate | None:
        """The statistics engine's verdict on ``metric``."""
        ...


@dataclasses.dataclass(frozen=True)
class InMemoryEvidence:
    """Evidence held in dictionaries: for tests, notebooks, and the store's snapshots.

    ``statistics`` maps ``(arm, metric)`` to an estimate; ``effects`` and
    ``verdicts`` map a metric name to its effect and verdict.
    """

    statistics: Mapping[tuple[str, str], MetricEstimate] = dataclasses.field(default_factory=dict)
    effects: Mapping[str, EffectEstimate] = dataclasses.field(default_factory=dict)
    verdicts: Mapping[str, VerdictEstimate] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for arm, _metric in self.statistics:
            if arm not in ARMS:
                raise InputError(f"arm {arm!r} is not one of {', '.join(ARMS)}")

    def statistic(self, arm: str, metric: str) -> MetricEstimate | None:
        """The estimate recorded for ``(arm, metric)``, if any."""
        return self.statistics.get((arm, metric))

    def effect(self, metric: str) -> EffectEstimate | None:
        """The effect recorded for ``metric``, if any."""
        return self.effects.get(metric)

    def verdict(self, metric: str) -> VerdictEstimate | None:
        """The verdict recorded for ``metric``, if any."""
        return self.verdicts.get(metric)

    def to_dict(self) -> dict[str, Any]:
        """``{"candidate": {metric: estimate}, "baseline": {...}, "effects": {...},
        "verdicts": {...}}``, JSON-able; :meth:`from_dict` reads it back."""
        data: dict[str, Any] = {arm: {} for arm in ARMS}
        for (arm, metric), estimate in self.statistics.items():
            data[arm][metric] = estimate.to_dict()
        data["effects"] = {metric: e.to_dict() for metric, e in self.effects.items()}
        data["verdicts"] = {metric: v.to_dict() for metric, v in self.verdicts.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InMemoryEvidence:
        """Evidence from the dictionary form of :meth:`to_dict`; every part is optional.

        Example::

            InMemoryEvidence.from_dict({
                "candidate": {"latency.p99": {"value": 180, "low": 170, "high": 192,
                                              "unit": "ms", "n": 10}},
                "effects": {"latency.p99": {"relative": {"value": -0.25, "low": -0.3,
                                                         "high": -0.21, "n": 10},
                                            "lower_is_better": True}},
                "verdicts": {"latency.p50": {"verdict": "better"}},
            })
        """
        unknown = set(data) - {*ARMS, "effects", "verdicts"}
        if unknown:
            raise InputError(
                f"unknown evidence section(s) {', '.join(sorted(unknown))}; "
                "expected candidate, baseline, effects, verdicts"
            )
        statistics: dict[tuple[str, str], MetricEstimate] = {
            (arm, metric): MetricEstimate.from_dict(value, field=f"{arm}.{metric}")
            for arm in ARMS
            for metric, value in _section(data, arm).items()
        }
        effects = {
            metric: EffectEstimate.from_dict(value, field=f"effects.{metric}")
            for metric, value in _section(data, "effects").items()
        }
        verdicts = {
            metric: VerdictEstimate.from_dict(value, field=f"verdicts.{metric}")
            for metric, value in _section(data, "verdicts").items()
        }
        return cls(statistics, effects, verdicts)


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Mapping[str, Any]]:
    section = data.get(name, {})
    if not isinstance(section, Mapping) or not all(
        isinstance(value, Mapping) for value in section.values()
    ):
        raise InputError(f"evidence section {name!r} must map metric names to objects")
    return section
