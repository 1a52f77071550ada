"""A claim's trial values, read from a benchmark run in the store.

A claim speaks in the paper's terms ("20x less memory at 4K tokens"); a run holds
one value per trial, metric, method and sweep point. :class:`FromRun` says how to
get from one to the other: which run metric, which method, compared with which
other method (by default the run's baseline), how (``as``), and at which sweep
point. Comparisons pair the two methods' trials by sweep point and seed, so each
pair gives one trial value:

=================  ===========================  ======================================
``as``             trial value                  for a claim such as
=================  ===========================  ======================================
``value``          method                       accuracy 0.912
``ratio``          method / against             throughput 2x (higher is better)
``times-smaller``  against / method             "3x faster", "20x less memory"
``reduction``      1 - method / against         "40% lower latency" (0.40)
``increase``       method / against - 1         "15% more throughput" (0.15)
=================  ===========================  ======================================
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from assay.errors import InputError
from assay.store import runs as run_rows

__all__ = ["TRANSFORMS", "FromRun", "values_from_run"]

TRANSFORMS = ("value", "ratio", "times-smaller", "reduction", "increase")


def _formula(how: str, method: str, against: str) -> str:
    return {
        "ratio": f"{method} ÷ {against}",
        "times-smaller": f"{against} ÷ {method}",
        "reduction": f"1 − {method} ÷ {against}",
        "increase": f"{method} ÷ {against} − 1",
    }[how]


@dataclasses.dataclass(frozen=True)
class FromRun:
    """How to read a claim's trial values from a run; ``None`` fields take defaults.

    ``metric`` defaults to the claim's metric name, ``method`` to the run's only
    candidate, ``against`` (for every ``as`` but ``value``) to the run's baseline.
    ``where`` picks a sweep point (``{"n": "4096"}``), required when the run has
    several.
    """

    metric: str | None = None
    method: str | None = None
    against: str | None = None
    as_: str = "value"
    where: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        named = (("--metric", self.metric), ("--method", self.method), ("--against", self.against))
        for option, value in named:
            if value is not None and not value.strip():
                raise InputError(f"{option} is empty; name one (see: assay bench show RUN_ID)")
        if self.as_ not in TRANSFORMS:
            raise InputError(f"--as {self.as_!r} is not one of {', '.join(TRANSFORMS)}")
        if self.as_ == "value" and self.against is not None:
            raise InputError(
                f"--against {self.against} compares two methods; say how with --as "
                "ratio, times-smaller, reduction or increase"
            )


def _point(params: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in dict(params).items()))


def _show(point: tuple[tuple[str, str], ...]) -> str:
    return ",".join(f"{k}={v}" for k, v in point) or "(no sweep)"


def _combine(how: str, method: float, against: float) -> float:
    if how == "ratio":
        return method / against
    if how == "times-smaller":
        return against / method
    if how == "reduction":
        return 1.0 - method / against
    return method / against - 1.0


def _defaults(spec: FromRun, header: Mapping[str, Any], claim_metric: str) -> FromRun:
    plan = header.get("spec", {})
    candidates = [str(c) for c in plan.get("candidates", [])]
    method = spec.method
    if method is None:
        if len(candidates) != 1:
            raise InputError(
                f"the run has {len(candidates)} candidates ({', '.join(candidates) or 'none'}); "
                "pick one with --method"
            )
        method = candidates[0]
    against = spec.against
    if against is None and spec.as_ != "value":
        against = plan.get("baseline")
        if not against:
            raise InputError("the run names no baseline; give --against METHOD")
    return dataclasses.replace(
        spec, metric=spec.metric or claim_metric, method=method, against=against
    )


def _pick_point(
    points: Sequence[tuple[tuple[str, str], ...]], where: Mapping[str, str], run_id: str
) -> tuple[tuple[str, str], ...]:
    wanted = {str(k): str(v) for k, v in where.items()}
    found = [p for p in points if wanted.items() <= dict(p).items()]
    if len(found) == 1:
        return found[0]
    listed = "; ".join(_show(p) for p in points)
    if not found:
        raise InputError(
            f"run {run_id} has no sweep point {_show(tuple(wanted.items()))}; it has {listed}"
        )
    raise InputError(
        f"run {run_id} measured several sweep points ({listed}); pick one with --where"
    )


def values_from_run(
    session: Session, run_id: str, claim_metric: str, spec: FromRun
) -> tuple[list[float], str]:
    """The claim's trial values from run ``run_id``, and a line saying how they were read."""
    info = run_rows.get_run(session, run_id)
    spec = _defaults(spec, info.header, claim_metric)
    assert spec.metric is not None
    assert spec.method is not None
    trials = [t for t in run_rows.load_trials(session, run_id) if t.ok]
    by_point: dict[tuple[tuple[str, str], ...], dict[int, dict[str, float]]] = {}
    metrics: set[str] = set()
    for t in trials:
        metrics.update(t.values)
        if spec.metric in t.values:
            seeds = by_point.setdefault(_point(t.key.params), {})
            seeds.setdefault(t.key.seed, {})[t.key.method] = t.values[spec.metric]
    if not by_point:
        raise InputError(
            f"run {run_id} has no metric {spec.metric!r}; it measured "
            f"{', '.join(sorted(metrics))} (pick one with --metric)"
        )
    point = _pick_point(sorted(by_point), spec.where, run_id)
    values = []
    for methods in by_point[point].values():
        if spec.method not in methods or (spec.against and spec.against not in methods):
            continue
        x = methods[spec.method]
        value = x if spec.against is None else _combine(spec.as_, x, methods[spec.against])
        if not math.isfinite(value):
            raise InputError(f"run {run_id}: a trial gives {value} for {spec.metric}; not finite")
        values.append(value)
    if not values:
        who = spec.method + (f" and {spec.against}" if spec.against else "")
        raise InputError(f"run {run_id} has no successful trial of {who} at {_show(point)}")
    how = f"{spec.metric} of {spec.method}"
    if spec.against is not None:
        how = f"{spec.metric}, {_formula(spec.as_, spec.method, spec.against)}"
    pairs = "paired trials" if spec.against else "trials"
    return values, f"{how} at {_show(point)}, {len(values)} {pairs}"
