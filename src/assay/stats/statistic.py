"""Named statistics: ``"mean"``, ``"median"``, ``"std"``, ``"p90"``, ``"p99.9"``...

A name resolves to a :class:`Statistic`, a function that reduces the last axis of
an array (so a whole batch of bootstrap resamples is one call) and, for
quantiles, the level ``q``, which lets :mod:`assay.stats.bootstrap` take its
exact fast path. Quantiles use NumPy's default definition (linear interpolation
between order statistics, Hyndman & Fan 1996 type 7), the same as
``numpy.quantile`` and ``scipy.stats.bootstrap`` with ``np.percentile``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay.errors import InputError
from assay.stats.validation import FloatArray

__all__ = ["Statistic", "quantile_label", "resolve_statistic"]

_QUANTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")


@dataclass(frozen=True)
class Statistic:
    """A statistic that reduces the last axis; ``q`` is set for quantiles."""

    name: str
    reduce: Callable[[FloatArray], Any]
    q: float | None = None
    vectorized: bool = True

    def __call__(self, values: FloatArray) -> Any:
        return self.reduce(values)


def _mean(values: FloatArray) -> Any:
    return np.mean(values, axis=-1)


def _std(values: FloatArray) -> Any:
    return np.std(values, axis=-1, ddof=1)


def _quantile(q: float) -> Callable[[FloatArray], Any]:
    def reduce(values: FloatArray) -> Any:
        return np.quantile(values, q, axis=-1)

    return reduce


def quantile_label(q: float) -> str:
    """``0.99`` as ``"p99"``, ``0.999`` as ``"p99.9"``, ``0.5`` as ``"p50"``."""
    text = f"{q * 100:.6f}".rstrip("0").rstrip(".")
    return f"p{text}"


def _named(name: str) -> Statistic:
    key = name.strip().lower()
    if key == "mean":
        return Statistic("mean", _mean)
    if key in ("std", "sd"):
        return Statistic("std", _std)
    if key == "median":
        return Statistic("median", _quantile(0.5), q=0.5)
    match = _QUANTILE.match(key)
    if match:
        q = float(match.group(1)) / 100.0
        if 0.0 < q < 1.0:
            return Statistic(key, _quantile(q), q=q)
    raise InputError(
        f"unknown statistic {name!r}; expected mean, std, median or a percentile "
        "such as p90, p99 or p99.9, or pass a function"
    )


def resolve_statistic(statistic: str | Callable[..., Any]) -> Statistic:
    """The :class:`Statistic` for a name, or a wrapper around a callable.

    A callable is called once per resample on a 1-D array and must return one
    number; it is not assumed to handle an ``axis`` argument.
    """
    if isinstance(statistic, str):
        return _named(statistic)
    if not callable(statistic):
        raise InputError(
            f"statistic must be a name such as 'mean' or 'p99' or a function; "
            f"got {type(statistic).__name__}"
        )
    name = getattr(statistic, "__name__", "statistic")
    return Statistic(name, statistic, vectorized=False)
