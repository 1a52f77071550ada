"""Two whole benchmark suites, BASE and HEAD: one verdict per benchmark, controlled
across the suite.

:func:`compare_suites` matches benchmarks by name and, for each one in both suites,
compares HEAD with BASE the way :func:`assay.stats.compare` compares two samples
(the same numbers: Welch's t on the log values when every value is positive, a
ratio of geometric means with its t-interval; Welch and Fieller's interval for the
ratio of means otherwise), then controls the error rate across the suite:

- **The unit of analysis.** A suite tool measures each benchmark in independent
  repetitions (a pyperf worker process, a Google Benchmark repetition, a hyperfine
  run); values inside one repetition share its process, caches and frequency, so
  they are not independent trials. When both sides hold at least
  :data:`MIN_GROUPS` repetitions, each repetition's mean is one trial; otherwise
  the values themselves are, with a warning that the interval may be too narrow.
- **The claims.** With a margin ``m`` (a relative change that does not matter),
  each benchmark can support one of three claims: HEAD is larger than BASE by more
  than ``m`` (``H0: ratio <= 1 + m``), smaller by more than ``m`` (``H0: ratio >=
  1 - m``), or within ``±m`` (two one-sided tests, Schuirmann 1987). Each claim's
  p-value is twice its one-sided t p-value, so that on its own a claim passes at
  ``alpha = 1 - confidence`` exactly when the ``confidence`` interval shows it —
  the four-valued rule of :mod:`assay.stats.verdict`. Without a margin the first
  two are the two sides of the usual two-sided test and there is no equivalence.
  A benchmark's p-value is that of its best-supported claim.
- **Multiplicity.** The benchmarks' p-values are adjusted across the suite with
  Holm's step-down procedure (Holm 1979, *Scand. J. Statist.* 6:65-70), which
  controls the family-wise error rate — the chance of any false BETTER, WORSE or
  EQUIVALENT in the suite — under any dependence; directional claims after Holm
  keep that control for independent tests (Shaffer 1980, *JASA* 75:380-384). A
  claim stands only when its adjusted p-value is at most ``alpha``; otherwise the
  benchmark is INCONCLUSIVE and says that it passed on its own. ``"bh"``
  (Benjamini & Hochberg 1995) controls the false discovery rate instead.
- **Intervals** are per benchmark at ``confidence`` (not simultaneous), so a row
  can show an interval that excludes no change beside an INCONCLUSIVE verdict.

Only :mod:`assay.errors` is imported from assay besides :mod:`assay.stats`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import special

from assay.errors import InputError
from assay.stats.comparison import compare
from assay.stats.multiplicity import ADJUSTMENTS, adjust_pvalues
from assay.stats.significance import welch_parts
from assay.stats.validation import FloatArray, check_choice, check_confidence
from assay.stats.verdict import Verdict

__all__ = [
    "MIN_GROUPS",
    "BenchmarkComparison",
    "SuiteBenchmarkLike",
    "SuiteComparison",
    "analysis_units",
    "compare_suites",
]

MIN_GROUPS = 3
"""Repetitions per side from which each repetition's mean is one trial."""

_ADJUSTMENT_NAMES = {
    "holm": "Holm",
    "bh": "Benjamini-Hochberg",
    "bonferroni": "Bonferroni",
}


