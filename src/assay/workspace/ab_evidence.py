"""What a stored A/B analysis (a run of kind "ab") adds to the evidence of a prototype.

An A/B run has no trials: its comparison rows (one per metric, the relative lift
with its interval) are its evidence, read as they are stored. Two things the rows
do not hold are read from the run's A/B document (``spec["ab"]``, see
:mod:`assay.workspace.ab`):

- the absolute difference of a metric, treatment minus control, with its interval
  (for margins such as ``not_worse(conversion, margin=0.5pt)``);
- that the run's treatment arm stands for the prototype's candidate whatever the
  arm is called, at no sweep point.

Plain dictionaries only: a gate review reads this without NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from assay.criteria import MetricEstimate

__all__ = ["is_ab", "stored_difference"]


def is_ab(spec: Mapping[str, Any]) -> bool:
    """Whether a run's spec is an A/B analysis (one treatment arm against the control)."""
    return spec.get("kind") == "ab" and len(spec.get("candidates", ())) == 1


def stored_difference(spec: Mapping[str, Any], metric: str | None) -> MetricEstimate | None:
    """The difference of ``metric`` (treatment − control, in the metric's unit; for a
    proportion, in shares: 0.004 is +0.4 pt) with its interval, from the A/B document;
    ``None`` when the run is not an A/B analysis or reports no effect for it."""
    document = spec.get("ab") if is_ab(spec) else None
    if metric is None or not isinstance(document, Mapping):
        return None
    for found in document.get("metrics", ()):
        if found.get("metric") != metric or not found.get("effect"):
            continue
        effect = found["effect"]
        sequential = found.get("sequential")
        value = effect["difference"]["estimate"]
        low, high = (sequential or effect["difference"])["ci"]
        n = min(int(effect["n_baseline"]), int(effect["n_candidate"]))
        return MetricEstimate(
            float(value),
            -math.inf if low is None else float(low),
            math.inf if high is None else float(high),
            None,
            float(effect["confidence"]),
            n,
        )
    return None
