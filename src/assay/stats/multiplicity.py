"""Adjusting p-values when one study asks many questions.

A study that compares several metrics, or a sweep of settings, runs many tests;
at 5% each, some will come out "significant" by chance. :func:`adjust_pvalues`
returns adjusted p-values to compare against the usual level:

- ``"holm"``: Holm's step-down procedure (Holm 1979, *Scand. J. Statist.* 6:65-70)
  controls the family-wise error rate (the chance of any false claim) under any
  dependence, and is uniformly more powerful than Bonferroni.
- ``"bh"``: Benjamini & Hochberg's step-up procedure (1995, *J. R. Statist. Soc. B*
  57:289-300) controls the false discovery rate (the expected share of false
  claims among the claims) for independent or positively dependent tests.
- ``"bonferroni"``: each p-value times the number of tests, for reference.

The adjusted values agree with ``statsmodels.stats.multitest.multipletests``
(``holm``, ``fdr_bh``, ``bonferroni``) and R's ``p.adjust``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assay.errors import InputError
from assay.stats.validation import FloatArray, check_choice

__all__ = ["ADJUSTMENTS", "adjust_pvalues"]

ADJUSTMENTS = ("holm", "bh", "bonferroni")


def _pvalues(pvalues: Any) -> FloatArray:
    try:
        array = np.asarray(pvalues, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("pvalues must be a list of numbers between 0 and 1") from None
    if array.ndim != 1 or array.size == 0:
        raise InputError(f"pvalues must be a non-empty list of numbers; got shape {array.shape}")
    bad = ~((array >= 0.0) & (array <= 1.0))
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"pvalues[{index}] is {array[index]}; every p-value must lie between 0 and 1"
        )
    return array


def adjust_pvalues(pvalues: Any, method: str = "holm") -> FloatArray:
    """Adjusted p-values, in the order given, for ``method`` "holm", "bh" or "bonferroni".

    Holm: sort ascending, multiply the ``i``-th smallest (from 1) by ``m - i + 1``,
    take the running maximum, cap at 1. Benjamini-Hochberg: multiply the
    ``i``-th smallest by ``m / i``, take the running minimum from the largest
    down, cap at 1. A hypothesis is rejected at level α when its adjusted
    p-value is at most α.
    """
    check_choice(method, ADJUSTMENTS, name="adjustment method")
    p = _pvalues(pvalues)
    m = p.size
    if method == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p, kind="mergesort")
    ranked = p[order]
    ranks = np.arange(1, m + 1, dtype=np.float64)
    if method == "holm":
        stepped = np.maximum.accumulate(ranked * (m - ranks + 1))
    else:
        stepped = np.minimum.accumulate((ranked * m / ranks)[::-1])[::-1]
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted
