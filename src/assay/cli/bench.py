"""``assay bench``: run, resume, list, show, compare and import benchmark runs."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from assay.bench.options import Isolation
from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.options import (
    BenchFormat,
    Executor,
    GpuCache,
    Interleave,
    TimeMetric,
    fraction,
    renamed,
)
from assay.errors import InputError
from assay.stats.magnitude import effect_short, interval_short
from assay.types import parse_duration
from assay.workspace import documents

bench_app = typer.Typer(
    help="Benchmark a baseline against candidates on your workload.", no_args_is_help=True
)

VERDICT_STYLE = {
    "better": "bold green",
    "worse": "bold red",
    "equivalent": "cyan",
    "inconclusive": "yellow",
}


class _Bar:
    """A Rich progress bar on stderr: trials done, failures, ETA."""

    def __init__(self, label: str) -> None:
        self.progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeRemainingColumn(),
            console=output.err_console,
            transient=False,
        )
        self.task = self.progress.add_task(label, total=None, failed=0)

    def __call__(self, state: Any) -> None:
        self.progress.update(
            self.task, completed=state.done, total=state.planned, failed=state.failed
        )

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _seconds(text: str | None, field: str) -> float | None:
    return None if text is None else parse_duration(text, field=field).total_seconds()


@dataclasses.dataclass(frozen=True)
class _Flags:
    trials: int | None
    until_decided: bool
    precision: str | None
    budget: str | None
    timeout: str | None
    memory_limit: str | None
    in_process: bool
    isolation: Isolation | None
    interleave: Interleave
    threads: int | None
    gpu_cache: GpuCache
    seed: int | None
    cold: bool = False
    gpu_graph: bool = False
    executor: Executor = Executor.LOCAL
    address: str | None = None
    allow_mixed_hardware: bool = False


def _options(flags: _Flags, usd_per_hour: float | None) -> Any:
    from assay.bench import BenchOptions
    from assay.measure.memory import parse_size

    if flags.budget is not None and not (flags.until_decided or flags.precision):
        raise InputError("--budget applies to --until-decided and --precision runs; add one")
    isolation = flags.isolation or Isolation.FORK
    if flags.in_process:  # the old spelling of --isolation in-process
        if flags.isolation not in (None, Isolation.IN_PROCESS):
            raise InputError(f"--in-process contradicts --isolation {flags.isolation.value}")
        isolation = Isolation.IN_PROCESS
    precision = fraction(flags.precision, field="--precision", what="a precision", example=0.02)
    limit = flags.memory_limit
    options = BenchOptions(  # without --trials: 5 before an until-decided run's first look, else 10
        until_decided=flags.until_decided,
        precision=precision,
        budget=_seconds(flags.budget, "--budget"),
        timeout=_seconds(flags.timeout, "--timeout"),
        memory_limit=None if limit is None else parse_size(limit, field="--memory-limit"),
        isolation=isolation,
        interleave=flags.interleave.value,
        threads=flags.threads,
        gpu_cache=flags.gpu_cache.value,
        gpu_graph=flags.gpu_graph,
        plan_seed=flags.seed,
        usd_per_hour=usd_per_hour,
        cold=flags.cold,
        executor=flags.executor.value,
        address=flags.address,
        allow_mixed_hardware=flags.allow_mixed_hardware,
    )
    if flags.trials is None:
        return options
    return dataclasses.replace(options, trials=flags.trials)


def _point(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "—"


def comparisons_table(rows: list[dict[str, Any]], title: str = "Comparisons") -> output.Sheet:
    """One row per candidate, metric and sweep point: the verdict, effect and interval."""
    swept = any(row.get("params") for row in rows)
    k = output.Kind
    table = output.table(  # the metric under the candidate, so 80 columns hold them;
        # points, effects and intervals wrap between words only: no figure is ever split
        output.Column("Candidate, metric", k.ID),
        *([output.Column("Point", k.NAMES)] if swept else []),
        output.Column("Verdict", k.LABEL), output.Column("Effect", k.NAMES, ratio=2),
        output.Column("95% interval", k.NAMES, ratio=3), output.Column("p (adj.)", k.NUMBER),
        title=title,
    )  # fmt: skip
    for row in sorted(rows, key=_row_order):
        effect = row["effect"]["relative"]
        ci = row["effect"]["ci"]
        verdict = row["verdict"]
        p = row.get("p_adjusted") if row.get("p_adjusted") is not None else row.get("p_value")
        table.add_row(
            Text(f"{row['candidate']}\n{row['metric']}"),
            *([Text(_point(row.get("params", {})))] if swept else []),
            Text(verdict.upper(), style=VERDICT_STYLE.get(verdict, "")),
            "—" if effect is None else effect_short(effect, row["metric"]),
            "—" if effect is None or not ci else _interval(effect, ci, row["metric"]),
            "—" if p is None else ("<0.0001" if p < 1e-4 else f"{p:.2g}"),
        )
    return table


def _interval(effect: float, ci: list[float | None], metric: str) -> str:
    """The interval in its estimate's unit (assay.stats.magnitude); null ends unbounded."""
    low = -math.inf if ci[0] is None else ci[0]
    high = math.inf if ci[1] is None else ci[1]
    return interval_short(effect, low, high, metric)


