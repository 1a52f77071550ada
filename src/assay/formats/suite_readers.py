"""Suite readers for pyperf, pytest-benchmark, Google Benchmark and hyperfine JSON.

Each takes the parsed JSON, the file it came from and the metric (``real`` or
``cpu``, which only Google Benchmark has) and returns a
:class:`~assay.formats.suite_model.Suite` whose ``groups`` are the tool's independent
repetitions; ``meta["group_details"]`` holds what the tool said about each group.

- **pyperf** (format 1.0, ``.json`` or ``.json.gz``): a benchmark per entry of
  ``benchmarks``, named by its metadata ``name`` (the file's common metadata
  otherwise); each worker *run* with values is a group (calibration runs, which hold
  warmups only, are skipped), its values per call (pyperf divides by the loops
  itself); ``unit`` from the metadata (``second`` when absent). The benchmark's own
  metadata is its ``meta["metadata"]``, the file's common metadata the suite's.
- **pytest-benchmark** (a ``--benchmark-save``/``--benchmark-json`` file): a
  benchmark per entry, named by ``fullname``; one group (the tool ran every round in
  one process) of ``stats.data`` when saved with ``--benchmark-save-data``, else of
  the median alone (``meta["summarised"]``); seconds.
- **Google Benchmark** (``--benchmark_format=json`` or ``--benchmark_out``): a
  benchmark per ``run_name`` (``name`` in older files); each ``iteration`` row is
  one repetition, a group of one value, ``real_time`` (or ``cpu_time``) per
  iteration in ``time_unit`` (``ns`` when absent) turned into seconds. Aggregate
  rows (``run_type: aggregate``: mean, median, stddev, cv, BigO, RMS; in older files
  a name ending ``_mean``/``_median``/``_stddev``/``_cv`` after its repetitions)
  are not values; they are kept in the benchmark's ``meta["aggregates"]``. Rows
  with ``error_occurred`` are skipped and listed in the suite's meta.
- **hyperfine** (``--export-json``): a benchmark per entry of ``results``, named by
  its ``command``; each of its ``times`` (seconds, one process each) is a group of
  one value, with its exit code in the group's details.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.formats import files
from assay.formats.suite_model import Suite, SuiteBenchmark

__all__ = [
    "TIME_UNITS",
    "read_google_benchmark",
    "read_hyperfine",
    "read_pyperf",
    "read_pytest_benchmark",
]

TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
"""Google Benchmark's ``time_unit`` values, in seconds."""

_AGGREGATE_SUFFIXES = ("_mean", "_median", "_stddev", "_cv")


def _where(source: str) -> str:
    return files.shown(Path(source).name)


def _entries(data: Any, key: str, source: str, tool: str) -> list[Any]:
    """``data[key]``, which must be a list, else one line naming the file and tool."""
    entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{_where(source)} is not a {tool} JSON file: no {key!r} list")
    return entries


