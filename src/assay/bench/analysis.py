"""Turning a run's trials into comparisons, summaries, sweeps and ablations.

:func:`analyse` needs only the run's header and trials (no benchmark module), so
a stored run can be re-analysed at any time.

**Comparisons.** For every candidate, metric and sweep point, the baseline's and
the candidate's trial values go to :func:`assay.stats.compare`:

- trials are **paired by seed** (same block, same input): the pairs where both
  trials succeeded are compared with a paired test; with fewer than two such
  pairs the arms are compared unpaired;
- a metric that returns **per-example** values is paired by (seed, example);
- ``time`` is the trial's median per-call time, compared as a ratio on the log
  scale (the statistics engine's default for positive values), lower is better,
  with the run's ``time_margin``; memory peaks with ``memory_margin``; quality
  metrics with their declared direction and margin;
- throughput and cost follow from time and are not compared again.

A candidate slower than the baseline at every sweep point and better on nothing
is flagged as a **weak baseline** in the warnings (:mod:`assay.bench.baselines`).

In an until-decided run the primary comparisons report their sequential
design's verdict and repeated interval instead (:mod:`assay.bench.stopping`).

Every other p-value of the run is then adjusted with Benjamini-Hochberg
(:func:`assay.stats.adjust_pvalues`) across candidates, metrics and sweep
points, and a BETTER/WORSE verdict whose adjusted p-value does not pass at the
run's level becomes INCONCLUSIVE, with a warning saying why.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from typing import Any

import numpy as np

from assay.bench.ablation import ablation_rows
from assay.bench.arms import (
    Grouped,
    MetricInfo,
    compare_arms,
    group_trials,
    has_metric,
    metric_infos,
    paired_arms,
)
from assay.bench.baselines import weak_baselines
from assay.bench.header import RunHeader
from assay.bench.registry import Params
from assay.bench.result import BenchmarkResult, ComparisonRow, MethodSummary
from assay.bench.stopping import StoppingRule
from assay.bench.sweep import crossovers, scaling_fits
from assay.bench.trial import TrialResult, sample_summary
from assay.stats.multiplicity import adjust_pvalues
from assay.stats.verdict import Verdict

__all__ = ["MetricInfo", "analyse", "compare_arms", "group_trials", "metric_infos", "paired_arms"]


def _adjust(rows: list[ComparisonRow], confidence: float) -> list[ComparisonRow]:
    """Benjamini-Hochberg across the run; downgrade verdicts that do not survive."""
    indices = [i for i, r in enumerate(rows) if r.p_value is not None]
    if not indices:
        return rows
    adjusted = adjust_pvalues([rows[i].p_value for i in indices], method="bh")
    out = list(rows)
    alpha = 1.0 - confidence
    for i, p in zip(indices, adjusted, strict=True):
        row = dataclasses.replace(rows[i], p_adjusted=float(p))
        if len(indices) > 1 and row.verdict in (Verdict.BETTER, Verdict.WORSE) and p > alpha:
            row = dataclasses.replace(
                row,
                verdict=Verdict.INCONCLUSIVE,
                warnings=(
                    *row.warnings,
                    f"{row.verdict_label} on its own (p = {row.p_value:.3g}) but not after "
                    f"false-discovery control across {len(indices)} comparisons "
                    f"(adjusted p = {p:.3g}); run more trials or compare fewer things",
                ),
            )
        out[i] = row
    return out


def comparisons(
    header: RunHeader, grouped: Grouped, sequential: dict[Any, Any] | None = None
) -> list[ComparisonRow]:
    """Every candidate × metric × sweep point, adjusted (module docstring).

    ``sequential`` maps (candidate, metric, params) to the outcome of that
    comparison's sequential design; those rows report it instead of a
    fixed-sample test (see :mod:`assay.bench.stopping`).
    """
    baseline = header.spec["baseline"]
    confidence = float(header.options.get("confidence", 0.95))
    pairing = header.options.get("pairing") != "none"
    rows = []
    for params, methods in grouped.items():
        base = methods.get(baseline, {})
        for candidate in header.spec["candidates"]:
            cand = methods.get(candidate, {})
            for info in metric_infos(header):
                if not any(has_metric(t, info.name) for t in (*base.values(), *cand.values())):
                    continue
                b, c, paired = paired_arms(base, cand, info.name, pairing=pairing)
                row = compare_arms(
                    b, c, info=info, paired=paired, confidence=confidence,
                    name=candidate, params=params,
                )  # fmt: skip
                outcome = (sequential or {}).get((candidate, info.name, params))
                rows.append(row if outcome is None else _sequential_row(row, outcome))
    return _adjust(rows, confidence)


SEQUENTIAL_TEST = "group-sequential t (O'Brien-Fleming spending), repeated interval"


def _sequential_row(row: ComparisonRow, outcome: Any) -> ComparisonRow:
    """A primary row of an until-decided run: the sequential design's verdict."""
    notes = [f"sequential design: {outcome.reason}"]
    if outcome.verdict is None:
        notes.append(
            "the sequential design had not decided when the run stopped; a fixed-sample "
            "test after repeated looks would overstate the evidence, so this stays inconclusive"
        )
    return dataclasses.replace(
        row,
        verdict=outcome.verdict or Verdict.INCONCLUSIVE,
        effect=outcome.effect if outcome.effect is not None else row.effect,
        ci=outcome.ci,
        p_value=None,
        p_adjusted=None,
        test=SEQUENTIAL_TEST,
        needed_trials=None,
        warnings=(*notes, *row.warnings),
    )


