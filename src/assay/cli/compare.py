"""``assay compare``: two samples in, a verdict out.

A thin wrapper over :func:`assay.stats.compare`. Each side is read from:

- a CSV or text file: one number per line, or ``FILE:COLUMN`` for a named
  column of a file with a header row;
- a JSON list of numbers;
- a pyperf JSON file (each worker process is one trial, its value the median of
  the run's values) or a pytest-benchmark JSON file saved with
  ``--benchmark-save-data`` (its rounds, all from one process, with a warning);
  ``FILE:BENCHMARK`` picks one benchmark when a file holds several.

Bad input is an :class:`~assay.errors.InputError` naming the file, line or
option; :func:`assay.cli.app.main` prints it on one line and exits with code 2.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from assay.cli import output
from assay.errors import InputError

TESTS = ("auto", "welch", "paired-t", "mann-whitney", "wilcoxon", "permutation")


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
    text = path.read_text(encoding="utf-8-sig")
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


def _read_csv(path: Path, name: str | None, metric: str | None) -> Sample:
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


def _read_pyperf(path: Path, name: str | None) -> Sample:
    from assay.bench import read_pyperf

    run = read_pyperf(path)
    names = [str(run.header.spec["baseline"]), *run.header.spec["candidates"]]
    chosen = _pick(path, names, name)
    values = [float(next(iter(t.values.values()))) for t in run.trials if t.key.method == chosen]
    return Sample(f"{path}:{chosen}", values)


def _read_pytest_benchmark(path: Path, name: str | None) -> Sample:
    from assay.bench import read_pytest_benchmark

    run = read_pytest_benchmark(path)
    names = [str(run.header.spec["baseline"]), *run.header.spec["candidates"]]
    chosen = _pick(path, names, name)
    trial = next(t for t in run.trials if t.key.method == chosen)
    values = [float(v) for v in trial.samples["time"]]
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


def _read_json(path: Path, name: str | None) -> Sample:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
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
        return _read_pyperf(path, name)
    return _read_pytest_benchmark(path, name)


def read_sample(argument: str, *, metric: str | None = None) -> Sample:
    """The values named by a command-line argument (see the module docstring)."""
    path, name = _split(argument)
    try:
        if path.suffix.lower() == ".json":
            sample = _read_json(path, name)
        else:
            sample = _read_csv(path, name, metric)
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


def parse_margin(text: str | None) -> float | None:
    """``2%`` or ``0.02`` as 0.02; ``None`` stays ``None``."""
    if text is None:
        return None
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%").strip())
    except ValueError:
        raise InputError(
            f"--margin {text!r} is not a number; expected a relative margin such as 2% or 0.02"
        ) from None
    value = value / 100 if percent else value
    if not 0 < value < 1:
        raise InputError(
            f"--margin {text!r} is out of range; expected a relative margin above 0 and "
            "below 100%, as a fraction (0.02) or a percentage (2%)"
        )
    return value


def parse_confidence(text: str) -> float:
    """``0.95`` or ``95%``, strictly between 0 and 1."""
    raw = text.strip()
    try:
        value = float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
    except ValueError:
        raise InputError(f"--confidence {text!r} is not a number; expected 0.95 or 95%") from None
    if not 0 < value < 1:
        raise InputError(f"--confidence {text!r} must be between 0 and 1, such as 0.95")
    return value


def check_test(name: str) -> str:
    """One of the tests ``compare`` knows."""
    if name not in TESTS:
        raise InputError(f"--test {name!r} is not a test; expected one of {', '.join(TESTS)}")
    return name


def _finite(value: float) -> float | None:
    """JSON has no infinity: a moment that does not fit a float is ``null``."""
    return value if math.isfinite(value) else None


def _arm(summary: Any) -> dict[str, Any]:
    return {
        "n": summary.n,
        "mean": _finite(summary.mean),
        "median": _finite(summary.median),
        "std": _finite(summary.std),
        "p50": _finite(summary.quantile("p50").value),
        "p90": _finite(summary.quantile("p90").value),
        "p99": _finite(summary.quantile("p99").value),
    }


def report(metric: str | None, base: Sample, cand: Sample, result: Any) -> dict[str, Any]:
    """The ``--json`` document."""
    from assay.stats import summarize

    data = result.to_dict()
    return {
        "metric": metric,
        "lower_is_better": result.lower_is_better,
        "baseline": {"source": base.label, **_arm(summarize(base.values))},
        "candidate": {"source": cand.label, **_arm(summarize(cand.values))},
        "effect": data["effect"],
        "test": data["test"],
        "paired": result.paired,
        "margin": result.margin,
        "verdict": data["verdict"],
        "needed_trials": result.needed_trials,
        "warnings": _warnings(base, cand, result),
    }


def _warnings(base: Sample, cand: Sample, result: Any) -> list[str]:
    return list(dict.fromkeys((*base.warnings, *cand.warnings, *result.warnings)))


_STYLES = {"better": "bold green", "worse": "bold red", "equivalent": "bold blue"}


def _panel(metric: str | None, base: Sample, cand: Sample, result: Any) -> Any:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    style = _STYLES.get(result.verdict.value, "bold yellow")
    lines: list[Any] = [
        Text(result.headline(), style=style),
        Text(result.effect_text()),
        Text(result.detail_text(), style="dim"),
    ]
    for warning in _warnings(base, cand, result):
        lines.append(Text(f"! {warning}", style="yellow"))
    title = f"{metric or 'compare'}: {base.label} → {cand.label}"
    return Panel(Group(*lines), title=title, title_align="left", expand=False)


def compare_command(
    baseline: Annotated[str, typer.Argument(help="Baseline values: FILE or FILE:COLUMN.")],
    candidate: Annotated[str, typer.Argument(help="Candidate values: FILE or FILE:COLUMN.")],
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help=(
                "Name of the metric, used as the title. A CSV with a header is read from "
                "the column of that name, and it is an error if there is none; to read "
                "another column under this name, give it as FILE:COLUMN."
            ),
        ),
    ] = None,
    lower_is_better: Annotated[
        bool,
        typer.Option(
            "--lower-is-better/--higher-is-better",
            help="Which direction is an improvement (latency: lower; accuracy: higher).",
        ),
    ] = True,
    paired: Annotated[
        bool, typer.Option("--paired", help="Pair the i-th values of both sides (same seed).")
    ] = False,
    margin: Annotated[
        str | None,
        typer.Option(
            "--margin",
            help="Smallest relative change that matters, above 0 and below 100%: 2% or 0.02.",
        ),
    ] = None,
    confidence: Annotated[
        str, typer.Option("--confidence", help="Confidence level of the interval.")
    ] = "0.95",
    test: Annotated[str, typer.Option("--test", help=f"Test to run: {', '.join(TESTS)}.")] = "auto",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON for machines instead of a panel.")
    ] = False,
) -> None:
    """Compare two sets of trial values and say whether the candidate is better."""
    from assay.stats import compare

    relative_margin = parse_margin(margin)
    level = parse_confidence(confidence)
    test_name = check_test(test)
    base = read_sample(baseline, metric=metric)
    cand = read_sample(candidate, metric=metric)
    if paired and len(base.values) != len(cand.values):
        raise InputError(
            f"--paired needs as many values on each side: {base.label} holds "
            f"{len(base.values)}, {cand.label} holds {len(cand.values)}"
        )
    try:
        result = compare(
            base.values, cand.values, lower_is_better=lower_is_better, paired=paired,
            margin=relative_margin, confidence=level, test=test_name,
        )  # fmt: skip
    except InputError as exc:
        raise InputError(f"{base.label} vs {cand.label}: {exc}") from None
    if as_json:
        output.emit_json(report(metric, base, cand, result))
    else:
        output.console.print(_panel(metric, base, cand, result), soft_wrap=False)


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command to ``app``."""
    app.command("compare")(compare_command)
