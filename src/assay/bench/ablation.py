"""Ablations: what each component of a candidate contributes.

A candidate declared with ``components=("tiling", "fusion")`` runs as its full
self and as variants with components off (see :mod:`assay.bench.registry`):
leave-one-out by default, every combination with ``ablation="factorial"``.
Per metric and sweep point, the trials of every configuration on the seeds
they all share go to :func:`assay.stats.ablation` (paired by seed), which
gives each component's **leave-one-out** contribution (full minus full without
it) and, for a factorial design, its **Shapley** value, each with a
t-interval. Positive metrics (times, memory, most quality scores) are analysed
on the log scale, so a contribution is a relative change: for time, -0.20
means turning the component on makes the method 20% faster. Metrics that can
be zero or negative are analysed in their own units.

A contribution's verdict is BETTER or WORSE when its interval excludes zero
(in the metric's good or bad direction), INCONCLUSIVE otherwise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from assay.bench.arms import Grouped, MetricInfo, metric_infos
from assay.bench.header import RunHeader
from assay.bench.registry import Params
from assay.bench.result import AblationRow
from assay.bench.spec import BUILTIN_METRICS
from assay.bench.trial import TrialResult
from assay.errors import AssayError
from assay.stats.verdict import Verdict

__all__ = ["ablation_rows"]

Configs = dict[frozenset[str], str]


def _families(variants: dict[str, dict[str, Any]]) -> dict[str, Configs]:
    """family -> configuration (components on) -> method name."""
    out: dict[str, Configs] = {}
    for name, info in variants.items():
        toggles: dict[str, bool] = info["toggles"]
        config = frozenset(c for c, on in toggles.items() if on)
        out.setdefault(info["family"], {})[config] = name
    return out


def _verdict(low: float, high: float, info: MetricInfo) -> Verdict:
    if low > 0 or high < 0:
        raises = low > 0
        return Verdict.WORSE if raises == info.lower_is_better else Verdict.BETTER
    return Verdict.INCONCLUSIVE


def _values(
    configs: Configs, methods: dict[str, dict[int, TrialResult]], metric: str
) -> dict[frozenset[str], list[float]] | None:
    def usable(trial: TrialResult | None) -> bool:
        return trial is not None and trial.ok and metric in trial.values

    seeds = sorted(
        set.intersection(*(set(methods.get(name, {})) for name in configs.values()))
        if configs
        else set()
    )
    seeds = [s for s in seeds if all(usable(methods[n].get(s)) for n in configs.values())]
    if len(seeds) < 2:
        return None
    return {
        config: [methods[name][s].values[metric] for s in seeds] for config, name in configs.items()
    }


def _rows_for(
    family: str, configs: Configs, params: Params, info: MetricInfo, data: dict[Any, list[float]],
    confidence: float,
) -> list[AblationRow]:  # fmt: skip
    from assay.stats import ablation  # SciPy loads on first use (start-up speed)

    log = all(v > 0 for values in data.values() for v in values)
    results = {c: np.log(v) if log else np.asarray(v) for c, v in data.items()}
    components = sorted(set().union(*configs))
    try:
        found = ablation(results, components=components, paired=True, confidence=confidence)
    except AssayError:
        return []
    rows = []
    for part in (*found.leave_one_out, *found.shapley):
        change = math.expm1 if log else float
        low, high = change(part.low), change(part.high)
        scale = "relative change (log scale)" if log else "difference"
        row = AblationRow(
            family=family,
            component=part.component,
            metric=info.name,
            params=params,
            contribution=change(part.estimate),
            ci=(low, high),
            verdict=_verdict(low, high, info),
            method=f"{part.method}, {scale}",
        )
        rows.append(row)
    return rows


def ablation_rows(header: RunHeader, grouped: Grouped) -> list[AblationRow]:
    """Each component's contribution per metric and sweep point (module docstring)."""
    variants: dict[str, dict[str, Any]] = header.spec.get("variants", {})
    if not variants:
        return []
    confidence = float(header.options.get("confidence", 0.95))
    infos = [i for i in metric_infos(header) if i.name == "time" or i.name not in BUILTIN_METRICS]
    rows: list[AblationRow] = []
    for family, configs in sorted(_families(variants).items()):
        for params, methods in grouped.items():
            for info in infos:
                data = _values(configs, methods, info.name)
                if data is not None:
                    rows += _rows_for(family, configs, params, info, data, confidence)
    return rows