def compared_location(values: np.ndarray[Any, Any]) -> float:
    """The location of one arm that its comparisons compare: the geometric mean of
    the trial values when every one is positive (the log-scale test's ratio is the
    ratio of these), else their mean (the raw-scale test's)."""
    if values.size and bool(np.all(values > 0)):
        return float(np.exp(np.mean(np.log(values))))
    return float(np.mean(values)) if values.size else float("nan")


def _summary(method: str, role: str, params: Params, trials: list[TrialResult]) -> MethodSummary:
    ok = [t for t in trials if t.ok]
    metrics: dict[str, dict[str, float]] = {}
    for name in sorted({k for t in ok for k in t.values}):
        values = np.array([t.values[name] for t in ok if name in t.values])
        metrics[name] = {
            "n": float(values.size),
            "median": float(np.median(values)),
            "mean": float(np.mean(values)),
            "compared": compared_location(values),
        }
    pooled = [t.samples["time"] for t in ok if "time" in t.samples]
    if pooled:
        stats = sample_summary(np.concatenate(pooled))
        metrics.setdefault("time", {}).update(
            {f"per_call_{k}": v for k, v in stats.items() if k.startswith("p")}
        )
    return MethodSummary(method, role, params, len(trials), len(trials) - len(ok), metrics)


def summaries(header: RunHeader, grouped: Grouped) -> list[MethodSummary]:
    """One summary per method and sweep point (an imported suite's benchmarks, which
    have no baseline, with the role ``benchmark``)."""
    roles = {} if header.spec["baseline"] is None else {header.spec["baseline"]: "baseline"}
    roles.update({c: "candidate" for c in header.spec["candidates"]})
    roles.update({b: "benchmark" for b in header.spec.get("benchmarks", [])})
    out = []
    for params, methods in grouped.items():
        for method, role in roles.items():
            out.append(_summary(method, role, params, list(methods.get(method, {}).values())))
    return out


def _trial_warnings(trials: list[TrialResult]) -> list[str]:
    """Trial warnings per method, alike ones (differing only in numbers) counted once."""
    found: dict[tuple[str, str], list[str]] = {}
    totals: dict[str, int] = defaultdict(int)
    for trial in trials:
        totals[trial.key.method] += 1
        for text in trial.details.get("warnings", []):
            shape = re.sub(r"\d+(\.\d+)?", "#", text)
            found.setdefault((trial.key.method, shape), []).append(text)
    out = []
    for (method, _), texts in found.items():
        count = f" (in {len(texts)} of {totals[method]} trials)" if len(texts) > 1 else ""
        out.append(f"{method}: {texts[0]}{count}")
    return out


def _hardware_warning(header: RunHeader, trials: list[TrialResult]) -> list[str]:
    """A sentence when the trials ran on nodes of different hardware (a Ray run with
    ``allow_mixed_hardware``; :mod:`assay.bench.cluster` refuses it otherwise)."""
    counts: dict[str, int] = {}
    for trial in trials:
        node = trial.details.get("node")
        if isinstance(node, dict) and node.get("hardware"):
            counts[str(node["hardware"])] = counts.get(str(node["hardware"]), 0) + 1
    if len(counts) < 2:
        return []
    allowed = " (allowed with --allow-mixed-hardware)"
    kinds = "; ".join(f"{label}: {n} trials" for label, n in counts.items())
    return [
        f"trials ran on {len(counts)} kinds of hardware"
        + (allowed if header.options.get("allow_mixed_hardware") else "")
        + f" and are compared together: {kinds}"
    ]


def _warnings(header: RunHeader, trials: list[TrialResult]) -> list[str]:
    warnings = list(header.warnings) + _trial_warnings(trials) + _hardware_warning(header, trials)
    rates = BenchmarkResult(header, trials).failure_rates()
    for method, rate in sorted(rates.items()):
        if rate > 0:
            warnings.append(
                f"{method} failed {rate:.1%} of its trials; a method that fails matters more "
                "than one that is a little faster (see the failures for reasons)"
            )
    return warnings


def analyse(
    header: RunHeader,
    trials: list[TrialResult],
    *,
    stopped: str = "",
    sequential: dict[Any, Any] | None = None,
) -> BenchmarkResult:
    """The full result of a run from its header and trials (module docstring).

    For an until-decided run the sequential designs' looks are replayed over
    the trials (a fraction of a second per planned analysis and comparison)
    unless the runner passes the outcomes it already has as ``sequential``.
    """
    ordered = sorted(trials, key=lambda t: (t.block, t.position))
    grouped = group_trials(ordered)
    if sequential is None and header.options.get("until_decided"):
        sequential = StoppingRule.replay(header, ordered)
    rows = comparisons(header, grouped, sequential)
    return BenchmarkResult(
        header=header,
        trials=ordered,
        comparisons=rows,
        summaries=summaries(header, grouped),
        scaling=scaling_fits(header, ordered),
        crossovers=crossovers(header, rows),
        ablation=ablation_rows(header, grouped),
        stopped=stopped,
        warnings=_warnings(header, ordered) + weak_baselines(header, rows),
    )
