"""A production A/B test analysed from a table: columns in, the A/B document out.

This is the orchestration behind ``assay ab analyze``: it takes the columns a
reader found (:class:`ABTable`, filled by :mod:`assay.formats.ab_table`) and the
user's options (:class:`ABOptions`), and calls the statistics of
:mod:`assay.stats.ab`, :mod:`assay.stats.ab_verdict` and
:mod:`assay.stats.ab_sequential` to give an :class:`ABAnalysis`. It sits in
``assay.stats`` because it is pure (arrays in, numbers out, no I/O) and computes
one statistic of its own (Welch's test from per-arm summaries, for a file of
aggregates), which belongs in the statistics layer; the reader (``assay.formats``)
and the service (``assay.workspace``) both import its value types from here.

Two shapes of table:

- **per-unit rows** — one row per randomised unit (user): the arm, then one column
  per metric. A column of only 0 and 1 is a proportion (conversion); any other
  column is a mean. Ratio metrics (revenue per session) take two columns and use
  the delta method; a pre-period covariate makes a metric CUPED-adjusted.
- **per-arm aggregates** — one row per arm with a ``units`` column; a metric is
  either a count column ``M`` (successes among the units: a proportion) or two
  columns ``M_mean`` and ``M_sd`` (a mean, its standard deviation over units).

The sample-ratio-mismatch check (χ², α = 0.001) runs first; when it fails every
metric is INVALID and no effect is reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from assay.errors import InputError
from assay.stats.ab import (
    ABEffect,
    SRMResult,
    mean_effect,
    proportion_effect,
    ratio_delta,
    ratio_metric_effect,
    srm_check,
)
from assay.stats.ab_options import UNITS_COLUMN, ABOptions
from assay.stats.ab_sequential import ABLook, SequentialAB
from assay.stats.ab_verdict import ABResult, GuardrailReport, ab_verdict, guardrails, not_worse
from assay.stats.intervals import t_interval
from assay.stats.validation import FloatArray

__all__ = [
    "AB_FORMAT",
    "ABAnalysis",
    "ABTable",
    "MetricResult",
    "analyse_table",
    "mean_effect_from_moments",
]

AB_FORMAT = 1
"""Version of :meth:`ABAnalysis.to_dict`'s document."""

SRM_ALPHA = 0.001


@dataclass(frozen=True)
class ABTable:
    """The columns of an A/B file as a reader found them.

    ``arms`` holds one code per row into ``arm_names`` (in order of first
    appearance); ``values`` maps each numeric column read to its float array, row
    by row. ``aggregate`` marks a file of per-arm aggregates (one row per arm).
    """

    source: str
    sha256: str
    columns: tuple[str, ...]
    arm_names: tuple[str, ...]
    arms: NDArray[np.int64]
    values: Mapping[str, FloatArray]
    aggregate: bool = False

    @property
    def rows(self) -> int:
        """Data rows read (the header excluded)."""
        return int(self.arms.size)


# -- the analysis -----------------------------------------------------------------------


@dataclass(frozen=True)
class MetricResult:
    """One metric's analysis: its verdict (with the effect unless INVALID) and, with
    ``--sequential``, the always-valid look at all the data (``sequential``) and, with
    ``--look``, every look before it (``looks``, oldest first, the last one included)."""

    metric: str
    kind: str
    columns: tuple[str, ...]
    result: ABResult
    covariate: str | None = None
    sequential: ABLook | None = None
    looks: tuple[ABLook, ...] = ()

    @property
    def effect(self) -> ABEffect | None:
        """The effect, or None when the experiment is INVALID."""
        return self.result.effect

    def relative_ci(self) -> tuple[float, float] | None:
        """The interval of the relative lift that the verdict reads: the fixed-horizon
        one, or the always-valid interval of the difference over the control's value."""
        effect = self.result.effect
        if effect is None:
            return None
        if self.sequential is None:
            return effect.relative_ci
        if effect.baseline == 0:
            return (-math.inf, math.inf)
        low, high = (v / abs(effect.baseline) for v in self.sequential.ci)
        return (low, high)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        look = self.sequential
        return {
            "metric": self.metric,
            "kind": self.kind,
            "columns": list(self.columns),
            "covariate": self.covariate,
            **{k: v for k, v in self.result.to_dict().items() if k != "srm"},  # said once
            "sequential": None if look is None else _look_dict(look, self.relative_ci()),
            "looks": [_look_row(found) for found in self.looks],
        }


