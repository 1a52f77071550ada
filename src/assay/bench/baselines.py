"""Weak baselines: a method that another one beats at every point, on nothing better.

The choice of baseline decides the headline. A paper that measures its
technique against naive attention (the score matrix materialised) reports a
speed-up that disappears against a fused library kernel: the seed's Linformer
case. When a run holds both, assay can see it: a **weak baseline** is a
candidate that

- is slower than the run's baseline (verdict WORSE on ``time``) at **every**
  sweep point, with at least two points (one point is a comparison, not a
  pattern across scale), and
- is better than the baseline on **nothing** (no BETTER verdict on any metric at
  any point): a method that trades time for memory or accuracy is a trade-off,
  not a weak baseline;
- and the run has **another candidate**: with a single candidate there is no other
  technique that could be measured against it, and a technique that is slower
  everywhere is simply WORSE, which its verdicts say.

Any candidate measured against such a method would look faster than it is
against the run's baseline, by the range of ratios the warning states. The
check runs on the run's comparison rows, after false-discovery control, so a
noisy point that is not decided keeps the flag off: it is raised only where the
evidence holds at every point.
"""

from __future__ import annotations

from collections import defaultdict

from assay.bench.header import RunHeader
from assay.bench.result import ComparisonRow
from assay.stats.verdict import Verdict

__all__ = ["WEAK_BASELINE", "weak_baselines"]

WEAK_BASELINE = "WEAK BASELINE"
"""How every warning of this check begins, for people and for ``--json`` readers."""

MIN_POINTS = 2
"""Sweep points a method must lose at before it is called weak."""


def weak_baselines(header: RunHeader, rows: list[ComparisonRow]) -> list[str]:
    """One warning per candidate that is a weak baseline (module docstring)."""
    baseline = str(header.spec.get("baseline"))
    by_candidate: dict[str, list[ComparisonRow]] = defaultdict(list)
    for row in rows:
        by_candidate[row.candidate].append(row)
    out: list[str] = []
    if len(by_candidate) < 2:  # the module docstring: nothing else to measure against it
        return out
    for candidate, mine in sorted(by_candidate.items()):
        times = [r for r in mine if r.metric == "time"]
        if len({r.params for r in times}) < MIN_POINTS:
            continue
        if any(r.verdict is not Verdict.WORSE or r.effect is None for r in times):
            continue
        if any(r.verdict is Verdict.BETTER for r in mine):
            continue
        ratios = sorted(1 + r.effect for r in times if r.effect is not None)
        low, high = f"{ratios[0]:.2g}×", f"{ratios[-1]:.2g}×"
        spread = low if low == high else f"{low}–{high}"
        out.append(
            f"{WEAK_BASELINE}: {candidate} is slower than {baseline} at every one of its "
            f"{len(times)} points ({spread} the time) and better on nothing; a technique "
            f"measured against {candidate} would look {spread} faster than it is against "
            f"{baseline}. Compare against {baseline}."
        )
    return out