def _row_order(row: dict[str, Any]) -> tuple[Any, ...]:
    params = tuple(
        (k, (0, v, "") if isinstance(v, int | float) else (1, 0, str(v)))
        for k, v in row.get("params", {}).items()
    )
    return (row["candidate"], row["metric"], params)


_METHODS_CAPTION = (
    "Compared time: the geometric mean over trials of each trial's median time per "
    "call, the figure the verdict compares (candidate / baseline = 1 + effect). "
    "Call P50, Call P99: percentiles of every timed call, pooled across trials."
)
_METHODS_NUMBERS = ("Compared time", "Call P50", "Call P99", "Peak RSS")


def _summary_table(summaries: list[dict[str, Any]]) -> output.Sheet:
    """Per method: trials, the compared time, per-call percentiles and peak memory."""
    swept = any(s.get("params") for s in summaries)
    baseline = next((s["method"] for s in summaries if s["role"] == "baseline"), None)
    number = output.Kind.NUMBER
    table = output.table(
        output.Column("Method, point" if swept else "Method", output.Kind.ID),
        output.Column("Trials", number, justify="right"),
        *(output.Column(h, number, justify="right") for h in _METHODS_NUMBERS),
        title="Methods" + (f" (baseline: {escape(baseline)})" if baseline else ""),
        caption=_METHODS_CAPTION,
    )
    for s in sorted(
        summaries,
        key=lambda s: (
            s["role"] != "baseline",
            s["method"],
            _row_order({"candidate": "", "metric": "", "params": s.get("params", {})}),
        ),
    ):
        time = s["metrics"].get("time", {})
        rss = s["metrics"].get("peak_rss", {})
        failed = f" ({s['failed']} failed)" if s["failed"] else ""
        table.add_row(
            Text(s["method"] + (f"\n{_point(s.get('params', {}))}" if swept else "")),
            f"{s['trials']}{failed}",
            _fmt_time(time.get("compared", time.get("median"))),
            _fmt_time(time.get("per_call_p50")),
            _fmt_time(time.get("per_call_p99")),
            _fmt_bytes(rss.get("median")),
        )
    return table


def scaling_lines(fits: list[dict[str, Any]]) -> list[str]:
    """``naive time ∝ n^1.98 (95%: 1.91 to 2.05)`` for each fit."""
    lines = []
    for fit in fits:
        low, high = fit["ci"]
        interval = "" if low is None or high is None else f" (95%: {low:.2f} to {high:.2f})"
        lines.append(
            f"scaling: {fit['method']} {fit['metric']} ∝ {fit['parameter']}^"
            f"{fit['exponent']:.2f}{interval}"
        )
    return lines


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _fmt_bytes(value: float | None) -> str:
    if value is None:
        return "—"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.0f} B"


def design_lines(options: dict[str, Any]) -> list[str]:
    """How the run was timed, for people: the interleaving and why, and cold mode."""
    lines = []
    if options.get("interleave_reason"):
        lines.append(f"interleave: {options.get('interleave')} ({options['interleave_reason']})")
    if options.get("cold"):
        lines.append("cold: each method's setup (and cache_clear) ran before every timed call")
    if options.get("executor", "local") != "local":
        lines.append(f"executor: {options['executor']} (each block one task on a cluster node)")
    return lines


