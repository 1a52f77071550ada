"""Group-sequential boundaries with alpha spending, by numerical integration.

A group-sequential test looks at the accumulating data at a few analyses and
stops as soon as the standardised statistic crosses a boundary. Under the
canonical joint distribution (Jennison & Turnbull 2000, *Group Sequential
Methods with Applications to Clinical Trials*, ch. 3) the statistic at
information fraction ``t`` is ``Z(t) = S(t) / sqrt(t)`` where ``S`` is a Brownian
motion with drift ``θ``. The boundaries here are chosen by the error-spending
approach of Lan & DeMets (1983, *Biometrika* 70:659-663): by the analysis at
fraction ``t_k`` the test has spent ``α(t_k)`` of its false-verdict rate, so
analyses may fall wherever the data arrive, without fixing their times in
advance. Spending functions:

- ``"obrien-fleming"``: ``α(t) = 2 − 2Φ(z_{1−α/2} / sqrt(t))``, which spends
  almost nothing early and keeps the final analysis close to the fixed test;
- ``"pocock"``: ``α(t) = α log(1 + (e − 1) t)``, which stops earlier at the
  cost of a larger maximum size;
- ``"hwang-shih-decani"`` with γ = −2: ``α(t) = α (1 − e^{2t}) / (1 − e^{2})``
  (Hwang, Shih & DeCani 1990, *Stat. Med.* 9:1439-1445), between the two: it
  saves more trials at the design effect than O'Brien-Fleming for a maximum
  size under 10% above the fixed test.

Crossing probabilities come from the recursive integration of Armitage,
McPherson & Rowe (1969, *JRSS A* 132:235-244) on a uniform grid with Simpson
weights (Jennison & Turnbull 2000, ch. 19).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from scipy import optimize, special

from assay.stats.validation import FloatArray

__all__ = [
    "SPENDING",
    "exit_probabilities",
    "inflation_factor",
    "spending_boundaries",
    "z_boundaries_for_constant",
]

_GRID_STEP = 0.02
_MAX_GRID = 4001


def _obf(t: float, alpha: float) -> float:
    if t <= 0:
        return 0.0
    z = float(special.ndtri(1 - alpha / 2))
    return float(2.0 - 2.0 * special.ndtr(z / math.sqrt(min(t, 1.0))))


def _pocock(t: float, alpha: float) -> float:
    return alpha * math.log1p((math.e - 1.0) * min(max(t, 0.0), 1.0))


def _hwang_shih_decani(t: float, alpha: float, gamma: float = -2.0) -> float:
    t = min(max(t, 0.0), 1.0)
    return alpha * math.expm1(-gamma * t) / math.expm1(-gamma)


SPENDING: dict[str, Callable[[float, float], float]] = {
    "hwang-shih-decani": _hwang_shih_decani,
    "obrien-fleming": _obf,
    "pocock": _pocock,
}


def _grid(bound: float, increment: float) -> tuple[FloatArray, FloatArray]:
    """Points and Simpson weights across ``(-bound, bound)`` on the S scale."""
    step = min(_GRID_STEP, math.sqrt(increment) / 8)
    count = min(_MAX_GRID, 2 * math.ceil(bound / step) + 1)
    points = np.linspace(-bound, bound, count)
    weights = np.ones(count)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    return points, weights * (points[1] - points[0]) / 3.0


def _exit(
    mass_points: FloatArray, mass: FloatArray, bound: float, drift: float, dt: float
) -> tuple[float, float]:
    """P(cross upper), P(cross lower) at the next look from the weighted density."""
    scale = math.sqrt(dt)
    mean = mass_points + drift * dt
    upper = float(np.sum(mass * special.ndtr((mean - bound) / scale)))
    lower = float(np.sum(mass * special.ndtr((-bound - mean) / scale)))
    return upper, lower


def _propagate(
    mass_points: FloatArray,
    mass: FloatArray,
    bound: float,
    drift: float,
    dt: float,
    next_dt: float,
) -> tuple[FloatArray, FloatArray]:
    """The weighted density of S at this look, on the continuation region.

    The grid is fine enough for both this increment's kernel and the next one.
    """
    points, weights = _grid(bound, min(dt, next_dt))
    scale = math.sqrt(dt)
    kernel = np.exp(-0.5 * ((points[:, None] - mass_points[None, :] - drift * dt) / scale) ** 2)
    density = kernel @ mass / (scale * math.sqrt(2 * math.pi))
    return points, weights * density


def exit_probabilities(
    fractions: tuple[float, ...], z_bounds: tuple[float, ...], drift: float
) -> tuple[list[float], list[float]]:
    """Per-analysis probabilities of crossing the upper and the lower boundary.

    ``drift`` is the mean of ``Z`` at information fraction 1; ``z_bounds`` are
    the symmetric two-sided boundaries on the Z scale.
    """
    uppers, lowers = [], []
    previous = 0.0
    mass_points = np.zeros(1)
    mass = np.ones(1)
    for k, (t, c) in enumerate(zip(fractions, z_bounds, strict=True)):
        bound = c * math.sqrt(t) if math.isfinite(c) else 40.0 * math.sqrt(t)
        dt = t - previous
        upper, lower = _exit(mass_points, mass, bound, drift, dt)
        uppers.append(upper)
        lowers.append(lower)
        if k + 1 < len(fractions):
            next_dt = fractions[k + 1] - t
            mass_points, mass = _propagate(mass_points, mass, bound, drift, dt, next_dt)
        previous = t
    return uppers, lowers


def _solve_bound(
    mass_points: FloatArray, mass: FloatArray, t: float, dt: float, target: float
) -> float:
    """The Z boundary at fraction ``t`` whose two-sided crossing probability is ``target``."""
    if target <= 1e-15:
        return math.inf

    def excess(c: float) -> float:
        upper, lower = _exit(mass_points, mass, c * math.sqrt(t), 0.0, dt)
        return upper + lower - target

    if excess(0.0) <= 0:
        return 0.0
    return float(optimize.brentq(excess, 0.0, 40.0, xtol=1e-10))


@functools.lru_cache(maxsize=4096)
def spending_boundaries(
    fractions: tuple[float, ...],
    alpha: float,
    spending: str,
    times: tuple[float, ...] | None = None,
) -> tuple[float, ...]:
    """Two-sided Z boundaries for analyses at information ``fractions`` (last <= 1).

    The fractions decide how much of ``alpha`` each analysis spends. ``times``,
    when given, set the correlation between the analyses instead
    (``corr(Z_j, Z_k) = sqrt(times_j / times_k)``); see
    :func:`assay.stats.sequential.t_times` for why a t-test needs that.
    """
    spend = SPENDING[spending]
    clock = fractions if times is None else times
    bounds: list[float] = []
    previous, spent = 0.0, 0.0
    mass_points, mass = np.zeros(1), np.ones(1)
    for k, (fraction, t) in enumerate(zip(fractions, clock, strict=True)):
        dt = t - previous
        cumulative = alpha if fraction >= 1.0 - 1e-12 else spend(fraction, alpha)
        c = _solve_bound(mass_points, mass, t, dt, cumulative - spent)
        bounds.append(c)
        bound = _finite(c) * math.sqrt(t)
        upper, lower = _exit(mass_points, mass, bound, 0.0, dt)
        spent += upper + lower
        if k + 1 < len(fractions):
            next_dt = clock[k + 1] - t
            mass_points, mass = _propagate(mass_points, mass, bound, 0.0, dt, next_dt)
        previous = t
    return tuple(bounds)


def _finite(c: float) -> float:
    return c if math.isfinite(c) else 40.0


def z_boundaries_for_constant(constant: float, looks: int, shape: str) -> tuple[float, ...]:
    """Classical boundaries: O'Brien-Fleming ``C sqrt(K/k)`` or Pocock ``C`` (for checks)."""
    if shape == "obrien-fleming":
        return tuple(constant * math.sqrt(looks / k) for k in range(1, looks + 1))
    return tuple(constant for _ in range(looks))


@functools.lru_cache(maxsize=256)
def inflation_factor(looks: int, alpha: float, power: float, spending: str) -> float:
    """Maximum information over fixed-sample information for equally spaced looks.

    The drift ``η`` at which the design has the requested power (crossing the
    upper boundary), squared, over ``(z_{1−α/2} + z_{power})²`` (Jennison &
    Turnbull 2000, §2.6 and §7.2).
    """
    fractions = tuple((k + 1) / looks for k in range(looks))
    bounds = spending_boundaries(fractions, alpha, spending)

    def shortfall(drift: float) -> float:
        uppers, _ = exit_probabilities(fractions, bounds, drift)
        return sum(uppers) - power

    fixed = float(special.ndtri(1 - alpha / 2) + special.ndtri(power))
    drift = float(optimize.brentq(shortfall, fixed * 0.9, fixed * 2.0, xtol=1e-8))
    return (drift / fixed) ** 2
