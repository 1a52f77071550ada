"""No text of a figure is cut off (issue 10, problem 11: the forest plot's axis label
was): every text's extent, as matplotlib's renderer lays it out for the saved SVG,
lies inside the figure, with long method names and a long baseline name."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from assay.bench import BenchmarkResult
from assay.report import plots

LONG = "reference_implementation_with_a_long_name"


def _renamed(result: BenchmarkResult) -> BenchmarkResult:
    """The run with a long candidate name on every comparison and ablation row."""
    return dataclasses.replace(
        result,
        comparisons=[
            dataclasses.replace(r, candidate=LONG + "_candidate") for r in result.comparisons
        ],
        ablation=[dataclasses.replace(r, component=LONG) for r in result.ablation],
    )


def _outside(figure: object) -> list[str]:
    """The visible texts of ``figure`` whose laid-out extent leaves it."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    assert isinstance(figure, Figure)
    renderer = figure._get_renderer()  # type: ignore[attr-defined]  # the SVG canvas's
    bounds = figure.bbox
    out = []
    for text in figure.findobj(Text):
        if not text.get_visible() or not text.get_text() or id(text) in _undrawn(figure):
            continue
        box = text.get_window_extent(renderer)
        if (
            box.x0 < bounds.x0 - 0.5
            or box.y0 < bounds.y0 - 0.5
            or box.x1 > bounds.x1 + 0.5
            or box.y1 > bounds.y1 + 0.5
        ):
            out.append(f"{text.get_text()!r}: {box} outside {bounds}")
    return out


def _undrawn(figure: object) -> set[int]:
    """The tick labels matplotlib keeps but does not draw: their tick lies outside
    the axis's view."""
    out = set()
    for ax in figure.axes:  # type: ignore[attr-defined]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not low <= tick.get_loc() <= high:
                    out |= {id(tick.label1), id(tick.label2)}
    return out


Builder = Callable[[BenchmarkResult, BenchmarkResult], object]
FIGURES: dict[str, Builder] = {
    "forest": lambda demo, _: plots._forest_figure(demo.comparisons, baseline=LONG),
    "distributions": lambda demo, _: plots._distributions_figure(demo),
    "sweep": lambda _, sorting: plots._sweep_figure(sorting, "n"),
    "ablation": lambda _, sorting: plots._ablation_figure(sorting.ablation),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_text_lies_inside_the_saved_figure(
    name: str, demo_result: BenchmarkResult, ablation_result: BenchmarkResult
) -> None:
    with plots._drawing():
        figure = FIGURES[name](_renamed(demo_result), _renamed(ablation_result))
        assert figure is not None
        svg = plots._to_svg(figure)  # type: ignore[arg-type]
        assert svg.startswith("<svg")
        assert _outside(figure) == []


def test_the_check_sees_the_forest_label_cut_off_without_fitting(
    demo_result: BenchmarkResult,
) -> None:
    """The check can fail: the forest plot laid out at its first size, as it was saved
    before, has its axis label cut off."""
    with plots._drawing():
        figure = plots._forest_figure(_renamed(demo_result).comparisons, baseline=LONG * 2)
        assert figure is not None
        figure.draw_without_rendering()
        assert _outside(figure)
