"""``assay demo``: build a realistic demo workspace and show it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from assay.cli import output, render
from assay.demo import build_demo


def demo(
    directory: Annotated[
        Path, typer.Argument(help="Where to build it; an earlier demo there is replaced.")
    ] = Path("assay-demo"),
) -> None:
    """Build a demo workspace with a team's radar, then print the radar."""
    with output.err_console.status("Building the demo workspace (a real benchmark runs)..."):
        ws, ctx = build_demo(directory)
    with ws:
        techniques = ws.radar.list()
        study = ws.runs.report(ctx.runs["attention"]) if "attention" in ctx.runs else None
    for line in ctx.log:
        output.console.print(f"[green]✓[/] {escape(line)}")
    output.console.print(render.radar_table(techniques, dt.date.today()))
    if study is not None:
        _print_study(study.to_dict())
    output.console.print(
        f"\nThe demo workspace is in [bold]{escape(str(ctx.root))}[/]. Try:\n"
        f"  source .venv/bin/activate   # if assay is not on your PATH yet\n"
        f"  cd {directory}\n"
        f"  assay technique show FlashAttention\n"
        f"  assay radar overdue\n"
        f"  assay bench show {ctx.runs.get('attention', 'RUN_ID')}\n"
        f"  assay rollout show 'Speculative decoding'\n"
        f"  assay watch show decode latency --method speculative\n"
        f"  assay review agenda         # the reopened decision, with its evidence\n"
        f"  assay inbox sources         # where the papers came from, and how far they got\n"
        f"  assay learning list         # what each prototype taught the team\n"
        f"  assay credibility           # predicted against measured, and who called it\n"
        f"  assay serve                 # the team's web app on http://127.0.0.1:8765"
    )
    if ctx.passwords:
        logins = ", ".join(f"{name} / {pw}" for name, pw in ctx.passwords.items())
        output.console.print(f"Web app logins (demo passwords only): {escape(logins)}")


def _print_study(data: dict[str, Any]) -> None:
    """The attention study in a few lines: equal outputs, memory saved, time, crossover."""
    from assay.cli.bench import comparisons_table, scaling_lines

    rows = [row for row in data["comparisons"] if row["metric"] in ("time", "peak_heap")]
    output.console.print(
        comparisons_table(
            rows, title=f"Tiled vs naive attention (run {escape(str(data['run_id']))})"
        )
    )
    quality = [row for row in data["comparisons"] if row["metric"] == "matches_reference"]
    if quality:
        same = all(row["verdict"] == "equivalent" for row in quality)
        output.console.print(
            "outputs: "
            + (
                "equal to the float64 reference within tolerance at every length"
                if same
                else "[red]differ from the reference at some lengths[/]"
            )
        )
    for line in scaling_lines(data.get("scaling", [])):
        output.console.print(line)
    for crossover in data.get("crossovers", []):
        output.console.print(f"[bold]crossover:[/] {escape(str(crossover['sentence']))}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
