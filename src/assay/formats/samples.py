"""Trial values from files, one sample per file (or per named column or benchmark).

What ``assay compare`` reads for each side. :func:`read_sample` takes the argument
as the user wrote it, ``FILE`` or ``FILE:NAME``, and reads:

- a CSV or text file: one number per line, or ``FILE:COLUMN`` for a named column
  of a file with a header row (``metric`` picks the column when none is named);
- a JSON list of numbers;
- a pyperf JSON file: each worker process is one trial, its value the median of the
  run's values (calibration runs, which hold warmups only, are skipped);
- a pytest-benchmark JSON file saved with ``--benchmark-save-data``: its rounds, all
  from one process, with a warning that they are not independent trials.

``FILE:BENCHMARK`` picks one benchmark when a JSON file holds several (the full name,
or the part after ``::`` when that is unique). Bad input is an
:class:`~assay.errors.InputError` naming the file and the line, item or column.
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.formats import files

__all__ = ["Sample", "read_sample"]


@dataclass(frozen=True)
class Sample:
    """Values read from one argument, with what the reader wants said about them."""

    label: str
    values: list[float]
    warnings: tuple[str, ...] = ()


def _split(argument: str) -> tuple[Path, str | None]:
    """``FILE`` or ``FILE:NAME``; the whole argument wins when it names a file."""
    path = Path(argument)
    if path.is_file():
        return path, None
    for index, char in enumerate(argument):
        if char == ":" and index and Path(argument[:index]).is_file():
            return Path(argument[:index]), argument[index + 1 :] or None
    raise InputError(f"{argument}: no such file")


def _number(cell: str, where: str) -> float:
    text = cell.strip()
    if not text:
        raise InputError(f"{where}: empty cell; expected a number")
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{where}: {text!r} is not a finite number; drop failed trials instead")
    return value


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    text = files.read_text(path, "CSV trial values")
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#"):
            rows.append((number, row))
    if not rows:
        raise InputError(f"{path}: the file is empty; expected one number per line")
    return rows


def _cells(row: list[str]) -> list[str]:
    """The row without trailing empty cells (a spreadsheet's ``10,``)."""
    end = len(row)
    while end > 1 and not row[end - 1].strip():
        end -= 1
    return row[:end]


def _too_many_cells(where: str, row: list[str], expected: str, header: list[str] | None) -> str:
    text = ",".join(row)
    hint = ""
    if header is not None and len(header) == 1 and ";" in header[0]:
        hint = f" (the header {header[0].strip()!r} is one column: only ',' separates columns)"
    return (
        f"{where}: {text!r} has {len(row)} cells, expected {expected}{hint}; "
        "a decimal comma is not a decimal point: write 10.1, not 10,1"
    )


def _column(path: Path, header: list[str], name: str | None, metric: str | None) -> int:
    names = [h.strip() for h in header]
    if name is None and metric is not None:
        if metric in names:
            return names.index(metric)
        raise InputError(
            f"{path}: --metric {metric!r} names no column; the header has {', '.join(names)}: "
            f"name the column as {path}:COLUMN to read it under the label {metric!r}"
        )
    if name is None:
        if len(names) == 1:
            return 0
        listed = ", ".join(names)
        raise InputError(f"{path}: {len(names)} columns ({listed}); name one as {path}:COLUMN")
    if name not in names:
        raise InputError(f"{path}: no column {name!r}; the header has {', '.join(names)}")
    return names.index(name)


def read_csv(path: Path, name: str | None = None, metric: str | None = None) -> Sample:
    """One column of a CSV file (a bare list of numbers is a one-column file)."""
    rows = [(line, _cells(row)) for line, row in _csv_rows(path)]
    first = rows[0][1]
    has_header = not all(_is_number(c.strip()) for c in first if c.strip())
    header: list[str] | None = None
    if has_header:
        header = first
        index, rows = _column(path, first, name, metric), rows[1:]
        expected = f"{len(first)} (one per header column)"
    elif name is not None:
        raise InputError(f"{path}: no header row, so there is no column {name!r}")
    else:
        index = 0
        expected = "1 (one number per line; give the file a header row for several columns)"
    width = len(first) if has_header else 1
    values = []
    for line, row in rows:
        where = f"{path} line {line}"
        if len(row) > width:
            raise InputError(_too_many_cells(where, row, expected, header))
        if index >= len(row):
            raise InputError(f"{where}: missing column {index + 1}")
        values.append(_number(row[index], where))
    label = f"{path}:{first[index].strip()}" if has_header else str(path)
    return Sample(label, values)


def _read_json_list(path: Path, data: list[Any]) -> Sample:
    values = []
    for index, item in enumerate(data):
        where = f"{path} item {index}"
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise InputError(f"{where}: {item!r} is not a number")
        if not math.isfinite(item):
            raise InputError(f"{where}: {item!r} is not a finite number; drop failed trials")
        values.append(float(item))
    return Sample(str(path), values)


def _pick(path: Path, names: list[str], name: str | None) -> str:
    if not names:
        raise InputError(f"{path}: holds no benchmarks")
    if name is not None:
        if name in names:
            return name
        short = [n for n in names if n.rpartition("::")[2] == name]
        if len(short) == 1:
            return short[0]
        raise InputError(f"{path}: no benchmark {name!r}; it holds {', '.join(names)}")
    if len(names) != 1:
        raise InputError(
            f"{path}: {len(names)} benchmarks ({', '.join(names)}); name one as {path}:BENCHMARK"
        )
    return names[0]


def _finite_values(values: Any, where: str) -> list[float]:
    if not isinstance(values, list):
        raise InputError(f"{where}: expected a list of numbers")
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{where}[{index}]: {value!r} is not a number")
        if not math.isfinite(value):
            raise InputError(f"{where}[{index}]: {value!r} is not a finite number")
    return [float(v) for v in values]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _read_pyperf(path: Path, data: dict[str, Any], name: str | None) -> Sample:
    """One trial per pyperf worker run: the median of the run's values."""
    common = _mapping(data.get("metadata"))
    runs_of: dict[str, list[Any]] = {}
    for position, bench in enumerate(data["benchmarks"]):
        if not isinstance(bench, dict):
            raise InputError(f"{path}: benchmarks[{position}]: expected an object")
        meta = {**common, **_mapping(bench.get("metadata"))}
        runs_of[str(meta.get("name") or f"benchmark-{position}")] = bench.get("runs") or []
    chosen = _pick(path, list(runs_of), name)
    values = []
    runs = runs_of[chosen] if isinstance(runs_of[chosen], list) else []
    for index, run in enumerate(runs):
        if isinstance(run, dict) and run.get("values"):  # calibration runs hold no values
            where = f"{path}: benchmark {chosen!r} run {index} values"
            values.append(statistics.median(_finite_values(run["values"], where)))
    return Sample(f"{path}:{chosen}", values)


def _read_pytest_benchmark(path: Path, data: dict[str, Any], name: str | None) -> Sample:
    """The rounds of one pytest-benchmark benchmark (all from one process)."""
    stats_of: dict[str, dict[str, Any]] = {}
    for position, bench in enumerate(data["benchmarks"]):
        if not isinstance(bench, dict):
            raise InputError(f"{path}: benchmarks[{position}]: expected an object")
        key = str(bench.get("fullname") or bench.get("name") or f"benchmark-{position}")
        stats_of[key] = _mapping(bench.get("stats"))
    chosen = _pick(path, list(stats_of), name)
    raw = stats_of[chosen].get("data")
    values = _finite_values(raw, f"{path}: benchmark {chosen!r} stats.data") if raw else []
    if len(values) < 2:
        raise InputError(
            f"{path}: benchmark {chosen!r} holds only summary statistics; "
            "rerun pytest with --benchmark-save-data to keep the raw values"
        )
    note = (
        f"{path}: pytest-benchmark rounds all ran in one process, so they are not "
        "independent trials and the interval may be too narrow; prefer assay bench run"
    )
    return Sample(f"{path}:{chosen}", values, (note,))


def read_json(path: Path, name: str | None = None) -> Sample:
    """A JSON list of numbers, or one benchmark of a pyperf or pytest-benchmark file
    (gzipped too: pyperf writes ``.json.gz`` itself)."""
    if path.name.lower().endswith(".gz"):
        from assay.formats.suites import load_json  # gunzips by the file's bytes

        data = load_json(path, "JSON trial values")
    else:
        try:
            data = json.loads(files.read_text(path, "JSON trial values", encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, list):
        if name is not None:
            raise InputError(f"{path}: a plain JSON list has no benchmark {name!r}")
        return _read_json_list(path, data)
    benchmarks = data.get("benchmarks") if isinstance(data, dict) else None
    if not isinstance(benchmarks, list):
        raise InputError(
            f"{path}: expected a JSON list of numbers, or a pyperf or pytest-benchmark file"
        )
    if any(isinstance(b, dict) and "runs" in b for b in benchmarks):
        return _read_pyperf(path, data, name)
    return _read_pytest_benchmark(path, data, name)


def read_sample(argument: str, *, metric: str | None = None) -> Sample:
    """The values named by a command-line argument, ``FILE`` or ``FILE:NAME``.

    A file ending in ``.json`` is read as JSON, any other as CSV (see the module
    docstring). Fewer than two values is an error: a verdict needs a spread.
    """
    path, name = _split(argument)
    try:
        if path.name.lower().endswith((".json", ".json.gz")):
            sample = read_json(path, name)
        else:
            sample = read_csv(path, name, metric)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file; expected CSV or JSON") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    if len(sample.values) < 2:
        count = len(sample.values)
        raise InputError(
            f"{path}: {count} value{'s' if count != 1 else ''}; a comparison needs at "
            "least 2 trials per side, since a verdict needs a spread"
        )
    return sample
