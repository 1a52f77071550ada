"""The research radar as one SVG picture with a numbered list beside it.

Rings ADOPT (centre) to SKIP (outside) are concentric bands; each area is a
sector, however many areas there are. Every technique is a numbered blip in
its ring and area, and the list beside the picture names each number, grouped
by area, so the picture stays readable however crowded it gets. Where each blip
goes is :mod:`assay.report.radar_layout`'s deterministic layout: blips never
overlap, a technique added later moves no other, and a cell too crowded for the
largest radar shows one "+N" blip for the rest, linking to the list of that cell.
The strip along the first sector line stays free of blips and carries the ring
names.

Marks (:class:`BlipMark`): a technique new since the movement date wears a ring
around its blip, one that moved in a triangle pointing to the centre, one that
moved out a triangle pointing away; a stale blip has a dashed amber outline, an
overdue one a red dot, one with a reopened decision a purple dot (issue 14), one
placed by override (or by an imported radar) with no YES gate since a thick
dark-red outline. A key in the corner explains the marks
the picture shows.

Each blip is a link when ``href`` is given (only relative, ``http`` and
``https`` addresses: anything else, such as ``javascript:``, is left unlinked)
and carries a ``<title>`` tooltip; all user text is escaped. The picture is
``role="img"`` with an ``aria-label``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from assay.pipeline.radar import Technique
from assay.report.radar_layout import BLIP_RADIUS, BOUNDS, Group, Layout, Placed, layout
from assay.report.svgtools import text_width
from assay.types import Ring

__all__ = ["BLIP_RADIUS", "BlipMark", "radar_svg", "safe_href"]

_RING_FILL = ("#dbe9f6", "#e4eef8", "#edf3fa", "#f3f6fa", "#f8f9fb")
_AREA_COLOURS = ("#0969da", "#bf3989", "#1a7f37", "#bc4c00", "#8250df", "#1b7c83", "#9a6700")
_MARGIN = 60.0
_LINE = 15.0
_MOVEMENTS = ("new", "moved_in", "moved_out")
_ORDER = {ring: ring.order for ring in Ring}
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*)\s*:")


@dataclasses.dataclass(frozen=True)
class BlipMark:
    """What the picture marks on a technique's blip (see the module docstring):
    ``movement`` is ``"new"``, ``"moved_in"``, ``"moved_out"`` or ``None``."""

    movement: str | None = None
    stale: bool = False
    overdue: bool = False
    override: bool = False
    rollout: str = ""  # where its production rollout stands: "rollout 25%" (issue 14)
    reopened: bool = False  # a decision on it was reopened (issue 14, docs/watch.md)

    def __post_init__(self) -> None:
        if self.movement is not None and self.movement not in _MOVEMENTS:
            raise ValueError(f"movement {self.movement!r}; expected one of {_MOVEMENTS} or None")

    def words(self) -> list[str]:
        """The marks in words, for the blip's tooltip."""
        said = [self.movement.replace("_", " ")] if self.movement else []
        flags = (("stale", self.stale), ("overdue", self.overdue), ("override", self.override))
        reopened = ["reopened"] if self.reopened else []
        rollout = [self.rollout] if self.rollout else []
        return said + [word for word, on in flags if on] + rollout + reopened


_NO_MARK = BlipMark()
_NUMBER_SIZE = {1: 9, 2: 9, 3: 7, 4: 5.5}  # a blip's number fits its circle


def safe_href(url: str) -> str | None:
    """``url`` when it is safe to link: relative, ``http`` or ``https`` (anything
    else, ``javascript:`` above all, is ``None``: not linked)."""
    found = _SCHEME.match(url.replace("\t", "").replace("\n", "").replace("\r", ""))
    if found is None or found.group(1).lower() in ("http", "https"):
        return url
    return None


def _f(value: float) -> str:
    return f"{value:.1f}"


def _rings(centre: float, radius: float, areas: Sequence[str]) -> list[str]:
    out = []
    for ring in reversed(Ring):
        r = BOUNDS[ring.order + 1] * radius
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
        middle = (BOUNDS[ring.order] + BOUNDS[ring.order + 1]) / 2 * radius
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


def _area_labels(
    centre: float, radius: float, areas: Sequence[str]
) -> tuple[list[str], float, float]:
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


def _link(body: str, href: str | None) -> str:
    """``body`` inside an ``<a href>`` when ``href`` is safe to link."""
    safe = None if href is None else safe_href(href)
    return body if safe is None else f"<a href={quoteattr(safe)}>{body}</a>"


def _triangle(x: float, y: float, centre: float, inwards: bool) -> str:
    """A small triangle beside the blip at (x, y) on its radial line, pointing to
    the centre (``inwards``) or away from it."""
    dx, dy = x - centre, y - centre
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length  # outwards
    side = -1.0 if inwards else 1.0
    base = BLIP_RADIUS + 1
    bx, by = x + side * ux * base, y + side * uy * base  # the base's middle
    tx, ty = x + side * ux * (base + 5), y + side * uy * (base + 5)  # the tip
    px, py = -uy * 3.5, ux * 3.5
    points = f"{_f(bx + px)},{_f(by + py)} {_f(bx - px)},{_f(by - py)} {_f(tx)},{_f(ty)}"
    kind = "moved-in" if inwards else "moved-out"
    return f'<polygon class="mark-{kind}" points="{points}" fill="#1d2430"/>'