def _look_row(look: ABLook) -> dict[str, Any]:
    return {
        "look": look.look,
        "n_a": look.n_a,
        "n_b": look.n_b,
        "difference": look.effect,
        "ci": [v if math.isfinite(v) else None for v in look.ci],
        "p_value": look.p_value,
        "verdict": look.verdict.value,
    }


def _look_dict(look: ABLook, relative: tuple[float, float] | None) -> dict[str, Any]:
    def finite(v: float) -> float | None:
        return v if math.isfinite(v) else None

    return {
        "method": look.method,
        "difference": look.effect,
        "ci": [finite(v) for v in look.ci],
        "relative_ci": None if relative is None else [finite(v) for v in relative],
        "p_value": look.p_value,
        "verdict": look.verdict.value,
        "rules_out": look.rules_out(),
    }


@dataclass(frozen=True)
class ABAnalysis:
    """A whole A/B analysis: the split check, each metric, the guardrails."""

    source: str
    sha256: str
    rows: int
    shape: str
    control: str
    treatment: str
    srm: SRMResult
    metrics: tuple[MetricResult, ...]
    guardrails: GuardrailReport | None
    options: ABOptions

    @property
    def valid(self) -> bool:
        """Whether the split matches the plan (otherwise every metric is INVALID)."""
        return not self.srm.mismatch

    def metric(self, name: str) -> MetricResult:
        """The result for ``name``."""
        return next(m for m in self.metrics if m.metric == name)

    def to_dict(self) -> dict[str, Any]:
        """The A/B document (format :data:`AB_FORMAT`), JSON-ready."""
        return {
            "format": AB_FORMAT,
            "source": {
                "file": self.source,
                "sha256": self.sha256,
                "rows": self.rows,
                "shape": self.shape,
            },
            "arms": {
                "control": self.control,
                "treatment": self.treatment,
                "units": list(self.srm.counts),
            },
            "valid": self.valid,
            "srm": self.srm.to_dict(),
            "metrics": [m.to_dict() for m in self.metrics],
            "guardrails": None if self.guardrails is None else self.guardrails.to_dict(),
            "options": self.options.to_dict(),
        }


def _arms(table: ABTable, options: ABOptions) -> tuple[int, int]:
    """The codes of the control and the treatment arm."""
    names = table.arm_names
    if len(names) != 2:
        raise InputError(
            f"{table.source}: column {options.arm!r} holds {len(names)} arm(s) "
            f"({', '.join(names[:5])}); an A/B analysis compares exactly two"
        )
    if options.control is not None:
        if options.control not in names:
            raise InputError(
                f"{table.source}: no arm {options.control!r} in column {options.arm!r} "
                f"(its arms: {', '.join(names)}); fix --control"
            )
        control = names.index(options.control)
    else:
        usual = [i for i, n in enumerate(names) if n.strip().casefold() in _CONTROL_NAMES]
        if len(usual) != 1:
            raise InputError(
                f"{table.source}: say which arm is the control ({' or '.join(names)}): "
                "--control NAME"
            )
        control = usual[0]
    return control, 1 - control


_CONTROL_NAMES = {"control", "a", "baseline", "ctrl"}


def _units(table: ABTable, control: int, treatment: int) -> tuple[int, int]:
    if table.aggregate:
        units = table.values[UNITS_COLUMN]
        counts = [units[table.arms == code] for code in (control, treatment)]
        for code, found in zip((control, treatment), counts, strict=True):
            if found.size != 1:
                raise InputError(
                    f"{table.source}: arm {table.arm_names[code]!r} has {found.size} rows; "
                    "a file of aggregates holds one row per arm"
                )
            if found[0] != round(found[0]) or found[0] < 2:
                raise InputError(
                    f"{table.source}: arm {table.arm_names[code]!r} has units={found[0]:g}; "
                    "give a whole number of units, at least 2"
                )
        return int(counts[0][0]), int(counts[1][0])
    found = np.bincount(table.arms, minlength=2)
    for code in (control, treatment):
        if found[code] < 2:
            raise InputError(
                f"{table.source}: arm {table.arm_names[code]!r} has {found[code]} row(s); "
                "each arm needs at least 2 units for a spread"
            )
    return int(found[control]), int(found[treatment])