def _run_line(data: dict[str, Any]) -> str:
    """``Run ID (name): 10 trials of 10, 0 failed``, or what an imported suite holds."""
    trials = data["trials"]
    head = (
        f"Run [bold]{escape(str(data['run_id']))}[/] "
        f"({escape(str(data.get('benchmark') or data.get('name')))}): "
    )
    spec = data.get("spec", {})
    if spec.get("kind") == "suite":
        from assay.cli.bench_suite import suite_line

        return head + suite_line(spec, trials["completed"])
    planned = trials["planned"] if trials["planned"] is not None else "until decided"
    return (
        head
        + f"{trials['completed']} trials of {planned}, {trials['failed']} failed"
        + (f"; stopped: {escape(str(data['stopped']))}" if data.get("stopped") else "")
    )


def _print_report(data: dict[str, Any]) -> None:
    output.prose(_run_line(data))
    for line in design_lines(data.get("options", {})):
        output.prose(escape(line))
    if any(s["role"] == "benchmark" for s in data.get("summaries", [])):
        from assay.cli.bench_suite import suite_table  # an imported suite's benchmarks

        output.console.print(suite_table(data["summaries"]))
    elif data.get("summaries"):
        output.console.print(_summary_table(data["summaries"]))
    if data["comparisons"]:
        output.console.print(comparisons_table(data["comparisons"]))
    for method, rate in sorted(data.get("failure_rates", {}).items()):
        if rate > 0:
            first = data["failures"][method][0]
            output.prose(
                f"[red]{escape(method)} failed {rate:.0%} of its trials[/] — first: "
                f"{escape(str(first['status']))}: {escape(str(first['reason']))}"
            )
    for line in scaling_lines(data.get("scaling", [])):
        output.prose(escape(line))
    for crossover in data.get("crossovers", []):
        output.prose(f"[bold]crossover:[/] {escape(str(crossover['sentence']))}")
    for warning in data.get("warnings", []):
        output.warn(warning)
    counts: dict[str, int] = {}
    for row in data["comparisons"]:
        for warning in row.get("warnings", []):
            counts[warning] = counts.get(warning, 0) + 1
    for warning, count in counts.items():
        output.warn(warning + (f" ({count} comparisons)" if count > 1 else ""))


