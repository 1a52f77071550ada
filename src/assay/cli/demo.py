"""``assay demo``: build a realistic demo workspace and show it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from assay.cli import output, render
from assay.workspace.demo import build_demo


def demo(
    directory: Annotated[
        Path, typer.Argument(help="Where to build it; an earlier demo there is replaced.")
    ] = Path("assay-demo"),
) -> None:
    """Build a demo workspace with a team's radar, then print the radar."""
    ws, ctx = build_demo(directory)
    with ws:
        techniques = ws.techniques()
    for line in ctx.log:
        output.console.print(f"[green]✓[/] {line}")
    output.console.print(render.radar_table(techniques, dt.date.today()))
    output.console.print(
        f"\nThe demo workspace is in [bold]{ctx.root}[/]. Try:\n"
        f"  cd {directory} && assay technique show FlashAttention\n"
        f"  cd {directory} && assay radar overdue"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
