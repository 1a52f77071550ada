"""Evidence from elsewhere: another tool's benchmark suite as an assay run.

:func:`suite_run` turns a suite read by :func:`assay.formats.suites.read_suite`
(pyperf, pytest-benchmark, asv, Google Benchmark, hyperfine) into an
:class:`ImportedRun` — a :class:`RunHeader` and :class:`TrialResult` list, exactly
what a sink stores — keeping every raw value and the tool's metadata (in the
header's environment and each trial's details). It takes any object shaped like a
suite (:class:`SuiteLike`), so this execution layer needs no file format.

**Trials.** Each of a benchmark's groups — the tool's independent repetitions (a
pyperf worker process, a Google Benchmark repetition, a hyperfine run) — becomes a
trial (``seed`` = the group's index), its values the per-call samples and their
median the trial's value. Unit ``second`` maps to the metric ``time``, ``byte``
to ``peak_rss``; any other unit is the metric's name. Imported trials are never
paired (the tools did not interleave or share seeds).

**Separate benchmarks** (the default): a suite's benchmarks are different pieces
of code, not competitors. The header's spec has ``kind: "suite"``, the names under
``benchmarks``, no baseline and no candidates, so :func:`analyse_imported` gives
no comparison and no verdict: it summarises each benchmark on its own, with the
geometric mean of its trial values and that mean's 95% Student-t interval on the
log scale (the arithmetic mean's when a value is not positive), and how many
values it holds. One trial gives no interval; the header warns which benchmarks.

**Competitors** (``baseline=NAME``): as a study, the named benchmark the
baseline and every other one a candidate, compared unpaired
(``options["pairing"] == "none"``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assay.bench.analysis import analyse
from assay.bench.header import RunHeader
from assay.bench.plan import TrialKey
from assay.bench.result import BenchmarkResult, MethodSummary
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import InputError
from assay.stats.intervals import mean_interval

__all__ = ["ImportedRun", "SuiteLike", "analyse_imported", "metric_of", "suite_run"]

_UNITS = {"second": "time", "byte": "peak_rss"}


class BenchmarkLike(Protocol):
    """What :func:`suite_run` reads of a benchmark (``formats.suites.SuiteBenchmark``)."""

    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def groups(self) -> tuple[tuple[float, ...], ...]: ...
    @property
    def meta(self) -> dict[str, Any]: ...


class SuiteLike(Protocol):
    """What :func:`suite_run` reads of a suite (``formats.suites.Suite``)."""

    @property
    def source(self) -> str: ...
    @property
    def tool(self) -> str: ...
    @property
    def benchmarks(self) -> Sequence[BenchmarkLike]: ...
    @property
    def meta(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ImportedRun:
    """A run read from another tool's file: what a sink stores."""

    header: RunHeader
    trials: list[TrialResult]

    @property
    def is_suite(self) -> bool:
        """True when the benchmarks are kept apart (no baseline; see the module)."""
        return self.header.spec.get("kind") == "suite"


def metric_of(unit: str) -> str:
    """The assay metric a tool's unit measures: ``time``, ``peak_rss`` or the unit."""
    return _UNITS.get(unit, unit)


def _trial(
    method: str, seed: int, metric: str, values: tuple[float, ...], position: int,
    details: dict[str, Any],
) -> TrialResult:  # fmt: skip
    samples = np.asarray(values, dtype=np.float64)
    return TrialResult(
        key=TrialKey(method, (), seed),
        status=TrialStatus.OK,
        block=seed,
        position=position,
        values={metric: float(np.median(samples))},
        samples={metric: samples},
        details=details,
    )


