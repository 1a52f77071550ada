"""Ablations: how much each component of a technique contributes, with intervals.

Give :func:`ablation` the trials of each configuration, keyed by the set of
components switched on. Two designs are recognised:

- **leave-one-out**: the full configuration and, for each component, the full
  configuration without it. A component's contribution is
  ``mean(full) − mean(full without it)``.
- **full factorial**: all ``2^k`` subsets. Each component also gets its Shapley
  value (Shapley 1953, *Contributions to the Theory of Games* II:307-317), the
  average of its marginal contribution over every order in which the
  components could be added; the Shapley values add up exactly to
  ``mean(full) − mean(none)``, so interactions are shared fairly instead of
  being counted twice or not at all (as used for feature and component
  attribution by Lundberg & Lee 2017, *NeurIPS*).

Every contribution is a linear contrast ``Σ a_S mean_S`` of configuration
means, so its interval is exact under normal trials: a Welch-Satterthwaite
t-interval for independent configurations (Satterthwaite 1946, *Biometrics
Bull.* 2:110-114), or, with ``paired=True`` (every configuration run on the
same seeds, in the same order), a one-sample t-interval on the per-seed
contrasts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from assay.errors import InputError
from assay.stats.intervals import t_interval
from assay.stats.validation import FloatArray, check_confidence, sample

__all__ = ["Ablation", "Contribution", "ablation"]

Config = frozenset[str]


@dataclass(frozen=True)
class Contribution:
    """One component's contribution (metric units; positive: raises the metric)."""

    component: str
    estimate: float
    low: float
    high: float
    p_value: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "estimate": self.estimate,
            "ci": [self.low, self.high],
            "p_value": self.p_value,
            "method": self.method,
        }


@dataclass(frozen=True)
class Ablation:
    """Contributions by leave-one-out and, for a factorial design, by Shapley value."""

    components: tuple[str, ...]
    design: str
    confidence: float
    leave_one_out: tuple[Contribution, ...]
    shapley: tuple[Contribution, ...]
    total: Contribution | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "components": list(self.components),
            "design": self.design,
            "confidence": self.confidence,
            "leave_one_out": [c.to_dict() for c in self.leave_one_out],
            "shapley": [c.to_dict() for c in self.shapley],
            "total": self.total.to_dict() if self.total else None,
        }


def _config(key: Iterable[str] | str) -> Config:
    if isinstance(key, str):
        return frozenset([key]) if key else frozenset()
    return frozenset(key)


def _contrast(
    coefficients: Mapping[Config, float],
    data: Mapping[Config, FloatArray],
    paired: bool,
    confidence: float,
) -> tuple[float, float, float, float]:
    """Estimate, interval and two-sided p-value of ``Σ a_S mean_S``."""
    used = {c: a for c, a in coefficients.items() if a != 0}
    estimate = float(sum(a * data[c].mean() for c, a in used.items()))
    if paired:
        per_seed = sum(a * data[c] for c, a in used.items())
        values = np.asarray(per_seed, dtype=np.float64)
        se = float(np.std(values, ddof=1)) / math.sqrt(values.size)
        df = values.size - 1.0
    else:
        parts = {c: a * a * float(np.var(data[c], ddof=1)) / data[c].size for c, a in used.items()}
        variance = sum(parts.values())
        se = math.sqrt(variance)
        tail = sum(v * v / (data[c].size - 1) for c, v in parts.items())
        df = variance**2 / tail if tail > 0 else 1.0
    if se == 0.0:
        return estimate, estimate, estimate, 1.0 if estimate == 0 else 0.0
    _, low, high = t_interval(estimate, se, df, confidence)
    p_value = float(2 * sps.t.sf(abs(estimate) / se, df))
    return estimate, low, high, p_value


def _shapley_coefficients(component: str, components: Sequence[str]) -> dict[Config, float]:
    k = len(components)
    others = [c for c in components if c != component]
    coefficients: dict[Config, float] = {}
    for size in range(k):
        weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
        for subset in itertools.combinations(others, size):
            without = frozenset(subset)
            coefficients[without | {component}] = (
                coefficients.get(without | {component}, 0.0) + weight
            )
            coefficients[without] = coefficients.get(without, 0.0) - weight
    return coefficients


def _prepare(
    results: Mapping[Any, Any], components: Sequence[str] | None, paired: bool
) -> tuple[dict[Config, FloatArray], tuple[str, ...]]:
    if not isinstance(results, Mapping) or len(results) < 2:
        raise InputError(
            "results must map each configuration (the set of components switched on) "
            "to its trials, with at least two configurations"
        )
    data = {
        _config(k): sample(v, name=f"results[{sorted(_config(k))}]") for k, v in results.items()
    }
    names = tuple(components) if components is not None else tuple(sorted(set().union(*data)))
    unknown = set().union(*data) - set(names)
    if unknown:
        raise InputError(f"configurations mention components {sorted(unknown)} not in components")
    if paired and len({v.size for v in data.values()}) != 1:
        raise InputError(
            "paired=True needs the same number of trials (seeds) in every configuration"
        )
    return data, names


def ablation(
    results: Mapping[Any, Any],
    *,
    components: Sequence[str] | None = None,
    paired: bool = False,
    confidence: float = 0.95,
) -> Ablation:
    """Each component's contribution from a leave-one-out or full-factorial ablation.

    ``results`` maps a configuration — an iterable of the component names
    switched on (``()`` for none, ``("a", "b")`` for both) — to its trial
    values. See the module docstring for the methods.
    """
    confidence = check_confidence(confidence)
    data, names = _prepare(results, components, paired)
    full = frozenset(names)
    subsets = [
        frozenset(s) for r in range(len(names) + 1) for s in itertools.combinations(names, r)
    ]
    factorial = all(s in data for s in subsets)
    missing = [sorted(full - {c}) for c in names if full - {c} not in data]
    if not factorial and (full not in data or missing):
        raise InputError(
            "results are neither leave-one-out nor full factorial: "
            + ("the full configuration is missing" if full not in data else f"missing {missing}")
        )
    loo = tuple(
        Contribution(
            c, *_contrast({full: 1.0, full - {c}: -1.0}, data, paired, confidence), "leave-one-out"
        )
        for c in names
    )
    if not factorial:
        return Ablation(names, "leave-one-out", confidence, loo, (), None)
    shapley = tuple(
        Contribution(
            c, *_contrast(_shapley_coefficients(c, names), data, paired, confidence), "shapley"
        )
        for c in names
    )
    total = Contribution(
        "all", *_contrast({full: 1.0, frozenset(): -1.0}, data, paired, confidence), "full - none"
    )
    return Ablation(names, "factorial", confidence, loo, shapley, total)
