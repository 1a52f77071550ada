"""Benchmark suites from other tools: many named benchmarks, each measured alone.

A suite file (pyperf, pytest-benchmark, asv, Google Benchmark, hyperfine) holds
benchmarks that are not competitors: each is a different piece of code, measured
on its own. :func:`read_suite` reads any of them into one :class:`Suite`, whose
benchmarks ``assay compare BASE HEAD`` matches by name between two suites, and
``assay bench import`` stores as separate benchmarks.

The format is found from the content, not the name: gzip is recognised by its
magic bytes (pyperf writes ``.json.gz`` itself), then the JSON's shape names the
tool (:func:`detect`). :func:`read_suites` also takes a folder: a pytest-benchmark
``.benchmarks`` history (``<machine-id>/0001_*.json``...) or an asv results folder
(``results/<machine>/<commit>-<env>.json`` beside ``machine.json``) gives one suite
per saved file, oldest first; :func:`read_suite` on a folder gives the newest.
Every file of a folder is read before any is returned, so a bad one refuses the
whole import with one line naming it. What each tool's fields become is written in
:mod:`assay.formats.suite_readers` and :mod:`assay.formats.suite_asv`.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.formats import files, suite_asv, suite_readers
from assay.formats.suite_model import Suite, SuiteBenchmark

__all__ = [
    "SUITE_FORMATS",
    "Suite",
    "SuiteBenchmark",
    "detect",
    "load_json",
    "read_suite",
    "read_suites",
    "suite_from_data",
]

SUITE_FORMATS = ("pyperf", "pytest-benchmark", "asv", "google-benchmark", "hyperfine")
"""The tools whose result files :func:`read_suite` reads (``--format`` names)."""

EXPECTED = (
    "a benchmark results file (pyperf, pytest-benchmark, asv, Google Benchmark or hyperfine JSON)"
)


Reader = Callable[[Any, str, str], Suite]
"""A reader: the parsed JSON, its source and the metric in; the suite out."""


def load_json(path: str | os.PathLike[str], expected: str = EXPECTED) -> Any:
    """The JSON in the file at ``path``, gunzipped first when it is gzip (by its magic
    bytes, whatever its name); one :class:`InputError` naming the file otherwise."""
    data = files.read_bytes(Path(path), expected)
    name = files.shown(Path(path))
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                data = stream.read(files.MAX_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise InputError(f"{name}: a broken gzip file ({exc}); expected {expected}") from None
        if len(data) > files.MAX_BYTES:
            raise InputError(f"{name}: larger than 64 MiB once unzipped; expected {expected}")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: byte {exc.start} is not UTF-8; expected {expected}") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name} is not JSON (line {exc.lineno}): {exc.msg}; expected {expected}"
        ) from None
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply; expected {expected}") from None


def detect(data: Any) -> str | None:
    """The tool that wrote ``data`` (parsed JSON), from its shape; None when unknown."""
    if not isinstance(data, dict):
        return None
    results = data.get("results")
    if isinstance(results, list) and results and all(_has(r, "times") for r in results):
        return "hyperfine"
    if isinstance(results, dict) and ("commit_hash" in data or "result_columns" in data):
        return "asv"
    benchmarks = data.get("benchmarks")
    if not isinstance(benchmarks, list):
        return None
    if "machine_info" in data or "commit_info" in data:
        return "pytest-benchmark"
    if isinstance(data.get("context"), dict):
        return "google-benchmark"
    first = next((b for b in benchmarks if isinstance(b, dict)), {})
    if "runs" in first or ("version" in data and "metadata" in data):
        return "pyperf"
    if "stats" in first:
        return "pytest-benchmark"
    if "real_time" in first or "run_type" in first:
        return "google-benchmark"
    return None


def _has(item: Any, key: str) -> bool:
    return isinstance(item, dict) and key in item


def _readers() -> dict[str, Reader]:
    return {
        "pyperf": suite_readers.read_pyperf,
        "pytest-benchmark": suite_readers.read_pytest_benchmark,
        "asv": suite_asv.read_asv,
        "google-benchmark": suite_readers.read_google_benchmark,
        "hyperfine": suite_readers.read_hyperfine,
    }


def suite_from_data(
    data: Any, source: str, *, fmt: str | None = None, metric: str = "real"
) -> Suite:
    """The suite in ``data`` (parsed JSON) read from ``source``; ``fmt`` forces the
    tool (else :func:`detect`), ``metric`` picks Google Benchmark's ``real`` (default)
    or ``cpu`` time."""
    name = files.shown(Path(source).name)
    if fmt is not None and fmt not in SUITE_FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(SUITE_FORMATS)}")
    if metric not in ("real", "cpu"):
        raise InputError(f"unknown metric {metric!r}; expected real or cpu")
    tool = fmt or detect(data)
    if tool is None:
        if isinstance(data, dict) and data.get("benchmarks") == []:
            raise InputError(f"{name} holds no benchmarks")
        raise InputError(f"{name} is not {EXPECTED}")
    if metric != "real" and tool != "google-benchmark":
        raise InputError(f"--metric {metric} applies to Google Benchmark files; {name} is {tool}")
    suite = _readers()[tool](data, source, metric)
    if not suite.benchmarks and suite.meta.get("aggregate_rows"):
        raise InputError(
            f"{name} holds only aggregate rows (mean, median, stddev...), no repetitions; "
            "run the benchmarks again without --benchmark_report_aggregates_only"
        )
    if not suite.benchmarks:
        raise InputError(f"{name} holds no benchmarks")
    return _unique(suite)


def _unique(suite: Suite) -> Suite:
    """Benchmarks named alike (hyperfine running one command twice) kept apart as
    ``NAME (2)``, ``NAME (3)``..., each with the name the file gave it in its meta."""
    seen: dict[str, int] = {}
    out = []
    for bench in suite.benchmarks:
        count = seen[bench.name] = seen.get(bench.name, 0) + 1
        if count > 1:
            meta = {**bench.meta, "name_in_file": bench.name}
            bench = SuiteBenchmark(f"{bench.name} ({count})", bench.unit, bench.groups, meta)
        out.append(bench)
    return Suite(suite.source, suite.tool, tuple(out), suite.meta)


def _read_file(path: Path, fmt: str | None, metric: str) -> Suite:
    return suite_from_data(load_json(path), str(path), fmt=fmt, metric=metric)


_SAVE = re.compile(r"^\d{4}_.*\.json$")


def _suite_files(folder: Path) -> list[Path]:
    """The result files of a folder, in their tool's order (module docstring)."""
    if (folder / "machine.json").is_file():  # one asv machine
        skip = {"machine.json", "benchmarks.json"}
        return [f for f in sorted(folder.glob("*.json")) if f.name not in skip]
    machines = sorted(d for d in folder.iterdir() if (d / "machine.json").is_file())
    if machines:  # asv's results folder
        return [f for machine in machines for f in _suite_files(machine)]
    saves = sorted(f for f in folder.glob("*/*.json") if _SAVE.match(f.name))
    saves += sorted(f for f in folder.glob("*.json") if _SAVE.match(f.name))
    if saves:  # pytest-benchmark's storage, or one machine's folder of it
        return saves
    return sorted([*folder.glob("*.json"), *folder.glob("*.json.gz")])


def read_suites(
    path: str | os.PathLike[str], *, fmt: str | None = None, metric: str = "real"
) -> list[Suite]:
    """Every suite at ``path``: a file gives one, a folder one per result file, oldest
    first (asv results by commit date); all are read before any is returned."""
    folder = Path(path)
    try:
        is_folder = folder.is_dir()
    except (OSError, ValueError):
        is_folder = False
    if not is_folder:
        return [_read_file(folder, fmt, metric)]
    found = _suite_files(folder)
    if not found:
        raise InputError(
            f"{files.shown(folder)}: a folder without result files; expected a pytest-benchmark "
            ".benchmarks folder, an asv results folder or a folder of JSON result files"
        )
    suites = [_read_file(f, fmt, metric) for f in found]
    return sorted(suites, key=lambda s: s.meta.get("date") or 0 if s.tool == "asv" else 0)


def read_suite(
    path: str | os.PathLike[str], *, fmt: str | None = None, metric: str = "real"
) -> Suite:
    """The suite in the file at ``path`` (for a folder, its newest; see
    :func:`read_suites`). A file that is not a suite: one :class:`InputError`
    naming it and what was expected."""
    return read_suites(path, fmt=fmt, metric=metric)[-1]