def _trials(suite: SuiteLike) -> list[TrialResult]:
    trials = []
    for position, bench in enumerate(suite.benchmarks):
        shared = {k: v for k, v in bench.meta.items() if k != "group_details"}
        per_group = bench.meta.get("group_details") or []
        for seed, group in enumerate(bench.groups):
            own = per_group[seed] if seed < len(per_group) else {}
            details = {**shared, **own}
            trials.append(_trial(bench.name, seed, metric_of(bench.unit), group, position, details))
    return trials


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def _warnings(suite: SuiteLike, competing: bool) -> list[str]:
    """What the user should know about the evidence these files can give."""
    out = []
    single = [b.name for b in suite.benchmarks if len(b.groups) == 1]
    if competing and suite.tool == "pytest-benchmark":
        out.append(
            "pytest-benchmark ran each benchmark once, in one process: one trial per method "
            "cannot give a verdict; measure with assay bench run for trials"
        )
    elif competing and single:
        out.append(
            f"{len(single)} benchmark(s) hold one group of values ({_names(single)}): "
            "one trial per method cannot give a verdict"
        )
    elif single:
        out.append(
            f"{len(single)} of {len(suite.benchmarks)} benchmarks hold one group of values, "
            f"measured in one process or repetition ({_names(single)}): no interval for them; "
            "repeat them (pyperf workers, --benchmark_repetitions, hyperfine --runs) for one"
        )
    empty = [b.name for b in suite.benchmarks if not b.groups]
    if empty:
        out.append(f"{len(empty)} benchmark(s) hold no values ({_names(empty)})")
    summarised = [b.name for b in suite.benchmarks if b.meta.get("summarised")]
    if summarised and suite.tool == "pytest-benchmark":
        out.append(
            f"{len(summarised)} benchmark(s) carry no raw data (only the median); save "
            "raw values with pytest --benchmark-save-data"
        )
    elif summarised:
        out.append(
            f"{len(summarised)} benchmark(s) carry {suite.tool}'s summary value alone, not "
            "its samples (asv: record them with asv run --record-samples)"
        )
    for key, what in (
        ("not_measured", "failed or were skipped"),
        ("error_rows", "reported an error"),
    ):
        left = [str(n) for n in suite.meta.get(key) or []]
        if left:
            out.append(f"{len(left)} benchmark(s) {what} and are not imported ({_names(left)})")
    return out


def suite_run(suite: SuiteLike, *, baseline: str | None = None) -> ImportedRun:
    """The run a suite imports as: separate benchmarks, or competitors when
    ``baseline`` names one of them (module docstring). An unknown ``baseline`` is an
    :class:`InputError` listing the names."""
    names = [b.name for b in suite.benchmarks]
    file = Path(suite.source).name
    if not names:
        raise InputError(f"{file} holds no benchmarks")
    if baseline is not None and baseline not in names:
        raise InputError(f"no benchmark named {baseline!r} in {file}; it has {names}")
    spec: dict[str, Any] = {
        "name": file,
        "source": {"kind": suite.tool, "ref": str(Path(suite.source).resolve())},
        "fingerprint": "",
        "workload": {"name": "imported", "params": {}},
        "baseline": baseline,
        "candidates": [n for n in names if n != baseline] if baseline is not None else [],
        "variants": {},
        "metrics": [],
        "imported_metrics": sorted({metric_of(b.unit) for b in suite.benchmarks}),
    }
    if baseline is None:
        spec.update(kind="suite", benchmarks=names)
    options = {"confidence": 0.95, "time_margin": 0.02, "memory_margin": 0.01, "pairing": "none"}
    environment = {"tool": suite.tool, **suite.meta}
    warnings = _warnings(suite, competing=baseline is not None)
    return ImportedRun(RunHeader(spec, options, environment, warnings, None), _trials(suite))


def _with_interval(summary: MethodSummary, trials: list[TrialResult]) -> MethodSummary:
    """``summary`` with each metric's value count and, from two trials on, the 95%
    interval of its compared location (geometric mean, else mean)."""
    metrics = {name: dict(figures) for name, figures in summary.metrics.items()}
    for name, figures in metrics.items():
        ok = [t for t in trials if t.ok and name in t.values]
        figures["values"] = float(sum(t.samples[name].size for t in ok if name in t.samples))
        values = np.array([t.values[name] for t in ok])
        if values.size < 2:
            continue
        if bool(np.all(values > 0)):
            _, low, high = mean_interval(np.log(values))
            low, high = math.exp(low), math.exp(high)
        else:
            _, low, high = mean_interval(values)
        if math.isfinite(low) and math.isfinite(high):
            figures["ci_low"], figures["ci_high"] = low, high
    return dataclasses.replace(summary, metrics=metrics)


def analyse_imported(run: ImportedRun) -> BenchmarkResult:
    """The stored analysis of an imported run: :func:`analyse`, and for a suite each
    benchmark's interval and value count (module docstring)."""
    result = analyse(run.header, run.trials)
    if not run.is_suite:
        return result
    by_method: dict[str, list[TrialResult]] = {}
    for trial in run.trials:
        by_method.setdefault(trial.key.method, []).append(trial)
    summaries = [_with_interval(s, by_method.get(s.method, [])) for s in result.summaries]
    return dataclasses.replace(result, summaries=summaries)
