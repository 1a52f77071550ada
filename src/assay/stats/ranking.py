"""Many methods on many datasets: Friedman, Nemenyi, and pairwise Wilcoxon with Holm.

Following Demšar (2006, *JMLR* 7:1-30), methods are ranked within each
dataset (rank 1 is the best) and compared by their average ranks:

- :func:`friedman` tests whether all methods perform alike (Friedman 1937,
  *JASA* 32:675-701), with the Iman-Davenport F refinement (Iman & Davenport
  1980, *Commun. Statist.* 9:571-595), which is less conservative.
- :func:`nemenyi` gives the critical difference of average ranks and all-pairs
  p-values (Nemenyi 1963), the basis of the critical-difference diagram.
- :func:`pairwise_wilcoxon` runs the Wilcoxon signed-rank test on every pair
  across datasets and adjusts with Holm. This is assay's recommended post-hoc
  test: the Nemenyi test's verdict on two methods depends on which other
  methods are in the comparison (Benavoli, Corani & Mangili 2016, *JMLR*
  17:1-10), so keep the diagram for display and quote these p-values.

``scores`` is a 2-D array, one row per dataset and one column per method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from assay.errors import InputError
from assay.stats.multiplicity import adjust_pvalues
from assay.stats.validation import FloatArray, check_confidence

__all__ = [
    "FriedmanResult",
    "NemenyiResult",
    "PairwiseResult",
    "average_ranks",
    "friedman",
    "nemenyi",
    "pairwise_wilcoxon",
]


def _scores(scores: Any, names: Sequence[str] | None) -> tuple[FloatArray, tuple[str, ...]]:
    try:
        table = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("scores must be a table of numbers: one row per dataset") from None
    if table.ndim != 2 or table.shape[0] < 2 or table.shape[1] < 2:
        raise InputError(
            f"scores must have one row per dataset and one column per method, with at "
            f"least 2 of each; got shape {table.shape}"
        )
    if not np.all(np.isfinite(table)):
        row, col = np.argwhere(~np.isfinite(table))[0]
        raise InputError(f"scores[{row}, {col}] is {table[row, col]}; every score must be finite")
    labels = (
        tuple(names)
        if names is not None
        else tuple(f"method {i + 1}" for i in range(table.shape[1]))
    )
    if len(labels) != table.shape[1]:
        raise InputError(f"got {len(labels)} names for {table.shape[1]} methods")
    return table, labels


def average_ranks(scores: FloatArray, lower_is_better: bool) -> FloatArray:
    """Mean rank of each method over datasets; 1 is the best, ties share the average."""
    ranks = sps.rankdata(scores if lower_is_better else -scores, axis=1)
    return np.asarray(ranks.mean(axis=0), dtype=np.float64)


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman's chi-square and the Iman-Davenport F, with the average ranks."""

    statistic: float
    p_value: float
    f_statistic: float
    f_p_value: float
    average_ranks: tuple[float, ...]
    names: tuple[str, ...]
    n_datasets: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "p_value": self.p_value,
            "f_statistic": self.f_statistic,
            "f_p_value": self.f_p_value,
            "average_ranks": dict(zip(self.names, self.average_ranks, strict=True)),
            "n_datasets": self.n_datasets,
        }


def friedman(
    scores: Any,
    *,
    names: Sequence[str] | None = None,
    lower_is_better: bool = False,
    tie_correction: bool = True,
) -> FriedmanResult:
    """Friedman test over datasets (rows) and methods (columns).

    With ``tie_correction`` (the default) the statistic and p-value equal
    ``scipy.stats.friedmanchisquare``; without it they follow the textbook
    formula ``12N/(k(k+1)) [Σ R_j² − k(k+1)²/4]`` used in Demšar's examples.
    The Iman-Davenport statistic is ``(N−1)χ² / (N(k−1) − χ²)`` on
    ``(k−1, (k−1)(N−1))`` degrees of freedom.
    """
    table, labels = _scores(scores, names)
    n, k = table.shape
    ranks = average_ranks(table, lower_is_better)
    chi2 = 12.0 * n / (k * (k + 1)) * (float(np.sum(ranks**2)) - k * (k + 1) ** 2 / 4.0)
    if tie_correction:
        ranked = sps.rankdata(table, axis=1)
        ties = sum(
            float(np.sum(c.astype(np.float64) ** 3 - c))
            for c in (np.unique(row, return_counts=True)[1] for row in ranked)
        )
        divisor = 1.0 - ties / (n * k * (k * k - 1))
        chi2 = chi2 / divisor if divisor > 0 else 0.0
    p_value = float(sps.chi2.sf(chi2, k - 1))
    denominator = n * (k - 1) - chi2
    f_stat = (n - 1) * chi2 / denominator if denominator > 0 else math.inf
    f_p = float(sps.f.sf(f_stat, k - 1, (k - 1) * (n - 1))) if math.isfinite(f_stat) else 0.0
    return FriedmanResult(chi2, p_value, f_stat, f_p, tuple(float(r) for r in ranks), labels, n)