@bench_app.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="A benchmark file (ordinary Python).")],
    trials: Annotated[
        int | None,
        typer.Option(
            "--trials",
            help="Trials per method and point (default 10); with --until-decided the trials "
            "before the first analysis (default 5).",
            show_default=False,
        ),
    ] = None,
    until_decided: Annotated[
        bool,
        typer.Option("--until-decided", help="Stop as soon as every primary verdict is decided."),
    ] = False,
    budget: Annotated[
        str | None, typer.Option("--budget", help="Time budget with --until-decided, e.g. 5m.")
    ] = None,
    timeout: Annotated[
        str | None, typer.Option("--timeout", help="Per-trial time limit, e.g. 60s.")
    ] = None,
    memory_limit: Annotated[
        str | None, typer.Option("--memory-limit", help="Per-trial memory limit, e.g. 4GiB.")
    ] = None,
    in_process: Annotated[bool, renamed("--in-process", "--isolation in-process")] = False,
    precision: Annotated[
        str | None,
        typer.Option(
            "--precision",
            metavar="FRACTION",
            help="Run until every primary interval is within ± this: 2% or 0.02.",
        ),
    ] = None,
    isolation: Annotated[
        Isolation | None,
        typer.Option(
            "--isolation",
            case_sensitive=False,
            help="fork (default), spawn (a fresh interpreter per trial) or in-process "
            "(fast, not isolated: a crash ends the run).",
        ),
    ] = None,
    interleave: Annotated[
        Interleave,
        typer.Option(
            "--interleave",
            case_sensitive=False,
            help="auto (chosen for the workload, and said), trials (a process each) or "
            "samples (a block's methods sampled in turn in one process).",
        ),
    ] = Interleave.AUTO,
    cold: Annotated[
        bool,
        typer.Option(
            "--cold",
            help="Before every timed call, run the method's setup and empty an lru_cache'd "
            "method's cache (untimed).",
        ),
    ] = False,
    threads: Annotated[
        int | None, typer.Option("--threads", help="Intra-op threads of trial processes.")
    ] = None,
    gpu_cache: Annotated[
        GpuCache,
        typer.Option(
            "--gpu-cache", case_sensitive=False, help="warm, or cold (L2 flushed, not timed)."
        ),
    ] = GpuCache.WARM,
    gpu_graph: Annotated[
        bool,
        typer.Option(
            "--gpu-graph",
            help="Time CUDA methods as replays of one call captured in a CUDA graph "
            "(no per-kernel launch cost).",
        ),
    ] = False,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Plan seed, for a reproducible trial order.")
    ] = None,
    executor: Annotated[
        Executor,
        typer.Option(
            "--executor",
            case_sensitive=False,
            help="local (this machine) or ray: each block one task on a Ray cluster.",
        ),
    ] = Executor.LOCAL,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            metavar="HOST:PORT",
            help="The Ray cluster's head (default: RAY_ADDRESS, or `ray start` here).",
        ),
    ] = None,
    allow_mixed_hardware: Annotated[
        bool,
        typer.Option(
            "--allow-mixed-hardware",
            help="With --executor ray: compare trials from nodes of different CPU or GPU "
            "models (every report says so).",
        ),
    ] = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Run baseline and candidates interleaved in randomised blocks, each trial isolated.

    Exits 1 when a method failed every one of its trials (nothing could be compared).
    """
    with open_workspace(db, by) as ws:
        flags = _Flags(
            trials,
            until_decided,
            precision,
            budget,
            timeout,
            memory_limit,
            in_process,
            isolation,
            interleave,
            threads,
            gpu_cache,
            seed,
            cold,
            gpu_graph,
            executor=executor,
            address=address,
            allow_mixed_hardware=allow_mixed_hardware,
        )
        options = _options(flags, ws.settings.cost.usd_per_hour)
        from assay.bench import load_benchmark

        spec = load_benchmark(file)
        ws.users.authorize("run.start")  # refuse before drawing a progress bar
        run_id = ws.runs.new_run_id()
        try:
            with _Bar(spec.name) as bar:
                ws.runs.start(file, options, progress=bar, spec=spec, run_id=run_id)
        except KeyboardInterrupt:
            output.error(
                f"interrupted; the finished trials of run {run_id} are kept. "
                f"Finish it with: assay bench resume {run_id}"
            )
            raise typer.Exit(130) from None
        report = ws.runs.report(run_id)
    data = report.to_dict()
    _emit(data, json)
    _exit_when_nothing_compared(data)


def _exit_when_nothing_compared(data: dict[str, Any]) -> None:
    """Exit 1 when a method failed every one of its trials: nothing could be compared."""
    dead = sorted(m for m, rate in data.get("failure_rates", {}).items() if rate >= 1.0)
    if dead:
        output.error(
            f"{', '.join(dead)} failed every trial, so nothing could be compared; "
            f"see the reasons with: assay bench show {data['run_id']}"
        )
        raise typer.Exit(1)


def _emit(data: dict[str, Any], json: bool) -> None:
    if json:
        output.emit_json(data)
    else:
        _print_report(data)


@bench_app.command("resume")
def resume(
    run_id: Annotated[str, typer.Argument(help="The run to finish (see: assay bench list).")],
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            metavar="HOST:PORT",
            help="A run on a Ray cluster: the cluster to finish it on (nodes of the same "
            "hardware); default: the one it started on.",
        ),
    ] = None,
    allow_mixed_hardware: Annotated[
        bool,
        typer.Option(
            "--allow-mixed-hardware",
            help="A run on a Ray cluster: finish it on nodes whose hardware differs from "
            "the nodes its trials ran on so far; every report of the run then says so.",
        ),
    ] = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Finish an interrupted run without repeating or duplicating a finished trial."""
    with open_workspace(db, by) as ws:
        info = ws.runs.resumable(run_id)  # refuse before drawing a progress bar
        ws.users.authorize("run.start")
        with _Bar(info.name) as bar:
            ws.runs.resume(
                run_id,
                progress=bar,
                address=address,
                allow_mixed_hardware=allow_mixed_hardware,
            )
        report = ws.runs.report(run_id)
    data = report.to_dict()
    _emit(data, json)
    _exit_when_nothing_compared(data)


