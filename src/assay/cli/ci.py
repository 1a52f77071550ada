"""``assay ci``: base against head, interleaved in one job, alerts only when confirmed.

A thin wrapper over :func:`assay.bench.ci_job.run_ci`: it parses the options,
checks the output files before any work, shows progress on stderr, prints the
Markdown comment (or, with ``--json``, the JSON document) and exits 1 only when
a regression beyond its margin and noise floor was confirmed (or a benchmark
could not be compared at all). A SIGTERM (a cancelled CI job) ends the job like
Ctrl-C: the worktrees are removed either way.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from assay.cli import files, output
from assay.cli.common import JsonOption
from assay.types import parse_fraction

__all__ = ["ci_command", "register"]


def _margin(text: str) -> float:
    return parse_fraction(
        text, field="--margin", what="the smallest change that matters", example=0.03
    )


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit(143) for the duration, so ``finally`` blocks run."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(143)

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Progress:
    """A one-line progress bar per pass on stderr."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=output.err_console,
        )
        self.tasks: dict[str, Any] = {}

    def __call__(self, state: Any) -> None:
        if state.stage not in self.tasks:
            self.tasks[state.stage] = self.bar.add_task(state.stage, total=state.planned)
        self.bar.update(self.tasks[state.stage], completed=state.done, total=state.planned)


def ci_command(
    bench_file: Annotated[
        Path, typer.Argument(help="The benchmark file (taken from head's commit).")
    ],
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="The commit to compare against; default: the merge base of HEAD and "
            "origin/$GITHUB_BASE_REF (else origin/main, else main).",
        ),
    ] = None,
    head: Annotated[
        str | None, typer.Option("--head", help="The commit to measure; default: HEAD.")
    ] = None,
    trials: Annotated[
        int,
        typer.Option(
            "--trials",
            help="Blocks per pass (at least 3): each starts fresh processes and is one "
            "paired trial per arm.",
        ),
    ] = 20,
    rounds: Annotated[
        int,
        typer.Option(
            "--rounds",
            help="Turns the arms take within a block, each a short trial (docs/ci.md).",
        ),
    ] = 10,
    cpu: Annotated[
        int | None,
        typer.Option("--cpu", help="Pin every trial to this CPU; default: the last one usable."),
    ] = None,
    pin: Annotated[
        bool,
        typer.Option("--pin/--no-pin", help="Pin the trials to one CPU (see --cpu)."),
    ] = True,
    margin: Annotated[
        str,
        typer.Option(
            "--margin",
            help="Smallest change in time that matters (a metric's declared margin "
            "overrides it): 3% or 0.03.",
        ),
    ] = "3%",
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm/--no-confirm",
            help="Re-run an apparent regression with fresh trials before reporting it.",
        ),
    ] = True,
    confirm_trials: Annotated[
        int | None,
        typer.Option(
            "--confirm-trials",
            help="Blocks of the confirmation pass (at least 3); default: twice --trials.",
        ),
    ] = None,
    method: Annotated[
        list[str] | None,
        typer.Option("--method", help="Measure only this method (repeatable); default all."),
    ] = None,
    src: Annotated[
        str | None,
        typer.Option(
            "--src",
            help="Folder (in the repository) to import each commit's code from; default "
            "src if it exists, else the repository root.",
        ),
    ] = None,
    bench_from: Annotated[
        str,
        typer.Option("--bench-from", help="Take the benchmark file from head or base."),
    ] = "head",
    allow_mismatch: Annotated[
        bool,
        typer.Option(
            "--allow-mismatch",
            help="Run even when base and head see different hardware or Python.",
        ),
    ] = False,
    statistic: Annotated[
        str,
        typer.Option(
            "--statistic",
            help="A trial's time: median (of its calls; default) or min (the fastest call, "
            "steadier on a noisy shared runner).",
        ),
    ] = "median",
    seed: Annotated[int, typer.Option("--seed", help="Plan seed (trial order).")] = 0,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Per-trial time limit in seconds.")
    ] = 300.0,
    markdown: Annotated[
        Path | None,
        typer.Option("--markdown", help="Write the Markdown comment to this file."),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json-file", help="Write the JSON document to this file.")
    ] = None,
    force: files.ForceOption = False,
    json: JsonOption = False,
) -> None:
    """Benchmark base against head interleaved in one job; exit 1 on a confirmed regression.

    Each method of BENCH_FILE runs at both commits, each from its own git worktree.

    Base against base gives each row's noise floor; a regression is re-run to confirm it.

    Exit: 0 no alert, 1 a confirmed regression (or an arm failing every trial), 2 bad input.
    """
    from assay.bench.ci_job import run_ci
    from assay.bench.ci_render import render_markdown
    from assay.bench.ci_run import CiOptions, default_cpu

    for out, option in ((markdown, "--markdown"), (json_file, "--json-file")):
        if out is not None:
            files.check_output(out, force=force, option=option)
    options = CiOptions(
        trials=trials,
        rounds=rounds,
        cpu=(default_cpu() if cpu is None else cpu) if pin else None,
        margin=_margin(margin),
        confirm=confirm,
        confirm_trials=confirm_trials,
        seed=seed,
        timeout=timeout,
        methods=tuple(method or ()),
        statistic=statistic,
    )
    progress = _Progress()
    try:
        with _terminate_as_exit(), progress.bar:
            report = run_ci(
                bench_file,
                base=base,
                head=head,
                options=options,
                src=src,
                bench_from=bench_from,
                allow_mismatch=allow_mismatch,
                progress=progress,
            )
    except (KeyboardInterrupt, SystemExit) as exc:
        code = exc.code if isinstance(exc, SystemExit) else 130
        output.error("interrupted; nothing was reported and the worktrees were removed")
        raise typer.Exit(code if isinstance(code, int) else 130) from None
    text = render_markdown(report)
    data = report.to_dict()
    if markdown is not None:
        files.write_text(markdown, text)
    if json_file is not None:
        from assay import encoding

        files.write_text(json_file, encoding.dumps(data, indent=2) + "\n")
    if json:
        output.emit_json(data)
    elif markdown is None:
        output.emit_text(text)
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    """Add the ``ci`` command to ``app``."""
    app.command("ci")(ci_command)