class SuiteBenchmarkLike(Protocol):
    """What :func:`compare_suites` reads of a benchmark (a ``SuiteBenchmark`` fits)."""

    @property
    def name(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def groups(self) -> Sequence[Sequence[float]]: ...


@dataclass(frozen=True)
class BenchmarkComparison:
    """One benchmark of both suites, HEAD against BASE.

    ``effect`` is ``head / base - 1`` of the compared locations (geometric means on
    the log scale), ``ci`` its interval; ``verdict`` is after multiplicity control,
    ``verdict_alone`` the verdict this benchmark would get on its own. ``p_value``
    is its best-supported claim's p-value and ``p_adjusted`` that after adjustment
    (both ``None`` when it could not be compared: ``reason`` says why). ``units``
    is ``"repetitions"`` (each repetition's mean is a trial) or ``"values"``.
    ``notes`` are about the suite comparison (a claim lost to the adjustment, values
    standing in for trials); ``warnings`` are :func:`assay.stats.compare`'s.
    """

    name: str
    unit: str
    verdict: Verdict
    verdict_alone: Verdict
    effect: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    p_adjusted: float | None
    units: str
    n_base: int
    n_head: int
    base: float | None
    head: float | None
    scale: str = ""
    reason: str = ""
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def significant(self) -> bool:
        """True when the verdict is a claim (BETTER, WORSE or EQUIVALENT) after control."""
        return self.verdict is not Verdict.INCONCLUSIVE

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; unbounded interval ends are ``None``."""
        ci = None if self.ci is None else [_finite(self.ci[0]), _finite(self.ci[1])]
        return {
            "name": self.name,
            "unit": self.unit,
            "verdict": self.verdict.value,
            "verdict_alone": self.verdict_alone.value,
            "effect": None if self.effect is None else _finite(self.effect),
            "ratio": None if self.effect is None else _finite(1.0 + self.effect),
            "ci": ci,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "units": self.units,
            "n_base": self.n_base,
            "n_head": self.n_head,
            "base": self.base,
            "head": self.head,
            "scale": self.scale,
            "reason": self.reason or None,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class SuiteComparison:
    """Every benchmark of two suites: compared ones in BASE's order, then the names
    found in one suite only."""

    benchmarks: tuple[BenchmarkComparison, ...]
    only_base: tuple[str, ...]
    only_head: tuple[str, ...]
    confidence: float
    margin: float | None
    lower_is_better: bool
    adjustment: str = "holm"

    @property
    def alpha(self) -> float:
        """The family's error rate, ``1 - confidence``."""
        return 1.0 - self.confidence

    @property
    def family(self) -> int:
        """How many benchmarks the adjustment ran over (those with a p-value)."""
        return sum(1 for b in self.benchmarks if b.p_value is not None)

    def count(self, verdict: Verdict) -> int:
        """How many benchmarks got ``verdict`` (after control)."""
        return sum(1 for b in self.benchmarks if b.verdict is verdict)

    def method(self) -> str:
        """The method in one sentence, for under a table."""
        scales = {b.scale for b in self.benchmarks if b.scale}
        scale = "Welch t on log values (ratio of geometric means)"
        if scales == {"raw"}:
            scale = "Welch t on raw values (ratio of means, Fieller interval)"
        elif len(scales) > 1:
            scale += ", or on raw values where a value is not positive"
        control = (
            f"{_ADJUSTMENT_NAMES[self.adjustment]}-adjusted p-values across "
            f"{self.family} benchmark{'s' if self.family != 1 else ''}"
        )
        margin = "" if self.margin is None else f"; margin ±{self.margin:.3g}"
        return (
            f"{scale}; verdicts at {self.alpha:.3g} on {control}; "
            f"{self.confidence:.0%} intervals per benchmark{margin}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document's statistics."""
        return {
            "confidence": self.confidence,
            "margin": self.margin,
            "lower_is_better": self.lower_is_better,
            "adjustment": self.adjustment,
            "family": self.family,
            "counts": {v.value: self.count(v) for v in Verdict},
            "benchmarks": [b.to_dict() for b in self.benchmarks],
            "only_base": list(self.only_base),
            "only_head": list(self.only_head),
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def analysis_units(
    base: Sequence[Sequence[float]], head: Sequence[Sequence[float]]
) -> tuple[FloatArray, FloatArray, str]:
    """The trials of each side and their name: each repetition's mean when both sides
    hold at least :data:`MIN_GROUPS` repetitions, every value otherwise."""
    if min(len(base), len(head)) >= MIN_GROUPS:
        means = [np.array([np.mean(g) for g in side], dtype=np.float64) for side in (base, head)]
        return means[0], means[1], "repetitions"
    flat = [np.array([v for g in side for v in g], dtype=np.float64) for side in (base, head)]
    units = "repetitions" if all(len(g) == 1 for side in (base, head) for g in side) else "values"
    return flat[0], flat[1], units


def _pooled_warning(name: str, groups: Sequence[Sequence[float]], units: str) -> str | None:
    """When values from few repetitions stand in for trials: the interval may be too narrow."""
    if units != "values" or len(groups) >= sum(len(g) for g in groups):
        return None
    count = len(groups)
    return (
        f"{name} holds {count} repetition{'s' if count != 1 else ''} of "
        f"{sum(len(g) for g in groups)} values; values from one process are not independent "
        f"trials, so the interval may be too narrow: run {MIN_GROUPS} or more repetitions "
        "(processes) per benchmark"
    )


def _bounds(scale: str, margin: float | None, base: FloatArray) -> tuple[float, float]:
    """The claims' null boundaries on the analysed scale: (smaller, larger)."""
    m = margin or 0.0
    if scale == "log":
        return math.log1p(-m), math.log1p(m)
    location = abs(float(np.mean(base)))  # raw scale: the baseline mean taken as known
    return -m * location, m * location


def claim_pvalues(
    base: FloatArray, head: FloatArray, scale: str, margin: float | None
) -> dict[Verdict, float]:
    """Each claim's p-value on the two-sided scale (module docstring), keyed by the
    verdict it supports when lower is better: WORSE is "larger", BETTER "smaller"."""
    b, h = (np.log(base), np.log(head)) if scale == "log" else (base, head)
    estimate, se, df = welch_parts(b, h)
    low, high = _bounds(scale, margin, base)

    def above(bound: float) -> float:  # P(T >= (estimate - bound) / se) under the bound
        if se == 0.0:
            return 0.0 if estimate > bound else 1.0
        return float(special.stdtr(df, -(estimate - bound) / se))

    def below(bound: float) -> float:
        if se == 0.0:
            return 0.0 if estimate < bound else 1.0
        return float(special.stdtr(df, (estimate - bound) / se))

    found = {Verdict.WORSE: min(1.0, 2 * above(high)), Verdict.BETTER: min(1.0, 2 * below(low))}
    if margin is not None:
        found[Verdict.EQUIVALENT] = min(1.0, 2 * max(below(high), above(low)))
    return found


def _flip(verdict: Verdict, lower_is_better: bool) -> Verdict:
    if lower_is_better or verdict is Verdict.EQUIVALENT or verdict is Verdict.INCONCLUSIVE:
        return verdict
    return Verdict.BETTER if verdict is Verdict.WORSE else Verdict.WORSE


def _location(values: FloatArray, scale: str) -> float:
    if scale == "log":
        return float(np.exp(np.mean(np.log(values))))
    return float(np.mean(values))


def _one(
    base: SuiteBenchmarkLike,
    head: SuiteBenchmarkLike,
    *,
    confidence: float,
    margin: float | None,
    lower_is_better: bool,
) -> tuple[BenchmarkComparison, Verdict | None]:
    """One benchmark on its own, and the claim its p-value belongs to (None: no claim)."""
    b, h, units = analysis_units(base.groups, head.groups)
    empty = BenchmarkComparison(
        base.name, base.unit, Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE, None, None,
        None, None, units, int(b.size), int(h.size), None, None,
    )  # fmt: skip
    for side, values in (("BASE", b), ("HEAD", h)):
        if values.size < 2:
            reason = (
                f"{side} holds {values.size} value{'s' if values.size != 1 else ''}; a verdict "
                "needs at least 2 trials on each side: keep each repetition's values (asv: "
                "--record-samples) or run more repetitions"
            )
            return _replace(empty, reason=reason), None
    try:
        result = compare(b, h, lower_is_better=True, margin=margin, confidence=confidence)
    except InputError as exc:
        return _replace(empty, reason=str(exc)), None
    pvalues = claim_pvalues(b, h, result.scale, margin)
    claim = min(pvalues, key=lambda k: pvalues[k])
    p = pvalues[claim]
    alone = _flip(claim, lower_is_better) if p <= 1.0 - confidence else Verdict.INCONCLUSIVE
    notes = [_pooled_warning(side, s.groups, units) for side, s in (("BASE", base), ("HEAD", head))]
    row = _replace(
        empty,
        verdict_alone=alone,
        effect=result.effect,
        ci=result.ci,
        p_value=p,
        base=_location(b, result.scale),
        head=_location(h, result.scale),
        scale=result.scale,
        notes=tuple(n for n in notes if n),
        warnings=result.warnings,
    )
    return row, _flip(claim, lower_is_better)


def _replace(row: BenchmarkComparison, **changes: Any) -> BenchmarkComparison:
    return dataclasses.replace(row, **changes)


def _controlled(
    rows: list[tuple[BenchmarkComparison, Verdict | None]], alpha: float, adjustment: str
) -> list[BenchmarkComparison]:
    """Adjust the p-values across the family; keep a claim only when it passes."""
    family = [i for i, (row, _) in enumerate(rows) if row.p_value is not None]
    adjusted: list[float] = []
    if family:
        adjusted = [
            float(p) for p in adjust_pvalues([rows[i][0].p_value for i in family], adjustment)
        ]
    out = [row for row, _ in rows]
    for i, p in zip(family, adjusted, strict=True):
        row, claim = rows[i]
        verdict = claim if (claim is not None and p <= alpha) else Verdict.INCONCLUSIVE
        notes = row.notes
        if verdict is Verdict.INCONCLUSIVE and row.verdict_alone is not Verdict.INCONCLUSIVE:
            notes = (
                f"{row.verdict_alone.name} on its own (p = {row.p_value:.3g}) but not after "
                f"{_ADJUSTMENT_NAMES[adjustment]} adjustment across {len(family)} benchmarks "
                f"(adjusted p = {p:.3g})",
                *notes,
            )
        out[i] = _replace(row, verdict=verdict, p_adjusted=float(p), notes=notes)
    return out


def _check_margin(margin: float | None) -> float | None:
    if margin is not None and not (isinstance(margin, int | float) and 0 < margin < 1):
        raise InputError(
            f"margin={margin!r} must be a relative margin strictly between 0 and 1, "
            "such as 0.02 for 2%, or None for no margin"
        )
    return None if margin is None else float(margin)


def _check_unique(side: str, suite: Sequence[SuiteBenchmarkLike]) -> None:
    seen: set[str] = set()
    for bench in suite:
        if bench.name in seen:
            raise InputError(
                f"{side} holds benchmark {bench.name!r} twice; expected each name once"
            )
        seen.add(bench.name)


def _matched(
    base: Sequence[SuiteBenchmarkLike], head: Sequence[SuiteBenchmarkLike]
) -> list[tuple[SuiteBenchmarkLike, SuiteBenchmarkLike]]:
    """Pairs by name in BASE's order; an error when none match or a unit differs."""
    _check_unique("BASE", base)
    _check_unique("HEAD", head)
    heads = {b.name: b for b in head}
    pairs = [(b, heads[b.name]) for b in base if b.name in heads]
    if not pairs:
        raise InputError(
            "BASE and HEAD have no benchmark in common; expected two runs of the same suite "
            f"(BASE: {_few(b.name for b in base)}; HEAD: {_few(b.name for b in head)})"
        )
    for b, h in pairs:
        if b.unit != h.unit:
            raise InputError(
                f"benchmark {b.name!r} is in {b.unit!r} in BASE but {h.unit!r} in HEAD; "
                "expected the same unit on both sides"
            )
    return pairs


def _few(names: Any) -> str:
    listed = list(names)
    shown = ", ".join(listed[:3])
    return shown + (f" and {len(listed) - 3} more" if len(listed) > 3 else "") or "none"


def compare_suites(
    base: Sequence[SuiteBenchmarkLike],
    head: Sequence[SuiteBenchmarkLike],
    *,
    confidence: float = 0.95,
    margin: float | None = None,
    lower_is_better: bool = True,
    adjustment: str = "holm",
) -> SuiteComparison:
    """Compare every benchmark of ``head`` with the one of the same name in ``base``.

    One verdict per benchmark, with its effect (HEAD / BASE - 1) and interval, and
    the verdicts controlled across the suite (the module docstring has the method).
    ``margin``: the smallest relative change that matters (0.02 for 2%).
    ``adjustment``: "holm" (family-wise error), "bh" (false discovery rate) or
    "bonferroni". Benchmarks with no common name, or a unit that differs, are an
    :class:`~assay.errors.InputError`; names found on one side only are listed.
    """
    confidence = check_confidence(confidence)
    margin = _check_margin(margin)
    check_choice(adjustment, ADJUSTMENTS, name="adjustment")
    pairs = _matched(base, head)
    rows = [
        _one(b, h, confidence=confidence, margin=margin, lower_is_better=lower_is_better)
        for b, h in pairs
    ]
    names_base, names_head = {b.name for b in base}, {h.name for h in head}
    return SuiteComparison(
        benchmarks=tuple(_controlled(rows, 1.0 - confidence, adjustment)),
        only_base=tuple(dict.fromkeys(b.name for b in base if b.name not in names_head)),
        only_head=tuple(dict.fromkeys(h.name for h in head if h.name not in names_base)),
        confidence=confidence,
        margin=margin,
        lower_is_better=lower_is_better,
        adjustment=adjustment,
    )