def analyse_table(table: ABTable, options: ABOptions) -> ABAnalysis:
    """The A/B analysis of ``table`` (see the module docstring)."""
    if not options.all_metrics():
        raise InputError("name at least one metric: --metric COLUMN")
    control, treatment = _arms(table, options)
    counts = _units(table, control, treatment)
    srm = srm_check(counts, options.expected_split, SRM_ALPHA)
    effects: dict[str, tuple[str, tuple[str, ...], ABEffect, str | None]] = {}
    for metric in options.all_metrics():
        effects[metric] = _effect(table, options, metric, (control, treatment))
    report = None
    if options.guardrails:
        report = guardrails(
            {m: effects[m][2] for m in options.guardrails},
            dict(options.guardrails),
            options.alpha,
            lower_is_better=[m for m in options.guardrails if m in options.lower_is_better],
            srm=srm,
        )
    metrics = tuple(
        _metric_result(table, options, metric, found, srm, (control, treatment))
        for metric, found in effects.items()
    )
    return ABAnalysis(
        source=table.source,
        sha256=table.sha256,
        rows=table.rows,
        shape="aggregates" if table.aggregate else "units",
        control=table.arm_names[control],
        treatment=table.arm_names[treatment],
        srm=srm,
        metrics=metrics,
        guardrails=report,
        options=options,
    )


