"""The asv (airspeed velocity) results file as a :class:`~assay.formats.suite_model.Suite`.

asv writes one file per commit and environment, ``results/<machine>/<commit>-<env>.json``,
beside the machine's ``machine.json``. Format 2 (asv 0.5 and later) lists
``result_columns`` and gives each benchmark a row of them; format 1 (older) maps
each benchmark to its value, ``null``/``NaN``, or ``{"params", "result", "stats"}``.
Both are read:

- a parameterised benchmark gives one benchmark per combination of its
  ``params`` (their Cartesian product, asv's order), named
  ``name(value, value...)``;
- a result of ``null`` (failed) or ``NaN`` (skipped) is not a value: those
  benchmarks are listed in the suite's ``meta["not_measured"]`` and left out;
- the values are the ``samples`` when asv kept them (``--record-samples``), one group
  from one process; otherwise the result alone (asv's median of its repeats),
  marked ``meta["summarised"]``; asv's ``stats`` (99% interval ends, quartiles,
  number, repeat) stay in the benchmark's meta;
- the unit comes from the benchmark's kind, asv's naming rule: ``time_*`` seconds,
  ``mem_*`` and ``peakmem_*`` bytes, ``track_*`` a plain ``value``.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.formats import files
from assay.formats.suite_model import Suite, SuiteBenchmark
from assay.formats.suite_readers import number

__all__ = ["read_asv", "unit_of"]

_STATS = ("ci_99_a", "ci_99_b", "q_25", "q_75", "number", "repeat")


def unit_of(name: str) -> str:
    """The unit of the asv benchmark ``name`` by asv's naming rule (module docstring)."""
    kind = name.rsplit(".", 1)[-1]
    if kind.startswith("time_"):
        return "second"
    if kind.startswith(("mem_", "peakmem_")):
        return "byte"
    return "value"


def _rows(data: Any, source: str) -> dict[str, dict[str, Any]]:
    """Each benchmark's columns by name, from format 2's rows or format 1's values."""
    where = files.shown(Path(source).name)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise InputError(f"{where} is not an asv results file: no 'results' object")
    columns = data.get("result_columns")
    out: dict[str, dict[str, Any]] = {}
    for name, row in results.items():
        if isinstance(columns, list):  # format 2
            if not isinstance(row, list):
                raise InputError(f"{where}: benchmark {name!r} is not a row of result_columns")
            out[name] = dict(zip((str(c) for c in columns), row, strict=False))
        elif isinstance(row, dict):  # format 1, parameterised or with stats
            stats = row.get("stats") or []
            out[name] = {
                "result": row.get("result"),
                "params": row.get("params") or [],
                "samples": row.get("samples"),
                **{f"stats_{k}": [_stat(s, k) for s in stats] for k in _STATS},
            }  # fmt: skip
        else:  # format 1, one value
            out[name] = {"result": None if row is None else [row], "params": []}
    return out


def _stat(stats: Any, key: str) -> Any:
    """One of format 1's stats (its ``ci_99`` pair is format 2's ``ci_99_a``/``_b``)."""
    if not isinstance(stats, dict):
        return None
    if key.startswith("ci_99_"):
        pair = stats.get("ci_99")
        if not (isinstance(pair, list) and len(pair) == 2):
            return None
        return pair[1] if key == "ci_99_b" else pair[0]
    return stats.get(key)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _combinations(name: str, params: Any, count: int, where: str) -> list[str]:
    if not isinstance(params, list) or not all(isinstance(p, list) for p in params):
        raise InputError(f"{where}: benchmark {name!r} params is not a list of lists")
    if not params:
        names = [name]
    else:
        names = [f"{name}({', '.join(map(str, c))})" for c in itertools.product(*params)]
    if len(names) != count:
        raise InputError(
            f"{where}: benchmark {name!r} has {count} results for {len(names)} parameter "
            "combinations"
        )
    return names


def _at(column: Any, index: int) -> Any:
    return column[index] if isinstance(column, list) and index < len(column) else None


def _benchmarks(name: str, row: dict[str, Any], where: str, skipped: list[str]) -> list[Any]:
    """The benchmarks of one asv row, one per parameter combination measured."""
    result = row.get("result")
    if _missing(result):
        skipped.append(name)
        return []
    results = result if isinstance(result, list) else [result]
    out = []
    for j, full in enumerate(_combinations(name, row.get("params", []), len(results), where)):
        if _missing(results[j]):
            skipped.append(full)
            continue
        meta: dict[str, Any] = {"version": row.get("version")}
        meta["stats"] = {k: _at(row.get(f"stats_{k}"), j) for k in _STATS}
        samples = _at(row.get("samples"), j)
        if isinstance(samples, list) and samples:
            group = tuple(number(v, f"{where}: {full!r} samples") for v in samples)
        else:
            group = (number(results[j], f"{where}: {full!r} result"),)
            meta["summarised"] = True
        out.append(SuiteBenchmark(full, unit_of(name), (group,), meta))
    return out


def read_asv(data: Any, source: str, metric: str = "real") -> Suite:
    """An asv results file's suite (module docstring)."""
    where = files.shown(Path(source).name)
    skipped: list[str] = []
    out = []
    for name, row in _rows(data, source).items():
        out.extend(_benchmarks(str(name), row, where, skipped))
    date = data.get("date")
    meta = {
        "commit_hash": data.get("commit_hash"),
        "env_name": data.get("env_name"),
        "date": int(date) if isinstance(date, int) and not isinstance(date, bool) else 0,
        "python": data.get("python"),
        "params": data.get("params", {}),
        "requirements": data.get("requirements", {}),
        "version": data.get("version"),
        "not_measured": skipped,
    }
    return Suite(source, "asv", tuple(out), meta)
