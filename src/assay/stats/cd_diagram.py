"""The critical-difference diagram (Demšar 2006, *JMLR* 7:1-30, §3.2.4, Fig. 1).

Methods sit on an axis of average rank (best on the left); a bar above shows
the critical difference, and thick horizontal lines join groups of methods
whose average ranks are within it of each other (not significantly different
by the Nemenyi test). matplotlib is imported only when a diagram is drawn, and
the figure is built without ``pyplot``, so no window or global state is
involved: save it with ``figure.savefig(path)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.stats.ranking import NemenyiResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["cliques", "critical_difference_diagram"]


def cliques(ranks: list[float], critical_difference: float) -> list[tuple[int, int]]:
    """Maximal runs ``(first, last)`` of rank-sorted positions spanning less than CD."""
    found: list[tuple[int, int]] = []
    for start in range(len(ranks)):
        end = start
        while end + 1 < len(ranks) and ranks[end + 1] - ranks[start] <= critical_difference:
            end += 1
        if end > start and not any(s <= start and end <= e for s, e in found):
            found.append((start, end))
    return found


def _draw_axis(ax: Axes, k: int) -> None:
    ax.set_xlim(0.5, k + 0.5)
    ax.set_ylim(0.0, 1.0)
    ax.axis("off")
    ax.hlines(0.8, 1, k, color="black", linewidth=1)
    for rank in range(1, k + 1):
        ax.vlines(rank, 0.8, 0.83, color="black", linewidth=1)
        ax.text(rank, 0.86, str(rank), ha="center", va="bottom", fontsize=9)


def _draw_methods(ax: Axes, names: list[str], ranks: list[float]) -> None:
    k = len(names)
    half = (k + 1) // 2
    step = 0.55 / max(half, 1)
    for position, (name, rank) in enumerate(zip(names, ranks, strict=True)):
        left = position < half
        level = 0.7 - step * (position if left else k - 1 - position)
        end = 0.5 if left else k + 0.5
        ax.plot([rank, rank, end], [0.8, level, level], color="black", linewidth=0.8)
        ax.text(
            end + (-0.02 if left else 0.02),
            level,
            f"{name} ({rank:.2f})",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
        )


def critical_difference_diagram(result: NemenyiResult, *, title: str | None = None) -> Figure:
    """A matplotlib ``Figure`` of the average ranks and the Nemenyi critical difference."""
    from matplotlib.figure import Figure

    order = sorted(range(len(result.names)), key=lambda i: result.average_ranks[i])
    names = [result.names[i] for i in order]
    ranks = [result.average_ranks[i] for i in order]
    k = len(names)
    figure = Figure(figsize=(max(6.0, 1.1 * k), 1.2 + 0.3 * k))
    ax = figure.add_subplot(1, 1, 1)
    _draw_axis(ax, k)
    cd = result.critical_difference
    ax.hlines(0.95, 1, 1 + cd, color="black", linewidth=2)
    ax.text(1 + cd / 2, 0.97, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=9)
    _draw_methods(ax, names, ranks)
    for number, (first, last) in enumerate(cliques(ranks, cd)):
        level = 0.77 - 0.03 * number
        ax.hlines(level, ranks[first] - 0.03, ranks[last] + 0.03, color="black", linewidth=3)
    if title:
        ax.set_title(title, fontsize=10)
    return figure