@dataclass(frozen=True)
class NemenyiResult:
    """The critical difference and all-pairs p-values of the Nemenyi test."""

    critical_difference: float
    q_alpha: float
    confidence: float
    average_ranks: tuple[float, ...]
    names: tuple[str, ...]
    p_values: FloatArray
    n_datasets: int

    def significant_pairs(self) -> list[tuple[str, str]]:
        """Pairs whose average ranks differ by more than the critical difference."""
        pairs = []
        for i, j in zip(*np.triu_indices(len(self.names), 1), strict=True):
            if abs(self.average_ranks[i] - self.average_ranks[j]) > self.critical_difference:
                pairs.append((self.names[i], self.names[j]))
        return pairs


def nemenyi(
    scores: Any,
    *,
    names: Sequence[str] | None = None,
    lower_is_better: bool = False,
    confidence: float = 0.95,
) -> NemenyiResult:
    """Nemenyi all-pairs test on average ranks (Demšar 2006, §3.2.2).

    ``CD = q_α sqrt(k(k+1) / (6N))`` with ``q_α`` the studentized range quantile
    over √2 (2.569 for k = 4 at 95%). Two methods differ when their average
    ranks differ by more than CD. P-values use the studentized range
    distribution with infinite degrees of freedom.
    """
    table, labels = _scores(scores, names)
    confidence = check_confidence(confidence)
    n, k = table.shape
    ranks = average_ranks(table, lower_is_better)
    q_alpha = float(sps.studentized_range.ppf(confidence, k, np.inf)) / math.sqrt(2.0)
    scale = math.sqrt(k * (k + 1) / (6.0 * n))
    gaps = np.abs(ranks[:, None] - ranks[None, :]) / scale * math.sqrt(2.0)
    p_values = np.ones((k, k))
    upper = np.triu_indices(k, 1)
    p_values[upper] = sps.studentized_range.sf(gaps[upper], k, np.inf)
    p_values[(upper[1], upper[0])] = p_values[upper]
    return NemenyiResult(
        q_alpha * scale,
        q_alpha,
        confidence,
        tuple(float(r) for r in ranks),
        labels,
        p_values,
        n,
    )


@dataclass(frozen=True)
class PairwiseResult:
    """Wilcoxon p-values for every pair of methods, raw and Holm-adjusted (k × k)."""

    names: tuple[str, ...]
    p_values: FloatArray
    adjusted: FloatArray
    method: str

    def significant_pairs(self, alpha: float = 0.05) -> list[tuple[str, str]]:
        """Pairs whose adjusted p-value is at most ``alpha``."""
        k = len(self.names)
        return [
            (self.names[i], self.names[j])
            for i, j in zip(*np.triu_indices(k, 1), strict=True)
            if self.adjusted[i, j] <= alpha
        ]


def pairwise_wilcoxon(
    scores: Any,
    *,
    names: Sequence[str] | None = None,
    method: str = "holm",
    zero_method: str = "zsplit",
) -> PairwiseResult:
    """Wilcoxon signed-rank test for each pair of methods over datasets, then Holm.

    Zero differences are split between the signs by default, as Demšar (2006,
    §3.1.3) recommends. P-values equal ``scipy.stats.wilcoxon`` on each pair of
    columns; the adjustment is :func:`assay.stats.adjust_pvalues`.
    """
    table, labels = _scores(scores, names)
    k = table.shape[1]
    upper = np.triu_indices(k, 1)
    raw = []
    for i, j in zip(*upper, strict=True):
        differences = table[:, j] - table[:, i]
        if not np.any(differences != 0):
            raw.append(1.0)
            continue
        raw.append(float(sps.wilcoxon(table[:, j], table[:, i], zero_method=zero_method).pvalue))
    adjusted_flat = adjust_pvalues(raw, method=method)
    p_values, adjusted = np.ones((k, k)), np.ones((k, k))
    p_values[upper] = raw
    adjusted[upper] = adjusted_flat
    for matrix in (p_values, adjusted):
        matrix[(upper[1], upper[0])] = matrix[upper]
    return PairwiseResult(labels, p_values, adjusted, method)
