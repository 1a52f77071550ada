"""Where each blip of the radar picture goes: a deterministic layout that keeps blips
still while the radar changes around them.

Each ring-and-area cell is filled with slots at least one blip-spacing apart (measured
as chords, not arcs), kept half a spacing from the cell's edges, so blips in
neighbouring cells are a spacing apart too. The radius grows from 240 px by 10% at a
time until every cell has a slot for each of its techniques, up to :data:`MAX_RADIUS`;
a cell still too crowded then shows its first techniques and one "+N" group blip for
the rest.

Within a cell, each technique prefers the slot its name hashes to (CRC-32 of the
case-folded name, so the same in every process) and takes the next free slot when
that one is taken; techniques claim slots in the order they entered the cell (their
last ring move, then their name). Nothing is stored: a technique added or moved into a
cell is the newest there and only takes a free slot, so no other blip moves, as long
as the radius stays (it grows only when a cell runs out of slots) and no area is added
(a new area re-divides the sectors). Callers that keep their own coordinates pass
them as ``positions``: a collision pass keeps those that lie inside their cell and
clear of each other, and lays out the rest around them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import zlib
from collections.abc import Mapping, Sequence

from assay.pipeline.radar import Technique
from assay.types import Ring

__all__ = ["BLIP_RADIUS", "MAX_RADIUS", "SPACING", "Group", "Layout", "Placed", "layout"]

BLIP_RADIUS = 9.0
"""Radius of a blip in pixels."""
_GAP = 6.0  # room between blips for their movement and overdue marks
SPACING = 2 * BLIP_RADIUS + _GAP
BOUNDS = (0.0, 0.3, 0.5, 0.67, 0.84, 1.0)  # ring edges as fractions of the radius
MIN_RADIUS = 240.0
MAX_RADIUS = MIN_RADIUS * 1.1**10
"""The largest radius (about 622 px): beyond it, crowded cells are grouped."""
LABEL_STRIP = 7.0  # extra room beside the first sector line, where the ring names are
_ORDER = {ring: ring.order for ring in Ring}


@dataclasses.dataclass(frozen=True)
class Placed:
    """A technique's blip: its area's index and its centre relative to the radar's
    centre (y grows downwards)."""

    technique: Technique
    area_index: int
    x: float
    y: float


@dataclasses.dataclass(frozen=True)
class Group:
    """The "+N" blip of a crowded cell: the ``hidden`` techniques it stands for."""

    area_index: int
    ring_order: int
    hidden: tuple[Technique, ...]
    x: float
    y: float


@dataclasses.dataclass(frozen=True)
class Layout:
    """The radius, the areas in order, the blips and the groups."""

    radius: float
    areas: tuple[str, ...]
    placed: tuple[Placed, ...]
    groups: tuple[Group, ...]


def cell_slots(
    r0: float, r1: float, a0: float, a1: float, *, strip: tuple[bool, bool] = (False, False)
) -> list[tuple[float, float]]:
    """Polar slots (r, angle) in a ring-and-area cell, kept ``SPACING / 2`` from its
    edges (and clear of the ring names' strip on the sides flagged in ``strip``)
    and ``SPACING`` apart from each other, row by row from the inside."""
    half = SPACING / 2
    slots = []
    r = max(r0 + half, SPACING)
    while r <= r1 - half + 1e-9:
        pads = [math.asin(min(1.0, (half + (LABEL_STRIP if s else 0)) / r)) for s in strip]
        step = 2 * math.asin(min(1.0, half / r))
        usable = (a1 - a0) - sum(pads)
        if usable >= 0:
            count = int(usable / step + 1e-9) + 1
            offset = (usable - (count - 1) * step) / 2
            slots += [(r, a0 + pads[0] + offset + k * step) for k in range(count)]
        r += SPACING
    return slots


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def _entered(technique: Technique) -> tuple[dt.datetime, str, str]:
    """When the technique entered its cell (its last move), then its name: the order
    in which a cell's techniques claim slots."""
    history = technique.history
    return history[-1].at if history else _NEVER, technique.name.casefold(), technique.name


def _cells(
    techniques: Sequence[Technique], areas: Sequence[str]
) -> dict[tuple[int, int], list[Technique]]:
    index = {area: i for i, area in enumerate(areas)}
    cells: dict[tuple[int, int], list[Technique]] = {}
    add = cells.setdefault
    for t in techniques:
        add((_ORDER[t.ring], index[t.area]), []).append(t)
    return {cell: sorted(members, key=_entered) for cell, members in sorted(cells.items())}


def _slots(
    cells: Mapping[tuple[int, int], list[Technique]], areas: int
) -> tuple[float, dict[tuple[int, int], list[tuple[float, float]]]]:
    """The smallest radius (from 240 px, growing 10% at a time, at most
    :data:`MAX_RADIUS`) at which every cell has a slot for each of its techniques, and
    each cell's slots as (x, y) from the centre."""
    radius, sector = MIN_RADIUS, 2 * math.pi / max(areas, 1)
    while True:
        found, fits = {}, True
        for ring, area in cells:
            a0 = -math.pi / 2 + area * sector
            strip = (area == 0, area == areas - 1)
            r0, r1 = BOUNDS[ring] * radius, BOUNDS[ring + 1] * radius
            polar = cell_slots(r0, r1, a0, a0 + sector, strip=strip)
            found[(ring, area)] = [(r * math.cos(a), r * math.sin(a)) for r, a in polar]
            fits = fits and len(polar) >= len(cells[(ring, area)])
        if fits or radius * 1.1 > MAX_RADIUS + 1e-6:
            return radius, found
        radius *= 1.1


class _Grid:
    """Points placed so far, bucketed by ``SPACING`` squares: is a point clear of all?"""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def clear(self, x: float, y: float) -> bool:
        i, j = math.floor(x / SPACING), math.floor(y / SPACING)
        return all(
            math.hypot(x - px, y - py) >= SPACING - 1e-6
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            for px, py in self.cells.get((i + di, j + dj), ())
        )

    def add(self, x: float, y: float) -> None:
        key = (math.floor(x / SPACING), math.floor(y / SPACING))
        self.cells.setdefault(key, []).append((x, y))


def _inside(x: float, y: float, cell: tuple[int, int], radius: float, areas: int) -> bool:
    """True when (x, y) lies in the cell, half a spacing clear of its edges."""
    ring, area = cell
    r, half = math.hypot(x, y), SPACING / 2
    if not BOUNDS[ring] * radius + half <= r <= BOUNDS[ring + 1] * radius - half:
        return False
    if areas <= 1:
        return True
    sector = 2 * math.pi / areas
    angle = (math.atan2(y, x) + math.pi / 2) % (2 * math.pi) - area * sector
    margin = math.asin(min(1.0, half / max(r, 1e-9)))
    return margin <= angle <= sector - margin


def _claim(
    slots: list[tuple[float, float]], taken: list[bool], start: int, grid: _Grid | None
) -> int:
    """The first free slot from ``start`` on (wrapping), clear of the blips in
    ``grid`` (``None``: no blip was placed off the slots); -1 if none."""
    n = len(slots)
    for k in range(n):
        i = (start + k) % n
        if not taken[i] and (grid is None or grid.clear(*slots[i])):
            taken[i] = True
            return i
    return -1


def layout(
    techniques: Sequence[Technique],
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> Layout:
    """The blips of ``techniques`` (see the module docstring). ``positions``: kept
    coordinates by name, as fractions of the radius from the centre."""
    areas = tuple(sorted({t.area for t in techniques}, key=str.lower))
    cells = _cells(techniques, areas)
    radius, slots = _slots(cells, len(areas))
    grid = _Grid()
    kept = _kept(cells, positions or {}, radius, len(areas), grid)
    check = grid if kept else None  # slots are a spacing apart: only kept blips can clash
    placed: list[Placed] = []
    groups: list[Group] = []
    for (ring, area), members in cells.items():
        cell, taken = slots[(ring, area)], [False] * len(slots[(ring, area)])
        pending = [t for t in members if t.name not in kept]
        placed += [Placed(t, area, *kept[t.name]) for t in members if t.name in kept]
        room = len(cell) if check is None else sum(1 for s in cell if check.clear(*s))
        shown = pending if len(pending) <= room else pending[: max(room - 1, 0)]
        for t in shown:
            i = _claim(cell, taken, zlib.crc32(t.name.casefold().encode()) % len(cell), check)
            placed.append(Placed(t, area, *cell[i]))
        hidden = tuple(pending[len(shown) :])
        if hidden:
            i = _claim(cell, taken, 0, check) if cell else -1
            x, y = cell[i] if i >= 0 else (math.nan, math.nan)
            groups.append(Group(area, ring, hidden, x, y))
    return Layout(radius, areas, tuple(placed), tuple(groups))


def _kept(
    cells: Mapping[tuple[int, int], list[Technique]],
    positions: Mapping[str, tuple[float, float]],
    radius: float,
    areas: int,
    grid: _Grid,
) -> dict[str, tuple[float, float]]:
    """The collision pass over caller-kept positions: those inside their technique's
    cell and clear of the ones kept before them (in the cells' claiming order)."""
    kept: dict[str, tuple[float, float]] = {}
    if not positions:
        return kept
    for cell, members in cells.items():
        for t in members:
            if t.name not in positions:
                continue
            fx, fy = positions[t.name]
            x, y = fx * radius, fy * radius
            finite = math.isfinite(x) and math.isfinite(y)
            if finite and _inside(x, y, cell, radius, areas) and grid.clear(x, y):
                grid.add(x, y)
                kept[t.name] = (x, y)
    return kept