def _split(table: ABTable, column: str, arms: tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    values = table.values[column]
    return values[table.arms == arms[0]], values[table.arms == arms[1]]


def _effect(
    table: ABTable, options: ABOptions, metric: str, arms: tuple[int, int]
) -> tuple[str, tuple[str, ...], ABEffect, str | None]:
    """``(kind, columns, effect, covariate)`` of one metric."""
    confidence = options.confidence
    if table.aggregate:
        return _aggregate_effect(table, metric, arms, confidence)
    if metric in options.ratios:
        num, den = options.ratios[metric]
        (num_a, num_b), (den_a, den_b) = _split(table, num, arms), _split(table, den, arms)
        effect = ratio_metric_effect(num_a, den_a, num_b, den_b, confidence=confidence)
        return "ratio", (num, den), effect, None
    a, b = _split(table, metric, arms)
    covariate = options.covariates.get(metric)
    if covariate is not None:
        effect = mean_effect(a, b, confidence=confidence, covariate=_split(table, covariate, arms))
        return "mean", (metric,), effect, covariate
    if bool(np.all((a == 0) | (a == 1))) and bool(np.all((b == 0) | (b == 1))):
        s_a, s_b = int(a.sum()), int(b.sum())
        effect = proportion_effect(s_a, a.size, s_b, b.size, confidence=confidence)
        return "proportion", (metric,), effect, None
    return "mean", (metric,), mean_effect(a, b, confidence=confidence), None


def _aggregate_effect(
    table: ABTable, metric: str, arms: tuple[int, int], confidence: float
) -> tuple[str, tuple[str, ...], ABEffect, str | None]:
    n_a, n_b = (int(v[0]) for v in _split(table, UNITS_COLUMN, arms))
    if metric in table.values:
        s_a, s_b = (float(v[0]) for v in _split(table, metric, arms))
        for arm, s, n in ((arms[0], s_a, n_a), (arms[1], s_b, n_b)):
            if s != round(s) or not 0 <= s <= n:
                raise InputError(
                    f"{table.source}: {metric}={s:g} in arm {table.arm_names[arm]!r} must be a "
                    f"whole count of units from 0 to units={n} (for a mean, give "
                    f"{metric}_mean and {metric}_sd)"
                )
        effect = proportion_effect(int(s_a), n_a, int(s_b), n_b, confidence=confidence)
        return "proportion", (metric,), effect, None
    columns = (f"{metric}_mean", f"{metric}_sd")
    (m_a, m_b), (sd_a, sd_b) = (tuple(float(v[0]) for v in _split(table, c, arms)) for c in columns)
    effect = mean_effect_from_moments(m_a, sd_a, n_a, m_b, sd_b, n_b, confidence=confidence)
    return "mean", columns, effect, None


def _metric_result(
    table: ABTable,
    options: ABOptions,
    metric: str,
    found: tuple[str, tuple[str, ...], ABEffect, str | None],
    srm: SRMResult,
    arms: tuple[int, int],
) -> MetricResult:
    kind, columns, effect, covariate = found
    lower = metric in options.lower_is_better
    if metric in options.guardrails:
        result = not_worse(
            effect, options.guardrails[metric], metric=metric, srm=srm, lower_is_better=lower
        )
    else:
        result = ab_verdict(
            effect, metric=metric, srm=srm, lower_is_better=lower, margin=options.margin
        )
    looks: tuple[ABLook, ...] = ()
    if options.sequential and result.effect is not None:
        looks = _sequential(table, options, metric, kind, effect, arms)
    last = looks[-1] if looks else None
    return MetricResult(metric, kind, columns, result, covariate, last, looks)


def _sequential(
    table: ABTable,
    options: ABOptions,
    metric: str,
    kind: str,
    effect: ABEffect,
    arms: tuple[int, int],
) -> tuple[ABLook, ...]:
    """The always-valid looks (mSPRT, Johari et al. 2022): one at all the data, or with
    ``options.look`` one per value of that column in increasing order, each adding the
    rows of that look (the confidence sequence is intersected across them)."""
    if kind == "ratio":
        raise InputError(
            f"--sequential covers proportions and means; {metric} is a ratio metric: "
            "analyse it without --sequential"
        )
    scale = abs(effect.baseline) or 1.0
    margin = options.margin * scale if options.margin is not None else None
    test = SequentialAB(
        tau=options.mde * scale,
        confidence=options.confidence,
        lower_is_better=metric in options.lower_is_better,
        margin=margin,
    )
    a, b = _split(table, metric, arms)
    if options.look is None:
        return (test.update(a, b),)
    at_a, at_b = _split(table, options.look, arms)
    return tuple(
        test.update(a[at_a == value], b[at_b == value])
        for value in np.unique(np.concatenate([at_a, at_b]))
    )


def mean_effect_from_moments(
    mean_a: float,
    sd_a: float,
    n_a: int,
    mean_b: float,
    sd_b: float,
    n_b: int,
    *,
    confidence: float = 0.95,
) -> ABEffect:
    """:func:`assay.stats.ab.mean_effect` from each arm's mean, standard deviation
    (over units, ``ddof=1``) and units: Welch's difference with the
    Welch-Satterthwaite degrees of freedom (Welch 1947), and the relative lift by
    the delta method on ``mean_B / mean_A`` (Deng et al. 2018, §3.3). Equal to
    :func:`mean_effect` on the values the summaries came from."""
    for name, value in (("sd_a", sd_a), ("sd_b", sd_b)):
        if not (math.isfinite(value) and value >= 0):
            raise InputError(f"{name}={value!r} must be a standard deviation (0 or more)")
    if not (math.isfinite(mean_a) and math.isfinite(mean_b)):
        raise InputError("the arms' means must be finite numbers")
    var_a, var_b = sd_a * sd_a / n_a, sd_b * sd_b / n_b
    difference = mean_b - mean_a
    se = math.sqrt(var_a + var_b)
    df = (var_a + var_b) ** 2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1)) if se > 0 else 1.0
    _, low, high = t_interval(difference, se, df, confidence)
    if se > 0:
        p_value = float(2.0 * special.stdtr(df, -abs(difference / se)))
    else:
        p_value = 1.0 if difference == 0 else 0.0
    relative, rel_ci, rel_se = ratio_delta(mean_a, var_a, mean_b, var_b, confidence)
    warnings = () if mean_a else ("the control's mean is 0, so the relative lift is undefined",)
    return ABEffect(
        kind="mean",
        method="Welch t from per-arm summaries; delta method on mean_B / mean_A",
        baseline=mean_a,
        candidate=mean_b,
        difference=difference,
        difference_ci=(low, high),
        relative=relative,
        relative_ci=rel_ci,
        p_value=p_value,
        confidence=confidence,
        n_baseline=n_a,
        n_candidate=n_b,
        relative_se=rel_se,
        relative_scale="linear",
        warnings=warnings,
    )
