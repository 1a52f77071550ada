"""The research radar as one SVG picture with a numbered list beside it.

Rings ADOPT (centre) to SKIP (outside) are concentric bands; each area is a
sector, however many areas there are. Every technique is a numbered blip in
its ring and area, and the list beside the picture names each number, grouped
by area, so the picture stays readable however crowded it gets.

Blips never overlap: each ring-and-area cell is filled row by row with slots at
least one blip-spacing apart (measured as chords, not arcs), kept half a spacing
from the cell's edges, so blips in neighbouring cells are a spacing apart too;
when a cell has fewer slots than techniques the whole radar grows until every
cell fits. The strip along the first sector line stays free of blips and
carries the ring names.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from assay.pipeline.radar import Technique
from assay.report.svgtools import text_width
from assay.types import Ring

__all__ = ["BLIP_RADIUS", "radar_svg"]

BLIP_RADIUS = 9.0
"""Radius of a blip in pixels."""
_GAP = 4.0
_SPACING = 2 * BLIP_RADIUS + _GAP
_BOUNDS = (0.0, 0.3, 0.5, 0.67, 0.84, 1.0)  # ring edges as fractions of the radius
_RING_FILL = ("#dbe9f6", "#e4eef8", "#edf3fa", "#f3f6fa", "#f8f9fb")
_AREA_COLOURS = ("#0969da", "#bf3989", "#1a7f37", "#bc4c00", "#8250df", "#1b7c83", "#9a6700")
_MARGIN = 60.0
_LINE = 15.0
_LABEL_STRIP = 7.0  # extra room beside the first sector line, where the ring names are


@dataclasses.dataclass(frozen=True)
class _Blip:
    number: int
    technique: Technique
    area_index: int
    x: float
    y: float


def _cell_slots(
    r0: float, r1: float, a0: float, a1: float, *, strip: tuple[bool, bool] = (False, False)
) -> list[tuple[float, float]]:
    """Polar slots (r, angle) in a ring-and-area cell, kept ``_SPACING / 2`` from its
    edges (and clear of the ring names' strip on the sides flagged in ``strip``)
    and ``_SPACING`` apart from each other."""
    half = _SPACING / 2
    slots = []
    r = max(r0 + half, _SPACING)
    while r <= r1 - half + 1e-9:
        pads = [math.asin(min(1.0, (half + (_LABEL_STRIP if s else 0)) / r)) for s in strip]
        step = 2 * math.asin(min(1.0, half / r))
        usable = (a1 - a0) - sum(pads)
        if usable >= 0:
            count = int(usable / step + 1e-9) + 1
            offset = (usable - (count - 1) * step) / 2
            slots += [(r, a0 + pads[0] + offset + k * step) for k in range(count)]
        r += _SPACING
    return slots


def _spread(slots: list[tuple[float, float]], n: int) -> list[tuple[float, float]]:
    """``n`` of ``slots`` spread evenly over the list."""
    total = len(slots)
    return [slots[int((k + 0.5) * total / n)] for k in range(n)]


def _layout(
    cells: dict[tuple[int, int], list[Technique]], areas: int
) -> tuple[float, dict[tuple[int, int], list[tuple[float, float]]]]:
    """The smallest radius (from 240 px, growing 10% at a time) at which every cell
    has a slot for each of its techniques, and the chosen slots."""
    radius = 240.0
    sector = 2 * math.pi / max(areas, 1)
    while True:
        chosen = {}
        for (ring, area), members in cells.items():
            a0 = -math.pi / 2 + area * sector
            strip = (area == 0, area == areas - 1)
            r0, r1 = _BOUNDS[ring] * radius, _BOUNDS[ring + 1] * radius
            slots = _cell_slots(r0, r1, a0, a0 + sector, strip=strip)
            if len(slots) < len(members):
                break
            chosen[(ring, area)] = _spread(slots, len(members))
        else:
            return radius, chosen
        radius *= 1.1


def _ordered(techniques: Sequence[Technique]) -> tuple[list[str], list[Technique]]:
    areas = sorted({t.area for t in techniques}, key=str.lower)
    ordered = sorted(
        techniques, key=lambda t: (areas.index(t.area), t.ring.order, t.name.lower(), t.name)
    )
    return areas, ordered


def _blips(techniques: Sequence[Technique]) -> tuple[float, list[str], list[_Blip]]:
    areas, ordered = _ordered(techniques)
    cells: dict[tuple[int, int], list[Technique]] = {}
    for t in ordered:
        cells.setdefault((t.ring.order, areas.index(t.area)), []).append(t)
    radius, slots = _layout(cells, len(areas))
    centre = radius + _MARGIN
    numbers = {id(t): i for i, t in enumerate(ordered, 1)}
    blips = []
    for (_, area), members in cells.items():
        for t, (r, angle) in zip(members, slots[(_, area)], strict=True):
            x, y = centre + r * math.cos(angle), centre + r * math.sin(angle)
            blips.append(_Blip(numbers[id(t)], t, area, x, y))
    return radius, areas, sorted(blips, key=lambda b: b.number)


def _f(value: float) -> str:
    return f"{value:.1f}"


def _rings(centre: float, radius: float, areas: list[str]) -> list[str]:
    out = []
    for ring in reversed(Ring):
        r = _BOUNDS[ring.order + 1] * radius
        out.append(
            f'<circle class="ring" cx="{_f(centre)}" cy="{_f(centre)}" r="{_f(r)}" '
            f'fill="{_RING_FILL[ring.order]}" stroke="#b6c2d2" stroke-width="1"/>'
        )
    if len(areas) > 1:
        for index in range(len(areas)):
            angle = -math.pi / 2 + index * 2 * math.pi / len(areas)
            x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
            out.append(
                f'<line x1="{_f(centre)}" y1="{_f(centre)}" x2="{_f(x)}" y2="{_f(y)}" '
                'stroke="#b6c2d2" stroke-width="1.5"/>'
            )
    for ring in Ring:  # ring names along the blip-free strip above the centre
        middle = (_BOUNDS[ring.order] + _BOUNDS[ring.order + 1]) / 2 * radius
        x, y = centre, centre - middle
        out.append(
            f'<text class="ring-label" x="{_f(x)}" y="{_f(y)}" transform="rotate(-90 {_f(x)} '
            f'{_f(y)})" text-anchor="middle" dominant-baseline="central" font-size="8" '
            'font-weight="700" fill="#57606a" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{ring.value}</text>'
        )
    return out


_AREA_SIZE = 13.0
_LEGEND_SIZE = 11.0
_PAD = 6.0  # between a label's estimated extent and the picture's edge


def _area_labels(centre: float, radius: float, areas: list[str]) -> tuple[list[str], float, float]:
    """The area names outside the circle; returns the SVG lines and how far the
    widest reach left of 0 and right of the circle's square (never less than 0)."""
    out, left, right = [], 0.0, 2 * centre
    for index, area in enumerate(areas):
        angle = -math.pi / 2 + (index + 0.5) * 2 * math.pi / max(len(areas), 1)
        x = centre + (radius + 16) * math.cos(angle)
        y = centre + (radius + 16) * math.sin(angle)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        width = text_width(area, _AREA_SIZE, bold=True)
        start = x - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
        left, right = min(left, start - _PAD), max(right, start + width + _PAD)
        colour = _AREA_COLOURS[index % len(_AREA_COLOURS)]
        out.append(
            f'<text class="area-label" x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" '
            f'dominant-baseline="central" font-size="{_AREA_SIZE:g}" font-weight="700" '
            f'fill="{colour}">{escape(area)}</text>'
        )
    return out, -left, right - 2 * centre


def _blip(blip: _Blip) -> str:
    colour = _AREA_COLOURS[blip.area_index % len(_AREA_COLOURS)]
    t = blip.technique
    tip = escape(f"{blip.number}. {t.name}: {t.ring.value} ({t.area})")
    return (
        f'<g class="blip" data-name={quoteattr(t.name)} data-ring="{t.ring.value}">'
        f"<title>{tip}</title>"
        f'<circle cx="{_f(blip.x)}" cy="{_f(blip.y)}" r="{BLIP_RADIUS:g}" fill="{colour}"/>'
        f'<text x="{_f(blip.x)}" y="{_f(blip.y)}" text-anchor="middle" '
        f'dominant-baseline="central" font-size="9" font-weight="700" fill="#fff">'
        f"{blip.number}</text></g>"
    )


def _legend(
    blips: list[_Blip], areas: list[str], left: float, height: float
) -> tuple[list[str], float, float]:
    """The numbered list, grouped by area, in as many columns as the height needs;
    returns the SVG lines, its width and its height."""
    lines: list[tuple[str, str, int]] = []  # (kind, text, area index)
    for index, area in enumerate(areas):
        if lines:
            lines.append(("gap", "", index))
        lines.append(("area", area, index))
        lines += [
            ("item", f"{b.number}. {b.technique.name} ({b.technique.ring.value})", index)
            for b in blips
            if b.area_index == index
        ]
    per_column = max(int(height // _LINE), 8)
    columns = [lines[i : i + per_column] for i in range(0, len(lines), per_column)] or [[]]
    out, x = [], left
    for column in columns:
        width = max((_legend_width(kind, text) for kind, text, _ in column), default=0) + 24
        for row, (kind, text, index) in enumerate(column):
            if kind == "gap":
                continue
            y = _MARGIN / 2 + (row + 1) * _LINE
            weight = ' font-weight="700"' if kind == "area" else ""
            colour = _AREA_COLOURS[index % len(_AREA_COLOURS)] if kind == "area" else "#1d2430"
            out.append(
                f'<text class="legend-{kind}" x="{_f(x)}" y="{_f(y)}" font-size="{_LEGEND_SIZE:g}"'
                f'{weight} fill="{colour}">{escape(text)}</text>'
            )
        x += width
    tallest = max(len(c) for c in columns) * _LINE + _MARGIN
    return out, x - left, tallest


def _legend_width(kind: str, text: str) -> float:
    return text_width(text, _LEGEND_SIZE, bold=kind == "area")


def radar_svg(techniques: Sequence[Technique], *, title: str = "Research radar") -> str:
    """The radar of ``techniques`` as a standalone SVG document (see the module
    docstring); user text is escaped."""
    radius, areas, blips = _blips(techniques)
    centre = radius + _MARGIN
    side = 2 * centre
    labels, left, right = _area_labels(centre, radius, areas)
    body = [*_rings(centre, radius, areas), *labels]
    body += [_blip(b) for b in blips]
    if not blips:
        body.append(
            f'<text x="{_f(centre)}" y="{_f(centre)}" text-anchor="middle" font-size="13" '
            'fill="#57606a">no techniques on the radar yet</text>'
        )
    legend_left = side + right + 10
    legend, legend_width, legend_height = _legend(blips, areas, legend_left, side - _MARGIN)
    width, height = legend_left + legend_width + 10 + left, max(side, legend_height)
    return (  # the viewBox starts left of 0 when a left-hand area name reaches past it
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="{_f(-left)} 0 {_f(width)} {_f(height)}" role="img" '
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
        f"<title>{escape(title)}</title>" + "".join(body) + "".join(legend) + "</svg>\n"
    )
