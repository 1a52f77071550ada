"""Ablations: what each component of a candidate contributes.

A candidate declared with ``components=("tiling", "fusion")`` runs as its full
self and as variants with components off (see :mod:`assay.bench.registry`). A
component's **contribution** is the full method compared against the variant
with only that component off, paired by seed, with the same statistics as every
other comparison (:func:`assay.bench.analysis.compare_arms`): the relative change
that turning the component on makes, with its interval and verdict. For time,
a contribution of -0.20 means the component makes the method 20% faster.
"""

from __future__ import annotations

from typing import Any

from assay.bench.result import AblationRow
from assay.bench.sink import RunHeader

__all__ = ["ablation_rows"]


def _leave_one_out(variants: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """family -> component -> name of the variant with only that component off."""
    out: dict[str, dict[str, str]] = {}
    for name, info in variants.items():
        toggles: dict[str, bool] = info["toggles"]
        off = [c for c, on in toggles.items() if not on]
        if len(off) == 1:
            out.setdefault(info["family"], {})[off[0]] = name
    return out


def ablation_rows(header: RunHeader, grouped: Any) -> list[AblationRow]:
    """Each component's contribution per metric and sweep point (module docstring)."""
    from assay.bench.analysis import compare_arms, metric_infos, paired_arms

    variants: dict[str, dict[str, Any]] = header.spec.get("variants", {})
    if not variants:
        return []
    confidence = float(header.options.get("confidence", 0.95))
    infos = [i for i in metric_infos(header) if i.name == "time" or i.name not in _BUILTINS]
    rows = []
    for family, components in sorted(_leave_one_out(variants).items()):
        for component, without in sorted(components.items()):
            for params, methods in grouped.items():
                full, reduced = methods.get(family, {}), methods.get(without, {})
                for info in infos:
                    b, c, paired = paired_arms(reduced, full, info.name)
                    row = compare_arms(
                        b, c, info=info, paired=paired, confidence=confidence,
                        name=family, params=params,
                    )  # fmt: skip
                    if row.n_baseline == 0 and row.n_candidate == 0:
                        continue
                    rows.append(
                        AblationRow(
                            family,
                            component,
                            info.name,
                            params,
                            row.effect,
                            row.ci,
                            row.verdict,
                            "leave-one-out (full vs without the component)",
                        )
                    )
    return rows


_BUILTINS = ("time", "throughput", "peak_rss", "peak_heap", "peak_cuda", "cost")
