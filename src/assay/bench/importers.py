"""Evidence from elsewhere: pyperf and pytest-benchmark JSON as assay runs.

Both readers return an :class:`ImportedRun` — a :class:`RunHeader` and
:class:`TrialResult` list, exactly what a sink stores — keeping every raw value
and the tools' metadata (in the header's environment and each trial's details).
Imported trials are never paired (the tools did not interleave or share seeds),
so their comparisons are unpaired (``options["pairing"] == "none"``).

- **pyperf** (format 1.0): each benchmark becomes a method; each worker *run*
  with values becomes a trial (``seed`` = the run's index), its values the
  per-call samples (already divided by the loop count in pyperf) and their
  median the trial's value. Calibration runs (warmups only) are skipped.
  Unit ``second`` maps to ``time``, ``byte`` to ``peak_rss``.
- **pytest-benchmark**: each benchmark becomes a method with **one** trial (the
  tool ran everything in one process), from ``stats.data`` when saved with
  ``--benchmark-save-data`` and otherwise from the summary (median only). One
  trial per method cannot give a verdict; the header warns so.

The baseline is the benchmark named ``baseline``, else the first one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assay.bench.header import RunHeader
from assay.bench.plan import TrialKey
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import InputError

__all__ = ["ImportedRun", "read_pyperf", "read_pytest_benchmark"]

_UNITS = {"second": "time", "byte": "peak_rss"}


@dataclass(frozen=True)
class ImportedRun:
    """A run read from another tool's file: what a sink stores."""

    header: RunHeader
    trials: list[TrialResult]


def _load(path: str | os.PathLike[str], tool: str) -> dict[str, Any]:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{file.name} is not JSON (line {exc.lineno}): {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"{file.name} is not a {tool} JSON file: no 'benchmarks' list")
    return data


def _header(
    path: str | os.PathLike[str],
    tool: str,
    names: list[str],
    baseline: str | None,
    environment: dict[str, Any],
    metrics: set[str],
    warnings: list[str],
) -> RunHeader:
    if not names:
        raise InputError(f"{Path(path).name} holds no benchmarks")
    if baseline is not None and baseline not in names:
        raise InputError(f"no benchmark named {baseline!r} in {Path(path).name}; it has {names}")
    base = baseline or names[0]
    spec = {
        "name": Path(path).name,
        "source": {"kind": tool, "ref": str(Path(path).resolve())},
        "fingerprint": "",
        "workload": {"name": "imported", "params": {}},
        "baseline": base,
        "candidates": [n for n in names if n != base],
        "variants": {},
        "metrics": [],
        "imported_metrics": sorted(metrics),
    }
    options = {"confidence": 0.95, "time_margin": 0.02, "memory_margin": 0.01, "pairing": "none"}
    return RunHeader(spec, options, environment, warnings, None)


def _trial(
    method: str, seed: int, metric: str, values: list[float], position: int, details: dict[str, Any]
) -> TrialResult:
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


def read_pyperf(path: str | os.PathLike[str], *, baseline: str | None = None) -> ImportedRun:
    """Read a pyperf JSON file (see the module docstring)."""
    data = _load(path, "pyperf")
    common = dict(data.get("metadata", {}))
    names: list[str] = []
    trials: list[TrialResult] = []
    metrics: set[str] = set()
    for position, bench in enumerate(data["benchmarks"]):
        meta = {**common, **bench.get("metadata", {})}
        name = str(meta.get("name") or f"benchmark-{position}")
        metric = _UNITS.get(str(meta.get("unit", "second")), str(meta.get("unit")))
        metrics.add(metric)
        names.append(name)
        measured = [run for run in bench.get("runs", []) if run.get("values")]
        for index, run in enumerate(measured):
            details = {"metadata": run.get("metadata", {}), "warmups": run.get("warmups", [])}
            trials.append(_trial(name, index, metric, run["values"], position, details))
    env = {"tool": "pyperf", "version": data.get("version"), "metadata": common}
    header = _header(path, "pyperf", names, baseline, env, metrics, [])
    return ImportedRun(header, trials)


def read_pytest_benchmark(
    path: str | os.PathLike[str], *, baseline: str | None = None
) -> ImportedRun:
    """Read a pytest-benchmark JSON file (see the module docstring)."""
    data = _load(path, "pytest-benchmark")
    names: list[str] = []
    trials: list[TrialResult] = []
    summarised = []
    for position, bench in enumerate(data["benchmarks"]):
        name = str(bench.get("fullname") or bench.get("name") or f"benchmark-{position}")
        stats = bench.get("stats", {})
        values = stats.get("data")
        if not values:
            if "median" not in stats:
                raise InputError(f"benchmark {name!r} in {Path(path).name} has no stats.median")
            values = [stats["median"]]
            summarised.append(name)
        names.append(name)
        details = {
            "stats": {k: v for k, v in stats.items() if k != "data"},
            "params": bench.get("params"),
            "group": bench.get("group"),
            "extra_info": bench.get("extra_info", {}),
            "options": bench.get("options", {}),
        }
        trials.append(_trial(name, 0, "time", values, position, details))
    warnings = [
        "pytest-benchmark ran each benchmark once, in one process: one trial per method "
        "cannot give a verdict; measure with assay bench run for trials"
    ]
    if summarised:
        warnings.append(
            f"{len(summarised)} benchmark(s) carry no raw data (only the median); save "
            "raw values with pytest --benchmark-save-data"
        )
    env = {
        "tool": "pytest-benchmark",
        "version": data.get("version"),
        "machine_info": data.get("machine_info", {}),
        "commit_info": data.get("commit_info", {}),
        "datetime": data.get("datetime"),
    }
    header = _header(path, "pytest-benchmark", names, baseline, env, {"time"}, warnings)
    return ImportedRun(header, trials)