def _marks(mark: BlipMark, x: float, y: float, centre: float, colour: str) -> list[str]:
    """The SVG of a blip's marks, drawn around the circle at (x, y)."""
    out = []
    if mark.movement == "new":
        out.append(
            f'<circle class="mark-new" cx="{_f(x)}" cy="{_f(y)}" r="{BLIP_RADIUS + 2.5:g}" '
            f'fill="none" stroke="{colour}" stroke-width="1.5"/>'
        )
    elif mark.movement in ("moved_in", "moved_out"):
        out.append(_triangle(x, y, centre, inwards=mark.movement == "moved_in"))
    if mark.stale:
        out.append(
            f'<circle class="mark-stale" cx="{_f(x)}" cy="{_f(y)}" r="{BLIP_RADIUS + 1:g}" '
            'fill="none" stroke="#9a6700" stroke-width="2" stroke-dasharray="3 2"/>'
        )
    if mark.overdue:
        ox, oy = x + BLIP_RADIUS * 0.75, y - BLIP_RADIUS * 0.75
        out.append(
            f'<circle class="mark-overdue" cx="{_f(ox)}" cy="{_f(oy)}" r="3.5" '
            'fill="#cf222e" stroke="#fff" stroke-width="1"/>'
        )
    if mark.reopened:
        rx, ry = x - BLIP_RADIUS * 0.75, y - BLIP_RADIUS * 0.75
        out.append(
            f'<circle class="mark-reopened" cx="{_f(rx)}" cy="{_f(ry)}" r="3.5" '
            'fill="#8250df" stroke="#fff" stroke-width="1"/>'
        )
    return out


def _blip(number: int, blip: Placed, centre: float, mark: BlipMark, href: str | None) -> str:
    colour = _AREA_COLOURS[blip.area_index % len(_AREA_COLOURS)]
    t = blip.technique
    x, y = centre + blip.x, centre + blip.y
    words = mark.words()
    tip = f"{number}. {t.name}: {t.ring.value} ({t.area})" + (
        f" — {', '.join(words)}" if words else ""
    )
    outline = ' stroke="#82071e" stroke-width="3"' if mark.override else ""
    body = (
        f'<g class="blip" data-name={quoteattr(t.name)} data-ring="{t.ring.value}">'
        f"<title>{escape(tip)}</title>"
        f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{BLIP_RADIUS:g}" fill="{colour}"{outline}/>'
        + "".join(_marks(mark, x, y, centre, colour))
        + f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="middle" '
        f'dominant-baseline="central" font-size="{_NUMBER_SIZE[min(len(str(number)), 4)]:g}" '
        f'font-weight="700" fill="#fff">{number}</text></g>'
    )
    return _link(body, href)


def _group(group: Group, areas: Sequence[str], centre: float, href: str | None) -> str:
    """The "+N" blip of a crowded cell."""
    ring, area = tuple(Ring)[group.ring_order], areas[group.area_index]
    x, y = centre + group.x, centre + group.y
    count = len(group.hidden)
    tip = f"{count} more in {area}, {ring.value}"
    body = (
        f'<g class="blip-group" data-area={quoteattr(area)} data-ring="{ring.value}" '
        f'data-count="{count}"><title>{escape(tip)}</title>'
        f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{BLIP_RADIUS:g}" fill="#57606a"/>'
        f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="middle" dominant-baseline="central" '
        f'font-size="{7 if count < 100 else 5.5:g}" font-weight="700" fill="#fff">'
        f"+{count}</text></g>"
    )
    return _link(body, href)


def _cell_href(area: str, ring: Ring) -> str:
    """The default link of a "+N" blip: the page it sits on, filtered to its cell."""
    return "?" + urlencode({"area": area, "ring": ring.value.lower()})


_KEY = (
    ("new", "new since the movement date (ring)"),
    ("moved_in", "moved in (triangle to the centre)"),
    ("moved_out", "moved out (triangle outwards)"),
    ("stale", "stale evidence (dashed outline)"),
    ("overdue", "next action overdue (red dot)"),
    ("override", "override or import, no YES gate (dark outline)"),
    ("reopened", "decision reopened (purple dot)"),
    ("group", "+N: more techniques in that cell"),
)


def _key(shown: set[str], top: float) -> tuple[list[str], float]:
    """The key to the marks the picture shows, under the circle from ``top``; returns
    the SVG lines and the height they take."""
    lines = [text for kind, text in _KEY if kind in shown]
    out = [
        f'<text class="key" x="6" y="{_f(top + (row + 1) * 13)}" font-size="10" '
        f'fill="#57606a">{escape(text)}</text>'
        for row, text in enumerate(lines)
    ]
    return out, (len(lines) * 13 + 8 if lines else 0.0)


