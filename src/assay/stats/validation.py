"""Checks at the boundary of :mod:`assay.stats`.

Every public function turns its inputs into plain float arrays here, so that a
bad value (an empty list, a NaN, a string, a single trial) becomes one
:class:`~assay.errors.InputError` that says what was given, what was expected
and what to do, instead of a NumPy warning or a silently wrong number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assay.errors import InputError

__all__ = [
    "FloatArray",
    "check_choice",
    "check_confidence",
    "check_positive",
    "check_probability",
    "check_resamples",
    "rescaled",
    "sample",
    "sample_pair",
]

FloatArray = NDArray[np.float64]


def sample(values: Any, *, name: str = "sample", min_n: int = 2) -> FloatArray:
    """``values`` as a 1-D float array of finite numbers, at least ``min_n`` long."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"{name} must be a list or array of numbers; got {type(values).__name__}"
        ) from None
    if array.ndim != 1:
        raise InputError(
            f"{name} must be one-dimensional (one number per trial); got shape {array.shape}"
        )
    if array.size < min_n:
        what = "a spread" if min_n == 2 else f"at least {min_n} values"
        raise InputError(
            f"{name} holds {array.size} value{'s' if array.size != 1 else ''}; "
            f"it must hold at least {min_n} because this needs {what}: run more trials"
        )
    bad = ~np.isfinite(array)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name}[{index}] is {array[index]}; every value must be a finite number "
            "(drop failed trials instead of recording NaN or infinity)"
        )
    return array


def sample_pair(
    baseline: Any, candidate: Any, *, paired: bool, min_n: int = 2
) -> tuple[FloatArray, FloatArray]:
    """Both arms checked; paired arms must have the same length."""
    base = sample(baseline, name="baseline", min_n=min_n)
    cand = sample(candidate, name="candidate", min_n=min_n)
    if paired and base.size != cand.size:
        raise InputError(
            f"a paired comparison needs as many candidate trials as baseline trials; "
            f"got {base.size} baseline and {cand.size} candidate: pair them by seed "
            "or pass paired=False"
        )
    return base, cand


def rescaled(*arrays: FloatArray) -> tuple[FloatArray, ...]:
    """The arrays divided by one common power of two, so the largest magnitude is below 1.

    Scale-free statistics (relative changes, ratios, standardised effects,
    p-values) are unchanged by a common scale, but sums, squares and variances
    of values near the float limit (1.7e308) overflow. Dividing by a power of two
    is exact unless a value falls below the smallest normal float; a value that
    would become zero is refused rather than silently changed.
    """
    top = max(float(np.max(np.abs(a))) for a in arrays)
    if top == 0.0:
        return arrays
    exponent = math.frexp(top)[1]
    out = tuple(np.ldexp(a, -exponent) for a in arrays)
    for before, after in zip(arrays, out, strict=True):
        if np.count_nonzero(after) != np.count_nonzero(before):
            raise InputError(
                f"the values span more than 300 orders of magnitude (largest {top:.3g}, "
                f"smallest nonzero {float(np.min(np.abs(before[before != 0]))):.3g}); "
                "expected values of one metric in one unit"
            )
    return out


def check_confidence(confidence: float, *, name: str = "confidence") -> float:
    """A confidence level strictly between 0 and 1 (0.95, not 95)."""
    if not isinstance(confidence, int | float) or not 0.0 < float(confidence) < 1.0:
        hint = " (write 0.95, not 95)" if isinstance(confidence, int | float) else ""
        raise InputError(f"{name}={confidence!r} must be between 0 and 1{hint}")
    return float(confidence)


def check_probability(value: float, *, name: str) -> float:
    """A probability strictly between 0 and 1."""
    if not isinstance(value, int | float) or not 0.0 < float(value) < 1.0:
        raise InputError(f"{name}={value!r} must be strictly between 0 and 1")
    return float(value)


def check_positive(value: float, *, name: str, allow_zero: bool = False) -> float:
    """A finite number above zero (or at least zero)."""
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{name}={value!r} must be a finite number")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "at least 0" if allow_zero else "greater than 0"
        raise InputError(f"{name}={value!r} must be {bound}")
    return float(value)


def check_resamples(n_resamples: int) -> int:
    """A resample count large enough for the tails of an interval."""
    if not isinstance(n_resamples, int) or isinstance(n_resamples, bool) or n_resamples < 100:
        raise InputError(
            f"n_resamples={n_resamples!r} must be an integer of at least 100; "
            "10,000 is a good default for 95% intervals"
        )
    return n_resamples


def check_choice(value: str, choices: Sequence[str], *, name: str) -> str:
    """``value`` if it is one of ``choices``; an error listing them otherwise."""
    if value not in choices:
        raise InputError(f"unknown {name} {value!r}; expected one of {', '.join(choices)}")
    return value