@bench_app.command("list")
def list_(
    db: DbOption = None,
    json: JsonOption = False,
    include_retired: Annotated[
        bool, typer.Option("--include-retired", help="List retired runs too, marked so.")
    ] = False,
) -> None:
    """List runs, newest first, with their state and trial counts."""
    if json:
        with open_workspace(db) as ws:
            document = documents.runs(ws, include_retired=include_retired)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        runs = ws.runs.list(include_retired=include_retired)
        retired = ws.corrections.retired("run") if include_retired else {}
    if not runs:
        output.console.print("No runs yet. Start one: assay bench run FILE")
        return
    k = output.Kind
    table = output.table(
        output.Column("Run", k.ID), output.Column("Benchmark"), output.Column("State", k.LABEL),
        output.Column("Trials", k.NUMBER), output.Column("Started (UTC)", k.DATE),
    )  # fmt: skip
    for r in runs:
        planned = "?" if r.planned is None else str(r.planned)
        failed = f", {r.failed} failed" if r.failed else ""
        kind = "" if r.kind == "bench" else f" ({r.kind})"
        table.add_row(
            r.run_id,
            Text(r.name + kind),
            Text(r.state, style="red" if r.state == "interrupted" else "")
            + Text(" (retired)" if r.run_id in retired else "", style="bold red"),
            f"{r.completed}/{planned}{failed}",
            r.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    output.console.print(table)


@bench_app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="The run.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Show a run: per-method summaries and every comparison with its verdict (a load
    run or an A/B analysis as `load show` and `ab show` print it)."""
    if json:
        with open_workspace(db) as ws:
            document = documents.run(ws, run_id)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        report = ws.runs.report(run_id)  # one read of the run (its result may be large)
        info = report.info
        retired = ws.corrections.retirement("run", info.run_id)
        if retired.retired:  # it judges nothing any more (assay bench retire)
            output.prose(f"[bold red]Retired:[/] {escape(retired.describe())}")
        if info.kind == "load":  # shown as measured, as `assay load show` does
            from assay.cli import load as load_cli

            load_cli.print_stored(ws.load.show(info.run_id))
            return
        if info.kind == "ab":  # as `assay ab show` does
            from assay.cli import ab as ab_cli

            ab_cli.print_stored(ws.ab.show(info.run_id))
            return
    _emit(report.to_dict(), json)


@bench_app.command("compare")
def compare(
    run_id: Annotated[str, typer.Argument(help="The run.")],
    metric: Annotated[str, typer.Option("--metric", help="The metric, e.g. time or accuracy.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Show the comparisons of one metric in a run, across candidates and sweep points."""
    with open_workspace(db) as ws:
        report = ws.runs.report(run_id)
    rows = [row.to_dict() for row in report.result.comparisons if row.metric == metric]
    if not rows:
        known = sorted({row.metric for row in report.result.comparisons})
        raise InputError(f"run {run_id} has no comparison on metric {metric!r}; it has {known}")
    if json:
        output.emit_json({"run_id": run_id, "metric": metric, "comparisons": rows})
    else:
        output.console.print(comparisons_table(rows, title=f"{metric} in run {run_id}"))
        fits = [fit.to_dict() for fit in report.result.scaling if fit.metric == metric]
        for line in scaling_lines(fits):
            output.console.print(line)
        for crossover in report.result.crossovers:
            if crossover.metric == metric:
                output.console.print(f"[bold]crossover:[/] {escape(crossover.sentence)}")


@bench_app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="A results file (pyperf .json or .json.gz, pytest-benchmark, asv, Google "
            "Benchmark, hyperfine), or a .benchmarks or asv results folder (each save a run)."
        ),
    ],
    fmt: Annotated[
        BenchFormat | None,
        typer.Option(
            "--format", case_sensitive=False, help="The tool that wrote it; default: read from it."
        ),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="NAME",
            help="The benchmarks compete: compare each with NAME. Default: each benchmark "
            "kept on its own, no verdict between them.",
        ),
    ] = None,
    metric: Annotated[
        TimeMetric,
        typer.Option(
            "--metric", case_sensitive=False, help="Google Benchmark: real (wall) or cpu time."
        ),
    ] = TimeMetric.REAL,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Record another tool's results as runs, keeping raw values and metadata."""
    with open_workspace(db, by) as ws:
        infos = ws.runs.import_all(file, fmt=fmt, baseline=baseline, metric=metric.value)
    if json:
        runs = [info.to_dict() for info in infos]
        output.emit_json(runs[0] if len(runs) == 1 and not file.is_dir() else {"runs": runs})
        return
    for info in infos:
        count = len(info.header.get("spec", {}).get("benchmarks", []))
        what = f"{info.completed} trial{'s' * (info.completed != 1)}"
        what = f"{count} benchmark{'s' * (count != 1)} ({what})" if count else what
        output.console.print(
            f"Imported {what} from {escape(info.source)} as run [bold]{escape(info.run_id)}[/] "
            f"({escape(info.kind)}); see it with: assay bench show {escape(info.run_id)}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
