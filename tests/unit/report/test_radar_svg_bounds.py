"""Every label of the radar SVG lies inside its viewBox (issue 10, problem 11: the
left area's label was cut off).

Text widths are measured with matplotlib's layout of DejaVu Sans, the first font the
SVG names (the widest of the three it lists), independently of the estimate the radar
itself uses to make room.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from assay.demo.radar import RADAR
from assay.pipeline.radar import Technique
from assay.report import radar_svg
from assay.report.svgtools import text_width
from assay.types import Ring

NS = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]


def _measured(text: str, size: float, bold: bool) -> float:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal", size=size)
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def _box(element: ET.Element) -> Box:
    """The text's extent in user units: its measured width placed by its anchor, a
    line's height placed by its baseline, turned by a ``rotate(-90 x y)``."""
    size = float(element.get("font-size", 16))
    width = _measured(element.text or "", size, element.get("font-weight") == "700")
    x, y = float(element.get("x", 0)), float(element.get("y", 0))
    start = {"start": 0.0, "middle": -width / 2, "end": -width}[element.get("text-anchor", "start")]
    if element.get("dominant-baseline") == "central":
        top, bottom = -0.6 * size, 0.6 * size
    else:
        top, bottom = -0.95 * size, 0.25 * size  # DejaVu's ascent and descent, rounded up
    left, right = start, start + width
    if re.search(r"rotate\(-90\b", element.get("transform", "")):
        left, right, top, bottom = top, bottom, -right, -left
    return x + left, y + top, x + right, y + bottom


def _outside(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    vx, vy, vw, vh = (float(v) for v in root.get("viewBox", "").split())
    out = []
    for element in root.iter(f"{NS}text"):
        x0, y0, x1, y1 = _box(element)
        if x0 < vx or y0 < vy or x1 > vx + vw or y1 > vy + vh:
            out.append(f"{element.text!r} at ({x0:.0f}, {y0:.0f})-({x1:.0f}, {y1:.0f})")
    return out


def _radar(areas: list[str], per_area: int = 2) -> list[Technique]:
    rings = list(Ring)
    return [
        Technique(f"{area} technique {k}", area, rings[k % len(rings)])
        for area in areas
        for k in range(per_area)
    ]


LONG = "Distributed training infrastructure"


@pytest.mark.parametrize("count", [2, 3, 4, 5, 6, 8])
def test_every_area_label_lies_inside_the_picture(count: int) -> None:
    """Long area names in every position: left, right, top and bottom of the circle."""
    areas = [f"{LONG} {chr(ord('A') + i)}" for i in range(count)]
    assert _outside(radar_svg(_radar(areas))) == []


def test_the_demo_radar_and_wide_names_fit() -> None:
    demo = [Technique(e.name, e.area, e.moves[-1][1]) for e in RADAR]
    assert _outside(radar_svg(demo)) == []
    wide = [Technique("W" * 30 + f" {k}", "MMMMMMMMMMMMMMMM", Ring.TRIAL) for k in range(3)]
    assert _outside(radar_svg([*demo, *wide])) == []


def test_the_check_sees_a_label_outside() -> None:
    """The check itself can fail: a label moved out of the picture is reported."""
    svg = radar_svg(_radar(["inference", "training"]))
    moved = re.sub(r'(class="area-label" x=")[^"]+', r"\g<1>-500", svg, count=1)
    assert len(_outside(moved)) == 1


def test_the_radar_estimate_never_falls_short_of_the_font() -> None:
    for text in ("Heap sort", "WWW MMM", "iiil.,", "Tiled attention (TRIAL)", "0123456789"):
        for size, bold in ((13, True), (11, False), (11, True), (8, True), (9, True)):
            assert text_width(text, size, bold=bold) >= _measured(text, size, bold) - 1e-6
