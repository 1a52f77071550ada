"""When an adaptive run may stop: every primary comparison decided, or precise.

The runner asks :meth:`StoppingRule.decided` after every block. A comparison is
*primary* when its metric is (``time`` and metrics declared ``primary=True``,
or the run's ``primary`` option), for every candidate and sweep point.

Looking at the data after every block and stopping at the first clear verdict
inflates the false-verdict rate (a t-test after every trial: 28% instead of 5%),
so each look must spend only part of the error rate. The rule here spends it
evenly over the most looks the run can take (Bonferroni across looks): the
comparison at a look uses confidence ``1 - (1 - confidence) / looks_max``,
which keeps the chance of any false verdict over the whole run under
``1 - confidence`` whatever the dependence between looks. It is conservative;
the statistics engine's group-sequential design replaces it where available
where available.

With ``precision``, the run stops instead once every primary interval, at the
run's own confidence, is narrow enough (:meth:`StoppingRule.precise`): a rule
on the width of the interval, not on where it lies.
"""

from __future__ import annotations

from typing import Any

from assay.bench.analysis import compare_arms, group_trials, metric_infos, paired_arms
from assay.bench.result import ComparisonRow
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult

__all__ = ["StoppingRule"]


class StoppingRule:
    """Decides whether an until-decided run can stop; see the module docstring."""

    def __init__(self, header: RunHeader) -> None:
        self.header = header
        options = header.options
        self.confidence = float(options.get("confidence", 0.95))
        points = max(1, _count_points(header))
        self.looks_max = max(1, int(options.get("max_trials", 200)) * points)
        self.primary = [i for i in metric_infos(header) if i.primary]
        self.looks = 0

    def look_confidence(self) -> float:
        """The confidence each look uses so that all looks together keep the run's."""
        return 1.0 - (1.0 - self.confidence) / self.looks_max

    def _rows(self, trials: list[TrialResult], confidence: float) -> list[ComparisonRow]:
        grouped = group_trials(trials)
        baseline = self.header.spec["baseline"]
        rows = []
        for params, methods in grouped.items():
            for candidate in self.header.spec["candidates"]:
                for info in self.primary:
                    b, c, paired = paired_arms(
                        methods.get(baseline, {}), methods.get(candidate, {}), info.name
                    )
                    rows.append(
                        compare_arms(
                            b,
                            c,
                            info=info,
                            paired=paired,
                            confidence=confidence,
                            name=candidate,
                            params=params,
                        )
                    )
        return rows

    def decided(self, trials: list[TrialResult]) -> bool:
        """True when every primary comparison has a BETTER, WORSE or EQUIVALENT verdict."""
        self.looks += 1
        rows = self._rows(trials, self.look_confidence())
        return all(row.verdict in ("better", "worse", "equivalent") for row in rows)

    def precise(self, trials: list[TrialResult], precision: float) -> bool:
        """True when every primary interval (at the run's confidence) is within ± precision.

        The half-width is measured on the ratio scale: ``(1 + high) / (1 + low)``
        must not exceed ``(1 + precision) / (1 - precision)``, which for small
        values is an interval of about ± precision around the estimate.
        """
        limit = (1 + precision) / (1 - precision)
        for row in self._rows(trials, self.confidence):
            if row.ci is None:
                return False
            low, high = row.ci
            if not (low > -1 and (1 + high) / (1 + low) <= limit):
                return False
        return True


def _count_points(header: RunHeader) -> int:
    params: dict[str, Any] = header.spec.get("workload", {}).get("params", {})
    count = 1
    for values in params.values():
        count *= len(values)
    return count
