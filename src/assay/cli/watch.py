"""``assay watch``: the watched history per benchmark and metric, its change points, and
the decisions they reopened (see docs/watch.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace

if TYPE_CHECKING:
    from assay.workspace.watch import Reopened, SeriesHistory

watch_app = typer.Typer(
    help="Watched metrics: the history per benchmark and metric, change points, and the "
    "decisions they reopen.",
    invoke_without_command=True,
)

_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """A small text sparkline of ``values`` (one character each, the last 60)."""
    values = values[-60:]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    if span <= 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[min(7, int((v - low) / span * 8))] for v in values)


def _number(value: float) -> str:
    return f"{value:.4g}"


@watch_app.callback()
def series(
    ctx: typer.Context,
    benchmark: Annotated[
        str | None, typer.Option("--benchmark", help="Only this benchmark (a run's name).")
    ] = None,
    metric: Annotated[
        str | None, typer.Option("--metric", help="Only this metric (latency, latency.p99...).")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Every watched series: its last value, number of points and latest change point."""
    if ctx.invoked_subcommand is not None:
        return
    from assay.pipeline.revisit import series_metric

    with open_workspace(db) as ws:
        found = ws.watch.series(
            benchmark=benchmark, metric=None if metric is None else series_metric(metric)
        )
        reopened = ws.watch.reopened()
    if json:
        output.emit_json(
            {"series": [s.to_dict() for s in found], "reopened": [r.to_dict() for r in reopened]}
        )
        return
    if not found:
        output.prose("No watched series yet: every finished or imported run adds its points.")
        return
    table = output.table(
        output.Column("Benchmark", output.Kind.ID),
        output.Column("Metric", output.Kind.ID),
        output.Column("Method", output.Kind.ID),
        output.Column("Point", output.Kind.NAMES),
        output.Column("Points", output.Kind.NUMBER, justify="right"),
        output.Column("Last", output.Kind.NUMBER, justify="right"),
        output.Column("Latest change", output.Kind.LABEL),
    )
    for s in found:
        change = "—" if s.change is None else f"#{s.change['index']}: {_shift(s.change)}"
        table.add_row(
            escape(s.key.benchmark),
            escape(s.key.metric),
            escape(s.key.method),
            escape(s.key.point) or "—",
            str(s.points),
            _number(s.last),
            change,
        )
    output.console.print(table)
    _print_reopened(reopened)


def _shift(change: dict[str, Any]) -> str:
    """``+24.9%`` (or ``0.08 → 0.1`` when the relative change is undefined)."""
    rel = change.get("relative_change")
    if isinstance(rel, float):
        return f"{rel:+.1%}"
    return f"{float(change['mean_before']):.4g} → {float(change['mean_after']):.4g}"


def _change_text(change: dict[str, Any]) -> str:
    """``0.08 → 0.0999 (+24.9%, p = 1e-09)``."""
    before, after = float(change["mean_before"]), float(change["mean_after"])
    rel = change.get("relative_change")
    shift = f"{rel:+.1%}, " if isinstance(rel, float) else ""
    return f"{before:.4g} → {after:.4g} ({shift}p = {float(change['pvalue']):.2g})"


def _print_reopened(reopened: list[Reopened]) -> None:
    for item in reopened:
        output.warn(item.line())


@watch_app.command("show")
def show(
    benchmark: Annotated[str, typer.Argument(help="The benchmark (a run's name).")],
    metric: Annotated[str, typer.Argument(help="The metric: latency, latency.p99, accuracy...")],
    method: Annotated[str | None, typer.Option("--method", help="Only this method.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The history of a benchmark's metric and its change points, as a table."""
    with open_workspace(db) as ws:
        histories = ws.watch.show(benchmark, metric, method=method)
    if json:
        output.emit_json({"series": [h.to_dict() for h in histories]})
        return
    for history in histories:
        _print_history(history)


def _print_history(history: SeriesHistory) -> None:
    values = [p.value for p in history.points]
    output.prose(
        f"[bold]{escape(history.key.label())}[/]: {len(values)} points  {sparkline(values)}"
    )
    starts = {int(str(c["index"])): c for c in history.changes}
    table = output.table(
        output.Column("#", output.Kind.NUMBER, justify="right"),
        output.Column("Run", output.Kind.ID),
        output.Column("When", output.Kind.DATE),
        output.Column("Commit", output.Kind.ID),
        output.Column("Value", output.Kind.NUMBER, justify="right"),
        output.Column("Change point", output.Kind.TEXT),
    )
    for index, point in enumerate(history.points):
        change = starts.get(index)
        table.add_row(
            str(index),
            point.run_id,
            f"{point.at:%Y-%m-%d %H:%M}",
            (point.git_commit or "—")[:12],
            _number(point.value),
            "—" if change is None else _change_text(change),
        )
    output.console.print(table)


@watch_app.command("check")
def check(db: DbOption = None, by: ByOption = None, json: JsonOption = False) -> None:
    """Evaluate the revisit dates reached (and add runs stored before the history), then
    list the reopened decisions. Exits 0 whatever it finds."""
    with open_workspace(db, by) as ws:
        reopened = ws.watch.check()
    if json:
        output.emit_json({"reopened": [r.to_dict() for r in reopened]})
        return
    if not reopened:
        output.prose("No reopened decision.")
        return
    _print_reopened(reopened)


@watch_app.command("dismiss")
def dismiss(
    decision: Annotated[int, typer.Argument(help="The decision's number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the decision stands (recorded).")],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Close a decision's reopenings with a reason (approver); recorded."""
    with open_workspace(db, by) as ws:
        closed = ws.watch.dismiss(decision, why=reason)
    if json:
        output.emit_json({"decision": decision, "dismissed": closed, "reason": reason})
        return
    output.prose(f"Dismissed {closed} reopening(s) of decision {decision}: {escape(reason)}")


def register(app: typer.Typer) -> None:
    app.add_typer(watch_app, name="watch")
