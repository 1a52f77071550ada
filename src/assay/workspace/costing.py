"""The cost-benefit of a prototype: stored or given inputs, and measured effects.

Inputs come from the prototype (``prototype.toml``'s ``[cost]`` table, or saved
with ``assay cost PROTOTYPE --save``), overlaid by what the caller gives; the price
of a compute hour falls back to ``[cost] usd_per_hour`` in ``assay.toml``, and
with ``requests_per_month`` but no time per request the baseline's measured time
per call is used. The effects are measured: the change of ``time`` (time per
request) and of ``memory.peak_rss``, each with its interval, from the runs that
judge the prototype (see :mod:`assay.workspace.evidence`).
"""

from __future__ import annotations

from typing import Any

from assay.errors import InputError
from assay.pipeline.cost import CostInputs, MeasuredEffects, cost_benefit
from assay.store.prototype_reads import PrototypeRecord
from assay.store.study import CostReport
from assay.workspace.evidence import RunEvidence
from assay.workspace.preregistration import check_cost_inputs

__all__ = ["cost_report", "merged_inputs"]

_REQUIRED = ("engineer_weeks", "cost_per_engineer_week")
_FLAGS = {"engineer_weeks": "--engineer-weeks", "cost_per_engineer_week": "--cost-per-week"}


def merged_inputs(record: PrototypeRecord, given: dict[str, Any]) -> dict[str, float]:
    """The prototype's stored cost inputs overlaid with the ``given`` ones (``None``
    values are not given), checked."""
    given = {k: v for k, v in given.items() if v is not None}
    check_cost_inputs(given)
    return {**(record.cost_inputs or {}), **given}


def cost_report(
    record: PrototypeRecord,
    given: dict[str, Any],
    evidence: RunEvidence,
    *,
    usd_per_hour: float | None,
) -> CostReport:
    """The cost report of the prototype ``record`` (see the module docstring)."""
    given = {k: v for k, v in given.items() if v is not None}
    explicit = merged_inputs(record, given)
    sources = {k: ("flag" if k in given else "prototype") for k in explicit}
    merged: dict[str, float] = dict(explicit)
    price = usd_per_hour
    if "price_per_compute_hour" not in merged and price is not None:
        merged["price_per_compute_hour"] = price
        sources["price_per_compute_hour"] = "settings"
    missing = [k for k in _REQUIRED if k not in merged]
    if missing:
        flags = " and ".join(_FLAGS[k] for k in missing)
        raise InputError(
            f"the cost of {record.name} needs {', '.join(missing)}: give {flags}, "
            "or store them on the prototype ([cost] in prototype.toml, or --save)"
        )
    notes: list[str] = []
    needs_time = "seconds_per_request" not in merged and "compute_hours_per_month" not in merged
    if merged.get("requests_per_month") and needs_time:
        base = evidence.statistic("baseline", "time")
        if base is not None:
            merged["seconds_per_request"] = base.value
            sources["seconds_per_request"] = "measured: " + evidence.sources["baseline time"]
            notes.append(
                f"time per request is the baseline's measured time per call, {base.value:.4g} s; "
                "give --seconds-per-request if a request is not one call"
            )
    effects = _effects(evidence, sources, notes)
    result = cost_benefit(CostInputs(**merged), effects)
    return CostReport(
        prototype=record.name,
        inputs=CostInputs(**merged),
        effects=effects,
        result=result,
        sources=dict(sorted(sources.items())),
        notes=tuple(notes),
    )


def _effects(evidence: RunEvidence, sources: dict[str, str], notes: list[str]) -> MeasuredEffects:
    """The measured changes of time per request and memory; their sources and notes
    are added to ``sources`` and ``notes``."""
    time = evidence.effect("time")
    memory = evidence.effect("memory.peak_rss")
    if time is not None:
        sources["effect time_per_request"] = evidence.sources["effect time"]
    else:
        notes.append("no measured change of time per request: nothing is saved on compute")
    if memory is not None:
        sources["effect memory"] = evidence.sources["effect memory.peak_rss"]
    return MeasuredEffects(
        time_per_request=None if time is None else time.relative,
        memory=None if memory is None else memory.relative,
    )
