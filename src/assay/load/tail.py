"""Deciding "P99 <= X" from one probe: an exact binomial bound on the tail.

"P99 <= X ms" is the statement that at most 1 % of requests take longer than X. A
probe of ``n`` requests of which ``k`` took longer than X estimates that fraction
``p`` as ``k / n``; Clopper and Pearson's (1934) exact interval bounds it without any
approximation (the beta quantiles of the binomial, so it holds for k = 0 and for
small n, where the normal approximation fails). The decision is three-valued:

- **pass** when the upper one-sided bound on ``p`` is below 1 %: with the stated
  confidence the tail is lighter than the SLO allows;
- **fail** when the lower one-sided bound is above 1 %: the tail is heavier;
- **undecided** otherwise: the probe was too short to tell (the caller lengthens
  it, and counts a probe still undecided at the longest length as a failure, the
  conservative side for "the highest rate that meets the SLO").

Each bound is one-sided at level ``alpha``, so at most one of pass/fail can hold.
The bound treats requests as independent trials. Latencies under load are not
independent (a stall delays every request that arrives during it), so the binomial
interval is too narrow when exceedances come in bursts; the search therefore asks
for a pass at the confirmation run as well, and docs/load.md says to read the
figure as a screening result, not a guarantee.

How many requests a pass needs: with k = 0 the upper bound is ``1 - alpha**(1/n)``,
below 1 % from n = 299 at alpha = 0.05; with 0.5 % of requests above X it takes a
few thousand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from assay.errors import InputError

__all__ = ["TailDecision", "TailVerdict", "clopper_pearson", "decide"]


class TailVerdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class TailDecision:
    """The verdict on one probe, with the numbers it rests on."""

    verdict: TailVerdict
    above: int
    total: int
    lower: float
    upper: float
    tail: float
    alpha: float

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict.value,
            "above": self.above,
            "total": self.total,
            "fraction_above": self.above / self.total if self.total else None,
            "lower": self.lower,
            "upper": self.upper,
            "tail": self.tail,
            "alpha": self.alpha,
        }


def clopper_pearson(k: int, n: int, alpha: float) -> tuple[float, float]:
    """One-sided Clopper-Pearson bounds at level ``alpha`` each: the lower bound on
    ``p`` (0 when k = 0) and the upper bound (1 when k = n) from k successes in n."""
    from scipy.stats import beta

    if n < 1 or not 0 <= k <= n:
        raise InputError(f"expected 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha: expected a level between 0 and 1, got {alpha}")
    lower = 0.0 if k == 0 else float(beta.ppf(alpha, k, n - k + 1))
    upper = 1.0 if k == n else float(beta.ppf(1 - alpha, k + 1, n - k))
    return lower, upper


def decide(above: int, total: int, *, tail: float = 0.01, alpha: float = 0.05) -> TailDecision:
    """Whether at most ``tail`` of requests exceed the threshold, from ``above`` of
    ``total`` that did: pass, fail or undecided as the module docstring says. A probe
    with no requests is undecided."""
    if not 0 < tail < 1 or not math.isfinite(tail):
        raise InputError(f"tail: expected a fraction between 0 and 1, got {tail}")
    if total == 0:
        return TailDecision(TailVerdict.UNDECIDED, 0, 0, 0.0, 1.0, tail, alpha)
    lower, upper = clopper_pearson(above, total, alpha)
    if upper < tail:
        verdict = TailVerdict.PASS
    elif lower > tail:
        verdict = TailVerdict.FAIL
    else:
        verdict = TailVerdict.UNDECIDED
    return TailDecision(verdict, above, total, lower, upper, tail, alpha)