def _object(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a JSON object, found {type(item).__name__}")
    return item


def number(value: Any, where: str) -> float:
    """``value`` as a finite float; an :class:`InputError` saying ``where`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}: expected a number, found {_shown(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise InputError(f"{where}: expected a finite number, found {value}")
    return result


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _numbers(values: Any, where: str) -> tuple[float, ...]:
    if not isinstance(values, list):
        raise InputError(f"{where}: expected a list of numbers, found {_shown(values)}")
    return tuple(number(v, f"{where}[{i}]") for i, v in enumerate(values))


def read_pyperf(data: Any, source: str, metric: str = "real") -> Suite:
    """A pyperf file's suite (module docstring)."""
    entries = _entries(data, "benchmarks", source, "pyperf")
    found = data.get("metadata")
    common: dict[str, Any] = found if isinstance(found, dict) else {}
    out = []
    for position, item in enumerate(entries):
        bench = _object(item, f"{_where(source)}: benchmark {position}")
        own = bench.get("metadata")
        own = own if isinstance(own, dict) else {}
        merged = {**common, **own}  # the file's common metadata is the suite's
        name = str(merged.get("name") or f"benchmark-{position}")
        where = f"{_where(source)}: benchmark {name!r}"
        runs = bench.get("runs", [])
        if not isinstance(runs, list):
            raise InputError(f"{where}: 'runs' is not a list")
        groups, details = [], []
        for index, item_run in enumerate(runs):
            run = _object(item_run, f"{where} run {index}")
            if not run.get("values"):
                continue  # a calibration run: warmups only
            groups.append(_numbers(run["values"], f"{where} run {index} values"))
            details.append({"metadata": run.get("metadata", {}), "warmups": run.get("warmups", [])})
        meta = {"metadata": own, "group_details": details}
        out.append(SuiteBenchmark(name, str(merged.get("unit", "second")), tuple(groups), meta))
    suite_meta = {"version": data.get("version"), "metadata": common}
    return Suite(source, "pyperf", tuple(out), suite_meta)


def read_pytest_benchmark(data: Any, source: str, metric: str = "real") -> Suite:
    """A pytest-benchmark save's suite (module docstring)."""
    entries = _entries(data, "benchmarks", source, "pytest-benchmark")
    out = []
    for position, item in enumerate(entries):
        bench = _object(item, f"{_where(source)}: benchmark {position}")
        name = str(bench.get("fullname") or bench.get("name") or f"benchmark-{position}")
        where = f"{_where(source)}: benchmark {name!r}"
        stats = _object(bench.get("stats", {}), f"{where} stats")
        meta: dict[str, Any] = {
            "stats": {k: v for k, v in stats.items() if k != "data"},
            "params": bench.get("params"),
            "group": bench.get("group"),
            "extra_info": bench.get("extra_info", {}),
            "options": bench.get("options", {}),
        }
        if stats.get("data"):
            values = _numbers(stats["data"], f"{where} stats.data")
        elif "median" in stats:
            values = (number(stats["median"], f"{where} stats.median"),)
            meta["summarised"] = True
        else:
            raise InputError(f"{where} has no stats.median")
        out.append(SuiteBenchmark(name, "second", (values,), meta))
    suite_meta = {
        "version": data.get("version"),
        "machine_info": data.get("machine_info", {}),
        "commit_info": data.get("commit_info", {}),
        "datetime": data.get("datetime"),
    }
    return Suite(source, "pytest-benchmark", tuple(out), suite_meta)


def _gbench_name(row: dict[str, Any], index: int) -> str:
    return str(row.get("run_name") or row.get("name") or f"benchmark-{index}")


def _is_aggregate(row: dict[str, Any], seen: dict[str, Any]) -> bool:
    """An aggregate row: marked so, or (older files) ``X_mean`` after X's repetitions."""
    if "run_type" in row:
        return bool(row["run_type"] == "aggregate")
    name = str(row.get("name", ""))
    return any(name.endswith(s) and name[: -len(s)] in seen for s in _AGGREGATE_SUFFIXES)


def read_google_benchmark(data: Any, source: str, metric: str = "real") -> Suite:
    """A Google Benchmark file's suite (module docstring); ``metric`` is ``real``
    (wall-clock time per iteration, the default) or ``cpu``."""
    rows = _entries(data, "benchmarks", source, "Google Benchmark")
    field = f"{metric}_time"
    values: dict[str, list[tuple[float, ...]]] = {}
    details: dict[str, list[dict[str, Any]]] = {}
    aggregates: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for index, item in enumerate(rows):
        row = _object(item, f"{_where(source)}: benchmarks[{index}]")
        name = _gbench_name(row, index)
        if _is_aggregate(row, values):
            label = str(row.get("aggregate_name") or row.get("name"))
            aggregates.setdefault(name, {})[label] = {k: v for k, v in row.items() if k != "name"}
            continue
        if row.get("error_occurred"):
            errors.append(name)
            continue
        where = f"{_where(source)}: benchmark {name!r}"
        unit = row.get("time_unit", "ns")
        if unit not in TIME_UNITS:
            raise InputError(f"{where}: time_unit {_shown(unit)}; expected ns, us, ms or s")
        value = number(row.get(field), f"{where} {field}") * TIME_UNITS[str(unit)]
        values.setdefault(name, []).append((value,))
        kept = ("iterations", "repetition_index", "repetitions", "threads", "label")
        detail = {k: row[k] for k in kept if k in row}
        details.setdefault(name, []).append({**detail, "time_unit": unit, field: row[field]})
    out = tuple(
        SuiteBenchmark(
            name,
            "second",
            tuple(groups),
            {
                "metric": field,
                "group_details": details[name],
                "aggregates": aggregates.get(name, {}),
            },
        )
        for name, groups in values.items()
    )
    context = data.get("context") if isinstance(data.get("context"), dict) else {}
    meta = {
        "context": context,
        "metric": field,
        "aggregate_rows": sum(len(a) for a in aggregates.values()),
        "error_rows": errors,
    }
    return Suite(source, "google-benchmark", out, meta)


def read_hyperfine(data: Any, source: str, metric: str = "real") -> Suite:
    """A hyperfine ``--export-json`` file's suite (module docstring)."""
    entries = _entries(data, "results", source, "hyperfine")
    out = []
    summary = ("mean", "stddev", "median", "user", "system", "min", "max", "parameters")
    for position, item in enumerate(entries):
        result = _object(item, f"{_where(source)}: results[{position}]")
        name = str(result.get("command") or f"command-{position}")
        where = f"{_where(source)}: command {name!r}"
        if "times" not in result:
            raise InputError(f"{where} has no 'times' (one per run); export with a newer hyperfine")
        times = _numbers(result["times"], f"{where} times")
        codes = result.get("exit_codes")
        meta: dict[str, Any] = {k: result[k] for k in summary if k in result}
        if isinstance(codes, list) and len(codes) == len(times):
            meta["group_details"] = [{"exit_code": code} for code in codes]
        out.append(SuiteBenchmark(name, "second", tuple((t,) for t in times), meta))
    return Suite(source, "hyperfine", tuple(out), {})
