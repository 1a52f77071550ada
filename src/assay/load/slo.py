"""The highest rate that meets "P99 <= X ms": bracket, bisect, confirm.

Each probe runs the open-loop client at one rate and counts the requests slower
than X (failed requests count as slower); :func:`assay.load.tail.decide` turns the
count into pass, fail or undecided. An undecided probe is rerun twice as long, up
to ``max_probe_s``; one still undecided counts as a failure, so the search errs
towards a lower rate, never a higher one.

1. Bracket: from ``start_rate``, double while probes pass (halve while they fail)
   until one passing rate and one failing rate are known, or ``max_rate`` passes.
2. Bisect between them until the gap is within ``precision`` of the passing rate.
3. Confirm: one longer run at the rate found. If it does not pass, step down 10 %
   and confirm again (at most three times), so the answer is a rate that passed the
   longest run, not one that passed a short probe by luck.

The probe function is given (a real load run in ``assay load slo``, any function of
rate and duration in tests), so the search itself does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assay.errors import InputError
from assay.load.tail import TailDecision, TailVerdict, decide

__all__ = ["Probe", "SearchResult", "search"]

# probe(rate, duration_s) -> (requests above the threshold or failed, requests in all)
ProbeFn = Callable[[float, float], tuple[int, int]]


@dataclass(frozen=True)
class Probe:
    rate: float
    duration_s: float
    phase: str  # bracket, bisect or confirm
    decision: TailDecision

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "duration_s": self.duration_s,
            "phase": self.phase,
            **self.decision.to_dict(),
        }


@dataclass
class SearchResult:
    rate: float | None  # None: not even the lowest rate tried met the SLO
    confirmed: bool
    capped: bool  # max_rate passed: the true limit is higher
    probes: list[Probe] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "confirmed": self.confirmed,
            "capped": self.capped,
            "probes": [p.to_dict() for p in self.probes],
        }


def search(
    probe: ProbeFn,
    *,
    start_rate: float,
    max_rate: float,
    min_rate: float = 1.0,
    probe_s: float = 5.0,
    max_probe_s: float = 20.0,
    confirm_s: float = 20.0,
    precision: float = 0.05,
    tail: float = 0.01,
    alpha: float = 0.05,
    max_probes: int = 30,
) -> SearchResult:
    """The highest rate whose probes pass; see the module docstring for the steps."""
    if not 0 < min_rate <= start_rate <= max_rate:
        raise InputError(
            f"expected 0 < --min-rate <= --start-rate <= --max-rate, got "
            f"{min_rate:g}, {start_rate:g}, {max_rate:g}"
        )
    if not 0 < precision < 1:
        raise InputError(f"--precision: expected a fraction between 0 and 1, got {precision:g}")
    result = SearchResult(rate=None, confirmed=False, capped=False)

    def passes(rate: float, phase: str, duration: float, longest: float) -> bool:
        while True:
            above, total = probe(rate, duration)
            decision = decide(above, total, tail=tail, alpha=alpha)
            result.probes.append(Probe(rate, duration, phase, decision))
            if decision.verdict is not TailVerdict.UNDECIDED:
                return decision.verdict is TailVerdict.PASS
            if duration * 2 > longest or len(result.probes) >= max_probes:
                return False  # still undecided: the conservative side
            duration *= 2

    lo: float | None = None
    hi: float | None = None
    rate = start_rate
    if passes(rate, "bracket", probe_s, max_probe_s):
        lo = rate
        while hi is None and len(result.probes) < max_probes:
            if rate >= max_rate:
                result.capped = True
                break
            rate = min(rate * 2, max_rate)
            if passes(rate, "bracket", probe_s, max_probe_s):
                lo = rate
            else:
                hi = rate
    else:
        hi = rate
        while lo is None and len(result.probes) < max_probes:
            rate = rate / 2
            if rate < min_rate:
                return result  # nothing down to min_rate meets the SLO
            if passes(rate, "bracket", probe_s, max_probe_s):
                lo = rate
            else:
                hi = rate
    if lo is None:
        return result
    while hi is not None and (hi - lo) > precision * lo and len(result.probes) < max_probes:
        mid = (lo + hi) / 2
        if passes(mid, "bisect", probe_s, max_probe_s):
            lo = mid
        else:
            hi = mid
    for _ in range(3):
        if passes(lo, "confirm", confirm_s, confirm_s):
            result.rate, result.confirmed = lo, True
            return result
        lo *= 0.9
        result.capped = False
        if lo < min_rate:
            break
    result.rate = None
    return result