def _legend(
    numbered: Sequence[tuple[int, Placed]],
    groups: Sequence[Group],
    areas: Sequence[str],
    left: float,
    height: float,
) -> tuple[list[str], float, float]:
    """The numbered list, grouped by area, in as many columns as the height needs;
    returns the SVG lines, its width and its height."""
    lines: list[tuple[str, str, int]] = []  # (kind, text, area index)
    for index, area in enumerate(areas):
        if lines:
            lines.append(("gap", "", index))
        lines.append(("area", area, index))
        lines += [
            ("item", f"{n}. {b.technique.name} ({b.technique.ring.value})", index)
            for n, b in numbered
            if b.area_index == index
        ]
        lines += [
            ("item", f"+{len(g.hidden)} more ({tuple(Ring)[g.ring_order].value})", index)
            for g in groups
            if g.area_index == index
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


def _numbered(found: Layout) -> list[tuple[int, Placed]]:
    """The blips numbered in the legend's order: by area, ring, then name."""
    index, order = {area: i for i, area in enumerate(found.areas)}, _ORDER
    ordered = sorted(
        found.placed,
        key=lambda b: (index[b.technique.area], order[b.technique.ring],
                       b.technique.name.lower(), b.technique.name),
    )  # fmt: skip
    return list(enumerate(ordered, 1))


def radar_svg(
    techniques: Sequence[Technique],
    *,
    title: str = "Research radar",
    marks: Mapping[str, BlipMark] | None = None,
    href: Callable[[str], str] | None = None,
    cell_href: Callable[[str, Ring], str] | None = None,
    positions: Mapping[str, tuple[float, float]] | None = None,
    legend: bool = True,
) -> str:
    """The radar of ``techniques`` as a standalone SVG document (see the module
    docstring); user text is escaped.

    ``marks``: each technique's :class:`BlipMark`, by name. ``href(name)``: the
    address a blip links to (none: no links). ``cell_href(area, ring)``: where a
    crowded cell's "+N" blip links (default ``?area=A&ring=R`` on the same page).
    ``positions``: coordinates a caller keeps, by name, as fractions of the radius
    from the centre (see :mod:`assay.report.radar_layout`). ``legend``: the numbered
    list beside the picture (a page with its own table may leave it out).
    """
    found = layout(techniques, positions)
    marks = marks or {}
    centre = found.radius + _MARGIN
    side = 2 * centre
    labels, left, right = _area_labels(centre, found.radius, found.areas)
    numbered = _numbered(found)
    body = [*_rings(centre, found.radius, found.areas), *labels]
    body += _drawn(found, numbered, centre, marks, href, cell_href or _cell_href)
    lines: list[str] = []
    width, height = side + right + left, side
    key, below = _key(_shown_marks(numbered, marks, found.groups), side - _MARGIN / 2)
    if legend:
        legend_left = side + right + 10
        lines, legend_width, legend_height = _legend(
            numbered, found.groups, found.areas, legend_left, side - _MARGIN
        )
        width, height = legend_left + legend_width + 10 + left, legend_height
    height = max(side + below, height)
    shown = len(numbered) + sum(len(g.hidden) for g in found.groups)
    label = f"{title}: {shown} technique{'s' if shown != 1 else ''} in {len(found.areas)} areas"
    return (  # the viewBox starts left of 0 when a left-hand area name reaches past it
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="{_f(-left)} 0 {_f(width)} {_f(height)}" role="img" '
        f"aria-label={quoteattr(label)} "
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
        f"<title>{escape(title)}</title>" + "".join(body + key + lines) + "</svg>\n"
    )


def _drawn(
    found: Layout,
    numbered: Sequence[tuple[int, Placed]],
    centre: float,
    marks: Mapping[str, BlipMark],
    href: Callable[[str], str] | None,
    cell_href: Callable[[str, Ring], str],
) -> list[str]:
    """The blips and "+N" groups (or, on an empty radar, a line that says so)."""
    out = [
        _blip(n, b, centre, marks.get(b.technique.name, _NO_MARK),
              href(b.technique.name) if href else None)
        for n, b in numbered
    ]  # fmt: skip
    rings, areas = tuple(Ring), found.areas
    out += [
        _group(g, areas, centre, cell_href(areas[g.area_index], rings[g.ring_order]))
        for g in found.groups
        if math.isfinite(g.x)
    ]
    if not out:
        out.append(
            f'<text x="{_f(centre)}" y="{_f(centre)}" text-anchor="middle" font-size="13" '
            'fill="#57606a">no techniques on the radar yet</text>'
        )
    return out


def _shown_marks(
    numbered: Sequence[tuple[int, Placed]], marks: Mapping[str, BlipMark], groups: Sequence[Group]
) -> set[str]:
    """Which kinds of mark the picture shows (for its key)."""
    shown = {"group"} if any(math.isfinite(g.x) for g in groups) else set()
    for _, b in numbered:
        mark = marks.get(b.technique.name)
        if mark is None:
            continue
        if mark.movement:
            shown.add(mark.movement)
        shown.update(k for k in ("stale", "overdue", "override", "reopened") if getattr(mark, k))
    return shown
